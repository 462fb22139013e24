/**
 * BackupTamperRule: its pattern proven with AWS's pattern engine (event-ruler) against tamper signals in the
 * shapes AWS documents (test/support/tamper-events.ts), its operation names against the AWS SDK, and the
 * whole path on the synthesized example deployment: raised in a member account, forwarded by the stack set's
 * rule, matched by the central bus and emailed with the tamper text.
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { BackupFailureRuleStackSet, BackupTamperAction, BackupTamperRule, BackupTamperRuleProps, TamperSignals } from '../src';
import { buildExample, CentralStack } from './example/deployment';
import { loadExampleEvents, matchMatrix } from './ruler/ruler';
import { expectAwsSolutionsClean, expectForwardingContract } from './support/assertions';
import { renderInputTransformer } from './support/render-input';
import { apiCall, Caller, optInRequest, stateChanges } from './support/tamper-events';

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
  // Issue 19: UpdateRegionSettings (opt-outs), the vault lock, global settings, Backup Audit Manager's evidence
  // and stopped jobs were not watched; UpdateBackupPlan stays out (a pattern cannot tell a shorter retention).
  expect(ACTIONS).toEqual(expect.arrayContaining([
    'UpdateRegionSettings', 'PutBackupVaultLockConfiguration', 'UpdateGlobalSettings', 'DeleteReportPlan', 'DeleteFramework', 'StopBackupJob',
  ]));
  expect(ACTIONS).not.toContain('UpdateBackupPlan');
  expect(ACTIONS).toHaveLength(19);
});

describe('the pattern, with event-ruler', () => {
  const calls: Record<string, unknown> = {};
  const callers: Caller[] = ['role', 'user', 'root', 'allowed-role', 'backup-lifecycle', 'backup-linked-role', 'backup-on-behalf', 'aws-service', 'cloudformation'];
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
      for (const caller of ['allowed-role', 'backup-lifecycle', 'backup-linked-role', 'backup-on-behalf', 'aws-service']) {
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

/**
 * What keeps the rule quiet, each exemption guarded on its own: removing any one of them from
 * memberTamperPattern fails a test here (checked by removing each in src/private/patterns.ts). Every guard
 * event is held back by exactly one exemption, which the mutants below prove: a guard that two exemptions
 * covered would pass with either removed.
 * - AWS Backup's service-linked role: "Using roles to back up and copy" (AWS Backup developer guide,
 *   https://docs.aws.amazon.com/aws-backup/latest/devguide/using-service-linked-roles-AWSServiceRoleForBackup.html):
 *   only AWS Backup can assume it, so its name alone exempts it.
 * - `invokedBy` and `sessionContext.sessionIssuer`: "CloudTrail userIdentity element" (CloudTrail user guide,
 *   https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).
 */
describe('what keeps the rule quiet, with event-ruler', () => {
  const allowed = ['backup-automation'];
  const real = patternOf({ allowedRoleNames: allowed });
  /** The pattern with one exemption edited out of its caller condition. */
  const without = (edit: (userIdentity: any) => void) => {
    const copy = JSON.parse(JSON.stringify(real));
    const found: any[] = [];
    const walk = (node: any) => {
      if (node === null || typeof node !== 'object') return;
      if (node.userIdentity !== undefined) found.push(node.userIdentity);
      Object.values(node).forEach(walk);
    };
    walk(copy);
    expect(found).toHaveLength(1);
    edit(found[0]);
    return copy;
  };
  const dropFromIssuer = (name: string) => (u: any) => {
    const issuer = u.$or.find((c: any) => c.sessionContext !== undefined).sessionContext.sessionIssuer;
    const rest = (issuer.userName[0]['anything-but'] as string[]).filter((n) => n !== name);
    // EventBridge refuses an empty anything-but: a name no role has stands for "no exemption".
    issuer.userName[0]['anything-but'] = rest.length > 0 ? rest : ['no-such-role'];
  };
  const m = matchMatrix({
    real,
    withoutLinkedRole: without(dropFromIssuer('AWSServiceRoleForBackup')),
    withoutInvokedBy: without((u) => { delete u.invokedBy; }),
    withoutAllowList: without(dropFromIssuer('backup-automation')),
  }, {
    'lifecycle': apiCall('DeleteRecoveryPoint', 'backup-lifecycle'),
    'linked-role': apiCall('DeleteRecoveryPoint', 'backup-linked-role'),
    'on-behalf': apiCall('DeleteRecoveryPoint', 'backup-on-behalf'),
    'allowed': apiCall('DeleteRecoveryPoint', 'allowed-role'),
    'person': apiCall('DeleteRecoveryPoint', 'role'),
  });
  const MUTANTS = ['withoutLinkedRole', 'withoutInvokedBy', 'withoutAllowList'];

  test.each([
    ['linked-role', 'withoutLinkedRole', 'AWS Backup\'s service-linked role, by its name'],
    ['on-behalf', 'withoutInvokedBy', 'AWS Backup acting with the customer\'s role (invokedBy backup.amazonaws.com)'],
    ['allowed', 'withoutAllowList', 'an allowed role'],
  ])('%s: quiet, and only %s would let it through (%s)', (event, mutant) => {
    expect(m.real[event]).toBe(false);
    for (const other of MUTANTS) expect([other, m[other][event]]).toEqual([other, other === mutant]);
  });

  test('a lifecycle DeleteRecoveryPoint as CloudTrail records it (service-linked role, invokedBy backup.amazonaws.com) is quiet, with either of its exemptions gone', () => {
    expect(m.real.lifecycle).toBe(false);
    expect(m.withoutLinkedRole.lifecycle).toBe(false);
    expect(m.withoutInvokedBy.lifecycle).toBe(false);
  });

  test('a person\'s DeleteRecoveryPoint alarms under every variant', () => {
    for (const row of ['real', ...MUTANTS]) expect([row, m[row].person]).toEqual([row, true]);
  });
});

