/**
 * Throughput of the Security Hub finding forwarder when a whole Region fails at once, against the local
 * Security Hub stand-in (test/runtime/securityhub-standin.ts) that enforces what the BatchImportFindings API
 * reference and the Security Hub quotas page document: at most 100 findings per call, 10 requests/s with a
 * burst of 30 per account and Region (HTTP 429 beyond), GetFindings 3/s with a burst of 6. Everything runs
 * on 127.0.0.1; nothing calls AWS. A benchmark: it prints and returns figures, it asserts nothing.
 *
 * Two designs replay the same N failure events (90 % distinct resources, 10 % a second failure of an
 * earlier resource, as a retried job gives):
 *
 * - **forwarder**: the real bundled handler, in separate processes like Lambda execution environments, fed
 *   the way the construct's event source feeds it (src/security-hub-finding-forwarder.ts): batches of up to
 *   100 records, at most `RATE_BUDGET.MAX_CONCURRENCY` (2) at once, default pacing, partial batch responses;
 *   a record returned as a batch item failure is received again (the real queue waits for the visibility
 *   timeout first: here it is re-queued at once, and counted).
 * - **baseline**, what the public samples do: one Lambda invocation per event (EventBridge invokes Lambda
 *   asynchronously; 100 at once here), one BatchImportFindings call of one finding whose Id is the event's,
 *   the SDK's default retries, no pacing, FailedFindings not retried. An invocation that still fails is
 *   retried by Lambda twice, after about 1 and 2 minutes (Lambda developer guide, asynchronous invocation):
 *   the replay waits 3 s instead of each minute (enough for the quota's bucket to refill) and reports the
 *   unscaled time, that is, with the minutes added.
 *
 * Per row: events, distinct findings expected, findings stored, lost, duplicated, BatchImportFindings calls
 * (successful, throttled), records returned for retry, wall time, and the ratio of wall time to the quota's
 * physical minimum: ceil(N / 100) calls at 10/s after the burst of 30.
 */
import { SecurityHubClient, BatchImportFindingsCommand } from '@aws-sdk/client-securityhub';
import type { SQSRecord } from 'aws-lambda';
import { parseBackupEvent } from '../../src/runtime/event';
import { buildFinding } from '../../src/runtime/finding';
import { RATE_BUDGET } from '../../src/shared/contract';
import { CredentialRegistry, SecurityHubStandIn, StoredFinding } from '../runtime/securityhub-standin';
import { Container, fixture, isolatedEnv, sqsRecord, variant } from '../runtime/support';

const FORWARDER = '999999999999';
const SOURCE = '111111111111';
const REGION = 'eu-west-1';
/** The event source's batch size (src/security-hub-finding-forwarder.ts). */
const BATCH_SIZE = 100;
/** Security Hub's documented quota for BatchImportFindings. */
const QUOTA = { findingsPerCall: 100, perSecond: 10, burst: 30 };
/** Lambda's asynchronous retries of a failed invocation: about 1 and 2 minutes later. */
const LAMBDA_ASYNC_RETRY_DELAYS_S = [60, 120];
const BASELINE_CONCURRENCY = 100;

/** One row of the throughput table. */
export interface ThroughputRow {
  readonly design: 'forwarder' | 'baseline';
  readonly events: number;
  readonly distinctFindings: number;
  readonly findingsStored: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly importCalls: number;
  readonly successfulImportCalls: number;
  readonly throttledImportCalls: number;
  readonly lookupCalls: number;
  readonly recordsReturnedForRetry: number;
  readonly invocations: number;
  readonly wallSeconds: number;
  readonly quotaMinimumSeconds: number;
  /** wall / minimum, or null when the minimum is 0 (everything fits in the burst). */
  readonly ratioToMinimum: number | null;
}

/** N failure events: 90 % distinct resources, every tenth a later failure of the resource five before it. */
export function failureStorm(n: number): Array<Record<string, any>> {
  const base = fixture('backup-failed', SOURCE);
  const start = Date.parse('2026-11-30T01:00:00Z');
  return Array.from({ length: n }, (_, i) => {
    const resource = i % 10 === 9 ? i - 5 : i;
    return variant(base, { id: `storm-${i}`, time: new Date(start + i * 1000).toISOString() }, {
      resourceArn: `arn:aws:ec2:${REGION}:${SOURCE}:volume/vol-${String(resource).padStart(8, '0')}`,
      backupJobId: `job-${i}`,
      state: i % 10 === 9 ? 'EXPIRED' : 'FAILED',
    });
  });
}

/** What identifies "the same problem" in both designs: the finding's resources. */
const problemOf = (f: StoredFinding) => (f.finding.Resources ?? []).map((r: any) => r.Id).sort().join(' ');

function quotaMinimumSeconds(n: number): number {
  const calls = Math.ceil(n / QUOTA.findingsPerCall);
  return Math.max(0, calls - QUOTA.burst) / QUOTA.perSecond;
}

async function withStandIn<T>(body: (hub: SecurityHubStandIn, env: Record<string, string>) => Promise<T>): Promise<T> {
  const registry = new CredentialRegistry();
  const creds = registry.longTerm(FORWARDER);
  const hub = new SecurityHubStandIn(registry, { ratePerSecond: QUOTA.perSecond, burst: QUOTA.burst });
  const url = await hub.start();
  const env = isolatedEnv({ region: REGION, credentials: creds, securityHubUrl: url }, { POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_METRICS_DISABLED: 'true' });
  try {
    return await body(hub, env);
  } finally {
    await hub.stop();
  }
}

