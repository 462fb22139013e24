/**
 * Property tests of the overdue judgement (pure: `foldSignals`, `decide`, `apply`, `owes`), on generated
 * schedules: daily at a fixed local hour in Europe/Berlin across both 2026 daylight-saving switches (23 h and
 * 25 h gaps), weekly, monthly on calendar months (28 to 31 day gaps), hourly (continuous backups' snapshots) and
 * irregular windows (each gap off by up to 40 % of the period). Completions are delivered late (up to 6 h),
 * duplicated and out of order; the checker runs hourly with its clock off by up to 5 min. A report is "sent"
 * when the alarm destination is owed one; the model then records it as told, as the checker does after a
 * publish. Properties:
 * a. one OVERDUE per episode (the success it is overdue since), and after it one RECOVERED once a success
 *    arrives that is not itself overdue by the next check (else the next report is the next episode's OVERDUE);
 * b. none missed, none early: after a plan stops, OVERDUE comes within one check period of
 *    max(last success + allowance + grace, that success's arrival), and not before last success + allowance + grace;
 * c. no false positive while a regular schedule runs (the condition is stated at `regular` below);
 * d. a plan edited from daily to weekly is reported once (OVERDUE, RECOVERED) and then accepted;
 * e. with a recovery point objective, OVERDUE comes at the first check past maxAge + grace;
 * f. retirement: one RETIRED after retireAfter; a later success revives it (RECOVERED); an acknowledged
 *    protection is RETIRED at the next check and never OVERDUE until a new success.
 *
 * Seeded (fast-check); `PROTECTION_PROPERTY_RUNS` raises the number of runs.
 *
 * Governing pages:
 * - "Amazon EventBridge and AWS Backup" (events are delivered best effort), https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html
 * - "Backup plan options and configuration" (schedules: frequency, start window, cron expressions in a time zone),
 *   https://docs.aws.amazon.com/aws-backup/latest/devguide/plan-options-and-configuration.html
 * - "Continuous backups and point-in-time recovery (PITR)", https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery.html
 * - "Time zone database" (Europe/Berlin: CEST from 2026-03-29 01:00 UTC to 2026-10-25 01:00 UTC), https://www.iana.org/time-zones
 */
import fc from 'fast-check';
import { ProtectionItem } from '../../../src/runtime/protection/item';
import {
  apply, decide, DEFAULT_OVERDUE_SETTINGS, judge, learnedExpectation, OverdueSettings, owes, reportKindOf,
} from '../../../src/runtime/protection/overdue';
import { CounterFamily, foldSignals, Signal } from '../../../src/runtime/protection/recorder';
import {
  OverdueDestination, OverdueReportKind, PROTECTION_TIMING, protectionKey, ProtectionKind, ProtectionState,
} from '../../../src/shared/protection';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const GRACE = PROTECTION_TIMING.GRACE_SECONDS * 1000;
const CHECK_EVERY = PROTECTION_TIMING.DEFAULT_CHECK_PERIOD_SECONDS * 1000;
const MAX_SKEW = 5 * MIN;
const RUNS = Number(process.env.PROTECTION_PROPERTY_RUNS ?? 40);
const PARAMS = { numRuns: RUNS, seed: 21_2026, endOnFailure: true };

const ACCOUNT = '111122223333';
const REGION = 'eu-central-1';
const RESOURCE = `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders`;
const PK = protectionKey(ProtectionKind.BACKUP, ACCOUNT, REGION, 'prod', RESOURCE);

// ---- schedules -------------------------------------------------------------------------------------------

/** CEST (UTC+2) in 2026: from 29 March 01:00 UTC to 25 October 01:00 UTC; CET (UTC+1) otherwise. */
const CEST = [Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1)];
function berlin(year: number, month: number, day: number, hour: number): number {
  const wall = Date.UTC(year, month, day, hour);
  // The offset in force at that wall time (taken as CET first; a wall time in the skipped hour lands after it).
  const cet = wall - HOUR;
  return cet >= CEST[0] && cet < CEST[1] ? wall - 2 * HOUR : cet;
}

