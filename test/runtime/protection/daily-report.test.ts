/**
 * The daily report's pure part: the summary of an organization's day adds up to the numbers placed in the
 * fixture, the email says what needs attention (or that the day was quiet) in the report's own time zone, and
 * stays bounded however large the ledger. The README's example is this file's rendering of the fixture.
 *
 * Governing pages:
 * - "Publish" (SNS API reference: Subject at most 100 printable ASCII characters, Message at most 256 KB),
 *   https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
 * - "Intl.DateTimeFormat" (time zone names come from CLDR: CET/CEST in en-GB, PST in en-US),
 *   https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Intl/DateTimeFormat
 */
import { ACCOUNTS, FACTS, largeDay, NOW, organizationDay, quietDay } from './daily-fixture';
import { DailyReportInput } from '../../../src/runtime/protection/daily-input';
import {
  DailySummary, localTime, MAX_LINES_PER_SECTION, MAX_MESSAGE_BYTES, renderDailyEmail, summarizeDay,
} from '../../../src/runtime/protection/daily-report';
import { ActivityItem } from '../../../src/runtime/protection/item';
import { activityKey, hourOf } from '../../../src/shared/protection';
import { expectGeneratedBlock } from '../../support/generated-block';

const HOUR = 3_600_000;
const day = summarizeDay(organizationDay());
const email = renderDailyEmail(day);

