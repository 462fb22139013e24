/**
 * Alarm routes (issue 22): a subset of the central bus's alarms, by account, kind and severity, to a team's own
 * topic. Proven with AWS's own pattern engine (event-ruler, test/ruler/ruler.ts) over every documented example
 * event of every alarm class: each alarm reaches exactly the routes a small table, written from the route
 * definitions and the severity tables by hand, says it should; successes and progress reach none; the central
 * rules still match every alarm. Then the delivery contract (each route rule's only target is its own topic,
 * with its own dead-letter queue and retry policy, and the central rule's email text), validation, and cdk-nag.
 *
 * Governing pages:
 * - "Amazon EventBridge event patterns", "Content filtering" (`anything-but`, `$or` beside other fields),
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
 * - "Amazon EventBridge quotas" (event pattern: 2,048 characters by default; 300 rules per bus; 5 targets per
 *   rule), https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
 * - EventBridge to SNS: "Using resource-based policies for Amazon EventBridge", section "Amazon SNS permissions"
 *   (topic policy for events.amazonaws.com with aws:SourceArn), https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
 * - SNS key policy for AWS services that publish to encrypted topics (no aws:Source* condition for EventBridge),
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 * - EventBridge dead-letter queues and their queue policy (sqs:SendMessage for events.amazonaws.com, aws:SourceArn
 *   of the rule), https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html#eb-dlq-perms
 * - SNS subscription dead-letter queues, https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { loadExampleEvents, matchMatrix } from './ruler/ruler';
import { NAG_PACKS, nagFindings } from './support/assertions';
import { apiCall, optInRequest } from './support/tamper-events';
import { AlarmKind, AlarmRoute, AlarmRouteOptions } from '../src/alarm-route';
import { CentralAlarmBus } from '../src/central-alarm-bus';
import { ALARM_FAMILIES } from '../src/private/alarm-families';
import { FindingSeverity } from '../src/shared/findings';
import { BackupTamperAction } from '../src/shared/tamper';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const X = '333333333333';
const Y = '444444444444';
const K = AlarmKind;
const S = FindingSeverity;


/** The routes of the matrix. */
const ROUTES: Record<string, AlarmRouteOptions> = {
  A: { accounts: [X], emailAddresses: ['team-x@example.com'] },
  B: { kinds: [K.TAMPERING], emailAddresses: ['security@example.com'] },
  C: { minimumSeverity: S.HIGH, emailAddresses: ['oncall@example.com'] },
  D: { accounts: [Y], kinds: [K.RESTORE_JOB_FAILURE], emailAddresses: ['team-y-restores@example.com'] },
  E: { minimumSeverity: S.CRITICAL, emailAddresses: ['ciso@example.com'] },
  F: { accounts: [X, Y], kinds: [K.COPY_JOB_FAILURE, K.SCAN_JOB_FAILURE, K.OTHER], minimumSeverity: S.MEDIUM, emailAddresses: ['storage@example.com'] },
};

function centralStack() {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: ENV });
  const central = new CentralAlarmBus(stack, 'Alarms', {
    organizationId: 'o-a1b2c3d4e5',
    emailAddresses: ['backup-team@example.com'],
    pipelineAlarmEmailAddresses: ['platform@example.com'],
    heartbeatMonitor: false,
    protectionMonitor: false,
  });
  const route = (id: string, options: AlarmRouteOptions) => new AlarmRoute(stack, id, {
    ...options, eventBus: central.eventBus, pipelineAlarmTopic: central.pipelineAlarmTopic,
  });
  return { app, stack, central, route };
}

/** The central bus's email rules, in the order of ALARM_FAMILIES. */
const centralRulesOf = (central: CentralAlarmBus) => [
  ...central.jobFailureRules, central.policyChangeRule, central.tamperCallRule, central.tamperStateRule, central.otherEventsRule,
];
const patternOf = (rule: events.Rule) => Stack.of(rule).resolve((rule.node.defaultChild as events.CfnRule).eventPattern);

// ---------------------------------------------------------------------------------------------------------
// The events, and what each one is (kind and severity), written by hand from the tables
// ---------------------------------------------------------------------------------------------------------

type Expected = [AlarmKind, FindingSeverity] | null;

