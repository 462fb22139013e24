import { BackupEvents, BackupJobKind } from '../backup-events';
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
 * Everything else that reaches the central bus and should alarm: AWS Backup CloudTrail calls (tampering
 * signals) and events of any other source that other constructs forward. Never AWS Backup service events
 * (they have their own rules, and successes must not alarm), never Security Hub's own events.
 */
export function otherEventsPattern(): RawPattern {
  return {
    $or: [
      { 'source': [BackupEvents.SOURCE], 'detail-type': ['AWS API Call via CloudTrail'] },
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
