import { App, Aspects, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BackupFailureRule, BackupFailureRuleProps, BackupJobKind, BackupJobState } from '../src';

const CENTRAL = 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms';

function synth(props: Partial<BackupFailureRuleProps> = {}, env = { account: '222222222222', region: 'eu-west-1' }) {
  const app = new App();
  const stack = new Stack(app, 'Member', { env });
  const construct = new BackupFailureRule(stack, 'Failures', { centralBusArn: CENTRAL, ...props });
  return { stack, construct, template: Template.fromStack(stack) };
}

function pattern(template: Template): any {
  const rules = template.findResources('AWS::Events::Rule');
  const [rule] = Object.values(rules);
  return (rule as any).Properties.EventPattern;
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
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: CENTRAL }] },
    });
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
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

  test('no forwarding across partitions', () => {
    expect(() => synth({}, { account: '222222222222', region: 'cn-north-1' })).toThrow(/partition aws but this stack is in aws-cn/);
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
