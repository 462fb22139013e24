import * as path from 'path';
import { App, Aspects, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import {
  BackupFailureRule, BackupJobKind, BackupJobState, FindingAttribution, FindingSeverity,
  SecurityHubFindingForwarder, SecurityHubFindingForwarderProps, SecurityHubFindingImporterRole,
} from '../src';
import { ARCHITECTURES, FINDINGS_FORWARDER_ROLE } from './example/architectures';
import { EXAMPLE } from './example/deployment';
import { loadExampleEvents, matchMatrix } from './ruler/ruler';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function synth(props: Partial<SecurityHubFindingForwarderProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: ENV });
  const bus = new events.EventBus(stack, 'Bus');
  const forwarder = new SecurityHubFindingForwarder(stack, 'Findings', { eventBus: bus, ...props });
  return { app, stack, forwarder, get template() { return Template.fromStack(stack); } };
}

/** A CloudFormation value as text: pseudo parameters as <AWS::Name>, the stack id's UUID as <stack UUID>. */
function text(v: any): string {
  if (typeof v === 'string') return v;
  if (v?.Ref) return `<${v.Ref}>`;
  if (v?.['Fn::Join']) return (v['Fn::Join'][1] as any[]).map(text).join(v['Fn::Join'][0]);
  if (JSON.stringify(v) === '{"Fn::Select":[2,{"Fn::Split":["/",{"Ref":"AWS::StackId"}]}]}') return '<stack UUID>';
  return JSON.stringify(v);
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

test.each([
  [FindingAttribution.FORWARDER_ACCOUNT, ENV],
  [FindingAttribution.SOURCE_ACCOUNT, ENV],
  // Environment-agnostic: the Region and account in the suppressed ARNs are pseudo parameters.
  [FindingAttribution.FORWARDER_ACCOUNT, undefined],
  [FindingAttribution.SOURCE_ACCOUNT, undefined],
])('cdk-nag AwsSolutions passes (%s, env %j) with reasons for every suppression', (attribution, stackEnv) => {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: stackEnv });
  new SecurityHubFindingForwarder(stack, 'Findings', { eventBus: new events.EventBus(stack, 'Bus'), attribution, createInsight: true });
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
  test('customer-managed policy, encrypted log group, concurrency capped by the event source (not reserved), active tracing', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 2 } });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), RetentionInDays: 365 });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    // The event source mapping is created after the policy that lets the role read the queue.
    const policyId = Object.keys(template.findResources('AWS::IAM::ManagedPolicy'))[0];
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0] as any;
    expect(mapping.DependsOn).toContain(policyId);
  });

  test('tracing disabled and a key of the user\'s own', () => {
    const app = new App();
    const stack = new Stack(app, 'Central', { env: ENV });
    const key = new kms.Key(stack, 'MyKey');
    new SecurityHubFindingForwarder(stack, 'Findings', {
      eventBus: new events.EventBus(stack, 'Bus'), tracing: lambda.Tracing.DISABLED, logEncryptionKey: key,
    });
    const template = Template.fromStack(stack);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as any;
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(fn.Properties.TracingConfig).toBeUndefined();
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyKey'), 'Arn'] } });
  });
});

