import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aws, BootstraplessSynthesizer, CfnStackSet, Names, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BackupFailureRule, BackupFailureRuleOptions } from './backup-failure-rule';
import { BackupTamperRule, BackupTamperRuleOptions } from './backup-tamper-rule';

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
   * How many accounts per Region are updated at once, in percent.
   * @default 25
   */
  readonly maxConcurrentPercentage?: number;

  /**
   * How many accounts per Region may fail before CloudFormation stops the operation, in percent.
   * @default 10
   */
  readonly failureTolerancePercentage?: number;
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
 * @example
 * new BackupFailureRuleStackSet(this, 'MemberRules', {
 *   centralBusArn: 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms',
 *   organizationalUnitIds: ['ou-ab12-cdef3456'],
 *   regions: ['eu-west-1', 'eu-central-1'],
 * });
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
    const ruleProps = props.ruleProps ?? {};
    const prefix = props.forwarderRoleNamePrefix ?? 'cdk-backup-alarms-forwarder';
    // IAM role names have at most 64 characters: the prefix, '-', the Region (up to 15) and, for the tamper
    // rule, '-tamper'.
    const maxPrefix = props.tamperRule === undefined ? 48 : 41;
    if (!Token.isUnresolved(prefix) && (!/^[\w+=,.@-]+$/.test(prefix) || prefix.length > maxPrefix)) {
      throw new Error(`${owner}: forwarderRoleNamePrefix must be 1 to ${maxPrefix} of letters, digits and +=,.@_- (the Region${props.tamperRule ? ' and -tamper are' : ' is'} appended), got '${prefix}'`);
    }
    const max = props.maxConcurrentPercentage ?? 25;
    const tolerance = props.failureTolerancePercentage ?? 10;
    for (const [name, value] of [['maxConcurrentPercentage', max], ['failureTolerancePercentage', tolerance]] as const) {
      if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 0 || value > 100 || (name === 'maxConcurrentPercentage' && value < 1))) {
        throw new Error(`${owner}: ${name} must be a whole percentage (${name === 'maxConcurrentPercentage' ? 1 : 0} to 100), got ${value}`);
      }
    }

    this.templateBody = memberTemplate(props.centralBusArn, { forwardCompletions: true, ...ruleProps }, prefix, props.tamperRule);
    if (Buffer.byteLength(this.templateBody) > MAX_TEMPLATE_BODY) {
      throw new Error(`${owner}: the member template is ${Buffer.byteLength(this.templateBody)} bytes, over CloudFormation's ${MAX_TEMPLATE_BODY}-byte TemplateBody limit`);
    }
    this.forwarderRoleNames = props.regions.flatMap((r) => [`${prefix}-${r}`, ...(props.tamperRule ? [`${prefix}-tamper-${r}`] : [])]);

    this.stackSet = new CfnStackSet(this, 'StackSet', {
      stackSetName: props.stackSetName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      description: 'AWS Backup failure rule forwarding to the central alarm bus (cdk-backup-alarms)',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: props.callAs ?? StackSetCaller.SELF,
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      operationPreferences: {
        maxConcurrentPercentage: max,
        failureTolerancePercentage: tolerance,
        regionConcurrencyType: 'PARALLEL',
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
