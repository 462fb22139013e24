import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { anyOccurrenceAlarm, deadLetterAlarm } from './private/dead-letter';
import { allowRulesToSend, deliveryConfig } from './private/delivery';
import {
  bufferQueue, consumeQueue, explainTopicKeyGrant, grantImportFindings, ledgerTable, monitorFunction, scheduleFunction, scheduleRole, stoppedAlarm,
} from './private/monitor-parts';
import { protectionEventsPattern } from './private/patterns';
import { checkEach, ownerOf } from './private/validate';
import { ProtectionCheckerFunction } from './runtime/protection-checker-function';
import { ProtectionRecorderFunction } from './runtime/protection-recorder-function';
import { ACCOUNT_ID } from './shared/names';
import {
  PROTECTION_ENV, PROTECTION_LEDGER, PROTECTION_TELEMETRY, PROTECTION_TTL_ATTRIBUTE, ProtectionKind, ProtectionTask, RecoveryPointObjectiveRule,
} from './shared/protection';

/**
 * A recovery point objective: the longest a matching protection may go without a successful job, instead of
 * the interval learned from its own history. A protection matches when every list given names it.
 */
export interface RecoveryPointObjective {
  /** The longest a matching protection may go without a successful backup or copy (1 hour to 400 days). */
  readonly maxAge: Duration;

  /**
   * AWS Backup resource types, as the job events name them (`EC2`, `EBS`, `RDS`, `Aurora`, `DynamoDB`, `EFS`, `S3`, ...).
   * @default - every resource type
   */
  readonly resourceTypes?: string[];

  /**
   * Vault names: the backup vault of backup jobs, the destination vault (name or ARN) of copy jobs.
   * @default - every vault
   */
  readonly backupVaultNames?: string[];

  /**
   * Accounts (12-digit ids).
   * @default - every account
   */
  readonly accounts?: string[];

  /**
   * Job kinds.
   * @default - backups and copies
   */
  readonly jobKinds?: ProtectionKind[];
}

/**
 * What a `ProtectionMonitor` watches and when it reports: the settings `CentralAlarmBus` passes through.
 */
export interface ProtectionMonitorOptions {
  /**
   * Recovery point objectives; the first that matches a protection replaces the interval learned from its history.
   * @default - every protection is judged by its own history (reported once it has three successes)
   */
  readonly recoveryPointObjectives?: RecoveryPointObjective[];

  /**
   * How often the overdue check runs (15 minutes to 1 day, whole minutes).
   * @default Duration.hours(1)
   */
  readonly checkPeriod?: Duration;

  /**
   * How long a protection may stay overdue before it is retired: reported once more as retired, then no longer
   * watched until it succeeds again (1 day to 400 days). A person can retire one sooner (README, "Overdue backups").
   * @default Duration.days(30)
   */
  readonly retireAfter?: Duration;

  /**
   * Also import a Security Hub finding per overdue protection (HIGH, in this account and Region), archived on its
   * next success or its retirement. Security Hub CSPM must be enabled here.
   * @default false
   */
  readonly securityHubFindings?: boolean;

  /**
   * Send a daily report to the alarm topic.
   * @default true
   */
  readonly dailyReport?: boolean;

  /**
   * The hour of the day (0 to 23) the daily report is sent, in `dailyReportTimeZone`.
   * @default 7
   */
  readonly dailyReportHour?: number;

  /**
   * The IANA time zone of `dailyReportHour` and of the report's dates (EventBridge Scheduler follows its
   * daylight-saving changes).
   * @default 'UTC'
   */
  readonly dailyReportTimeZone?: string;

  /**
   * What happens to the ledger table, the queues and the log groups when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Properties of a `ProtectionMonitor`.
 */
export interface ProtectionMonitorProps extends ProtectionMonitorOptions {
  /** The central event bus the job events arrive on (`CentralAlarmBus.eventBus`). */
  readonly eventBus: events.IEventBus;

  /** The alarm topic (the backup team's email): overdue reports and the daily report. */
  readonly alarmTopic: sns.ITopic;

  /**
   * The destination of the monitor's own alarms (the checker stopped or failed, events that could not be recorded).
   * @default - the alarm topic
   */
  readonly pipelineAlarmTopic?: sns.ITopic;

  /**
   * The heartbeat ledger (`HeartbeatMonitor.table`): the daily report names silent sources and account-Regions
   * that ran no job.
   * @default - the daily report does not speak of heartbeats
   */
  readonly heartbeatTable?: dynamodb.ITable;

