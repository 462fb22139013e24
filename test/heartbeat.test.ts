/**
 * The heartbeat constructs, standalone: the member-side `BackupHeartbeat` (a Scheduler schedule that puts
 * the heartbeat on the default bus) and the central `HeartbeatMonitor` (rule -> buffer -> writer -> ledger;
 * checker on a schedule; alarms to the pipeline topic). Least privilege, every alarm with an action, cdk-nag
 * clean under all five packs, validation messages that name the prop, the value and the fix.
 *
 * Governing pages:
 * - "Setting up Amazon EventBridge Scheduler", "Set up the execution role" (trust scheduler.amazonaws.com),
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html, and "Confused deputy prevention in
 *   EventBridge Scheduler" (aws:SourceAccount or aws:SourceArn in the execution role's trust policy),
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
 * - "EventBridgeParameters" (Scheduler API reference: the templated PutEvents target; Source may not start with
 *   aws.), https://docs.aws.amazon.com/scheduler/latest/APIReference/API_EventBridgeParameters.html
 * - "Using Lambda with Amazon SQS" (visibility timeout six times the function timeout; partial batch responses),
 *   https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 * - "Lambda function metrics" (Invocations: no data point when the function is not invoked),
 *   https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
 */
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { BackupHeartbeat, HeartbeatMonitor, HeartbeatMonitorProps } from '../src';
import { NAG_PACKS, nagFindings } from './support/assertions';

const MEMBER = { account: '222222222222', region: 'eu-central-1' };
const CENTRAL = { account: '111111111111', region: 'eu-west-1' };

function memberStack(props?: ConstructorParameters<typeof BackupHeartbeat>[2]) {
  const app = new App();
  const stack = new Stack(app, 'Member', { env: MEMBER });
  const hb = new BackupHeartbeat(stack, 'Heartbeat', props);
  return { app, stack, hb, template: () => Template.fromStack(stack) };
}

function centralStack(props: Partial<HeartbeatMonitorProps> = {}, topics: { alarm?: boolean; pipeline?: boolean } = { alarm: true, pipeline: true }) {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: CENTRAL });
  const bus = new events.EventBus(stack, 'Bus');
  const key = new kms.Key(stack, 'TopicKey', { enableKeyRotation: true });
  const alarmTopic = topics.alarm ? new sns.Topic(stack, 'AlarmTopic', { enforceSSL: true, masterKey: key }) : undefined;
  const pipelineAlarmTopic = topics.pipeline ? new sns.Topic(stack, 'PipelineTopic', { enforceSSL: true, masterKey: key }) : undefined;
  const monitor = new HeartbeatMonitor(stack, 'Heartbeats', { eventBus: bus, alarmTopic, pipelineAlarmTopic, ...props });
  return { app, stack, monitor, template: () => Template.fromStack(stack) };
}

describe('BackupHeartbeat', () => {
  test('a schedule puts the heartbeat on this account\'s default bus, with a role that may do only that', () => {
    const t = memberStack().template();
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(480 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-central-1:222222222222:event-bus/default']] },
        Input: JSON.stringify({ schemaVersion: 1, rule: 'backup-failure-rule', intervalSeconds: 28_800 }),
        EventBridgeParameters: { Source: 'cdk-backup-alarms.heartbeat', DetailType: 'Backup Alarms Heartbeat' },
        RoleArn: Match.anyValue(),
      },
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '222222222222' } },
        }],
      },
    });
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [{
          Action: 'events:PutEvents',
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-central-1:222222222222:event-bus/default']] },
        }],
      },
    });
  });

  test('the source is not aws.* (Scheduler refuses those) and the rule id and interval are the props', () => {
    const t = memberStack({ ruleId: 'backup-tamper-rule', interval: Duration.minutes(30) }).template();
    const s = Object.values(t.findResources('AWS::Scheduler::Schedule'))[0] as any;
    expect(s.Properties.Target.EventBridgeParameters.Source).not.toMatch(/^aws\./);
    expect(JSON.parse(s.Properties.Target.Input)).toEqual({ schemaVersion: 1, rule: 'backup-tamper-rule', intervalSeconds: 1800 });
    expect(s.Properties.ScheduleExpression).toBe('rate(30 minutes)');
  });

  test.each([
    ['a rule id with capitals', { ruleId: 'Backup_Rule' }, /BackupHeartbeat 'Member\/Heartbeat': ruleId must be 1 to 64 lower-case letters, digits, dots and hyphens.*got 'Backup_Rule'/],
    ['1 minute', { interval: Duration.minutes(1) }, /interval must be whole minutes from 5 minutes to 1 day, got 1 minute; for example Duration.hours\(8\)/],
    ['2 days', { interval: Duration.days(2) }, /interval must be whole minutes from 5 minutes to 1 day, got 2 days/],
    ['330 seconds', { interval: Duration.seconds(330) }, /interval must be whole minutes/],
  ])('refuses %s', (_case, props, message) => {
    expect(() => memberStack(props)).toThrow(message);
  });

  test('cdk-nag: all five packs, nothing unsuppressed', () => {
    const { app, stack } = memberStack();
    expect(nagFindings(app, [stack], NAG_PACKS)).toEqual([]);
  });
});