/** AWS Backup's documented examples (test/fixtures/backup-events). */
const BACKUP_EVENTS: Record<string, Expected> = {
  'backup-aborted': [K.BACKUP_JOB_FAILURE, S.MEDIUM],
  'backup-completed-with-issues': null,
  'backup-completed': null,
  'backup-created': null,
  'backup-expired': [K.BACKUP_JOB_FAILURE, S.HIGH],
  'backup-failed': [K.BACKUP_JOB_FAILURE, S.HIGH],
  'backup-partial': [K.BACKUP_JOB_FAILURE, S.MEDIUM],
  'backup-pending': null,
  'backup-plan-created': [K.OTHER, S.MEDIUM],
  'backup-plan-deleted': [K.TAMPERING, S.HIGH],
  'backup-plan-modified': [K.OTHER, S.MEDIUM],
  'backup-running': null,
  'backup-vault-created': [K.OTHER, S.MEDIUM],
  'backup-vault-deleted': [K.TAMPERING, S.CRITICAL],
  'backup-vault-modified': [K.OTHER, S.MEDIUM],
  'copy-completed': null,
  'copy-created': null,
  'copy-failed': [K.COPY_JOB_FAILURE, S.MEDIUM],
  'copy-partial': [K.COPY_JOB_FAILURE, S.LOW],
  'copy-running': null,
  'recovery-point-completed': [K.OTHER, S.MEDIUM],
  'region-setting-modified': [K.TAMPERING, S.HIGH],
  'restore-aborted': [K.RESTORE_JOB_FAILURE, S.MEDIUM],
  'restore-completed': null,
  'restore-created': null,
  'restore-failed-restore-testing': [K.RESTORE_JOB_FAILURE, S.HIGH],
  'restore-failed-with-vault': [K.RESTORE_JOB_FAILURE, S.HIGH],
  'restore-failed': [K.RESTORE_JOB_FAILURE, S.HIGH],
  'restore-pending': null,
  'restore-running': null,
  'scan-canceled': [K.SCAN_JOB_FAILURE, S.LOW],
  'scan-completed-no-threats': null,
  'scan-completed-threats': [K.SCAN_JOB_FAILURE, S.CRITICAL],
  'scan-completed_with_issues': [K.SCAN_JOB_FAILURE, S.LOW],
  'scan-created': null,
  'scan-failed': [K.SCAN_JOB_FAILURE, S.MEDIUM],
  'scan-running': null,
};

/**
 * AWS Organizations' events (test/fixtures/organizations-events): the central policy rule emails whatever the
 * management account forwards, so every one is a policy change, HIGH by the route's rule.
 */
const ORGANIZATIONS_EVENTS: Record<string, Expected> = Object.fromEntries([
  'attach-policy', 'create-policy-backup', 'create-policy-scp', 'delete-policy', 'detach-policy', 'disable-policy-type-backup',
  'disable-policy-type-scp', 'effective-policy-validation-backup-invalid', 'effective-policy-validation-backup-valid',
  'effective-policy-validation-tag-invalid', 'enable-policy-type-backup', 'enable-policy-type-scp', 'list-policies',
  'update-policy-backup', 'update-policy-denied', 'update-policy-tag',
].map((n) => [n, [K.POLICY_CHANGE, S.HIGH]]));

/** Security Hub's own events never alarm (test/fixtures/other-events). */
const OTHER_EVENTS: Record<string, Expected> = { 'securityhub-findings-imported': null };

/** The tampering calls that destroy or unlock (CRITICAL); every other listed call is HIGH. */
const CRITICAL_CALLS = ['DeleteRecoveryPoint', 'DeleteBackupVault', 'DeleteBackupVaultLockConfiguration', 'CancelLegalHold', 'DisassociateBackupVaultMpaApprovalTeam'];

