/**
 * Sends findings to Security Hub with BatchImportFindings, and says what became of each one.
 *
 * - One call carries findings of one (account, Region) only: the credentials and endpoint decide both.
 * - At most 100 findings and 6 MB per call; a finding over 240 KB is rejected before sending, since Security
 *   Hub would refuse it on every retry.
 * - Several events for the same finding `Id` in one batch: only the newest (`UpdatedAt`) is sent, and every
 *   record behind it gets its outcome. Security Hub would ignore the older ones anyway.
 * - Calls are paced (pacer.ts), and throttling (HTTP 429), 5xx and network errors are retried with
 *   exponential back-off and jitter, within a bounded number of attempts and the Lambda's remaining time.
 * - A call can partly fail without an exception: `FailedFindings` entries with a transient error code are
 *   sent again; the others are reported as failed.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { findingKey, ImportTarget, targetKey } from './attribution';
import { SYSTEM_CLOCK } from './pacer';
import { backoffDelay, CallPolicy, classifyError, isRetryableErrorCode, isThrottleCode } from './retry';

/** What became of one item. */
export enum ImportStatus {
  /** Accepted by Security Hub (which includes a re-import it ignored because it was not newer). */
  IMPORTED = 'IMPORTED',
  /** Not accepted after the allowed attempts, or refused for good: the record should be retried by SQS. */
  FAILED = 'FAILED',
  /** Can never be imported as it is (too large): the record is malformed. */
  REJECTED = 'REJECTED',
}

/** One finding to import, and the reference (SQS message id) it came from. */
export interface ImportItem {
  readonly ref: string;
  readonly target: ImportTarget;
  readonly finding: AwsSecurityFinding;
}

/** The outcome of one item. */
export interface ImportOutcome {
  readonly ref: string;
  readonly findingId: string;
  readonly status: ImportStatus;
  /** The record state of the finding that was sent for this item's `Id`. */
  readonly recordState?: string;
  /** Set when a newer event for the same finding was sent instead: that item's ref. */
  readonly supersededBy?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** Calls that carried this finding. */
  readonly attempts: number;
}

/** The parts of a BatchImportFindings response the importer reads. */
export interface BatchImportResponse {
  readonly FailedCount?: number;
  readonly SuccessCount?: number;
  readonly FailedFindings?: ReadonlyArray<{ readonly Id?: string; readonly ErrorCode?: string; readonly ErrorMessage?: string }>;
}

/** One BatchImportFindings call against `target`. Throws the SDK's error on an error response. */
export type SendBatch = (target: ImportTarget, findings: AwsSecurityFinding[]) => Promise<BatchImportResponse>;

/** Limits of one BatchImportFindings call. */
export interface ImportLimits {
  readonly maxFindingsPerCall: number;
  readonly maxBytesPerCall: number;
  readonly maxFindingBytes: number;
}

/** Security Hub's documented limits, rounded down (MB and KB read as 10^6 and 10^3 bytes, to be safe). */
export const SECURITY_HUB_LIMITS: ImportLimits = {
  maxFindingsPerCall: 100,
  maxBytesPerCall: 6_000_000,
  maxFindingBytes: 240_000,
};

/** Options of `importFindings`: a call policy with 6 attempts and back-off up to 5000 ms by default. */
export interface ImporterOptions extends CallPolicy {
  readonly send: SendBatch;
  /** @default SECURITY_HUB_LIMITS */
  readonly limits?: ImportLimits;
  /** Told about every throttled call, or call with throttled findings (for the Throttles metric). */
  readonly onThrottle?: (target: ImportTarget) => void;
  /** Told about every retry (for logs). */
  readonly onRetry?: (info: { target: ImportTarget; attempt: number; delayMs: number; reason: string; findings: number }) => void;
}

/** UTF-8 size of a finding as it is sent. */
export function findingBytes(finding: AwsSecurityFinding): number {
  return Buffer.byteLength(JSON.stringify(finding), 'utf8');
}

const ENVELOPE_BYTES = Buffer.byteLength('{"Findings":[]}', 'utf8');

