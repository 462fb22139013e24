/**
 * Which heartbeat goes silent for each cause of issue 20 that can be read on the templates, on the StackSet's
 * member template (failure and tamper rules): every forwarding rule is the only rule that forwards its own
 * heartbeat (judged by event-ruler), through its own role, to the central bus; the schedule itself can reach
 * only the default bus. So a rule disabled or deleted, a role name the central bus policy does not admit, an SCP
 * that denies that role events:PutEvents, or a stack instance removed silences exactly that rule's heartbeat.
 * And no member alarm tells nobody: the dead-letter alarm is off where the heartbeat runs (the queue stays).
 *
 * Governing pages: "Amazon EventBridge event patterns", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html;
 * "Sending and receiving events between AWS accounts in Amazon EventBridge" (the target role and the bus policy),
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html
 */
import { App, Stack } from 'aws-cdk-lib';
import { BackupFailureRuleStackSet } from '../src';
import { matchMatrix } from './ruler/ruler';
import { HEARTBEAT_RULES } from '../src/shared/heartbeat';
import { heartbeatEvent } from './runtime/heartbeat/moto-server';

const CENTRAL = 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms';
const app = new App();
const stack = new Stack(app, 'Mgmt', { env: { account: '999999999999', region: 'us-east-1' } });
const set = new BackupFailureRuleStackSet(stack, 'Members', {
  centralBusArn: CENTRAL, organizationalUnitIds: ['ou-ab12-cdef3456'], regions: ['eu-west-1'], tamperRule: {},
});
const member = JSON.parse(set.templateBody);
const resources = Object.entries(member.Resources as Record<string, any>);
const rules = resources.filter(([, r]) => r.Type === 'AWS::Events::Rule');
const schedules = resources.filter(([, r]) => r.Type === 'AWS::Scheduler::Schedule');
const heartbeatOf = (rule: string) => heartbeatEvent({ account: '222222222222', region: 'eu-west-1', rule, time: Date.parse('2026-12-01T00:00:00Z'), intervalSeconds: 10_800 });
const RULE_IDS = [HEARTBEAT_RULES.BACKUP_FAILURE_RULE, HEARTBEAT_RULES.BACKUP_TAMPER_RULE];
const m = matchMatrix(
  Object.fromEntries(rules.map(([id, r]) => [id, r.Properties.EventPattern])),
  Object.fromEntries(RULE_IDS.map((r) => [r, heartbeatOf(r)])),
);

test('one heartbeat schedule per forwarding rule in the member template (removing the stack instance removes both)', () => {
  expect(rules).toHaveLength(2);
  expect(schedules.map(([, s]) => JSON.parse(s.Properties.Target.Input).rule).sort()).toEqual([...RULE_IDS].sort());
});

test.each(RULE_IDS)('heartbeat %s: exactly one rule forwards it, so disabling or deleting that rule silences it', (ruleId) => {
  const forwarding = rules.filter(([id]) => m[id][ruleId]).map(([id]) => id);
  expect(forwarding).toHaveLength(1);
});

test.each(RULE_IDS)('heartbeat %s: forwarded only with that rule\'s role, whose name the central bus policy must admit', (ruleId) => {
  const [, rule] = rules.find(([rid]) => m[rid][ruleId])!;
  expect(rule.Properties.Targets).toHaveLength(1);
  const target = rule.Properties.Targets[0];
  expect(target.Arn).toBe(CENTRAL);
  const roleId = target.RoleArn['Fn::GetAtt'][0];
  const roleName = JSON.stringify(member.Resources[roleId].Properties.RoleName);
  // The role name the bus policy admits (a name it does not admit, or an SCP denying this role PutEvents, silences this heartbeat).
  expect(roleName).toMatch(ruleId === HEARTBEAT_RULES.BACKUP_FAILURE_RULE ? /cdk-backup-alarms-forwarder-/ : /cdk-backup-alarms-forwarder-tamper-/);
});

test('the schedules can put events on the default bus only: no path to the central bus that bypasses the rules', () => {
  const policies = resources.filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy');
  for (const [, s] of schedules) {
    const roleId = s.Properties.Target.RoleArn['Fn::GetAtt'][0];
    const statements = policies.filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('events:PutEvents');
    expect(JSON.stringify(statements[0].Resource)).toContain('event-bus/default');
    expect(JSON.stringify(s.Properties.Target.Arn)).toContain('event-bus/default');
  }
});

test('no member alarm that tells nobody: where the heartbeat runs the dead-letter alarm is off, the queue stays', () => {
  expect(resources.filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')).toEqual([]);
  expect(resources.filter(([, r]) => r.Type === 'AWS::SQS::Queue').length).toBeGreaterThan(0);
});
