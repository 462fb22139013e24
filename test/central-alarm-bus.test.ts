import { App, Aspects, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BackupJobKind, CentralAlarmBus, CentralAlarmBusProps } from '../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function synth(props: Partial<CentralAlarmBusProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: ENV });
  const bus = new CentralAlarmBus(stack, 'Alarms', { organizationId: 'o-a1b2c3d4e5', emailAddresses: ['ops@example.com'], ...props });
  return { app, stack, bus, get template() { return Template.fromStack(stack); } };
}

describe('bus policy', () => {
  test('only the organization may put events', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: {
        Sid: 'cdk-AllowOrganizationToPutEvents',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('EventBus'), 'Arn'] },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      },
    });
  });

  test('narrowed to forwarder role names and accounts', () => {
    const { template } = synth({ forwarderRoleNames: ['backup-alarms-forwarder'], allowedAccounts: ['222222222222', '333333333333'] });
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({
        Condition: {
          StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5', 'aws:PrincipalAccount': ['222222222222', '333333333333'] },
          ArnLike: { 'aws:PrincipalArn': [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/backup-alarms-forwarder']] }] },
        },
      }),
    });
  });

  test('stays under the 10 KB limit, or says why not', () => {
    const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(100000000000 + i));
    expect(() => synth({ allowedAccounts: accounts(300) })).not.toThrow();
    expect(() => synth({ allowedAccounts: accounts(1000) })).toThrow(/bus policy would be about \d+ bytes, over EventBridge's 10 KB limit.*1000 allowedAccounts/);
  });
});

describe('archive', () => {
  test('every event, one year by default', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EventBus'), 'Arn'] },
      EventPattern: { source: [{ prefix: '' }] },
      RetentionDays: 365,
    });
  });

  test('retention can be set', () => {
    synth({ archiveRetention: Duration.days(30) }).template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 30 });
  });
});

describe('topic and key', () => {
  test('the topic is encrypted with a rotating customer-managed key and TLS is enforced', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Key'), 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('the key admits EventBridge (no aws:Source* condition, which AWS does not support there) and CloudWatch of this account', () => {
    // The full contract, with the documentation it follows, is in test/delivery-contract.test.ts.
    const { template } = synth();
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Sid: Match.anyValue(),
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
        }, {
          Sid: Match.anyValue(),
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
        }]),
      },
    });
  });

  test('the topic admits only rules of this bus and alarms of this account, with conditions', () => {
    const { template } = synth();
    const policies = template.findResources('AWS::SNS::TopicPolicy');
    const statements = (Object.values(policies)[0] as any).Properties.PolicyDocument.Statement;
    const allows = statements.filter((s: any) => s.Effect === 'Allow');
    expect(allows).toHaveLength(2);
    const events = allows.find((s: any) => s.Principal.Service === 'events.amazonaws.com');
    expect(events.Condition.StringEquals).toEqual({ 'aws:SourceAccount': '111111111111' });
    expect(JSON.stringify(events.Condition.ArnLike['aws:SourceArn'])).toMatch(/:events:eu-west-1:111111111111:rule\/.*EventBus.*\/\*/);
    const alarms = allows.find((s: any) => s.Principal.Service === 'cloudwatch.amazonaws.com');
    expect(JSON.stringify(alarms.Condition.ArnLike['aws:SourceArn'])).toContain(':cloudwatch:eu-west-1:111111111111:alarm:*');
  });

  test('email subscriptions, and addSubscription for anything else', () => {
    const { stack, bus } = synth({ emailAddresses: ['a@example.com', 'b@example.org'] });
    bus.addSubscription(new subs.SqsSubscription(new sqs.Queue(stack, 'Q', { enforceSSL: true })));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'a@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'b@example.org' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs' });
  });

  test('a key you bring (same stack) gets the statements for EventBridge and CloudWatch', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    new CentralAlarmBus(stack, 'A', { organizationId: 'o-a1b2c3d4e5', encryptionKey: key, emailAddresses: ['ops@example.com'] });
    const t = Template.fromStack(stack);
    // Yours for the topic, and the monitors' function log keys (their own, by design).
    expect(Object.keys(t.findResources('AWS::KMS::Key')).map((k) => k.replace(/[0-9A-F]{8}$/, '')).sort())
      .toEqual(['AHeartbeatsCheckerLogKey', 'AHeartbeatsWriterLogKey', 'AProtectionsCheckerLogKey', 'AProtectionsRecorderLogKey', 'MyKey']);
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } })]) },
    });
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('MyKey'), 'Arn'] } });
  });

  test('a topic you bring is used as is', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const topic = sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:eu-west-1:111111111111:mine');
    const bus = new CentralAlarmBus(stack, 'A', { organizationId: 'o-a1b2c3d4e5', topic });
    expect(bus.encryptionKey).toBeUndefined();
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SNS::Topic', 0);
    // No key for a topic: only the monitors' function log keys.
    expect(Object.keys(t.findResources('AWS::KMS::Key')).map((k) => k.replace(/[0-9A-F]{8}$/, '')).sort())
      .toEqual(['AHeartbeatsCheckerLogKey', 'AHeartbeatsWriterLogKey', 'AProtectionsCheckerLogKey', 'AProtectionsRecorderLogKey']);
    t.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ Arn: 'arn:aws:sns:eu-west-1:111111111111:mine' })] });
  });
});

