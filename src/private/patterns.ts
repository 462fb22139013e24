/**
 * Every EventBridge pattern of the library, by family, the member side beside the central side, so that
 * what a member rule forwards and what the central bus alarms on can only agree:
 *
 * | family | member side (forwards)                  | central side (alarms, imports)                          |
 * | ------ | --------------------------------------- | ------------------------------------------------------- |
 * | jobs   | `jobEventPattern` (chosen kinds/states) | `jobFailurePattern` per kind, `findingPattern`           |
 * | policy | `memberPolicyPattern`                   | `centralPolicyPattern`                                   |
 * | other  | (the user's own rules)                  | `otherEventsPattern`; `anyAlarmPattern` unites them all |
 *
 * Alternatives are merged one way only, by `anyOf`.
 */
import { BackupEvents, BackupJobKind, BackupJobState } from '../shared/backup-events';
import { NON_FAILURE_STATES } from '../shared/jobs';
import { BackupPolicyEvent, ORGANIZATIONS_SOURCE } from '../shared/policy-events';

/** A raw EventBridge event pattern, as CloudFormation's `EventPattern` takes it. */
export type RawPattern = { [key: string]: any };

/**
 * Any of `patterns`. Patterns that are themselves alternatives are flattened; when every alternative has the
 * same `source`, it is hoisted with the union of their detail-types (EventBridge then discards most events on
 * the top-level fields); a single alternative needs no `$or` (EventBridge wants two or more).
 */
export function anyOf(patterns: RawPattern[]): RawPattern {
  const branches = patterns.flatMap(alternativesOf);
  if (branches.length === 0) throw new Error('internal: a pattern needs at least one alternative');
  if (branches.length === 1) return branches[0];
  const sources = unique(branches.map((b) => JSON.stringify(b.source)));
  const detailTypes = branches.map((b) => b['detail-type']);
  if (sources.length > 1 || detailTypes.some((d) => !Array.isArray(d) || d.some((v: unknown) => typeof v !== 'string'))) {
    return { $or: branches };
  }
  return {
    'source': branches[0].source,
    'detail-type': unique(detailTypes.flat()),
    '$or': branches.map(({ source: _source, ...rest }) => rest),
  };
}

/** The alternatives of a pattern, each complete with the top-level fields it shares. */
function alternativesOf(pattern: RawPattern): RawPattern[] {
  if (pattern.$or === undefined) return [pattern];
  const { $or, ...shared } = pattern;
  return ($or as RawPattern[]).map((alternative) => ({ ...shared, ...alternative }));
}

// ---------------------------------------------------------------------------------------------------------
// Jobs
// ---------------------------------------------------------------------------------------------------------

/** What a job-event pattern selects. */
export interface JobSelection {
  /** Kinds to match, with the states matched for each (an empty list matches no state of that kind). */
  readonly states: Map<BackupJobKind, BackupJobState[]>;
  /** Also match scan jobs that report threats found, whatever their state. */
  readonly scanThreatsFound: boolean;
  readonly resourceTypes?: string[];
  readonly backupVaultNames?: string[];
  readonly excludeRestoreTesting?: boolean;
}

/**
 * One pattern for the whole selection: a top-level `$or` with one branch per job kind, because the state
 * lives in `detail.state` for some kinds and in `detail.status` for restores.
 */
export function jobEventPattern(sel: JobSelection): RawPattern {
  const branches: RawPattern[] = [];
  for (const kind of BackupEvents.ALL_JOB_KINDS) {
    const states = sel.states.get(kind);
    if (states === undefined) continue;
    if (states.length > 0) {
      branches.push(branch(kind, { [BackupEvents.stateFieldOf(kind)]: unique(states) }, sel));
    }
    if (kind === BackupJobKind.SCAN && sel.scanThreatsFound) {
      branches.push(branch(kind, { scanResult: { scanResultStatus: [BackupEvents.SCAN_THREATS_FOUND] } }, sel));
    }
  }
  return anyOf(branches);
}

/**
 * Job events that report a failure, whichever states a member rule forwarded: any state that is not a
 * progress or success state, plus scans that found threats.
 */
export function anyFailurePattern(kinds: BackupJobKind[] = BackupEvents.ALL_JOB_KINDS): RawPattern {
  const branches: RawPattern[] = [];
  for (const kind of kinds) {
    branches.push(branch(kind, { [BackupEvents.stateFieldOf(kind)]: [{ 'anything-but': [...NON_FAILURE_STATES] }] }, {}));
    if (kind === BackupJobKind.SCAN) {
      branches.push(branch(kind, { scanResult: { scanResultStatus: [BackupEvents.SCAN_THREATS_FOUND] } }, {}));
    }
  }
  return anyOf(branches);
}

/**
 * Job events that report success: COMPLETED, except scans that found threats.
 */
export function anySuccessPattern(kinds: BackupJobKind[] = BackupEvents.ALL_JOB_KINDS): RawPattern {
  const branches = kinds.map((kind) => branch(kind, completedDetail(kind), {}));
  return anyOf(branches);
}

function completedDetail(kind: BackupJobKind): RawPattern {
  const detail: RawPattern = { [BackupEvents.stateFieldOf(kind)]: [BackupJobState.COMPLETED] };
  if (kind === BackupJobKind.SCAN) {
    detail.$or = [
      { scanResult: { scanResultStatus: [{ 'anything-but': [BackupEvents.SCAN_THREATS_FOUND] }] } },
      { scanResult: { scanResultStatus: [{ exists: false }] } },
    ];
  }
  return detail;
}

