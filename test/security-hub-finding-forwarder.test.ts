import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  BackupJobKind, BackupJobState, FindingAttribution, FindingSeverity,
  SecurityHubFindingForwarder, SecurityHubFindingForwarderProps, SecurityHubFindingImporterRole,
} from '../src';
import { loadExampleEvents, matchMatrix } from './ruler/ruler';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function synth(props: Partial<SecurityHubFindingForwarderProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: ENV });
  const bus = new events.EventBus(stack, 'Bus');
  const forwarder = new SecurityHubFindingForwarder(stack, 'Findings', { eventBus: bus, ...props });
  return { app, stack, forwarder, get template() { return Template.fromStack(stack); } };
}

function env(template: Template): Record<string, string> {
  const fns = template.findResources('AWS::Lambda::Function');
  return (Object.values(fns)[0] as any).Properties.Environment.Variables;
}

describe('pipeline', () => {
  test('rule → encrypted queue with dead-letter queue → function with batching and partial batch responses', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('Bus') },
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('FindingsQueue'), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('FindingsDeadLetterQueue'), 'Arn'] } },
      })],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 720,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('FindingsDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 20,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 120,
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('the rule never matches Security Hub\'s own import events, and matches failures and successes', () => {
    const { template } = synth();
    const rule = Object.values(template.findResources('AWS::Events::Rule'))[0] as any;
    const fixtures = loadExampleEvents(path.join(__dirname, 'fixtures', 'backup-events'));
    const m = matchMatrix({ rule: rule.Properties.EventPattern }, {
      ...fixtures,
      'securityhub-imported': loadExampleEvents(path.join(__dirname, 'fixtures', 'other-events'))['securityhub-findings-imported'],
    });
    const hits = Object.keys(m.rule).filter((k) => m.rule[k]).sort();
    expect(hits).not.toContain('securityhub-imported');
    expect(hits).toEqual(expect.arrayContaining(['backup-failed', 'backup-completed', 'restore-failed', 'restore-completed', 'scan-completed-threats', 'scan-completed-no-threats', 'copy-partial']));
    expect(hits).not.toEqual(expect.arrayContaining(['backup-running']));
    expect(hits.filter((h) => /created|running|pending|^backup-vault|^backup-plan|^region|^recovery-point/.test(h))).toEqual([]);
  });

  test('alarms on dead-lettered messages, errors and throttles, sent to the given topic', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const topic = new sns.Topic(stack, 'Ops');
    new SecurityHubFindingForwarder(stack, 'F', { eventBus: new events.EventBus(stack, 'Bus'), alarmTopic: topic });
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(['ApproximateNumberOfMessagesVisible', 'Errors', 'Throttles']);
    for (const a of alarms) expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/Ops/) }]);
  });
});

describe('IAM and attribution', () => {
  test('forwarder account: BatchImportFindings only through its own product ARN, no sts', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Action: 'securityhub:BatchImportFindings',
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:eu-west-1:111111111111:product/111111111111/default']] },
        }]),
      },
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'))).not.toContain('sts:AssumeRole');
    expect(env(template).ATTRIBUTION_MODE).toBe('FORWARDER_ACCOUNT');
    expect(env(template).MEMBER_ROLE_NAME).toBeUndefined();
  });

  test('source account: sts:AssumeRole limited to the member role name, within the organization', () => {
    const { template } = synth({ attribution: FindingAttribution.SOURCE_ACCOUNT, organizationId: 'o-a1b2c3d4e5', memberRoleName: 'backup-findings' });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/backup-findings']] },
          Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } },
        }]),
      },
    });
    // Its own account's events are imported with its own credentials, so only its own product ARN is allowed.
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Action: 'securityhub:BatchImportFindings',
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:*:111111111111:product/111111111111/default']] },
        }]),
      },
    });
    expect(env(template)).toMatchObject({ ATTRIBUTION_MODE: 'SOURCE_ACCOUNT', MEMBER_ROLE_NAME: 'backup-findings' });
  });

  test('source account without organizationId warns', () => {
    const { stack } = synth({ attribution: FindingAttribution.SOURCE_ACCOUNT });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('set organizationId to limit sts:AssumeRole'));
  });

  test('the forwarder role can get a fixed name, for member accounts to trust', () => {
    const { template, forwarder, stack } = synth({ forwarderRoleName: 'backup-findings-forwarder' });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'backup-findings-forwarder' });
    expect(stack.resolve(forwarder.forwarderRole.roleArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/FunctionRole/), 'Arn'] });
    template.hasResourceProperties('AWS::Lambda::Function', { Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('FunctionRole'), 'Arn'] } });
  });

  test('the member-side role has the default name and may only import into, and read, its own account\'s hub', () => {
    // Its trust (the forwarder account with aws:PrincipalArn, within the organization) is asserted, with the
    // IAM documentation it follows, in test/delivery-contract.test.ts.
    const app = new App();
    const stack = new Stack(app, 'Member', { env: { account: '222222222222', region: 'eu-west-1' } });
    new SecurityHubFindingImporterRole(stack, 'Importer', { forwarderRoleArn: 'arn:aws:iam::111111111111:role/forwarder', organizationId: 'o-a1b2c3d4e5' });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::IAM::Role', { RoleName: SecurityHubFindingImporterRole.DEFAULT_ROLE_NAME });
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          { Action: 'securityhub:BatchImportFindings', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:*:222222222222:product/222222222222/default']] } },
          { Action: 'securityhub:GetFindings', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:*:222222222222:hub/default']] } },
        ],
      },
    });
  });
});

