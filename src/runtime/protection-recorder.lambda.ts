/**
 * Protection recorder: SQS (job, tamper and policy events from the central bus) -> the protection ledger.
 *
 * Thin on purpose: parsing is in protection/recorder.ts, the writes in protection/store.ts, the batch in
 * protection/run.ts. Every record ends recorded or in `batchItemFailures` (malformed, or a write failed), so
 * that SQS retries it alone and, after 5 receives, keeps it in the dead-letter queue.
 */
// The runtime dependencies below are bundled into the Lambda asset by esbuild; the library never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Logger } from '@aws-lambda-powertools/logger';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoDb } from './heartbeat/aws-client';
import { loadRecorderTable } from './protection/config';
import { recordBatch } from './protection/run';
import { ProtectionStore } from './protection/store';
import { PROTECTION_TELEMETRY } from '../shared/protection';

const store = new ProtectionStore(dynamoDb(), loadRecorderTable(process.env));
const logger = new Logger({ serviceName: PROTECTION_TELEMETRY.RECORDER_SERVICE_NAME });
const metrics = new Metrics({ namespace: PROTECTION_TELEMETRY.METRICS_NAMESPACE, serviceName: PROTECTION_TELEMETRY.RECORDER_SERVICE_NAME });

/** The SQS event source mapping handler (with ReportBatchItemFailures). */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const records = event?.Records ?? [];
  let failed: string[];
  try {
    const summary = await recordBatch(records, store, Date.now(), (ids, err) => logger.warn('event not recorded', { messageIds: ids, error: err as Error }));
    failed = summary.failed;
    metrics.addMetric('ProtectionsRecorded', MetricUnit.Count, summary.protections);
    metrics.addMetric('EventsCounted', MetricUnit.Count, summary.counted);
    metrics.addMetric('EventsMalformed', MetricUnit.Count, summary.malformed);
    metrics.addMetric('LedgerWriteErrors', MetricUnit.Count, summary.errors);
    logger.info('batch done', { records: records.length, ...summary, failed: summary.failed.length });
  } catch (err) {
    logger.error('batch failed; returning every record for retry', { error: err as Error });
    failed = records.map((r) => r.messageId);
  } finally {
    metrics.publishStoredMetrics();
  }
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
};
