import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aws, BootstraplessSynthesizer, CfnStackSet, Names, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BackupFailureRule, BackupFailureRuleOptions } from './backup-failure-rule';
import { BackupTamperRule, BackupTamperRuleOptions } from './backup-tamper-rule';
import { checkAdmission } from './private/bus-admission';
import { NO_CROSS_REGION_PARTITIONS, partitionOfRegion } from './private/partition';
import { EVENT_BUS_ARN } from './shared/names';

/** CloudFormation's limit for an inline `TemplateBody`. */
const MAX_TEMPLATE_BODY = 51_200;
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
const OU = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;

/**
 * Whether the stack set is managed from the management account or a delegated administrator.
 */
export enum StackSetCaller {
  /** The stack set lives in the organization's management account. */
  SELF = 'SELF',
  /** The stack set lives in a delegated administrator account for CloudFormation StackSets. */
  DELEGATED_ADMIN = 'DELEGATED_ADMIN',
}

/**
 * How failures in some accounts affect the concurrency of a stack set operation (CloudFormation user guide,
 * "StackSet operation options").
 */
export enum StackSetConcurrencyMode {
  /**
   * CloudFormation's own default: the actual concurrency is at most the failure tolerance plus one, and drops
   * as accounts fail. With a percentage tolerance that rounds down to 0 accounts (any organization with fewer
   * than 10 accounts at 10 %), the rollout goes one account at a time and stops at the first failure.
   */
  STRICT_FAILURE_TOLERANCE = 'STRICT_FAILURE_TOLERANCE',
  /**
   * The actual concurrency is `maxConcurrentPercentage`, whatever the number of failures; the failure
   * tolerance only decides when the operation stops.
   */
  SOFT_FAILURE_TOLERANCE = 'SOFT_FAILURE_TOLERANCE',
}

/**
 * Whether a stack set operation deploys to its Regions one after the other or all at once.
 */
export enum StackSetRegionConcurrency {
  /** One Region at a time; an operation stopped in one Region is not attempted in the Regions after it. */
  SEQUENTIAL = 'SEQUENTIAL',
  /** Every Region at once; each Region's failures count against the tolerance of that Region only. */
  PARALLEL = 'PARALLEL',
}

/**
 * Properties of a `BackupFailureRuleStackSet`.
 */
export interface BackupFailureRuleStackSetProps {
  /** The ARN of the central event bus (`CentralAlarmBus.eventBus.eventBusArn`, or written down). */
  readonly centralBusArn: string;

  /** The organizational units (or the root, `r-...`) whose accounts get the rule, now and when they join. */
  readonly organizationalUnitIds: string[];

  /** The Regions where AWS Backup runs. Every one of them needs the rule: AWS Backup events stay in their Region. */
  readonly regions: string[];

  /**
   * Options of the rule in each account and Region: what it matches and how it retries. What names a
   * resource of one account (bus, dead-letter queue, alarm topic) or the forwarding role is not an option
   * here: this construct sets the central bus and the role names, each member creates its own queue.
   * @default - the `BackupFailureRule` defaults, with `forwardCompletions: true`
   */
  readonly ruleProps?: BackupFailureRuleOptions;

  /**
   * The forwarder role's name is this prefix and the Region (IAM names are global to an account, and one
   * account gets the rule in several Regions). Admit it on the central bus with
   * `forwarderRoleNames: regions.map(r => prefix + '-' + r)`.
   * @default 'cdk-backup-alarms-forwarder'
   */
  readonly forwarderRoleNamePrefix?: string;

  /**
   * Also deploy a `BackupTamperRule` with these options beside the failure rule, in every account and
   * Region. Its forwarding role is named `<prefix>-tamper-<Region>` (also in `forwarderRoleNames`). It
   * shares the failure rule's dead-letter queue and alarm (one alarm per account and Region, not two), so
   * its own `createDeadLetterAlarm` is ignored: set it in `ruleProps`.
   * @default - no tamper rule
   */
  readonly tamperRule?: BackupTamperRuleOptions;