function allEvents(): { events: Record<string, any>; expected: Record<string, Expected> } {
  const fixtures = (dir: string) => loadExampleEvents(path.join(__dirname, 'fixtures', dir));
  const out: Record<string, any> = {};
  const expected: Record<string, Expected> = {};
  const add = (name: string, event: any, what: Expected) => {
    out[name] = event;
    expected[name] = what;
  };
  for (const [dir, table] of [['backup-events', BACKUP_EVENTS], ['organizations-events', ORGANIZATIONS_EVENTS], ['other-events', OTHER_EVENTS]] as const) {
    const loaded = fixtures(dir);
    // Every fixture is classified: a new one fails here until the table says what it is.
    expect(Object.keys(loaded).sort()).toEqual(Object.keys(table).sort());
    for (const [name, event] of Object.entries(loaded)) add(name, event, table[name]);
  }
  for (const action of Object.values(BackupTamperAction)) {
    add(`call-${action}`, apiCall(action), [K.TAMPERING, CRITICAL_CALLS.includes(action) ? S.CRITICAL : S.HIGH]);
  }
  // A refused call is an attempt, as severe as the call.
  add('call-DeleteRecoveryPoint-denied', apiCall('DeleteRecoveryPoint', 'user', { errorCode: 'AccessDenied' }), [K.TAMPERING, S.CRITICAL]);
  // Its finding is INFORMATIONAL, but a pattern cannot read the opt-in map: HIGH for routes.
  add('call-UpdateRegionSettings-opt-in-only', optInRequest({ EBS: true }), [K.TAMPERING, S.HIGH]);
  // A call the table does not list, forwarded by a user's own rule: the central list emails it; MEDIUM for routes.
  add('call-StartBackupJob-unlisted', apiCall('StartBackupJob'), [K.TAMPERING, S.MEDIUM]);
  // A job state AWS Backup might add later: a failure of unknown meaning, MEDIUM.
  add('backup-unknown-state', { ...out['backup-failed'], detail: { ...out['backup-failed'].detail, state: 'SUSPENDED' } }, [K.BACKUP_JOB_FAILURE, S.MEDIUM]);
  // A failed scan that found threats is CRITICAL, whatever its state.
  add('scan-failed-threats', { ...out['scan-failed'], detail: { ...out['scan-failed'].detail, scanResult: { scanResultStatus: 'THREATS_FOUND' } } }, [K.SCAN_JOB_FAILURE, S.CRITICAL]);
  // Not from AWS: archived and counted, never emailed.
  add('untrusted-source', { ...out['backup-failed'], source: 'custom.backup' }, null);
  // Accounts X and Y in turn, so that each route's accounts are tested both ways within every class.
  Object.keys(out).sort().forEach((name, i) => { out[name] = { ...out[name], account: i % 2 === 0 ? X : Y }; });
  return { events: out, expected };
}

const RANK = [S.INFORMATIONAL, S.LOW, S.MEDIUM, S.HIGH, S.CRITICAL];

/** The routes an alarm should reach, from the route definitions alone. */
function expectedRoutes(event: any, what: Expected): string[] {
  if (what === null) return [];
  const [kind, severity] = what;
  return Object.entries(ROUTES).filter(([, r]) => (r.accounts === undefined || r.accounts.includes(event.account))
    && (r.kinds === undefined || r.kinds.includes(kind))
    && (r.minimumSeverity === undefined || RANK.indexOf(severity) >= RANK.indexOf(r.minimumSeverity))).map(([name]) => name);
}

describe('routing matrix (event-ruler)', () => {
  const { central, route } = centralStack();
  const routes = Object.fromEntries(Object.entries(ROUTES).map(([name, options]) => [name, route(name, options)]));
  const centralRules = centralRulesOf(central);
  const patterns: Record<string, unknown> = {};
  for (const rule of centralRules) patterns[`central/${rule.node.id}`] = patternOf(rule);
  for (const [name, r] of Object.entries(routes)) for (const rule of r.rules) patterns[`${name}/${rule.node.id}`] = patternOf(rule);
  const { events: evs, expected } = allEvents();
  const matrix = matchMatrix(patterns, evs);
  const matching = (prefix: string, event: string) => Object.keys(patterns).filter((p) => p.startsWith(`${prefix}/`) && matrix[p][event]);

  test('the matrix covers every class of alarm, and non-alarms', () => {
    const kinds = new Set(Object.values(expected).filter((e) => e !== null).map((e) => e![0]));
    expect([...kinds].sort()).toEqual(Object.values(AlarmKind).sort());
    expect(Object.values(expected).filter((e) => e === null).length).toBeGreaterThan(10);
  });

  test('each event reaches exactly the routes its account, kind and severity select', () => {
    const actual = Object.fromEntries(Object.keys(evs).map((e) => [e, Object.keys(ROUTES).filter((name) => matching(name, e).length > 0)]));
    const wanted = Object.fromEntries(Object.keys(evs).map((e) => [e, expectedRoutes(evs[e], expected[e])]));
    expect(actual).toEqual(wanted);
    // Every route receives something, and misses something: the matrix can fail both ways for each.
    for (const name of Object.keys(ROUTES)) {
      const got = Object.values(actual).filter((r) => r.includes(name)).length;
      expect([name, got > 0, got < Object.keys(evs).length]).toEqual([name, true, true]);
    }
  });

  test('an event reaches a route through one rule at most: one email per route', () => {
    for (const name of Object.keys(ROUTES)) {
      for (const e of Object.keys(evs)) expect([name, e, matching(name, e).length <= 1]).toEqual([name, e, true]);
    }
  });

  test('the central rules still match every alarm, once, and no success, progress or untrusted event', () => {
    const counts = Object.fromEntries(Object.keys(evs).map((e) => [e, matching('central', e).length]));
    expect(counts).toEqual(Object.fromEntries(Object.keys(evs).map((e) => [e, expected[e] === null ? 0 : 1])));
  });

  test('a route rule matches only what its family\'s central rule matches', () => {
    for (const [name, r] of Object.entries(routes)) {
      for (const rule of r.rules) {
        for (const e of Object.keys(evs)) {
          if (matrix[`${name}/${rule.node.id}`][e]) expect([name, rule.node.id, e, matrix[`central/${rule.node.id}`][e]]).toEqual([name, rule.node.id, e, true]);
        }
      }
    }
  });
});

