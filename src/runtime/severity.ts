/**
 * What a job event means for its finding (failure, success, in progress) and how severe a failure is.
 * Pure: no I/O, no clock, no SDK.
 */
import type { BackupJobEvent } from './event';
import { BackupEvents, BackupJobKind, BackupJobState } from '../shared/backup-events';
import { FindingSeverity } from '../shared/findings';
import { DEFAULT_SEVERITIES, UNKNOWN_FAILURE_SEVERITY } from '../shared/job-severity';
import { isFailureState, SCAN_THREATS_KEY, severityKeyOf } from '../shared/jobs';

// The table moved to src/shared (issue 22: alarm routes compute their patterns from it); kept importable from here.
export { DEFAULT_SEVERITIES } from '../shared/job-severity';

/** What a job event means for its finding. */
export enum JobOutcome {
  /** The protection did not happen (or a scan found threats): the finding is imported `ACTIVE`. */
  FAILURE = 'FAILURE',
  /** The job completed (a scan without threats): the finding is re-imported `ARCHIVED`. */
  SUCCESS = 'SUCCESS',
  /** CREATED, PENDING, RUNNING, ABORTING: nothing to report yet; no finding. */
  IN_PROGRESS = 'IN_PROGRESS',
}

/** Severity per `KIND:STATE` key (for example `RESTORE:FAILED`, `SCAN:THREATS_FOUND`). */
export type SeverityOverrides = ReadonlyMap<string, FindingSeverity>;


/** The severity of a failure key, and the reason shown in the finding's description. */
export function severityOf(key: string, overrides?: SeverityOverrides): { label: FindingSeverity; why: string } {
  const base = DEFAULT_SEVERITIES.get(key) ?? UNKNOWN_FAILURE_SEVERITY;
  const override = overrides?.get(key);
  return override === undefined ? base : { label: override, why: `${base.why} (severity set by SEVERITY_OVERRIDES)` };
}

/**
 * Failure, success or still running; and the severity key of a failure. A scan that found threats is a
 * failure whatever its state (the documented example is a COMPLETED scan); any state that is neither a
 * progress nor a success state counts as a failure, as on the central bus, so a state AWS Backup adds later
 * is surfaced rather than dropped.
 */
export function classify(ev: BackupJobEvent): { outcome: JobOutcome; severityKey: string } {
  const key = severityKeyOf(ev.kind, ev.state);
  if (ev.kind === BackupJobKind.SCAN && ev.scanResultStatus === BackupEvents.SCAN_THREATS_FOUND) {
    return { outcome: JobOutcome.FAILURE, severityKey: SCAN_THREATS_KEY };
  }
  if (ev.state === BackupJobState.COMPLETED) return { outcome: JobOutcome.SUCCESS, severityKey: key };
  if (!isFailureState(ev.state)) return { outcome: JobOutcome.IN_PROGRESS, severityKey: key };
  return { outcome: JobOutcome.FAILURE, severityKey: key };
}