type ScheduleKind = 'daily-berlin' | 'weekly' | 'monthly' | 'hourly' | 'irregular';
interface Schedule { readonly kind: ScheduleKind; readonly period: number; readonly times: number[] }

const gapsOf = (t: readonly number[]) => t.slice(1).map((x, i) => x - t[i]);
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Daily at a local hour in Berlin, starting some days before one of the two switches. */
const dailyBerlin = fc.record({
  autumn: fc.boolean(), before: fc.integer({ min: 3, max: 10 }), hour: fc.integer({ min: 0, max: 23 }), n: fc.integer({ min: 14, max: 24 }),
}).map(({ autumn, before, hour, n }): Schedule => {
  const [month, day] = autumn ? [9, 25] : [2, 29];
  const times = Array.from({ length: n }, (_, i) => berlin(2026, month, day - before + i, hour));
  return { kind: 'daily-berlin', period: DAY, times };
});

const fixedPeriod = (kind: ScheduleKind, period: number, minN: number, maxN: number) => fc.record({
  start: fc.integer({ min: 0, max: 30 * DAY }), n: fc.integer({ min: minN, max: maxN }),
}).map(({ start, n }): Schedule => ({ kind, period, times: Array.from({ length: n }, (_, i) => Date.UTC(2026, 0, 1) + start + i * period) }));

/** On a day of the month at an hour (UTC), calendar months. */
const monthly = fc.record({
  firstMonth: fc.integer({ min: 0, max: 11 }),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.integer({ min: 0, max: 23 }),
  n: fc.integer({ min: 4, max: 13 }),
}).map(({ firstMonth, day, hour, n }): Schedule => ({
  kind: 'monthly', period: 30 * DAY, times: Array.from({ length: n }, (_, i) => Date.UTC(2026, firstMonth + i, day, hour)),
}));

/**
 * Irregular windows: three gaps of the period to learn from, then each gap off by up to 40 % of the period.
 * `clamped`: each later gap at most the longest of the (up to 11) gaps before it, a schedule that stays inside
 * its own history (property c).
 */
const irregular = (clamped: boolean) => fc.record({
  period: fc.constantFrom(HOUR, 4 * HOUR, 12 * HOUR, DAY),
  jitter: fc.array(fc.double({ min: -0.4, max: 0.4, noNaN: true }), { minLength: 3, maxLength: 24 }),
}).map(({ period, jitter }): Schedule => {
  const gaps = [period, period, period];
  for (const j of jitter) {
    const g = Math.round(period * (1 + j));
    gaps.push(clamped ? Math.min(g, Math.max(...gaps.slice(-(PROTECTION_TIMING.HISTORY_KEEP - 1)))) : g);
  }
  const times = [Date.UTC(2026, 4, 1, 3)];
  for (const g of gaps) times.push(times[times.length - 1] + g);
  return { kind: 'irregular', period, times };
});

const anySchedule = (clamped: boolean) => fc.oneof(
  dailyBerlin, fixedPeriod('weekly', 7 * DAY, 4, 12), monthly, fixedPeriod('hourly', HOUR, 4, 40), irregular(clamped),
);

/**
 * The condition of property c, checked on every generated schedule: each gap after the third success is at
 * most the longest of the (up to 11) gaps before it, plus max(their median / 4, 1 h), minus 55 min; with
 * deliveries at most `REGULAR_MAX_DELAY` late and the checker's clock off by at most 5 min, the checker's age of
 * the newest success it knows then stays within the learned allowance plus the 1 h grace:
 * gap + delay + skew <= longest + max(median / 4, 1 h) + 1 h.
 * Daylight saving's 25 h day after 24 h days and a 31-day month after shorter ones meet it by the median term;
 * clamped irregular schedules by the longest gap; hourly ones by the 1 h minimum.
 */
