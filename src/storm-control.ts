import { Duration, RemovalPolicy } from 'aws-cdk-lib';
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
  bufferQueue, consumeQueue, explainTopicKeyGrant, ledgerTable, monitorFunction, scheduleFunction, scheduleRole, stoppedAlarm,
} from './private/monitor-parts';
import { anyFailurePattern } from './private/patterns';
import { ownerOf } from './private/validate';
import { StormFlusherFunction } from './runtime/storm-flusher-function';
import { StormRecorderFunction } from './runtime/storm-recorder-function';
import {
  STORM_ENV, STORM_LEDGER, STORM_LIMITS, STORM_PENDING_INDEX, STORM_TELEMETRY, STORM_TTL_ATTRIBUTE,
} from './shared/storm';

/**
 * How storm control groups job failures: the settings `CentralAlarmBus` passes through.
 */
export interface StormControlOptions {
  /**
   * The digest window (whole minutes, 1 to 60). Windows are fixed (they start on multiples of the window since
   * the epoch): each group's first failures of a window go out at once, the rest in one digest when it ends.
   * @default Duration.minutes(5)
   */
  readonly window?: Duration;

  /**
   * How many failures of one group (account, Region, job kind, status message) in a window are sent one by one
   * before the rest of the window is digested (1 to 100). A group whose failures went on from the previous
   * window (which had a digest) sends none one by one: its incident already had its first alarm.
   * @default 1
   */
  readonly threshold?: number;

  /**
   * What happens to the storm ledger, the queues and the log groups when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Properties of a `StormControl`.
 */
export interface StormControlProps extends StormControlOptions {
  /** The central event bus the job failures arrive on (`CentralAlarmBus.eventBus`). */
  readonly eventBus: events.IEventBus;

  /** The alarm topic (the backup team's email): first alarms, digests, and every alarm when the ledger fails. */
  readonly alarmTopic: sns.ITopic;

  /**
   * The destination of storm control's own alarms (a function stopped or failed, the ledger failed open, events
   * wait in the dead-letter queue).
   * @default - the alarm topic
   */
  readonly pipelineAlarmTopic?: sns.ITopic;

