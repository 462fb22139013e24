/**
 * The reports the Lambda functions publish (heartbeat silences, overdue protections, the daily report) as
 * Amazon Q Developer custom notifications (src/shared/chat.ts): short, with the counts, the first few entries
 * and console links, the full lists being the email's. Pure: no I/O, no clock. The emails are not touched: each
 * function reads the same items, and the same ownership rules (`owes`, `reportKindOf`), as its email.
 *
 * The reports carry no `threadId`: each is news of its own, and a thread would hide it from the channel.
 */
import { Publish } from './heartbeat/aws-client';
import { humanDuration, LedgerItem, owes as heartbeatOwes, reportKindOf as heartbeatKindOf, CheckerSettings } from './heartbeat/checker';
import { DailySummary, localTime, protectedResourceUrl, renderDailyEmail } from './protection/daily-report';
import { lastSuccessOf, ProtectionItem } from './protection/item';
import { owes as overdueOwes, reportKindOf as overdueKindOf } from './protection/overdue';
import { CHAT_LIMITS, customNotification, CustomNotification, truncate } from '../shared/chat';
import { consoleHostOf } from '../shared/console-links';
import { HeartbeatReportKind, ReportDestination } from '../shared/heartbeat';
import { OverdueDestination, OverdueReportKind } from '../shared/protection';

/** Entries listed per kind; the email has them all. */
export const CHAT_ENTRIES_PER_KIND = 5;

/** Console links among the next steps. */
const CHAT_LINKS = 3;

/** Longest status message quoted in an entry (AWS's sentences; the email has them whole). */
const CHAT_MESSAGE = 160;

/** A notification and the items it reports, with the version it reports (as the email reports carry them). */
export interface ChatReport {
  readonly notification: CustomNotification;
  readonly items: Array<{ pk: string; ver: number }>;
}

const iso = (ms: number | undefined) => (ms === undefined ? 'never' : new Date(ms).toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z'));

/**
 * Lines up to `max` characters in all: whole lines only, and a last line that says how many were left out.
 * The description is cut here, at a line, rather than by `customNotification` in the middle of one.
 */
export function fitLines(lines: readonly string[], max: number = CHAT_LIMITS.DESCRIPTION): string {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const candidate = [...out, lines[i]].join('\n');
    // Room for this line, and (unless it is the last) for the note that may have to follow it.
    const noteAfter = `(${lines.length - i - 1} more lines in the email)`;
    if (candidate.length > max || (i < lines.length - 1 && candidate.length + 1 + noteAfter.length > max)) {
      out.push(`(${lines.length - i} more lines in the email)`);
      break;
    }
    out.push(lines[i]);
  }
  return truncate(out.join('\n'), max);
}

/** A titled list: the first `CHAT_ENTRIES_PER_KIND` entries, and how many more. */
function listed<T>(title: string, items: readonly T[], line: (item: T) => string): string[] {
  if (items.length === 0) return [];
  const more = items.length > CHAT_ENTRIES_PER_KIND ? [`  … and ${items.length - CHAT_ENTRIES_PER_KIND} more (in the email)`] : [];
  return [`${title} (${items.length}):`, ...items.slice(0, CHAT_ENTRIES_PER_KIND).map((i) => `• ${line(i)}`), ...more];
}

