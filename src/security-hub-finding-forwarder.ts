import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as securityhub from 'aws-cdk-lib/aws-securityhub';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BackupEvents, BackupJobKind, BackupJobState } from './backup-events';
import { SecurityHubForwarderFunction } from './forwarder/security-hub-forwarder-function';
import { anyOccurrenceAlarm, createDeadLetterQueue, deadLetterAlarm } from './private/dead-letter';
import { anyFailurePattern, anySuccessPattern, NON_FAILURE_STATES, RawPattern } from './private/job-patterns';
import { explainNag } from './private/nag';

/**
 * In whose account a finding is imported.
 */
export enum FindingAttribution {
  /**
   * Import every finding as the forwarder's own account and Region. The source account and Region are in
   * the title, the resources and the product fields. Nothing is needed in member accounts.
   */
  FORWARDER_ACCOUNT = 'FORWARDER_ACCOUNT',
  /**
   * Assume `memberRoleName` in the source account and import there, in the Region of the event, so that the
   * finding belongs to the account whose backup failed. Deploy `SecurityHubFindingImporterRole` in every
   * member account. Security Hub accepts a finding only from the account named in it.
   */
  SOURCE_ACCOUNT = 'SOURCE_ACCOUNT',
}

/**
 * Security Hub severity labels.
 */
export enum FindingSeverity {
  /** No issue, for information. */
  INFORMATIONAL = 'INFORMATIONAL',
  /** Does not require action on its own. */
  LOW = 'LOW',
  /** Should be addressed, not urgently. */
  MEDIUM = 'MEDIUM',
  /** Should be addressed as a priority. */
  HIGH = 'HIGH',
  /** Should be remediated immediately. */
  CRITICAL = 'CRITICAL',
}

/**
 * A severity for the findings of one job kind and state, replacing the default.
 */
export interface SeverityOverride {
  /** The job kind. */
  readonly jobKind: BackupJobKind;
  /**
   * The failure state. Leave it unset, with `jobKind` SCAN, for scans that found threats.
   * @default - scans that found threats (jobKind must be SCAN)
   */
  readonly state?: BackupJobState;
  /** The severity to use. */
  readonly severity: FindingSeverity;
}

/**
 * Properties of a `SecurityHubFindingForwarder`.
 */
export interface SecurityHubFindingForwarderProps {
  /**
   * The bus that receives AWS Backup job events: the central bus (`CentralAlarmBus.eventBus`), or the
   * default bus for a single-account installation. Members must forward completions
   * (`forwardCompletions: true`) for findings to close themselves.
   */
  readonly eventBus: events.IEventBus;

  /**
   * In whose account findings are imported.
   * @default FindingAttribution.FORWARDER_ACCOUNT
   */
  readonly attribution?: FindingAttribution;

  /**
   * With `SOURCE_ACCOUNT`: the name of the role the forwarder assumes in each source account.
   * @default SecurityHubFindingImporterRole.DEFAULT_ROLE_NAME
   */
  readonly memberRoleName?: string;

  /**
   * With `SOURCE_ACCOUNT`: the organization whose roles the forwarder may assume (`aws:ResourceOrgID`).
   * @default - no organization condition on sts:AssumeRole (the role name still limits it)
   */
  readonly organizationId?: string;

  /**
   * Severities that replace the defaults (see the README for the defaults and why).
   * @default - the defaults
   */
  readonly severityOverrides?: SeverityOverride[];

  /**
   * Create a Security Hub insight that groups this library's active findings by resource.
   * @default false
   */
  readonly createInsight?: boolean;