describe('deploy, delete and deploy again (issue 19)', () => {
  // AWS CloudFormation, "AWS::Logs::LogGroup" (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html):
  // LogGroupName is 1 to 512 characters, unique per account and Region; without one CloudFormation generates a name.
  // "DeletionPolicy attribute" (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html):
  // Retain keeps the resource when the stack is deleted. A kept log group with a name fixed in the template makes the
  // next creation of the stack fail (AlreadyExists). A name is safe only if CloudFormation generates it or it
  // contains the stack id, which is new for every creation of a stack.
  const blocksRedeploy = (r: any): boolean => {
    if (!['Retain', 'RetainExceptOnCreate'].includes(r.DeletionPolicy)) return false;
    const name = r.Properties?.LogGroupName;
    return name !== undefined && !JSON.stringify(name).includes('"Ref":"AWS::StackId"');
  };
  const logGroupsOf = (stacks: Stack[]) => stacks.flatMap((st) =>
    Object.entries(Template.fromStack(st).findResources('AWS::Logs::LogGroup')).map(([id, r]) => ({ where: `${st.stackName}/${id}`, r })));

  test.each<[string, Partial<SecurityHubFindingForwarderProps>]>([
    ['defaults', {}],
    ['source account', { attribution: FindingAttribution.SOURCE_ACCOUNT, organizationId: 'o-a1b2c3d4e5' }],
    ['removalPolicy RETAIN', { removalPolicy: RemovalPolicy.RETAIN }],
    ['removalPolicy DESTROY', { removalPolicy: RemovalPolicy.DESTROY }],
  ])('%s: the log group is named per stack creation, within 512 characters', (_n, props) => {
    const { template } = synth(props);
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')) as any[];
    expect(groups).toHaveLength(1);
    expect(groups.filter(blocksRedeploy)).toEqual([]);
    const name = text(groups[0].Properties.LogGroupName);
    expect(name).toMatch(/^\/cdk-backup-alarms\/Central-Findings-[0-9A-F]{8}-<stack UUID>$/);
    // A UUID has 36 characters.
    expect(name.replace('<stack UUID>', 'x'.repeat(36)).length).toBeLessThanOrEqual(512);
  });

  test.each(Object.keys(ARCHITECTURES))('architecture %s: no log group kept on deletion under a fixed name', (name) => {
    const app = new App();
    const groups = logGroupsOf(ARCHITECTURES[name](app).stacks);
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.filter((g) => blocksRedeploy(g.r)).map((g) => g.where)).toEqual([]);
  });

  test('the key policy names the log group by name (no reference to it, no cycle), and the fixed name of earlier versions', () => {
    // CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using AWS KMS"
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html): kms:EncryptionContext:aws:logs:arn.
    const { template } = synth();
    const name = text((Object.values(template.findResources('AWS::Logs::LogGroup'))[0] as any).Properties.LogGroupName);
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0] as any;
    const logs = key.Properties.KeyPolicy.Statement.find((st: any) => st.Condition?.ArnEquals?.['kms:EncryptionContext:aws:logs:arn']);
    const arns = logs.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'];
    expect(JSON.stringify(arns)).not.toContain('LogGroup');
    // A stack updated from a version with the fixed name keeps that log group (RETAIN): its logs stay readable.
    expect(arns.map(text)).toEqual([
      `arn:<AWS::Partition>:logs:eu-west-1:111111111111:log-group:${name}`,
      `arn:<AWS::Partition>:logs:eu-west-1:111111111111:log-group:${name.replace(/-<stack UUID>$/, '')}`,
    ]);
  });

  test.each<[string, string, RemovalPolicy | undefined]>([
    ['default', 'Retain', undefined],
    ['RETAIN', 'Retain', RemovalPolicy.RETAIN],
    ['DESTROY', 'Delete', RemovalPolicy.DESTROY],
  ])('removalPolicy %s: log group, its key, buffer queue and dead-letter queue get DeletionPolicy %s', (_n, expected, removalPolicy) => {
    const { template } = synth({ removalPolicy });
    const kept = ['AWS::Logs::LogGroup', 'AWS::KMS::Key', 'AWS::SQS::Queue'].flatMap((type) =>
      Object.entries(template.findResources(type)).map(([id, r]: [string, any]) => [id, r.DeletionPolicy]));
    expect(kept).toHaveLength(4);
    expect(kept).toEqual(kept.map(([id]) => [id, expected]));
    // No queue has a fixed name either: a kept queue never blocks the next creation.
    for (const q of Object.values(template.findResources('AWS::SQS::Queue')) as any[]) expect(q.Properties.QueueName).toBeUndefined();
  });
});