/** Splits findings into calls of at most `maxFindingsPerCall` findings and `maxBytesPerCall` bytes of body. */
export function chunkFindings<T extends { readonly bytes: number }>(entries: readonly T[], limits: ImportLimits = SECURITY_HUB_LIMITS): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const entry of entries) {
    const extra = entry.bytes + (current.length > 0 ? 1 : 0); // the comma
    if (current.length > 0 && (current.length >= limits.maxFindingsPerCall || bytes + extra > limits.maxBytesPerCall)) {
      chunks.push(current);
      current = [];
      bytes = ENVELOPE_BYTES;
    }
    bytes += entry.bytes + (current.length > 0 ? 1 : 0);
    current.push(entry);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * For each finding `Id` (per target), the newest item: latest `UpdatedAt`; on a tie an ACTIVE finding wins
 * over an ARCHIVED one (a failure and a success in the same second: keep the failure visible), then the
 * first in the batch. Returns the winners, and for every other item the winner's ref.
 */
export function newestPerFinding(items: readonly ImportItem[]): { winners: ImportItem[]; supersededBy: Map<string, string> } {
  const best = new Map<string, ImportItem>();
  for (const item of items) {
    const key = findingKey(item.target, item.finding.Id!);
    const current = best.get(key);
    if (current === undefined || isNewer(item.finding, current.finding)) best.set(key, item);
  }
  const supersededBy = new Map<string, string>();
  for (const item of items) {
    const winner = best.get(findingKey(item.target, item.finding.Id!))!;
    if (winner !== item) supersededBy.set(item.ref, winner.ref);
  }
  return { winners: [...best.values()], supersededBy };
}

function isNewer(a: AwsSecurityFinding, b: AwsSecurityFinding): boolean {
  const ta = Date.parse(a.UpdatedAt ?? '');
  const tb = Date.parse(b.UpdatedAt ?? '');
  if (ta !== tb) return (Number.isNaN(tb) && !Number.isNaN(ta)) || ta > tb;
  return a.RecordState === 'ACTIVE' && b.RecordState !== 'ACTIVE';
}

/** Whether a finding may be sent with credentials of `target.accountId`. */
export function belongsTo(finding: AwsSecurityFinding, target: ImportTarget): boolean {
  const productAccount = finding.ProductArn?.split(':')[4];
  const productRegion = finding.ProductArn?.split(':')[3];
  return finding.AwsAccountId === target.accountId && productAccount === target.accountId && productRegion === target.region;
}

interface Entry {
  readonly item: ImportItem;
  readonly bytes: number;
}

/**
 * Imports the items and returns one outcome per item, in the items' order. Never throws for a Security Hub
 * or network error: those become FAILED outcomes.
 */
export async function importFindings(items: readonly ImportItem[], options: ImporterOptions): Promise<ImportOutcome[]> {
  const limits = options.limits ?? SECURITY_HUB_LIMITS;
  const results = new Map<string, ImportOutcome>();
  const { winners, supersededBy } = newestPerFinding(items);

  const byTarget = new Map<string, { target: ImportTarget; entries: Entry[] }>();
  for (const item of winners) {
    if (!belongsTo(item.finding, item.target)) {
      // Security Hub would answer AccessDeniedException for the whole call: never send it.
      results.set(item.ref, outcome(item, ImportStatus.FAILED, 0, 'AccountMismatch',
        `finding for account ${item.finding.AwsAccountId} (${item.finding.ProductArn}) cannot be imported as ${item.target.accountId} in ${item.target.region}`));
      continue;
    }
    const bytes = findingBytes(item.finding);
    if (bytes > limits.maxFindingBytes) {
      results.set(item.ref, outcome(item, ImportStatus.REJECTED, 0, 'FindingTooLarge', `finding is ${bytes} bytes, over the ${limits.maxFindingBytes} byte limit`));
      continue;
    }
    const key = targetKey(item.target);
    const group = byTarget.get(key) ?? { target: item.target, entries: [] };
    group.entries.push({ item, bytes });
    byTarget.set(key, group);
  }

  await Promise.all([...byTarget.values()].map(async ({ target, entries }) => {
    for (const chunk of chunkFindings(entries, limits)) {
      for (const o of await sendChunk(target, chunk.map((e) => e.item), options)) results.set(o.ref, o);
    }
  }));

  return items.map((item) => {
    const winnerRef = supersededBy.get(item.ref);
    if (winnerRef === undefined) return results.get(item.ref)!;
    const w = results.get(winnerRef)!;
    return { ...w, ref: item.ref, supersededBy: winnerRef };
  });
}

async function sendChunk(target: ImportTarget, chunk: ImportItem[], options: ImporterOptions): Promise<ImportOutcome[]> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const random = options.random ?? Math.random;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 6);
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 5000;
  const pacer = options.pacerFor?.(target);

  const done: ImportOutcome[] = [];
  let pending = chunk;
  let lastError: { code: string; message: string } = { code: 'NotAttempted', message: 'no call was made' };
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > maxAttempts) {
      done.push(...pending.map((i) => outcome(i, ImportStatus.FAILED, maxAttempts, lastError.code, `${lastError.message} (gave up after ${maxAttempts} attempts)`)));
      break;
    }
    if (attempt > 1) {
      const delayMs = backoffDelay(attempt, base, cap, random);
      if (options.deadline !== undefined && clock.now() + delayMs >= options.deadline) {
        done.push(...pending.map((i) => outcome(i, ImportStatus.FAILED, attempt - 1, lastError.code, `${lastError.message} (no time left for another attempt)`)));
        break;
      }
      options.onRetry?.({ target, attempt, delayMs, reason: lastError.code, findings: pending.length });
      await clock.sleep(delayMs);
    }
    await pacer?.acquire();
    if (options.deadline !== undefined && clock.now() >= options.deadline) {
      done.push(...pending.map((i) => outcome(i, ImportStatus.FAILED, attempt - 1, lastError.code, `${lastError.message} (no time left for another attempt)`)));
      break;
    }

    let response: BatchImportResponse;
    try {
      response = await options.send(target, pending.map((i) => i.finding));
    } catch (err) {
      const c = classifyError(err);
      if (c.throttle) options.onThrottle?.(target);
      lastError = c;
      if (!c.retryable) {
        done.push(...pending.map((i) => outcome(i, ImportStatus.FAILED, attempt, c.code, c.message)));
        break;
      }
      continue;
    }

    const failed = new Map<string, { code: string; message: string }>();
    for (const f of response.FailedFindings ?? []) {
      if (f.Id !== undefined) failed.set(f.Id, { code: f.ErrorCode ?? 'Unknown', message: f.ErrorMessage ?? 'no error message' });
    }
    if ([...failed.values()].some((f) => isThrottleCode(f.code))) options.onThrottle?.(target);
    // FailedCount without matching FailedFindings entries: we cannot tell which failed, so send all again.
    // That is safe: Security Hub ignores a re-import that is not newer, and counts it as a success.
    const unexplained = (response.FailedCount ?? 0) > [...failed.keys()].filter((id) => pending.some((i) => i.finding.Id === id)).length;
    const retry: ImportItem[] = [];
    for (const item of pending) {
      const f = failed.get(item.finding.Id!);
      if (f === undefined && !unexplained) {
        done.push(outcome(item, ImportStatus.IMPORTED, attempt));
      } else if (f === undefined || isRetryableErrorCode(f.code)) {
        lastError = f ?? { code: 'UnreportedFailure', message: `FailedCount ${response.FailedCount} without matching FailedFindings` };
        retry.push(item);
      } else {
        done.push(outcome(item, ImportStatus.FAILED, attempt, f.code, f.message));
      }
    }
    pending = retry;
  }
  return done;
}

function outcome(item: ImportItem, status: ImportStatus, attempts: number, errorCode?: string, errorMessage?: string): ImportOutcome {
  return {
    ref: item.ref,
    findingId: item.finding.Id ?? '',
    status,
    recordState: item.finding.RecordState,
    errorCode,
    errorMessage,
    attempts,
  };
}