  /**
   * How many receives before a message that cannot be imported goes to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;

  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * An SNS topic (same account and Region) for the alarms on dead-lettered messages, function errors and
   * throttles, for example `CentralAlarmBus.topic`.
   * @default - the alarms are created without actions
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Turns AWS Backup job failures into Security Hub findings: one finding per source account, Region, job
 * kind and resource, updated by retries and repeated failures instead of piling up, and archived by the
 * next successful job of the same resource.
 *
 * Rule → encrypted SQS buffer → bundled Lambda function (batches of up to 100, partial batch responses) →
 * `BatchImportFindings`, paced under Security Hub's quota of 10 requests per second.
 *
 * @example
 * declare const central: CentralAlarmBus;
 * new SecurityHubFindingForwarder(this, 'Findings', {
 *   eventBus: central.eventBus,
 *   alarmTopic: central.topic,
 *   createInsight: true,
 * });
 */
export class SecurityHubFindingForwarder extends Construct {
  /** The rule that sends job failures and completions to the buffer queue. */
  public readonly rule: events.Rule;
  /** The buffer queue between EventBridge and the function. */
  public readonly queue: sqs.Queue;
  /** The dead-letter queue of the buffer queue and of the rule's target. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The forwarder function. */
  public readonly forwarderFunction: lambda.IFunction;
  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;
  /** Alarm: messages in the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** Alarm: the function failed. */
  public readonly errorsAlarm: cloudwatch.Alarm;
  /** Alarm: the function was throttled. */
  public readonly throttlesAlarm: cloudwatch.Alarm;
  /** The insight, if `createInsight` was set. */
  public readonly insight?: securityhub.CfnInsight;
  /** The attribution mode. */
  public readonly attribution: FindingAttribution;

  constructor(scope: Construct, id: string, props: SecurityHubFindingForwarderProps) {
    super(scope, id);
    const owner = `SecurityHubFindingForwarder '${this.node.path}'`;
    const stack = Stack.of(this);
    this.attribution = props.attribution ?? FindingAttribution.FORWARDER_ACCOUNT;
    if (!Object.values(FindingAttribution).includes(this.attribution)) {
      throw new Error(`${owner}: attribution is '${this.attribution}', expected one of ${Object.values(FindingAttribution).join(', ')}`);
    }
    const memberRoleName = props.memberRoleName ?? SecurityHubFindingImporterRole.DEFAULT_ROLE_NAME;
    if (!Token.isUnresolved(memberRoleName) && !/^[\w+=,.@-]{1,64}$/.test(memberRoleName)) {
      throw new Error(`${owner}: memberRoleName must be an IAM role name (1 to 64 of letters, digits and +=,.@_-), got '${memberRoleName}'`);
    }
    if (props.organizationId !== undefined && !Token.isUnresolved(props.organizationId) && !/^o-[a-z0-9]{10,32}$/.test(props.organizationId)) {
      throw new Error(`${owner}: organizationId must look like o-a1b2c3d4e5, got '${props.organizationId}'`);
    }
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(`${owner}: maxReceiveCount must be a whole number from 1 to 1000, got ${maxReceiveCount}`);
    }
    const overrides = severityOverridesJson(owner, props.severityOverrides ?? []);