describe('concurrency: capped by the event source, reserved only when asked (issue 19)', () => {
  // Lambda developer guide, "Configuring reserved concurrency for a function"
  // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html): a function may reserve at most
  // the account's unreserved concurrency minus 100, so accounts with a low quota refuse any reservation.
  test.each<[string, boolean | undefined, number | undefined]>([
    ['default', undefined, undefined],
    ['false', false, undefined],
    ['true', true, 2],
  ])('reserveConcurrency %s', (_n, reserveConcurrency, reserved) => {
    const { template } = synth({ reserveConcurrency });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as any;
    expect(fn.Properties.ReservedConcurrentExecutions).toEqual(reserved);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 2 } });
    const skips = (fn.Metadata.checkov?.skip ?? []).map((x: any) => x.id);
    const nag = fn.Metadata.cdk_nag.rules_to_suppress.map((x: any) => x.id);
    if (reserved === undefined) {
      expect(skips).toContain('CKV_AWS_115');
      expect(nag).toEqual(expect.arrayContaining(['NIST.800.53.R5-LambdaConcurrency', 'HIPAA.Security-LambdaConcurrency']));
    } else {
      expect(skips).not.toContain('CKV_AWS_115');
      expect(nag).not.toEqual(expect.arrayContaining(['NIST.800.53.R5-LambdaConcurrency']));
    }
  });

  test('NIST 800-53 and HIPAA packs report nothing on the default forwarder', () => {
    const { app, stack } = synth();
    Aspects.of(stack).add(new NIST80053R5Checks());
    Aspects.of(stack).add(new HIPAASecurityChecks());
    app.synth();
    const findings = [...Annotations.fromStack(stack).findError('*', Match.anyValue()), ...Annotations.fromStack(stack).findWarning('*', Match.anyValue())];
    expect(findings.map((f) => `${f.id}: ${String(f.entry.data).slice(0, 120)}`)).toEqual([]);
  });
});

describe('the function\'s role: no AWS managed policy, logs only to its own log group (issue 19)', () => {
  // AWS managed policy reference, "AWSLambdaBasicExecutionRole"
  // (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html): CreateLogGroup,
  // CreateLogStream and PutLogEvents on "*". Service Authorization Reference, "Actions, resources, and condition keys for
  // Amazon CloudWatch Logs" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html):
  // CreateLogStream acts on arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}, PutLogEvents on
  // ...:log-group:${LogGroupName}:log-stream:${LogStreamName}.
  test.each([FindingAttribution.FORWARDER_ACCOUNT, FindingAttribution.SOURCE_ACCOUNT])('%s', (attribution) => {
    const { template } = synth({ attribution });
    const role = Object.values(template.findResources('AWS::IAM::Role'))[0] as any;
    // Only its own customer-managed policy (attached from the policy's side), no AWS managed one.
    expect(JSON.stringify(role.Properties.ManagedPolicyArns ?? [])).not.toContain('iam::aws:policy');
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const statements = (Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0] as any).Properties.PolicyDocument.Statement as any[];
    const logs = statements.filter((st) => [].concat(st.Action).some((a: string) => a.startsWith('logs:')));
    expect(logs).toHaveLength(1);
    expect([].concat(logs[0].Action).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    const name = text((Object.values(template.findResources('AWS::Logs::LogGroup'))[0] as any).Properties.LogGroupName);
    const group = `arn:<AWS::Partition>:logs:eu-west-1:111111111111:log-group:${name}`;
    expect(logs[0].Resource.map(text)).toEqual([group, `${group}:*`]);
    expect(JSON.stringify(statements)).not.toContain('logs:CreateLogGroup');
  });

  test('the ":*" of the log streams is explained, naming the group', () => {
    const { template } = synth();
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0] as any;
    const reasons = policy.Metadata.cdk_nag.rules_to_suppress.filter((r: any) => String(r.appliesTo).includes(':logs:'));
    expect(reasons).toHaveLength(1);
    expect(reasons[0].reason).toMatch(/^The function writes its logs only to its own log group, \/cdk-backup-alarms\/\{unique name of the construct\}-\{stack UUID\}/);
    // The excused resource is exactly the streams of this group, as cdk-nag names it.
    expect(reasons[0].appliesTo).toEqual([
      'Resource::arn:<AWS::Partition>:logs:eu-west-1:111111111111:log-group:/cdk-backup-alarms/Central-Findings-4097C991-{"Fn::Select":[2,{"Fn::Split":["/",{"Ref":"AWS::StackId"}]}]}:*',
    ]);
    // Nothing explains a managed policy any more.
    const role = Object.values(template.findResources('AWS::IAM::Role'))[0] as any;
    expect(JSON.stringify(role.Metadata ?? {})).not.toContain('AwsSolutions-IAM4');
  });
});

