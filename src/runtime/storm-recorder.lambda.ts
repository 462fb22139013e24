/**
 * Storm recorder: SQS (job failures from the central bus) -> the first alarm of each group at once, the rest
 * counted in the storm ledger for the window's digest; every event published one by one when the ledger fails.
 *
 * Thin on purpose: the decisions are in storm/run.ts, the writes in storm/store.ts, the texts in storm/group.ts.
 * A record fails (SQS retries it, then keeps it in the dead-letter queue, which has an alarm) only when its
 * publish failed.
 */
// The runtime dependencies below are bundled into the Lambda asset by esbuild; the library never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Logger } from '@aws-lambda-powertools/logger';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { withChatCopy } from './chat-reports';
import { dynamoDb, sns } from './heartbeat/aws-client';
import { loadStormConfig } from './storm/config';
import { recordStormBatch, StormMemo } from './storm/run';
import { StormStore } from './storm/store';
import { STORM_TELEMETRY } from '../shared/storm';

const config = loadStormConfig(process.env);
const store = new StormStore(dynamoDb(), config.tableName, config.settings.windowSeconds);
const memo = new StormMemo();
const logger = new Logger({ serviceName: STORM_TELEMETRY.RECORDER_SERVICE_NAME });
// Every message to the alarm topic is copied to the chat topic, when there is one (best effort).
const publish = withChatCopy(sns(), config.chatTopicArn, (err) => logger.warn('chat copy not published', { error: err as Error }));
const metrics = new Metrics({ namespace: STORM_TELEMETRY.METRICS_NAMESPACE, serviceName: STORM_TELEMETRY.RECORDER_SERVICE_NAME });

/** The SQS event source mapping handler (with ReportBatchItemFailures). */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const records = event?.Records ?? [];
  const partition = (context.invokedFunctionArn ?? '').split(':')[1] || 'aws';
  try {
    const summary = await recordStormBatch(records, {
      store,
      publish,
      topic: config.alarmTopicArn,
      settings: config.settings,
      now: Date.now,
      partition,
      memo,
      onError: (what, err) => logger.error(what, { error: err as Error }),
    });
    metrics.addMetric('StormFirstAlarms', MetricUnit.Count, summary.first);
    metrics.addMetric('StormEventsDigested', MetricUnit.Count, summary.digested);
    metrics.addMetric(STORM_TELEMETRY.FAIL_OPEN_METRIC, MetricUnit.Count, summary.failOpen);
    metrics.addMetric('StormEventsUnparsed', MetricUnit.Count, summary.unparsed);
    logger.info('batch done', { records: records.length, ...summary, failed: summary.failed.length });
    return { batchItemFailures: summary.failed.map((itemIdentifier) => ({ itemIdentifier })) };
  } finally {
    metrics.publishStoredMetrics();
  }
};
