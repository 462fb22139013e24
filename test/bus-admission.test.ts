/**
 * A forwarding rule and the CentralAlarmBus it targets, in one app: a role the bus policy does not admit is refused
 * at synthesis, naming both constructs. EventBridge checks a PutEvents call to a bus of another account against the
 * bus's resource-based policy (EventBridge user guide, "Sending and receiving events between AWS accounts",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html); the library's policy admits
 * `aws:PrincipalArn` role names (IAM user guide, "AWS global condition context keys", aws:PrincipalArn,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn)
 * and `aws:PrincipalAccount` accounts. A role it does not admit gets AccessDenied on every event, which ends in the
 * member's dead-letter queue: nothing at deployment says so.
 */
import { App, Aws, Stack } from 'aws-cdk-lib';
import {
  BackupFailureRule, BackupFailureRuleStackSet, BackupPolicyChangeRule, BackupTamperRule, CentralAlarmBus, CentralAlarmBusProps,
} from '../src';

const CENTRAL = { account: '111111111111', region: 'eu-west-1' };
const ARN = 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms';
const ADMITTED = ['backup-alarms-forwarder-eu-west-1', 'backup-alarms-forwarder-policies'];

function centralBus(app: App, props: Partial<CentralAlarmBusProps> = {}): CentralAlarmBus {
  const stack = new Stack(app, 'Central', { env: CENTRAL });
  return new CentralAlarmBus(stack, 'BackupAlarms', {
    organizationId: 'o-a1b2c3d4e5',
    eventBusName: 'backup-alarms',
    forwarderRoleNames: ADMITTED,
    emailAddresses: ['backup-team@example.com'],
    forwardLocalBackupEvents: false,
    ...props,
  });
}

type Sender = (app: App, bus: (props?: Partial<CentralAlarmBusProps>) => CentralAlarmBus) => void;

const failureRule = (forwarderRoleName: string | undefined, env = { account: '222222222222', region: 'eu-west-1' }, centralBusArn: string = ARN): Sender =>
  (app) => new BackupFailureRule(new Stack(app, 'Member', { env }), 'BackupFailures', { centralBusArn, forwarderRoleName });