describe('checkov reads the same reasons as cdk-nag (issue 19)', () => {
  const fnOf = (t: Template) => Object.values(t.findResources('AWS::Lambda::Function'))[0] as any;
  // [checkov id, the cdk-nag rule whose reason it shares, or a reason of its own]
  test.each<[string, string | RegExp]>([
    ['CKV_AWS_116', 'NIST.800.53.R5-LambdaDLQ'],
    ['CKV_AWS_117', 'NIST.800.53.R5-LambdaInsideVPC'],
    ['CKV_AWS_115', 'NIST.800.53.R5-LambdaConcurrency'],
    // Lambda developer guide, "Securing Lambda environment variables"
    // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html): encrypted at rest with an AWS managed key by default.
    ['CKV_AWS_173', /hold no secret.*AWS managed key.*Securing Lambda environment variables/],
  ])('function: %s', (id, reason) => {
    const fn = fnOf(synth().template);
    const skip = fn.Metadata.checkov.skip.find((x: any) => x.id === id);
    expect(skip).toBeDefined();
    if (typeof reason === 'string') {
      expect(skip.comment).toEqual(fn.Metadata.cdk_nag.rules_to_suppress.find((r: any) => r.id === reason).reason);
    } else {
      expect(skip.comment).toMatch(reason);
    }
  });

  test('both queues: CKV_AWS_27 (SQS-managed encryption)', () => {
    const queues = Object.values(synth().template.findResources('AWS::SQS::Queue')) as any[];
    expect(queues).toHaveLength(2);
    for (const q of queues) expect(q.Metadata.checkov.skip.map((x: any) => x.id)).toEqual(['CKV_AWS_27']);
  });
});

