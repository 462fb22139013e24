/**
 * The Lambda-published reports as chat messages: every report kind (heartbeat SILENT, NEVER_SEEN, RETURNED;
 * overdue OVERDUE, RECOVERED, RETIRED; the daily report of a busy and of a quiet day, and of a very large one)
 * renders as a custom notification that passes `validateCustomNotification`, names what the email names first,
 * links the console, and stays within `CHAT_LIMITS` however many entries there are. The emails are unchanged.
 *
 * The path: the function publishes to the chat topic -> Amazon Q Developer in chat applications. Schema:
 * "Custom notifications using Amazon Q Developer in chat applications",
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html; SNS Publish takes a message of at most
 * 256 KB (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
 */
import { largeDay, organizationDay, quietDay } from './protection/daily-fixture';
import { CHAT_ENTRIES_PER_KIND, dailyChatReport, fitLines, heartbeatChatReport, overdueChatReport } from '../../src/runtime/chat-reports';
import { DEFAULT_SETTINGS, LedgerItem, reportsFor } from '../../src/runtime/heartbeat/checker';
import { renderDailyEmail, summarizeDay } from '../../src/runtime/protection/daily-report';
import { ProtectionItem } from '../../src/runtime/protection/item';
import { DEFAULT_OVERDUE_SETTINGS } from '../../src/runtime/protection/overdue';
import { overdueReports } from '../../src/runtime/protection/report';
import { CHAT_LIMITS, validateCustomNotification } from '../../src/shared/chat';
import { LedgerState, ReportDestination } from '../../src/shared/heartbeat';
import { OverdueDestination, ProtectionKind, ProtectionState } from '../../src/shared/protection';

const NOW = Date.parse('2026-12-06T06:00:00Z');
const HOUR = 3_600_000;

function source(i: number, kind: 'SILENT' | 'NEVER_SEEN' | 'RETURNED'): LedgerItem {
  const account = String(300_000_000_000 + i);
  const base = { pk: `${account}#eu-west-1#Forward${i}`, account, region: 'eu-west-1', rule: `Forward${i}`, notified: {} };
  switch (kind) {
    case 'SILENT': return { ...base, state: LedgerState.SILENT, lastSeen: NOW - 7 * HOUR, intervalSeconds: 3600, ver: 1, silentSince: NOW - HOUR };
    case 'NEVER_SEEN': return { ...base, state: LedgerState.SILENT, expectedSince: NOW - 9 * HOUR, ver: 1, silentSince: NOW - HOUR };
    default:
      return {
        ...base, state: LedgerState.OK, lastSeen: NOW - 60_000, intervalSeconds: 3600, ver: 2, silentSince: NOW - 5 * HOUR, notified: { alarm: 1 },
      };
  }
}

function protection(i: number, state: ProtectionState, message?: string): ProtectionItem {
  const account = String(400_000_000_000 + i);
  const resourceArn = `arn:aws:ec2:eu-central-1:${account}:volume/vol-${String(i).padStart(17, '0')}`;
  return {
    pk: `${account}#eu-central-1#${resourceArn}#BACKUP`,
    kind: ProtectionKind.BACKUP,
    account,
    region: 'eu-central-1',
    resourceArn,
    resourceType: 'EBS',
    vault: 'prod-vault',
    successes: [NOW - 50 * HOUR, NOW - 26 * HOUR, ...(state === ProtectionState.OK ? [NOW - HOUR] : [])],
    successCount: 3,
    state,
    ver: 1,
    notified: {},
    overdueSince: NOW - 26 * HOUR,
    changedAt: NOW - HOUR,
    ...(message === undefined ? {} : { lastFailureAt: NOW - 2 * HOUR, lastFailureState: 'FAILED', lastFailureMessage: message }),
  };
}

function expectValid(n: unknown): void {
  expect(validateCustomNotification(n)).toEqual([]);
  expect(Buffer.byteLength(JSON.stringify(n))).toBeLessThan(256 * 1024);
}

describe('heartbeat reports', () => {
  test.each([
    ['SILENT', 'Backup alarm heartbeats: 1 silent', 'last heartbeat 2026-12-05T23:00Z, 7 h ago'],
    ['NEVER_SEEN', 'Backup alarm heartbeats: 1 never seen', 'expected since 2026-12-05T21:00Z'],
    ['RETURNED', 'Backup alarm heartbeats: 1 returned', 'heartbeat 2026-12-06T05:59Z, silent since 2026-12-06T01:00Z'],
  ] as const)('%s renders a valid notification naming the source', (kind, title, detail) => {
    const items = [source(1, kind)];
    const report = heartbeatChatReport(items, ReportDestination.ALARM, NOW, DEFAULT_SETTINGS)!;
    expectValid(report.notification);
    expect(report.notification.content.title).toBe(title);
    expect(report.notification.content.description).toContain(`300000000001 eu-west-1 (rule Forward1): ${detail}`);
    expect(report.items).toEqual([{ pk: items[0].pk, ver: items[0].ver }]);
    if (kind === 'RETURNED') expect(report.notification.content.nextSteps).toHaveLength(1);
    else expect(report.notification.content.nextSteps[0]).toBe('The forwarding rules in eu-west-1 (in the silent account): https://eu-west-1.console.aws.amazon.com/events/home?region=eu-west-1#/rules');
  });

  test('nothing owed, nothing sent; what the email reports, the chat reports', () => {
    const items = [source(1, 'SILENT'), { ...source(2, 'SILENT'), notified: { alarm: 1 } }, source(3, 'RETURNED')];
    expect(heartbeatChatReport([items[1]], ReportDestination.ALARM, NOW, DEFAULT_SETTINGS)).toBeUndefined();
    const chat = heartbeatChatReport(items, ReportDestination.ALARM, NOW, DEFAULT_SETTINGS)!;
    const email = reportsFor(items, ReportDestination.ALARM, NOW, DEFAULT_SETTINGS, 'ledger');
    expect(chat.items.map((i) => i.pk).sort()).toEqual(email.flatMap((r) => r.items).map((i) => i.pk).sort());
  });

  test('1,000 silent sources: the first few, a count, within the limits', () => {
    const items = Array.from({ length: 1000 }, (_, i) => source(i, i % 2 === 0 ? 'SILENT' : 'NEVER_SEEN'));
    const n = heartbeatChatReport(items, ReportDestination.ALARM, NOW, DEFAULT_SETTINGS, 'aws-cn')!.notification;
    expectValid(n);
    expect(n.content.title).toBe('Backup alarm heartbeats: 500 silent, 500 never seen');
    expect(n.content.description.match(/^• /gm)).toHaveLength(2 * CHAT_ENTRIES_PER_KIND);
    expect(n.content.description).toContain('… and 495 more (in the email)');
    expect(n.content.nextSteps[0]).toContain('https://console.amazonaws.cn/events/home?region=eu-west-1#/rules');
  });
});