describe('patterns', () => {
  test('a route without narrowing has the central rules\' patterns; accounts add a top-level account field only', () => {
    const { central, route } = centralStack();
    const all = route('All', { emailAddresses: ['a@example.com'] });
    const low = route('Low', { emailAddresses: ['a@example.com'], minimumSeverity: S.LOW });
    const x = route('X', { emailAddresses: ['a@example.com'], accounts: [X, X] });
    const centralRules = centralRulesOf(central);
    expect(all.rules.map((r) => r.node.id)).toEqual(centralRules.map((r) => r.node.id));
    expect(all.rules.map(patternOf)).toEqual(centralRules.map(patternOf));
    expect(low.rules.map(patternOf)).toEqual(centralRules.map(patternOf));
    expect(x.rules.map(patternOf)).toEqual(centralRules.map((r) => ({ ...patternOf(r), account: [X] })));
  });

  test.each([
    ['HIGH', S.HIGH, ['BackupJobFailures', 'RestoreJobFailures', 'ScanJobFailures', 'PolicyChanges', 'TamperCalls', 'TamperStateChanges']],
    ['CRITICAL', S.CRITICAL, ['ScanJobFailures', 'TamperCalls', 'TamperStateChanges']],
    ['MEDIUM', S.MEDIUM, ALARM_FAMILIES.map((f) => f.id)],
  ])('minimum severity %s keeps only the families that can reach it', (_name, minimumSeverity, ids) => {
    const { route } = centralStack();
    expect(route('R', { emailAddresses: ['a@example.com'], minimumSeverity }).rules.map((r) => r.node.id)).toEqual(ids);
  });

  test('every pattern fits EventBridge\'s 2,048 characters, up to 80 accounts; more is refused with the count', () => {
    const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(100000000000 + i));
    const { stack, route } = centralStack();
    route('Many', { emailAddresses: ['a@example.com'], accounts: accounts(80) });
    for (const [id, r] of Object.entries(Template.fromStack(stack).findResources('AWS::Events::Rule')) as Array<[string, any]>) {
      expect([id, JSON.stringify(r.Properties.EventPattern).length <= 2048]).toEqual([id, true]);
    }
    expect(() => centralStack().route('TooMany', { emailAddresses: ['a@example.com'], accounts: accounts(100) }))
      .toThrow(/AlarmRoute 'Central\/TooMany': the OtherEvents rule's pattern would be \d+ characters, over EventBridge's quota of 2048 \(100 accounts\)/);
  });
});