describe('fixed role names are global to an account (issue 19)', () => {
  // IAM user guide, "IAM identifiers" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html):
  // a role's name is unique within the account, in every Region; a second create fails with EntityAlreadyExists.
  const forwarder = (app: App, id: string, stackEnv: { account?: string; region?: string } | undefined, forwarderRoleName: string | undefined) => {
    const stack = new Stack(app, id, { env: stackEnv });
    new SecurityHubFindingForwarder(stack, 'Findings', { eventBus: new events.EventBus(stack, 'Bus'), forwarderRoleName });
    return stack;
  };
  const importer = (app: App, id: string, stackEnv: { account: string; region: string }, roleName?: string) => {
    const stack = new Stack(app, id, { env: stackEnv });
    new SecurityHubFindingImporterRole(stack, 'Importer', { forwarderRoleArn: 'arn:aws:iam::111111111111:role/f', organizationId: 'o-a1b2c3d4e5', roleName });
    return stack;
  };
  const A = { account: '111111111111', region: 'eu-west-1' };
  const B = { account: '111111111111', region: 'eu-central-1' };
  const OTHER_ACCOUNT = { account: '222222222222', region: 'eu-central-1' };
  const CHINA = { account: '111111111111', region: 'cn-north-1' };

  test.each<[string, (app: App) => void, RegExp | undefined]>([
    ['two forwarders, one name, two Regions of one account',
      (app) => { forwarder(app, 'A', A, 'backup-findings-forwarder'); forwarder(app, 'B', B, 'backup-findings-forwarder'); },
      /role name 'backup-findings-forwarder' is created twice in account 111111111111: by SecurityHubFindingForwarder 'A\/Findings' \(forwarderRoleName, eu-west-1\) and by SecurityHubFindingForwarder 'B\/Findings' \(forwarderRoleName, eu-central-1\).*EntityAlreadyExists.*'backup-findings-forwarder-eu-central-1'/],
    ['two importer roles with the default name in two Regions of one account',
      (app) => { importer(app, 'A', A); importer(app, 'B', B); },
      /role name 'cdk-backup-alarms-finding-importer' is created twice.*SecurityHubFindingImporterRole 'A\/Importer' \(roleName, eu-west-1\).*SecurityHubFindingImporterRole 'B\/Importer' \(roleName, eu-central-1\)/],
    ['a forwarder and an importer role of the same name in one account',
      (app) => { forwarder(app, 'A', A, 'shared'); importer(app, 'B', B, 'shared'); },
      /role name 'shared' is created twice.*SecurityHubFindingForwarder 'A\/Findings'.*SecurityHubFindingImporterRole 'B\/Importer'/],
    ['the same name twice in one environment-agnostic stack',
      (app) => {
        const stack = forwarder(app, 'A', undefined, 'same');
        new SecurityHubFindingImporterRole(stack, 'Importer', { forwarderRoleArn: 'arn:aws:iam::111111111111:role/f', organizationId: 'o-a1b2c3d4e5', roleName: 'same' });
      },
      /role name 'same' is created twice/],
    ['a forwarding rule\'s role: the same forwarderRoleName in two Regions of one account',
      (app) => {
        for (const [id, stackEnv] of [['A', A], ['B', B]] as const) {
          new BackupFailureRule(new Stack(app, id, { env: stackEnv }), 'Failures', { centralBusArn: 'arn:aws:events:eu-west-1:999999999999:event-bus/alarms', forwarderRoleName: 'backup-alarms-forwarder' });
        }
      },
      /role name 'backup-alarms-forwarder' is created twice in account 111111111111: by BackupFailureRule 'A\/Failures' \(forwarderRoleName, eu-west-1\) and by BackupFailureRule 'B\/Failures' \(forwarderRoleName, eu-central-1\)/],
    ['names with the Region', (app) => { forwarder(app, 'A', A, 'fwd-eu-west-1'); forwarder(app, 'B', B, 'fwd-eu-central-1'); }, undefined],
    ['one name in two accounts', (app) => { forwarder(app, 'A', A, 'fwd'); forwarder(app, 'B', OTHER_ACCOUNT, 'fwd'); }, undefined],
    ['the same twelve digits in another partition', (app) => { forwarder(app, 'A', A, 'fwd'); forwarder(app, 'B', CHINA, 'fwd'); }, undefined],
    ['generated names', (app) => { forwarder(app, 'A', A, undefined); forwarder(app, 'B', B, undefined); }, undefined],
    ['environment-agnostic stacks (any account: not judged)', (app) => { forwarder(app, 'A', undefined, 'fwd'); forwarder(app, 'B', undefined, 'fwd'); }, undefined],
  ])('%s', (_n, build, error) => {
    const app = new App();
    build(app);
    if (error) expect(() => app.synth()).toThrow(error);
    else expect(() => app.synth()).not.toThrow();
  });

  test('the example\'s source-account forwarder role carries its Region, and every importer role trusts exactly it', () => {
    expect(FINDINGS_FORWARDER_ROLE).toBe(`backup-findings-forwarder-${EXAMPLE.centralRegion}`);
    const app = new App();
    const { stacks } = ARCHITECTURES['organization-source-account'](app);
    const roles = stacks.flatMap((st) => Object.values(Template.fromStack(st).findResources('AWS::IAM::Role')) as any[]);
    const forwarderRoles = roles.filter((r) => String(r.Properties.RoleName).startsWith('backup-findings-forwarder'));
    expect(forwarderRoles.map((r) => r.Properties.RoleName)).toEqual([`backup-findings-forwarder-${EXAMPLE.centralRegion}`]);
    const trusted = roles.filter((r) => r.Properties.RoleName === SecurityHubFindingImporterRole.DEFAULT_ROLE_NAME)
      .map((r) => r.Properties.AssumeRolePolicyDocument.Statement[0].Condition.ArnEquals['aws:PrincipalArn']);
    expect(trusted.length).toBeGreaterThan(1);
    expect(new Set(trusted)).toEqual(new Set([`arn:aws:iam::${EXAMPLE.centralAccount}:role/backup-findings-forwarder-${EXAMPLE.centralRegion}`]));
  });
});