    // Pacing: 2 concurrent batches x 5 calls/s = 10 calls/s, Security Hub's BatchImportFindings quota.
    const maxConcurrency = 2;
    const timeout = Duration.minutes(2);

    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetterQueue');
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function timeout, as AWS recommends for SQS event sources.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.eventBus,
      description: 'AWS Backup job failures and completions, to Security Hub findings (cdk-backup-alarms)',
      // Only aws.backup job events: never Security Hub's own "Findings - Imported" events, which would loop.
      eventPattern: failuresAndSuccesses() as events.EventPattern,
    });
    this.rule.addTarget(new targets.SqsQueue(this.queue, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    }));

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    const fn = new SecurityHubForwarderFunction(this, 'Function', {
      description: 'Imports AWS Backup job failures into Security Hub as findings (cdk-backup-alarms)',
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        ATTRIBUTION_MODE: this.attribution,
        ...(this.attribution === FindingAttribution.SOURCE_ACCOUNT ? { MEMBER_ROLE_NAME: memberRoleName } : {}),
        SEVERITY_OVERRIDES: overrides,
        REQUESTS_PER_SECOND: '5',
        BURST: '10',
        POWERTOOLS_SERVICE_NAME: 'security-hub-forwarder',
        POWERTOOLS_METRICS_NAMESPACE: 'CdkBackupAlarms',
      },
    });
    this.forwarderFunction = fn;
    fn.addEventSource(new sources.SqsEventSource(this.queue, {
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(20),
      reportBatchItemFailures: true,
      maxConcurrency,
    }));

    if (this.attribution === FindingAttribution.FORWARDER_ACCOUNT) {
      fn.addToRolePolicy(new iam.PolicyStatement({
        actions: ['securityhub:BatchImportFindings'],
        resources: [`arn:${stack.partition}:securityhub:${stack.region}:${stack.account}:product/${stack.account}/default`],
      }));
    } else {
      fn.addToRolePolicy(new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: [`arn:${stack.partition}:iam::*:role/${memberRoleName}`],
        conditions: props.organizationId ? { StringEquals: { 'aws:ResourceOrgID': props.organizationId } } : undefined,
      }));
      explainNag(fn.role!.node.findChild('DefaultPolicy'), [{
        id: 'AwsSolutions-IAM5',
        reason: 'The forwarder assumes the importer role in whichever member account a failure comes from: the account is the only wildcard, the role name is fixed.',
        appliesTo: [`Resource::arn:<AWS::Partition>:iam::*:role/${memberRoleName}`],
      }]);
    }
    explainNag(fn.role!, [{
      id: 'AwsSolutions-IAM4',
      reason: 'AWSLambdaBasicExecutionRole only allows writing the function\'s own logs; it is the managed policy AWS documents for this.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    }]);

    this.deadLetterAlarm = deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue,
      'Backup failures could not be imported into Security Hub and wait in the dead-letter queue (cdk-backup-alarms)');
    this.errorsAlarm = anyOccurrenceAlarm(this, 'ErrorsAlarm', fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      'The Security Hub finding forwarder failed (cdk-backup-alarms)');
    this.throttlesAlarm = anyOccurrenceAlarm(this, 'ThrottlesAlarm', fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      'The Security Hub finding forwarder was throttled (cdk-backup-alarms)');
    if (props.alarmTopic) {
      for (const alarm of [this.deadLetterAlarm, this.errorsAlarm, this.throttlesAlarm]) {
        alarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
      }
    }

    if (props.createInsight) {
      this.insight = new securityhub.CfnInsight(this, 'Insight', {
        name: 'AWS Backup failures by resource (cdk-backup-alarms)',
        groupByAttribute: 'ResourceId',
        filters: {
          generatorId: [{ comparison: 'PREFIX', value: 'cdk-backup-alarms/' }],
          recordState: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
        },
      });
    }
  }
}

/**
 * The role a `SecurityHubFindingForwarder` in `SOURCE_ACCOUNT` mode assumes in a member account to import
 * that account's findings. It trusts only the forwarder's role and may only import through the account's
 * own default product ARN.
 *
 * @example
 * new SecurityHubFindingImporterRole(this, 'FindingImporter', {
 *   forwarderRoleArn: 'arn:aws:iam::111111111111:role/central-findings-forwarder',
 *   organizationId: 'o-a1b2c3d4e5',
 * });
 */
export class SecurityHubFindingImporterRole extends Construct {
  /** The role name the forwarder assumes unless told otherwise. */
  public static readonly DEFAULT_ROLE_NAME = 'cdk-backup-alarms-finding-importer';