/** The lines of the section titled `title` (up to the next blank line). */
function sectionOf(message: string, title: string): string[] {
  const lines = message.split('\n');
  const start = lines.findIndex((l) => l.startsWith(title));
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe('the summary of the fixture adds up to the numbers placed in it', () => {
  const totals = Object.fromEntries(day.totals.map((t) => [t.kind, t]));
  test.each<[string, (s: DailySummary) => unknown, unknown]>([
    ['failures', (s) => s.failureCount, FACTS.failures],
    ['failure groups (account-Regions)', (s) => s.failures.length, FACTS.failureGroups],
    ['failures = the sum of the groups', (s) => s.failures.reduce((n, g) => n + g.kinds.reduce((m, k) => m + k.count, 0), 0), FACTS.failures],
    ['failures = the sum of the kinds', (s) => s.totals.reduce((n, t) => n + t.failures, 0), FACTS.failures],
    ['backup successes', () => totals.BACKUP.successes, FACTS.totals.BACKUP.successes],
    ['backup failures', () => totals.BACKUP.failures, FACTS.totals.BACKUP.failures],
    ['copy successes', () => totals.COPY.successes, FACTS.totals.COPY.successes],
    ['copy failures', () => totals.COPY.failures, FACTS.totals.COPY.failures],
    ['restore', () => [totals.RESTORE.successes, totals.RESTORE.failures], [FACTS.totals.RESTORE.successes, FACTS.totals.RESTORE.failures]],
    ['scan (threats found is a failure)', () => [totals.SCAN.successes, totals.SCAN.failures], [FACTS.totals.SCAN.successes, FACTS.totals.SCAN.failures]],
    ['backup success rate', () => totals.BACKUP.successRate, 3575 / 3588],
    ['tamper signals', (s) => s.tamperCount, FACTS.tamper],
    ['tamper names', (s) => s.tamper.flatMap((g) => g.names.map((n) => n.name)).sort(), ['DeleteBackupVaultLockConfiguration', 'DeleteRecoveryPoint']],
    ['policy changes', (s) => s.policyChanges.map((g) => [g.account, g.region, g.names]), [[ACCOUNTS[0], 'us-east-1', [{ name: 'UpdatePolicy', count: 1 }]]]],
    ['open failures', (s) => s.openFailures.length, FACTS.openFailures],
    ['overdue', (s) => s.overdue.length, FACTS.overdue],
    ['overdue, oldest first', (s) => s.overdue.map((o) => o.account), FACTS.places.overdue.map((o) => o.account)],
    ['only the youngest overdue shows its newer failure', (s) => s.overdue.map((o) => o.lastFailureState), [undefined, undefined, 'EXPIRED']],
    ['retired within the window (not the one of last week)', (s) => s.retired.map((r) => r.resourceArn.split(':').pop()), ['legacy-billing']],
    ['protected resources (copies and retired ones not counted again)', (s) => s.protectedResources, FACTS.protectedResources],
    ['learning, passed through', (s) => s.learning, FACTS.learning],
    ['sources', (s) => s.heartbeats?.sources, FACTS.sources],
    ['silent sources', (s) => s.heartbeats?.silent.length, FACTS.silent],
    ['account-Regions with no job', (s) => s.heartbeats?.noJob, FACTS.noJob],
    ['not quiet', (s) => s.quiet, false],
  ])('%s', (_name, actual, expected) => {
    expect(actual(day)).toEqual(expected);
  });

  test('the burst is the first group, with its status message', () => {
    expect(day.failures[0]).toMatchObject({ ...FACTS.burst, count: 10, kinds: [{ kind: 'BACKUP', states: [{ name: 'EXPIRED', count: 10 }] }] });
    expect(email.message).toContain(`- ${FACTS.burst.account} ${FACTS.burst.region}: backup 10 EXPIRED — last message: Backup job expired before it could start`);
  });

  test('a failure retried successfully within the day is counted, but is no open failure', () => {
    const retried = FACTS.places.retried;
    expect(day.failures.some((g) => g.account === retried.account && g.region === retried.region)).toBe(true);
    expect(day.openFailures.some((p) => p.account === retried.account && p.region === retried.region)).toBe(false);
  });
});

describe('counters', () => {
  const item = (jobs: ActivityItem['jobs'], messages: ActivityItem['messages'] = {}, hour = NOW - 2 * HOUR): ActivityItem => ({
    pk: activityKey(hour, '111122223333', 'eu-west-1'), hour: hourOf(hour), account: '111122223333', region: 'eu-west-1', jobs, messages, tamper: {}, policy: {},
  });
  const input = (activity: ActivityItem[]): DailyReportInput => ({
    now: NOW, timeZone: 'UTC', partition: 'aws', activity, protections: [], learning: 0, tableName: 't',
  });
  test.each<[string, ActivityItem['jobs'], number, number]>([
    ['progress states are neither', { BACKUP_RUNNING: 4, BACKUP_CREATED: 4, COPY_PENDING: 1 }, 0, 0],
    ['COMPLETED is a success', { BACKUP_COMPLETED: 3, RESTORE_COMPLETED: 1 }, 4, 0],
    ['every failure state is a failure', { BACKUP_ABORTED: 1, BACKUP_PARTIAL: 1, COPY_PARTIAL: 1, SCAN_COMPLETED_WITH_ISSUES: 1, SCAN_CANCELED: 1 }, 0, 5],
    ['a scan that found threats is a failure', { SCAN_COMPLETED: 1, SCAN_THREATS_FOUND: 1 }, 1, 1],
    ['a state AWS Backup adds later is a failure', { BACKUP_SOMETHING_NEW: 2 }, 0, 2],
    ['zero counters are ignored', { BACKUP_FAILED: 0 }, 0, 0],
  ])('%s', (_name, jobs, successes, failures) => {
    const s = summarizeDay(input([item(jobs)]));
    expect(s.totals.reduce((n, t) => n + t.successes, 0)).toBe(successes);
    expect(s.failureCount).toBe(failures);
  });

  test('no job of a kind: no success rate, and the email says so', () => {
    const s = summarizeDay(input([item({ BACKUP_COMPLETED: 1 })]));
    expect(s.totals.map((t) => [t.kind, t.successRate])).toEqual([['BACKUP', 1], ['COPY', undefined], ['RESTORE', undefined], ['SCAN', undefined]]);
    expect(renderDailyEmail(s).message).toContain('- copy: no job');
  });

  test('a rate is rounded down: one failure in 100,000 is not 100 %', () => {
    const s = summarizeDay(input([item({ BACKUP_COMPLETED: 99_999, BACKUP_FAILED: 1 })]));
    expect(renderDailyEmail(s).message).toContain('- backup: 99.99 % (99,999 completed, 1 failed)');
  });

  test('the last message is the newest hour\'s; hours outside the window do not count', () => {
    const s = summarizeDay(input([
      item({ BACKUP_FAILED: 1 }, { BACKUP_FAILED: 'newer' }, NOW - 2 * HOUR),
      item({ BACKUP_FAILED: 1 }, { BACKUP_FAILED: 'older' }, NOW - 5 * HOUR),
      item({ BACKUP_FAILED: 7 }, { BACKUP_FAILED: 'before the window' }, NOW - 26 * HOUR),
    ]));
    expect(s.failures).toEqual([expect.objectContaining({ count: 2, lastMessage: 'newer' })]);
  });
});

describe('a quiet day', () => {
  const quiet = summarizeDay(quietDay());
  const mail = renderDailyEmail(quiet);
  test('is quiet, and says so with its numbers', () => {
    expect(quiet.quiet).toBe(true);
    expect(mail.subject).toBe('Backup daily report 2026-12-06: all quiet');
    expect(mail.message.split('\n')[0]).toBe(
      `All ${FACTS.sources} sources reported; 3,600 resources protected; 0 failures in 24 hours. `
      + 'No tamper signal, no policy change, nothing overdue. 37 protections are still learning their interval.');
  });
  test.each(['Failures by account and Region (0):', 'Tampering (0):', 'Overdue, oldest first (0):', 'Retired today (0):', 'Silent sources (0 of 361):', 'Account-Regions with no job (0):'])(
    'an empty section says "none" in one line: %s', (title) => {
      expect(sectionOf(mail.message, title)).toEqual(['  none']);
    });
});

describe('the subject', () => {
  const extreme: DailySummary = {
    ...day,
    failureCount: 123_456_789,
    tamperCount: 98_765_432,
    policyChangeCount: 1_000_000,
    overdue: new Array(2_000_000).fill(day.overdue[0]),
  };
  test.each<[string, DailySummary]>([
    ['the fixture', day],
    ['a quiet day', summarizeDay(quietDay())],
    ['an odd time zone name', summarizeDay({ ...organizationDay(), timeZone: 'Asia/Kolkata' })],
    ['absurd counts', extreme],
  ])('%s: at most 100 printable ASCII characters', (_name, s) => {
    const { subject } = renderDailyEmail(s);
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject).toMatch(/^Backup daily report \d{4}-\d{2}-\d{2}: /);
  });
  test('names every count of the fixture, in short words when the long ones do not fit', () => {
    expect(email.subject).toBe('Backup daily report 2026-12-06: 16 failed, 2 tamper, 1 policy, 3 overdue, 2 silent');
    const fewer = renderDailyEmail({ ...day, tamperCount: 0, policyChangeCount: 0 });
    expect(fewer.subject).toBe('Backup daily report 2026-12-06: 16 failures, 3 overdue, 2 silent sources');
  });
});