  /**
   * The chat topic (Amazon Q Developer in chat applications): every first alarm and digest is sent there too, as a
   * custom notification (best effort: a failed chat copy never holds back the email).
   * @default - no chat
   */
  readonly chatTopic?: sns.ITopic;
}

/**
 * Storm control for job-failure alarms (issue 22): when many jobs fail together (a Region-wide failure, an
 * expired start window across an organization), people get the first failure of each group at once and then
 * one digest per window, grouped by account, Region, job kind and status message, instead of one email each.
 *
 * - A rule on the central bus takes job failures only (never tampering, policy changes or other events, which
 *   keep their direct rules) into an SQS buffer (dead-letter queue with an alarm); the recorder decides per event,
 *   with one conditional DynamoDB write, whether it goes out at once or is counted for the digest.
 * - The flusher runs every minute (EventBridge Scheduler), claims each window that ended with a conditional write
 *   and publishes its digest once.
 * - Fail-open: when the ledger fails, the recorder publishes each event one by one (metric and alarm); when a
 *   publish fails, SQS retries the record and then keeps it in the dead-letter queue (alarm). Every event stays
 *   in the central bus archive and, with the forwarder, in Security Hub: storm control changes only the email.
 * - Used alone it adds messages to the topic: the central bus's own job-failure email rules must stop targeting
 *   it (`CentralAlarmBus` does that when storm control is on).
 *
 * @example
 * declare const bus: CentralAlarmBus;
 * new StormControl(this, 'Storms', {
 *   eventBus: bus.eventBus,
 *   alarmTopic: bus.topic,
 *   window: Duration.minutes(10),
 * });
 */
export class StormControl extends Construct {
  /** The storm ledger: one item per group and window, one per window's digest. */
  public readonly table: dynamodb.Table;
  /** The rule on the central bus that takes job failures. */
  public readonly rule: events.Rule;
  /** The buffer between the rule and the recorder. */
  public readonly queue: sqs.Queue;
  /** Events the rule could not deliver, or the recorder could not publish after the retries. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The recorder (first alarms, counts, and the fail-open path). */
  public readonly recorderFunction: lambda.IFunction;
  /** The flusher (digests). */
  public readonly flusherFunction: lambda.IFunction;
  /** The EventBridge Scheduler schedule of the flusher (every minute). */
  public readonly flushSchedule: scheduler.CfnSchedule;
  /** Fires when the flusher has not run for 5 minutes (digests would wait). */
  public readonly flusherStoppedAlarm: cloudwatch.Alarm;
  /** Fires when a flusher run failed (a digest could not be published: a later run sends it). */
  public readonly flusherErrorsAlarm: cloudwatch.Alarm;
  /** Fires when the recorder failed. */
  public readonly recorderErrorsAlarm: cloudwatch.Alarm;
  /** Fires when the ledger failed and the recorder published events one by one. */
  public readonly failOpenAlarm: cloudwatch.Alarm;
  /** Fires when an event waits in the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: StormControlProps) {
    super(scope, id);
    const owner = ownerOf('StormControl', scope, id);
    const windowSeconds = windowSecondsOf(owner, props.window);
    const threshold = props.threshold ?? STORM_LIMITS.DEFAULT_THRESHOLD;
    if (!Number.isInteger(threshold) || threshold < 1 || threshold > STORM_LIMITS.MAX_THRESHOLD) {
      throw new Error(`${owner}: threshold must be a whole number from 1 to ${STORM_LIMITS.MAX_THRESHOLD}, got ${threshold}; `
        + 'for example 1 (the default: the first failure of a group goes at once, the rest of the window in the digest)');
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.table = ledgerTable(this, 'Ledger', {
      pk: STORM_LEDGER.PK,
      ttl: STORM_TTL_ATTRIBUTE,
      removalPolicy,
      backupReason: 'The storm ledger holds counts of the last day\'s windows, which expire after a day: every event it counts is also in the '
        + 'central bus archive; point-in-time recovery (35 days) is on, and an AWS Backup plan would add cost and nothing to restore.',
    });
    // Sparse: only groups that wait for their digest carry `pending`, so the flusher's scan of a quiet ledger reads nothing.
    this.table.addGlobalSecondaryIndex({
      indexName: STORM_PENDING_INDEX,
      partitionKey: { name: STORM_LEDGER.PENDING, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    const timeout = Duration.minutes(1);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = bufferQueue(this, timeout, removalPolicy));
    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.eventBus,
      description: 'AWS Backup job failures, to storm control (first alarms at once, the rest in a digest) (cdk-backup-alarms)',
      eventPattern: anyFailurePattern() as events.EventPattern,
    });
    allowRulesToSend(this, this.queue, this.rule.ruleArn);
    allowRulesToSend(this, this.deadLetterQueue, this.rule.ruleArn);
    const queueArn = this.queue.queueArn;
    const delivery = deliveryConfig({ deadLetterQueue: this.deadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) });
    this.rule.addTarget({ bind: () => ({ arn: queueArn, ...delivery }) });

    const environment = {
      [STORM_ENV.TABLE_NAME]: this.table.tableName,
      [STORM_ENV.ALARM_TOPIC_ARN]: props.alarmTopic.topicArn,
      ...(props.chatTopic ? { [STORM_ENV.CHAT_TOPIC_ARN]: props.chatTopic.topicArn } : {}),
      [STORM_ENV.WINDOW_SECONDS]: String(windowSeconds),
      [STORM_ENV.THRESHOLD]: String(threshold),
      POWERTOOLS_METRICS_NAMESPACE: STORM_TELEMETRY.METRICS_NAMESPACE,
    };
    const recorder = monitorFunction(this, 'Recorder', {
      kind: StormRecorderFunction,
      timeout,
      removalPolicy,
      description: 'Sends the first AWS Backup job failure of each group and counts the rest for a digest (cdk-backup-alarms)',
      environment: { ...environment, POWERTOOLS_SERVICE_NAME: STORM_TELEMETRY.RECORDER_SERVICE_NAME },
    });
    // Exactly what the recorder does: one conditional update per event, one read per group and window.
    recorder.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem', 'dynamodb:GetItem'], resources: [this.table.tableArn] }));
    for (const topic of [props.alarmTopic, props.chatTopic]) topic?.grantPublish(recorder.fn);
    explainTopicKeyGrant(recorder.role, [props.alarmTopic, props.chatTopic]);
    // A short batching window: the first alarm of an incident waits for it.
    consumeQueue(recorder.fn, recorder.role, this.queue, Duration.seconds(2));
    this.recorderFunction = recorder.fn;

    const flusher = monitorFunction(this, 'Flusher', {
      kind: StormFlusherFunction,
      timeout,
      removalPolicy,
      description: 'Sends one digest of AWS Backup job failures per window (cdk-backup-alarms)',
      environment: { ...environment, POWERTOOLS_SERVICE_NAME: STORM_TELEMETRY.FLUSHER_SERVICE_NAME },
    });
    flusher.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [`${this.table.tableArn}/index/${STORM_PENDING_INDEX}`] }));
    flusher.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem', 'dynamodb:GetItem'], resources: [this.table.tableArn] }));
    for (const topic of [props.alarmTopic, props.chatTopic]) topic?.grantPublish(flusher.fn);
    explainTopicKeyGrant(flusher.role, [props.alarmTopic, props.chatTopic]);
    this.flusherFunction = flusher.fn;

    const role = scheduleRole(this, 'ScheduleRole', flusher.fn, 'Lets EventBridge Scheduler run the storm digest flusher (cdk-backup-alarms)');
    this.flushSchedule = scheduleFunction(this, 'FlushSchedule', {
      fn: flusher.fn,
      role,
      expression: 'rate(1 minute)',
      description: 'Sends the digests of AWS Backup job failures (cdk-backup-alarms)',
    });

    const ownTopic = props.pipelineAlarmTopic ?? props.alarmTopic;
    this.flusherStoppedAlarm = stoppedAlarm(this, 'FlusherStoppedAlarm', flusher.fn, 300,
      'The storm digest flusher has not run for 5 minutes: digests of job failures wait (cdk-backup-alarms)');
    this.flusherErrorsAlarm = anyOccurrenceAlarm(this, 'FlusherErrorsAlarm', flusher.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      'A storm digest could not be published; a later run sends it (cdk-backup-alarms)');
    this.recorderErrorsAlarm = anyOccurrenceAlarm(this, 'RecorderErrorsAlarm', recorder.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      'The storm recorder failed: job failure alarms are retried from its queue (cdk-backup-alarms)');
    this.failOpenAlarm = anyOccurrenceAlarm(this, 'FailOpenAlarm', new cloudwatch.Metric({
      namespace: STORM_TELEMETRY.METRICS_NAMESPACE,
      metricName: STORM_TELEMETRY.FAIL_OPEN_METRIC,
      dimensionsMap: { service: STORM_TELEMETRY.RECORDER_SERVICE_NAME },
      period: Duration.minutes(5),
      statistic: 'Sum',
    }), 'The storm ledger failed: job failures were sent one by one, without digests (cdk-backup-alarms)');
    this.deadLetterAlarm = deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue,
      'AWS Backup job failures could not be sent by storm control and wait in the dead-letter queue (cdk-backup-alarms)');
    for (const alarm of [this.flusherStoppedAlarm, this.flusherErrorsAlarm, this.recorderErrorsAlarm, this.failOpenAlarm, this.deadLetterAlarm]) {
      alarm.addAlarmAction(new cwActions.SnsAction(ownTopic));
    }
  }
}

function windowSecondsOf(owner: string, window: Duration | undefined): number {
  if (window === undefined) return STORM_LIMITS.DEFAULT_WINDOW_SECONDS;
  if (window.isUnresolved()) throw new Error(`${owner}: window must be a concrete duration, not a token`);
  const seconds = window.toSeconds({ integral: false });
  if (seconds < STORM_LIMITS.MIN_WINDOW_SECONDS || seconds > STORM_LIMITS.MAX_WINDOW_SECONDS || seconds % 60 !== 0) {
    throw new Error(`${owner}: window must be whole minutes from 1 minute to 60 minutes, got ${window.toHumanString()}; `
      + 'for example Duration.minutes(5) (the default)');
  }
  return seconds;
}
