import { App, Aspects, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BackupFailureRule, BackupFailureRuleProps, BackupFailureRuleStackSet, BackupJobKind, BackupJobState, CentralAlarmBus } from '../src';
import { withoutHeartbeat } from './support/assertions';

const CENTRAL = 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms';

function synth(props: Partial<BackupFailureRuleProps> = {}, env = { account: '222222222222', region: 'eu-west-1' }) {
  const app = new App();
  const stack = new Stack(app, 'Member', { env });
  const construct = new BackupFailureRule(stack, 'Failures', { centralBusArn: CENTRAL, ...props });
  return { stack, construct, template: Template.fromStack(stack) };
}

/** The rule's own pattern: the deployed one is exactly that or its heartbeat (test/support/assertions.ts). */
function pattern(template: Template): any {
  const rules = template.findResources('AWS::Events::Rule');
  const [rule] = Object.values(rules);
  return withoutHeartbeat((rule as any).Properties.EventPattern, 'backup-failure-rule');
}

describe('BackupFailureRule pattern', () => {
  test('defaults: every job kind, every failure state, on the right state field, plus scan threats', () => {
    const { template } = synth();
    expect(pattern(template)).toEqual({
      'source': ['aws.backup'],
      'detail-type': ['Backup Job State Change', 'Copy Job State Change', 'Restore Job State Change', 'Scan Job State Change'],
      '$or': [
        { 'detail-type': ['Backup Job State Change'], 'detail': { state: ['FAILED', 'ABORTED', 'EXPIRED', 'PARTIAL'] } },
        { 'detail-type': ['Copy Job State Change'], 'detail': { state: ['FAILED', 'PARTIAL'] } },
        { 'detail-type': ['Restore Job State Change'], 'detail': { status: ['FAILED', 'ABORTED'] } },
        { 'detail-type': ['Scan Job State Change'], 'detail': { state: ['FAILED', 'COMPLETED_WITH_ISSUES'] } },
        { 'detail-type': ['Scan Job State Change'], 'detail': { scanResult: { scanResultStatus: ['THREATS_FOUND'] } } },
      ],
    });
    template.hasResourceProperties('AWS::Events::Rule', { EventBusName: Match.absent(), State: 'ENABLED' });
  });

  test('a single job kind needs no $or', () => {
    const { template } = synth({ jobKinds: [BackupJobKind.RESTORE] });
    expect(pattern(template)).toEqual({
      'source': ['aws.backup'],
      'detail-type': ['Restore Job State Change'],
      'detail': { status: ['FAILED', 'ABORTED'] },
    });
  });

  test('chosen states, resource types, vaults and restore-testing exclusion', () => {
    const { template } = synth({
      jobKinds: [BackupJobKind.BACKUP, BackupJobKind.COPY, BackupJobKind.RESTORE],
      backupJobStates: [BackupJobState.FAILED, BackupJobState.EXPIRED],
      resourceTypes: ['EBS', 'RDS'],
      backupVaultNames: ['prod-vault'],
      excludeRestoreTestingJobs: true,
    });
    const p = pattern(template);
    expect(p.$or).toEqual([
      { 'detail-type': ['Backup Job State Change'], 'detail': { state: ['FAILED', 'EXPIRED'], resourceType: ['EBS', 'RDS'], backupVaultName: ['prod-vault'] } },
      { 'detail-type': ['Copy Job State Change'], 'detail': { state: ['FAILED', 'PARTIAL'], resourceType: ['EBS', 'RDS'], sourceBackupVaultArn: [{ wildcard: '*:backup-vault:prod-vault' }] } },
      { 'detail-type': ['Restore Job State Change'], 'detail': { status: ['FAILED', 'ABORTED'], resourceType: ['EBS', 'RDS'], restoreTestingPlanArn: [{ exists: false }] } },
    ]);
  });

  test('forwardCompletions adds COMPLETED to every kind', () => {
    const { template } = synth({ forwardCompletions: true, forwardScanThreats: false });
    const p = pattern(template);
    for (const branch of p.$or) {
      const field = branch['detail-type'][0] === 'Restore Job State Change' ? 'status' : 'state';
      expect(branch.detail[field]).toContain('COMPLETED');
    }
    expect(JSON.stringify(p)).not.toContain('THREATS_FOUND');
  });

  test('a given event bus is used', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '222222222222', region: 'eu-west-1' } });
    const bus = new events.EventBus(stack, 'Local');
    new BackupFailureRule(stack, 'F', { centralBusArn: CENTRAL, eventBus: bus });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', { EventBusName: { Ref: Match.stringLikeRegexp('Local') } });
  });
});

