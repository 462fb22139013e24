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
import { checkInterval, DEFAULT_HEARTBEAT_INTERVAL } from './private/heartbeat';
import { bufferQueue, consumeQueue, explainTopicKeyGrant, grantImportFindings, ledgerTable, monitorFunction, scheduleFunction, scheduleRole, stoppedAlarm } from './private/monitor-parts';
import { checkEach, ownerOf } from './private/validate';
import { HeartbeatCheckerFunction } from './runtime/heartbeat-checker-function';
import { HeartbeatWriterFunction } from './runtime/heartbeat-writer-function';
import {
  anyHeartbeatPattern, ExpectedSources, HEARTBEAT_ENV, HEARTBEAT_RULES, HEARTBEAT_TELEMETRY, HEARTBEAT_TIMING, LEDGER, LEDGER_TTL_ATTRIBUTE,
  REGION_NAME, RULE_ID, RULE_ID_EXPECTED,
} from './shared/heartbeat';
import { ACCOUNT_ID } from './shared/names';

/**
 * How a `HeartbeatMonitor` judges silence and what it expects: the settings `CentralAlarmBus` passes through.
 */
export interface HeartbeatMonitorOptions {
  /**
   * How many intervals a source may miss before it is reported silent (1 to 10). A report then comes within
   * `missedIntervals x interval + 5 minutes + checkPeriod` of the last heartbeat.
   * @default 2
   */
  readonly missedIntervals?: number;

  /**
   * How often the checker runs (5 minutes to 1 day, whole minutes).
   * @default Duration.minutes(15)
   */
  readonly checkPeriod?: Duration;

  /**
   * Accounts that must send heartbeats, with `expectedRegions`: a source of them that never reported is
   * reported as never seen. At most about 250 accounts (the list travels in the checker's environment,
   * which Lambda limits to 4 KB).
   * @default - no expectations: only sources that reported once are watched
   */
  readonly expectedAccounts?: string[];

  /**
   * Regions where `expectedAccounts` must send heartbeats.
   * @default - no expectations
   */
  readonly expectedRegions?: string[];

  /**
   * The rule ids each expected account and Region must send heartbeats for.
   * @default ['backup-failure-rule']
   */
  readonly expectedRuleIds?: string[];

  /**
   * The interval assumed for an expected source that never reported (its allowance before "never seen").
   * @default Duration.hours(8)
   */
  readonly expectedInterval?: Duration;

  /**
   * Also import a Security Hub finding per silent source (HIGH, in this account and Region, naming the silent
   * account, Region and rule), archived when the source returns. Security Hub CSPM must be enabled here.
   * @default false
   */
  readonly securityHubFindings?: boolean;

  /**
   * What happens to the ledger table, the dead-letter queue and the log groups when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Properties of a `HeartbeatMonitor`.
 */
export interface HeartbeatMonitorProps extends HeartbeatMonitorOptions {
  /** The central event bus the heartbeats arrive on (`CentralAlarmBus.eventBus`). */
  readonly eventBus: events.IEventBus;

  /**
   * The alarm topic (the backup team's email): reports of silent, never-seen and returned sources.
   * Give `alarmTopic`, `pipelineAlarmTopic` or both.
   * @default - reports go to `pipelineAlarmTopic` only
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * The second destination of the pipeline's own alarms, independent of the alarm topic and its key: the
   * reports go there too (the path being judged may be the alarm topic's), and so do the monitor's own alarms
   * (the checker stopped or failed, heartbeats that could not be written).
   * @default - reports and the monitor's alarms go to `alarmTopic` only
   */
  readonly pipelineAlarmTopic?: sns.ITopic;

