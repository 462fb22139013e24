/**
 * The ProtectionMonitor construct, standalone and as CentralAlarmBus composes it: the rule takes exactly the
 * events the ledger needs (proven with AWS's event-ruler on the documented examples), least privilege, the
 * schedules (the hourly check, the daily report at an hour of a time zone), every alarm with an action, cdk-nag
 * clean under all five packs, and validation messages that name the prop, the value and what is expected.
 *
 * Governing pages:
 * - "Schedule types on EventBridge Scheduler" (cron expressions with ScheduleExpressionTimezone, adjusted for
 *   daylight saving time), https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 * - "Confused deputy prevention in EventBridge Scheduler" (aws:SourceAccount in the execution role's trust policy),
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
 * - "Permissions for Amazon SQS" targets of EventBridge (a queue policy admitting events.amazonaws.com with
 *   aws:SourceArn of the rule), https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sqs-permissions
 * - "Amazon EventBridge quotas" (an event pattern is at most 2,048 characters),
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
 * - "Using Lambda with Amazon SQS" (visibility timeout six times the function timeout; partial batch responses),
 *   https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 * - DynamoDB actions, resources and condition keys (UpdateItem, Scan, GetItem on the table ARN),
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
 */
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CentralAlarmBus, ProtectionKind, ProtectionMonitor, ProtectionMonitorProps } from '../src';
import { loadExampleEvents, matchMatrix } from './ruler/ruler';
import { NAG_PACKS, nagFindings } from './support/assertions';
import { heartbeatEvent } from './support/heartbeat-event';
import { apiCall, stateChanges } from './support/tamper-events';
import { protectionEventsPattern } from '../src/private/patterns';

const CENTRAL = { account: '111111111111', region: 'eu-west-1' };

function monitor(props: Partial<ProtectionMonitorProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: CENTRAL });
  const eventBus = new events.EventBus(stack, 'Bus');
  const alarmTopic = new sns.Topic(stack, 'Alarms', { enforceSSL: true, masterKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) });
  const m = new ProtectionMonitor(stack, 'Protections', { eventBus, alarmTopic, ...props });
  return { app, stack, m, alarmTopic, template: Template.fromStack(stack) };
}

const statementsOf = (template: Template, idPrefix: string) => Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))
  .filter(([id]) => id.startsWith(idPrefix))
  .flatMap(([, p]: [string, any]) => [].concat(p.Properties.PolicyDocument.Statement)) as any[];

describe('the rule takes what the ledger needs, and nothing that is not from AWS', () => {
  const backup = loadExampleEvents(path.join(__dirname, 'fixtures', 'backup-events'));
  const organizations = loadExampleEvents(path.join(__dirname, 'fixtures', 'organizations-events'));
  const heartbeat = heartbeatEvent({ account: '222222222222', region: 'eu-west-1', rule: 'backup-failure-rule', time: Date.parse('2026-12-01T00:00:00Z'), intervalSeconds: 28_800 });
  // The state changes that mean lost protection (a vault or plan created or modified is not tampering).
  const tamper = {
    ...Object.fromEntries(Object.entries(stateChanges()).filter(([k]) => /deleted|region-setting/.test(k))),
    'call DeleteRecoveryPoint': apiCall('DeleteRecoveryPoint'),
  };
  const forged = { ...backup['backup-completed'], source: 'custom.aws.backup' };
  const m = matchMatrix({ rule: protectionEventsPattern() }, { ...backup, ...organizations, ...tamper, heartbeat, forged }).rule;

  test('it fits EventBridge\'s 2,048 characters', () => {
    expect(JSON.stringify(protectionEventsPattern()).length).toBeLessThanOrEqual(2048);
  });

  test.each([
    'backup-completed', 'backup-completed-with-issues', 'backup-failed', 'backup-expired', 'backup-aborted', 'backup-partial',
    'copy-completed', 'copy-failed', 'copy-partial', 'restore-completed', 'restore-failed', 'scan-completed-no-threats', 'scan-completed-threats',
  ])('job event %s: taken (successes keep the history, failures the last failure, both the day\'s counts)', (name) => {
    expect(m[name]).toBe(true);
  });

  test.each(['backup-created', 'backup-pending', 'backup-running', 'copy-created', 'copy-running', 'restore-pending', 'restore-running', 'scan-running'])(
    'progress event %s: not taken (nothing to record, and the busiest events)', (name) => {
      expect(m[name]).toBe(false);
    });

  test('tamper signals and backup policy changes are taken, for the daily report', () => {
    expect(Object.keys(tamper).filter((k) => !m[k])).toEqual([]);
    expect(m['update-policy-backup']).toBe(true);
    expect(m['delete-policy']).toBe(true);
  });

  test('heartbeats and events whose source is not aws.* are not taken', () => {
    expect([m.heartbeat, m.forged]).toEqual([false, false]);
  });
});

