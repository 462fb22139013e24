/**
 * The vocabulary of alarm routes: the kinds of alarm a route selects, and which alarms reach a minimum
 * severity, computed from the same severity tables as the findings (src/shared/job-severity.ts for job
 * failures, src/shared/tamper.ts for tampering). Dependency-free: patterns are built from it in src/private.
 */
import { BackupJobKind } from './backup-events';
import { FindingSeverity } from './findings';
import { DEFAULT_SEVERITIES, UNKNOWN_FAILURE_SEVERITY } from './job-severity';
import { SCAN_THREATS_KEY, severityKeyOf } from './jobs';
import { BackupTamperAction, TAMPER_ACTION_SEVERITY, TAMPER_STATE_CHANGES, TAMPER_STATE_SEVERITY } from './tamper';

/**
 * The kinds of alarm the central bus sends, as an alarm route selects them.
 */
export enum AlarmKind {
  /** A backup job that failed, expired, was aborted or protected only part of its resource. */
  BACKUP_JOB_FAILURE = 'BACKUP_JOB_FAILURE',
  /** A copy job that failed or copied only part of its recovery point. */
  COPY_JOB_FAILURE = 'COPY_JOB_FAILURE',
  /** A restore job (restore tests included) that failed or was aborted. */
  RESTORE_JOB_FAILURE = 'RESTORE_JOB_FAILURE',
  /** A malware scan that failed, could not scan everything, was canceled, or found threats. */
  SCAN_JOB_FAILURE = 'SCAN_JOB_FAILURE',
  /** A tampering API call of AWS Backup, or an AWS Backup state change that means lost protection. */
  TAMPERING = 'TAMPERING',
  /** A change to an AWS Organizations backup policy (the event's account is the management account). */
  POLICY_CHANGE = 'POLICY_CHANGE',
  /** Every other forwarded event of AWS Backup or another AWS service (vault created, recovery point changes, ...). */
  OTHER = 'OTHER',
}

/** Every alarm kind, in a fixed order. */
export const ALL_ALARM_KINDS: readonly AlarmKind[] = Object.values(AlarmKind);

/** The alarm kind of each job kind's failures. */
export const JOB_FAILURE_KINDS: { readonly [kind in BackupJobKind]: AlarmKind } = {
  [BackupJobKind.BACKUP]: AlarmKind.BACKUP_JOB_FAILURE,
  [BackupJobKind.COPY]: AlarmKind.COPY_JOB_FAILURE,
  [BackupJobKind.RESTORE]: AlarmKind.RESTORE_JOB_FAILURE,
  [BackupJobKind.SCAN]: AlarmKind.SCAN_JOB_FAILURE,
};

/** Severity labels from the least to the most severe. */
export const SEVERITY_ORDER: readonly FindingSeverity[] = [
  FindingSeverity.INFORMATIONAL, FindingSeverity.LOW, FindingSeverity.MEDIUM, FindingSeverity.HIGH, FindingSeverity.CRITICAL,
];

/** Whether `severity` (a label, as the tables write it) is at least `minimum`. */
export function reaches(severity: string, minimum: FindingSeverity): boolean {
  return SEVERITY_ORDER.indexOf(severity as FindingSeverity) >= SEVERITY_ORDER.indexOf(minimum);
}

/**
 * The severity a route gives a backup policy change: HIGH. AWS Organizations' events do not say whether a
 * change weakens protection (DeletePolicy, DetachPolicy and DisablePolicyType can stop backups in every account
 * the policy covered; CreatePolicy and AttachPolicy usually add protection), and a pattern cannot tell, so
 * every change counts as the worst of them: the severity of a deleted backup plan.
 */
export const POLICY_CHANGE_SEVERITY = FindingSeverity.HIGH;

/**
 * The severity a route gives every other forwarded event, and a tampering API call the table does not list:
 * MEDIUM, as a job failure state the library does not know (`UNKNOWN_FAILURE_SEVERITY`): surfaced to the
 * routes that take MEDIUM, neither dropped nor paging anyone.
 */
export const UNLISTED_EVENT_SEVERITY = FindingSeverity.MEDIUM;

/** Which failures of one job kind reach a minimum severity, in terms a pattern can say. */
export interface JobFailureSelection {
  /**
   * Also states the severity table does not list (they are MEDIUM): then the pattern is "anything but the
   * progress, success and `excludedStates`"; otherwise it lists `states`.
   */
  readonly unlistedStates: boolean;
  /** The listed failure states that reach the minimum. */
  readonly states: readonly string[];
  /** The listed failure states that do not. */
  readonly excludedStates: readonly string[];
  /** Scans that found threats (CRITICAL, whatever the scan's state). */
  readonly threats: boolean;
}

/** The failures of `kind` that reach `minimum`. */
export function jobFailuresAtLeast(kind: BackupJobKind, minimum: FindingSeverity): JobFailureSelection {
  const prefix = severityKeyOf(kind, '');
  const listed = [...DEFAULT_SEVERITIES.entries()].filter(([key]) => key.startsWith(prefix) && key !== SCAN_THREATS_KEY);
  const state = (key: string) => key.slice(prefix.length);
  return {
    unlistedStates: reaches(UNKNOWN_FAILURE_SEVERITY.label, minimum),
    states: listed.filter(([, s]) => reaches(s.label, minimum)).map(([key]) => state(key)),
    excludedStates: listed.filter(([, s]) => !reaches(s.label, minimum)).map(([key]) => state(key)),
    threats: kind === BackupJobKind.SCAN && reaches(DEFAULT_SEVERITIES.get(SCAN_THREATS_KEY)!.label, minimum),
  };
}

/**
 * The tampering API calls that reach `minimum`: every call of AWS Backup (`all`, the calls the table does not
 * list included) when the minimum is at most `UNLISTED_EVENT_SEVERITY`, otherwise the listed `eventNames`.
 * `UpdateRegionSettings` counts as HIGH: its finding is INFORMATIONAL when the request opts nothing out, but
 * a pattern cannot read the request's map, so a route errs on the side of delivering.
 */
export function tamperCallsAtLeast(minimum: FindingSeverity): { readonly all: boolean; readonly eventNames: readonly string[] } {
  return {
    all: reaches(UNLISTED_EVENT_SEVERITY, minimum),
    eventNames: (Object.values(BackupTamperAction) as BackupTamperAction[]).filter((a) => reaches(TAMPER_ACTION_SEVERITY[a].label, minimum)),
  };
}

/** The detail-types of the tampering state changes that reach `minimum`. */
export function tamperStatesAtLeast(minimum: FindingSeverity): readonly string[] {
  return TAMPER_STATE_CHANGES.map((c) => c.detailType).filter((d) => reaches(TAMPER_STATE_SEVERITY[d].label, minimum));
}
