import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  BackupFailureRuleStackSet, BackupFailureRuleStackSetProps, BackupJobKind, StackSetCaller, StackSetConcurrencyMode, StackSetRegionConcurrency,
} from '../src';
import { expectAwsSolutionsClean, withoutHeartbeat } from './support/assertions';

const CENTRAL = 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms';

function synth(props: Partial<BackupFailureRuleStackSetProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Mgmt', { env: { account: '999999999999', region: 'us-east-1' } });
  const set = new BackupFailureRuleStackSet(stack, 'Members', {
    centralBusArn: CENTRAL, organizationalUnitIds: ['ou-ab12-cdef3456'], regions: ['eu-west-1', 'eu-central-1'], ...props,
  });
  return { app, stack, set, get template() { return Template.fromStack(stack); } };
}

test('a service-managed stack set with auto-deployment to the OUs and Regions', () => {
  const { template, set } = synth({ callAs: StackSetCaller.DELEGATED_ADMIN });
  template.hasResourceProperties('AWS::CloudFormation::StackSet', {
    PermissionModel: 'SERVICE_MANAGED',
    AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
    CallAs: 'DELEGATED_ADMIN',
    Capabilities: ['CAPABILITY_NAMED_IAM'],
    StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-cdef3456'] }, Regions: ['eu-west-1', 'eu-central-1'] }],
  });
  expect(set.forwarderRoleNames).toEqual(['cdk-backup-alarms-forwarder-eu-west-1', 'cdk-backup-alarms-forwarder-eu-central-1']);
});

test('the member template is the BackupFailureRule, bootstrap-free, Region-suffixed role, forwarding completions', () => {
  const { set } = synth({ ruleProps: { jobKinds: [BackupJobKind.BACKUP, BackupJobKind.RESTORE] } });
  const member = JSON.parse(set.templateBody);
  expect(member.Parameters?.BootstrapVersion).toBeUndefined();
  expect(member.Rules).toBeUndefined();
  const t = Template.fromJSON(member);
  t.resourceCountIs('AWS::Events::Rule', 1);
  t.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ Arn: CENTRAL, RetryPolicy: Match.anyValue(), DeadLetterConfig: Match.anyValue() })] });
  t.hasResourceProperties('AWS::IAM::Role', { RoleName: { 'Fn::Join': ['', ['cdk-backup-alarms-forwarder-', { Ref: 'AWS::Region' }]] } });
  const pattern = withoutHeartbeat((Object.values(t.findResources('AWS::Events::Rule'))[0] as any).Properties.EventPattern, 'backup-failure-rule');
  expect(pattern['detail-type']).toEqual(['Backup Job State Change', 'Restore Job State Change']);
  expect(JSON.stringify(pattern)).toContain('COMPLETED');
  // Issue 20: the member has no topic, so its dead-letter alarm would tell nobody; its heartbeat reports instead.
  t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  t.resourceCountIs('AWS::Scheduler::Schedule', 1);
});