function row(design: ThroughputRow['design'], events: Array<Record<string, any>>, hub: SecurityHubStandIn, extra: {
  recordsReturnedForRetry: number; invocations: number; wallSeconds: number;
}): ThroughputRow {
  const distinct = new Set(events.map((e) => e.detail.resourceArn)).size;
  const stored = hub.findings();
  const problems = new Set(stored.map(problemOf));
  const minimum = quotaMinimumSeconds(events.length);
  return {
    design,
    events: events.length,
    distinctFindings: distinct,
    findingsStored: stored.length,
    lost: distinct - [...problems].filter((p) => p !== '').length,
    duplicated: stored.length - problems.size,
    importCalls: hub.calls.length,
    successfulImportCalls: hub.callsWithStatus(200).length,
    throttledImportCalls: hub.callsWithStatus(429).length,
    lookupCalls: hub.lookups.length,
    ...extra,
    quotaMinimumSeconds: minimum,
    ratioToMinimum: minimum > 0 ? extra.wallSeconds / minimum : null,
  };
}

/** The real forwarder, fed like its event source: batches of 100, at most 2 at once, failures received again. */
export async function replayForwarder(n: number): Promise<ThroughputRow> {
  const events = failureStorm(n);
  return withStandIn(async (hub, env) => {
    // Containers start (cold) before the clock: a storm finds them warm after the first seconds anyway.
    const containers = await Promise.all(Array.from({ length: RATE_BUDGET.MAX_CONCURRENCY }, () => Container.start(env)));
    const queue: SQSRecord[] = events.map((e, i) => sqsRecord(e, `m-${i}`));
    let returned = 0;
    let invocations = 0;
    const started = process.hrtime.bigint();
    let inFlight = 0;
    await Promise.all(containers.map(async (container) => {
      while (queue.length > 0 || inFlight > 0) {
        const batch = queue.splice(0, BATCH_SIZE);
        if (batch.length === 0) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        inFlight++;
        invocations++;
        const response = await container.invoke({ Records: batch }, FORWARDER, REGION, 120_000);
        const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        returned += failed.size;
        queue.push(...batch.filter((r) => failed.has(r.messageId)));
        inFlight--;
      }
    }));
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    await Promise.all(containers.map((c) => c.stop()));
    return row('forwarder', events, hub, { recordsReturnedForRetry: returned, invocations, wallSeconds });
  });
}

/** The public samples' design: one invocation and one call per event, SDK retries only, Lambda's two async retries. */
export async function replayBaseline(n: number): Promise<ThroughputRow> {
  const events = failureStorm(n);
  return withStandIn(async (hub, env) => {
    const client = new SecurityHubClient({
      region: REGION,
      endpoint: env.AWS_ENDPOINT_URL_SECURITYHUB,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    });
    const target = { partition: 'aws', accountId: FORWARDER, region: REGION };
    const invoke = async (event: Record<string, any>): Promise<boolean> => {
      const finding = { ...buildFinding(parseBackupEvent(event), target)!, Id: `sample/${event.id}` };
      try {
        await client.send(new BatchImportFindingsCommand({ Findings: [finding] }));
        return true; // FailedFindings are not looked at
      } catch {
        return false;
      }
    };
    let pending = events;
    let invocations = 0;
    let scaledSeconds = 0;
    const started = process.hrtime.bigint();
    for (let attempt = 0; attempt <= LAMBDA_ASYNC_RETRY_DELAYS_S.length && pending.length > 0; attempt++) {
      if (attempt > 0) {
        // Lambda waits about a minute (then two) before retrying; 3 s refills the stand-in's bucket of 30.
        await new Promise((r) => setTimeout(r, 3000));
        scaledSeconds += LAMBDA_ASYNC_RETRY_DELAYS_S[attempt - 1] - 3;
      }
      const failed: Array<Record<string, any>> = [];
      let next = 0;
      await Promise.all(Array.from({ length: BASELINE_CONCURRENCY }, async () => {
        while (next < pending.length) {
          const event = pending[next++];
          invocations++;
          if (!(await invoke(event))) failed.push(event);
        }
      }));
      pending = failed;
    }
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9 + scaledSeconds;
    client.destroy();
    return row('baseline', events, hub, { recordsReturnedForRetry: 0, invocations, wallSeconds });
  });
}

/** Both designs at each N. */
export async function throughput(sizes: readonly number[] = [1_000, 10_000]): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  for (const n of sizes) {
    rows.push(await replayForwarder(n));
    rows.push(await replayBaseline(n));
  }
  return rows;
}

/** The rows as a Markdown table. */
export function throughputTable(rows: readonly ThroughputRow[]): string {
  const header = ['design', 'events', 'distinct findings', 'stored', 'lost', 'duplicated', 'import calls (ok / 429)', 'look-ups',
    'records retried', 'invocations', 'wall s', 'quota minimum s', 'wall / minimum'];
  const lines = rows.map((r) => [r.design, r.events, r.distinctFindings, r.findingsStored, r.lost, r.duplicated,
    `${r.importCalls} (${r.successfulImportCalls} / ${r.throttledImportCalls})`, r.lookupCalls, r.recordsReturnedForRetry, r.invocations,
    r.wallSeconds.toFixed(1), r.quotaMinimumSeconds.toFixed(1), r.ratioToMinimum === null ? 'n/a (fits the burst)' : r.ratioToMinimum.toFixed(2)]);
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
}

if (require.main === module) {
  throughput().then((rows) => console.log(throughputTable(rows))).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