  /**
   * The chat topic (Amazon Q Developer in chat applications): overdue and daily reports are sent there too, as custom notifications.
   * @default - no chat
   */
  readonly chatTopic?: sns.ITopic;
}

/** Lambda limits a function's environment to 4 KB; this leaves room for the other variables. */
const MAX_OBJECTIVES_CHARS = 3_000;
const MIN_CHECK_SECONDS = 900;
const DAY_SECONDS = 86_400;

/**
 * Hears about the backup that never ran (issue 21): keeps, per protected resource (account, Region, vault,
 * resource ARN; backups and copies apart), the times of its last successful jobs and its last failure in a
 * DynamoDB ledger, reports a protection once when it has gone longer without a success than its own history
 * (or a recovery point objective) allows, and once when it recovers or is retired; and sends a daily report.
 *
 * - A rule on the central bus takes job events (the members forward completions: `forwardCompletions`, on in
 *   the StackSet), tamper signals and policy changes into an SQS buffer (dead-letter queue with an alarm); the
 *   recorder writes them with commutative updates, so late, duplicated and reordered events need no read.
 * - The checker runs every `checkPeriod` (and once a day for the report, at `dailyReportHour` in
 *   `dailyReportTimeZone`), scans the ledger, claims each change with a conditional write and publishes readable
 *   reports; each change is reported once.
 * - Alarms (to `pipelineAlarmTopic`, else the alarm topic): the checker stopped or failed, the recorder failed,
 *   events wait in the dead-letter queue.
 *
 * @example
 * declare const bus: CentralAlarmBus;
 * new ProtectionMonitor(this, 'Protections', {
 *   eventBus: bus.eventBus,
 *   alarmTopic: bus.topic,
 *   recoveryPointObjectives: [{ maxAge: Duration.hours(26), resourceTypes: ['RDS', 'Aurora'] }],
 *   dailyReportHour: 8,
 *   dailyReportTimeZone: 'Europe/Berlin',
 * });
 */
export class ProtectionMonitor extends Construct {
  /** The ledger: protections and hourly activity. */
  public readonly table: dynamodb.Table;
  /** The rule on the central bus that takes job events, tamper signals and policy changes. */
  public readonly rule: events.Rule;
  /** The buffer between the rule and the recorder. */
  public readonly queue: sqs.Queue;
  /** Events the rule could not deliver, or the recorder could not record after the retries. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The recorder. */
  public readonly recorderFunction: lambda.IFunction;
  /** The checker (and the daily report). */
  public readonly checkerFunction: lambda.IFunction;
  /** The EventBridge Scheduler schedule of the overdue check. */
  public readonly checkSchedule: scheduler.CfnSchedule;
  /** The schedule of the daily report (unless `dailyReport` is false). */
  public readonly dailyReportSchedule?: scheduler.CfnSchedule;
  /** Fires when the checker has not run for two periods. */
  public readonly checkerStoppedAlarm: cloudwatch.Alarm;
  /** Fires when a checker run failed (a report could not be published: it is sent again on the next run). */
  public readonly checkerErrorsAlarm: cloudwatch.Alarm;
  /** Fires when the recorder failed. */
  public readonly recorderErrorsAlarm: cloudwatch.Alarm;
  /** Fires when an event waits in the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ProtectionMonitorProps) {
    super(scope, id);
    const owner = ownerOf('ProtectionMonitor', scope, id);
    const checkSeconds = durationIn(owner, 'checkPeriod', props.checkPeriod ?? Duration.hours(1), MIN_CHECK_SECONDS, DAY_SECONDS, 'Duration.hours(1) (the default)');
    const retireSeconds = durationIn(owner, 'retireAfter', props.retireAfter ?? Duration.days(30), DAY_SECONDS, 400 * DAY_SECONDS, 'Duration.days(30) (the default)');
    const objectives = objectivesOf(owner, props.recoveryPointObjectives);
    const hour = props.dailyReportHour ?? 7;
    if (!Token.isUnresolved(hour) && (!Number.isInteger(hour) || hour < 0 || hour > 23)) {
      throw new Error(`${owner}: dailyReportHour must be a whole number from 0 to 23, got ${hour}`);
    }
    const timeZone = props.dailyReportTimeZone ?? 'UTC';
    checkTimeZone(owner, timeZone);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.table = ledgerTable(this, 'Ledger', {
      pk: PROTECTION_LEDGER.PK,
      ttl: PROTECTION_TTL_ATTRIBUTE,
      removalPolicy,
      backupReason: 'The ledger holds the times of recent successful jobs and hourly counters: point-in-time recovery (35 days) is on, and '
        + 'a lost table relearns each resource\'s interval from its next three jobs; an AWS Backup plan would add cost and little to restore.',
    });

    const timeout = Duration.minutes(1);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = bufferQueue(this, timeout, removalPolicy));
    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.eventBus,
      description: 'AWS Backup job events, tamper signals and policy changes, to the protection ledger (cdk-backup-alarms)',
      eventPattern: protectionEventsPattern() as events.EventPattern,
    });
    allowRulesToSend(this, this.queue, this.rule.ruleArn);
    allowRulesToSend(this, this.deadLetterQueue, this.rule.ruleArn);
    const queueArn = this.queue.queueArn;
    const delivery = deliveryConfig({ deadLetterQueue: this.deadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) });
    this.rule.addTarget({ bind: () => ({ arn: queueArn, ...delivery }) });

    const recorder = monitorFunction(this, 'Recorder', {
      kind: ProtectionRecorderFunction,
      timeout,
      removalPolicy,
      description: 'Records AWS Backup job events in the protection ledger (cdk-backup-alarms)',
      environment: {
        [PROTECTION_ENV.TABLE_NAME]: this.table.tableName,
        POWERTOOLS_SERVICE_NAME: PROTECTION_TELEMETRY.RECORDER_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: PROTECTION_TELEMETRY.METRICS_NAMESPACE,
      },
    });
    recorder.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [this.table.tableArn] }));
    consumeQueue(recorder.fn, recorder.role, this.queue);
    this.recorderFunction = recorder.fn;

    const checker = monitorFunction(this, 'Checker', {
      kind: ProtectionCheckerFunction,
      // The check's own work over 100,000 protections took 3.4 s in the benchmark (test/bench), plus the Scan's
      // 59 pages of 1 MB: well under a minute; the rest is room.
      timeout: Duration.minutes(10),
      memorySize: 1024,
      removalPolicy,
      description: 'Reports overdue backups and sends the daily report (cdk-backup-alarms)',
      environment: {
        [PROTECTION_ENV.TABLE_NAME]: this.table.tableName,
        [PROTECTION_ENV.ALARM_TOPIC_ARN]: props.alarmTopic.topicArn,
        ...(props.chatTopic ? { [PROTECTION_ENV.CHAT_TOPIC_ARN]: props.chatTopic.topicArn } : {}),
        [PROTECTION_ENV.RETIRE_AFTER_SECONDS]: String(retireSeconds),
        [PROTECTION_ENV.REPORT_TIME_ZONE]: timeZone,
        ...(objectives.length > 0 ? { [PROTECTION_ENV.OBJECTIVES]: JSON.stringify(objectives) } : {}),
        ...(props.securityHubFindings ? { [PROTECTION_ENV.SECURITY_HUB_FINDINGS]: 'true' } : {}),
        ...(props.heartbeatTable ? { [PROTECTION_ENV.HEARTBEAT_TABLE_NAME]: props.heartbeatTable.tableName } : {}),
        POWERTOOLS_SERVICE_NAME: PROTECTION_TELEMETRY.CHECKER_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: PROTECTION_TELEMETRY.METRICS_NAMESPACE,
      },
    });
    // Exactly what the checker does: scan, read one item after a lost race, claim and mark (UpdateItem); and
    // scan the heartbeat ledger for the daily report.
    checker.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [this.table.tableArn] }));
    if (props.heartbeatTable) checker.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [props.heartbeatTable.tableArn] }));
    for (const topic of [props.alarmTopic, props.chatTopic]) topic?.grantPublish(checker.fn);
    if (props.securityHubFindings) grantImportFindings(checker.fn);
    explainTopicKeyGrant(checker.role, [props.alarmTopic, props.chatTopic]);
    this.checkerFunction = checker.fn;

    const role = scheduleRole(this, 'ScheduleRole', checker.fn, 'Lets EventBridge Scheduler run the protection checker (cdk-backup-alarms)');
    this.checkSchedule = scheduleFunction(this, 'CheckSchedule', {
      fn: checker.fn,
      role,
      expression: `rate(${checkSeconds / 60} minutes)`,
      description: 'Runs the overdue backup check (cdk-backup-alarms)',
      input: JSON.stringify({ task: ProtectionTask.CHECK }),
    });
    if (props.dailyReport ?? true) {
      this.dailyReportSchedule = scheduleFunction(this, 'DailyReportSchedule', {
        fn: checker.fn,
        role,
        expression: `cron(0 ${hour} * * ? *)`,
        timeZone,
        description: 'Sends the daily backup report (cdk-backup-alarms)',
        input: JSON.stringify({ task: ProtectionTask.DAILY_REPORT }),
      });
    }

    const ownTopic = props.pipelineAlarmTopic ?? props.alarmTopic;
    this.checkerStoppedAlarm = stoppedAlarm(this, 'CheckerStoppedAlarm', checker.fn, checkSeconds * 2,
      'The overdue backup check has not run for two of its periods: overdue backups would go unreported (cdk-backup-alarms)');
    this.checkerErrorsAlarm = anyOccurrenceAlarm(this, 'CheckerErrorsAlarm', checker.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      'An overdue backup check or daily report failed: a report may wait for the next run (cdk-backup-alarms)');
    this.recorderErrorsAlarm = anyOccurrenceAlarm(this, 'RecorderErrorsAlarm', recorder.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      'The protection ledger recorder failed (cdk-backup-alarms)');
    this.deadLetterAlarm = deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue,
      'AWS Backup events could not be recorded in the protection ledger and wait in the dead-letter queue (cdk-backup-alarms)');
    for (const alarm of [this.checkerStoppedAlarm, this.checkerErrorsAlarm, this.recorderErrorsAlarm, this.deadLetterAlarm]) {
      alarm.addAlarmAction(new cwActions.SnsAction(ownTopic));
    }
  }
}

function durationIn(owner: string, prop: string, d: Duration, min: number, max: number, example: string): number {
  if (d.isUnresolved()) throw new Error(`${owner}: ${prop} must be a concrete duration, not a token`);
  const seconds = d.toSeconds();
  if (seconds < min || seconds > max || seconds % 60 !== 0) {
    throw new Error(`${owner}: ${prop} must be whole minutes from ${Duration.seconds(min).toHumanString()} to ${Duration.seconds(max).toHumanString()}, `
      + `got ${d.toHumanString()}; for example ${example}`);
  }
  return seconds;
}

function checkTimeZone(owner: string, timeZone: string): void {
  if (Token.isUnresolved(timeZone)) throw new Error(`${owner}: dailyReportTimeZone must be known at synthesis, not a token`);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`${owner}: dailyReportTimeZone must be an IANA time zone such as 'Europe/Berlin' or 'UTC', got '${timeZone}'`);
  }
}

function objectivesOf(owner: string, objectives: RecoveryPointObjective[] | undefined): RecoveryPointObjectiveRule[] {
  if (objectives === undefined) return [];
  const rules = objectives.map((o, i) => {
    const prop = `recoveryPointObjectives[${i}]`;
    const maxAgeSeconds = durationIn(owner, `${prop}.maxAge`, o.maxAge, 3600, 400 * DAY_SECONDS, 'Duration.hours(26) for a daily plan');
    checkEach(owner, `${prop}.accounts`, o.accounts, ACCOUNT_ID, 'a 12-digit account id');
    for (const [name, list] of [['resourceTypes', o.resourceTypes], ['backupVaultNames', o.backupVaultNames]] as const) {
      if (list?.some((v) => Token.isUnresolved(v))) throw new Error(`${owner}: ${prop}.${name} must be known at synthesis (no tokens): the checker compares them with events`);
      if (list !== undefined && list.length === 0) throw new Error(`${owner}: ${prop}.${name} is empty; leave it unset to match every value`);
    }
    return { maxAgeSeconds, resourceTypes: o.resourceTypes, vaults: o.backupVaultNames, accounts: o.accounts, kinds: o.jobKinds };
  });
  const size = JSON.stringify(rules).length;
  if (size > MAX_OBJECTIVES_CHARS) {
    throw new Error(`${owner}: recoveryPointObjectives take ${size} characters, more than the ${MAX_OBJECTIVES_CHARS} that fit in the checker's `
      + 'environment (Lambda allows 4 KB); use fewer, broader objectives (by resource type or vault rather than by account)');
  }
  return rules;
}
