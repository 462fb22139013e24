import { Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct, IConstruct } from 'constructs';
import { partitionOfRegion } from './partition';

/**
 * Who a central bus's policy admits: the fields of `CentralAlarmBusProps` that shape it. Declared here, not
 * imported, so that `src/private` never imports a construct file (`CentralAlarmBusProps` matches it).
 */
export interface BusAdmission {
  readonly eventBusName?: string;
  readonly organizationId?: string;
  readonly allowedAccounts?: string[];
  readonly forwarderRoleNames?: string[];
}

/** A forwarding role that puts events on a central bus, as the sending construct knows it. */
export interface BusSender {
  /** How error messages name the sender: `<Kind> '<path>'`. */
  readonly owner: string;
  /** The central bus as given: the construct, if one was given. */
  readonly centralBus?: events.IEventBus;
  /** The central bus ARN as given, if one was given. */
  readonly centralBusArn?: string;
  /** The role names the sender's roles will have; undefined in the list for a name CloudFormation generates. */
  readonly roleNames: Array<string | undefined>;
  /** The sending account; undefined when the senders are other accounts not known at synthesis (a stack set). */
  readonly account?: string;
}

interface RegisteredBus {
  readonly scope: Construct;
  readonly bus: events.IEventBus;
  readonly admission: BusAdmission;
}

/**
 * The central buses of each app. Keyed on the app's root construct (weakly, so that apps are collected): the
 * buses of one app never meet the senders of another.
 */
const BUSES = new WeakMap<IConstruct, RegisteredBus[]>();

/** Registers a central bus, so that senders of the same app are checked against its policy at synthesis. */
export function registerCentralBus(scope: Construct, bus: events.IEventBus, admission: BusAdmission): void {
  const root = scope.node.root;
  BUSES.set(root, [...(BUSES.get(root) ?? []), { scope, bus, admission }]);
}

/**
 * Refuses, at synthesis, a sender whose central bus is a registered bus of the same app that would not admit
 * it: EventBridge would refuse every event it forwards (AccessDenied on PutEvents, then the dead-letter
 * queue), and nothing else would say so. Checked lazily (validation), since the bus may be constructed after
 * the sender. A sender in the bus's own account needs no bus policy and is never refused; a bus or ARN only
 * known at deployment is not judged.
 */
export function checkAdmission(scope: Construct, sender: BusSender): void {
  scope.node.addValidation({ validate: () => admissionErrors(scope, sender) });
}

function admissionErrors(scope: Construct, sender: BusSender): string[] {
  const target = (BUSES.get(scope.node.root) ?? []).find((b) => targets(b, sender));
  if (target === undefined) return [];
  const busStack = Stack.of(target.bus);
  if (sender.account !== undefined && (Token.isUnresolved(sender.account) || sender.account === busStack.account)) return [];
  const a = target.admission;
  const busOwner = `CentralAlarmBus '${target.scope.node.path}'`;
  const fix = ', so EventBridge would refuse every event it forwards (AccessDenied, then the dead-letter queue). ';
  if (a.organizationId === undefined && a.allowedAccounts === undefined) {
    return [`${sender.owner} forwards from ${sender.account === undefined ? 'other accounts' : `account ${sender.account}`} to ${busOwner}, `
      + `whose bus admits only its own account (${busStack.account})${fix}Set organizationId or allowedAccounts on the bus.`];
  }
  if (sender.account !== undefined && a.allowedAccounts !== undefined && !a.allowedAccounts.some((x) => Token.isUnresolved(x))
    && !a.allowedAccounts.includes(sender.account)) {
    return [`${sender.owner} forwards from account ${sender.account} to ${busOwner}, whose allowedAccounts [${a.allowedAccounts.join(', ')}] `
      + `do not include it${fix}Add ${sender.account} to allowedAccounts.`];
  }
  const admitted = a.forwarderRoleNames;
  if (admitted === undefined || admitted.some((n) => Token.isUnresolved(n))) return [];
  const errors: string[] = [];
  for (const name of new Set(sender.roleNames)) {
    if (name === undefined) {
      errors.push(`${sender.owner} has no forwarderRoleName, so CloudFormation generates its role's name, which the policy of ${busOwner} `
        + `(forwarderRoleNames [${admitted.join(', ')}]) cannot admit${fix}Set forwarderRoleName to a name the bus admits.`);
    } else if (!Token.isUnresolved(name) && !admitted.includes(name)) {
      errors.push(`${sender.owner} forwards with the role name '${name}', which the policy of ${busOwner} does not admit `
        + `(forwarderRoleNames [${admitted.join(', ')}])${fix}Add '${name}' to the bus's forwarderRoleNames, or use one of those names.`);
    }
  }
  return errors;
}

/** Whether `sender` forwards to the registered bus: the same construct, or its ARN written out. */
function targets(registered: RegisteredBus, sender: BusSender): boolean {
  if (sender.centralBus !== undefined) return sender.centralBus === registered.bus;
  const arn = sender.centralBusArn;
  const name = registered.admission.eventBusName;
  if (arn === undefined || Token.isUnresolved(arn) || name === undefined || Token.isUnresolved(name)) return false;
  const { region, account } = Stack.of(registered.bus);
  if (Token.isUnresolved(region) || Token.isUnresolved(account)) return false;
  return arn === `arn:${partitionOfRegion(region)}:events:${region}:${account}:event-bus/${name}`;
}