// CloudFormation user guide, "StackSet operation options"
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-concepts.html#stackset-ops-options), and the
// template reference, "AWS::CloudFormation::StackSet OperationPreferences"
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudformation-stackset-operationpreferences.html):
// under STRICT_FAILURE_TOLERANCE, CloudFormation's default, the actual concurrency is at most the failure tolerance
// plus one, and percentages round down, so 10 % of fewer than 10 accounts tolerates none: the old defaults (25 %
// concurrent, 10 % tolerance, strict) went one account at a time and stopped a Region at the first failed account.
// SOFT_FAILURE_TOLERANCE runs at maxConcurrentPercentage whatever fails.
test.each<[string, Partial<BackupFailureRuleStackSetProps>, object]>([
  ['defaults: every account of a Region at once, failures never hold the others back, Regions in parallel', {},
    { ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE', MaxConcurrentPercentage: 100, FailureTolerancePercentage: 100, RegionConcurrencyType: 'PARALLEL' }],
  ['CloudFormation\'s strict mode, one Region after the other, on request',
    {
      concurrencyMode: StackSetConcurrencyMode.STRICT_FAILURE_TOLERANCE,
      regionConcurrency: StackSetRegionConcurrency.SEQUENTIAL,
      maxConcurrentPercentage: 20,
      failureTolerancePercentage: 0,
    },
    { ConcurrencyMode: 'STRICT_FAILURE_TOLERANCE', MaxConcurrentPercentage: 20, FailureTolerancePercentage: 0, RegionConcurrencyType: 'SEQUENTIAL' }],
])('operation preferences: %s', (_name, props, expected) => {
  synth(props).template.hasResourceProperties('AWS::CloudFormation::StackSet', { OperationPreferences: expected });
});

test.each<[string, Partial<BackupFailureRuleStackSetProps>, RegExp]>([
  ['bad concurrency mode', { concurrencyMode: 'FAST' as StackSetConcurrencyMode }, /concurrencyMode is 'FAST', expected one of STRICT_FAILURE_TOLERANCE, SOFT_FAILURE_TOLERANCE/],
  ['bad Region concurrency', { regionConcurrency: 'ALL' as StackSetRegionConcurrency }, /regionConcurrency is 'ALL', expected one of SEQUENTIAL, PARALLEL/],
  // EventBridge routes events within a partition, and not between China Regions (see test/backup-failure-rule.test.ts).
  ['a Region of another partition', { regions: ['eu-west-1', 'us-gov-west-1'] },
    /regions contains 'us-gov-west-1' \(partition aws-us-gov\), but centralBusArn 'arn:aws:events:eu-west-1:111111111111:event-bus\/backup-alarms' is in partition aws/],
  ['a China Region other than the bus\'s', { centralBusArn: 'arn:aws-cn:events:cn-north-1:111111111111:event-bus/backup-alarms', regions: ['cn-north-1', 'cn-northwest-1'] },
    /regions contains 'cn-northwest-1', but centralBusArn .* is in cn-north-1; EventBridge in the aws-cn partition cannot send events to a bus in another Region/],
  ['tolerance over 100', { failureTolerancePercentage: 101 }, /failureTolerancePercentage must be a whole percentage \(0 to 100\), got 101/],
  ['no OUs', { organizationalUnitIds: [] }, /organizationalUnitIds is empty/],
  ['bad OU', { organizationalUnitIds: ['Production'] }, /organizationalUnitIds contains 'Production'/],
  ['no Regions', { regions: [] }, /regions is empty/],
  ['bad Region', { regions: ['Ireland'] }, /regions contains 'Ireland', expected a Region name/],
  ['bad rule prop', { ruleProps: { jobKinds: [] } }, /jobKinds is empty/],
  ['bad percentage', { maxConcurrentPercentage: 0 }, /maxConcurrentPercentage must be a whole percentage \(1 to 100\), got 0/],
  ['bad prefix', { forwarderRoleNamePrefix: 'has space' }, /forwarderRoleNamePrefix must be 1 to 48/],
])('refuses %s', (_n, props, message) => {
  expect(() => synth(props)).toThrow(message);
});

test('per-account and rollout-set props are refused by the type of ruleProps, not at run time', () => {
  const refused: Array<BackupFailureRuleStackSetProps['ruleProps']> = [
    // @ts-expect-error the stack set sets the role names itself
    { forwarderRoleName: 'x' },
    // @ts-expect-error the stack set sets the central bus itself
    { centralBusArn: CENTRAL },
    // @ts-expect-error each member creates its own dead-letter queue
    { deadLetterQueue: undefined as unknown as sqs.IQueue },
    // @ts-expect-error AWS Backup events arrive on the default bus
    { eventBus: undefined },
  ];
  expect(refused).toHaveLength(4);
  // What is the same in every account and Region is accepted.
  const accepted: BackupFailureRuleStackSetProps['ruleProps'] = { jobKinds: [BackupJobKind.BACKUP], retryAttempts: 10, excludeRestoreTestingJobs: true };
  expect(JSON.parse(synth({ ruleProps: accepted }).set.templateBody).Resources).toBeDefined();
});

test('cdk-nag AwsSolutions passes', () => {
  const { app, stack } = synth();
  expectAwsSolutionsClean(app, stack);
});

test('the member template is synthesized privately: the user\'s cdk.out holds only the user\'s stacks, even with CDK_OUTDIR set', () => {
  // The CDK CLI passes the output folder to the app in CDK_OUTDIR; an inner App would write into it too.
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-cdk-out-'));
  const before = process.env.CDK_OUTDIR;
  process.env.CDK_OUTDIR = outdir;
  try {
    const app = new App();
    const stack = new Stack(app, 'Mgmt', { env: { account: '999999999999', region: 'us-east-1' } });
    new BackupFailureRuleStackSet(stack, 'Members', { centralBusArn: CENTRAL, organizationalUnitIds: ['ou-ab12-cdef3456'], regions: ['eu-west-1'] });
    app.synth();
    const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(['Mgmt.assets.json', 'Mgmt.template.json', 'manifest.json', 'tree.json']);
  } finally {
    if (before === undefined) delete process.env.CDK_OUTDIR;
    else process.env.CDK_OUTDIR = before;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  // And nothing is left behind in the temporary folder either.
  expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('cdk-backup-alarms-member-'))).toEqual([]);
});

test('50 OUs and 20 Regions: the member template does not grow with them, only the instance targets do', () => {
  const regions = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1',
    'eu-south-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'sa-east-1', 'me-south-1', 'af-south-1'];
  const ous = Array.from({ length: 50 }, (_, i) => `ou-ab12-${String(i).padStart(8, '0')}`);
  const small = synth({ organizationalUnitIds: [ous[0]], regions: [regions[0]] });
  const large = synth({ organizationalUnitIds: ous, regions });
  expect(large.set.templateBody).toBe(small.set.templateBody);
  expect(Buffer.byteLength(large.set.templateBody)).toBeLessThan(51_200);
  large.template.hasResourceProperties('AWS::CloudFormation::StackSet', {
    StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: ous }, Regions: regions }],
  });
  // The role names to admit on the central bus are one per Region, not per OU or account.
  expect(large.set.forwarderRoleNames).toHaveLength(20);
});