describe('time zones', () => {
  const instant = Date.parse('2026-12-06T11:30:00Z');
  test.each<[string, string, string]>([
    ['Pacific/Auckland', '2026-12-07', '2026-12-07 00:30 NZDT'],
    ['America/Los_Angeles', '2026-12-06', '2026-12-06 03:30 PST'],
    ['Europe/Berlin', '2026-12-06', '2026-12-06 12:30 CET'],
    ['UTC', '2026-12-06', '2026-12-06 11:30 UTC'],
    ['Asia/Tokyo', '2026-12-06', '2026-12-06 20:30 GMT+9'],
  ])('%s: the report of %s, written %s', (timeZone, date, written) => {
    const s = summarizeDay({ ...quietDay(), now: instant, timeZone });
    expect(s.date).toBe(date);
    expect(renderDailyEmail(s).subject).toBe(`Backup daily report ${date}: all quiet`);
    expect(localTime(instant, timeZone)).toBe(written);
  });

  test.each<[string, string]>([
    ['2026-10-25T00:30:00Z', '2026-10-25 02:30 CEST'],
    ['2026-10-25T01:30:00Z', '2026-10-25 02:30 CET'],
    ['2026-03-29T00:30:00Z', '2026-03-29 01:30 CET'],
    ['2026-03-29T01:30:00Z', '2026-03-29 03:30 CEST'],
  ])('Europe/Berlin across the switch: %s is %s', (iso, written) => {
    expect(localTime(Date.parse(iso), 'Europe/Berlin')).toBe(written);
  });

  test('the report on the day summer time ends spans CEST to CET (25 hours of wall clock)', () => {
    const s = summarizeDay({ ...quietDay(), now: Date.parse('2026-10-25T06:00:00Z'), timeZone: 'Europe/Berlin' });
    expect(renderDailyEmail(s).message).toContain('Window: 2026-10-24 08:00 CEST to 2026-10-25 07:00 CET.');
  });
});