describe('notification rules', () => {
  test('one rule per job kind, one for policy changes, two for tampering, one for the rest, each to the topic with a readable text', () => {
    const { template, bus } = synth();
    expect(bus.jobFailureRules).toHaveLength(4);
    // The untrusted-events rule emails nobody (its own test below).
    const rules = Object.entries(template.findResources('AWS::Events::Rule'))
      .filter(([id]) => !id.includes('LocalBackupEvents') && !id.includes('UntrustedEvents') && !id.includes('Heartbeats')
        && !id.includes('Protections'));
    // Four job kinds, policy changes, tampering calls, tampering state changes, everything else.
    expect(rules).toHaveLength(8);
    for (const [, rule] of rules) {
      const props = (rule as any).Properties;
      expect(props.EventBusName).toEqual({ Ref: expect.stringMatching(/EventBus/) });
      expect(props.Targets).toHaveLength(1);
      const target = props.Targets[0];
      expect(target.Arn).toEqual({ Ref: expect.stringMatching(/Topic/) });
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 });
      expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toMatch(/DeadLetterQueue/);
      // Plain text, not JSON: the first line names what failed and where.
      expect(target.InputTransformer.InputTemplate.startsWith('"')).toBe(false);
      expect(target.InputTransformer.InputTemplate.split('\n')[0]).toMatch(/<account>, <region>/);
      expect(Object.keys(target.InputTransformer.InputPathsMap).length).toBeLessThanOrEqual(100);
      expect(target.InputTransformer.InputTemplate.length).toBeLessThanOrEqual(8192);
    }
  });

  test('restore failures are matched on detail.status', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.backup'],
        'detail-type': ['Restore Job State Change'],
        'detail': { status: [{ 'anything-but': ['CREATED', 'PENDING', 'RUNNING', 'ABORTING', 'COMPLETED'] }] },
      },
    });
  });

  test('without a second destination, a failed delivery and a dead-lettered event raise alarms sent to the alarm topic, with a warning', () => {
    const { template } = synth();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    const failed = alarms.filter((a) => a.MetricName === 'FailedInvocations');
    // Eight notification rules and the untrusted-events rule.
    expect(failed).toHaveLength(9);
    for (const a of failed) {
      expect(a.Namespace).toBe('AWS/Events');
      expect(a.Dimensions.map((d: any) => d.Name).sort()).toEqual(['EventBusName', 'RuleName']);
      expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/Topic/) }]);
    }
    expect(alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible').every((a) => a.AlarmActions.length === 1)).toBe(true);
  });

  test('the central account\'s own default bus forwards into the central bus, not to itself', () => {
    const { template, bus } = synth();
    expect(bus.localBackupEvents).toBeDefined();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EventBus'), 'Arn'] } })],
    });
    expect(synth({ forwardLocalBackupEvents: false }).bus.localBackupEvents).toBeUndefined();
  });

  test('addAlarmTarget keeps the target\'s own delivery settings and adds ours where missing', () => {
    const { stack, bus } = synth();
    bus.addAlarmTarget('Plain', { bind: () => ({ arn: 'arn:aws:sqs:eu-west-1:111111111111:plain' }) });
    bus.addAlarmTarget('Own', { bind: () => ({ arn: 'arn:aws:sqs:eu-west-1:111111111111:own', retryPolicy: { maximumRetryAttempts: 2 } }) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: 'arn:aws:sqs:eu-west-1:111111111111:plain', RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 }, DeadLetterConfig: Match.anyValue() })],
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: 'arn:aws:sqs:eu-west-1:111111111111:own', RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
  });

  test('an alarm target that is a bus in another account warns (EventBridge forwards once)', () => {
    const { stack, bus } = synth();
    bus.addAlarmTarget('Other', { bind: () => ({ arn: 'arn:aws:events:eu-west-1:444444444444:event-bus/soc' }) });
    bus.addAlarmTarget('Same', { bind: () => ({ arn: 'arn:aws:events:eu-west-1:111111111111:event-bus/local' }) });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('one hop'));
    expect(warnings.map((w) => String(w.entry.data))).toEqual([expect.stringContaining("addAlarmTarget('Other')")]);
  });

  test('every rule\'s pattern, the alarm target\'s union of them all included, fits EventBridge\'s default quota of 2,048 characters', () => {
    // EventBridge user guide, "Amazon EventBridge quotas": event pattern size, 2048 characters by default.
    const { stack, bus } = synth();
    bus.addAlarmTarget('Chat', { bind: () => ({ arn: 'arn:aws:sqs:eu-west-1:111111111111:chat' }) });
    for (const [id, rule] of Object.entries(Template.fromStack(stack).findResources('AWS::Events::Rule')) as Array<[string, any]>) {
      expect([id, JSON.stringify(rule.Properties.EventPattern).length <= 2048]).toEqual([id, true]);
    }
  });

  test('metric helpers', () => {
    const { bus, stack } = synth();
    const failures = bus.metricJobFailures() as cloudwatch.MathExpression;
    expect(failures.expression).toBe('FILL(m0, 0) + FILL(m1, 0) + FILL(m2, 0) + FILL(m3, 0)');
    const restore = bus.metricJobFailuresOf(BackupJobKind.RESTORE);
    expect(restore.metricName).toBe('MatchedEvents');
    expect(stack.resolve(restore.dimensions?.RuleName)).toEqual({ Ref: expect.stringMatching(/RestoreJobFailures/) });
    expect(bus.metricPolicyChanges().namespace).toBe('AWS/Events');
    expect((bus.metricFailedNotifications() as cloudwatch.MathExpression).expression.split('+')).toHaveLength(8);
    expect((bus.metricTamperSignals() as cloudwatch.MathExpression).expression.split('+')).toHaveLength(2);
  });
});

