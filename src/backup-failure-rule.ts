import { Annotations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { CentralBusDeliveryOptions, CentralBusForwardingOptions, CentralBusForwardingRule } from './forwarding';
import { jobEventPattern, RawPattern } from './private/patterns';
import { checkEach, ownerOf } from './private/validate';
import { BackupEvents, BackupJobKind, BackupJobState } from './shared/backup-events';

/**
 * What a `BackupFailureRule` matches, and how it retries: the options that are the same in every account and
 * Region (`BackupFailureRuleStackSet` takes exactly these).
 */
export interface BackupFailureRuleOptions extends CentralBusDeliveryOptions {
  /**
   * The job kinds to watch.
   * @default - all: BACKUP, COPY, RESTORE and SCAN
   */
  readonly jobKinds?: BackupJobKind[];

  /**
   * Backup job states to forward.
   * @default - BackupEvents.failureStatesOf(BackupJobKind.BACKUP): FAILED, ABORTED, EXPIRED, PARTIAL
   */
  readonly backupJobStates?: BackupJobState[];

  /**
   * Copy job states to forward.
   * @default - BackupEvents.failureStatesOf(BackupJobKind.COPY): FAILED, PARTIAL
   */
  readonly copyJobStates?: BackupJobState[];

  /**
   * Restore job states to forward (matched on `detail.status`).
   * @default - BackupEvents.failureStatesOf(BackupJobKind.RESTORE): FAILED, ABORTED
   */
  readonly restoreJobStates?: BackupJobState[];

  /**
   * Scan job states to forward.
   * @default - BackupEvents.failureStatesOf(BackupJobKind.SCAN): FAILED, COMPLETED_WITH_ISSUES
   */
  readonly scanJobStates?: BackupJobState[];

  /**
   * Also forward scan jobs whose `detail.scanResult.scanResultStatus` is `THREATS_FOUND`, whatever their state.
   * @default true
   */
  readonly forwardScanThreats?: boolean;

  /**
   * Forward only jobs of these resource types (`detail.resourceType`, for example `EBS`, `RDS`, `S3`).
   * @default - every resource type
   */
  readonly resourceTypes?: string[];

  /**
   * Forward only jobs of these backup vaults: backup and scan jobs by `detail.backupVaultName`, copy jobs by
   * their source vault. Restore jobs are not filtered by vault, because their events may carry no vault.
   * @default - every vault
   */
  readonly backupVaultNames?: string[];

  /**
   * Leave out restore jobs started by a restore testing plan (events with `detail.restoreTestingPlanArn`).
   * @default false
   */
  readonly excludeRestoreTestingJobs?: boolean;

  /**
   * Also forward successful completions (state or status `COMPLETED`) of the watched job kinds, so that a
   * central `SecurityHubFindingForwarder` can close its findings. The central side tells them apart by the
   * state: `CentralAlarmBus` never emails a completion.
   * @default false
   */
  readonly forwardCompletions?: boolean;

  /**
   * A description for the rule.
   * @default - a description naming the job kinds and states
   */
  readonly description?: string;
}

/**
 * Properties of a `BackupFailureRule`.
 */
export interface BackupFailureRuleProps extends BackupFailureRuleOptions, CentralBusForwardingOptions {
  /**
   * The bus whose AWS Backup events the rule matches. AWS Backup sends its events only to the default bus
   * of the account and Region where the job ran.
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
}

/**
 * Catches failed, aborted, expired and partial AWS Backup jobs (backup, copy, restore and scan) on an
 * account's default event bus and forwards them to the central event bus.
 *
 * Deploy it in every member account and in every Region where AWS Backup runs: AWS Backup delivers its
 * events only to the default bus of the account and Region of the job.
 *
 * @example
 * new BackupFailureRule(this, 'BackupFailures', {
 *   centralBusArn: 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms',
 * });
 */
export class BackupFailureRule extends CentralBusForwardingRule {
  /** The job kinds the rule watches. */
  public readonly jobKinds: BackupJobKind[];

  constructor(scope: Construct, id: string, props: BackupFailureRuleProps) {
    // The props are checked before the base creates anything.
    const selection = selectJobs(ownerOf('BackupFailureRule', scope, id), props);
    super(scope, id, {
      ...props,
      // The pattern uses a top-level $or (the state lives in detail.state or detail.status), which the
      // EventPattern type cannot express; CloudFormation takes it as is.
      eventPattern: selection.pattern as events.EventPattern,
      description: props.description ?? truncate(`AWS Backup ${selection.kinds.join('/').toLowerCase()} jobs that did not protect (cdk-backup-alarms)`, 512),
    });
    this.jobKinds = selection.kinds;
    for (const [warningId, message] of selection.warnings) Annotations.of(this).addWarningV2(warningId, message);
  }
}

interface JobSelectionResult {
  readonly kinds: BackupJobKind[];
  readonly pattern: RawPattern;
  /** Warnings to attach once the construct exists: [id, message]. */
  readonly warnings: Array<[string, string]>;
}

/** The job kinds, the pattern and the warnings of a rule's props; throws on a prop that cannot work. */
function selectJobs(owner: string, props: BackupFailureRuleOptions): JobSelectionResult {
  const warnings: Array<[string, string]> = [];

  const jobKinds = props.jobKinds ?? BackupEvents.ALL_JOB_KINDS;
  if (jobKinds.length === 0) {
    throw new Error(`${owner}: jobKinds is empty; list at least one of ${BackupEvents.ALL_JOB_KINDS.join(', ')}, or leave it unset for all`);
  }
  for (const kind of jobKinds) {
    if (!BackupEvents.ALL_JOB_KINDS.includes(kind)) {
      throw new Error(`${owner}: jobKinds contains '${kind}', expected one of ${BackupEvents.ALL_JOB_KINDS.join(', ')}`);
    }
  }
  const kinds = [...new Set(jobKinds)];

  const given: Record<BackupJobKind, [string, BackupJobState[] | undefined]> = {
    [BackupJobKind.BACKUP]: ['backupJobStates', props.backupJobStates],
    [BackupJobKind.COPY]: ['copyJobStates', props.copyJobStates],
    [BackupJobKind.RESTORE]: ['restoreJobStates', props.restoreJobStates],
    [BackupJobKind.SCAN]: ['scanJobStates', props.scanJobStates],
  };
  const forwardScanThreats = props.forwardScanThreats ?? true;
  const states = new Map<BackupJobKind, BackupJobState[]>();
  for (const kind of BackupEvents.ALL_JOB_KINDS) {
    const [propName, value] = given[kind];
    if (!kinds.includes(kind)) {
      if (value !== undefined) {
        warnings.push(['cdk-backup-alarms:unused-states', `${propName} is set but jobKinds does not include ${kind}: those states are ignored`]);
      }
      continue;
    }
    const valid = BackupEvents.statesOf(kind);
    const chosen = value ?? BackupEvents.failureStatesOf(kind);
    const noThreatBranch = kind !== BackupJobKind.SCAN || !forwardScanThreats;
    if (chosen.length === 0 && noThreatBranch && !props.forwardCompletions) {
      throw new Error(`${owner}: ${propName} is empty, so ${kind} jobs would never match; remove ${kind} from jobKinds instead`);
    }
    for (const state of chosen) {
      if (!valid.includes(state)) {
        throw new Error(`${owner}: ${propName} contains '${state}', which ${kind} jobs never report; expected some of ${valid.join(', ')}`);
      }
    }
    states.set(kind, props.forwardCompletions ? [...chosen, BackupJobState.COMPLETED] : [...chosen]);
  }

  checkEach(owner, 'resourceTypes', props.resourceTypes, /^[A-Za-z0-9:._-]{1,100}$/, 'a resource type such as EBS or RDS');
  checkEach(owner, 'backupVaultNames', props.backupVaultNames, /^[a-zA-Z0-9\-_.]{2,50}$/, 'a backup vault name (2 to 50 letters, digits, hyphens, underscores or dots)');

  const pattern = jobEventPattern({
    states,
    scanThreatsFound: kinds.includes(BackupJobKind.SCAN) && forwardScanThreats,
    resourceTypes: props.resourceTypes,
    backupVaultNames: props.backupVaultNames,
    excludeRestoreTesting: props.excludeRestoreTestingJobs,
  });

  // EventBridge's default quota for an event pattern is 2048 characters (it can be raised on request).
  const patternLength = JSON.stringify(pattern).length;
  if (patternLength > 2048) {
    warnings.push(['cdk-backup-alarms:pattern-size',
      `the event pattern is ${patternLength} characters, over EventBridge's default quota of 2048: shorten backupVaultNames `
      + `(${props.backupVaultNames?.length ?? 0}) or resourceTypes (${props.resourceTypes?.length ?? 0}), or have the quota raised before deploying`]);
  }

  return { kinds, pattern, warnings };
}


function truncate(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}