  /**
   * Who manages the stack set.
   * @default StackSetCaller.SELF
   */
  readonly callAs?: StackSetCaller;

  /**
   * The stack set's name (letters, digits and hyphens, starting with a letter).
   * @default - a name derived from the construct path
   */
  readonly stackSetName?: string;

  /**
   * How many accounts per Region are deployed at once, in percent of the targeted accounts (CloudFormation
   * rounds down, and never below one account). With `SOFT_FAILURE_TOLERANCE` this is the actual concurrency.
   * Each member stack is a small stack of its own, independent of the others: every account of a Region is
   * deployed in one wave, so that no account waits for, or is held back by, another.
   * @default 100
   */
  readonly maxConcurrentPercentage?: number;

  /**
   * How many accounts per Region may fail, in percent of the targeted accounts (rounded down), before
   * CloudFormation stops the operation in that Region, cancels it in the remaining Regions and reports it
   * failed (CloudFormation API reference, `StackSetOperationSummary`); a failed operation fails the deployment
   * of this stack, and a first deployment rolls the whole stack set back. A member stack that
   * fails in one account (an SCP that denies IAM, a role name already taken) says nothing about the others,
   * so by default no such failure takes the rule away from the accounts where it deployed: CloudFormation
   * marks the failed stack instances (`aws cloudformation list-stack-instances --stack-set-name <name>
   * --filters Name=DETAILED_STATUS,Values=FAILED`). Lower it to make the deployment fail instead, keeping in
   * mind that 10 % of fewer than 10 accounts is 0.
   * @default 100
   */
  readonly failureTolerancePercentage?: number;

  /**
   * How failures affect concurrency. CloudFormation's default, `STRICT_FAILURE_TOLERANCE`, caps the
   * concurrency at the failure tolerance plus one account.
   * @default StackSetConcurrencyMode.SOFT_FAILURE_TOLERANCE
   */
  readonly concurrencyMode?: StackSetConcurrencyMode;

  /**
   * Whether the Regions are deployed one after the other or all at once. The member stacks of different
   * Regions do not depend on each other.
   * @default StackSetRegionConcurrency.PARALLEL
   */
  readonly regionConcurrency?: StackSetRegionConcurrency;
}

/**
 * Rolls `BackupFailureRule` out to every account of some organizational units and every listed Region,
 * from one CDK app, with a service-managed CloudFormation StackSet (accounts that join later get it too).
 *
 * The member template is synthesized from the same construct and embedded in the stack set, so it needs
 * no bootstrapping in member accounts. Deploy this in the management account (or a StackSets delegated
 * administrator with `callAs`). Service-managed stack sets never deploy to the management account itself:
 * give it its own `BackupFailureRule` stack if it runs backups.
 *
 * The rollout deploys every account of every Region at once, and an account where the member stack fails
 * holds no other back (`concurrencyMode`, `failureTolerancePercentage`). When the `CentralAlarmBus` is in the
 * same app, synthesis refuses member role names its `forwarderRoleNames` do not admit: feed it
 * `forwarderRoleNames`.
 *
 * @example
 * const rollout = new BackupFailureRuleStackSet(this, 'MemberRollout', {
 *   centralBusArn: 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms',
 *   organizationalUnitIds: ['ou-ab12-cdef3456'],
 *   regions: ['eu-west-1', 'eu-central-1'],
 *   forwarderRoleNamePrefix: 'backup-alarms-forwarder',
 * });
 * // The central bus's forwarderRoleNames: rollout.forwarderRoleNames
 */
export class BackupFailureRuleStackSet extends Construct {
  /** The stack set. */
  public readonly stackSet: CfnStackSet;
  /** The member template, as CloudFormation JSON. */
  public readonly templateBody: string;
  /** The forwarding role names in each Region (failure rule, and tamper rule if any), to admit on the central bus (`forwarderRoleNames`). */
  public readonly forwarderRoleNames: string[];