/** "2 silent, 1 returned": the non-zero counts. */
function countsOf(counts: Array<[number, string]>): string {
  return counts.filter(([n]) => n > 0).map(([n, w]) => `${n} ${w}`).join(', ');
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

// ---------------------------------------------------------------------------------------------------------
// Heartbeats
// ---------------------------------------------------------------------------------------------------------

/** The EventBridge rules page of an account's Region: where a forwarding rule is checked. */
function rulesUrl(partition: string, region: string): string {
  return `https://${consoleHostOf(partition, region)}/events/home?region=${region}#/rules`;
}

/**
 * The heartbeat changes owed to `destination`, as one notification (undefined when nothing is owed): counts of
 * silent, never seen and returned sources, the first of each, and the EventBridge rules pages to check.
 */
export function heartbeatChatReport(items: readonly LedgerItem[], destination: ReportDestination, now: number, s: CheckerSettings,
  partition = 'aws'): ChatReport | undefined {
  const owed = items.filter((i) => heartbeatOwes(i, destination));
  if (owed.length === 0) return undefined;
  const of = (kind: HeartbeatReportKind) => owed.filter((i) => heartbeatKindOf(i) === kind).sort((a, b) => a.pk.localeCompare(b.pk));
  const silent = of(HeartbeatReportKind.SILENT);
  const never = of(HeartbeatReportKind.NEVER_SEEN);
  const returned = of(HeartbeatReportKind.RETURNED);
  const counts = countsOf([[silent.length, 'silent'], [never.length, 'never seen'], [returned.length, 'returned']]);
  const where = (i: LedgerItem) => `${i.account} ${i.region} (rule ${i.rule})`;
  const lines = [
    silent.length + never.length > 0
      ? 'While a source is silent, its backup failures and tampering may not reach you either.'
      : 'These sources send heartbeats again: look at their dead-letter queues for alarms lost meanwhile.',
    ...listed('Silent', silent, (i) => `${where(i)}: last heartbeat ${iso(i.lastSeen)}, ${humanDuration(now - i.lastSeen!)} ago`),
    ...listed('Never seen', never, (i) => `${where(i)}: expected since ${iso(i.expectedSince)}`),
    ...listed('Returned', returned, (i) => `${where(i)}: heartbeat ${iso(i.lastSeen)}, silent since ${iso(i.silentSince)}`),
    `A source is silent after ${s.missedIntervals} missed intervals (plus ${humanDuration(s.graceSeconds * 1000)}). Checked at ${iso(now)}.`,
  ];
  const firstPlaces = unique([...silent, ...never].map((i) => `${i.region}`)).slice(0, CHAT_LINKS);
  return {
    notification: customNotification({
      title: `Backup alarm heartbeats: ${counts}`,
      description: fitLines(lines),
      nextSteps: [
        ...firstPlaces.map((r) => `The forwarding rules in ${r} (in the silent account): ${rulesUrl(partition, r)}`),
        'The email lists every source and the likely causes, in the order worth checking.',
      ],
      keywords: ['cdk-backup-alarms', 'heartbeat', ...(silent.length + never.length > 0 ? ['SILENT'] : ['RETURNED'])],
      summary: `Backup alarm heartbeats: ${counts}`,
      eventType: 'BackupAlarmHeartbeats',
    }),
    items: owed.map((i) => ({ pk: i.pk, ver: i.ver })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Overdue protections
// ---------------------------------------------------------------------------------------------------------

/**
 * The overdue changes owed to `destination`, as one notification (undefined when nothing is owed): counts of
 * overdue, retired and recovered protections, the first of each with its last success and last failure,
 * and the protected resources' console pages.
 */
export function overdueChatReport(items: readonly ProtectionItem[], destination: OverdueDestination, now: number,
  partition: string): ChatReport | undefined {
  const owed = items.filter((i) => overdueOwes(i, destination));
  if (owed.length === 0) return undefined;
  const of = (kind: OverdueReportKind) => owed.filter((i) => overdueKindOf(i) === kind).sort((a, b) => a.pk.localeCompare(b.pk));
  const overdue = of(OverdueReportKind.OVERDUE);
  const retired = of(OverdueReportKind.RETIRED);
  const recovered = of(OverdueReportKind.RECOVERED);
  const counts = countsOf([[overdue.length, 'overdue'], [retired.length, 'retired'], [recovered.length, 'recovered']]);
  const entry = (i: ProtectionItem) => {
    const last = lastSuccessOf(i);
    const since = last === undefined ? 'never succeeded' : `last success ${iso(last)} (${humanDuration(now - last)} ago)`;
    const failed = i.lastFailureAt !== undefined && (last === undefined || i.lastFailureAt > last)
      ? `; last job ${i.lastFailureState ?? 'FAILED'}${i.lastFailureMessage ? `: ${truncate(i.lastFailureMessage.replace(/\s+/g, ' '), CHAT_MESSAGE)}` : ''}`
      : '';
    return `${i.kind.toLowerCase()} of ${i.resourceType ?? 'resource'} ${i.resourceArn} (${i.account} ${i.region}, vault ${i.vault}): ${since}${failed}`;
  };
  const lines = [
    'AWS Backup sends no event for a backup that never ran: these protections went longer without a success than their history or objective allows.',
    ...listed('Overdue', overdue, entry),
    ...listed('Retired (no longer watched)', retired, entry),
    ...listed('Recovered (protected again)', recovered, entry),
  ];
  const linked = [...overdue, ...retired].slice(0, CHAT_LINKS);
  return {
    notification: customNotification({
      title: `Overdue backups: ${counts}`,
      description: fitLines(lines),
      nextSteps: [
        ...linked.map((i) => `${i.resourceArn} in the AWS Backup console: ${protectedResourceUrl(partition, i.region, i.resourceArn)}`),
        'The email lists every protection and the likely causes.',
      ],
      keywords: ['cdk-backup-alarms', 'overdue', ...(overdue.length > 0 ? ['OVERDUE'] : [])],
      summary: `Overdue backups: ${counts}`,
      eventType: 'BackupOverdue',
      relatedResources: linked.map((i) => i.resourceArn),
    }),
    items: owed.map((i) => ({ pk: i.pk, ver: i.ver })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The daily report
// ---------------------------------------------------------------------------------------------------------

/** The AWS Backup jobs page of a Region. */
function jobsUrl(partition: string, region: string): string {
  return `https://${consoleHostOf(partition, region)}/backup/home?region=${region}#/jobs`;
}

/**
 * The daily report as a notification: the email's subject and verdict, then the first entries of each concern
 * (failures, tampering, policy changes, overdue, silent sources), and console links to the worst places.
 */
export function dailyChatReport(s: DailySummary): CustomNotification {
  const email = renderDailyEmail(s);
  const verdict = email.message.split('\n')[0];
  const tz = s.timeZone;
  const names = (g: { names: readonly { name: string; count: number }[] }) => g.names.map((n) => `${n.name} ${n.count}`).join(', ');
  const lines = [
    verdict,
    ...listed(`Failures by account and Region (${s.failureCount} jobs)`, s.failures, (g) =>
      `${g.account} ${g.region}: ${g.kinds.map((k) => `${k.kind.toLowerCase()} ${k.states.map((st) => `${st.count} ${st.name}`).join(', ')}`).join('; ')}`),
    ...listed(`Tampering (${s.tamperCount})`, s.tamper, (g) => `${g.account} ${g.region}: ${names(g)}`),
    ...listed(`Backup policy changes (${s.policyChangeCount})`, s.policyChanges, (g) => `${g.account} ${g.region}: ${names(g)}`),
    ...listed('Overdue, oldest first', s.overdue, (p) =>
      `${p.account} ${p.region} ${p.resourceArn}: ${p.since === undefined ? 'never succeeded' : `last success ${localTime(p.since, tz)}`}`),
    ...listed('Silent heartbeat sources', s.heartbeats?.silent ?? [], (src) => `${src.account} ${src.region} ${src.rule}`),
  ];
  const places = unique(s.failures.map((g) => g.region)).slice(0, CHAT_LINKS);
  const nextSteps = s.quiet ? ['Nothing to do today. The email has the success rate per kind.'] : [
    ...places.map((r) => `Jobs in ${r}: ${jobsUrl(s.partition, r)}`),
    ...s.overdue.slice(0, Math.max(0, CHAT_LINKS - places.length)).map((p) => `${p.resourceArn}: ${protectedResourceUrl(s.partition, p.region, p.resourceArn)}`),
    'The email has every section in full.',
  ];
  return customNotification({
    title: email.subject,
    description: fitLines(lines),
    nextSteps,
    keywords: ['cdk-backup-alarms', 'daily report', s.quiet ? 'all quiet' : 'needs attention'],
    summary: email.subject,
    eventType: 'BackupDailyReport',
  });
}

/**
 * A plain-text message (an email's subject and body) as a custom notification: the subject is the title, the
 * body the description (cut to the limits). For messages written once for email, such as storm control's first
 * alarms and digests.
 */
export function textAsChat(subject: string, text: string): CustomNotification {
  return customNotification({ title: subject, description: text, keywords: ['cdk-backup-alarms'] });
}

/**
 * `publish`, and for each message to `topicArn`, the same message as a custom notification to `chatTopicArn`.
 * The chat copy is best effort: its failure is reported to `onChatError` and never fails the email (a retry would
 * send the email twice).
 */
export function withChatCopy(publish: Publish, chatTopicArn: string | undefined, onChatError: (err: unknown) => void = () => undefined): Publish {
  if (chatTopicArn === undefined || chatTopicArn === '') return publish;
  return async (topicArn, subject, message) => {
    await publish(topicArn, subject, message);
    try {
      await publish(chatTopicArn, '', JSON.stringify(textAsChat(subject, message)));
    } catch (err) {
      onChatError(err);
    }
  };
}