const REGULAR_MAX_DELAY = 110 * MIN;
function regular(times: readonly number[]): boolean {
  const gaps = gapsOf(times);
  return gaps.every((g, i) => {
    if (i < 2) return true;
    const before = gaps.slice(Math.max(0, i - (PROTECTION_TIMING.HISTORY_KEEP - 1)), i);
    return g <= Math.max(...before) + Math.max(median(before) / 4, HOUR) - 55 * MIN;
  });
}

// ---- deliveries and the simulated checker -------------------------------------------------------------------

interface Delivery { readonly at: number; readonly arrives: number }

/** Each completion delivered after `delay` (and maybe a second time, later): the recorder's arrival order. */
const deliveries = (count: number, maxDelay: number) => fc.array(fc.record({
  delay: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 10 * MIN }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: maxDelay }) }),
  duplicate: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: maxDelay }) }),
}), { minLength: count, maxLength: count });

function deliver(times: readonly number[], plan: ReadonlyArray<{ delay: number; duplicate?: number }>): Delivery[] {
  const out: Delivery[] = [];
  times.forEach((at, i) => {
    out.push({ at, arrives: at + plan[i].delay });
    if (plan[i].duplicate !== undefined) out.push({ at, arrives: at + plan[i].duplicate! });
  });
  return out.sort((a, b) => a.arrives - b.arrives);
}

const skews = fc.array(fc.integer({ min: -MAX_SKEW, max: MAX_SKEW }), { minLength: 64, maxLength: 64 });

function success(at: number): Signal {
  return {
    account: ACCOUNT,
    region: REGION,
    at,
    family: CounterFamily.JOB,
    counter: 'BACKUP_COMPLETED',
    protection: { pk: PK, kind: ProtectionKind.BACKUP, resourceArn: RESOURCE, resourceType: 'RDS', vault: 'prod', success: true, state: 'COMPLETED' },
  };
}

interface Report {
  readonly kind: OverdueReportKind;
  /** The checker's clock. */
  readonly now: number;
  readonly overdueSince?: number;
  readonly lastSuccess?: number;
}

interface Run { readonly reports: Report[]; readonly item?: ProtectionItem }

/**
 * Hourly checks from the first completion to `until` (true time), the checker's clock off by `skew`. Before
 * each check, the completions that arrived are folded in arrival order; `acknowledge` sets `retiredAt` (the
 * README's command) at a true time.
 */
function simulate(ds: readonly Delivery[], until: number, skew: readonly number[], s: OverdueSettings,
  acknowledge?: { at: number; retiredAt: number }): Run {
  let item: ProtectionItem | undefined;
  let next = 0;
  let acknowledged = false;
  const reports: Report[] = [];
  const start = Math.ceil(Math.min(...ds.map((d) => d.arrives)) / CHECK_EVERY) * CHECK_EVERY;
  for (let check = start, k = 0; check <= until; check += CHECK_EVERY, k++) {
    while (next < ds.length && ds[next].arrives <= check) item = foldSignals(item, success(ds[next++].at));
    if (item === undefined) continue;
    if (acknowledge !== undefined && !acknowledged && acknowledge.at <= check) {
      item = { ...item, retiredAt: acknowledge.retiredAt };
      acknowledged = true;
    }
    const now = check + skew[k % skew.length];
    const t = decide(item, now, s);
    if (t !== undefined) item = apply(item, t);
    if (owes(item, OverdueDestination.ALARM)) {
      reports.push({ kind: reportKindOf(item)!, now, overdueSince: item.overdueSince, lastSuccess: item.successes[item.successes.length - 1] });
      item = { ...item, notified: { ...item.notified, [OverdueDestination.ALARM]: item.ver } };
    }
  }
  return { reports, item };
}

const kinds = (r: Run) => r.reports.map((x) => x.kind);

/** The learned allowance of the newest `HISTORY_KEEP` of `times`. */
const allowanceOf = (times: readonly number[]) => learnedExpectation(times.slice(-PROTECTION_TIMING.HISTORY_KEEP))!.allowanceMs;