function branch(kind: BackupJobKind, detail: RawPattern, sel: Partial<JobSelection>): RawPattern {
  const d: RawPattern = { ...detail };
  if (sel.resourceTypes && sel.resourceTypes.length > 0) {
    d.resourceType = unique(sel.resourceTypes);
  }
  if (sel.backupVaultNames && sel.backupVaultNames.length > 0) {
    const names = unique(sel.backupVaultNames);
    if (kind === BackupJobKind.BACKUP || kind === BackupJobKind.SCAN) {
      d.backupVaultName = names;
    } else if (kind === BackupJobKind.COPY) {
      d.sourceBackupVaultArn = names.map((n) => ({ wildcard: `*:backup-vault:${n}` }));
    }
    // Restore events may carry no vault at all: they are not filtered by vault.
  }
  if (kind === BackupJobKind.RESTORE && sel.excludeRestoreTesting) {
    d.restoreTestingPlanArn = [{ exists: false }];
  }
  return { 'source': [BackupEvents.SOURCE], 'detail-type': [BackupEvents.detailTypeOf(kind)], 'detail': d };
}

// ---------------------------------------------------------------------------------------------------------
// Policy changes
// ---------------------------------------------------------------------------------------------------------

/** The detail-types of CloudTrail events on EventBridge. */
const API_CALL = 'AWS API Call via CloudTrail';
const SERVICE_EVENT = 'AWS Service Event via CloudTrail';
const BACKUP_POLICY = 'BACKUP_POLICY';
const ID_ONLY = [BackupPolicyEvent.DELETE_POLICY, BackupPolicyEvent.ATTACH_POLICY, BackupPolicyEvent.DETACH_POLICY];

/** One pattern with a branch per place where the policy type is visible, or undefined if nothing can match. */
export function memberPolicyPattern(chosen: BackupPolicyEvent[], forwardIdOnly: boolean): RawPattern | undefined {
  const has = (e: BackupPolicyEvent) => chosen.includes(e);
  const api = (detail: RawPattern) => ({ 'source': [ORGANIZATIONS_SOURCE], 'detail-type': [API_CALL], 'detail': { eventSource: ['organizations.amazonaws.com'], ...detail } });
  const branches: RawPattern[] = [];
  if (has(BackupPolicyEvent.CREATE_POLICY)) {
    branches.push(api({ eventName: [BackupPolicyEvent.CREATE_POLICY], requestParameters: { type: [BACKUP_POLICY] } }));
  }
  if (has(BackupPolicyEvent.UPDATE_POLICY)) {
    branches.push(api({ eventName: [BackupPolicyEvent.UPDATE_POLICY], responseElements: { policy: { policySummary: { type: [BACKUP_POLICY] } } } }));
    if (forwardIdOnly) {
      // A failed UpdatePolicy has no response, hence no type: an attempt to weaken a policy is news too.
      branches.push(api({ eventName: [BackupPolicyEvent.UPDATE_POLICY], errorCode: [{ exists: true }] }));
    }
  }
  const typeEvents = [BackupPolicyEvent.ENABLE_POLICY_TYPE, BackupPolicyEvent.DISABLE_POLICY_TYPE].filter(has);
  if (typeEvents.length > 0) {
    branches.push(api({ eventName: typeEvents, requestParameters: { policyType: [BACKUP_POLICY] } }));
  }
  const idOnly = ID_ONLY.filter(has);
  if (forwardIdOnly && idOnly.length > 0) {
    branches.push(api({ eventName: idOnly }));
  }
  if (has(BackupPolicyEvent.EFFECTIVE_POLICY_VALIDATION)) {
    branches.push({
      'source': [ORGANIZATIONS_SOURCE],
      'detail-type': [SERVICE_EVENT],
      'detail': {
        eventSource: ['organizations.amazonaws.com'],
        eventName: [BackupPolicyEvent.EFFECTIVE_POLICY_VALIDATION],
        serviceEventDetails: { policyType: [BACKUP_POLICY] },
      },
    });
  }
  return branches.length === 0 ? undefined : anyOf(branches);
}

/** Sources whose events have their own notification rule, or that must never alarm (Security Hub loops). */
const HANDLED_SOURCES = [BackupEvents.SOURCE, ORGANIZATIONS_SOURCE, 'aws.securityhub'];

/** A job failure of one kind, whatever states the member rules chose to forward. */
export function jobFailurePattern(kind: BackupJobKind): RawPattern {
  return anyFailurePattern([kind]);
}

/** Changes to organization backup policies, whichever of them the management account forwards. */
export function centralPolicyPattern(): RawPattern {
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
  return anyOf([
    { 'source': [BackupEvents.SOURCE], 'detail-type': [{ 'anything-but': jobDetailTypes }] },
    { source: [{ 'anything-but': HANDLED_SOURCES }] },
  ]);
}

/** Every event that alarms: the union of the notification rules' patterns. */
export function anyAlarmPattern(): RawPattern {
  return anyOf([anyFailurePattern(), centralPolicyPattern(), otherEventsPattern()]);
}

/** What the Security Hub forwarder takes from the bus: job failures and successes, never anything else. */
export function findingPattern(): RawPattern {
  return anyOf([anyFailurePattern(), anySuccessPattern()]);
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
