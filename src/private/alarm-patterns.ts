import { BackupEvents, BackupJobKind } from '../shared/backup-events';
import { anyFailurePattern, RawPattern } from './job-patterns';

/** The `source` of AWS Organizations CloudTrail events (backup policy changes). */
export const ORGANIZATIONS_SOURCE = 'aws.organizations';

/** Sources whose events have their own notification rule, or that must never alarm (Security Hub loops). */
const HANDLED_SOURCES = [BackupEvents.SOURCE, ORGANIZATIONS_SOURCE, 'aws.securityhub'];

/** A job failure of one kind, whatever states the member rules chose to forward. */
export function jobFailurePattern(kind: BackupJobKind): RawPattern {
  return anyFailurePattern([kind]);
}

/** Changes to organization backup policies, as `BackupPolicyChangeRule` forwards them. */
export function policyChangePattern(): RawPattern {
  return { source: [ORGANIZATIONS_SOURCE] };
}

/**
 * Everything else that reaches the central bus and should alarm: AWS Backup events that are not job state
 * changes (CloudTrail calls such as DeleteRecoveryPoint, vault and plan changes) and events of any other
 * source that users forward. Never job events (they have their own rules, and successes must not alarm),
 * never Security Hub's own events.
 */
export function otherEventsPattern(): RawPattern {
  const jobDetailTypes = BackupEvents.ALL_JOB_KINDS.map((k) => BackupEvents.detailTypeOf(k));
  return {
    $or: [
      { 'source': [BackupEvents.SOURCE], 'detail-type': [{ 'anything-but': jobDetailTypes }] },
      { source: [{ 'anything-but': HANDLED_SOURCES }] },
    ],
  };
}

/** Every event that alarms: the union of the notification rules' patterns. */
export function anyAlarmPattern(): RawPattern {
  const failures = anyFailurePattern();
  const failureBranches = (failures.$or as RawPattern[]).map((b) => ({ source: failures.source, ...b }));
  return {
    $or: [
      ...failureBranches,
      policyChangePattern(),
      ...(otherEventsPattern().$or as RawPattern[]),
    ],
  };
}
