/**
 * The checker's pure part: from the ledger's items and the clock, which sources changed state (silent,
 * returned, never seen), what each destination still has to be told, and the readable reports. No I/O here.
 *
 * Exactly one report per change and destination:
 * - a change is first *claimed* in the ledger (a conditional write that bumps the item's version, and fails if
 *   a heartbeat or another checker run got there first); only a claimed change is reported;
 * - each destination has its own `notified_<destination>` version; a report is sent for every item whose
 *   version is ahead of it, and the attribute is moved up after the publish succeeded. A publish that failed is
 *   therefore sent again on the next run (none missed); one that succeeded is not (none twice), unless the
 *   function dies between the publish and that write, the one window that at-least-once delivery leaves.
 */
import {
  HEARTBEAT_TIMING, HeartbeatReportKind, LEDGER, LedgerState, NEVER_SEEN_CAUSES, ReportDestination, SILENCE_CAUSES, sourceKey,
} from '../../shared/heartbeat';
import type { ExpectedSources } from '../../shared/heartbeat';

/** One ledger item, as the checker reads it. */
export interface LedgerItem {
  readonly pk: string;
  readonly account: string;
  readonly region: string;
  readonly rule: string;
  readonly lastSeen?: number;
  readonly expectedSince?: number;
  readonly intervalSeconds?: number;
  readonly state: LedgerState;
  readonly ver: number;
  readonly silentSince?: number;
  readonly changedAt?: number;
  /** The version last reported, per destination (absent = 0). */
  readonly notified: { readonly [destination: string]: number };
}

/** How the checker judges silence. */
export interface CheckerSettings {
  /** Intervals a source may miss before it is silent. */
  readonly missedIntervals: number;
  /** The interval of a declared source that never reported (seconds). */
  readonly expectedIntervalSeconds: number;
  /** Added to the allowance (seconds). */
  readonly graceSeconds: number;
}

/** A state change to claim: written only if the item still has `expect`'s version and `lastSeen`. */
export interface Transition {
  readonly pk: string;
  readonly expect: { readonly ver: number; readonly lastSeen?: number };
  readonly next: { readonly state: LedgerState; readonly ver: number; readonly silentSince?: number; readonly changedAt: number };
}

/** How long `item` may stay silent before it is reported (ms). */
export function allowanceMs(item: Pick<LedgerItem, 'intervalSeconds'>, s: CheckerSettings): number {
  return ((item.intervalSeconds ?? s.expectedIntervalSeconds) * s.missedIntervals + s.graceSeconds) * 1000;
}

/** When the silence of `item` is judged from: its last heartbeat, or when it was first expected. */
function referenceOf(item: LedgerItem): number | undefined {
  return item.lastSeen ?? item.expectedSince;
}

/** The state `item` should be in at `now`. */
export function judge(item: LedgerItem, now: number, s: CheckerSettings): LedgerState {
  const ref = referenceOf(item);
  if (ref === undefined) return LedgerState.OK;
  return now - ref > allowanceMs(item, s) ? LedgerState.SILENT : LedgerState.OK;
}

/** The change `item` needs at `now`, if any. */
export function decide(item: LedgerItem, now: number, s: CheckerSettings): Transition | undefined {
  const desired = judge(item, now, s);
  const ref = referenceOf(item);
  const expect = { ver: item.ver, lastSeen: item.lastSeen };
  if (desired === LedgerState.SILENT && (item.state !== LedgerState.SILENT || item.silentSince !== ref)) {
    // Newly silent; or silent again after a return that happened between two runs (a new episode).
    return { pk: item.pk, expect, next: { state: LedgerState.SILENT, ver: item.ver + 1, silentSince: ref, changedAt: now } };
  }
  if (desired === LedgerState.OK && item.state === LedgerState.SILENT) {
    return { pk: item.pk, expect, next: { state: LedgerState.OK, ver: item.ver + 1, silentSince: item.silentSince, changedAt: now } };
  }
  return undefined;
}

/** `item` after `t` was claimed. */
export function apply(item: LedgerItem, t: Transition): LedgerItem {
  return { ...item, state: t.next.state, ver: t.next.ver, silentSince: t.next.silentSince, changedAt: t.next.changedAt };
}

/** What a report says about `item` (its current state), or undefined when there is nothing to say. */
export function reportKindOf(item: LedgerItem): HeartbeatReportKind | undefined {
  if (item.ver === 0) return undefined;
  if (item.state === LedgerState.SILENT) return item.lastSeen === undefined ? HeartbeatReportKind.NEVER_SEEN : HeartbeatReportKind.SILENT;
  return HeartbeatReportKind.RETURNED;
}

/** Whether `destination` has not yet been told of `item`'s current state. */
export function owes(item: LedgerItem, destination: ReportDestination): boolean {
  return reportKindOf(item) !== undefined && item.ver > (item.notified[destination] ?? 0);
}

/** A declared source. */
export interface ExpectedSource {
  readonly pk: string;
  readonly account: string;
  readonly region: string;
  readonly rule: string;
}

/** The declared sources that have no item yet. */
export function missingExpected(expected: ExpectedSources | undefined, known: ReadonlySet<string>): ExpectedSource[] {
  if (expected === undefined) return [];
  const out = [];
  for (const account of expected.accounts) {
    for (const region of expected.regions) {
      for (const rule of expected.rules) {
        const pk = sourceKey(account, region, rule);
        if (!known.has(pk)) out.push({ pk, account, region, rule });
      }
    }
  }
  return out;
}

