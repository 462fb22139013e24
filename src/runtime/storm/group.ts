/**
 * Storm control's pure part: which group a job failure belongs to, and the texts people read (a first alarm,
 * in the wording of the central email rules; a window's digest; an event that could not be parsed). No I/O,
 * no clock, no SDK.
 */
import { createHash } from 'crypto';
import { BackupJobKind } from '../../shared/backup-events';
import { consoleHostOf } from '../../shared/console-links';
import { JOBS, jobConsoleUrl } from '../../shared/jobs';
import { STORM_LIMITS } from '../../shared/storm';
import { BackupJobEvent } from '../event';

/** One kind of failure in one place. */
export interface StormGroup {
  /** `account#region#kind#<hash of the status message>`. */
  readonly key: string;
  readonly account: string;
  readonly region: string;
  readonly kind: BackupJobKind;
  /** The status message, cut to `STORM_LIMITS.MESSAGE_CHARS` (empty when the event has none). */
  readonly message: string;
}

/** The status message as grouped and shown: whitespace collapsed, cut. */
export function normalizedMessage(message: string | undefined): string {
  return (message ?? '').replace(/\s+/g, ' ').trim().slice(0, STORM_LIMITS.MESSAGE_CHARS);
}

/** The group of a parsed job failure. */
export function groupOf(e: BackupJobEvent): StormGroup {
  const message = normalizedMessage(e.statusMessage);
  const hash = createHash('sha256').update(message).digest('hex').slice(0, 16);
  return { key: `${e.account}#${e.region}#${e.kind}#${hash}`, account: e.account, region: e.region, kind: e.kind, message };
}

/** A message to publish: SNS `Subject` (at most 100 printable ASCII characters) and text. */
export interface StormMessage {
  readonly subject: string;
  readonly text: string;
}

const FOOTER = 'Sent by cdk-backup-alarms storm control from the central alarm bus.';

/** SNS subjects: ASCII, no line breaks, at most 100 characters. */
export function subjectOf(s: string): string {
  const ascii = s.replace(/[^\x20-\x7E]/g, '?');
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}

const capitalized = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;
const line = (label: string, value: string | undefined) => `${label}: ${value ?? ''}`;

/**
 * A first alarm, one event: the text of the central job-failure email (src/private/messages.ts
 * jobFailureMessage), with a line saying that alike failures of the window come as one digest.
 */
export function renderFirstAlarm(e: BackupJobEvent, partition: string, windowSeconds: number): StormMessage {
  const w = JOBS[e.kind];
  const host = consoleHostOf(partition, e.region);
  const lines = [
    `${capitalized(w.noun)} ${e.state} in account ${e.account}, ${e.region} (job ${e.jobId ?? ''}): ${e.resourceArn ?? ''}`,
    '',
    line('Status message', e.statusMessage),
    line('Resource type', e.resourceType),
  ];
  if (e.kind === BackupJobKind.BACKUP) lines.push(line('Backup vault', e.backupVaultName));
  if (e.kind === BackupJobKind.COPY) lines.push(line('From vault', e.backupVaultArn), line('To vault', e.destinationBackupVaultArn));
  if (e.kind === BackupJobKind.RESTORE) lines.push(line('Recovery point', e.recoveryPointArn), line('Restore testing plan', e.restoreTestingPlanArn));
  if (e.kind === BackupJobKind.SCAN) lines.push(line('Scan result', e.scanResultStatus));
  lines.push(
    line('Time', e.time),
    '',
    `Console: ${jobConsoleUrl(host, e.region, e.kind, e.jobId ?? '')}`,
    '',
    `Storm control: further ${w.noun} failures with this status message in ${e.account}, ${e.region} within ${minutes(windowSeconds)} come as one digest.`,
    FOOTER,
  );
  return { subject: subjectOf(`${capitalized(w.noun)} ${e.state}: ${e.account} ${e.region}`), text: lines.join('\n') };
}

/**
 * An event that could not be parsed as a job event (the fail-open path publishes it rather than drop it): what
 * the envelope says, and the event itself, cut.
 */