describe('BackupFailureRule target contract', () => {
  test('central bus target through a role, with retry policy and dead-letter queue', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [{
        Arn: CENTRAL,
        Id: Match.anyValue(),
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ForwarderRole'), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
      }],
    });
  });

  test('the role may only PutEvents on the central bus, and only EventBridge of this account may assume it', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '222222222222' } },
        }],
      },
    });
    // The forwarder's policy, and the heartbeat's (issue 20), which may put events only on this account's default bus.
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).map((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toHaveLength(2);
    expect(statements).toContainEqual([{ Action: 'events:PutEvents', Effect: 'Allow', Resource: CENTRAL }]);
    expect(statements).toContainEqual([{
      Action: 'events:PutEvents',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:222222222222:event-bus/default']] },
    }]);
  });

  test('the dead-letter queue is encrypted, TLS-only, and only this rule may send to it', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('Rule'), 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  test('an alarm fires when the dead-letter queue holds a message, and notifies the given topic', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '222222222222', region: 'eu-west-1' } });
    const topic = new sns.Topic(stack, 'Ops');
    new BackupFailureRule(stack, 'F', { centralBusArn: CENTRAL, alarmTopic: topic });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Ops') }],
    });
  });

  test('retry policy and a given dead-letter queue', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '222222222222', region: 'eu-west-1' } });
    const dlq = new sqs.Queue(stack, 'MyDlq', { enforceSSL: true });
    new BackupFailureRule(stack, 'F', { centralBusArn: CENTRAL, deadLetterQueue: dlq, retryAttempts: 3, maxEventAge: Duration.hours(2) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('MyDlq'), 'Arn'] } },
      })],
    });
    t.resourceCountIs('AWS::SQS::Queue', 1);
  });

  test('a central bus construct of the same app', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const bus = new events.EventBus(stack, 'Central');
    const rule = new BackupFailureRule(stack, 'F', { centralBus: bus });
    expect(rule.centralBus).toBe(bus);
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Central'), 'Arn'] } })],
    });
  });

  test('cross-Region forwarding in the commercial partition is allowed', () => {
    expect(() => synth({}, { account: '222222222222', region: 'us-east-2' })).not.toThrow();
  });

  test('users can add their own targets to the exposed rule', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '222222222222', region: 'eu-west-1' } });
    const f = new BackupFailureRule(stack, 'F', { centralBusArn: CENTRAL });
    f.rule.addTarget({ bind: () => ({ arn: 'arn:aws:sqs:eu-west-1:222222222222:extra' }) });
    const targets = (Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))[0] as any).Properties.Targets;
    expect(targets).toHaveLength(2);
  });
});

