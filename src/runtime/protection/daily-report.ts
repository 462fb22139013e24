/**
 * The daily report's pure part: from the ledger's activity and protections (and the heartbeat sources, when a
 * heartbeat monitor runs beside), a structured summary of the last 24 hours, and its plain-text email. No I/O,
 * and no clock but `input.now`.
 *
 * The summary is numbers and lists, not text, so that other renderings (chat) can be written from it later.
 */
import { DailyReportInput } from './daily-input';
import { ActivityItem, lastSuccessOf, ProtectionItem } from './item';
import { BackupEvents, BackupJobState } from '../../shared/backup-events';
import { consoleHostOf } from '../../shared/console-links';
import { isFailureState } from '../../shared/jobs';
import { PROTECTION_TIMING, ProtectionKind, ProtectionState } from '../../shared/protection';

const HOUR_MS = 3_600_000;

/** A counter and its count. */
export interface NamedCount {
  readonly name: string;
  readonly count: number;
}

/** The failures of one job kind in one account and Region. */
export interface KindFailures {
  /** `BACKUP`, `COPY`, `RESTORE`, `SCAN` (or a kind AWS Backup adds later). */
  readonly kind: string;
  readonly count: number;
  /** Per failure state (`FAILED`, `EXPIRED`, `THREATS_FOUND`, ...), most frequent first. */
  readonly states: NamedCount[];
  /** The status message of the newest hour that has one. */
  readonly lastMessage?: string;
}

/** The failures of one account and Region in the window. */
export interface FailureGroup {
  readonly account: string;
  readonly region: string;
  readonly count: number;
  /** Per job kind, in the order of `BackupEvents.ALL_JOB_KINDS`. */
  readonly kinds: KindFailures[];
  /** The status message of the newest hour that has one, across kinds. */
  readonly lastMessage?: string;
}

/** The jobs of one kind in the window. */
export interface KindTotals {
  readonly kind: string;
  /** Jobs that reached `COMPLETED`. */
  readonly successes: number;
  readonly failures: number;
  /** successes / (successes + failures); undefined when no job ended. */
  readonly successRate?: number;
}

/** Tamper signals or policy changes of one account and Region. */
export interface SignalGroup {
  readonly account: string;
  readonly region: string;
  readonly count: number;
  /** Per event name, most frequent first. */
  readonly names: NamedCount[];
}

/** A protection named in the report. */
export interface ProtectionLine {
  readonly kind: ProtectionKind;
  readonly account: string;
  readonly region: string;
  readonly resourceArn: string;
  readonly resourceType?: string;
  readonly vault: string;
  /** Its newest success (epoch milliseconds); undefined when it never succeeded. */
  readonly since?: number;
  /** Its newest failure, when newer than `since`. */
  readonly lastFailureAt?: number;
  readonly lastFailureState?: string;
  readonly lastFailureMessage?: string;
}

/** A protection retired within the window. */
export interface RetiredLine extends ProtectionLine {
  /** When the checker retired it. */
  readonly changedAt: number;
  /** Acknowledged by a person (true), or overdue for longer than `retireAfter` (false). */
  readonly acknowledged: boolean;
}

/** An account and Region. */
export interface AccountRegion {
  readonly account: string;
  readonly region: string;
}

/** A heartbeat source reported silent. */
export interface SilentSource extends AccountRegion {
  readonly rule: string;
  /** Its newest heartbeat; undefined when never seen. */
  readonly lastSeen?: number;
}

/** What the heartbeat ledger adds to the report. */
export interface HeartbeatSummary {
  readonly sources: number;
  readonly silent: SilentSource[];
  /** Account-Regions with a heartbeat source and no activity item in the window: they ran no job (or sent none). */
  readonly noJob: AccountRegion[];
}

