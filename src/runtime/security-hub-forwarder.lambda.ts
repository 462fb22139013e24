/**
 * SecurityHubFindingForwarder: SQS (one EventBridge AWS Backup job event or tamper signal per message) -> Security Hub.
 *
 * Thin on purpose: parsing and the finding are in finding.ts, where findings go in attribution.ts, batching,
 * pacing and retries in importer.ts and pacer.ts, the environment contract in config.ts.
 *
 * Every record of a batch ends in exactly one of three ways:
 * - its finding was imported (ACTIVE or ARCHIVED), or a newer event for the same finding in the same batch
 *   was, or its job is still in progress (no finding), or it is a success with no open finding to close
 *   (lifecycle.ts): not returned;
 * - it is malformed (bad JSON, not a job event, a 13-digit example account, a finding Security Hub could never
 *   take): logged with the reason and returned in `batchItemFailures`, so SQS retries it and, after the
 *   queue's `maxReceiveCount`, moves it to the dead-letter queue, without failing its neighbours;
 * - its import failed after the retries: returned in `batchItemFailures`.
 */
// The runtime dependencies below are bundled into the Lambda asset by esbuild; the library never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Logger } from '@aws-lambda-powertools/logger';
// eslint-disable-next-line import/no-extraneous-dependencies
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { forwarderIdentity, importTargetFor } from './attribution';
import { SecurityHubClients } from './clients';
import { loadConfig } from './config';
import { MalformedEventError, parseBackupEvent, parseJson } from './event';
import { buildFinding } from './finding';
import { ImportItem, importFindings, ImportStatus } from './importer';
import { findOpenFindings, reconcile } from './lifecycle';
import { buildTamperFinding, isTamperEvent, parseTamperEvent } from './tamper';
import { TELEMETRY } from '../shared/contract';

/** Stop starting calls this long before the Lambda times out, so the response still gets out. */
const SAFETY_MARGIN_MS = 5_000;
/** In-flight calls are aborted this long before the function's timeout. */
const HARD_STOP_MARGIN_MS = 1_000;

// Cold start: a configuration mistake throws here, before any message is taken as handled.
const config = loadConfig(process.env);
// Names from the contract: the construct sets the same service name and namespace for Powertools.
const logger = new Logger({ serviceName: TELEMETRY.SERVICE_NAME });
const metrics = new Metrics({ namespace: TELEMETRY.METRICS_NAMESPACE, serviceName: TELEMETRY.SERVICE_NAME });

// Once per container, reused by every invocation: clients (and their connections), pacers, credentials.
const clients = new SecurityHubClients(config);

