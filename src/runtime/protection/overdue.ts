/**
 * The overdue check's pure part: from a protection's own history of successes (or a recovery point objective)
 * and the clock, what it should be (OK, OVERDUE, RETIRED), the change to claim, and what each destination
 * still has to be told. No I/O here; the claim-then-report mechanism is the heartbeat's (src/runtime/episodes.ts).
 *
 * The expected interval is learned from the protection's last successes, merged when closer than
 * `MERGE_WITHIN_SECONDS` (a retried job, a snapshot beside a continuous backup): a protection is overdue when
 * it has gone longer without a success than the longest gap of its recent history, plus a quarter of its
 * typical (median) gap and `GRACE_SECONDS`. That tolerates start windows, irregular schedules, daylight-saving
 * shifts (a daily 02:00 backup in Berlin has 23 h and 25 h gaps) and monthly plans (28 to 31 days) without a
 * setting, and reports a plan that stopped or was edited to run less often once, at the first gap longer than
 * its history allows. A recovery point objective, when one matches, replaces the learned allowance.
 */
import { ActivityItem, lastSuccessOf, ProtectionItem } from './item';
import {
  OverdueDestination, OverdueReportKind, PROTECTION_LEDGER, PROTECTION_TIMING, ProtectionState, RecoveryPointObjectiveRule,
} from '../../shared/protection';

/** How the checker judges protections. */
export interface OverdueSettings {
  /** Recovery point objectives; the first that matches a protection replaces its learned allowance. */
  readonly objectives: readonly RecoveryPointObjectiveRule[];
  /** How long a protection may stay overdue before it is retired (seconds). */
  readonly retireAfterSeconds: number;
  /** Added to every allowance (seconds). */
  readonly graceSeconds: number;
}

/** Defaults, from the contract. */
export const DEFAULT_OVERDUE_SETTINGS: OverdueSettings = {
  objectives: [],
  retireAfterSeconds: PROTECTION_TIMING.DEFAULT_RETIRE_AFTER_SECONDS,
  graceSeconds: PROTECTION_TIMING.GRACE_SECONDS,
};

/** What a protection is expected to do. */
export interface Expectation {
  /** The longest it may go without a success, grace not included. */
  readonly allowanceMs: number;
  /** Where the allowance comes from. */
  readonly from: 'objective' | 'learned';
  /** Its typical (median) gap, when learned. */
  readonly typicalMs?: number;
}

const HOUR_MS = 3_600_000;

/** Successes, ascending, with those closer than `MERGE_WITHIN_SECONDS` to the previous kept one merged into it. */
export function protectionEvents(successes: readonly number[]): number[] {
  // The newest HISTORY_KEEP only: the ledger may hold up to HISTORY_SLACK more until its next trim.
  const sorted = [...new Set(successes)].sort((a, b) => a - b).slice(-PROTECTION_TIMING.HISTORY_KEEP);
  const out: number[] = [];
  for (const t of sorted) {
    if (out.length > 0 && t - out[out.length - 1] < PROTECTION_TIMING.MERGE_WITHIN_SECONDS * 1000) {
      // The later time of a merged pair is the newest protection: keep it, so that age is measured from it.
      out[out.length - 1] = t;
    } else {
      out.push(t);
    }
  }
  return out;
}

/** The allowance learned from `successes`, or undefined while fewer than `MIN_GAPS_TO_LEARN` gaps are known. */
export function learnedExpectation(successes: readonly number[]): Expectation | undefined {
  const events = protectionEvents(successes);
  const gaps: number[] = [];
  for (let i = 1; i < events.length; i++) gaps.push(events[i] - events[i - 1]);
  if (gaps.length < PROTECTION_TIMING.MIN_GAPS_TO_LEARN) return undefined;
  const sorted = [...gaps].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const longest = sorted[sorted.length - 1];
  return { allowanceMs: longest + Math.max(median / 4, HOUR_MS), from: 'learned', typicalMs: median };
}

function listed(values: readonly string[] | undefined, value: string | undefined): boolean {
  return values === undefined || values.length === 0 || (value !== undefined && values.includes(value));
}

/** The first objective that matches `item`. A vault matches by name or ARN; a copy's vault ARN also by its name. */
export function objectiveFor(item: ProtectionItem, objectives: readonly RecoveryPointObjectiveRule[]): RecoveryPointObjectiveRule | undefined {
  const vaultName = item.vault.startsWith('arn:') ? item.vault.split(':').pop() : item.vault;
  return objectives.find((o) => listed(o.accounts, item.account)
    && listed(o.resourceTypes, item.resourceType)
    && (o.kinds === undefined || o.kinds.length === 0 || o.kinds.includes(item.kind))
    && (listed(o.vaults, item.vault) || listed(o.vaults, vaultName)));
}

