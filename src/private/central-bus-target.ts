import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CentralBusForwardingOptions } from '../forwarding';
import { checkAdmission } from './bus-admission';
import { createDeadLetterQueue, deadLetterAlarm, explainNoAlarmAction } from './dead-letter';
import { allowRulesToSend, deliveryConfig } from './delivery';
import { ManagedPolicyRole } from './managed-policy-role';
import { NO_CROSS_REGION_PARTITIONS, partitionOfRegion } from './partition';
import { claimRoleName } from './role-names';
import { checkRetryPolicy, checkRoleName } from './validate';
import { EVENT_BUS_ARN } from '../shared/names';

export interface CentralBusTargetProps extends CentralBusForwardingOptions {
  /** The rule to add the target to. */
  readonly rule: events.Rule;
  /** The bus the rule sits on (for the self-target check). */
  readonly sourceBus?: events.IEventBus;
  /** Name of the construct, for error messages. */
  readonly owner: string;
}

/**
 * The central bus as the target of a member-side rule: the EventBridge role limited to PutEvents on the
 * central bus (its trust bound to this account), the retry policy, the encrypted dead-letter queue and its
 * alarm. `CentralBusForwardingRule` creates it under the construct id `Forwarder` (kept for the logical ids
 * of deployed stacks).
 */
export class CentralBusTarget extends Construct {
  public readonly role: iam.Role;
  public readonly deadLetterQueue: sqs.IQueue;
  public readonly deadLetterAlarm?: cloudwatch.Alarm;
  public readonly centralBus: events.IEventBus;

  constructor(scope: Construct, id: string, props: CentralBusTargetProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const centralBus = resolveCentralBus(this, props);
    this.centralBus = centralBus;
    checkCrossEnvironmentConstruct(stack, props);
    checkNotSelf(stack, props, centralBus);
    checkRouting(stack, props, centralBus);

    checkRetryPolicy(props.owner, props.retryAttempts, props.maxEventAge);
    const retryAttempts = props.retryAttempts ?? 185;
    const maxEventAge = props.maxEventAge ?? Duration.hours(24);
    checkRoleName(props.owner, 'forwarderRoleName', props.forwarderRoleName);
    claimRoleName(this, props.owner, 'forwarderRoleName', props.forwarderRoleName);
    this.role = new ManagedPolicyRole(this, 'Role', {
      roleName: props.forwarderRoleName,
      description: `Lets EventBridge forward ${props.owner} events to the central bus, and nothing else`,
      // Confused deputy: only EventBridge acting for this account may assume the role.
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [centralBus.eventBusArn],
    }));

    this.deadLetterQueue = props.deadLetterQueue ?? createDeadLetterQueue(this, 'DeadLetterQueue', props.removalPolicy);
    if (props.createDeadLetterAlarm !== false) {
      const alarm = deadLetterAlarm(this, 'DeadLetterAlarm', this.deadLetterQueue,
        `${props.owner}: events could not be forwarded to the central bus and wait in the dead-letter queue`);
      if (props.alarmTopic) {
        alarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
      } else {
        explainNoAlarmAction(alarm);
      }
      this.deadLetterAlarm = alarm;
    }

    checkAdmission(this, {
      owner: props.owner,
      centralBus: props.centralBus,
      centralBusArn: props.centralBusArn,
      roleNames: [props.forwarderRoleName],
      account: stack.account,
    });

    const role = this.role;
    const dlq = this.deadLetterQueue;
    const busArn = centralBus.eventBusArn;
    allowRulesToSend(this, dlq, props.rule.ruleArn);
    props.rule.addTarget({
      bind: (): events.RuleTargetConfig => ({
        ...deliveryConfig({ deadLetterQueue: dlq, retryAttempts, maxEventAge }),
        arn: busArn,
        role,
      }),
    });
  }
}

function resolveCentralBus(scope: Construct, props: CentralBusTargetProps): events.IEventBus {
  if (props.centralBus && props.centralBusArn !== undefined) {
    throw new Error(`${props.owner}: give either centralBus or centralBusArn, not both (centralBusArn: ${props.centralBusArn})`);
  }
  if (props.centralBus) return props.centralBus;
  if (props.centralBusArn === undefined) {
    throw new Error(`${props.owner}: centralBus or centralBusArn is required: the central event bus to forward to`);
  }
  const arn = props.centralBusArn;
  if (!Token.isUnresolved(arn) && !EVENT_BUS_ARN.test(arn)) {
    throw new Error(`${props.owner}: centralBusArn must be an event bus ARN like arn:aws:events:eu-west-1:111111111111:event-bus/central, got '${arn}'`);
  }
  return events.EventBus.fromEventBusArn(scope, 'CentralBus', arn);
}