/** The item a declared source starts with: expected from `now`, never seen. */
export function expectedItem(src: ExpectedSource, now: number): LedgerItem {
  return { ...src, expectedSince: now, state: LedgerState.OK, ver: 0, notified: {} };
}

// ---------------------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------------------

/** Entries per message: a report stays far below SNS's 256 KB and readable in an email. */
export const MAX_ENTRIES_PER_REPORT = 200;

/** A report, ready to publish. */
export interface Report {
  readonly subject: string;
  readonly message: string;
  /** The items it reports, with the version it reports. */
  readonly items: Array<{ pk: string; ver: number }>;
}

function iso(ms: number | undefined): string {
  return ms === undefined ? 'never' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "6 h 12 min", "3 d 4 h", "45 min". */
export function humanDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}

function line(item: LedgerItem, kind: HeartbeatReportKind, now: number, s: CheckerSettings): string {
  const where = `account ${item.account}, Region ${item.region}, rule ${item.rule}`;
  const every = humanDuration((item.intervalSeconds ?? s.expectedIntervalSeconds) * 1000);
  switch (kind) {
    case HeartbeatReportKind.NEVER_SEEN:
      return `- ${where}: no heartbeat ever received (expected since ${iso(item.expectedSince)}, every ${every})`;
    case HeartbeatReportKind.SILENT:
      return `- ${where}: last heartbeat ${iso(item.lastSeen)} (${humanDuration(now - item.lastSeen!)} ago; expected every ${every})`;
    default:
      return `- ${where}: heartbeat received ${iso(item.lastSeen)} (silent since ${iso(item.silentSince)})`;
  }
}

/**
 * The reports owed to `destination`: one message per `MAX_ENTRIES_PER_REPORT` items, silences first, each
 * naming account, Region, rule, last seen and the likely causes. Empty when nothing is owed.
 */
export function reportsFor(items: LedgerItem[], destination: ReportDestination, now: number, s: CheckerSettings, tableName: string): Report[] {
  const owed = items.filter((i) => owes(i, destination));
  const order = [HeartbeatReportKind.SILENT, HeartbeatReportKind.NEVER_SEEN, HeartbeatReportKind.RETURNED];
  owed.sort((a, b) => order.indexOf(reportKindOf(a)!) - order.indexOf(reportKindOf(b)!) || a.pk.localeCompare(b.pk));
  const reports: Report[] = [];
  for (let i = 0; i < owed.length; i += MAX_ENTRIES_PER_REPORT) {
    const chunk = owed.slice(i, i + MAX_ENTRIES_PER_REPORT);
    const byKind = new Map<HeartbeatReportKind, LedgerItem[]>();
    for (const item of chunk) {
      const k = reportKindOf(item)!;
      byKind.set(k, [...(byKind.get(k) ?? []), item]);
    }
    const counts = order.filter((k) => byKind.has(k)).map((k) => `${byKind.get(k)!.length} ${k === HeartbeatReportKind.NEVER_SEEN ? 'never seen' : k.toLowerCase()}`);
    const part = owed.length > MAX_ENTRIES_PER_REPORT ? ` (part ${i / MAX_ENTRIES_PER_REPORT + 1} of ${Math.ceil(owed.length / MAX_ENTRIES_PER_REPORT)})` : '';
    // SNS subjects: at most 100 printable ASCII characters.
    const subject = `Backup alarm heartbeats: ${counts.join(', ')}${part}`.slice(0, 100);
    const lines: string[] = [
      'The backup alarm pipeline checks that every account and Region it watches can still raise an alarm: each one',
      'sends a heartbeat on a schedule through the same rule, role, bus policy and central bus as its alarms.',
      `A source is silent when no heartbeat arrived for ${s.missedIntervals} of its intervals (plus ${humanDuration(s.graceSeconds * 1000)}).`,
      'While a source is silent, its backup failures and tampering may not reach you either.',
      '',
    ];
    const section = (kind: HeartbeatReportKind, title: string, causes?: readonly string[]) => {
      const its = byKind.get(kind);
      if (its === undefined) return;
      lines.push(`${title} (${its.length}):`, ...its.map((it) => line(it, kind, now, s)), '');
      if (causes !== undefined) lines.push('Likely causes, in the order worth checking:', ...causes.map((c) => `  * ${c}`), '');
    };
    section(HeartbeatReportKind.SILENT, 'SILENT: these sources stopped sending heartbeats', SILENCE_CAUSES);
    section(HeartbeatReportKind.NEVER_SEEN, 'NEVER SEEN: these declared sources never sent a heartbeat', NEVER_SEEN_CAUSES);
    section(HeartbeatReportKind.RETURNED, 'RETURNED: these sources send heartbeats again; look at their dead-letter queues for alarms lost meanwhile');
    lines.push(`Checked at ${iso(now)}. Each change is reported once. The ledger is the DynamoDB table ${tableName}.`);
    reports.push({ subject, message: lines.join('\n'), items: chunk.map((c) => ({ pk: c.pk, ver: c.ver })) });
  }
  return reports;
}

/** Default settings, from the contract. */
export const DEFAULT_SETTINGS: CheckerSettings = {
  missedIntervals: HEARTBEAT_TIMING.DEFAULT_MISSED_INTERVALS,
  expectedIntervalSeconds: HEARTBEAT_TIMING.DEFAULT_INTERVAL_SECONDS,
  graceSeconds: HEARTBEAT_TIMING.GRACE_SECONDS,
};

/** Attribute name of a destination's notified version. */
export function notifiedAttribute(destination: ReportDestination): string {
  return `${LEDGER.NOTIFIED_PREFIX}${destination}`;
}