describe('ProtectionMonitor', () => {
  test('events go to a buffer with a dead-letter queue and then to the recorder in batches with partial failures', () => {
    const { template } = monitor();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^Bus') },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ProtectionsQueue'), 'Arn'] }, DeadLetterConfig: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 360, RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 2 },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('ProtectionsRule'), 'Arn'] } } },
        })]),
      },
    });
  });

  test('least privilege: the recorder may only UpdateItem the ledger; the checker Scan, GetItem, UpdateItem it and publish to the alarm topic (with its key)', () => {
    const { template } = monitor();
    const recorder = statementsOf(template, 'ProtectionsRecorder').filter((s) => [].concat(s.Action).some((a: string) => a.startsWith('dynamodb:')));
    expect(recorder).toEqual([{ Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ProtectionsLedger/), 'Arn'] } }]);
    const checker = statementsOf(template, 'ProtectionsChecker');
    const actions = checker.flatMap((s) => [].concat(s.Action)).filter((a: string) => !a.startsWith('logs:')).sort();
    // kms: the alarm topic's own key, which a publisher to an encrypted topic needs (SNS developer guide, "Configuring server-side encryption").
    expect(actions).toEqual(['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem', 'kms:Decrypt', 'kms:GenerateDataKey*', 'sns:Publish']);
    expect(JSON.stringify(checker)).not.toMatch(/securityhub|"\*"/);
  });

  test('with the heartbeat ledger the checker may also Scan it (and only Scan); with findings, import through this account\'s product ARN only', () => {
    const app = new App();
    const stack = new Stack(app, 'Central', { env: CENTRAL });
    const bus = new CentralAlarmBus(stack, 'Alarms', { emailAddresses: ['ops@example.com'], protectionOptions: { securityHubFindings: true } });
    const template = Template.fromStack(stack);
    const checker = statementsOf(template, 'AlarmsProtectionsChecker');
    const heartbeatScan = checker.filter((s) => JSON.stringify(s.Resource).includes('AlarmsHeartbeatsLedger'));
    expect(heartbeatScan.map((s) => s.Action)).toEqual(['dynamodb:Scan']);
    expect(checker.filter((s) => s.Action === 'securityhub:BatchImportFindings').map((s) => s.Resource))
      .toEqual([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:eu-west-1:111111111111:product/111111111111/default']] }]);
    const env = stack.resolve((bus.protections!.checkerFunction.node.defaultChild as any).environment).variables;
    expect(env.PROTECTION_HEARTBEAT_TABLE_NAME).toEqual({ Ref: expect.stringMatching(/^AlarmsHeartbeatsLedger/) });
    expect(env.PROTECTION_SECURITY_HUB_FINDINGS).toBe('true');
  });

  test('the check runs every hour and the daily report at 07:00 UTC, both on EventBridge Scheduler with a role trusted for this account only', () => {
    const { template } = monitor();
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(60 minutes)', Target: Match.objectLike({ Input: '{"task":"check"}' }) });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 7 * * ? *)', ScheduleExpressionTimezone: 'UTC', Target: Match.objectLike({ Input: '{"task":"daily-report"}' }),
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } } })],
      },
    });
  });

  test('dailyReportHour and dailyReportTimeZone set the report\'s schedule (Scheduler follows daylight saving); dailyReport: false removes it', () => {
    const { template, m } = monitor({ dailyReportHour: 8, dailyReportTimeZone: 'Europe/Berlin' });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 8 * * ? *)', ScheduleExpressionTimezone: 'Europe/Berlin' });
    expect(m.dailyReportSchedule).toBeDefined();
    const off = monitor({ dailyReport: false });
    off.template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    expect(off.m.dailyReportSchedule).toBeUndefined();
  });

  test('recovery point objectives and retireAfter reach the checker', () => {
    const { stack, m } = monitor({
      retireAfter: Duration.days(10),
      recoveryPointObjectives: [{ maxAge: Duration.hours(26), resourceTypes: ['RDS'], jobKinds: [ProtectionKind.BACKUP] }, { maxAge: Duration.days(8), backupVaultNames: ['weekly'] }],
    });
    const env = stack.resolve((m.checkerFunction.node.defaultChild as any).environment).variables;
    expect(env.PROTECTION_RETIRE_AFTER_SECONDS).toBe('864000');
    expect(JSON.parse(env.PROTECTION_OBJECTIVES)).toEqual([
      { maxAgeSeconds: 93_600, resourceTypes: ['RDS'], kinds: ['BACKUP'] },
      { maxAgeSeconds: 691_200, vaults: ['weekly'] },
    ]);
  });

  test('every alarm has an action: the pipeline topic when given, else the alarm topic', () => {
    const alone = monitor();
    const alarms = Object.values(alone.template.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms).toHaveLength(4);
    for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
    const app = new App();
    const stack = new Stack(app, 'Central', { env: CENTRAL });
    const pipeline = sns.Topic.fromTopicArn(stack, 'Pipeline', 'arn:aws:sns:eu-west-1:111111111111:pipeline');
    new ProtectionMonitor(stack, 'P', { eventBus: new events.EventBus(stack, 'Bus'), alarmTopic: new sns.Topic(stack, 'Alarms', { enforceSSL: true }), pipelineAlarmTopic: pipeline });
    const piped = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(piped.map((a) => a.Properties.AlarmActions)).toEqual(Array(4).fill(['arn:aws:sns:eu-west-1:111111111111:pipeline']));
  });

  test('the ledger: on demand, encrypted, point-in-time recovery, TTL, kept by default', () => {
    const { template } = monitor();
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    });
  });

  test.each<[string, Partial<ProtectionMonitorProps>, RegExp]>([
    ['checkPeriod too short', { checkPeriod: Duration.minutes(5) }, /checkPeriod must be whole minutes from 15 minutes to 1 day, got 5 minutes/],
    ['checkPeriod in seconds', { checkPeriod: Duration.seconds(1000) }, /checkPeriod must be whole minutes .* got 16 minutes 40 seconds/],
    ['retireAfter too short', { retireAfter: Duration.hours(3) }, /retireAfter must be whole minutes from 1 day to 400 days, got 3 hours/],
    ['dailyReportHour 24', { dailyReportHour: 24 }, /dailyReportHour must be a whole number from 0 to 23, got 24/],
    ['dailyReportHour 7.5', { dailyReportHour: 7.5 }, /dailyReportHour must be a whole number from 0 to 23, got 7.5/],
    ['an unknown time zone', { dailyReportTimeZone: 'Europe/Atlantis' }, /dailyReportTimeZone must be an IANA time zone such as 'Europe\/Berlin' or 'UTC', got 'Europe\/Atlantis'/],
    ['an objective under an hour', { recoveryPointObjectives: [{ maxAge: Duration.minutes(30) }] }, /recoveryPointObjectives\[0\]\.maxAge must be whole minutes from 1 hour to 400 days, got 30 minutes/],
    ['an objective with a bad account', { recoveryPointObjectives: [{ maxAge: Duration.days(1), accounts: ['12345'] }] }, /recoveryPointObjectives\[0\]\.accounts contains '12345', expected a 12-digit account id/],
    ['an objective with no resource type', { recoveryPointObjectives: [{ maxAge: Duration.days(1), resourceTypes: [] }] }, /recoveryPointObjectives\[0\]\.resourceTypes is empty; leave it unset/],
    ['objectives too long for the environment', {
      recoveryPointObjectives: Array.from({ length: 40 }, (_, i) => ({
        maxAge: Duration.days(1), accounts: [String(100000000000 + i), String(200000000000 + i), String(300000000000 + i)],
      })),
    }, /recoveryPointObjectives take \d+ characters, more than the 3000 that fit in the checker's environment/],
  ])('%s fails synthesis with a message that names the prop and the value', (_name, props, message) => {
    expect(() => monitor(props)).toThrow(message);
  });

  test('cdk-nag: all five packs, nothing unsuppressed, standalone and with a pipeline topic', () => {
    const { app, stack } = monitor({ securityHubFindings: true });
    expect(nagFindings(app, [stack], NAG_PACKS)).toEqual([]);
  });

  test('CentralAlarmBus composes it by default; protectionMonitor: false leaves it out', () => {
    const app = new App();
    const onStack = new Stack(app, 'On', { env: CENTRAL });
    const offStack = new Stack(app, 'Off', { env: CENTRAL });
    const on = new CentralAlarmBus(onStack, 'Alarms', { emailAddresses: ['ops@example.com'], protectionOptions: { dailyReportHour: 6 } });
    const off = new CentralAlarmBus(offStack, 'Alarms', { emailAddresses: ['ops@example.com'], protectionMonitor: false });
    expect(on.protections).toBeInstanceOf(ProtectionMonitor);
    expect(off.protections).toBeUndefined();
    Template.fromStack(onStack).hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 6 * * ? *)' });
    expect(Object.keys(Template.fromStack(offStack).findResources('AWS::Events::Rule')).filter((id) => id.includes('Protections'))).toEqual([]);
  });
});