export function renderUnparsed(body: string | undefined, reason: string): StormMessage {
  let raw: any;
  try {
    raw = JSON.parse(body ?? '');
  } catch {
    raw = undefined;
  }
  const field = (k: string) => (raw && typeof raw[k] === 'string' ? raw[k] : '');
  return {
    subject: subjectOf(`Backup alarm: ${field('detail-type') || 'unreadable event'} ${field('account')} ${field('region')}`.trim()),
    text: [
      `Backup alarm: ${field('detail-type')} from ${field('source')} in account ${field('account')}, ${field('region')}`,
      '',
      `Storm control could not read this event (${reason}); it is sent as received:`,
      (body ?? '').slice(0, 4000),
      '',
      FOOTER,
    ].join('\n'),
  };
}

/** A group's final counts in a closed window, as the flusher read them. */
export interface DigestGroup {
  readonly account: string;
  readonly region: string;
  readonly kind: BackupJobKind;
  readonly state?: string;
  readonly message: string;
  /** Events already published one by one. */
  readonly direct: number;
  /** Events this digest answers for. */
  readonly digested: number;
  readonly samples: readonly string[];
}

/** The AWS Backup console's job list of a kind (AWS does not document console URLs; the job pages' route). */
export function jobListUrl(partition: string, region: string, kind: BackupJobKind): string {
  return `https://${consoleHostOf(partition, region)}/backup/home?region=${region}#/jobs/${JOBS[kind].consoleRoute}`;
}

function minutes(seconds: number): string {
  const m = Math.round(seconds / 60);
  return m === 1 ? '1 minute' : `${m} minutes`;
}

function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/**
 * The digest of one window: groups by account, Region, kind and status message, the most events first, each with
 * its count, sample resources and the console's job list. Only groups with digested events are listed; the first
 * `STORM_LIMITS.DIGEST_GROUPS`, the rest summed in one line.
 */
export function renderDigest(window: number, windowSeconds: number, groups: readonly DigestGroup[], partition: string): StormMessage {
  const listed = groups.filter((g) => g.digested > 0).sort((a, b) => b.digested - a.digested
    || a.account.localeCompare(b.account) || a.region.localeCompare(b.region) || a.kind.localeCompare(b.kind) || a.message.localeCompare(b.message));
  const events = listed.reduce((n, g) => n + g.digested, 0);
  const direct = listed.reduce((n, g) => n + g.direct, 0);
  const accounts = new Set(listed.map((g) => g.account)).size;
  const regions = [...new Set(listed.map((g) => g.region))].sort();
  const end = window + windowSeconds * 1000;
  const lines = [
    `Backup alarm digest: ${events} job failure${events === 1 ? '' : 's'} in ${listed.length} group${listed.length === 1 ? '' : 's'}, `
      + `${accounts} account${accounts === 1 ? '' : 's'}, ${regions.join(', ')}, ${new Date(window).toISOString().slice(0, 10)} ${hhmm(window)}-${hhmm(end)} UTC`,
    '',
    `Storm control held these back instead of sending one email each; the first of each group${direct > 0 ? ` (${direct} in all)` : ''} was sent at once. `
      + 'Every event is in the central bus archive (and in Security Hub when findings are on).',
  ];
  const shown = listed.slice(0, STORM_LIMITS.DIGEST_GROUPS);
  shown.forEach((g, i) => {
    lines.push(
      '',
      `${i + 1}. ${g.digested} x ${JOBS[g.kind].noun} ${g.state ?? 'failed'} in account ${g.account}, ${g.region}${g.direct > 0 ? ` (plus ${g.direct} sent at once)` : ''}`,
      `   Status message: ${g.message}`,
      `   Resources (sample): ${g.samples.length === 0 ? '(none in the events)' : [...g.samples].sort().join(', ')}`,
      `   Console: ${jobListUrl(partition, g.region, g.kind)}`,
    );
  });
  const rest = listed.slice(STORM_LIMITS.DIGEST_GROUPS);
  if (rest.length > 0) {
    lines.push('', `... and ${rest.reduce((n, g) => n + g.digested, 0)} more failures in ${rest.length} more groups (see the archive or the console).`);
  }
  lines.push('', FOOTER);
  const subject = `Backup alarm digest: ${events} failure${events === 1 ? '' : 's'}, ${accounts} account${accounts === 1 ? '' : 's'}, ${regions.length === 1 ? regions[0] : `${regions.length} Regions`}`;
  return { subject: subjectOf(subject), text: lines.join('\n') };
}