  /**
   * The chat topic (Amazon Q Developer in chat applications): reports are sent there too, as custom notifications.
   * @default - no chat
   */
  readonly chatTopic?: sns.ITopic;
}

/** Lambda limits a function's environment to 4 KB; this leaves room for the other variables. */
const MAX_EXPECTATIONS_CHARS = 3_500;

/**
 * The central half of the heartbeat (issue 20): keeps the last heartbeat of every source (account, Region,
 * forwarding rule) in a DynamoDB ledger, and reports sources that went silent, once, and again once when they
 * return, to the alarm topic and to the pipeline's second destination.
 *
 * - A rule on the central bus matches heartbeats and sends them to an SQS buffer (dead-letter queue with an
 *   alarm); the writer records each with a conditional write that only moves `lastSeen` forward. No scan on
 *   this path.
 * - The ledger: on demand, encrypted with the AWS managed key, point-in-time recovery, TTL (a source gone
 *   35 days is forgotten), kept on stack deletion by default.
 * - The checker runs every `checkPeriod`, scans the ledger (17,000 sources are about 310 read units per run,
 *   eventually consistent), claims each change with a conditional write and publishes readable reports.
 * - Alarms: the checker stopped running (no invocation in two periods: missing data is breaching), the
 *   checker failed (a report could not be published: it is sent again on the next run), heartbeats that
 *   could not be written (dead-letter queue, writer errors). They go to `pipelineAlarmTopic`, else `alarmTopic`.
 *
 * @example
 * declare const bus: CentralAlarmBus;
 * declare const pipelineTopic: sns.ITopic;
 * new HeartbeatMonitor(this, 'Heartbeats', {
 *   eventBus: bus.eventBus,
 *   alarmTopic: bus.topic,
 *   pipelineAlarmTopic: pipelineTopic,
 * });
 */
export class HeartbeatMonitor extends Construct {
  /** The ledger: one item per source. */
  public readonly table: dynamodb.Table;
  /** The rule on the central bus that takes heartbeats. */
  public readonly rule: events.Rule;
  /** The buffer between the rule and the writer. */
  public readonly queue: sqs.Queue;
  /** Heartbeats the rule could not deliver, or the writer could not write after the retries. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The ledger writer. */
  public readonly writerFunction: lambda.IFunction;
  /** The checker. */
  public readonly checkerFunction: lambda.IFunction;
  /** The EventBridge Scheduler schedule that runs the checker. */
  public readonly checkSchedule: scheduler.CfnSchedule;
  /** Fires when the checker has not run for two periods. */
  public readonly checkerStoppedAlarm: cloudwatch.Alarm;
  /** Fires when a checker run failed (for example a report could not be published). */
  public readonly checkerErrorsAlarm: cloudwatch.Alarm;
  /** Fires when a heartbeat waits in the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** Fires when the writer failed. */
  public readonly writerErrorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: HeartbeatMonitorProps) {
    super(scope, id);
    const owner = ownerOf('HeartbeatMonitor', scope, id);
    // One topic given twice (CentralAlarmBus when the pipeline's alarms share the alarm topic) is one destination.
    if (props.pipelineAlarmTopic !== undefined && props.pipelineAlarmTopic === props.alarmTopic) props = { ...props, pipelineAlarmTopic: undefined };
    if (props.alarmTopic === undefined && props.pipelineAlarmTopic === undefined) {
      throw new Error(`${owner}: alarmTopic and pipelineAlarmTopic are both unset, so reports of silent sources would tell nobody; `
        + 'give at least one (for example alarmTopic: centralAlarmBus.topic)');
    }
    const missedIntervals = props.missedIntervals ?? HEARTBEAT_TIMING.DEFAULT_MISSED_INTERVALS;
    if (!Token.isUnresolved(missedIntervals) && (!Number.isInteger(missedIntervals) || missedIntervals < 1 || missedIntervals > 10)) {
      throw new Error(`${owner}: missedIntervals must be a whole number from 1 to 10, got ${missedIntervals}`);
    }
    const checkSeconds = checkInterval(owner, 'checkPeriod', props.checkPeriod ?? Duration.seconds(HEARTBEAT_TIMING.DEFAULT_CHECK_PERIOD_SECONDS),
      HEARTBEAT_TIMING.MIN_INTERVAL_SECONDS, 'Duration.minutes(15) (the default)');
    const expectedSeconds = checkInterval(owner, 'expectedInterval', props.expectedInterval ?? DEFAULT_HEARTBEAT_INTERVAL);
    const expected = expectationsOf(owner, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.table = ledgerTable(this, 'Ledger', {
      pk: LEDGER.PK,
      ttl: LEDGER_TTL_ATTRIBUTE,
      removalPolicy,
      backupReason: 'The ledger holds only the last heartbeat time of each source: point-in-time recovery (35 days) is on, and '
        + 'every source rewrites its item within one interval, so a lost table heals itself; an AWS Backup plan would add cost and nothing to restore.',
    });

    // The buffer: SQS-managed encryption, TLS only, dead-letter queue with an alarm.
    const timeout = Duration.seconds(30);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = bufferQueue(this, timeout, removalPolicy));

    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.eventBus,
      description: 'Heartbeats of the forwarding rules, to the heartbeat ledger (cdk-backup-alarms)',
      eventPattern: anyHeartbeatPattern() as events.EventPattern,
    });
    allowRulesToSend(this, this.queue, this.rule.ruleArn);
    allowRulesToSend(this, this.deadLetterQueue, this.rule.ruleArn);
    const queueArn = this.queue.queueArn;
    // A heartbeat older than two hours tells nothing the next one will not: no need to retry for a day.
    const delivery = deliveryConfig({ deadLetterQueue: this.deadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(2) });
    this.rule.addTarget({ bind: () => ({ arn: queueArn, ...delivery }) });

    // The writer.
    const writer = monitorFunction(this, 'Writer', {
      kind: HeartbeatWriterFunction,
      timeout,
      removalPolicy,
      description: 'Writes heartbeats to the heartbeat ledger (cdk-backup-alarms)',
      environment: {
        [HEARTBEAT_ENV.TABLE_NAME]: this.table.tableName,
        POWERTOOLS_SERVICE_NAME: HEARTBEAT_TELEMETRY.WRITER_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: HEARTBEAT_TELEMETRY.METRICS_NAMESPACE,
      },
    });
    writer.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [this.table.tableArn] }));
    consumeQueue(writer.fn, writer.role, this.queue);
    this.writerFunction = writer.fn;

    // The checker.
    const checker = monitorFunction(this, 'Checker', {
      kind: HeartbeatCheckerFunction,
      timeout: Duration.minutes(5),
      removalPolicy,
      description: 'Reports silent heartbeat sources (cdk-backup-alarms)',
      environment: {
        [HEARTBEAT_ENV.TABLE_NAME]: this.table.tableName,
        ...(props.alarmTopic ? { [HEARTBEAT_ENV.ALARM_TOPIC_ARN]: props.alarmTopic.topicArn } : {}),
        ...(props.pipelineAlarmTopic ? { [HEARTBEAT_ENV.PIPELINE_TOPIC_ARN]: props.pipelineAlarmTopic.topicArn } : {}),
        ...(props.chatTopic ? { [HEARTBEAT_ENV.CHAT_TOPIC_ARN]: props.chatTopic.topicArn } : {}),
        [HEARTBEAT_ENV.MISSED_INTERVALS]: String(missedIntervals),
        [HEARTBEAT_ENV.EXPECTED_INTERVAL_SECONDS]: String(expectedSeconds),
        ...(expected ? { [HEARTBEAT_ENV.EXPECTED_SOURCES]: JSON.stringify(expected) } : {}),
        ...(props.securityHubFindings ? { [HEARTBEAT_ENV.SECURITY_HUB_FINDINGS]: 'true' } : {}),
        POWERTOOLS_SERVICE_NAME: HEARTBEAT_TELEMETRY.CHECKER_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: HEARTBEAT_TELEMETRY.METRICS_NAMESPACE,
      },
    });
    // Exactly what the checker does: scan, read one item after a lost race, claim and mark (UpdateItem), and
    // create the items of expected sources (PutItem, only with expectations).
    checker.fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:UpdateItem', ...(expected ? ['dynamodb:PutItem'] : [])],
      resources: [this.table.tableArn],
    }));
    for (const topic of [props.alarmTopic, props.pipelineAlarmTopic, props.chatTopic]) topic?.grantPublish(checker.fn);
    if (props.securityHubFindings) grantImportFindings(checker.fn);
    explainTopicKeyGrant(checker.role, [props.alarmTopic, props.pipelineAlarmTopic, props.chatTopic]);
    this.checkerFunction = checker.fn;
    // EventBridge Scheduler runs the checker (as BackupHeartbeat sends heartbeats).
    const role = scheduleRole(this, 'CheckScheduleRole', checker.fn, 'Lets EventBridge Scheduler run the heartbeat checker (cdk-backup-alarms)');
    this.checkSchedule = scheduleFunction(this, 'CheckSchedule', {
      fn: checker.fn, role, expression: `rate(${checkSeconds / 60} minutes)`, description: 'Runs the heartbeat checker (cdk-backup-alarms)',
    });

    // Alarms, to the destination that does not depend on the path being judged.
    const ownTopic = props.pipelineAlarmTopic ?? props.alarmTopic!;
    this.checkerStoppedAlarm = stoppedAlarm(this, 'CheckerStoppedAlarm', checker.fn, checkSeconds * 2,
      'The heartbeat checker has not run for two of its periods: silent sources would go unreported (cdk-backup-alarms)');
    this.checkerErrorsAlarm = anyOccurrenceAlarm(this, 'CheckerErrorsAlarm', checker.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      'A heartbeat checker run failed: a report may wait for the next run (cdk-backup-alarms)');
    this.writerErrorsAlarm = anyOccurrenceAlarm(this, 'WriterErrorsAlarm', writer.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      'The heartbeat ledger writer failed (cdk-backup-alarms)');
    this.deadLetterAlarm = deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue,
      'Heartbeats could not be written to the ledger and wait in the dead-letter queue (cdk-backup-alarms)');
    for (const alarm of [this.checkerStoppedAlarm, this.checkerErrorsAlarm, this.writerErrorsAlarm, this.deadLetterAlarm]) {
      alarm.addAlarmAction(new cwActions.SnsAction(ownTopic));
    }
  }
}