describe('BackupFailureRule refuses bad props', () => {
  test.each<[string, Partial<BackupFailureRuleProps>, RegExp]>([
    ['empty job kinds', { jobKinds: [] }, /jobKinds is empty/],
    ['unknown job kind', { jobKinds: ['SNAPSHOT' as BackupJobKind] }, /jobKinds contains 'SNAPSHOT'/],
    ['state a kind never reports', { copyJobStates: [BackupJobState.EXPIRED] }, /copyJobStates contains 'EXPIRED'.*COPY jobs never report/],
    ['restore state that only scans have', { restoreJobStates: [BackupJobState.CANCELED] }, /restoreJobStates contains 'CANCELED'/],
    ['empty states', { backupJobStates: [] }, /backupJobStates is empty/],
    ['malformed bus ARN', { centralBusArn: 'arn:aws:sns:eu-west-1:111111111111:topic' }, /centralBusArn must be an event bus ARN.*got 'arn:aws:sns:eu-west-1:111111111111:topic'/],
    ['account id too long', { centralBusArn: 'arn:aws:events:eu-west-1:1112233445566:event-bus/x' }, /centralBusArn must be an event bus ARN/],
    ['no central bus', { centralBusArn: undefined }, /centralBus or centralBusArn is required/],
    ['both central bus forms', { centralBus: { eventBusArn: CENTRAL } as events.IEventBus }, /either centralBus or centralBusArn, not both/],
    ['self-target: own default bus', { centralBusArn: 'arn:aws:events:eu-west-1:222222222222:event-bus/default' }, /is the bus the rule sits on/],
    ['retry attempts out of range', { retryAttempts: 186 }, /retryAttempts must be a whole number from 0 to 185, got 186/],
    ['event age out of range', { maxEventAge: Duration.hours(25) }, /maxEventAge must be from 60 seconds to 24 hours, got 1 day 1 hour/],
    ['empty resource types', { resourceTypes: [] }, /resourceTypes is empty/],
    ['bad vault name', { backupVaultNames: ['my vault!'] }, /backupVaultNames contains 'my vault!'/],
  ])('%s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('self-target: the bus the rule sits on', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const bus = new events.EventBus(stack, 'Central');
    expect(() => new BackupFailureRule(stack, 'F', { eventBus: bus, centralBus: bus })).toThrow(/is the bus the rule sits on/);
  });

  test('China Regions cannot forward to another Region', () => {
    expect(() => synth({ centralBusArn: 'arn:aws-cn:events:cn-north-1:111111111111:event-bus/central' },
      { account: '222222222222', region: 'cn-northwest-1' })).toThrow(/aws-cn partition cannot send events to a bus in another Region/);
    expect(() => synth({ centralBusArn: 'arn:aws-cn:events:cn-northwest-1:111111111111:event-bus/central' },
      { account: '222222222222', region: 'cn-northwest-1' })).not.toThrow();
  });

  // EventBridge routes events between Regions of one partition only (AWS Compute Blog, "Expanding cross-Region
  // event routing with Amazon EventBridge"; EventBridge user guide, "Sending and receiving events between AWS
  // Regions", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html). The partition
  // comes from the stack's Region, with or without @aws-cdk/core:enablePartitionLiterals (a bare App has no
  // flags: Stack.partition is then a token, and the check used to pass a GovCloud bus from eu-west-1).
  describe.each<[string, { [key: string]: boolean }]>([
    ['a bare App (no feature flags)', {}],
    ['an App with @aws-cdk/core:enablePartitionLiterals', { '@aws-cdk/core:enablePartitionLiterals': true }],
  ])('partitions, in %s', (_app, context) => {
    const build = (region: string, centralBusArn: string) => () => {
      const stack = new Stack(new App({ context }), 'Member', { env: { account: '222222222222', region } });
      new BackupFailureRule(stack, 'Failures', { centralBusArn });
    };
    test.each<[string, string, RegExp | undefined]>([
      ['eu-west-1', 'arn:aws-us-gov:events:us-gov-west-1:111111111111:event-bus/central',
        /centralBusArn 'arn:aws-us-gov:events:us-gov-west-1:111111111111:event-bus\/central' is in partition aws-us-gov but this stack \(eu-west-1\) is in aws; EventBridge cannot send events across partitions\. Deploy a central bus in the aws partition and give it as centralBusArn/],
      ['eu-west-1', 'arn:aws-cn:events:cn-north-1:111111111111:event-bus/central', /is in partition aws-cn but this stack \(eu-west-1\) is in aws;/],
      ['cn-north-1', CENTRAL, /is in partition aws but this stack \(cn-north-1\) is in aws-cn;/],
      ['us-gov-west-1', 'arn:aws-cn:events:cn-north-1:111111111111:event-bus/central', /partition aws-cn but this stack \(us-gov-west-1\) is in aws-us-gov/],
      ['us-iso-east-1', CENTRAL, /partition aws but this stack \(us-iso-east-1\) is in aws-iso;/],
      ['us-isob-east-1', CENTRAL, /partition aws but this stack \(us-isob-east-1\) is in aws-iso-b;/],
      ['eu-isoe-west-1', CENTRAL, /partition aws but this stack \(eu-isoe-west-1\) is in aws-iso-e;/],
      ['cn-northwest-1', 'arn:aws-cn:events:cn-north-1:111111111111:event-bus/central',
        /aws-cn partition cannot send events to a bus in another Region\. Deploy a central bus in cn-northwest-1 and give it as centralBusArn/],
      ['cn-northwest-1', 'arn:aws-cn:events:cn-northwest-1:111111111111:event-bus/central', undefined],
      ['us-gov-east-1', 'arn:aws-us-gov:events:us-gov-west-1:111111111111:event-bus/central', undefined],
      ['us-east-2', CENTRAL, undefined],
    ])('stack in %s, bus %s', (region, arn, message) => {
      if (message === undefined) expect(build(region, arn)).not.toThrow();
      else expect(build(region, arn)).toThrow(message);
    });
  });

  test('a pattern over EventBridge\'s default 2048-character quota warns', () => {
    const names = Array.from({ length: 12 }, (_, i) => `vault-with-a-rather-long-name-number-${i}`);
    const { stack } = synth({ backupVaultNames: names, forwardCompletions: true });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('over EventBridge\'s default quota of 2048.*backupVaultNames \\(12\\)'));
    const small = synth({ backupVaultNames: ['prod'] });
    expect(Annotations.fromStack(small.stack).findWarning('*', Match.stringLikeRegexp('quota of 2048'))).toEqual([]);
  });

  test('states for a kind that is not watched only warn', () => {
    const { stack } = synth({ jobKinds: [BackupJobKind.BACKUP], restoreJobStates: [BackupJobState.FAILED] });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('restoreJobStates is set but jobKinds does not include RESTORE'));
  });
});