function checkNotSelf(stack: Stack, props: CentralBusTargetProps, central: events.IEventBus) {
  const sourceArn = props.sourceBus?.eventBusArn
    ?? `arn:${stack.partition}:events:${stack.region}:${stack.account}:event-bus/default`;
  const same = props.sourceBus === central
    || (!Token.isUnresolved(sourceArn) && !Token.isUnresolved(central.eventBusArn) && sourceArn === central.eventBusArn)
    || (props.sourceBus !== undefined && !Token.isUnresolved(props.sourceBus.eventBusArn)
      && props.sourceBus.eventBusArn === central.eventBusArn);
  const defaultBusByArn = props.sourceBus === undefined && isDefaultBusOf(stack, central.eventBusArn);
  if (same || defaultBusByArn) {
    throw new Error(`${props.owner}: the central bus (${describe(central.eventBusArn)}) is the bus the rule sits on; `
      + 'EventBridge rejects a rule whose target is its own bus. In the central account, forward the default bus '
      + 'to the central custom bus instead.');
  }
}

function isDefaultBusOf(stack: Stack, busArn: string): boolean {
  if (Token.isUnresolved(busArn) || Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) return false;
  const m = EVENT_BUS_ARN.exec(busArn);
  return m !== null && m[2] === stack.region && m[3] === stack.account && m[4] === 'default';
}

/**
 * A bus construct of a stack in another account or Region can only be referred to by its name: aws-cdk-lib
 * would otherwise fail late with "Cannot use resource ... in a cross-environment fashion", naming neither the
 * prop nor the fix.
 */
function checkCrossEnvironmentConstruct(stack: Stack, props: CentralBusTargetProps) {
  const bus = props.centralBus;
  if (bus === undefined) return;
  const busStack = Stack.of(bus);
  if (busStack === stack || (bus.env.account === stack.account && bus.env.region === stack.region)) return;
  const cfn = bus.node.defaultChild;
  if (!(cfn instanceof events.CfnEventBus) || !Token.isUnresolved(cfn.name)) return;
  throw new Error(`${props.owner}: centralBus is the event bus '${bus.node.path}' of a stack in ${bus.env.account}/${bus.env.region}, `
    + `but this stack is in ${stack.account}/${stack.region}, and a bus of another account or Region can only be referred to by name: `
    + 'give the bus a name (CentralAlarmBus prop eventBusName, or EventBus prop eventBusName), or pass its ARN as centralBusArn');
}

/** Where the central bus is, when synthesis can tell: its partition and Region. */
function locate(props: CentralBusTargetProps, bus: events.IEventBus): { partition: string; region: string; shown: string } | undefined {
  if (!Token.isUnresolved(bus.eventBusArn)) {
    const m = EVENT_BUS_ARN.exec(bus.eventBusArn);
    if (m !== null) return { partition: m[1], region: m[2], shown: `centralBusArn '${bus.eventBusArn}'` };
  }
  if (props.centralBus !== undefined && !Token.isUnresolved(bus.env.region)) {
    return { partition: partitionOfRegion(bus.env.region), region: bus.env.region, shown: `centralBus '${bus.node.path}'` };
  }
  return undefined;
}

function checkRouting(stack: Stack, props: CentralBusTargetProps, bus: events.IEventBus) {
  const target = locate(props, bus);
  if (target === undefined || Token.isUnresolved(stack.region)) return;
  const partition = partitionOfRegion(stack.region);
  const prop = props.centralBus !== undefined ? 'centralBus' : 'centralBusArn';
  if (target.partition !== partition) {
    throw new Error(`${props.owner}: ${target.shown} is in partition ${target.partition} but this stack (${stack.region}) is in ${partition}; `
      + `EventBridge cannot send events across partitions. Deploy a central bus in the ${partition} partition and give it as ${prop}.`);
  }
  if (target.region !== stack.region && NO_CROSS_REGION_PARTITIONS.includes(partition)) {
    throw new Error(`${props.owner}: ${target.shown} is in ${target.region} but this stack is in ${stack.region}; `
      + `EventBridge in the ${partition} partition cannot send events to a bus in another Region. Deploy a central bus in ${stack.region} and give it as ${prop}.`);
  }
}

function describe(arn: string): string {
  return Token.isUnresolved(arn) ? 'same construct' : arn;
}