describe('delivery: the route\'s own rules, topic, dead-letter queue and retry policy', () => {
  const build = () => {
    const c = centralStack();
    const r = c.route('Team', { accounts: [X], emailAddresses: ['team@example.com'] });
    return { ...c, r, template: Template.fromStack(c.stack) };
  };

  test('each route rule targets only the route topic, with the route\'s dead-letter queue, retries and the central rule\'s email text', () => {
    const { stack, central, r, template } = build();
    const rules = template.findResources('AWS::Events::Rule');
    const byId = (rule: events.Rule) => rules[stack.getLogicalId(rule.node.defaultChild as events.CfnRule)].Properties;
    const centralRules = centralRulesOf(central);
    const topicRef = stack.resolve(r.topic.topicArn);
    const dlqArn = stack.resolve(r.deadLetterQueue.queueArn);
    expect(r.rules).toHaveLength(8);
    for (const rule of r.rules) {
      const props = byId(rule);
      const twin = byId(centralRules.find((c) => c.node.id === rule.node.id)!);
      expect(props.Targets).toHaveLength(1);
      expect(props.Targets[0]).toEqual({
        Id: expect.any(String),
        Arn: topicRef,
        InputTransformer: twin.Targets[0].InputTransformer,
        DeadLetterConfig: { Arn: dlqArn },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      });
      // The central rule is a separate rule, to the central topic, with the central dead-letter queue.
      expect(twin.Targets[0].Arn).toEqual(stack.resolve(central.topic.topicArn));
      expect(twin.Targets[0].DeadLetterConfig).toEqual({ Arn: stack.resolve(central.deadLetterQueue.queueArn) });
      expect(twin.Targets[0].Arn).not.toEqual(topicRef);
    }
  });

  test('the route topic has its own key, which admits EventBridge as the central key does; its policy admits only rules of the bus and alarms of this account', () => {
    const { stack, central, r, template } = build();
    expect(r.encryptionKey).toBeDefined();
    expect(stack.resolve(r.encryptionKey!.keyArn)).not.toEqual(stack.resolve(central.encryptionKey!.keyArn));
    const keyId = stack.getLogicalId(r.encryptionKey!.node.defaultChild as any);
    const KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*'];
    const keyStatements = template.findResources('AWS::KMS::Key')[keyId].Properties.KeyPolicy.Statement;
    expect(keyStatements).toEqual(expect.arrayContaining([
      { Sid: expect.anything(), Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: KEY_ACTIONS, Resource: '*' },
      {
        Sid: expect.anything(),
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: KEY_ACTIONS,
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
      },
    ]));
    const topicId = stack.getLogicalId((r.topic as sns.Topic).node.defaultChild as any);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find((p: any) => p.Properties.Topics[0].Ref === topicId) as any;
    const allows = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow');
    expect(allows).toHaveLength(2);
    const fromRules = allows.find((s: any) => s.Principal.Service === 'events.amazonaws.com');
    expect(fromRules.Action).toBe('sns:Publish');
    expect(fromRules.Condition.StringEquals).toEqual({ 'aws:SourceAccount': '111111111111' });
    expect(JSON.stringify(fromRules.Condition.ArnLike['aws:SourceArn'])).toMatch(/:events:eu-west-1:111111111111:rule\/.*EventBus.*\/\*/);
    expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]));
  });

  test('only the route\'s own rules may dead-letter into its queue; emails SNS cannot deliver go there too', () => {
    const { stack, r, template } = build();
    const queueId = stack.getLogicalId(r.deadLetterQueue.node.defaultChild as any);
    const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find((p: any) => p.Properties.Queues[0].Ref === queueId) as any;
    const fromRules = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Principal?.Service === 'events.amazonaws.com');
    expect(fromRules.Action).toBe('sqs:SendMessage');
    expect(fromRules.Condition.ArnEquals['aws:SourceArn']).toEqual(r.rules.map((rule) => stack.resolve(rule.ruleArn)));
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: 'team@example.com', TopicArn: stack.resolve(r.topic.topicArn), RedrivePolicy: { deadLetterTargetArn: stack.resolve(r.deadLetterQueue.queueArn) },
    });
  });

  test('the route\'s failures are alarms sent to the pipeline topic, never through the route\'s own topic', () => {
    const { stack, central, r } = build();
    for (const alarm of [r.deadLetterAlarm, r.failedDeliveryAlarm, r.topicDeliveryAlarm!]) {
      expect(stack.resolve((alarm.node.defaultChild as any).alarmActions)).toEqual([stack.resolve(central.pipelineAlarmTopic.topicArn)]);
    }
  });

  test('a topic you bring is the only target; no key or topic is created', () => {
    const { stack, route } = centralStack();
    const theirs = sns.Topic.fromTopicArn(stack, 'Theirs', 'arn:aws:sns:eu-west-1:111111111111:team-chat');
    const r = route('Brought', { topic: theirs, kinds: [K.TAMPERING] });
    expect(r.encryptionKey).toBeUndefined();
    expect(r.topicDeliveryAlarm).toBeUndefined();
    expect(r.rules.map((rule) => rule.node.id)).toEqual(['TamperCalls', 'TamperStateChanges']);
    const targets = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))
      .filter((x: any) => x.Properties.Targets?.[0]?.Arn === 'arn:aws:sns:eu-west-1:111111111111:team-chat');
    expect(targets).toHaveLength(2);
  });
});

