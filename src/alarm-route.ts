import { Annotations, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALARM_FAMILIES, AlarmFamily } from './private/alarm-families';
import { createEncryptedTopic } from './private/alarm-topic';
import { anyOccurrenceAlarm, createDeadLetterQueue, deadLetterAlarm, explainNoAlarmAction } from './private/dead-letter';
import { allowRulesToSend, deliveryConfig } from './private/delivery';
import { chatInput, chatTemplate, emailConsoleHost, emailTemplate, plainTextInput } from './private/messages';
import { RawPattern } from './private/patterns';
import { MAX_PATTERN_LENGTH, routePattern } from './private/route-patterns';
import { checkEach, checkRetryPolicy, ownerOf } from './private/validate';
import { ALL_ALARM_KINDS, AlarmKind } from './shared/alarm-routing';
import { FindingSeverity } from './shared/findings';
import { ACCOUNT_ID } from './shared/names';

export { AlarmKind } from './shared/alarm-routing';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Which alarms of the central bus a route sends, and to whom. Every condition that is set must hold: an alarm
 * reaches the route when it comes from one of `accounts`, is of one of `kinds` and reaches `minimumSeverity`.
 */
export interface AlarmRouteOptions {
  /**
   * Only alarms from these accounts (the event's `account`: the account where the job ran or the call was
   * made; for backup policy changes, the organization's management account). Events carry no organizational
   * unit: list the accounts of an OU yourself, for example from your organization's configuration.
   * @default - alarms from every account
   */
  readonly accounts?: string[];

  /**
   * Only alarms of these kinds.
   * @default - every kind
   */
  readonly kinds?: AlarmKind[];

  /**
   * Only alarms at least this severe: job failures by the findings' severity table (`KIND:STATE`), tampering
   * by action and state change (an `UpdateRegionSettings` call counts as HIGH), backup policy changes as HIGH,
   * other events and tampering calls the library does not list as MEDIUM.
   * @default - every severity
   */
  readonly minimumSeverity?: FindingSeverity;

  /**
   * Email addresses subscribed to the route's topic. Each receives a confirmation email from SNS first.
   * @default - no email subscription (set `topic`)
   */
  readonly emailAddresses?: string[];

  /**
   * The route's topic. Its key and topic policies must let `events.amazonaws.com` publish: this construct
   * cannot change the policies of an imported topic. A topic that refuses only costs this route its copies:
   * they wait in the route's dead-letter queue.
   * @default - a topic encrypted with a customer-managed key of its own, TLS enforced, publishable only by
   * this account's rules on the bus and CloudWatch alarms
   */
  readonly topic?: sns.ITopic;

  /**
   * A chat topic (Amazon Q Developer in chat applications) that receives the route's alarms as custom notifications
   * too, from the same rules (same retry policy and dead-letter queue). Its policy and key must admit EventBridge.
   * @default - no chat
   */
  readonly chatTopic?: sns.ITopic;
}

/**
 * Properties of an `AlarmRoute`.
 */
export interface AlarmRouteProps extends AlarmRouteOptions {
  /** The central alarm bus (`CentralAlarmBus.eventBus`). */
  readonly eventBus: events.IEventBus;

  /**
   * Where the route's own failures are reported (its dead-letter queue holds a message, its rules could not
   * deliver, its created topic could not deliver): a topic that does not depend on the route's topic, such as
   * `CentralAlarmBus.pipelineAlarmTopic`.
   * @default - the alarms have no action; their state shows in the CloudWatch console
   */
  readonly pipelineAlarmTopic?: sns.ITopic;

  /**
   * How many times EventBridge retries delivery to the route's topic (0 to 185).
   * @default 185
   */
  readonly retryAttempts?: number;