test('with the tamper rule: one dead-letter queue per account and Region, shared by both rules, and no alarm that tells nobody', () => {
  const t = Template.fromJSON(JSON.parse(synth({ tamperRule: {} }).set.templateBody));
  t.resourceCountIs('AWS::Events::Rule', 2);
  t.resourceCountIs('AWS::SQS::Queue', 1);
  // Issue 20: each rule's heartbeat reports a broken path centrally; the member's own alarm had no action.
  t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  t.resourceCountIs('AWS::Scheduler::Schedule', 2);
  const queue = Object.keys(t.findResources('AWS::SQS::Queue'))[0];
  const dlqs = Object.values(t.findResources('AWS::Events::Rule')).map((r: any) => r.Properties.Targets[0].DeadLetterConfig.Arn['Fn::GetAtt'][0]);
  expect(dlqs).toEqual([queue, queue]);
  // The queue admits both rules (one statement each).
  const statements = (Object.values(t.findResources('AWS::SQS::QueuePolicy')) as any[]).flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((s: any) => s.Effect === 'Allow');
  expect(statements).toHaveLength(2);
});

// Issue 20: the member dead-letter alarm is off by default where the heartbeat runs (no topic: it would tell
// nobody); asked for, or without the heartbeat, it comes back, one per account and Region. The queue always stays.
test.each<[string, BackupFailureRuleStackSetProps['ruleProps'], number]>([
  ['by default, no alarm', {}, 0],
  ['createDeadLetterAlarm: false, no alarm', { createDeadLetterAlarm: false }, 0],
  ['createDeadLetterAlarm: true, one alarm', { createDeadLetterAlarm: true }, 1],
  ['heartbeat: false, the alarm of before', { heartbeat: false }, 1],
])('ruleProps %s per account and Region', (_name, ruleProps, alarms) => {
  const t = Template.fromJSON(JSON.parse(synth({ tamperRule: {}, ruleProps }).set.templateBody));
  t.resourceCountIs('AWS::CloudWatch::Alarm', alarms);
  t.resourceCountIs('AWS::SQS::Queue', 1);
});
