import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { checkInterval, DEFAULT_HEARTBEAT_INTERVAL } from './private/heartbeat';
import { ManagedPolicyRole } from './private/managed-policy-role';
import { checkFormat, ownerOf } from './private/validate';
import {
  HEARTBEAT_DETAIL_TYPE, HEARTBEAT_RULES, HEARTBEAT_SCHEMA_VERSION, HEARTBEAT_SOURCE, HeartbeatDetail, RULE_ID, RULE_ID_EXPECTED,
} from './shared/heartbeat';

/**
 * The heartbeat of a forwarding rule, as the rules take it (`BackupFailureRule`, `BackupTamperRule`,
 * `BackupPolicyChangeRule` and the StackSet's member template, once wired).
 */
export interface HeartbeatOptions {
  /**
   * Send a heartbeat through this rule (a `BackupHeartbeat`, and the heartbeat in the rule's pattern), so that
   * the central `HeartbeatMonitor` reports the rule, its role or its path going silent.
   * @default true
   */
  readonly heartbeat?: boolean;

  /**
   * How often the heartbeat is sent (5 minutes to 1 day, whole minutes).
   * @default Duration.hours(8)
   */
  readonly heartbeatInterval?: Duration;

  /**
   * The rule id the heartbeat carries; give one when two rules of the same kind forward from one account and
   * Region (each needs its own, or one would vouch for the other).
   * @default - the kind of the rule: 'backup-failure-rule', 'backup-tamper-rule' or 'backup-policy-change-rule'
   */
  readonly heartbeatRuleId?: string;
}

/**
 * Properties of a `BackupHeartbeat`.
 */
export interface BackupHeartbeatProps {
  /**
   * Which forwarding rule of this account and Region the heartbeat vouches for: the rule's event pattern must
   * match heartbeats with this id (the library's rules do it for their own id). 1 to 64 lower-case letters,
   * digits, dots and hyphens.
   * @default 'backup-failure-rule'
   */
  readonly ruleId?: string;

  /**
   * How often the heartbeat is sent (5 minutes to 1 day, whole minutes). The central checker reports this
   * source once it has missed `missedIntervals` of them.
   * @default Duration.hours(8)
   */
  readonly interval?: Duration;
}

/**
 * A heartbeat of one forwarding rule: an EventBridge Scheduler schedule that puts a small event
 * (`source` `cdk-backup-alarms.heartbeat`) on this account's default event bus at a fixed interval, where the
 * forwarding rule matches it and sends it, with its role and through the central bus policy, to the central
 * bus, like any alarm. The central `HeartbeatMonitor` notices when heartbeats stop: a rule disabled or deleted,
 * a role the bus policy no longer admits, an SCP that denies `events:PutEvents`, a stack instance removed.
 *
 * Heartbeats never reach people by themselves: their source is not `aws.*`, so no email rule matches them, and
 * the Security Hub forwarder takes only `aws.backup` events.
 *
 * Cost: Scheduler's first 14 million invocations a month per account are free (an 8-hour heartbeat is 90 a
 * month); each heartbeat is one custom event on the default bus and one cross-account event (about 1 USD per
 * million each).
 *
 * @example
 * new BackupHeartbeat(this, 'Heartbeat', { ruleId: 'backup-failure-rule', interval: Duration.hours(8) });
 */
export class BackupHeartbeat extends Construct {
  /** The schedule. */
  public readonly schedule: scheduler.CfnSchedule;
  /** The role EventBridge Scheduler uses to put the heartbeat on the default bus. */
  public readonly role: iam.IRole;
  /** The rule id the heartbeat carries. */
  public readonly ruleId: string;
  /** How often the heartbeat is sent. */
  public readonly interval: Duration;

  constructor(scope: Construct, id: string, props: BackupHeartbeatProps = {}) {
    super(scope, id);
    const owner = ownerOf('BackupHeartbeat', scope, id);
    this.ruleId = props.ruleId ?? HEARTBEAT_RULES.BACKUP_FAILURE_RULE;
    checkFormat(owner, 'ruleId', this.ruleId, RULE_ID, RULE_ID_EXPECTED);
    this.interval = props.interval ?? DEFAULT_HEARTBEAT_INTERVAL;
    const seconds = checkInterval(owner, 'interval', this.interval);

    const stack = Stack.of(this);
    const defaultBusArn = `arn:${stack.partition}:events:${stack.region}:${stack.account}:event-bus/default`;
    // EventBridge Scheduler user guide, "Set up the execution role" (trust scheduler.amazonaws.com) and
    // "Confused deputy prevention in EventBridge Scheduler" (aws:SourceAccount in the trust policy).
    const role = new ManagedPolicyRole(this, 'Role', {
      description: `Puts the ${this.ruleId} heartbeat on the default event bus (cdk-backup-alarms)`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [defaultBusArn] }));
    this.role = role;

    const detail: HeartbeatDetail = { schemaVersion: HEARTBEAT_SCHEMA_VERSION, rule: this.ruleId, intervalSeconds: seconds };
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      description: `Heartbeat of the ${this.ruleId} forwarding rule (cdk-backup-alarms)`,
      scheduleExpression: `rate(${seconds / 60} minutes)`,
      // Off: a heartbeat is judged against its interval, a flexible window would only blur it.
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: defaultBusArn,
        roleArn: role.roleArn,
        input: JSON.stringify(detail),
        eventBridgeParameters: { source: HEARTBEAT_SOURCE, detailType: HEARTBEAT_DETAIL_TYPE },
        // A heartbeat that cannot be put within one interval is worth nothing: the next one replaces it.
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: Math.min(seconds, 86_400) },
      },
    });
    // The schedule is created only once its role may put events (Scheduler checks the role when it runs).
    this.schedule.node.addDependency(role.policy!);
  }
}
