/**
 * Heartbeat ledger writer: SQS (one heartbeat event per message, from the central bus) -> DynamoDB.
 *
 * Thin on purpose: parsing and the conditional write are in heartbeat/ledger.ts, the batch in heartbeat/run.ts. Every record ends
 * recorded, stale (a newer heartbeat of its source is already in the ledger: nothing to do), or in
 * `batchItemFailures` (malformed, or its write failed), so that SQS retries it alone.
 */
// The runtime dependencies below are bundled into the Lambda asset by esbuild; the library never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Logger } from '@aws-lambda-powertools/logger';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoDb } from './heartbeat/aws-client';
import { loadWriterTable } from './heartbeat/config';
import { writeBatch } from './heartbeat/run';
import { LedgerStore } from './heartbeat/store';
import { HEARTBEAT_TELEMETRY } from '../shared/heartbeat';

const store = new LedgerStore(dynamoDb(), loadWriterTable(process.env));
const logger = new Logger({ serviceName: HEARTBEAT_TELEMETRY.WRITER_SERVICE_NAME });
const metrics = new Metrics({ namespace: HEARTBEAT_TELEMETRY.METRICS_NAMESPACE, serviceName: HEARTBEAT_TELEMETRY.WRITER_SERVICE_NAME });

/** The SQS event source mapping handler (with ReportBatchItemFailures). */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const records = event?.Records ?? [];
  let failed: string[];
  try {
    const summary = await writeBatch(records, store, Date.now(), (ids, err) => logger.warn('heartbeat not recorded', { messageIds: ids, error: err as Error }));
    failed = summary.failed;
    metrics.addMetric('HeartbeatsRecorded', MetricUnit.Count, summary.recorded);
    metrics.addMetric('HeartbeatsStale', MetricUnit.Count, summary.stale);
    metrics.addMetric('HeartbeatsMalformed', MetricUnit.Count, summary.malformed);
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
