/**
 * Every EventBridge pattern of the library, by family, the member side beside the central side, so that
 * what a member rule forwards and what the central bus alarms on can only agree:
 *
 * | family | member side (forwards)                  | central side (alarms, imports)                          |
 * | ------ | --------------------------------------- | ------------------------------------------------------- |
 * | jobs   | `jobEventPattern` (chosen kinds/states) | `jobFailurePattern` per kind, `jobFindingPattern`        |
 * | policy | `memberPolicyPattern`                   | `centralPolicyPattern`                                   |
 * | tamper | `memberTamperPattern`                   | `centralTamperCallPattern`, `centralTamperStatePattern`, |
 * |        |                                         | `anyTamperPattern` (findings)                           |
 * | other  | (the user's own rules)                  | `otherEventsPattern`; `anyAlarmPattern` unites them all |
 *
 * Alternatives are merged one way only, by `anyOf`.
 */
import { untrustedExceptHeartbeatsPattern } from './heartbeat';
import { BackupEvents, BackupJobKind, BackupJobState } from '../shared/backup-events';
import { heartbeatPattern } from '../shared/heartbeat';
import { NON_FAILURE_STATES } from '../shared/jobs';
import { BackupPolicyEvent, ORGANIZATIONS_SOURCE } from '../shared/policy-events';
import {
  API_CALL_DETAIL_TYPE, BACKUP_EVENT_SOURCE, BACKUP_SERVICE_LINKED_ROLE, BackupTamperAction,
  TAMPER_STATE_CHANGES, TAMPER_STATE_DETAIL_TYPES, TamperSignals,
} from '../shared/tamper';

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