/**
 * UpdateRegionSettings ("UpdateRegionSettings", AWS Backup API reference,
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateRegionSettings.html): the request's
 * ResourceTypeOptInPreference maps resource types to booleans, false = opted out. A pattern cannot test
 * every value of a map whose keys it does not know (EventBridge matches named fields only: "Event pattern
 * syntax", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html), and enumerating
 * AWS Backup's resource types in both casings of the key does not fit EventBridge's default 2048 characters
 * (measured: 2270 with no allowed role) and would miss every type AWS adds. So every call is forwarded, and
 * the finding tells opt-outs from opt-ins (test/runtime/tamper.test.ts). Refused calls are forwarded too.
 */
describe('UpdateRegionSettings and refused calls, with event-ruler', () => {
  const m = matchMatrix({
    apiOnly: patternOf({ signals: TamperSignals.API_CALLS }),
    apiAllowed: patternOf({ signals: TamperSignals.API_CALLS, allowedRoleNames: ['backup-automation'] }),
  }, {
    'opt-out': optInRequest({ EBS: false, EC2: true }),
    'opt-out-api-casing': optInRequest({ EBS: false }, 'ResourceTypeOptInPreference'),
    'opt-out-new-type': optInRequest({ SomeFutureType: false }),
    'opt-in-only': optInRequest({ Aurora: true }),
    'opt-out-by-allowed-role': optInRequest({ EBS: false }, 'resourceTypeOptInPreference', 'allowed-role'),
    'opt-out-by-aws-backup': optInRequest({ EBS: false }, 'resourceTypeOptInPreference', 'backup-lifecycle'),
    'refused-delete': apiCall('DeleteRecoveryPoint', 'role', { errorCode: 'AccessDeniedException', errorMessage: 'not authorized' }),
    'refused-lock-removal': apiCall('DeleteBackupVaultLockConfiguration', 'user', { errorCode: 'InvalidRequestException' }),
  });

  test.each(['opt-out', 'opt-out-api-casing', 'opt-out-new-type'])('%s: forwarded with signals API_CALLS, and it names its caller', (event) => {
    expect(m.apiOnly[event]).toBe(true);
    expect(m.apiAllowed[event]).toBe(true);
  });

  test('an opt-in-only request is forwarded too: the pattern cannot tell it apart; its finding is INFORMATIONAL', () => {
    expect(m.apiOnly['opt-in-only']).toBe(true);
  });

  test('allowedRoleNames and AWS Backup\'s own exemptions apply to UpdateRegionSettings', () => {
    expect(m.apiOnly['opt-out-by-allowed-role']).toBe(true);
    expect(m.apiAllowed['opt-out-by-allowed-role']).toBe(false);
    expect(m.apiOnly['opt-out-by-aws-backup']).toBe(false);
  });

  test('a refused call (errorCode set) is forwarded: an AccessDenied on a locked vault is what an attempt looks like', () => {
    expect(m.apiOnly['refused-delete']).toBe(true);
    expect(m.apiOnly['refused-lock-removal']).toBe(true);
  });
});