describe('refuses bad props', () => {
  test.each<[string, Partial<CentralAlarmBusProps>, RegExp]>([
    ['malformed organization id', { organizationId: 'org-123' }, /organizationId must be an organization id like o-a1b2c3d4e5.*got 'org-123'/],
    ['malformed email', { emailAddresses: ['ops.example.com'] }, /emailAddresses contains 'ops.example.com', expected an email address/],
    ['empty email list', { emailAddresses: [] }, /emailAddresses is empty/],
    ['bad account', { allowedAccounts: ['1112233445566'] }, /allowedAccounts contains '1112233445566', expected a 12-digit AWS account id/],
    ['bad role name', { forwarderRoleNames: ['a/b'] }, /forwarderRoleNames contains 'a\/b'/],
    ['retention too long', { archiveRetention: Duration.days(4000) }, /archiveRetention must be a whole number of days from 1 to 3650, got 4000 days/],
    ['retention in hours', { archiveRetention: Duration.hours(12) }, /archiveRetention must be a whole number of days/],
    ['retry out of range', { retryAttempts: -1 }, /retryAttempts must be a whole number from 0 to 185, got -1/],
  ])('%s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('alarms that reach nobody fail synthesis', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    new CentralAlarmBus(stack, 'A', { organizationId: 'o-a1b2c3d4e5' });
    expect(() => app.synth()).toThrow(/alarms would reach nobody: set emailAddresses, or call addSubscription\(\) or addAlarmTarget\(\)/);
  });
});