// ---- properties -----------------------------------------------------------------------------------------------

test('a: one OVERDUE per episode, then one RECOVERED once a success arrives that is not itself overdue', () => {
  fc.assert(fc.property(anySchedule(false).chain((sch) => fc.tuple(fc.constant(sch), deliveries(sch.times.length, 6 * HOUR), skews)),
    ([sch, plan, skew]) => {
      const ds = deliver(sch.times, plan);
      const last = sch.times[sch.times.length - 1];
      const run = simulate(ds, last + allowanceOf(sch.times) + GRACE + 3 * DAY, skew, DEFAULT_OVERDUE_SETTINGS);
      const overdue = run.reports.filter((r) => r.kind === OverdueReportKind.OVERDUE);
      // One OVERDUE per episode.
      expect(new Set(overdue.map((r) => r.overdueSince)).size).toBe(overdue.length);
      run.reports.forEach((r, i) => {
        const after = run.reports[i + 1];
        if (r.kind === OverdueReportKind.RECOVERED) {
          // Only after an OVERDUE, and with a success after the one it was overdue since.
          expect(run.reports[i - 1]?.kind).toBe(OverdueReportKind.OVERDUE);
          expect(r.lastSuccess!).toBeGreaterThan(r.overdueSince!);
        }
        if (r.kind !== OverdueReportKind.OVERDUE || after === undefined) return;
        // The next report follows a success: RECOVERED, or (when that success was already past its allowance
        // by the first check that saw it) the next episode's OVERDUE.
        expect(after.lastSuccess!).toBeGreaterThan(r.overdueSince!);
        if (after.kind === OverdueReportKind.OVERDUE) expect(after.overdueSince!).toBeGreaterThan(r.overdueSince!);
        else expect(after.kind).toBe(OverdueReportKind.RECOVERED);
      });
      // Whenever an OVERDUE is followed by a success that arrived, something was reported about it.
      const lastOverdue = overdue[overdue.length - 1];
      if (lastOverdue !== undefined && ds.some((d) => d.at > lastOverdue.overdueSince! && d.arrives > lastOverdue.now)) {
        expect(run.reports.indexOf(lastOverdue)).toBeLessThan(run.reports.length - 1);
      }
    }), PARAMS);
});

test('b: none missed, none early: a stopped plan is OVERDUE within one check of its allowance (or of its last arrival)', () => {
  fc.assert(fc.property(anySchedule(false).chain((sch) => fc.tuple(fc.constant(sch), deliveries(sch.times.length, 6 * HOUR), skews)),
    ([sch, plan, skew]) => {
      const ds = deliver(sch.times, plan);
      const last = sch.times[sch.times.length - 1];
      const due = last + allowanceOf(sch.times) + GRACE;
      const lastArrival = Math.max(...ds.map((d) => d.arrives));
      const run = simulate(ds, Math.max(due, lastArrival) + 2 * DAY, skew, DEFAULT_OVERDUE_SETTINGS);
      const final = run.reports.filter((r) => r.kind === OverdueReportKind.OVERDUE && r.overdueSince === last);
      expect(final).toHaveLength(1);
      // The check just before may have run 5 min slow and this one 5 min fast: one period and twice the skew.
      expect(final[0].now).toBeLessThanOrEqual(Math.max(due, lastArrival) + CHECK_EVERY + 2 * MAX_SKEW);
      // Never before the allowance of the history it was judged on (all of it, once every completion arrived).
      if (lastArrival <= final[0].now - MAX_SKEW) expect(final[0].now).toBeGreaterThan(due);
      expect(run.item?.state).toBe(ProtectionState.OVERDUE);
    }), PARAMS);
});

