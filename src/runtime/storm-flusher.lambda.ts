/**
 * Storm flusher: every minute, sends one digest per window that has ended (claimed with a conditional write, so
 * that it is sent once however many runs overlap).
 *
 * Thin on purpose: the run is storm/run.ts. A run whose digest could not be published throws, so that the
 * function's Errors metric (and its alarm) sees it; the digest is sent by a later run once the claim lapses.
 */
// The runtime dependencies below are bundled into the Lambda asset by esbuild; the library never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Logger } from '@aws-lambda-powertools/logger';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { withChatCopy } from './chat-reports';
import { dynamoDb, sns } from './heartbeat/aws-client';
import { loadStormConfig } from './storm/config';
import { flushDigests } from './storm/run';
import { StormStore } from './storm/store';
import { STORM_TELEMETRY } from '../shared/storm';

const config = loadStormConfig(process.env);
const store = new StormStore(dynamoDb(), config.tableName, config.settings.windowSeconds);
const logger = new Logger({ serviceName: STORM_TELEMETRY.FLUSHER_SERVICE_NAME });
// Every message to the alarm topic is copied to the chat topic, when there is one (best effort).
const publish = withChatCopy(sns(), config.chatTopicArn, (err) => logger.warn('chat copy not published', { error: err as Error }));
const metrics = new Metrics({ namespace: STORM_TELEMETRY.METRICS_NAMESPACE, serviceName: STORM_TELEMETRY.FLUSHER_SERVICE_NAME });

/** The scheduled handler. */
export const handler = async (_event: unknown, context: Context): Promise<void> => {
  logger.addContext(context);
  const partition = (context.invokedFunctionArn ?? '').split(':')[1] || 'aws';
  try {
    const summary = await flushDigests({
      store,
      publish,
      topic: config.alarmTopicArn,
      settings: config.settings,
      now: Date.now(),
      partition,
      onError: (what, err) => logger.error(what, { error: err as Error }),
    });
    metrics.addMetric('StormDigestsSent', MetricUnit.Count, summary.digestsSent);
    metrics.addMetric('StormEventsInDigests', MetricUnit.Count, summary.eventsDigested);
    logger.info('flush done', { ...summary });
    if (summary.publishFailures > 0) throw new Error(`${summary.publishFailures} digest(s) not published; a later run sends them`);
  } finally {
    metrics.publishStoredMetrics();
  }
};
