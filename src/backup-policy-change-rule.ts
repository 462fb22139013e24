import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { CentralBusForwardingOptions, CentralBusForwardingRule } from './forwarding';
import { memberPolicyPattern } from './private/patterns';
import { ownerOf } from './private/validate';
import { HEARTBEAT_RULES } from './shared/heartbeat';
import { BackupPolicyEvent, PolicyIdOnlyEvents } from './shared/policy-events';

/**
 * Properties of a `BackupPolicyChangeRule`.
 */
export interface BackupPolicyChangeRuleProps extends CentralBusForwardingOptions {
  /**
   * The events to forward.
   * @default - every value of `BackupPolicyEvent`
   */
  readonly policyEvents?: BackupPolicyEvent[];

  /**
   * What to do with DeletePolicy, AttachPolicy and DetachPolicy (and failed UpdatePolicy calls), which
   * carry only a policy id.
   * @default PolicyIdOnlyEvents.FORWARD_UNFILTERED
   */
  readonly policyIdOnlyEvents?: PolicyIdOnlyEvents;

  /**
   * The bus that receives the account's CloudTrail events.
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;

  /**
   * A description for the rule.
   * @default - a description naming the events
   */
  readonly description?: string;
}

/**
 * Catches changes to AWS Organizations backup policies, in the management account (or a delegated
 * administrator for backup policies), and forwards them to the central event bus.
 *
 * AWS Organizations sends its CloudTrail events only to us-east-1, and only where a CloudTrail trail is
 * logging management events: deploy this in a us-east-1 stack of the account that makes the calls.
 *
 * @example
 * new BackupPolicyChangeRule(this, 'BackupPolicyChanges', {
 *   centralBusArn: 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms',
 *   // A name the central bus admits (CentralAlarmBus prop forwarderRoleNames).
 *   forwarderRoleName: 'backup-alarms-forwarder-policies',
 * });
 */
export class BackupPolicyChangeRule extends CentralBusForwardingRule {
  /** The events the rule forwards. */
  public readonly policyEvents: BackupPolicyEvent[];

  constructor(scope: Construct, id: string, props: BackupPolicyChangeRuleProps) {
    // The props are checked before the base creates anything.
    const owner = ownerOf('BackupPolicyChangeRule', scope, id);
    const region = Stack.of(scope).region;
    if (!Token.isUnresolved(region) && region !== 'us-east-1') {
      throw new Error(`${owner}: the stack is in ${region}, but AWS Organizations sends its CloudTrail events only to us-east-1; deploy this construct in a us-east-1 stack`);
    }
    const all = Object.values(BackupPolicyEvent);
    const chosen = props.policyEvents ?? all;
    if (chosen.length === 0) {
      throw new Error(`${owner}: policyEvents is empty; list at least one of ${all.join(', ')}, or leave it unset for all`);
    }
    for (const e of chosen) {
      if (!all.includes(e)) {
        throw new Error(`${owner}: policyEvents contains '${e}', expected one of ${all.join(', ')}`);
      }
    }
    const idOnly = props.policyIdOnlyEvents ?? PolicyIdOnlyEvents.FORWARD_UNFILTERED;
    if (!Object.values(PolicyIdOnlyEvents).includes(idOnly)) {
      throw new Error(`${owner}: policyIdOnlyEvents is '${idOnly}', expected one of ${Object.values(PolicyIdOnlyEvents).join(', ')}`);
    }
    const policyEvents = [...new Set(chosen)];
    const pattern = memberPolicyPattern(policyEvents, idOnly === PolicyIdOnlyEvents.FORWARD_UNFILTERED);
    if (pattern === undefined) {
      throw new Error(`${owner}: policyEvents [${policyEvents.join(', ')}] carry only a policy id and policyIdOnlyEvents is IGNORE, so nothing would ever match`);
    }

    super(scope, id, {
      ...props,
      heartbeatRuleId: props.heartbeatRuleId ?? HEARTBEAT_RULES.BACKUP_POLICY_CHANGE_RULE,
      eventPattern: pattern as events.EventPattern,
      description: props.description ?? 'Changes to AWS Organizations backup policies (cdk-backup-alarms)',
    });
    this.policyEvents = policyEvents;
    if (Token.isUnresolved(region)) {
      Annotations.of(this).addWarningV2('cdk-backup-alarms:policy-rule-region',
        'The stack\'s Region is not known at synthesis: deploy it to us-east-1, the only Region where AWS Organizations sends its events.');
    }
  }
}