test('c: a regular schedule is never reported OVERDUE while it runs (condition: see `regular`)', () => {
  const regularSchedule = fc.oneof(dailyBerlin, fixedPeriod('weekly', 7 * DAY, 4, 12), monthly, fixedPeriod('hourly', HOUR, 4, 40), irregular(true));
  fc.assert(fc.property(regularSchedule.chain((sch) => fc.tuple(fc.constant(sch), deliveries(sch.times.length, REGULAR_MAX_DELAY), skews)),
    ([sch, plan, skew]) => {
      expect(regular(sch.times)).toBe(true);
      const ds = deliver(sch.times, plan);
      // While it runs: until the last completion arrived.
      const run = simulate(ds, Math.max(...ds.map((d) => d.arrives)), skew, DEFAULT_OVERDUE_SETTINGS);
      expect(run.reports).toEqual([]);
    }), PARAMS);
});

test('c: the condition is not vacuous: an unclamped gap past it is reported', () => {
  // Three daily successes, then a gap of 2 days: past 1 day + 6 h + 1 h grace.
  const times = [0, DAY, 2 * DAY, 4 * DAY].map((t) => t + Date.UTC(2026, 4, 1, 3));
  expect(regular(times)).toBe(false);
  const run = simulate(deliver(times, times.map(() => ({ delay: 0 }))), times[3], [0], DEFAULT_OVERDUE_SETTINGS);
  expect(kinds(run)).toEqual([OverdueReportKind.OVERDUE, OverdueReportKind.RECOVERED]);
});

test('d: a plan edited from daily to weekly is reported once (OVERDUE, RECOVERED), then accepted', () => {
  const edited = fc.record({
    dailies: fc.integer({ min: 4, max: 14 }), weeklies: fc.integer({ min: 3, max: 8 }), hour: fc.integer({ min: 0, max: 23 }), autumn: fc.boolean(),
  })
    .chain((e) => fc.tuple(fc.constant(e), deliveries(e.dailies + e.weeklies, 6 * HOUR), skews));
  fc.assert(fc.property(edited, ([{ dailies, weeklies, hour, autumn }, plan, skew]) => {
    const [month, day] = autumn ? [9, 15] : [2, 20];
    const daily = Array.from({ length: dailies }, (_, i) => berlin(2026, month, day + i, hour));
    const lastDaily = daily[daily.length - 1];
    const times = [...daily, ...Array.from({ length: weeklies }, (_, i) => lastDaily + (i + 1) * 7 * DAY)];
    const ds = deliver(times, plan);
    const run = simulate(ds, Math.max(...ds.map((d) => d.arrives)), skew, DEFAULT_OVERDUE_SETTINGS);
    expect(kinds(run)).toEqual([OverdueReportKind.OVERDUE, OverdueReportKind.RECOVERED]);
    expect(run.reports[0].overdueSince).toBe(lastDaily);
  }), PARAMS);
});

test('e: with a recovery point objective, OVERDUE comes at the first check past maxAge + grace', () => {
  fc.assert(fc.property(anySchedule(false), fc.integer({ min: 2, max: 24 * 10 }), skews, (sch, maxAgeHours, skew) => {
    const maxAge = maxAgeHours * HOUR;
    const s: OverdueSettings = { ...DEFAULT_OVERDUE_SETTINGS, objectives: [{ maxAgeSeconds: maxAge / 1000, resourceTypes: ['RDS'] }] };
    const ds = deliver(sch.times, sch.times.map(() => ({ delay: 0 })));
    const last = sch.times[sch.times.length - 1];
    const run = simulate(ds, last + maxAge + GRACE + DAY, skew, s);
    // Every OVERDUE exactly at the first check whose clock is past maxAge + grace after the success before it.
    for (const r of run.reports.filter((x) => x.kind === OverdueReportKind.OVERDUE)) {
      expect(r.now - r.overdueSince!).toBeGreaterThan(maxAge + GRACE);
      expect(r.now - r.overdueSince!).toBeLessThanOrEqual(maxAge + GRACE + CHECK_EVERY + 2 * MAX_SKEW);
    }
    // Episodes: exactly the gaps longer than maxAge + grace by at least a check, and the final silence.
    const episodes = new Set(run.reports.filter((x) => x.kind === OverdueReportKind.OVERDUE).map((r) => r.overdueSince));
    expect(episodes.has(last)).toBe(true);
    gapsOf(sch.times).forEach((g, i) => {
      if (g <= maxAge + GRACE - MAX_SKEW) expect(episodes.has(sch.times[i])).toBe(false);
      if (g > maxAge + GRACE + CHECK_EVERY + MAX_SKEW) expect(episodes.has(sch.times[i])).toBe(true);
    });
  }), PARAMS);
});