test.each<[string, Sender, Partial<CentralAlarmBusProps>, RegExp | undefined]>([
  ['an admitted role name', failureRule('backup-alarms-forwarder-eu-west-1'), {}, undefined],
  ['a role name the bus does not admit', failureRule('backup-alarms-forwarder'), {},
    /BackupFailureRule 'Member\/BackupFailures' forwards with the role name 'backup-alarms-forwarder', which the policy of CentralAlarmBus 'Central\/BackupAlarms' does not admit \(forwarderRoleNames \[backup-alarms-forwarder-eu-west-1, backup-alarms-forwarder-policies\]\).*Add 'backup-alarms-forwarder' to the bus's forwarderRoleNames/],
  ['a generated role name, when the bus admits role names', failureRule(undefined), {},
    /BackupFailureRule 'Member\/BackupFailures' has no forwarderRoleName, so CloudFormation generates its role's name, which the policy of CentralAlarmBus 'Central\/BackupAlarms'.*cannot admit/],
  ['a generated role name, when the bus admits any role of the organization', failureRule(undefined), { forwarderRoleNames: undefined }, undefined],
  ['an account outside allowedAccounts', failureRule('backup-alarms-forwarder-eu-west-1'), { allowedAccounts: ['333333333333'] },
    /forwards from account 222222222222 to CentralAlarmBus 'Central\/BackupAlarms', whose allowedAccounts \[333333333333\] do not include it/],
  ['a bus that admits only its own account', failureRule('x'), { organizationId: undefined, forwarderRoleNames: undefined },
    /forwards from account 222222222222 to CentralAlarmBus 'Central\/BackupAlarms', whose bus admits only its own account \(111111111111\).*Set organizationId or allowedAccounts/],
  ['the bus\'s own account (no bus policy needed), generated name', failureRule(undefined, { account: '111111111111', region: 'eu-central-1' }), {}, undefined],
  ['a token ARN (not judged)', failureRule('not-admitted', undefined, `arn:${Aws.PARTITION}:events:eu-west-1:111111111111:event-bus/backup-alarms`), {}, undefined],
  ['another bus of the same account', failureRule('not-admitted', undefined, 'arn:aws:events:eu-west-1:111111111111:event-bus/other'), {}, undefined],
  ['the bus construct, a role name it does not admit', (app, bus) => {
    new BackupFailureRule(new Stack(app, 'Member', { env: { account: '222222222222', region: 'eu-west-1' } }), 'BackupFailures',
      { centralBus: bus().eventBus, forwarderRoleName: 'nope' });
  }, {}, /'Member\/BackupFailures' forwards with the role name 'nope', which the policy of CentralAlarmBus 'Central\/BackupAlarms' does not admit/],
  ['the policy-change rule, admitted', (app) => {
    new BackupPolicyChangeRule(new Stack(app, 'Mgmt', { env: { account: '999999999999', region: 'us-east-1' } }), 'PolicyChanges',
      { centralBusArn: ARN, forwarderRoleName: 'backup-alarms-forwarder-policies' });
  }, {}, undefined],
  ['the tamper rule, not admitted', (app) => {
    new BackupTamperRule(new Stack(app, 'Member', { env: { account: '222222222222', region: 'eu-west-1' } }), 'BackupTampering',
      { centralBusArn: ARN, forwarderRoleName: 'backup-alarms-forwarder-tamper-eu-west-1' });
  }, {}, /BackupTamperRule 'Member\/BackupTampering' forwards with the role name 'backup-alarms-forwarder-tamper-eu-west-1'/],
  ['the stack set\'s member roles, not admitted', (app) => {
    new BackupFailureRuleStackSet(new Stack(app, 'Mgmt', { env: { account: '999999999999', region: 'us-east-1' } }), 'MemberRules',
      { centralBusArn: ARN, organizationalUnitIds: ['ou-ab12-cdef3456'], regions: ['eu-west-1', 'eu-central-1'] });
  }, {}, /BackupFailureRuleStackSet 'Mgmt\/MemberRules' forwards with the role name 'cdk-backup-alarms-forwarder-eu-west-1'.*\n.*'cdk-backup-alarms-forwarder-eu-central-1'/],
  ['the stack set\'s member roles, fed to the bus', (app, bus) => {
    const set = new BackupFailureRuleStackSet(new Stack(app, 'Mgmt', { env: { account: '999999999999', region: 'us-east-1' } }), 'MemberRules',
      { centralBusArn: ARN, organizationalUnitIds: ['ou-ab12-cdef3456'], regions: ['eu-west-1', 'eu-central-1'], tamperRule: {} });
    bus({ forwarderRoleNames: set.forwarderRoleNames });
  }, {}, undefined],
])('%s', (_name, sender, busProps, message) => {
  const app = new App();
  // The sender is constructed first: the check is lazy, the order of construction is free.
  let bus: CentralAlarmBus | undefined;
  const lazyBus = (props: Partial<CentralAlarmBusProps> = {}) => bus ?? (bus = centralBus(app, { ...busProps, ...props }));
  sender(app, lazyBus);
  lazyBus();
  if (message === undefined) expect(() => app.synth()).not.toThrow();
  else expect(() => app.synth()).toThrow(message);
});

test('a rule of another app is never checked against this app\'s bus', () => {
  const central = new App();
  centralBus(central);
  const member = new App();
  failureRule('not-admitted')(member, () => { throw new Error('unused'); });
  expect(() => member.synth()).not.toThrow();
  expect(() => central.synth()).not.toThrow();
});

test('a China bus is matched by its aws-cn ARN', () => {
  const app = new App();
  new CentralAlarmBus(new Stack(app, 'Central', { env: { account: '111111111111', region: 'cn-north-1' } }), 'BackupAlarms', {
    organizationId: 'o-a1b2c3d4e5', eventBusName: 'backup-alarms', forwarderRoleNames: ['a'], emailAddresses: ['backup-team@example.com'],
  });
  failureRule('b', { account: '222222222222', region: 'cn-north-1' }, 'arn:aws-cn:events:cn-north-1:111111111111:event-bus/backup-alarms')(app, () => undefined as any);
  expect(() => app.synth()).toThrow(/forwards with the role name 'b'/);
});