  /**
   * How long EventBridge keeps retrying an undelivered alarm (60 seconds to 24 hours).
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;

  /**
   * What a stack deletion does to the route's dead-letter queue and created key.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Sends a subset of the central bus's alarms (by account, kind and severity) to a team's own email list or
 * topic, in the same words as the central emails. The route has its own rules, topic, dead-letter queue and
 * retry policy: a route whose topic refuses or is gone dead-letters its own copies and nothing else; the
 * central list keeps receiving every alarm through its own rules.
 *
 * @example
 * declare const central: CentralAlarmBus;
 * new AlarmRoute(this, 'PaymentsTeam', {
 *   eventBus: central.eventBus,
 *   pipelineAlarmTopic: central.pipelineAlarmTopic,
 *   accounts: ['111122223333', '444455556666'],
 *   minimumSeverity: FindingSeverity.HIGH,
 *   emailAddresses: ['payments-oncall@example.com'],
 * });
 */
export class AlarmRoute extends Construct {
  /** The route's rules on the central bus: one per alarm family its kinds and minimum severity leave. */
  public readonly rules: events.Rule[];
  /** The topic the route's alarms are sent to. */
  public readonly topic: sns.ITopic;
  /** The chat topic the route also sends to (when `chatTopic` is given). */
  public readonly chatTopic?: sns.ITopic;
  /** The key of the created topic (undefined when you brought the topic). */
  public readonly encryptionKey?: kms.IKey;
  /** The route's own dead-letter queue: alarms its topic did not accept, and emails SNS could not deliver. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The alarm on the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The alarm on deliveries the route's rules could not make (EventBridge `FailedInvocations`, all rules summed). */
  public readonly failedDeliveryAlarm: cloudwatch.Alarm;
  /** The alarm on notifications the created topic could not deliver (undefined when you brought the topic). */
  public readonly topicDeliveryAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlarmRouteProps) {
    super(scope, id);
    const owner = ownerOf('AlarmRoute', scope, id);
    validate(owner, props);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const busRules = `arn:${Aws.PARTITION}:events:${stack.region}:${stack.account}:rule/${props.eventBus.eventBusName}/*`;

    const families = selectFamilies(this, owner, props);
    this.chatTopic = props.chatTopic;

    if (props.topic) {
      this.topic = props.topic;
    } else {
      const created = createEncryptedTopic(this, 'Key', 'Topic', {
        displayName: `Backup alarms (${id})`,
        keyDescription: `Encrypts the topic of the backup alarm route ${id} (cdk-backup-alarms)`,
        ruleArnPattern: busRules,
        removalPolicy,
      });
      this.encryptionKey = created.key;
      this.topic = created.topic;
    }
    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetterQueue', removalPolicy);
    for (const address of props.emailAddresses ?? []) {
      this.topic.addSubscription(new subs.EmailSubscription(address, { deadLetterQueue: this.deadLetterQueue }));
    }

    const delivery = deliveryConfig({
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: props.retryAttempts ?? 185,
      maxEventAge: props.maxEventAge ?? Duration.hours(24),
    });
    const consoleHost = emailConsoleHost(this);
    this.rules = families.map(([family, pattern]) => this.familyRule(props.eventBus, family, pattern, consoleHost, delivery));
    // Only this route's rules may dead-letter into its queue.
    allowRulesToSend(this, this.deadLetterQueue, this.rules[0].ruleArn, ...this.rules.slice(1).map((r) => r.ruleArn));

    this.deadLetterAlarm = deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue,
      `Backup alarms of route ${id} could not be delivered and wait in its dead-letter queue (cdk-backup-alarms)`);
    this.failedDeliveryAlarm = anyOccurrenceAlarm(this, 'FailedDeliveryAlarm', this.failedInvocations(props.eventBus),
      `EventBridge could not deliver backup alarms of route ${id} (cdk-backup-alarms)`);
    const alarms = [this.deadLetterAlarm, this.failedDeliveryAlarm];
    if (props.topic === undefined) {
      // SNS developer guide, "Monitoring Amazon SNS topics using CloudWatch": NumberOfNotificationsFailed.
      this.topicDeliveryAlarm = anyOccurrenceAlarm(this, 'TopicDeliveryAlarm',
        this.topic.metricNumberOfNotificationsFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
        `The topic of backup alarm route ${id} could not deliver notifications (cdk-backup-alarms)`);
      alarms.push(this.topicDeliveryAlarm);
    }
    for (const alarm of alarms) {
      if (props.pipelineAlarmTopic) alarm.addAlarmAction(new cwActions.SnsAction(props.pipelineAlarmTopic));
      else explainNoAlarmAction(alarm);
    }
  }

  /**
   * One family's rule: the route's pattern, the route's topic as the only target, with the central rule's
   * email text, the route's retry policy and dead-letter queue.
   */
  private familyRule(bus: events.IEventBus, family: AlarmFamily, pattern: RawPattern, consoleHost: string,
    delivery: Pick<events.RuleTargetConfig, 'deadLetterConfig' | 'retryPolicy'>): events.Rule {
    const rule = new events.Rule(this, family.id, {
      eventBus: bus,
      description: `${family.description}, for route ${this.node.id} (cdk-backup-alarms)`.slice(0, 512),
      eventPattern: pattern as events.EventPattern,
    });
    const topic = this.topic;
    const alarm = family.alarm(consoleHost);
    const message = emailTemplate(alarm);
    // Not targets.SnsTopic: it would grant events.amazonaws.com Publish without any condition.
    rule.addTarget({ bind: () => ({ arn: topic.topicArn, input: plainTextInput(message), targetResource: topic, ...delivery }) });
    const chat = this.chatTopic;
    if (chat) rule.addTarget({ bind: () => ({ arn: chat.topicArn, input: chatInput(chatTemplate(alarm)), targetResource: chat, ...delivery }) });
    return rule;
  }

  private failedInvocations(bus: events.IEventBus): cloudwatch.IMetric {
    const usingMetrics: { [id: string]: cloudwatch.IMetric } = {};
    this.rules.forEach((rule, i) => {
      usingMetrics[`m${i}`] = new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'FailedInvocations',
        dimensionsMap: { EventBusName: bus.eventBusName, RuleName: rule.ruleName },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    });
    return new cloudwatch.MathExpression({
      expression: this.rules.map((_r, i) => `FILL(m${i}, 0)`).join(' + '),
      usingMetrics,
      label: 'Failed deliveries of the route',
      period: Duration.minutes(5),
    });
  }
}