describe('without a heartbeat ledger', () => {
  const input: DailyReportInput = { ...organizationDay(), sources: undefined };
  const s = summarizeDay(input);
  const mail = renderDailyEmail(s);
  test('nothing about sources but one line saying heartbeats are not watched', () => {
    expect(s.heartbeats).toBeUndefined();
    expect(mail.message).not.toMatch(/Silent sources|Account-Regions with no job|silent/);
    expect(mail.message.match(/Heartbeats are not watched/g)).toHaveLength(1);
    expect(mail.subject).toBe('Backup daily report 2026-12-06: 16 failures, 2 tamper signals, 1 policy change, 3 overdue');
  });
  test('a quiet day does not claim that all sources reported', () => {
    const quiet = renderDailyEmail(summarizeDay({ ...quietDay(), sources: undefined }));
    expect(quiet.message).toMatch(/^3,600 resources protected; 0 failures in 24 hours\./);
  });
});

describe('size', () => {
  test('100,000 protections, 5,000 of them overdue: each section capped, the message under 200 KB, quickly', () => {
    const started = performance.now();
    const s = summarizeDay(largeDay(100_000, 5_000));
    const mail = renderDailyEmail(s);
    const elapsed = performance.now() - started;
    expect(s.overdue).toHaveLength(5_000);
    expect(s.protectedResources).toBe(100_000);
    const overdue = sectionOf(mail.message, 'Overdue, oldest first (5,000):');
    // Two lines per protection (the line and its console link), then the remainder.
    expect(overdue.filter((l) => l.startsWith('- '))).toHaveLength(MAX_LINES_PER_SECTION);
    expect(overdue[overdue.length - 1]).toBe('... and 4,950 more');
    expect(sectionOf(mail.message, 'Failures by account and Region').pop()).toBe('... and 9,950 more');
    expect(sectionOf(mail.message, 'Silent sources').pop()).toBe('... and 950 more');
    expect(Buffer.byteLength(mail.message, 'utf8')).toBeLessThan(MAX_MESSAGE_BYTES);
    expect(elapsed).toBeLessThan(10_000);
  });

  test('a message that would still be too long is cut at a line, and says so', () => {
    const mail = renderDailyEmail({ ...day, tableName: 'x'.repeat(300_000) });
    expect(Buffer.byteLength(mail.message, 'utf8')).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(mail.message).toMatch(/report cut at 200 KB; the ledger holds the rest\.$/);
  });
});

describe('console links', () => {
  test.each<[string, string]>([
    ['aws', 'https://eu-west-1.console.aws.amazon.com/backup/home?region=eu-west-1#/resources/'],
    ['aws-cn', 'https://console.amazonaws.cn/backup/home?region=eu-west-1#/resources/'],
  ])('%s: overdue protections link to their protected-resource page', (partition, prefix) => {
    const s = summarizeDay({ ...organizationDay(), partition });
    const o = s.overdue.find((p) => p.region === 'eu-west-1')!;
    expect(renderDailyEmail(s).message).toContain(`${prefix}${encodeURIComponent(o.resourceArn)}`);
  });
});

test('README: the fixture\'s report is the example (UPDATE_README=1 rewrites it)', () => {
  expectGeneratedBlock('daily-report', ['```text', `Subject: ${email.subject}`, '', email.message, '```'].join('\n'));
});
