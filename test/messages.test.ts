/**
 * The emails a person reads: each notification rule's real input transformer (taken from the synthesized
 * template) rendered over AWS's documented example events, including events that lack fields.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CentralAlarmBus } from '../src';
import { loadExampleEvents } from './ruler/ruler';
import { renderInputTransformer } from './support/render-input';

const events = loadExampleEvents(path.join(__dirname, 'fixtures', 'backup-events'));
const stack = new Stack(new App(), 'C', { env: { account: '111111111111', region: 'eu-west-1' } });
new CentralAlarmBus(stack, 'Central', { organizationId: 'o-a1b2c3d4e5', emailAddresses: ['ops@example.com'] });
const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');

function render(rulePrefix: string, event: unknown): string {
  const id = Object.keys(rules).find((k) => k.startsWith(rulePrefix));
  if (!id) throw new Error(`no rule ${rulePrefix}`);
  return renderInputTransformer((rules[id] as any).Properties.Targets[0].InputTransformer, event);
}

test.each([
  ['CentralBackupJobFailures', 'backup-failed', 'Backup job FAILED in account 1112233445566, us-west-2 (job 34176239-e96d-4e1d-9fad-529dbb3c3556): arn:aws:service:us-west-2:1112233445566:resource-type/resource-id'],
  ['CentralBackupJobFailures', 'backup-expired', 'Backup job EXPIRED in account'],
  ['CentralBackupJobFailures', 'backup-partial', 'Backup job PARTIAL in account'],
  ['CentralCopyJobFailures', 'copy-failed', 'Copy job FAILED in account'],
  ['CentralRestoreJobFailures', 'restore-failed', 'Restore job FAILED in account 1112233445566, us-west-2 (job 1B234A56-789B-01CD-2A34-4567A08901FD): '],
  ['CentralRestoreJobFailures', 'restore-aborted', 'Restore job ABORTED in account'],
  ['CentralScanJobFailures', 'scan-completed-threats', 'Malware scan job COMPLETED in account 1112233445566, us-west-2 (job 4d5fc12e-7e33-4336-a981-bbe43c300298): arn:aws:ec2:us-west-2:1112233445566:instance/i-0515aee7de03f58e1'],
])('%s renders %s with a first line that says what and where', (rule, example, firstLine) => {
  const text = render(rule, events[example]);
  expect(text.split('\n')[0].startsWith(firstLine)).toBe(true);
  expect(text).not.toMatch(/<[a-zA-Z]+>/);
  expect(text).toContain(`Status message: ${events[example].detail.statusMessage ?? ''}`);
  expect(text).toMatch(/Console: https:\/\/us-west-2\.console\.aws\.amazon\.com\/backup\/home\?region=us-west-2#\//);
});

test('the scan email says threats were found', () => {
  expect(render('CentralScanJobFailures', events['scan-completed-threats'])).toContain('Scan result: THREATS_FOUND');
});

test('a restore failure without vault or resource still reads, with a working console link', () => {
  const text = render('CentralRestoreJobFailures', events['restore-failed']);
  expect(text).toContain('Recovery point: \n');
  expect(text).toContain('#/jobs/restore/details/1B234A56-789B-01CD-2A34-4567A08901FD');
});

test('an event with almost nothing in it renders without placeholders', () => {
  const bare = { 'source': 'aws.backup', 'detail-type': 'Backup Job State Change', 'account': '222222222222', 'region': 'eu-west-1', 'detail': { state: 'FAILED' } };
  const text = render('CentralBackupJobFailures', bare);
  expect(text.split('\n')[0]).toBe('Backup job FAILED in account 222222222222, eu-west-1 (job ): ');
  expect(text).not.toMatch(/<[a-zA-Z]+>/);
});

test('policy changes and tampering signals render', () => {
  const update = {
    'source': 'aws.organizations',
    'detail-type': 'AWS API Call via CloudTrail',
    'account': '333333333333',
    'region': 'us-east-1',
    'time': '2026-01-01T00:00:00Z',
    'detail': { eventName: 'UpdatePolicy', userIdentity: { arn: 'arn:aws:sts::333333333333:assumed-role/Admin/alice' }, requestParameters: { policyId: 'p-abcd1234' } },
  };
  const text = render('CentralPolicyChanges', update);
  expect(text.split('\n')[0]).toBe('AWS Organizations backup policy change: UpdatePolicy in account 333333333333, us-east-1');
  expect(text).toContain('By: arn:aws:sts::333333333333:assumed-role/Admin/alice');
  expect(text).toContain('Policy id: p-abcd1234');
  const tamper = { ...update, source: 'aws.backup', detail: { eventName: 'DeleteRecoveryPoint', userIdentity: { arn: 'arn:aws:iam::222222222222:user/bob' } } };
  expect(render('CentralOtherEvents', tamper).split('\n')[0]).toBe('Backup alarm: AWS API Call via CloudTrail DeleteRecoveryPoint from aws.backup in account 333333333333, us-east-1');
});

test('the README shows the email exactly as the backup-failed example renders', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const text = render('CentralBackupJobFailures', events['backup-failed']);
  expect(readme).toContain(text);
});

test('organization policy events render their type, target and validation state', () => {
  const org = loadExampleEvents(path.join(__dirname, 'fixtures', 'organizations-events'));
  const created = render('CentralPolicyChanges', org['create-policy-backup']);
  expect(created.split('\n')[0]).toBe('AWS Organizations backup policy change: CreatePolicy in account 111111111111, us-east-1');
  expect(created).toContain('Policy type (created / updated / enabled or disabled): BACKUP_POLICY / BACKUP_POLICY / ');
  expect(created).toContain('By: arn:aws:sts::111111111111:assumed-role/OrgAdmin/alice');
  expect(render('CentralPolicyChanges', org['detach-policy'])).toContain('Target (account, OU or root): ou-examplerootid111-exampleouid111');
  expect(render('CentralPolicyChanges', org['effective-policy-validation-backup-invalid'])).toContain('Effective policy of account: 222222222222, now INVALID');
  expect(render('CentralPolicyChanges', org['update-policy-denied'])).toContain('Error code (if the call failed): AccessDeniedException');
});