test('cdk-nag AwsSolutions passes with no unexplained suppression', () => {
  const app = new App();
  const stack = new Stack(app, 'Nag', { env: { account: '222222222222', region: 'eu-west-1' } });
  new BackupFailureRule(stack, 'F', { centralBusArn: CENTRAL });
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
  const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
  expect(errors.map((e) => e.entry.data)).toEqual([]);
  expect(warnings.map((e) => e.entry.data)).toEqual([]);
});

describe('the central bus as a construct of another stack', () => {
  // Without a literal name, aws-cdk-lib refuses the reference late, with "Cannot use resource '...' in a
  // cross-environment fashion" (reproduced with aws-cdk-lib 2.193): the message names neither the prop nor the
  // fix. A bus of another account or Region is only reachable by its ARN, which only a name makes known.
  const build = (memberEnv: { account: string; region: string }, eventBusName?: string) => () => {
    const app = new App();
    const central = new Stack(app, 'Central', { env: { account: '111111111111', region: 'eu-west-1' } });
    const bus = new CentralAlarmBus(central, 'Alarms', { eventBusName, organizationId: 'o-a1b2c3d4e5', emailAddresses: ['team@example.com'] });
    const member = new Stack(app, 'Member', { env: memberEnv });
    new BackupFailureRule(member, 'Failures', { centralBus: bus.eventBus, forwarderRoleName: 'x' });
    app.synth();
    return Template.fromStack(member);
  };
  test.each<[string, { account: string; region: string }, string | undefined, RegExp | undefined]>([
    ['another Region, no name', { account: '111111111111', region: 'eu-central-1' }, undefined,
      /BackupFailureRule 'Member\/Failures': centralBus is the event bus 'Central\/Alarms\/EventBus' of a stack in 111111111111\/eu-west-1, but this stack is in 111111111111\/eu-central-1.*give the bus a name \(CentralAlarmBus prop eventBusName/],
    ['another account, no name', { account: '222222222222', region: 'eu-west-1' }, undefined, /centralBus is the event bus .* or pass its ARN as centralBusArn/],
    ['another Region, named', { account: '111111111111', region: 'eu-central-1' }, 'backup-alarms', undefined],
    ['another account, named', { account: '222222222222', region: 'eu-west-1' }, 'backup-alarms', undefined],
    ['same account and Region, no name (a cross-stack export)', { account: '111111111111', region: 'eu-west-1' }, undefined, undefined],
  ])('%s', (_name, env, eventBusName, message) => {
    if (message === undefined) expect(build(env, eventBusName)).not.toThrow();
    else expect(build(env, eventBusName)).toThrow(message);
  });

  test('a bus construct in China, used from another China Region, is refused by its Region too', () => {
    const app = new App();
    const central = new Stack(app, 'Central', { env: { account: '111111111111', region: 'cn-north-1' } });
    const bus = new events.EventBus(central, 'Bus', { eventBusName: 'central' });
    const member = new Stack(app, 'Member', { env: { account: '111111111111', region: 'cn-northwest-1' } });
    expect(() => new BackupFailureRule(member, 'Failures', { centralBus: bus })).toThrow(/centralBus 'Central\/Bus' is in cn-north-1 but this stack is in cn-northwest-1.*give it as centralBus/);
  });
});

describe('removalPolicy of the created dead-letter queue', () => {
  // The queue holds alarms that could not be delivered: a stack deletion keeps it unless the user opts in
  // (CloudFormation user guide, "DeletionPolicy attribute",
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
  test.each<[string, RemovalPolicy | undefined, string]>([
    ['default', undefined, 'Retain'],
    ['RETAIN', RemovalPolicy.RETAIN, 'Retain'],
    ['DESTROY', RemovalPolicy.DESTROY, 'Delete'],
  ])('%s', (_name, removalPolicy, expected) => {
    const { template } = synth({ removalPolicy });
    template.hasResource('AWS::SQS::Queue', { DeletionPolicy: expected, UpdateReplacePolicy: expected });
  });

  test('the stack set\'s ruleProps set it for every member', () => {
    const app = new App();
    const stack = new Stack(app, 'Mgmt', { env: { account: '999999999999', region: 'us-east-1' } });
    const set = new BackupFailureRuleStackSet(stack, 'Members', {
      centralBusArn: CENTRAL,
      organizationalUnitIds: ['ou-ab12-cdef3456'],
      regions: ['eu-west-1'],
      tamperRule: {},
      ruleProps: { removalPolicy: RemovalPolicy.DESTROY },
    });
    const queues = Object.values(Template.fromJSON(JSON.parse(set.templateBody)).findResources('AWS::SQS::Queue')) as any[];
    expect(queues.map((q) => q.DeletionPolicy)).toEqual(['Delete']);
  });
});