test('cdk-nag AwsSolutions passes; every suppression carries its reason', () => {
  const { app, stack, bus } = synth();
  bus.addAlarmTarget('Chat', { bind: () => ({ arn: 'arn:aws:sqs:eu-west-1:111111111111:chat' }) });
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  const findings = [
    ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
  ];
  expect(findings.map((f) => `${f.id}: ${f.entry.data}`)).toEqual([]);
  const suppressions = Object.values(Template.fromStack(stack).toJSON().Resources)
    .flatMap((r: any) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
  for (const s of suppressions) {
    expect(s.reason.length).toBeGreaterThan(20);
  }
});

describe('without AWS Organizations', () => {
  const ENV_ONE = { account: '111111111111', region: 'eu-west-1' };
  const build = (props: Partial<CentralAlarmBusProps>) => {
    const stack = new Stack(new App(), 'S', { env: ENV_ONE });
    new CentralAlarmBus(stack, 'Alarms', { emailAddresses: ['ops@example.com'], ...props });
    return Template.fromStack(stack);
  };

  test('no organization and no accounts: no bus policy at all, so only this account\'s rules can put events', () => {
    const t = build({});
    t.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    // The emails, archive and alarms are the same as with an organization.
    t.resourceCountIs('AWS::SNS::Subscription', 1);
    t.resourceCountIs('AWS::Events::Archive', 1);
    expect(Object.keys(t.findResources('AWS::Events::Rule')).length).toBeGreaterThanOrEqual(7);
  });

  // The bus policy grants events:PutEvents to the sending accounts (EventBridge user guide, "Permissions for
  // event buses": https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html); a sender
  // in the bus's own account needs only its identity policy, hence no bus policy at all without other accounts.
  test('listed accounts without an organization: exactly those accounts, narrowed to role names if given', () => {
    const t = build({ allowedAccounts: ['222222222222', '333333333333'], forwarderRoleNames: ['backup-alarms-forwarder'] });
    const policy = Object.values(t.findResources('AWS::Events::EventBusPolicy'))[0] as any;
    const statement = policy.Properties.Statement;
    expect(statement.Principal.AWS).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::333333333333:root']] },
    ]);
    expect(statement.Condition.StringEquals).toBeUndefined();
    expect(JSON.stringify(statement.Condition.ArnLike['aws:PrincipalArn'])).toContain(':iam::*:role/backup-alarms-forwarder');
  });

  test('role names with nothing to narrow are refused', () => {
    expect(() => build({ forwarderRoleNames: ['x'] })).toThrow(/forwarderRoleNames \[x\] narrows a bus policy that does not exist/);
  });
});