/** One job kind's events whose `detail` matches `detail`, narrowed by the selection's resource types, vaults and restore tests. */
export function branch(kind: BackupJobKind, detail: RawPattern, sel: Partial<JobSelection>): RawPattern {
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

/**
 * The prefix AWS reserves for its services' event sources: a `PutEvents` caller cannot use it (EventBridge API
 * reference, PutEventsRequestEntry `Source`; EventBridge user guide, "Amazon EventBridge events"), so only an
 * event whose source starts with it is evidence of something AWS saw.
 */
export const AWS_SOURCE_PREFIX = 'aws.';
/** AWS services whose CloudTrail events have their own rule (or must never alarm: Security Hub's own calls). */
const HANDLED_EVENT_SOURCES = ['backup.amazonaws.com', 'organizations.amazonaws.com', 'securityhub.amazonaws.com'];
/**
 * Detail-types (wildcards) the "other AWS events" branch leaves to other branches or never emails: every
 * event CloudTrail delivers (`AWS API Call via CloudTrail`, `AWS Service Event via CloudTrail`, console
 * sign-ins: their own branch, by `eventSource`) and Security Hub's own events (findings imported by the
 * forwarder must never alarm).
 */
const NOT_OTHER_DETAIL_TYPES = ['* via CloudTrail', 'Security Hub*', 'Findings Imported*'];

/** A job failure of one kind, whatever states the member rules chose to forward. */
export function jobFailurePattern(kind: BackupJobKind): RawPattern {
  return anyFailurePattern([kind]);
}

/** Changes to organization backup policies, whichever of them the management account forwards. */
export function centralPolicyPattern(): RawPattern {
  return { source: [ORGANIZATIONS_SOURCE] };
}

// ---------------------------------------------------------------------------------------------------------
// Tampering
// ---------------------------------------------------------------------------------------------------------

/** What a tamper pattern selects. */
export interface TamperSelection {
  readonly actions: readonly string[];
  readonly signals: TamperSignals;
  /** Roles (by name) whose calls are expected, in any account. */
  readonly allowedRoleNames: readonly string[];
}

/**
 * The calls that do the damage, by anyone but the allowed roles and AWS Backup acting itself, and AWS
 * Backup's state changes that mean lost protection. Three exemptions keep the rule quiet, each guarded by a
 * test of its own in test/backup-tamper-rule.test.ts:
 * - AWS Backup's service-linked role, by name (its lifecycle deletions, thousands a day): only AWS Backup can
 *   assume a service-linked role, so the name alone is enough, whether or not the record says `invokedBy`;
 * - any call AWS Backup makes itself (`invokedBy` backup.amazonaws.com, or `userIdentity.type` AWSService),
 *   whichever role it uses; a call another service makes for a person (a CloudFormation stack deleting a
 *   vault) still counts;
 * - the allowed roles, by the role their session was issued by (`sessionContext.sessionIssuer.userName`).
 * IAM users, the root user and other callers have no session issuer, hence two alternatives for the caller.
 * Refused calls (`errorCode` set) are forwarded on purpose: an AccessDenied on a locked vault is what an
 * attempt looks like. Everything else of the CloudTrail record (source IP, user agent, request) travels with
 * the event. `UpdateRegionSettings` is forwarded whatever its request: a pattern cannot test every value of
 * its opt-in map (see the README), so the central side tells opt-outs from opt-ins.
 *
 * The alternatives of the caller sit in a nested `$or`, so that the action names appear once: the pattern
 * must stay under EventBridge's default quota of 2048 characters with the allowed role names added.
 */
export function memberTamperPattern(sel: TamperSelection): RawPattern {
  const branches: RawPattern[] = [];
  if (sel.signals !== TamperSignals.STATE_CHANGES) {
    branches.push({
      'source': [BackupEvents.SOURCE],
      'detail-type': [API_CALL_DETAIL_TYPE],
      'detail': {
        eventSource: [BACKUP_EVENT_SOURCE],
        eventName: [...sel.actions],
        userIdentity: {
          invokedBy: [{ exists: false }, { 'anything-but': [BACKUP_EVENT_SOURCE] }],
          $or: [
            { type: ['AssumedRole'], sessionContext: { sessionIssuer: { userName: [{ 'anything-but': unique([BACKUP_SERVICE_LINKED_ROLE, ...sel.allowedRoleNames]) }] } } },
            { type: [{ 'anything-but': ['AssumedRole', 'AWSService'] }] },
          ],
        },
      },
    });
  }
  if (sel.signals !== TamperSignals.API_CALLS) branches.push(...tamperStateBranches());
  return anyOf(branches);
}

/** One alternative per AWS Backup state change that means lost protection (its detail-type, and its states if only some count). */
export function tamperStateBranches(): RawPattern[] {
  return TAMPER_STATE_CHANGES.map((c) => ({
    'source': [BackupEvents.SOURCE],
    'detail-type': [c.detailType],
    ...(c.states ? { detail: { state: [...c.states] } } : {}),
  }));
}

/** Every tamper signal a member may forward, for the forwarder (which may sit on a default bus, too). */
export function anyTamperPattern(): RawPattern {
  const actions = Object.values(BackupTamperAction);
  return memberTamperPattern({ actions, signals: TamperSignals.STATE_CHANGES_AND_API_CALLS, allowedRoleNames: [] });
}

/** AWS Backup API calls that reach the central bus: whatever the members chose to forward. */
export function centralTamperCallPattern(): RawPattern {
  return { 'source': [BackupEvents.SOURCE], 'detail-type': [API_CALL_DETAIL_TYPE], 'detail': { eventSource: [BACKUP_EVENT_SOURCE] } };
}

/** AWS Backup state changes that mean lost protection. */
export function centralTamperStatePattern(): RawPattern {
  return anyOf(tamperStateBranches());
}

// ---------------------------------------------------------------------------------------------------------
// Everything else, and the unions
// ---------------------------------------------------------------------------------------------------------

/**
 * Everything else that reaches the central bus and should alarm: AWS Backup events that are neither job
 * state changes nor tampering (vault and plan created or modified, recovery point changes) and events of other
 * AWS services that users forward. Never job events (they have their own rules, and successes must not
 * alarm), never tampering (its own rules), never Security Hub's own events, and never an event whose source
 * does not start with `aws.`: anyone the bus policy admits can put such an event with any text, so it is
 * archived and counted (`untrustedEventsPattern`), not emailed. The exact complement of the other families
 * within AWS Backup's source.
 *
 * A field cannot carry two conditions, so "starts with aws. but is none of the handled sources" is said with
 * other fields: CloudTrail events by `detail.eventSource`, every other event by its detail-type.
 */
export function otherEventsPattern(): RawPattern {
  const jobDetailTypes = BackupEvents.ALL_JOB_KINDS.map((k) => BackupEvents.detailTypeOf(k));
  const awsSource = [{ prefix: AWS_SOURCE_PREFIX }];
  return anyOf([
    // Every AWS service's own events (AWS Backup's too), except AWS Backup's job and tamper-state events (their
    // rules, and the branch below) and CloudTrail records (the last two branches).
    {
      'source': awsSource,
      'detail-type': [{ 'anything-but': { wildcard: unique([...jobDetailTypes, ...TAMPER_STATE_DETAIL_TYPES, ...NOT_OTHER_DETAIL_TYPES]) } }],
    },
    // AWS Backup's vault and plan state changes that do not mean lost protection (CREATED, MODIFIED).
    ...TAMPER_STATE_CHANGES.filter((c) => c.states !== undefined).map((c) => ({
      'source': [BackupEvents.SOURCE], 'detail-type': [c.detailType], 'detail': { state: [{ 'anything-but': [...c.states!] }] },
    })),
    // AWS Backup's service events via CloudTrail; its API calls have the tamper rules.
    { 'source': [BackupEvents.SOURCE], 'detail-type': [SERVICE_EVENT] },
    // Other AWS services' CloudTrail records, told by their `detail.eventSource`: AWS Backup's and AWS
    // Organizations' have their own rules, Security Hub's never alarm.
    { source: awsSource, detail: { eventSource: [{ 'anything-but': HANDLED_EVENT_SOURCES }] } },
  ]);
}

/**
 * Events whose source does not start with `aws.`: put by a principal the bus policy admits, never by AWS.
 * They are archived like every event and counted, never emailed.
 */
export function untrustedEventsPattern(): RawPattern {
  // Not the library's own heartbeats (issue 20): they have the HeartbeatMonitor's rule.
  return untrustedExceptHeartbeatsPattern();
}

/**
 * A forwarding rule's pattern as deployed where its heartbeat runs: its own events, or its own heartbeat
 * (issue 20), so that the heartbeat travels the rule, role and bus policy it vouches for.
 */
export function withHeartbeat(pattern: RawPattern, ruleId: string): RawPattern {
  return anyOf([pattern, heartbeatPattern(ruleId)]);
}

/** Every event that alarms: the union of the notification rules' patterns. */
export function anyAlarmPattern(): RawPattern {
  return anyOf([anyFailurePattern(), centralPolicyPattern(), centralTamperCallPattern(), centralTamperStatePattern(), otherEventsPattern()]);
}

/** The job events the Security Hub forwarder takes from the bus (its tamper rule takes `anyTamperPattern`). */
export function jobFindingPattern(): RawPattern {
  return anyOf([anyFailurePattern(), anySuccessPattern()]);
}

/**
 * What the protection ledger (ProtectionMonitor) takes from the central bus: every job event that is not
 * progress (successes and failures), tamper signals and backup policy changes. Only `aws.*` sources.
 */
export function protectionEventsPattern(): RawPattern {
  return anyOf([jobFindingPattern(), centralTamperCallPattern(), centralTamperStatePattern(), centralPolicyPattern()]);
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
