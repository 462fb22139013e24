/**
 * The StormControl construct: its rule takes job failures only (event-ruler on AWS's documented examples:
 * failures in; successes, progress, tamper signals, policy changes, heartbeats and forged sources out), least
 * privilege (the recorder may UpdateItem and GetItem the ledger, the flusher Scan only the sparse index), a short
 * batching window, the flush schedule every minute, every alarm with an action, cdk-nag clean under all five
 * packs, and validation messages that name the prop, the value and what is expected.
 *
 * Governing pages:
 * - "Amazon EventBridge and AWS Backup" (job events and their states), https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html
 * - "Permissions for Amazon SQS" targets of EventBridge (a queue policy admitting events.amazonaws.com with
 *   aws:SourceArn of the rule), https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sqs-permissions
 * - "Using Lambda with Amazon SQS" (batching window, partial batch responses), https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 * - "Confused deputy prevention in EventBridge Scheduler" (aws:SourceAccount in the execution role's trust policy),
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
 * - DynamoDB actions, resources and condition keys (Scan on an index ARN `table/<name>/index/<index>`),
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
 * - "Publish" (SNS: sns:Publish on the topic; kms:GenerateDataKey* and kms:Decrypt on its key when encrypted),
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 */
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { loadExampleEvents, matchMatrix } from './ruler/ruler';
import { NAG_PACKS, nagFindings } from './support/assertions';
import { heartbeatEvent } from './support/heartbeat-event';
import { apiCall, stateChanges } from './support/tamper-events';
import { StormControl, StormControlProps } from '../src/storm-control';

const CENTRAL = { account: '111111111111', region: 'eu-west-1' };

function storm(props: Partial<StormControlProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: CENTRAL });
  const eventBus = new events.EventBus(stack, 'Bus');
  const alarmTopic = new sns.Topic(stack, 'Alarms', { enforceSSL: true, masterKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) });
  const s = new StormControl(stack, 'Storms', { eventBus, alarmTopic, ...props });
  return { app, stack, s, template: Template.fromStack(stack) };
}

const statementsOf = (template: Template, idPrefix: string) => Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))
  .filter(([id]) => id.startsWith(idPrefix))
  .flatMap(([, p]: [string, any]) => [].concat(p.Properties.PolicyDocument.Statement)) as any[];

describe('the rule takes job failures, and nothing else', () => {
  const { template } = storm();
  const deployed = Object.values(template.findResources('AWS::Events::Rule'))[0] as any;
  const backup = loadExampleEvents(path.join(__dirname, 'fixtures', 'backup-events'));
  const organizations = loadExampleEvents(path.join(__dirname, 'fixtures', 'organizations-events'));
  const heartbeat = heartbeatEvent({ account: '222222222222', region: 'eu-west-1', rule: 'backup-failure-rule', time: Date.parse('2026-12-01T00:00:00Z'), intervalSeconds: 28_800 });
  const tamper = {
    ...stateChanges(),
    'call DeleteRecoveryPoint': apiCall('DeleteRecoveryPoint'),
    'call DeleteBackupVault': apiCall('DeleteBackupVault'),
    'call PutBackupVaultAccessPolicy': apiCall('PutBackupVaultAccessPolicy'),
  };
  const forged = { ...backup['backup-failed'], source: 'custom.aws.backup' };
  const m = matchMatrix({ rule: deployed.Properties.EventPattern }, { ...backup, ...organizations, ...tamper, heartbeat, forged }).rule;

  test.each([
    'backup-failed', 'backup-expired', 'backup-aborted', 'backup-partial', 'copy-failed', 'copy-partial', 'restore-failed',
    'restore-failed-with-vault', 'restore-failed-restore-testing', 'restore-aborted', 'scan-failed', 'scan-canceled', 'scan-completed-threats',
  ])('failure %s: taken', (name) => {
    expect(m[name]).toBe(true);
  });

  test.each([
    'backup-completed', 'backup-completed-with-issues', 'backup-created', 'backup-pending', 'backup-running', 'copy-completed', 'copy-running',
    'restore-completed', 'restore-running', 'scan-completed-no-threats', 'scan-running', 'recovery-point-completed',
  ])('success or progress %s: not taken', (name) => {
    expect(m[name]).toBe(false);
  });

  test('tamper signals (calls and state changes) are never taken: they keep their direct rules', () => {
    expect(Object.keys(tamper).filter((k) => m[k])).toEqual([]);
  });

  test('policy changes, heartbeats and events whose source is not aws.* are not taken', () => {
    expect(Object.keys(organizations).filter((k) => m[k])).toEqual([]);
    expect([m.heartbeat, m.forged]).toEqual([false, false]);
  });
});