/** The SQS event source mapping handler (with ReportBatchItemFailures). */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const started = Date.now();
  const records = event?.Records ?? [];
  const failures = new Set<string>();
  const counts = {
    imported: 0, archived: 0, ignored: 0, superseded: 0, malformed: 0, failed: 0, throttles: 0, lookups: 0, lookupsSkipped: 0, nothingToClose: 0,
  };

  try {
    const self = forwarderIdentity(context.invokedFunctionArn, process.env.AWS_REGION);
    const items: ImportItem[] = [];
    const tamperItems: ImportItem[] = [];
    for (const record of records) {
      try {
        const raw = parseJson(record.body);
        if (isTamperEvent(raw)) {
          const signal = parseTamperEvent(raw as Record<string, any>);
          const at = importTargetFor(config.attributionMode, signal, self);
          // An act, not a state: its own finding, nothing to look up or close.
          tamperItems.push({ ref: record.messageId, target: at, finding: buildTamperFinding(signal, at) });
          continue;
        }
        const ev = parseBackupEvent(raw);
        const target = importTargetFor(config.attributionMode, ev, self);
        const finding = buildFinding(ev, target, config.severityOverrides);
        if (finding === undefined) {
          counts.ignored++;
          logger.info('job still in progress: no finding', { messageId: record.messageId, jobKind: ev.kind, state: ev.state });
          continue;
        }
        items.push({ ref: record.messageId, target, finding });
      } catch (err) {
        failures.add(record.messageId);
        if (err instanceof MalformedEventError) {
          counts.malformed++;
          logger.warn('malformed record', {
            messageId: record.messageId,
            reason: err.reason,
            error: err.message,
            receiveCount: record.attributes?.ApproximateReceiveCount,
            body: (record.body ?? '').slice(0, 1000),
          });
        } else {
          counts.failed++;
          logger.error('could not build a finding', { messageId: record.messageId, error: err as Error });
        }
      }
    }

    const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
    // No call starts after `deadline`; a call still running at `hardStop` is aborted, a second before the
    // function's own timeout, so that the handler always answers with its partial batch response.
    const deadline = remaining === undefined ? undefined : Date.now() + remaining - SAFETY_MARGIN_MS;
    const hardStop = remaining === undefined ? undefined : Date.now() + remaining - HARD_STOP_MARGIN_MS;
    const known = await findOpenFindings(items, {
      lookup: clients.lookup(self, hardStop),
      pacerFor: (target) => clients.lookupPacer(target),
      deadline,
      onGiveUp: (target, code, message) => logger.warn('GetFindings failed: findings of this account and Region are sent without their stored CreatedAt, and successes are archived unconditionally', {
        accountId: target.accountId, region: target.region, errorCode: code, error: message,
      }),
    });
    const { send, nothingToClose } = reconcile(items, known);
    counts.lookups = known.calls;
    counts.lookupsSkipped = known.skipped;
    for (const item of nothingToClose) {
      counts.nothingToClose++;
      logger.debug('success with no open finding: nothing to close', { messageId: item.ref, findingId: item.finding.Id });
    }
    const outcomes = await importFindings([...send, ...tamperItems], {
      send: clients.sender(self, hardStop),
      pacerFor: (target) => clients.importPacer(target),
      deadline,
      onThrottle: (target) => {
        counts.throttles++;
        logger.warn('BatchImportFindings throttled', { accountId: target.accountId, region: target.region });
      },
      onRetry: (info) => logger.info('retrying BatchImportFindings', {
        accountId: info.target.accountId,
        region: info.target.region,
        attempt: info.attempt,
        delayMs: info.delayMs,
        reason: info.reason,
        findings: info.findings,
      }),
    });

    for (const o of outcomes) {
      const fields = { messageId: o.ref, findingId: o.findingId, recordState: o.recordState, attempts: o.attempts, supersededBy: o.supersededBy };
      switch (o.status) {
        case ImportStatus.IMPORTED:
          if (o.supersededBy !== undefined) counts.superseded++;
          else if (o.recordState === 'ARCHIVED') counts.archived++;
          else counts.imported++;
          logger.debug('finding imported', fields);
          break;
        case ImportStatus.REJECTED:
          failures.add(o.ref);
          counts.malformed++;
          logger.warn('malformed record', { ...fields, reason: o.errorCode, error: o.errorMessage });
          break;
        default:
          failures.add(o.ref);
          counts.failed++;
          logger.error('import failed', { ...fields, errorCode: o.errorCode, error: o.errorMessage });
      }
    }
  } catch (err) {
    // A bug or an unreadable context: nothing may be lost, so every record goes back to the queue.
    logger.error('batch failed; returning every record for retry', { error: err as Error });
    for (const r of records) {
      if (!failures.has(r.messageId)) counts.failed++;
      failures.add(r.messageId);
    }
  } finally {
    metrics.addMetric('FindingsImported', MetricUnit.Count, counts.imported);
    metrics.addMetric('FindingsArchived', MetricUnit.Count, counts.archived);
    metrics.addMetric('RecordsFailed', MetricUnit.Count, counts.failed);
    metrics.addMetric('MalformedRecords', MetricUnit.Count, counts.malformed);
    metrics.addMetric('Throttles', MetricUnit.Count, counts.throttles);
    metrics.addMetric('RecordsIgnored', MetricUnit.Count, counts.ignored);
    metrics.addMetric('SuccessesWithNothingToClose', MetricUnit.Count, counts.nothingToClose);
    // Failures imported without a look-up because the look-up budget was spent (a failure storm).
    metrics.addMetric('LookupsSkipped', MetricUnit.Count, counts.lookupsSkipped);
    metrics.publishStoredMetrics();
  }

  logger.info('batch done', { records: records.length, ...counts, batchItemFailures: failures.size, durationMs: Date.now() - started });
  return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
};
