/**
 * The overdue reports: readable email text naming, per protection, since when it is overdue, its last job's
 * state and message, its vault, plan and a console link, with the likely causes. Pure: no I/O, no clock.
 */
import { protectedResourceUrl } from './daily-report';
import { lastSuccessOf, ProtectionItem } from './item';
import { expectationOf, OverdueSettings, owes, reportKindOf } from './overdue';
import { OVERDUE_CAUSES, OverdueDestination, OverdueReportKind, ProtectionKind } from '../../shared/protection';
import { humanDuration } from '../heartbeat/checker';

/** Entries per message: a report stays far below SNS's 256 KB and readable in an email. */
export const MAX_ENTRIES_PER_REPORT = 100;

/** A report, ready to publish. */
export interface OverdueReport {
  readonly subject: string;
  readonly message: string;
  /** The items it reports, with the version it reports. */
  readonly items: Array<{ pk: string; ver: number }>;
}

const iso = (ms: number | undefined) => (ms === undefined ? 'never' : new Date(ms).toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z'));

/** The lines that describe one protection in a report. */
export function describe(item: ProtectionItem, now: number, s: OverdueSettings, partition: string): string[] {
  const last = lastSuccessOf(item);
  const noun = item.kind === ProtectionKind.COPY ? 'copy' : 'backup';
  const expectation = expectationOf(item, s);
  const expected = expectation === undefined ? 'no interval known yet'
    : expectation.from === 'objective' ? `recovery point objective ${humanDuration(expectation.allowanceMs)}`
      : `learned: usually every ${humanDuration(expectation.typicalMs!)}, at most ${humanDuration(expectation.allowanceMs)}`;
  const lines = [
    `- ${item.resourceType ?? 'resource'} ${item.resourceArn}`,
    `  account ${item.account}, Region ${item.region}, ${noun} vault ${item.vault}${item.planId ? `, plan ${item.planId}` : ''}`,
    `  last successful ${noun}: ${iso(last)}${last === undefined ? '' : ` (${humanDuration(now - last)} ago)`}; ${expected}`,
  ];
  if (item.lastFailureAt !== undefined && (last === undefined || item.lastFailureAt > last)) {
    lines.push(`  last job: ${item.lastFailureState ?? 'FAILED'} at ${iso(item.lastFailureAt)}${item.lastFailureMessage ? `: ${item.lastFailureMessage}` : ''}`);
  } else {
    lines.push('  last job: no failed job since; the jobs are not being created or do not reach the central bus');
  }
  lines.push(`  ${protectedResourceUrl(partition, item.region, item.resourceArn)}`);
  return lines;
}

const ORDER = [OverdueReportKind.OVERDUE, OverdueReportKind.RETIRED, OverdueReportKind.RECOVERED];

/**
 * The reports owed to `destination`: one message per `MAX_ENTRIES_PER_REPORT` protections, overdue first.
 * Empty when nothing is owed.
 */
export function overdueReports(items: ProtectionItem[], destination: OverdueDestination, now: number, s: OverdueSettings,
  partition: string, tableName: string): OverdueReport[] {
  const owed = items.filter((i) => owes(i, destination));
  owed.sort((a, b) => ORDER.indexOf(reportKindOf(a)!) - ORDER.indexOf(reportKindOf(b)!) || a.pk.localeCompare(b.pk));
  const reports: OverdueReport[] = [];
  for (let i = 0; i < owed.length; i += MAX_ENTRIES_PER_REPORT) {
    const chunk = owed.slice(i, i + MAX_ENTRIES_PER_REPORT);
    const byKind = new Map<OverdueReportKind, ProtectionItem[]>();
    for (const item of chunk) byKind.set(reportKindOf(item)!, [...(byKind.get(reportKindOf(item)!) ?? []), item]);
    const counts = ORDER.filter((k) => byKind.has(k)).map((k) => `${byKind.get(k)!.length} ${k.toLowerCase()}`);
    const part = owed.length > MAX_ENTRIES_PER_REPORT ? ` (part ${i / MAX_ENTRIES_PER_REPORT + 1} of ${Math.ceil(owed.length / MAX_ENTRIES_PER_REPORT)})` : '';
    // SNS subjects: at most 100 printable ASCII characters.
    const subject = `Overdue backups: ${counts.join(', ')}${part}`.slice(0, 100);
    const lines = [
      'AWS Backup sends no event for a backup that never ran. The backup alarm pipeline keeps, per protected resource,',
      'the times of its last successful backups and copies, and reports a resource once when it has gone longer without',
      'one than its own history (or its recovery point objective) allows, and once when it is protected again.',
      '',
    ];
    const section = (kind: OverdueReportKind, title: string, causes?: readonly string[]) => {
      const its = byKind.get(kind);
      if (its === undefined) return;
      lines.push(`${title} (${its.length}):`, ...its.flatMap((it) => describe(it, now, s, partition)), '');
      if (causes !== undefined) lines.push('Likely causes, in the order worth checking:', ...causes.map((c) => `  * ${c}`), '');
    };
    section(OverdueReportKind.OVERDUE, 'OVERDUE: no successful job for longer than expected', OVERDUE_CAUSES);
    section(OverdueReportKind.RETIRED, `RETIRED: no longer watched (acknowledged, or overdue for more than ${humanDuration(s.retireAfterSeconds * 1000)})`);
    section(OverdueReportKind.RECOVERED, 'RECOVERED: protected again');
    lines.push(`Checked at ${iso(now)}. Each change is reported once. The ledger is the DynamoDB table ${tableName}.`);
    reports.push({ subject, message: lines.join('\n'), items: chunk.map((c) => ({ pk: c.pk, ver: c.ver })) });
  }
  return reports;
}