/** What `item` is expected to do: its objective, else its learned allowance, else nothing yet. */
export function expectationOf(item: ProtectionItem, s: OverdueSettings): Expectation | undefined {
  const objective = objectiveFor(item, s.objectives);
  if (objective !== undefined) return { allowanceMs: objective.maxAgeSeconds * 1000, from: 'objective' };
  return learnedExpectation(item.successes);
}

/** The state `item` should be in at `now`. */
export function judge(item: ProtectionItem, now: number, s: OverdueSettings): ProtectionState {
  const last = lastSuccessOf(item);
  if (item.retiredAt !== undefined && (last === undefined || item.retiredAt >= last)) return ProtectionState.RETIRED;
  if (last === undefined) return ProtectionState.OK;
  const expectation = expectationOf(item, s);
  if (expectation === undefined) return ProtectionState.OK;
  // A success dated after the checker's clock (skew) is as young as possible, never negative.
  const overdueFor = Math.max(0, now - last) - expectation.allowanceMs - s.graceSeconds * 1000;
  if (overdueFor <= 0) return ProtectionState.OK;
  return overdueFor > s.retireAfterSeconds * 1000 ? ProtectionState.RETIRED : ProtectionState.OVERDUE;
}

/** A state change to claim: written only if the item still has `expect`'s version and count of successes. */
export interface ProtectionTransition {
  readonly pk: string;
  readonly expect: { readonly ver: number; readonly successCount: number };
  readonly next: { readonly state: ProtectionState; readonly ver: number; readonly overdueSince?: number; readonly changedAt: number };
}

/** The change `item` needs at `now`, if any. */
export function decide(item: ProtectionItem, now: number, s: OverdueSettings): ProtectionTransition | undefined {
  const desired = judge(item, now, s);
  const last = lastSuccessOf(item);
  const expect = { ver: item.ver, successCount: item.successCount };
  const to = (state: ProtectionState, overdueSince: number | undefined) => ({
    pk: item.pk, expect, next: { state, ver: item.ver + 1, overdueSince, changedAt: now },
  });
  if (desired === ProtectionState.OVERDUE && (item.state !== ProtectionState.OVERDUE || item.overdueSince !== last)) {
    // Newly overdue; or overdue again after a success that came and went between two runs (a new episode).
    return to(ProtectionState.OVERDUE, last);
  }
  if (desired === ProtectionState.RETIRED && item.state !== ProtectionState.RETIRED) return to(ProtectionState.RETIRED, item.overdueSince ?? last);
  if (desired === ProtectionState.OK && item.state !== ProtectionState.OK) return to(ProtectionState.OK, item.overdueSince);
  return undefined;
}

/** `item` after `t` was claimed. */
export function apply(item: ProtectionItem, t: ProtectionTransition): ProtectionItem {
  return { ...item, state: t.next.state, ver: t.next.ver, overdueSince: t.next.overdueSince, changedAt: t.next.changedAt };
}

/** What a report says about `item` (its current state), or undefined when there is nothing to say. */
export function reportKindOf(item: ProtectionItem): OverdueReportKind | undefined {
  if (item.ver === 0) return undefined;
  switch (item.state) {
    case ProtectionState.OVERDUE: return OverdueReportKind.OVERDUE;
    case ProtectionState.RETIRED: return OverdueReportKind.RETIRED;
    default: return OverdueReportKind.RECOVERED;
  }
}

/** Whether `destination` has not yet been told of `item`'s current state. */
export function owes(item: ProtectionItem, destination: OverdueDestination): boolean {
  return reportKindOf(item) !== undefined && item.ver > (item.notified[destination] ?? 0);
}

/** Attribute name of a destination's notified version. */
export function notifiedAttribute(destination: OverdueDestination): string {
  return `${PROTECTION_LEDGER.NOTIFIED_PREFIX}${destination}`;
}

/** Whether `item`'s newest job failed (what keeps its Security Hub finding open). */
export function lastJobFailed(item: ProtectionItem): boolean {
  const last = lastSuccessOf(item);
  return item.lastFailureAt !== undefined && (last === undefined || item.lastFailureAt > last);
}

/** The activity items whose hour lies in the 24 hours before `now`. */
export function activityOfDay(items: readonly ActivityItem[], now: number): ActivityItem[] {
  const from = now - PROTECTION_TIMING.REPORT_WINDOW_SECONDS * 1000;
  return items.filter((a) => a.hour + HOUR_MS > from && a.hour <= now);
}