/**
 * The families the route's kinds cover, each with the route's pattern; the families its minimum severity
 * empties are left out (with a warning when the kind was asked for by name), and a route left with nothing
 * is refused.
 */
function selectFamilies(scope: Construct, owner: string, props: AlarmRouteProps): Array<[AlarmFamily, RawPattern]> {
  const kinds = props.kinds ?? ALL_ALARM_KINDS;
  const selected: Array<[AlarmFamily, RawPattern]> = [];
  const emptied = new Set<AlarmKind>();
  for (const family of ALARM_FAMILIES.filter((f) => kinds.includes(f.kind))) {
    const pattern = routePattern(family, { accounts: props.accounts, minimumSeverity: props.minimumSeverity });
    if (pattern === undefined) {
      emptied.add(family.kind);
      continue;
    }
    const length = JSON.stringify(pattern).length;
    if (length > MAX_PATTERN_LENGTH) {
      throw new Error(`${owner}: the ${family.id} rule's pattern would be ${length} characters, over EventBridge's quota of `
        + `${MAX_PATTERN_LENGTH} (${props.accounts?.length ?? 0} accounts); list fewer accounts (about 80 fit), or split the route`);
    }
    selected.push([family, pattern]);
  }
  const kept = new Set(selected.map(([f]) => f.kind));
  const lost = [...emptied].filter((k) => !kept.has(k));
  if (selected.length === 0) {
    throw new Error(`${owner}: minimumSeverity ${props.minimumSeverity} leaves no alarm of kinds [${kinds.join(', ')}]: `
      + 'lower minimumSeverity, or choose other kinds');
  }
  if (props.kinds !== undefined && lost.length > 0) {
    Annotations.of(scope).addWarningV2('cdk-backup-alarms:route-kind-below-severity',
      `${owner}: kinds [${lost.join(', ')}] never reach minimumSeverity ${props.minimumSeverity}, so the route receives none of them; `
      + 'remove them from kinds, or lower minimumSeverity');
  }
  return selected;
}

function validate(owner: string, props: AlarmRouteProps) {
  checkEach(owner, 'accounts', props.accounts, ACCOUNT_ID, 'a 12-digit AWS account id');
  checkEach(owner, 'emailAddresses', props.emailAddresses, EMAIL, 'an email address like team@example.com');
  if (props.kinds !== undefined) {
    if (props.kinds.length === 0) throw new Error(`${owner}: kinds is empty; list at least one of ${ALL_ALARM_KINDS.join(', ')}, or leave it unset for all`);
    for (const k of props.kinds) {
      if (!ALL_ALARM_KINDS.includes(k)) throw new Error(`${owner}: kinds contains '${k}', expected one of ${ALL_ALARM_KINDS.join(', ')}`);
    }
  }
  const severities = Object.values(FindingSeverity) as string[];
  if (props.minimumSeverity !== undefined && !severities.includes(props.minimumSeverity)) {
    throw new Error(`${owner}: minimumSeverity must be one of ${severities.join(', ')}, got '${props.minimumSeverity}'`);
  }
  if (props.emailAddresses === undefined && props.topic === undefined) {
    throw new Error(`${owner}: the route's alarms would reach nobody: emailAddresses and topic are both unset; set emailAddresses, or topic`);
  }
  checkRetryPolicy(owner, props.retryAttempts, props.maxEventAge);
}