/** "Amazon EventBridge quotas" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html): event pattern size 2048 characters by default. */
describe('pattern size', () => {
  const warnings = (props: Partial<BackupTamperRuleProps>) =>
    Annotations.fromStack(synth(props).stack).findWarning('*', Match.stringLikeRegexp('tamper-pattern-size|quota of 2048'));
  const roles = (n: number) => Array.from({ length: n }, (_, i) => `org-backup-automation-${String(i).padStart(2, '0')}`);

  test.each([1, 10, 20])('every action and %i allowed role names of 24 characters fit the default quota: no warning', (n) => {
    expect(JSON.stringify(patternOf({ allowedRoleNames: roles(n) })).length).toBeLessThanOrEqual(2048);
    expect(warnings({ allowedRoleNames: roles(n) })).toEqual([]);
  });

  test('the default pattern leaves room: under 1300 characters with every action, under 1450 with the heartbeat', () => {
    expect(JSON.stringify(patternOf({ heartbeat: false })).length).toBeLessThan(1300);
    // Issue 20: the deployed pattern also matches the rule's own heartbeat (an alternative of 125 characters).
    expect(JSON.stringify(patternOf()).length).toBeLessThan(1450);
  });

  test('the warning measures the pattern as deployed, heartbeat included', () => {
    // The fewest role names that take the deployed pattern over the quota, while the rule's own pattern fits.
    const n = Array.from({ length: 40 }, (_, i) => i + 1).find((k) => JSON.stringify(patternOf({ allowedRoleNames: roles(k) })).length > 2048)!;
    expect(JSON.stringify(patternOf({ allowedRoleNames: roles(n), heartbeat: false })).length).toBeLessThanOrEqual(2048);
    expect(warnings({ allowedRoleNames: roles(n), heartbeat: false })).toEqual([]);
    expect(warnings({ allowedRoleNames: roles(n) })).toHaveLength(1);
  });

  test('too many allowed role names warn, naming the count', () => {
    expect(warnings({ allowedRoleNames: roles(40) })).toHaveLength(1);
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
  const notifications = Object.fromEntries(Object.entries(centralRules).filter(([id]) => !id.includes('LocalBackupEvents') && !id.startsWith('BackupFindings')
    // The protection ledger's rule counts tamper signals for the daily report; it emails nothing.
    && !id.includes('Protections')));

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

  test.each([
    ['resourceTypeOptInPreference', '{"EBS":false,"EC2":true}'],
    ['ResourceTypeOptInPreference', '{"EBS":false,"EC2":true}'],
  ])('the UpdateRegionSettings email shows the requested opt-in map under %s', (key, shown) => {
    const id = Object.keys(notifications).find((k) => k.startsWith('BackupAlarmsTamperCalls'))!;
    const text = renderInputTransformer(notifications[id].Properties.Targets[0].InputTransformer, optInRequest({ EBS: false, EC2: true }, key));
    expect(text).toContain(`Resource type opt-in requested (false = no longer backed up): ${shown}\n`);
  });

  test.each<[string, string]>([
    ['PutBackupVaultLockConfiguration', 'Vault lock requested (minimum / maximum retention days, changeable for days): 1 / 7 / 3'],
    ['UpdateGlobalSettings', 'Global settings requested: {"isCrossAccountBackupEnabled":"false"}'],
    ['DeleteReportPlan', 'Report plan: daily_backup_jobs'],
    ['DeleteFramework', 'Audit framework: prod_controls'],
    ['StopBackupJob', 'Backup job: B1234567-89AB-CDEF-0123-456789ABCDEF'],
  ])('the %s email names what it changed', (action, line) => {
    const id = Object.keys(notifications).find((k) => k.startsWith('BackupAlarmsTamperCalls'))!;
    expect(renderInputTransformer(notifications[id].Properties.Targets[0].InputTransformer, signals[action]).split('\n')).toContain(line);
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
    // CloudFormation's 51,200-byte TemplateBody limit, with every action (19) and 20 allowed role names.
    const everyAction = new BackupFailureRuleStackSet(stack, 'EveryAction', {
      centralBusArn: CENTRAL,
      organizationalUnitIds: ['ou-ab12-cdef3456'],
      regions: ['eu-west-1'],
      tamperRule: { allowedRoleNames: Array.from({ length: 20 }, (_, i) => `org-backup-automation-${i}`) },
    });
    expect(Buffer.byteLength(everyAction.templateBody)).toBeLessThan(51_200);
    expect(() => new BackupFailureRuleStackSet(stack, 'Long', {
      centralBusArn: CENTRAL, organizationalUnitIds: ['ou-ab12-cdef3456'], regions: ['eu-west-1'], tamperRule: {}, forwarderRoleNamePrefix: 'x'.repeat(45),
    })).toThrow(/forwarderRoleNamePrefix must be 1 to 41/);
  });

  test('cdk-nag AwsSolutions passes', () => {
    const { app, stack } = synth();
    expectAwsSolutionsClean(app, stack);
  });
});