describe('overdue reports', () => {
  test.each([
    [ProtectionState.OVERDUE, 'Overdue backups: 1 overdue', 'last success 2026-12-05T04:00Z (1 d 2 h ago); last job FAILED: Access "denied"'],
    [ProtectionState.RETIRED, 'Overdue backups: 1 retired', 'last success 2026-12-05T04:00Z'],
    [ProtectionState.OK, 'Overdue backups: 1 recovered', 'last success 2026-12-06T05:00Z'],
  ])('%s renders a valid notification naming the protection', (state, title, detail) => {
    const items = [protection(1, state, 'Access "denied"\nto the vault')];
    const report = overdueChatReport(items, OverdueDestination.ALARM, NOW, 'aws')!;
    expectValid(report.notification);
    expect(report.notification.content.title).toBe(title);
    expect(report.notification.content.description).toContain(`(400000000001 eu-central-1, vault prod-vault): ${detail}`);
    const link = 'https://eu-central-1.console.aws.amazon.com/backup/home?region=eu-central-1#/resources/arn%3Aaws%3Aec2%3Aeu-central-1%3A400000000001%3Avolume%2Fvol-00000000000000001';
    if (state === ProtectionState.OK) expect(report.notification.content.nextSteps.join(' ')).not.toContain('https://');
    else expect(report.notification.content.nextSteps[0].endsWith(link)).toBe(true);
  });

  test('what the email reports, the chat reports; 500 protections with long messages stay within the limits', () => {
    const items = Array.from({ length: 500 }, (_, i) => protection(i, [ProtectionState.OVERDUE, ProtectionState.RETIRED, ProtectionState.OK][i % 3], 'x'.repeat(5000)));
    const chat = overdueChatReport(items, OverdueDestination.ALARM, NOW, 'aws')!;
    expectValid(chat.notification);
    expect(chat.notification.content.nextSteps.length).toBeLessThanOrEqual(CHAT_LIMITS.NEXT_STEPS);
    const email = overdueReports(items, OverdueDestination.ALARM, NOW, DEFAULT_OVERDUE_SETTINGS, 'aws', 'ledger');
    expect(chat.items.map((i) => i.pk).sort()).toEqual(email.flatMap((r) => r.items).map((i) => i.pk).sort());
    expect(overdueChatReport(items.map((i) => ({ ...i, notified: { alarm: 1 } })), OverdueDestination.ALARM, NOW, 'aws')).toBeUndefined();
  });
});

describe('the daily report', () => {
  test('a busy organization day: the email\'s subject and verdict, the first failures, links to the jobs', () => {
    const s = summarizeDay(organizationDay());
    const n = dailyChatReport(s);
    expectValid(n);
    const email = renderDailyEmail(s);
    expect(n.content.title).toBe(email.subject);
    expect(n.content.description.split('\n')[0]).toBe(email.message.split('\n')[0]);
    expect(n.content.description).toContain(`Failures by account and Region (${s.failureCount} jobs)`);
    expect(n.content.nextSteps[0]).toMatch(/^Jobs in [a-z0-9-]+: https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/backup\/home\?region=[a-z0-9-]+#\/jobs$/);
    expect(n.content.keywords).toContain('needs attention');
  });

  test('a quiet day says all quiet', () => {
    const s = summarizeDay(quietDay());
    const n = dailyChatReport(s);
    expectValid(n);
    expect(n.content.title).toMatch(/: all quiet$/);
    expect(n.content.keywords).toContain('all quiet');
    expect(n.content.nextSteps).toEqual(['Nothing to do today. The email has the success rate per kind.']);
  });

  test('a very large day stays within the limits, cut at a line', () => {
    const n = dailyChatReport(summarizeDay(largeDay(5000, 2000)));
    expectValid(n);
    expect(n.content.description.length).toBeLessThanOrEqual(CHAT_LIMITS.DESCRIPTION);
  });
});

test.each([
  [['a', 'b', 'c'], 100, 'a\nb\nc'],
  [['aaaa', 'bbbb', 'cccc'], 35, 'aaaa\n(2 more lines in the email)'],
  [['a'.repeat(50)], 40, '(1 more lines in the email)'],
])('fitLines(%j, %d) keeps whole lines', (lines, max, expected) => {
  expect(fitLines(lines, max)).toBe(expected);
  expect(fitLines(lines, max).length).toBeLessThanOrEqual(max);
});
