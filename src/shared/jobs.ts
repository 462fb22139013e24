/**
 * What the construct side (patterns, emails, prop checks) and the forwarder runtime (findings) must say
 * alike about AWS Backup jobs, in one place: which states are progress, success or failure, each kind's id
 * field, noun and console page, and the severity keys. Dependency-free: the Lambda bundle imports it.
 */
import { BackupEvents, BackupJobKind, BackupJobState } from './backup-events';

/** States that say a job is still on its way. */
export const PROGRESS_STATES: readonly BackupJobState[] = [
  BackupJobState.CREATED,
  BackupJobState.PENDING,
  BackupJobState.RUNNING,
  BackupJobState.ABORTING,
];

/**
 * States that say a job is on its way or went well. Both sides treat every other state as a failure, so the
 * central bus alarms, and the forwarder opens a finding, on whatever the member rules chose to forward, and
 * on a state AWS Backup adds later.
 */
export const NON_FAILURE_STATES: readonly BackupJobState[] = [...PROGRESS_STATES, BackupJobState.COMPLETED];

/** Whether a reported state (any string) is a failure state. */
export function isFailureState(state: string): boolean {
  return !(NON_FAILURE_STATES as readonly string[]).includes(state);
}

/** How a job kind is named and found. */
export interface JobWording {
  /** The event's `detail` field with the job id. */
  readonly idField: string;
  /** The noun in sentences: "backup job", "malware scan job". */
  readonly noun: string;
  /** The word in finding types: "Backup" in `.../Backup Job Failed`. */
  readonly title: string;
  /** The AWS Backup console route of the kind's job pages (`#/jobs/<route>/details/<job id>`). */
  readonly consoleRoute: string;
}

/** The wording of each job kind. */
export const JOBS: { readonly [kind in BackupJobKind]: JobWording } = {
  [BackupJobKind.BACKUP]: { idField: 'backupJobId', noun: 'backup job', title: 'Backup', consoleRoute: 'backup' },
  [BackupJobKind.COPY]: { idField: 'copyJobId', noun: 'copy job', title: 'Copy', consoleRoute: 'copy' },
  [BackupJobKind.RESTORE]: { idField: 'restoreJobId', noun: 'restore job', title: 'Restore', consoleRoute: 'restore' },
  // The scan route follows the other kinds' pattern; AWS does not document console URLs.
  [BackupJobKind.SCAN]: { idField: 'scanJobId', noun: 'malware scan job', title: 'Scan', consoleRoute: 'scan' },
};

/**
 * The job's page in the AWS Backup console. `host`, `region` and `jobId` may be EventBridge input
 * transformer placeholders (`<region>`) as well as values.
 */
export function jobConsoleUrl(host: string, region: string, kind: BackupJobKind, jobId: string): string {
  return `https://${host}/backup/home?region=${region}#/jobs/${JOBS[kind].consoleRoute}/details/${jobId}`;
}

/** The severity key of a scan that found threats, whatever the scan's state. */
export const SCAN_THREATS_KEY = `${BackupJobKind.SCAN}:${BackupEvents.SCAN_THREATS_FOUND}`;

/** The severity key of a failure: `KIND:STATE`, for example `RESTORE:FAILED`. */
export function severityKeyOf(kind: BackupJobKind, state: string): string {
  return `${kind}:${state}`;
}

/**
 * The keys whose severity can be overridden: every state of a kind that is neither progress nor success,
 * plus `SCAN:THREATS_FOUND`.
 */
export function overridableSeverityKeys(): string[] {
  const keys = BackupEvents.ALL_JOB_KINDS.flatMap((kind) => BackupEvents.statesOf(kind).filter(isFailureState).map((s) => severityKeyOf(kind, s)));
  return [...keys, SCAN_THREATS_KEY];
}