describe('refuses bad props', () => {
  const bus = () => {
    const app = new App();
    const stack = new Stack(app, 'Central', { env: ENV });
    return { stack, eventBus: new events.EventBus(stack, 'Bus') };
  };
  test.each([
    ['an 11-digit account', { accounts: ['12345678901'], emailAddresses: ['a@example.com'] }, /AlarmRoute 'Central\/Route': accounts contains '12345678901', expected a 12-digit AWS account id/],
    ['no accounts', { accounts: [], emailAddresses: ['a@example.com'] }, /accounts is empty; leave it unset instead/],
    ['no kinds', { kinds: [], emailAddresses: ['a@example.com'] }, /kinds is empty; list at least one of BACKUP_JOB_FAILURE, .*OTHER, or leave it unset for all/],
    ['an unknown kind', { kinds: ['DELETION' as AlarmKind], emailAddresses: ['a@example.com'] }, /kinds contains 'DELETION', expected one of BACKUP_JOB_FAILURE/],
    ['an unknown severity', { minimumSeverity: 'SEVERE' as FindingSeverity, emailAddresses: ['a@example.com'] }, /minimumSeverity must be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL, got 'SEVERE'/],
    ['no email addresses', { emailAddresses: [] }, /emailAddresses is empty; leave it unset instead/],
    ['a bad email address', { emailAddresses: ['team'] }, /emailAddresses contains 'team', expected an email address like team@example.com/],
    ['no destination', {}, /the route's alarms would reach nobody: emailAddresses and topic are both unset; set emailAddresses, or topic/],
    ['kinds that never reach the minimum', { kinds: [K.POLICY_CHANGE, K.OTHER], minimumSeverity: S.CRITICAL, emailAddresses: ['a@example.com'] },
      /minimumSeverity CRITICAL leaves no alarm of kinds \[POLICY_CHANGE, OTHER\]: lower minimumSeverity, or choose other kinds/],
    ['too many retries', { retryAttempts: 200, emailAddresses: ['a@example.com'] }, /retryAttempts must be a whole number from 0 to 185, got 200/],
  ])('%s', (_case, options, message) => {
    const { stack, eventBus } = bus();
    expect(() => new AlarmRoute(stack, 'Route', { eventBus, ...(options as AlarmRouteOptions) })).toThrow(message);
  });

  test('a kind asked for by name that the minimum severity empties is a warning, not silence', () => {
    const { stack, eventBus } = bus();
    new AlarmRoute(stack, 'Route', { eventBus, kinds: [K.TAMPERING, K.OTHER], minimumSeverity: S.HIGH, emailAddresses: ['a@example.com'] });
    Annotations.fromStack(stack).hasWarning('/Central/Route', Match.stringLikeRegexp('kinds \\[OTHER\\] never reach minimumSeverity HIGH'));
  });
});

test('cdk-nag: all five packs, nothing unsuppressed, with the central bus and a route of each shape', () => {
  const { app, stack, route } = centralStack();
  for (const [name, options] of Object.entries(ROUTES)) route(name, options);
  route('Brought', { topic: sns.Topic.fromTopicArn(stack, 'Theirs', 'arn:aws:sns:eu-west-1:111111111111:team-chat') });
  expect(nagFindings(app, [stack], NAG_PACKS)).toEqual([]);
});

test('a route standing alone (no pipeline topic) is nag-clean too: its alarms say why they have no action', () => {
  const app = new App();
  const stack = new Stack(app, 'Alone', { env: ENV });
  new AlarmRoute(stack, 'Route', { eventBus: new events.EventBus(stack, 'Bus'), emailAddresses: ['a@example.com'] });
  expect(nagFindings(app, [stack], NAG_PACKS)).toEqual([]);
});