// CloudFormation user guide, "DeletionPolicy attribute"
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html): without the
// attribute a resource is deleted with the stack. What holds alarm history (the archive) or undelivered alarms
// (the queues) is kept unless the user opts in.
describe('removal', () => {
  const KEPT = ['AWS::Events::Archive', 'AWS::SQS::Queue', 'AWS::KMS::Key', 'AWS::DynamoDB::Table', 'AWS::Logs::LogGroup'];
  // The monitors' buffers hold events for at most minutes (the next heartbeat replaces a heartbeat; a job event in
  // flight is all a deletion can lose): they go with the stack whatever removalPolicy says (their dead-letter queues
  // are kept like the others).
  const TRANSIENT = /^Alarms(Heartbeats|Protections)Queue[0-9A-F]{8}$/;
  test.each<[string, string, RemovalPolicy | undefined]>([
    ['by default', 'Retain', undefined],
    ['RETAIN', 'Retain', RemovalPolicy.RETAIN],
    ['DESTROY', 'Delete', RemovalPolicy.DESTROY],
  ])('%s: the archive, the queues and the keys get DeletionPolicy and UpdateReplacePolicy %s', (_name, expected, removalPolicy) => {
    const { template } = synth({ removalPolicy, pipelineAlarmEmailAddresses: ['oncall@example.com'] });
    for (const type of KEPT) {
      // The archive; the dead-letter, untrusted-events and LocalBackupEvents dead-letter queues; both topics' keys;
      // each monitor's ledger, buffer, dead-letter queue, and its two functions' log groups and keys.
      const resources = Object.entries(template.findResources(type));
      expect([type, resources.length]).toEqual([type, {
        'AWS::Events::Archive': 1, 'AWS::SQS::Queue': 7, 'AWS::KMS::Key': 6, 'AWS::DynamoDB::Table': 2, 'AWS::Logs::LogGroup': 4,
      }[type]]);
      for (const [id, r] of resources as Array<[string, any]>) {
        const policy = TRANSIENT.test(id) ? 'Delete' : expected;
        expect([id, r.DeletionPolicy, r.UpdateReplacePolicy]).toEqual([id, policy, policy]);
      }
    }
  });

  test('nothing kept has a fixed physical name, so a kept resource never blocks the next deployment', () => {
    // A fixed bus name is the README's advice; the bus itself is not kept.
    const { template } = synth({ eventBusName: 'backup-alarms', pipelineAlarmEmailAddresses: ['oncall@example.com'] });
    const kept = Object.entries(template.toJSON().Resources as Record<string, any>).filter(([, r]) => r.DeletionPolicy === 'Retain');
    // The archive, both keys, the dead-letter queue, the untrusted-events queue, the LocalBackupEvents rule's dead-letter queue;
    // each monitor's ledger (heartbeats, protections), its dead-letter queue, and the log groups and keys of its two functions.
    expect(kept.map(([, r]) => r.Type).sort()).toEqual([
      'AWS::DynamoDB::Table', 'AWS::DynamoDB::Table', 'AWS::Events::Archive', ...Array(6).fill('AWS::KMS::Key'),
      ...Array(4).fill('AWS::Logs::LogGroup'), ...Array(5).fill('AWS::SQS::Queue'),
    ]);
    for (const [id, r] of kept) {
      const names = ['ArchiveName', 'QueueName', 'TopicName', 'Name', 'AliasName', 'TableName'].filter((n) => r.Properties?.[n] !== undefined);
      expect([id, names]).toEqual([id, []]);
    }
    template.resourceCountIs('AWS::KMS::Alias', 0);
  });
});

// Only AWS services may use a source that starts with `aws.` (EventBridge API reference, "PutEventsRequestEntry":
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html; user guide, "Amazon
// EventBridge events": https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events.html). Any other source
// was put by a principal the bus policy admits; test/patterns.test.ts proves the patterns with event-ruler.
describe('untrusted events', () => {
  test('a rule on the bus counts events whose source does not start with aws., into a queue that nobody is emailed from', () => {
    const { template, bus, stack } = synth();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('EventBus') },
      // Not aws.*, and not the library's own heartbeats (issue 20: they have the heartbeat monitor's rule); a
      // heartbeat source with any other detail-type still counts.
      EventPattern: {
        $or: [
          { source: [{ 'anything-but': { wildcard: ['aws.*', 'cdk-backup-alarms.heartbeat'] } }] },
          { 'source': ['cdk-backup-alarms.heartbeat'], 'detail-type': [{ 'anything-but': ['Backup Alarms Heartbeat'] }] },
        ],
      },
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('UntrustedEventsQueue'), 'Arn'] },
        InputTransformer: Match.absent(),
        DeadLetterConfig: Match.anyValue(),
      })],
    });
    const metric = bus.metricUntrustedEvents();
    expect([metric.namespace, metric.metricName]).toEqual(['AWS/Events', 'MatchedEvents']);
    expect(stack.resolve(metric.dimensions?.RuleName)).toEqual({ Ref: expect.stringMatching(/UntrustedEvents/) });
  });

  test('its alarm speaks in our words, never the event\'s, and fires on the first untrusted event', () => {
    const { template } = synth();
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties)
      .find((a) => a.MetricName === 'MatchedEvents');
    expect(alarm).toMatchObject({ Namespace: 'AWS/Events', Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(alarm.AlarmDescription).toMatch(/^Events whose source is not an AWS service reached the central backup alarm bus/);
    expect(JSON.stringify(alarm)).not.toMatch(/\$\.|<detail/);
  });
});