describe('StormControl', () => {
  test('failures go to a buffer with a dead-letter queue, then to the recorder in batches (2 s window) with partial failures', () => {
    const { template } = storm();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^Bus') },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('StormsQueue'), 'Arn'] }, DeadLetterConfig: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 360, RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100, MaximumBatchingWindowInSeconds: 2, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 2 },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('StormsRule'), 'Arn'] } } },
        })]),
      },
    });
  });

  test('least privilege: the recorder UpdateItem and GetItem on the ledger; the flusher also Scan, on the Pending index only; both publish to the topic', () => {
    const { template } = storm();
    const ledger = { 'Fn::GetAtt': [expect.stringMatching(/^StormsLedger/), 'Arn'] };
    const dynamo = (prefix: string) => statementsOf(template, prefix).filter((s) => [].concat(s.Action).some((a: string) => a.startsWith('dynamodb:')));
    expect(dynamo('StormsRecorder')).toEqual([{ Effect: 'Allow', Action: ['dynamodb:UpdateItem', 'dynamodb:GetItem'], Resource: ledger }]);
    expect(dynamo('StormsFlusher')).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:Scan', Resource: { 'Fn::Join': ['', [ledger, '/index/Pending']] } },
      { Effect: 'Allow', Action: ['dynamodb:UpdateItem', 'dynamodb:GetItem'], Resource: ledger },
    ]);
    for (const prefix of ['StormsRecorder', 'StormsFlusher']) {
      const actions = statementsOf(template, prefix).flatMap((s) => [].concat(s.Action)).filter((a: string) => !a.startsWith('logs:') && !a.startsWith('dynamodb:') && !a.startsWith('sqs:'));
      expect(actions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*', 'sns:Publish']);
      expect(JSON.stringify(statementsOf(template, prefix))).not.toMatch(/"Resource":"\*"/);
    }
  });

  test('the ledger has the sparse Pending index, TTL, point-in-time recovery, and is kept by default', () => {
    const { template } = storm();
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [{ IndexName: 'Pending', KeySchema: [{ AttributeName: 'pending', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    });
  });

  test('the flusher runs every minute on EventBridge Scheduler with a role trusted for this account only', () => {
    const { template } = storm();
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 minute)', FlexibleTimeWindow: { Mode: 'OFF' } });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } } })],
      },
    });
  });

  test.each<[string, Partial<StormControlProps>, string, string]>([
    ['defaults', {}, '300', '1'],
    ['a 10-minute window, threshold 3', { window: Duration.minutes(10), threshold: 3 }, '600', '3'],
    ['the bounds', { window: Duration.hours(1), threshold: 100 }, '3600', '100'],
  ])('%s reach both functions', (_name, props, windowSeconds, threshold) => {
    const { stack, s } = storm(props);
    for (const fn of [s.recorderFunction, s.flusherFunction]) {
      const env = stack.resolve((fn.node.defaultChild as any).environment).variables;
      expect([env.STORM_WINDOW_SECONDS, env.STORM_THRESHOLD]).toEqual([windowSeconds, threshold]);
      expect(env.STORM_ALARM_TOPIC_ARN).toEqual({ Ref: expect.stringMatching(/^Alarms/) });
    }
  });

  test('every alarm has an action: the pipeline topic when given, else the alarm topic', () => {
    const alone = storm();
    const alarms = Object.values(alone.template.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms).toHaveLength(5);
    for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
    alone.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkBackupAlarms', MetricName: 'StormLedgerFailOpen', Dimensions: [{ Name: 'service', Value: 'storm-recorder' }],
    });
    const pipeline = 'arn:aws:sns:eu-west-1:111111111111:pipeline';
    const piped = storm({ pipelineAlarmTopic: sns.Topic.fromTopicArn(new Stack(), 'P', pipeline) });
    const pipedAlarms = Object.values(piped.template.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(pipedAlarms.map((a) => a.Properties.AlarmActions)).toEqual(Array(5).fill([pipeline]));
  });

  test.each<[string, Partial<StormControlProps>, RegExp]>([
    ['a window under a minute', { window: Duration.seconds(30) }, /StormControl 'Central\/Storms': window must be whole minutes from 1 minute to 60 minutes, got 30 seconds; for example Duration.minutes\(5\)/],
    ['a window over an hour', { window: Duration.minutes(61) }, /window must be whole minutes from 1 minute to 60 minutes, got 1 hour 1 minute/],
    ['a window in seconds', { window: Duration.seconds(90) }, /window must be whole minutes .* got 1 minute 30 seconds/],
    ['threshold 0', { threshold: 0 }, /threshold must be a whole number from 1 to 100, got 0; for example 1/],
    ['threshold 2.5', { threshold: 2.5 }, /threshold must be a whole number from 1 to 100, got 2.5/],
    ['threshold 101', { threshold: 101 }, /threshold must be a whole number from 1 to 100, got 101/],
  ])('%s fails synthesis with a message that names the prop and the value', (_name, props, message) => {
    expect(() => storm(props)).toThrow(message);
  });

  test('cdk-nag: all five packs, nothing unsuppressed', () => {
    const { app, stack } = storm();
    expect(nagFindings(app, [stack], NAG_PACKS)).toEqual([]);
  });
});