describe('HeartbeatMonitor', () => {
  test('heartbeats on the central bus go to an encrypted buffer with a dead-letter queue, then to the writer', () => {
    const t = centralStack().template();
    t.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: { 'source': ['cdk-backup-alarms.heartbeat'], 'detail-type': ['Backup Alarms Heartbeat'] },
      Targets: [Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: Match.anyValue(),
      })],
    });
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, VisibilityTimeout: 180, RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  test('the ledger: on demand, encrypted, point-in-time recovery, TTL, kept on deletion', () => {
    const t = centralStack().template();
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
    });
    // No index: the checker scans (cheaper than a GSI written on every heartbeat), the writer never reads.
    const table = Object.values(t.findResources('AWS::DynamoDB::Table'))[0] as any;
    expect(table.Properties.GlobalSecondaryIndexes).toBeUndefined();
    // The user may opt in to deletion.
    centralStack({ removalPolicy: RemovalPolicy.DESTROY }).template().hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  test('least privilege: the writer may only UpdateItem; the checker may Scan, GetItem and UpdateItem (PutItem only with expectations)', () => {
    const statements = (t: Template) => Object.values(t.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')))
      .map((s: any) => [s.Action].flat().sort());
    expect(statements(centralStack().template()).sort()).toEqual([
      ['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
      ['dynamodb:UpdateItem'],
    ]);
    expect(statements(centralStack({ expectedAccounts: ['222222222222'], expectedRegions: ['eu-central-1'] }).template()).sort()).toEqual([
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
      ['dynamodb:UpdateItem'],
    ]);
    // Logs: exactly the function's own log group, no AWS managed policy.
    const t = centralStack().template();
    for (const role of Object.values(t.findResources('AWS::IAM::Role')) as any[]) expect(role.Properties.ManagedPolicyArns ?? []).toEqual([]);
  });

  test('the checker runs on a schedule; the checker stopping, failing, and heartbeats not written all alarm to the pipeline topic', () => {
    const { template, stack } = centralStack();
    const t = template();
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } }),
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } } })] },
    });
    // Every EventBridge rule of the monitor has a pattern (the checker runs on a Scheduler schedule, not a scheduled rule).
    for (const r of Object.values(t.findResources('AWS::Events::Rule')) as any[]) expect(r.Properties.EventPattern).toBeDefined();
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocations',
      Namespace: 'AWS/Lambda',
      Period: 1800,
      Statistic: 'Sum',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
    const pipeline = stack.resolve((stack.node.findChild('PipelineTopic') as sns.Topic).topicArn);
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms).toHaveLength(4);
    for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([pipeline]);
  });

  test.each([
    ['both topics', { alarm: true, pipeline: true }, ['HEARTBEAT_ALARM_TOPIC_ARN', 'HEARTBEAT_PIPELINE_TOPIC_ARN']],
    ['alarm topic only', { alarm: true }, ['HEARTBEAT_ALARM_TOPIC_ARN']],
    ['pipeline topic only', { pipeline: true }, ['HEARTBEAT_PIPELINE_TOPIC_ARN']],
  ])('reports go to %s, and the checker may publish there', (_case, topics, vars) => {
    const t = centralStack({}, topics).template();
    const fns = Object.values(t.findResources('AWS::Lambda::Function')) as any[];
    const checker = fns.find((f) => f.Properties.Environment.Variables.HEARTBEAT_MISSED_INTERVALS !== undefined);
    expect(Object.keys(checker.Properties.Environment.Variables).filter((k) => k.endsWith('TOPIC_ARN')).sort()).toEqual(vars);
    const publishes = Object.values(t.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement).filter((s: any) => s.Action === 'sns:Publish');
    expect(publishes).toHaveLength(vars.length);
  });

  test.each([
    ['no topic', {}, { alarm: false, pipeline: false }, /alarmTopic and pipelineAlarmTopic are both unset, so reports of silent sources would tell nobody; give at least one/],
    ['missedIntervals 0', { missedIntervals: 0 }, undefined, /missedIntervals must be a whole number from 1 to 10, got 0/],
    ['checkPeriod 1 minute', { checkPeriod: Duration.minutes(1) }, undefined, /checkPeriod must be whole minutes from 5 minutes to 1 day, got 1 minute; for example Duration.minutes\(15\)/],
    ['accounts without Regions', { expectedAccounts: ['222222222222'] }, undefined, /expectedAccounts and expectedRegions go together \(got 1 accounts and no Regions\)/],
    ['a 13-digit account', { expectedAccounts: ['1112233445566'], expectedRegions: ['eu-west-1'] }, undefined, /expectedAccounts contains '1112233445566', expected a 12-digit account id/],
    ['a Region that is not one', { expectedAccounts: ['222222222222'], expectedRegions: ['Ireland'] }, undefined, /expectedRegions contains 'Ireland', expected a Region name/],
    ['300 accounts', { expectedAccounts: Array.from({ length: 300 }, (_v, i) => String(100000000000 + i)), expectedRegions: ['eu-west-1'] }, undefined,
      /expectedAccounts \(300\) x expectedRegions \(1\) take \d+ characters, more than the 3500 .* list at most about 250 accounts/],
  ])('refuses %s', (_case, props, topics, message) => {
    expect(() => centralStack(props as any, topics)).toThrow(message);
  });

  test('securityHubFindings: the checker may import findings through this account\'s own product ARN only', () => {
    const imports = (t: Template) => Object.values(t.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement).filter((s: any) => s.Action === 'securityhub:BatchImportFindings');
    expect(imports(centralStack().template())).toEqual([]);
    const t = centralStack({ securityHubFindings: true }).template();
    expect(imports(t).map((s: any) => s.Resource)).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:eu-west-1:111111111111:product/111111111111/default']] },
    ]);
    const fns = Object.values(t.findResources('AWS::Lambda::Function')) as any[];
    expect(fns.some((f) => f.Properties.Environment.Variables.HEARTBEAT_SECURITY_HUB_FINDINGS === 'true')).toBe(true);
  });

  test('expectations reach the checker as JSON', () => {
    const t = centralStack({ expectedAccounts: ['222222222222', '333333333333'], expectedRegions: ['eu-central-1'] }).template();
    const fns = Object.values(t.findResources('AWS::Lambda::Function')) as any[];
    const checker = fns.find((f) => f.Properties.Environment.Variables.HEARTBEAT_EXPECTED_SOURCES !== undefined);
    expect(JSON.parse(checker.Properties.Environment.Variables.HEARTBEAT_EXPECTED_SOURCES)).toEqual({
      accounts: ['222222222222', '333333333333'], regions: ['eu-central-1'], rules: ['backup-failure-rule'],
    });
  });

  test('cdk-nag: all five packs, nothing unsuppressed', () => {
    const { app, stack } = centralStack({ expectedAccounts: ['222222222222'], expectedRegions: ['eu-central-1'] });
    expect(nagFindings(app, [stack], NAG_PACKS)).toEqual([]);
  });
});