function expectationsOf(owner: string, props: HeartbeatMonitorProps): ExpectedSources | undefined {
  const { expectedAccounts: accounts, expectedRegions: regions } = props;
  if (accounts === undefined && regions === undefined && props.expectedRuleIds === undefined) return undefined;
  if (accounts === undefined || regions === undefined) {
    throw new Error(`${owner}: expectedAccounts and expectedRegions go together (got ${accounts === undefined ? 'no' : accounts.length} accounts and `
      + `${regions === undefined ? 'no' : regions.length} Regions); give both, or neither to watch only sources that reported once`);
  }
  const rules = props.expectedRuleIds ?? [HEARTBEAT_RULES.BACKUP_FAILURE_RULE];
  checkEach(owner, 'expectedAccounts', accounts, ACCOUNT_ID, 'a 12-digit account id');
  checkEach(owner, 'expectedRegions', regions, REGION_NAME, 'a Region name such as eu-west-1');
  checkEach(owner, 'expectedRuleIds', rules, RULE_ID, RULE_ID_EXPECTED);
  if ([...accounts, ...regions, ...rules].some((v) => Token.isUnresolved(v))) {
    throw new Error(`${owner}: expectedAccounts, expectedRegions and expectedRuleIds must be known at synthesis (no tokens): the checker compares them with the ledger`);
  }
  const expected = { accounts: [...new Set(accounts)], regions: [...new Set(regions)], rules: [...new Set(rules)] };
  const size = JSON.stringify(expected).length;
  if (size > MAX_EXPECTATIONS_CHARS) {
    throw new Error(`${owner}: expectedAccounts (${expected.accounts.length}) x expectedRegions (${expected.regions.length}) take ${size} characters, `
      + `more than the ${MAX_EXPECTATIONS_CHARS} that fit in the checker's environment (Lambda allows 4 KB); list at most about 250 accounts, `
      + 'or leave the expectations unset and rely on silence of sources that reported once');
  }
  return expected;
}