/** One day of the protection watch, structured (the email and any other rendering are made from it). */
export interface DailySummary {
  /** When the report was made; the window is the 24 hours before. */
  readonly now: number;
  readonly windowStart: number;
  readonly timeZone: string;
  /** The local date of `now` in `timeZone` (`YYYY-MM-DD`). */
  readonly date: string;
  readonly partition: string;
  readonly tableName: string;
  /** All failures of the window (including scans that found threats). */
  readonly failureCount: number;
  /** Per account and Region, most failures first. */
  readonly failures: FailureGroup[];
  /** Per job kind, every kind of `BackupEvents.ALL_JOB_KINDS` (then any other kind seen). */
  readonly totals: KindTotals[];
  readonly tamperCount: number;
  readonly tamper: SignalGroup[];
  readonly policyChangeCount: number;
  readonly policyChanges: SignalGroup[];
  /** Protections (not retired) whose last job failed: what keeps their findings open. Newest failure first. */
  readonly openFailures: ProtectionLine[];
  /** Protections in state OVERDUE, oldest success first. */
  readonly overdue: ProtectionLine[];
  /** Protections retired within the window, newest first. */
  readonly retired: RetiredLine[];
  /** Distinct (account, Region, resource) among protections that are not retired. */
  readonly protectedResources: number;
  /** Protections not judged yet (passed through). */
  readonly learning: number;
  /** Undefined when no heartbeat ledger is read. */
  readonly heartbeats?: HeartbeatSummary;
  /** Nothing to act on: no failure, tamper signal, policy change, overdue protection or silent source. */
  readonly quiet: boolean;
}

/** `BACKUP_COMPLETED` -> [BACKUP, COMPLETED]; the state may hold underscores (`SCAN_THREATS_FOUND`). */
function splitCounter(kindState: string): [string, string] {
  const i = kindState.indexOf('_');
  return i < 0 ? [kindState, ''] : [kindState.slice(0, i), kindState.slice(i + 1)];
}

/** A known kind's rank, then any other kind after them. */
function kindRank(kind: string): number {
  const i = (BackupEvents.ALL_JOB_KINDS as string[]).indexOf(kind);
  return i < 0 ? BackupEvents.ALL_JOB_KINDS.length : i;
}

function byKind(a: string, b: string): number {
  return kindRank(a) - kindRank(b) || a.localeCompare(b);
}

function byCount(a: NamedCount, b: NamedCount): number {
  return b.count - a.count || a.name.localeCompare(b.name);
}

function countsOf(m: Map<string, number>): NamedCount[] {
  return [...m].map(([name, count]) => ({ name, count })).sort(byCount);
}

function add(m: Map<string, number>, key: string, n: number): void {
  m.set(key, (m.get(key) ?? 0) + n);
}

const placeKey = (account: string, region: string) => `${account} ${region}`;

function byPlace(a: AccountRegion, b: AccountRegion): number {
  return a.account.localeCompare(b.account) || a.region.localeCompare(b.region);
}

interface GroupAcc {
  account: string;
  region: string;
  kinds: Map<string, { states: Map<string, number>; message?: { hour: number; text: string } }>;
  message?: { hour: number; text: string };
}

function newer(old: { hour: number; text: string } | undefined, hour: number, text: string) {
  // Within one hour the item keeps one message per counter and not their order: the later counter in key order wins.
  return old === undefined || hour >= old.hour ? { hour, text } : old;
}

function signalGroups(activity: ActivityItem[], pick: (a: ActivityItem) => { readonly [name: string]: number }): SignalGroup[] {
  const groups = new Map<string, { account: string; region: string; names: Map<string, number> }>();
  for (const a of activity) {
    for (const [name, n] of Object.entries(pick(a))) {
      if (!(n > 0)) continue;
      const key = placeKey(a.account, a.region);
      const g = groups.get(key) ?? { account: a.account, region: a.region, names: new Map<string, number>() };
      groups.set(key, g);
      add(g.names, name, n);
    }
  }
  return [...groups.values()]
    .map((g) => {
      const names = countsOf(g.names);
      return { account: g.account, region: g.region, count: names.reduce((s, x) => s + x.count, 0), names };
    })
    .sort((a, b) => b.count - a.count || byPlace(a, b));
}