  constructor(scope: Construct, id: string, props: BackupFailureRuleStackSetProps) {
    super(scope, id);
    const owner = `BackupFailureRuleStackSet '${this.node.path}'`;
    if (props.organizationalUnitIds.length === 0) {
      throw new Error(`${owner}: organizationalUnitIds is empty; list at least one OU id (ou-...) or the root id (r-...)`);
    }
    for (const ou of props.organizationalUnitIds) {
      if (!Token.isUnresolved(ou) && !OU.test(ou)) {
        throw new Error(`${owner}: organizationalUnitIds contains '${ou}', expected an OU id like ou-ab12-cdef3456 or a root id like r-ab12`);
      }
    }
    if (props.regions.length === 0) {
      throw new Error(`${owner}: regions is empty; list every Region where AWS Backup runs`);
    }
    for (const region of props.regions) {
      if (!Token.isUnresolved(region) && !REGION.test(region)) {
        throw new Error(`${owner}: regions contains '${region}', expected a Region name like eu-west-1`);
      }
    }
    if (Token.isUnresolved(props.centralBusArn)) {
      throw new Error(`${owner}: centralBusArn must be a literal ARN: it is written into the member template, which cannot refer to this stack`);
    }
    checkMemberRouting(owner, props.centralBusArn, props.regions);
    const ruleProps = props.ruleProps ?? {};
    const prefix = props.forwarderRoleNamePrefix ?? 'cdk-backup-alarms-forwarder';
    // IAM role names have at most 64 characters: the prefix, '-', the Region (up to 15) and, for the tamper
    // rule, '-tamper'.
    const maxPrefix = props.tamperRule === undefined ? 48 : 41;
    if (!Token.isUnresolved(prefix) && (!/^[\w+=,.@-]+$/.test(prefix) || prefix.length > maxPrefix)) {
      throw new Error(`${owner}: forwarderRoleNamePrefix must be 1 to ${maxPrefix} of letters, digits and +=,.@_- (the Region${props.tamperRule ? ' and -tamper are' : ' is'} appended), got '${prefix}'`);
    }
    const max = props.maxConcurrentPercentage ?? 100;
    const tolerance = props.failureTolerancePercentage ?? 100;
    for (const [name, value] of [['maxConcurrentPercentage', max], ['failureTolerancePercentage', tolerance]] as const) {
      if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 0 || value > 100 || (name === 'maxConcurrentPercentage' && value < 1))) {
        throw new Error(`${owner}: ${name} must be a whole percentage (${name === 'maxConcurrentPercentage' ? 1 : 0} to 100), got ${value}`);
      }
    }
    const concurrencyMode = props.concurrencyMode ?? StackSetConcurrencyMode.SOFT_FAILURE_TOLERANCE;
    if (!Object.values(StackSetConcurrencyMode).includes(concurrencyMode)) {
      throw new Error(`${owner}: concurrencyMode is '${concurrencyMode}', expected one of ${Object.values(StackSetConcurrencyMode).join(', ')}`);
    }
    const regionConcurrency = props.regionConcurrency ?? StackSetRegionConcurrency.PARALLEL;
    if (!Object.values(StackSetRegionConcurrency).includes(regionConcurrency)) {
      throw new Error(`${owner}: regionConcurrency is '${regionConcurrency}', expected one of ${Object.values(StackSetRegionConcurrency).join(', ')}`);
    }

    this.templateBody = memberTemplate(props.centralBusArn, { forwardCompletions: true, ...ruleProps }, prefix, props.tamperRule);
    if (Buffer.byteLength(this.templateBody) > MAX_TEMPLATE_BODY) {
      throw new Error(`${owner}: the member template is ${Buffer.byteLength(this.templateBody)} bytes, over CloudFormation's ${MAX_TEMPLATE_BODY}-byte TemplateBody limit`);
    }
    this.forwarderRoleNames = props.regions.flatMap((r) => [`${prefix}-${r}`, ...(props.tamperRule ? [`${prefix}-tamper-${r}`] : [])]);
    // The members are accounts of the OUs, unknown here: checked as senders from other accounts.
    checkAdmission(this, { owner, centralBusArn: props.centralBusArn, roleNames: this.forwarderRoleNames });

    this.stackSet = new CfnStackSet(this, 'StackSet', {
      stackSetName: props.stackSetName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      description: 'AWS Backup failure rule forwarding to the central alarm bus (cdk-backup-alarms)',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: props.callAs ?? StackSetCaller.SELF,
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      // StackSet operation options (CloudFormation user guide). They govern creates, updates and deletions
      // of the instances; accounts that join an OU later are deployed by auto-deployment, which ignores them.
      operationPreferences: {
        concurrencyMode,
        maxConcurrentPercentage: max,
        failureTolerancePercentage: tolerance,
        regionConcurrencyType: regionConcurrency,
      },
      stackInstancesGroup: [{
        deploymentTargets: { organizationalUnitIds: props.organizationalUnitIds },
        regions: props.regions,
      }],
      templateBody: this.templateBody,
    });
  }
}