describe('a second destination for the pipeline\'s own alarms', () => {
  const alarmsOf = (template: Template) => Object.entries(template.findResources('AWS::CloudWatch::Alarm')) as Array<[string, any]>;
  const topicIdOf = (template: Template, pattern: RegExp) => Object.keys(template.findResources('AWS::SNS::Topic')).find((id) => pattern.test(id))!;

  test.each<[string, Partial<CentralAlarmBusProps>]>([
    ['emails', { pipelineAlarmEmailAddresses: ['oncall@example.com'] }],
    ['a topic you bring', { pipelineAlarmTopic: undefined }],
  ])('with %s, no pipeline alarm publishes to the alarm topic', (name, props) => {
    const app = new App();
    const stack = new Stack(app, 'Central', { env: ENV });
    const mine = name === 'emails' ? undefined : sns.Topic.fromTopicArn(stack, 'Mine', 'arn:aws:sns:eu-west-1:111111111111:monitoring');
    const bus = new CentralAlarmBus(stack, 'Alarms', { organizationId: 'o-a1b2c3d4e5', emailAddresses: ['ops@example.com'], ...props, pipelineAlarmTopic: mine });
    bus.addAlarmTarget('Chat', { bind: () => ({ arn: 'arn:aws:sqs:eu-west-1:111111111111:chat' }) });
    const template = Template.fromStack(stack);
    const alarmTopic = topicIdOf(template, /AlarmsTopic/);
    const expected = mine ? ['arn:aws:sns:eu-west-1:111111111111:monitoring'] : [{ Ref: topicIdOf(template, /PipelineAlarmTopic/) }];
    const alarms = alarmsOf(template);
    // Nine notification or counting rules plus the Chat target (FailedInvocations), the dead-letter queue, the
    // LocalBackupEvents rule's dead-letter queue, the alarm topic's failed deliveries, the untrusted events; the
    // heartbeat monitor's and the protection monitor's checker stopped, checker errors, writer (recorder) errors and
    // dead-letter queue.
    expect(alarms).toHaveLength(22);
    for (const [id, a] of alarms) {
      expect([id, a.Properties.AlarmActions]).toEqual([id, expected]);
      const actions = JSON.stringify([a.Properties.AlarmActions, a.Properties.OKActions, a.Properties.InsufficientDataActions]);
      expect([id, actions]).not.toEqual([id, expect.stringContaining(alarmTopic)]);
    }
    // Nor on its key: the second topic, if created, is encrypted with a key of its own.
    const alarmKey = Object.keys(template.findResources('AWS::KMS::Key')).find((k) => /AlarmsKey/.test(k))!;
    const pipelineTopic = topicIdOf(template, /PipelineAlarmTopic/);
    if (pipelineTopic) expect(JSON.stringify(template.toJSON().Resources[pipelineTopic])).not.toContain(alarmKey);
    expect(stack.resolve(bus.pipelineAlarmTopic.topicArn)).toEqual(expected[0]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('pipeline\'s own alarms'))).toEqual([]);
  });

  test('the alarm topic\'s own failed deliveries raise an alarm (SNS NumberOfNotificationsFailed)', () => {
    // SNS developer guide, "Monitoring Amazon SNS topics using CloudWatch":
    // https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html
    const { template } = synth({ pipelineAlarmEmailAddresses: ['oncall@example.com'] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailed',
      Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlarmsTopic'), 'TopicName'] } }],
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('PipelineAlarmTopic') }],
    });
  });

  // SNS developer guide, "Example cases for Amazon SNS access control" and "Enable compatibility between event
  // sources from AWS services and encrypted topics" (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html):
  // CloudWatch alarms of this account publish, with aws:SourceAccount on the key and the topic.
  test('the created topic has its own key, TLS enforced, and admits only this account\'s CloudWatch alarms', () => {
    const { template, bus } = synth({ pipelineAlarmEmailAddresses: ['oncall@example.com', 'backup@example.org'] });
    expect(bus.pipelineAlarmEncryptionKey).toBeDefined();
    const pipelineTopic = topicIdOf(template, /PipelineAlarmTopic/);
    // The alarm topic's key, the pipeline topic's, and the monitors' function log keys.
    const keys = Object.keys(template.findResources('AWS::KMS::Key'));
    const pipelineKey = keys.find((k) => /PipelineAlarmKey/.test(k))!;
    expect(keys.map((k) => k.replace(/[0-9A-F]{8}$/, '')).sort())
      .toEqual(['AlarmsHeartbeatsCheckerLogKey', 'AlarmsHeartbeatsWriterLogKey', 'AlarmsKey', 'AlarmsPipelineAlarmKey', 'AlarmsProtectionsCheckerLogKey',
        'AlarmsProtectionsRecorderLogKey']);
    expect(template.toJSON().Resources[pipelineTopic].Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [pipelineKey, 'Arn'] });
    const keyStatements = template.toJSON().Resources[pipelineKey].Properties.KeyPolicy.Statement;
    const services = keyStatements.filter((s: any) => s.Principal.Service).map((s: any) => [s.Principal.Service, s.Condition]);
    expect(services).toEqual([['cloudwatch.amazonaws.com', { StringEquals: { 'aws:SourceAccount': '111111111111' } }]]);
    const topicPolicy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).map((p: any) => p.Properties)
      .find((p: any) => p.Topics[0].Ref === pipelineTopic);
    const statements = topicPolicy.PolicyDocument.Statement;
    expect(statements.filter((s: any) => s.Effect === 'Allow').map((s: any) => s.Principal.Service)).toEqual(['cloudwatch.amazonaws.com']);
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    for (const address of ['oncall@example.com', 'backup@example.org']) {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: address, TopicArn: { Ref: pipelineTopic } });
    }
  });

  test('without a second destination the pipeline alarms share the alarm topic, and a warning says how to fix it; every alarm has an action', () => {
    const { stack, template, bus } = synth();
    expect(bus.pipelineAlarmTopic).toBe(bus.topic);
    expect(bus.pipelineAlarmEncryptionKey).toBeUndefined();
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('pipeline\'s own alarms .* go to the alarm topic whose delivery they watch.*Set pipelineAlarmEmailAddresses .* or pipelineAlarmTopic'));
    for (const [id, a] of alarmsOf(template)) {
      expect([id, a.Properties.AlarmActions]).toEqual([id, [{ Ref: topicIdOf(template, /AlarmsTopic/) }]]);
    }
  });

  test.each<[string, Partial<CentralAlarmBusProps>, RegExp]>([
    ['malformed pipeline email', { pipelineAlarmEmailAddresses: ['oncall'] }, /pipelineAlarmEmailAddresses contains 'oncall', expected an email address/],
    ['both destinations', { pipelineAlarmEmailAddresses: ['oncall@example.com'], pipelineAlarmTopic: { topicArn: 'arn:aws:sns:eu-west-1:111111111111:x' } as sns.ITopic },
      /pipelineAlarmTopic and pipelineAlarmEmailAddresses \[oncall@example.com\] are both set: set one of them/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
