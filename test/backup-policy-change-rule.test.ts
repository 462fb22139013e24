import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BackupPolicyChangeRule, BackupPolicyChangeRuleProps, BackupPolicyEvent, PolicyIdOnlyEvents } from '../src';
import { loadExampleEvents, matchMatrix } from './ruler/ruler';
import { expectForwardingContract, withoutHeartbeat } from './support/assertions';

const CENTRAL = 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms';
const MGMT = { account: '111111111111', region: 'us-east-1' };

function synth(props: Partial<BackupPolicyChangeRuleProps> = {}, env: { account?: string; region?: string } = MGMT) {
  const app = new App();
  const stack = new Stack(app, 'Mgmt', { env });
  const construct = new BackupPolicyChangeRule(stack, 'Policies', { centralBusArn: CENTRAL, ...props });
  return { stack, construct, get template() { return Template.fromStack(stack); } };
}

/** The rule's pattern as deployed: its own events or its heartbeat (issue 20). */
function deployedPattern(props: Partial<BackupPolicyChangeRuleProps> = {}): any {
  const rules = synth(props).template.findResources('AWS::Events::Rule');
  return (Object.values(rules)[0] as any).Properties.EventPattern;
}

/** The rule's own pattern: the deployed one is exactly that or its heartbeat (test/support/assertions.ts). */
function pattern(props: Partial<BackupPolicyChangeRuleProps> = {}): any {
  return withoutHeartbeat(deployedPattern(props), 'backup-policy-change-rule');
}

const api = (detail: object) => ({ 'detail-type': ['AWS API Call via CloudTrail'], 'detail': { eventSource: ['organizations.amazonaws.com'], ...detail } });

describe('pattern', () => {
  test('defaults: every backup-policy event, the type checked wherever the event shows it', () => {
    expect(pattern()).toEqual({
      'source': ['aws.organizations'],
      'detail-type': ['AWS API Call via CloudTrail', 'AWS Service Event via CloudTrail'],
      '$or': [
        api({ eventName: ['CreatePolicy'], requestParameters: { type: ['BACKUP_POLICY'] } }),
        api({ eventName: ['UpdatePolicy'], responseElements: { policy: { policySummary: { type: ['BACKUP_POLICY'] } } } }),
        api({ eventName: ['UpdatePolicy'], errorCode: [{ exists: true }] }),
        api({ eventName: ['EnablePolicyType', 'DisablePolicyType'], requestParameters: { policyType: ['BACKUP_POLICY'] } }),
        api({ eventName: ['DeletePolicy', 'AttachPolicy', 'DetachPolicy'] }),
        {
          'detail-type': ['AWS Service Event via CloudTrail'],
          'detail': { eventSource: ['organizations.amazonaws.com'], eventName: ['EffectivePolicyValidation'], serviceEventDetails: { policyType: ['BACKUP_POLICY'] } },
        },
      ],
    });
  });

  test('IGNORE leaves out every event that carries only a policy id', () => {
    const p = JSON.stringify(pattern({ policyIdOnlyEvents: PolicyIdOnlyEvents.IGNORE }));
    expect(p).not.toContain('DeletePolicy');
    expect(p).not.toContain('errorCode');
  });

  test('a single event needs no $or', () => {
    expect(pattern({ policyEvents: [BackupPolicyEvent.DELETE_POLICY] })).toEqual({
      source: ['aws.organizations'], ...api({ eventName: ['DeletePolicy'] }),
    });
  });

  test('the target is the central bus, with role, retries and dead-letter queue', () => {
    const { template } = synth({ forwarderRoleName: 'backup-alarms-policy-forwarder' });
    expectForwardingContract(template, CENTRAL, 'backup-alarms-policy-forwarder');
  });
});

describe('against AWS Organizations CloudTrail events (event-ruler)', () => {
  const events = loadExampleEvents(path.join(__dirname, 'fixtures', 'organizations-events'));
  const m = matchMatrix({ defaults: deployedPattern(), ignore: deployedPattern({ policyIdOnlyEvents: PolicyIdOnlyEvents.IGNORE }) }, events);
  const hits = (row: Record<string, boolean>) => Object.keys(row).filter((k) => row[k]).sort();
  const TYPED = [
    'create-policy-backup', 'update-policy-backup', 'enable-policy-type-backup', 'disable-policy-type-backup',
    'effective-policy-validation-backup-invalid', 'effective-policy-validation-backup-valid',
  ];
  const ID_ONLY = ['attach-policy', 'delete-policy', 'detach-policy', 'update-policy-denied'];

  test('defaults: every backup-policy event and every id-only event; no other policy type where it is visible', () => {
    expect(hits(m.defaults)).toEqual([...TYPED, ...ID_ONLY].sort());
  });

  test('IGNORE: only events whose type is visible and is BACKUP_POLICY', () => {
    expect(hits(m.ignore)).toEqual([...TYPED].sort());
  });

  test('other policy types and read-only calls never match', () => {
    for (const other of ['create-policy-scp', 'update-policy-tag', 'enable-policy-type-scp', 'disable-policy-type-scp', 'effective-policy-validation-tag-invalid', 'list-policies']) {
      expect([other, m.defaults[other]]).toEqual([other, false]);
    }
  });
});

describe('Region and bad props', () => {
  test('any concrete Region other than us-east-1 fails synthesis', () => {
    expect(() => synth({}, { account: '111111111111', region: 'eu-west-1' }))
      .toThrow(/stack is in eu-west-1, but AWS Organizations sends its CloudTrail events only to us-east-1/);
  });

  test('an unknown Region warns', () => {
    const { stack } = synth({}, {});
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('Region is not known at synthesis.*us-east-1'));
  });

  test.each<[string, Partial<BackupPolicyChangeRuleProps>, RegExp]>([
    ['empty events', { policyEvents: [] }, /policyEvents is empty/],
    ['unknown event', { policyEvents: ['PutPolicy' as BackupPolicyEvent] }, /policyEvents contains 'PutPolicy'/],
    ['unknown id-only handling', { policyIdOnlyEvents: 'MAYBE' as PolicyIdOnlyEvents }, /policyIdOnlyEvents is 'MAYBE'/],
    ['nothing could match', { policyEvents: [BackupPolicyEvent.DELETE_POLICY], policyIdOnlyEvents: PolicyIdOnlyEvents.IGNORE }, /carry only a policy id and policyIdOnlyEvents is IGNORE/],
    ['malformed bus', { centralBusArn: 'backup-alarms' }, /centralBusArn must be an event bus ARN.*got 'backup-alarms'/],
    ['bad role name', { forwarderRoleName: 'no spaces allowed' }, /forwarderRoleName must be an IAM role name.*got 'no spaces allowed'/],
  ])('%s', (_n, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});

test('cdk-nag AwsSolutions passes', () => {
  const app = new App();
  const stack = new Stack(app, 'Nag', { env: MGMT });
  new BackupPolicyChangeRule(stack, 'P', { centralBusArn: CENTRAL });
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  const findings = [
    ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
  ];
  expect(findings.map((f) => f.entry.data)).toEqual([]);
});