function lineOf(p: ProtectionItem): ProtectionLine {
  const since = lastSuccessOf(p);
  const failureNewer = p.lastFailureAt !== undefined && (since === undefined || p.lastFailureAt > since);
  return {
    kind: p.kind,
    account: p.account,
    region: p.region,
    resourceArn: p.resourceArn,
    resourceType: p.resourceType,
    vault: p.vault,
    since,
    ...(failureNewer ? { lastFailureAt: p.lastFailureAt, lastFailureState: p.lastFailureState, lastFailureMessage: p.lastFailureMessage } : {}),
  };
}

/** The local date (`YYYY-MM-DD`) of `ms` in `timeZone`. */
export function localDate(ms: number, timeZone: string): string {
  const p = partsOf(ms, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** Summarizes the 24 hours before `input.now`. */
export function summarizeDay(input: DailyReportInput): DailySummary {
  const windowStart = input.now - PROTECTION_TIMING.REPORT_WINDOW_SECONDS * 1000;
  // An hour counts when it overlaps the window: a report made at 07:03 includes yesterday's 07:00 hour.
  const activity = input.activity
    .filter((a) => a.hour + HOUR_MS > windowStart && a.hour <= input.now)
    .sort((a, b) => a.hour - b.hour);

  const groups = new Map<string, GroupAcc>();
  const successes = new Map<string, number>();
  const failures = new Map<string, number>();
  for (const a of activity) {
    for (const [kindState, n] of Object.entries(a.jobs).sort(([x], [y]) => x.localeCompare(y))) {
      if (!(n > 0)) continue;
      const [kind, state] = splitCounter(kindState);
      if (state === BackupJobState.COMPLETED) {
        add(successes, kind, n);
        continue;
      }
      // THREATS_FOUND is no job state, so isFailureState counts it too; spelled out because it is the one counter that is not.
      if (state !== BackupEvents.SCAN_THREATS_FOUND && !isFailureState(state)) continue;
      add(failures, kind, n);
      const key = placeKey(a.account, a.region);
      const g: GroupAcc = groups.get(key) ?? { account: a.account, region: a.region, kinds: new Map() };
      groups.set(key, g);
      const k = g.kinds.get(kind) ?? { states: new Map<string, number>() };
      g.kinds.set(kind, k);
      add(k.states, state, n);
      const text = a.messages[kindState];
      if (text) {
        k.message = newer(k.message, a.hour, text);
        g.message = newer(g.message, a.hour, text);
      }
    }
  }
  const failureGroups: FailureGroup[] = [...groups.values()]
    .map((g) => {
      const kinds = [...g.kinds]
        .sort(([x], [y]) => byKind(x, y))
        .map(([kind, k]) => {
          const states = countsOf(k.states);
          return { kind, count: states.reduce((s, x) => s + x.count, 0), states, lastMessage: k.message?.text };
        });
      return { account: g.account, region: g.region, count: kinds.reduce((s, k) => s + k.count, 0), kinds, lastMessage: g.message?.text };
    })
    .sort((a, b) => b.count - a.count || byPlace(a, b));

  const kinds = [...new Set<string>([...BackupEvents.ALL_JOB_KINDS, ...successes.keys(), ...failures.keys()])].sort(byKind);
  const totals: KindTotals[] = kinds.map((kind) => {
    const s = successes.get(kind) ?? 0;
    const f = failures.get(kind) ?? 0;
    return { kind, successes: s, failures: f, successRate: s + f === 0 ? undefined : s / (s + f) };
  });

  const tamper = signalGroups(activity, (a) => a.tamper);
  const policyChanges = signalGroups(activity, (a) => a.policy);

  const live = input.protections.filter((p) => p.state !== ProtectionState.RETIRED);
  const openFailures = live
    .filter((p) => p.lastFailureAt !== undefined && (lastSuccessOf(p) === undefined || p.lastFailureAt > lastSuccessOf(p)!))
    .map(lineOf)
    .sort((a, b) => b.lastFailureAt! - a.lastFailureAt! || byPlace(a, b) || a.resourceArn.localeCompare(b.resourceArn));
  const overdue = live
    .filter((p) => p.state === ProtectionState.OVERDUE)
    .map(lineOf)
    // Never succeeded is the oldest of all.
    .sort((a, b) => (a.since ?? -Infinity) - (b.since ?? -Infinity) || byPlace(a, b) || a.resourceArn.localeCompare(b.resourceArn));
  const retired: RetiredLine[] = input.protections
    .filter((p) => p.state === ProtectionState.RETIRED && p.changedAt !== undefined && p.changedAt > windowStart && p.changedAt <= input.now)
    .map((p) => ({ ...lineOf(p), changedAt: p.changedAt!, acknowledged: p.retiredAt !== undefined }))
    .sort((a, b) => b.changedAt - a.changedAt || byPlace(a, b) || a.resourceArn.localeCompare(b.resourceArn));
  const protectedResources = new Set(live.map((p) => `${p.account} ${p.region} ${p.resourceArn}`)).size;

  let heartbeats: HeartbeatSummary | undefined;
  if (input.sources !== undefined) {
    const active = new Set(activity.map((a) => placeKey(a.account, a.region)));
    const noJob = new Map<string, AccountRegion>();
    for (const s of input.sources) {
      const key = placeKey(s.account, s.region);
      if (!active.has(key)) noJob.set(key, { account: s.account, region: s.region });
    }
    heartbeats = {
      sources: input.sources.length,
      silent: input.sources
        .filter((s) => s.silent)
        .map((s) => ({ account: s.account, region: s.region, rule: s.rule, lastSeen: s.lastSeen }))
        .sort((a, b) => byPlace(a, b) || a.rule.localeCompare(b.rule)),
      noJob: [...noJob.values()].sort(byPlace),
    };
  }

  const failureCount = failureGroups.reduce((s, g) => s + g.count, 0);
  const tamperCount = tamper.reduce((s, g) => s + g.count, 0);
  const policyChangeCount = policyChanges.reduce((s, g) => s + g.count, 0);
  return {
    now: input.now,
    windowStart,
    timeZone: input.timeZone,
    date: localDate(input.now, input.timeZone),
    partition: input.partition,
    tableName: input.tableName,
    failureCount,
    failures: failureGroups,
    totals,
    tamperCount,
    tamper,
    policyChangeCount,
    policyChanges,
    openFailures,
    overdue,
    retired,
    protectedResources,
    learning: input.learning,
    heartbeats,
    quiet: failureCount === 0 && tamperCount === 0 && policyChangeCount === 0 && overdue.length === 0 && (heartbeats?.silent.length ?? 0) === 0,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The email
// ---------------------------------------------------------------------------------------------------------

/** Lines per section: the email stays readable, and far below SNS's 256 KB. */
export const MAX_LINES_PER_SECTION = 50;

/** The message's ceiling in bytes (SNS allows 256 KB; the rest is headroom). */
export const MAX_MESSAGE_BYTES = 200_000;

/** Status messages are AWS's sentences; a longer one is cut here. */
const MAX_STATUS_MESSAGE = 300;

interface LocalParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, timeZone: string, zoneOnly: boolean): Intl.DateTimeFormat {
  const key = `${locale} ${timeZone} ${zoneOnly}`;
  let f = formatters.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(locale, zoneOnly
      ? { timeZone, timeZoneName: 'short' }
      : { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(key, f);
  }
  return f;
}

function partsOf(ms: number, timeZone: string): LocalParts {
  const parts = formatter('en-US', timeZone, false).formatToParts(ms);
  const get = (t: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === t)?.value ?? '';
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') };
}

/**
 * The zone's short name at `ms`. CLDR gives each English locale the abbreviations its readers know (en-US: PST,
 * en-GB: CET and BST, en-AU: AEDT and NZDT); the first that is not a bare offset wins, else the offset (GMT+9).
 */
const ZONE_LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-IN'];

function zoneName(ms: number, timeZone: string): string {
  let offset = '';
  for (const locale of ZONE_LOCALES) {
    const name = formatter(locale, timeZone, true).formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (name !== '' && !/^GMT[+-]/.test(name)) return name;
    offset ||= name;
  }
  return offset;
}

/** `2026-12-06 07:00 CET`: a local time in the report's zone. */
export function localTime(ms: number, timeZone: string): string {
  const p = partsOf(ms, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${zoneName(ms, timeZone)}`;
}

const num = (n: number) => n.toLocaleString('en-US');

function plural(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/** 99.83 %, rounded down so that a single failure never reads as 100 %. */
function percent(rate: number): string {
  const hundredths = Math.floor(rate * 10_000);
  return `${(hundredths / 100).toLocaleString('en-US', { maximumFractionDigits: 2 })} %`;
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_STATUS_MESSAGE ? `${oneLine.slice(0, MAX_STATUS_MESSAGE - 3)}...` : oneLine;
}

/** The resource's page in the AWS Backup console (protected resources). */
export function protectedResourceUrl(partition: string, region: string, resourceArn: string): string {
  return `https://${consoleHostOf(partition, region)}/backup/home?region=${region}#/resources/${encodeURIComponent(resourceArn)}`;
}

/** The subject: at most 100 printable ASCII characters (SNS); short words when the long ones do not fit. */
function subjectOf(s: DailySummary): string {
  const head = `Backup daily report ${s.date}`;
  if (s.quiet) return `${head}: all quiet`;
  const silent = s.heartbeats?.silent.length ?? 0;
  const counts: Array<[number, string, string, string]> = [
    [s.failureCount, 'failure', 'failures', 'failed'],
    [s.tamperCount, 'tamper signal', 'tamper signals', 'tamper'],
    [s.policyChangeCount, 'policy change', 'policy changes', 'policy'],
    [s.overdue.length, 'overdue', 'overdue', 'overdue'],
    [silent, 'silent source', 'silent sources', 'silent'],
  ];
  const present = counts.filter(([n]) => n > 0);
  const long = `${head}: ${present.map(([n, one, many]) => `${num(n)} ${n === 1 ? one : many}`).join(', ')}`;
  const short = `${head}: ${present.map(([n, , , word]) => `${num(n)} ${word}`).join(', ')}`;
  // eslint-disable-next-line no-control-regex
  return (long.length <= 100 ? long : short).replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

function verdictOf(s: DailySummary): string {
  const learning = s.learning > 0 ? ` ${plural(s.learning, 'protection is', 'protections are')} still learning their interval.` : '';
  const hb = s.heartbeats;
  if (s.quiet) {
    const sources = hb === undefined ? '' : `All ${plural(hb.sources, 'source')} reported; `;
    return `${sources}${plural(s.protectedResources, 'resource')} protected; 0 failures in 24 hours. No tamper signal, no policy change, nothing overdue.${learning}`;
  }
  const needs: string[] = [];
  if (s.failureCount > 0) needs.push(`${plural(s.failureCount, 'failed job')} in ${plural(s.failures.length, 'account-Region')}`);
  if (s.tamperCount > 0) needs.push(plural(s.tamperCount, 'tamper signal'));
  if (s.policyChangeCount > 0) needs.push(plural(s.policyChangeCount, 'backup policy change'));
  if (s.overdue.length > 0) needs.push(`${plural(s.overdue.length, 'protection')} overdue`);
  if (hb !== undefined && hb.silent.length > 0) needs.push(`${num(hb.silent.length)} of ${plural(hb.sources, 'heartbeat source')} silent`);
  return `Needs attention, in the 24 hours before ${localTime(s.now, s.timeZone)}: ${needs.join('; ')}. ${plural(s.protectedResources, 'resource')} protected.${learning}`;
}

/** A titled list of at most `MAX_LINES_PER_SECTION` lines: only those are formatted, the rest are counted. */
function section<T>(lines: string[], title: string, items: readonly T[], make: (item: T) => string): void {
  lines.push('', `${title}:`);
  if (items.length === 0) {
    lines.push('  none');
    return;
  }
  lines.push(...items.slice(0, MAX_LINES_PER_SECTION).map(make));
  if (items.length > MAX_LINES_PER_SECTION) lines.push(`... and ${num(items.length - MAX_LINES_PER_SECTION)} more`);
}

function signalLine(g: SignalGroup): string {
  return `- ${g.account} ${g.region}: ${g.names.map((n) => `${n.name} ${num(n.count)}`).join(', ')}`;
}

function failureText(p: ProtectionLine, timeZone: string): string {
  if (p.lastFailureAt === undefined) return '';
  const message = p.lastFailureMessage ? `: ${clip(p.lastFailureMessage)}` : '';
  return `; last job ${p.lastFailureState ?? 'failed'} ${localTime(p.lastFailureAt, timeZone)}${message}`;
}

function what(p: ProtectionLine): string {
  const type = p.resourceType ? `${p.resourceType} ` : '';
  return `${p.account} ${p.region} ${type}${p.resourceArn} (${p.kind.toLowerCase()} into ${p.vault})`;
}

/** The daily report as an email: a verdict, then one section per concern. */
export function renderDailyEmail(s: DailySummary): { subject: string; message: string } {
  const tz = s.timeZone;
  const lines: string[] = [
    verdictOf(s),
    '',
    `Window: ${localTime(s.windowStart, tz)} to ${localTime(s.now, tz)}.`,
  ];

  section(lines, `Failures by account and Region (${num(s.failureCount)})`, s.failures, (g) => {
    const kinds = g.kinds.map((k) => `${k.kind.toLowerCase()} ${k.states.map((st) => `${num(st.count)} ${st.name}`).join(', ')}`).join('; ');
    return `- ${g.account} ${g.region}: ${kinds}${g.lastMessage ? ` — last message: ${clip(g.lastMessage)}` : ''}`;
  });

  section(lines, 'Success rate per kind', s.totals, (t) => t.successRate === undefined
    ? `- ${t.kind.toLowerCase()}: no job`
    : `- ${t.kind.toLowerCase()}: ${percent(t.successRate)} (${num(t.successes)} completed, ${num(t.failures)} failed)`);

  section(lines, `Tampering (${num(s.tamperCount)})`, s.tamper, signalLine);
  section(lines, `Backup policy changes (${num(s.policyChangeCount)})`, s.policyChanges, signalLine);

  section(lines, `Overdue, oldest first (${num(s.overdue.length)})`, s.overdue, (p) => {
    const since = p.since === undefined ? 'never succeeded' : `last success ${localTime(p.since, tz)}`;
    return `- ${what(p)}: ${since}${failureText(p, tz)}\n  ${protectedResourceUrl(s.partition, p.region, p.resourceArn)}`;
  });

  section(lines, `Open failures: last job failed, finding stays open (${num(s.openFailures.length)})`, s.openFailures, (p) =>
    `- ${what(p)}${failureText(p, tz).replace(/^; last job/, ': last job')}`);

  section(lines, `Retired today (${num(s.retired.length)})`, s.retired, (p) => {
    const why = p.acknowledged ? 'acknowledged as retired' : `overdue too long (last success ${p.since === undefined ? 'never' : localTime(p.since, tz)})`;
    return `- ${what(p)}: retired ${localTime(p.changedAt, tz)}, ${why}`;
  });

  const hb = s.heartbeats;
  if (hb === undefined) {
    lines.push('', 'Heartbeats are not watched here (no heartbeat ledger), so this report cannot tell which accounts and Regions stopped reporting or ran no job.');
  } else {
    section(lines, `Silent sources (${num(hb.silent.length)} of ${num(hb.sources)})`, hb.silent, (src) =>
      `- ${src.account} ${src.region} ${src.rule}: ${src.lastSeen === undefined ? 'never seen' : `last heartbeat ${localTime(src.lastSeen, tz)}`}`);
    section(lines, `Account-Regions with no job (${num(hb.noJob.length)})`, hb.noJob, (p) => `- ${p.account} ${p.region}`);
  }

  lines.push('', `The protection ledger is the DynamoDB table ${s.tableName}.`);
  return { subject: subjectOf(s), message: capped(lines.join('\n')) };
}

function capped(message: string): string {
  if (Buffer.byteLength(message, 'utf8') <= MAX_MESSAGE_BYTES) return message;
  const note = '\n... report cut at 200 KB; the ledger holds the rest.';
  let cut = message.slice(0, MAX_MESSAGE_BYTES - note.length - 1024);
  while (Buffer.byteLength(cut, 'utf8') > MAX_MESSAGE_BYTES - note.length) cut = cut.slice(0, cut.length - 1024);
  return `${cut.slice(0, cut.lastIndexOf('\n'))}${note}`;
}
