/**
 * BackupTamperRule: its pattern proven with AWS's pattern engine (event-ruler) against tamper signals in the
 * shapes AWS documents (test/support/tamper-events.ts), its operation names against the AWS SDK, and the
 * whole path on the synthesized example deployment: raised in a member account, forwarded by the stack set's
 * rule, matched by the central bus and emailed with the tamper text.
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BackupFailureRuleStackSet, BackupTamperAction, BackupTamperRule, BackupTamperRuleProps, TamperSignals } from '../src';
import { buildExample, CentralStack } from './example/deployment';
import { loadExampleEvents, matchMatrix } from './ruler/ruler';
import { expectAwsSolutionsClean, expectForwardingContract } from './support/assertions';
import { renderInputTransformer } from './support/render-input';
import { apiCall, Caller, stateChanges } from './support/tamper-events';

const CENTRAL = 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms';
const ACTIONS = Object.values(BackupTamperAction);

function synth(props: Partial<BackupTamperRuleProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Member', { env: { account: '222222222222', region: 'eu-west-1' } });
  const rule = new BackupTamperRule(stack, 'Tampering', { centralBusArn: CENTRAL, ...props });
  return { app, stack, rule, template: Template.fromStack(stack) };
}
const patternOf = (props: Partial<BackupTamperRuleProps> = {}) =>
  (Object.values(synth(props).template.findResources('AWS::Events::Rule'))[0] as any).Properties.EventPattern;

test('every action is an operation of the AWS Backup API (checked against the AWS SDK\'s commands)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('@aws-sdk/client-backup') as Record<string, unknown>;
  for (const action of ACTIONS) expect([action, typeof sdk[`${action}Command`]]).toEqual([action, 'function']);
  expect(ACTIONS).toHaveLength(13);
});

describe('the pattern, with event-ruler', () => {
  const calls: Record<string, unknown> = {};
  const callers: Caller[] = ['role', 'user', 'root', 'allowed-role', 'backup-lifecycle', 'backup-on-behalf', 'aws-service', 'cloudformation'];
  for (const action of ACTIONS) for (const caller of callers) calls[`${action}/${caller}`] = apiCall(action, caller);
  calls['StartBackupJob/role'] = apiCall('StartBackupJob', 'role');
  const states = stateChanges();
  const jobs = loadExampleEvents(path.join(__dirname, 'fixtures', 'backup-events'));
  const events = { ...calls, ...states, 'job/backup-failed': jobs['backup-failed'], 'job/backup-completed': jobs['backup-completed'] };
  const m = matchMatrix({
    defaults: patternOf({ allowedRoleNames: ['backup-automation'] }),
    apiOnly: patternOf({ signals: TamperSignals.API_CALLS }),
    statesOnly: patternOf({ signals: TamperSignals.STATE_CHANGES }),
    deletesOnly: patternOf({ actions: [BackupTamperAction.DELETE_RECOVERY_POINT] }),
  }, events);
  const matched = (row: string) => Object.keys(m[row]).filter((e) => m[row][e]).sort();

  test('every tamper call by a person (role, IAM user, root, or through CloudFormation) matches, for every action', () => {
    for (const action of ACTIONS) {
      for (const caller of ['role', 'user', 'root', 'cloudformation']) expect([`${action}/${caller}`, m.defaults[`${action}/${caller}`]]).toEqual([`${action}/${caller}`, true]);
    }
  });

  test('allow-listed roles, AWS Backup\'s own lifecycle deletions and AWS services never match', () => {
    for (const action of ACTIONS) {
      for (const caller of ['allowed-role', 'backup-lifecycle', 'backup-on-behalf', 'aws-service']) {
        expect([`${action}/${caller}`, m.defaults[`${action}/${caller}`]]).toEqual([`${action}/${caller}`, false]);
      }
    }
  });

  test('state changes that mean lost protection match; creations, modifications and job events do not', () => {
    const stateMatches = matched('defaults').filter((e) => !e.includes('/'));
    expect(stateMatches).toEqual(['backup-plan-deleted', 'backup-vault-deleted', 'region-setting-modified']);
    expect(m.defaults['StartBackupJob/role']).toBe(false);
    expect(m.defaults['job/backup-failed']).toBe(false);
    expect(m.defaults['job/backup-completed']).toBe(false);
  });

  test('signals and actions narrow the rule', () => {
    expect(matched('apiOnly').every((e) => e.includes('/'))).toBe(true);
    expect(matched('statesOnly')).toEqual(['backup-plan-deleted', 'backup-vault-deleted', 'region-setting-modified']);
    // Without an allow-list, the automation role alarms like anyone else.
    expect(matched('deletesOnly').filter((e) => e.includes('/')))
      .toEqual(['DeleteRecoveryPoint/allowed-role', 'DeleteRecoveryPoint/cloudformation', 'DeleteRecoveryPoint/role', 'DeleteRecoveryPoint/root', 'DeleteRecoveryPoint/user']);
  });
});

describe('end to end on the example deployment', () => {
  const app = new App();
  const stacks = buildExample(app);
  const central = Template.fromStack(stacks.find((s) => s instanceof CentralStack)!);
  const management = stacks.find((s) => s.node.id === 'BackupAlarmsManagement')!;
  const set = management.node.findAll().find((c): c is BackupFailureRuleStackSet => c instanceof BackupFailureRuleStackSet)!;
  const memberRules = Template.fromJSON(JSON.parse(set.templateBody)).findResources('AWS::Events::Rule');
  const memberTamper = Object.entries(memberRules).find(([id]) => id.startsWith('BackupTampering'))![1] as any;
  const centralRules = central.findResources('AWS::Events::Rule');
  const notifications = Object.fromEntries(Object.entries(centralRules).filter(([id]) => !id.includes('LocalBackupEvents') && !id.startsWith('BackupFindings')));

  const signals: Record<string, any> = {
    ...Object.fromEntries(ACTIONS.map((a) => [a, apiCall(a, 'role')])),
    'vault-deleted': stateChanges()['backup-vault-deleted'],
    'plan-deleted': stateChanges()['backup-plan-deleted'],
    'region-setting': stateChanges()['region-setting-modified'],
  };
  const quiet = loadExampleEvents(path.join(__dirname, 'fixtures', 'backup-events'));
  const quietNames = ['backup-running', 'backup-completed', 'copy-completed', 'restore-completed', 'scan-completed-no-threats', 'backup-pending'];
  const m = matchMatrix({
    member: memberTamper.Properties.EventPattern,
    ...Object.fromEntries(Object.entries(notifications).map(([id, r]: [string, any]) => [id, r.Properties.EventPattern])),
  }, { ...signals, ...Object.fromEntries(quietNames.map((n) => [n, quiet[n]])) });

  test.each(Object.keys(signals))('%s: forwarded by the member rule, emailed by exactly one tamper rule, with the tamper text', (name) => {
    expect(m.member[name]).toBe(true);
    const emailing = Object.keys(notifications).filter((id) => m[id][name]);
    expect(emailing).toHaveLength(1);
    expect(emailing[0]).toMatch(name.includes('-') ? /^BackupAlarmsTamperStateChanges/ : /^BackupAlarmsTamperCalls/);
    const text = renderInputTransformer(notifications[emailing[0]].Properties.Targets[0].InputTransformer, signals[name]);
    expect(text.startsWith('Backup tampering: ')).toBe(true);
    expect(text).not.toMatch(/<[a-zA-Z]+>/);
    if (!name.includes('-')) {
      expect(text.split('\n')[0]).toBe(`Backup tampering: ${name} in account 222222222222, eu-west-1, by arn:aws:sts::222222222222:assumed-role/ops-admin/alice`);
      expect(text).toContain('Source IP: 203.0.113.7');
      expect(text).toContain('User agent: aws-cli/2.15.0 Python/3.11.6');
      expect(text).toContain('Console: https://eu-west-1.console.aws.amazon.com/backup/home?region=eu-west-1#/backupvaults');
    }
  });

  test('progress and success events stay quiet: no tamper rule, no email', () => {
    for (const q of quietNames) {
      expect([q, m.member[q]]).toEqual([q, false]);
      for (const id of Object.keys(notifications)) expect([id, q, m[id][q]]).toEqual([id, q, false]);
    }
  });

  test('the DeleteRecoveryPoint email reads', () => {
    const id = Object.keys(notifications).find((k) => k.startsWith('BackupAlarmsTamperCalls'))!;
    const text = renderInputTransformer(notifications[id].Properties.Targets[0].InputTransformer, signals.DeleteRecoveryPoint);
    expect(text).toContain('Vault: prod-vault');
    expect(text).toContain('Recovery point: arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0');
    expect(text).toContain('Role: arn:aws:iam::222222222222:role/ops-admin');
  });
});

describe('props', () => {
  test.each<[string, Partial<BackupTamperRuleProps>, RegExp]>([
    ['no actions', { actions: [] }, /actions is empty/],
    ['unknown action', { actions: ['DeleteEverything' as BackupTamperAction] }, /actions contains 'DeleteEverything', expected one of DeleteRecoveryPoint/],
    ['allow-list without callers', { signals: TamperSignals.STATE_CHANGES, allowedRoleNames: ['x'] }, /allowedRoleNames \[x\] applies to API calls, but signals is STATE_CHANGES/],
    ['bad role name', { allowedRoleNames: ['has space'] }, /allowedRoleNames contains 'has space', expected an IAM role name/],
  ])('refuses %s', (_n, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('the forwarding contract of the base: role, retry, dead-letter queue and alarm', () => {
    const { template, rule } = synth({ forwarderRoleName: 'backup-alarms-forwarder-tamper-eu-west-1' });
    expectForwardingContract(template, CENTRAL, 'backup-alarms-forwarder-tamper-eu-west-1');
    expect(rule.actions).toEqual(ACTIONS);
  });

  test('the stack set deploys it beside the failure rule, and admits its role names', () => {
    const stack = new Stack(new App(), 'Mgmt', { env: { account: '999999999999', region: 'us-east-1' } });
    const set = new BackupFailureRuleStackSet(stack, 'Members', {
      centralBusArn: CENTRAL, organizationalUnitIds: ['ou-ab12-cdef3456'], regions: ['eu-west-1'], tamperRule: { allowedRoleNames: ['backup-automation'] },
    });
    const member = Template.fromJSON(JSON.parse(set.templateBody));
    member.resourceCountIs('AWS::Events::Rule', 2);
    member.hasResourceProperties('AWS::IAM::Role', { RoleName: { 'Fn::Join': ['', ['cdk-backup-alarms-forwarder-tamper-', { Ref: 'AWS::Region' }]] } });
    expect(set.forwarderRoleNames).toEqual(['cdk-backup-alarms-forwarder-eu-west-1', 'cdk-backup-alarms-forwarder-tamper-eu-west-1']);
    expect(() => new BackupFailureRuleStackSet(stack, 'Long', {
      centralBusArn: CENTRAL, organizationalUnitIds: ['ou-ab12-cdef3456'], regions: ['eu-west-1'], tamperRule: {}, forwarderRoleNamePrefix: 'x'.repeat(45),
    })).toThrow(/forwarderRoleNamePrefix must be 1 to 41/);
  });

  test('cdk-nag AwsSolutions passes', () => {
    const { app, stack } = synth();
    expectAwsSolutionsClean(app, stack);
  });
});