test('f: overdue for longer than retireAfter: one RETIRED; a later success revives it (RECOVERED)', () => {
  const retireDaysArb = fc.integer({ min: 1, max: 10 });
  const backAfterDaysArb = fc.integer({ min: 2, max: 20 });
  fc.assert(fc.property(anySchedule(false), retireDaysArb, backAfterDaysArb, skews, (sch, retireDays, backAfterDays, skew) => {
    const s: OverdueSettings = { ...DEFAULT_OVERDUE_SETTINGS, retireAfterSeconds: retireDays * 86_400 };
    const last = sch.times[sch.times.length - 1];
    const due = last + allowanceOf(sch.times) + GRACE;
    const back = due + retireDays * DAY + backAfterDays * DAY;
    const times = [...sch.times, back];
    const run = simulate(deliver(times, times.map(() => ({ delay: 0 }))), back + HOUR, skew, s);
    const tail = run.reports.filter((r) => r.overdueSince === last);
    expect(tail.map((r) => r.kind)).toEqual([OverdueReportKind.OVERDUE, OverdueReportKind.RETIRED, OverdueReportKind.RECOVERED]);
    expect(tail[1].now - due).toBeGreaterThan(retireDays * DAY);
    expect(tail[1].now - due).toBeLessThanOrEqual(retireDays * DAY + CHECK_EVERY + 2 * MAX_SKEW);
    expect(run.item?.state).toBe(ProtectionState.OK);
  }), PARAMS);
});

test('f: an acknowledged protection is RETIRED at the next check, never OVERDUE until a new success, then RECOVERED', () => {
  fc.assert(fc.property(anySchedule(false), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 2, max: 60 }), skews,
    (sch, where, backAfterDays, skew) => {
      const last = sch.times[sch.times.length - 1];
      const due = last + allowanceOf(sch.times) + GRACE;
      // Acknowledged at some hour after the last success, before or after it became overdue.
      const ackAt = Math.ceil((last + where * (due + 2 * DAY - last)) / HOUR) * HOUR;
      const back = Math.max(due, ackAt) + backAfterDays * DAY;
      const times = [...sch.times, back];
      const run = simulate(deliver(times, times.map(() => ({ delay: 0 }))), back + 2 * HOUR, skew, DEFAULT_OVERDUE_SETTINGS,
        { at: ackAt, retiredAt: ackAt });
      const afterAck = run.reports.filter((r) => r.now >= ackAt - MAX_SKEW);
      expect(afterAck[0]).toMatchObject({ kind: OverdueReportKind.RETIRED });
      expect(afterAck[0].now).toBeLessThanOrEqual(ackAt + MAX_SKEW);
      expect(afterAck.map((r) => r.kind)).toEqual([OverdueReportKind.RETIRED, OverdueReportKind.RECOVERED]);
      expect(afterAck[1].lastSuccess).toBe(back);
    }), PARAMS);
});

test('judge: an acknowledgement older than the newest success does not retire it', () => {
  const times = [0, DAY, 2 * DAY].map((t) => t + Date.UTC(2026, 4, 1, 3));
  let item: ProtectionItem | undefined;
  for (const t of times) item = foldSignals(item, success(t));
  expect(judge({ ...item!, retiredAt: times[1] }, times[2] + HOUR, DEFAULT_OVERDUE_SETTINGS)).toBe(ProtectionState.OK);
  expect(judge({ ...item!, retiredAt: times[2] }, times[2] + HOUR, DEFAULT_OVERDUE_SETTINGS)).toBe(ProtectionState.RETIRED);
});