  /** The role. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SecurityHubFindingImporterRoleProps) {
    super(scope, id);
    const owner = `SecurityHubFindingImporterRole '${this.node.path}'`;
    const stack = Stack.of(this);
    if (!Token.isUnresolved(props.forwarderRoleArn) && !/^arn:[a-z-]+:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(props.forwarderRoleArn)) {
      throw new Error(`${owner}: forwarderRoleArn must be an IAM role ARN like arn:aws:iam::111111111111:role/name, got '${props.forwarderRoleArn}'`);
    }
    if (!Token.isUnresolved(props.organizationId) && !/^o-[a-z0-9]{10,32}$/.test(props.organizationId)) {
      throw new Error(`${owner}: organizationId must look like o-a1b2c3d4e5, got '${props.organizationId}'`);
    }
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName ?? SecurityHubFindingImporterRole.DEFAULT_ROLE_NAME,
      description: 'Lets the central cdk-backup-alarms forwarder import this account\'s AWS Backup findings into Security Hub',
      assumedBy: new iam.ArnPrincipal(props.forwarderRoleArn).withConditions({
        StringEquals: { 'aws:PrincipalOrgID': props.organizationId },
      }),
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['securityhub:BatchImportFindings'],
      // Any Region of this account (findings go to the Region of the event), only its own product.
      resources: [`arn:${stack.partition}:securityhub:*:${stack.account}:product/${stack.account}/default`],
    }));
    explainNag(this.role.node.findChild('DefaultPolicy'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'Findings are imported in the Region where the backup job ran; the Region is the only wildcard, the account and product are fixed.',
      appliesTo: [`Resource::arn:<AWS::Partition>:securityhub:*:${stack.account}:product/${stack.account}/default`],
    }]);
  }
}

/**
 * Properties of a `SecurityHubFindingImporterRole`.
 */
export interface SecurityHubFindingImporterRoleProps {
  /** The ARN of the forwarder function's role in the central account (`forwarder.function.role.roleArn`). */
  readonly forwarderRoleArn: string;
  /** The organization both accounts belong to: the role trusts the forwarder only within it. */
  readonly organizationId: string;
  /**
   * The role name; it must match the forwarder's `memberRoleName`.
   * @default SecurityHubFindingImporterRole.DEFAULT_ROLE_NAME
   */
  readonly roleName?: string;
}

function failuresAndSuccesses(): RawPattern {
  const f = anyFailurePattern();
  const s = anySuccessPattern();
  return { 'source': f.source, 'detail-type': f['detail-type'], '$or': [...f.$or, ...s.$or] };
}

function severityOverridesJson(owner: string, overrides: SeverityOverride[]): string {
  const out: { [key: string]: string } = {};
  for (const o of overrides) {
    if (!BackupEvents.ALL_JOB_KINDS.includes(o.jobKind)) {
      throw new Error(`${owner}: severityOverrides has jobKind '${o.jobKind}', expected one of ${BackupEvents.ALL_JOB_KINDS.join(', ')}`);
    }
    if (!Object.values(FindingSeverity).includes(o.severity)) {
      throw new Error(`${owner}: severityOverrides has severity '${o.severity}', expected one of ${Object.values(FindingSeverity).join(', ')}`);
    }
    let key: string;
    if (o.state === undefined) {
      if (o.jobKind !== BackupJobKind.SCAN) {
        throw new Error(`${owner}: severityOverrides entry for ${o.jobKind} has no state; only SCAN may leave it unset (scans that found threats)`);
      }
      key = `${BackupJobKind.SCAN}:${BackupEvents.SCAN_THREATS_FOUND}`;
    } else {
      const failures = BackupEvents.statesOf(o.jobKind).filter((s) => !NON_FAILURE_STATES.includes(s));
      if (!failures.includes(o.state)) {
        throw new Error(`${owner}: severityOverrides has state '${o.state}' for ${o.jobKind}, expected one of ${failures.join(', ')} (progress and success states have no severity)`);
      }
      key = `${o.jobKind}:${o.state}`;
    }
    out[key] = o.severity;
  }
  return JSON.stringify(out);
}