/**
 * The member template is environment-agnostic, so its rule cannot check where it forwards to; the stack set
 * knows its Regions. EventBridge routes events within a partition only, and not between China Regions.
 */
function checkMemberRouting(owner: string, centralBusArn: string, regions: string[]): void {
  const bus = EVENT_BUS_ARN.exec(centralBusArn);
  if (bus === null) return; // the member rule refuses a malformed ARN with its own message
  const [, busPartition, busRegion] = bus;
  for (const region of regions.filter((r) => !Token.isUnresolved(r))) {
    const partition = partitionOfRegion(region);
    if (partition !== busPartition) {
      throw new Error(`${owner}: regions contains '${region}' (partition ${partition}), but centralBusArn '${centralBusArn}' is in partition `
        + `${busPartition}; EventBridge cannot send events across partitions. Deploy a stack set per partition, each with a central bus of its partition.`);
    }
    if (NO_CROSS_REGION_PARTITIONS.includes(partition) && region !== busRegion) {
      throw new Error(`${owner}: regions contains '${region}', but centralBusArn '${centralBusArn}' is in ${busRegion}; EventBridge in the `
        + `${partition} partition cannot send events to a bus in another Region. Deploy a central bus and a stack set per Region there.`);
    }
  }
}

/**
 * Synthesizes the member stack on its own: environment-agnostic, no bootstrap resources, no assets. The inner
 * app writes into a private temporary folder that is removed at once, never into the user's `cdk.out` (an
 * `App` without `outdir` would honour `CDK_OUTDIR` and leave a stray template there for linters and scanners).
 */
function memberTemplate(centralBusArn: string, ruleProps: BackupFailureRuleOptions, prefix: string, tamper?: BackupTamperRuleOptions): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-backup-alarms-member-'));
  try {
    const app = new App({ analyticsReporting: false, outdir });
    const stack = new Stack(app, 'Member', { synthesizer: new BootstraplessSynthesizer() });
    const failures = new BackupFailureRule(stack, 'BackupFailures', {
      ...ruleProps,
      centralBusArn,
      forwarderRoleName: `${prefix}-${Aws.REGION}`,
    });
    if (tamper !== undefined) {
      // One dead-letter queue and (at most) one alarm per account and Region: the failure rule's.
      new BackupTamperRule(stack, 'BackupTampering', {
        ...tamper,
        centralBusArn,
        forwarderRoleName: `${prefix}-tamper-${Aws.REGION}`,
        deadLetterQueue: failures.deadLetterQueue,
        createDeadLetterAlarm: false,
      });
    }
    return JSON.stringify(app.synth().getStackByName(stack.stackName).template);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