describe('severity overrides and insight', () => {
  test('overrides become the function\'s SEVERITY_OVERRIDES', () => {
    const { template } = synth({
      severityOverrides: [
        { jobKind: BackupJobKind.RESTORE, state: BackupJobState.FAILED, severity: FindingSeverity.CRITICAL },
        { jobKind: BackupJobKind.SCAN, severity: FindingSeverity.HIGH },
      ],
    });
    expect(JSON.parse(env(template).SEVERITY_OVERRIDES)).toEqual({ 'RESTORE:FAILED': 'CRITICAL', 'SCAN:THREATS_FOUND': 'HIGH' });
  });

  test('the insight groups active findings of this library by resource', () => {
    const { template, forwarder } = synth({ createInsight: true });
    expect(forwarder.insight).toBeDefined();
    template.hasResourceProperties('AWS::SecurityHub::Insight', {
      GroupByAttribute: 'ResourceId',
      Filters: {
        GeneratorId: [{ Comparison: 'PREFIX', Value: 'cdk-backup-alarms/' }],
        RecordState: [{ Comparison: 'EQUALS', Value: 'ACTIVE' }],
      },
    });
    synth().template.resourceCountIs('AWS::SecurityHub::Insight', 0);
  });
});

describe('refuses bad props', () => {
  test.each<[string, Partial<SecurityHubFindingForwarderProps>, RegExp]>([
    ['unknown attribution', { attribution: 'BOTH' as FindingAttribution }, /attribution is 'BOTH'/],
    ['bad member role', { memberRoleName: 'a role' }, /memberRoleName must be an IAM role name.*got 'a role'/],
    ['bad organization', { organizationId: 'o-1' }, /organizationId must be an organization id like o-a1b2c3d4e5.*got 'o-1'/],
    ['receive count', { maxReceiveCount: 0 }, /maxReceiveCount must be a whole number from 1 to 1000, got 0/],
    ['bad forwarder role name', { forwarderRoleName: 'a:b' }, /forwarderRoleName must be an IAM role name.*got 'a:b'/],
    ['success state has no severity', { severityOverrides: [{ jobKind: BackupJobKind.BACKUP, state: BackupJobState.COMPLETED, severity: FindingSeverity.LOW }] }, /severityOverrides has state 'COMPLETED' for BACKUP/],
    ['state of another kind', { severityOverrides: [{ jobKind: BackupJobKind.COPY, state: BackupJobState.EXPIRED, severity: FindingSeverity.LOW }] }, /severityOverrides has state 'EXPIRED' for COPY/],
    ['no state outside scans', { severityOverrides: [{ jobKind: BackupJobKind.RESTORE, severity: FindingSeverity.LOW }] }, /entry for RESTORE has no state/],
    ['unknown severity', { severityOverrides: [{ jobKind: BackupJobKind.RESTORE, state: BackupJobState.FAILED, severity: 'URGENT' as FindingSeverity }] }, /severity 'URGENT'/],
  ])('%s', (_n, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('importer role props', () => {
    const stack = new Stack(new App(), 'M', { env: ENV });
    expect(() => new SecurityHubFindingImporterRole(stack, 'A', { forwarderRoleArn: 'forwarder', organizationId: 'o-a1b2c3d4e5' })).toThrow(/forwarderRoleArn must be an IAM role ARN.*got 'forwarder'/);
    expect(() => new SecurityHubFindingImporterRole(stack, 'B', { forwarderRoleArn: 'arn:aws:iam::111111111111:role/f', organizationId: 'org' })).toThrow(/organizationId must be an organization id like o-a1b2c3d4e5.*got 'org'/);
    expect(() => new SecurityHubFindingImporterRole(stack, 'C', { forwarderRoleArn: 'arn:aws:iam::111111111111:role/f', organizationId: 'o-a1b2c3d4e5', roleName: 'bad name' }))
      .toThrow(/roleName must be an IAM role name.*got 'bad name'/);
  });
});

test.each([FindingAttribution.FORWARDER_ACCOUNT, FindingAttribution.SOURCE_ACCOUNT])('cdk-nag AwsSolutions passes (%s) with reasons for every suppression', (attribution) => {
  const { app, stack } = synth({ attribution, createInsight: true });
  new SecurityHubFindingImporterRole(stack, 'Importer', { forwarderRoleArn: 'arn:aws:iam::111111111111:role/f', organizationId: 'o-a1b2c3d4e5' });
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  const findings = [
    ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
  ];
  expect(findings.map((f) => `${f.id}: ${String(f.entry.data).slice(0, 160)}`)).toEqual([]);
});

describe('compliance defaults (NIST 800-53, HIPAA, PCI DSS, Serverless)', () => {
  test('customer-managed policy, encrypted log group, reserved concurrency equal to the event source\'s maximum, active tracing', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 2, TracingConfig: { Mode: 'Active' } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 2 } });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), RetentionInDays: 365 });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    // The event source mapping is created after the policy that lets the role read the queue.
    const policyId = Object.keys(template.findResources('AWS::IAM::ManagedPolicy'))[0];
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0] as any;
    expect(mapping.DependsOn).toContain(policyId);
  });

  test('reserveConcurrency: false, tracing disabled and a key of the user\'s own', () => {
    const app = new App();
    const stack = new Stack(app, 'Central', { env: ENV });
    const key = new kms.Key(stack, 'MyKey');
    new SecurityHubFindingForwarder(stack, 'Findings', {
      eventBus: new events.EventBus(stack, 'Bus'), reserveConcurrency: false, tracing: lambda.Tracing.DISABLED, logEncryptionKey: key,
    });
    const template = Template.fromStack(stack);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as any;
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(fn.Properties.TracingConfig).toBeUndefined();
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyKey'), 'Arn'] } });
  });
});
