/**
 * Chat messages of the event alarms: each alarm class's chat input transformer, as synthesized, rendered over
 * every documented example event its central rule matches (matched with AWS's event-ruler), parsed as JSON and
 * checked against the custom-notification schema; and the email of each class, unchanged.
 *
 * The path: rule -> SNS topic -> Amazon Q Developer in chat applications -> Slack or Microsoft Teams.
 * - EventBridge to SNS with an input transformer: "Amazon EventBridge input transformation",
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html (JSON templates; a
 *   placeholder outside quotes gets the value's JSON; "EventBridge doesn't escape values extracted by Input Path";
 *   a missing path "won't appear in the output"; at most 100 variables), reproduced by
 *   test/support/render-input.ts `renderJsonInputTransformer`; the 8,192-character template limit is
 *   `InputTemplate`'s in https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html.
 * - SNS to chat: "Custom notifications using Amazon Q Developer in chat applications",
 *   https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html (the schema: `version` "1.0",
 *   `source` "custom", `content.textType` "client-markdown", `title`, `description`, `nextSteps`, `keywords`;
 *   `metadata.threadId` threads notifications; other payloads are dropped). The page gives no sizes: the limits
 *   checked are this library's `CHAT_LIMITS` (src/shared/chat.ts says why each).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { loadExampleEvents, matchMatrix } from './ruler/ruler';
import { renderInputTransformer, renderJsonInputTransformer } from './support/render-input';
import { apiCall, stateChanges } from './support/tamper-events';
import {
  AlarmDescription, chatInput, chatTemplate, emailConsoleHost, emailTemplate, jobFailureAlarm, MAX_TEMPLATE_LENGTH, MAX_TEMPLATE_PATHS,
  otherEventAlarm, policyChangeAlarm, tamperCallAlarm, tamperStateAlarm, TextTemplate,
} from '../src/private/messages';
import {
  centralPolicyPattern, centralTamperCallPattern, centralTamperStatePattern, jobFailurePattern, otherEventsPattern,
} from '../src/private/patterns';
import { BackupJobKind } from '../src/shared/backup-events';
import { CHAT_LIMITS, customNotification, ELLIPSIS, truncate, validateCustomNotification } from '../src/shared/chat';
import { BackupTamperAction } from '../src/shared/tamper';

const HOST = '<region>.console.aws.amazon.com';

/** The alarm classes as the central bus names its rules. */
const CLASSES: Record<string, { alarm: AlarmDescription; pattern: unknown }> = {
  BackupJobFailures: { alarm: jobFailureAlarm(BackupJobKind.BACKUP, HOST), pattern: jobFailurePattern(BackupJobKind.BACKUP) },
  CopyJobFailures: { alarm: jobFailureAlarm(BackupJobKind.COPY, HOST), pattern: jobFailurePattern(BackupJobKind.COPY) },
  RestoreJobFailures: { alarm: jobFailureAlarm(BackupJobKind.RESTORE, HOST), pattern: jobFailurePattern(BackupJobKind.RESTORE) },
  ScanJobFailures: { alarm: jobFailureAlarm(BackupJobKind.SCAN, HOST), pattern: jobFailurePattern(BackupJobKind.SCAN) },
  PolicyChanges: { alarm: policyChangeAlarm(HOST), pattern: centralPolicyPattern() },
  TamperCalls: { alarm: tamperCallAlarm(HOST), pattern: centralTamperCallPattern() },
  TamperStateChanges: { alarm: tamperStateAlarm(HOST), pattern: centralTamperStatePattern() },
  OtherEvents: { alarm: otherEventAlarm(), pattern: otherEventsPattern() },
};

/** Each class's chat target as CloudFormation gets it: a rule with the SNS topic target and `chatInput`. */
function synthesizedChatTransformers(): Record<string, { InputPathsMap: Record<string, string>; InputTemplate: string }> {
  const stack = new Stack(new App(), 'Chat', { env: { account: '111111111111', region: 'eu-west-1' } });
  const topic = new sns.Topic(stack, 'ChatTopic');
  for (const [id, c] of Object.entries(CLASSES)) {
    new events.Rule(stack, id, { eventPattern: { source: ['aws.backup'] }, targets: [new targets.SnsTopic(topic, { message: chatInput(chatTemplate(c.alarm)) })] });
  }
  const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
  return Object.fromEntries(Object.keys(CLASSES).map((id) => {
    const logical = Object.keys(rules).find((k) => k.startsWith(id))!;
    return [id, rules[logical].Properties.Targets[0].InputTransformer];
  }));
}

const transformers = synthesizedChatTransformers();

const backupEvents = loadExampleEvents(path.join(__dirname, 'fixtures', 'backup-events'));
const orgEvents = loadExampleEvents(path.join(__dirname, 'fixtures', 'organizations-events'));
const EVENTS: Record<string, any> = {
  ...Object.fromEntries(Object.entries(backupEvents).map(([k, v]) => [`backup/${k}`, v])),
  ...Object.fromEntries(Object.entries(orgEvents).map(([k, v]) => [`organizations/${k}`, v])),
  ...Object.fromEntries(Object.values(BackupTamperAction).map((a) => [`call/${a}`, apiCall(a)])),
  'call/DeleteRecoveryPoint-refused': apiCall('DeleteRecoveryPoint', 'user', {
    errorCode: 'AccessDenied', errorMessage: 'User: "bob" is not authorized',
  }),
  ...Object.fromEntries(Object.entries(stateChanges()).map(([k, v]) => [`state/${k}`, v])),
};

const matrix = matchMatrix(Object.fromEntries(Object.entries(CLASSES).map(([id, c]) => [id, c.pattern])), EVENTS);

/** Every (class, event) pair the central rules route. */
const CASES: Array<[string, string]> = Object.keys(CLASSES).flatMap((id) =>
  Object.keys(EVENTS).filter((e) => matrix[id][e]).map((e): [string, string] => [id, e]));

/** What each class names besides account and Region: the state, or the call. */
function whatHappened(id: string, event: any): string {
  if (id.endsWith('JobFailures')) return event.detail.state ?? event.detail.status;
  if (id === 'TamperStateChanges') return event.detail.state;
  if (id === 'OtherEvents') return event['detail-type'];
  return event.detail.eventName;
}

function chat(id: string, event: unknown): any {
  return JSON.parse(renderJsonInputTransformer(transformers[id], event));
}

test('every alarm class has documented example events to render', () => {
  for (const id of Object.keys(CLASSES)) expect(CASES.filter(([c]) => c === id).length).toBeGreaterThan(0);
  // The job failures: the pattern tests' FAILURES list, and a canceled scan (a failure on the central bus).
  expect(CASES.filter(([c]) => c.endsWith('JobFailures')).map(([, e]) => e.replace('backup/', '')).sort()).toEqual([
    'backup-aborted', 'backup-expired', 'backup-failed', 'backup-partial', 'copy-failed', 'copy-partial',
    'restore-aborted', 'restore-failed', 'restore-failed-restore-testing', 'restore-failed-with-vault',
    'scan-canceled', 'scan-completed-threats', 'scan-completed_with_issues', 'scan-failed',
  ]);
});

describe.each(CASES)('%s renders %s', (id, name) => {
  const event = EVENTS[name];
  test('as JSON that is a valid custom notification naming account, Region, what happened and where to look', () => {
    const n = chat(id, event);
    expect(validateCustomNotification(n)).toEqual([]);
    expect(n.content.title).toContain(`account ${event.account}, ${event.region}`);
    expect(`${n.content.title}\n${n.content.description}`).toContain(whatHappened(id, event));
    expect(n.content.title).not.toMatch(/<[A-Za-z]+>/);
    expect(n.content.description).not.toMatch(/<[A-Za-z]+>/);
    expect(n.id).toBe(event.id);
    expect(n.metadata.relatedResources).toEqual(event.resources);
    expect(n.metadata.threadId.startsWith(`${event.account}#${event.region}#`)).toBe(true);
    if (id === 'OtherEvents') {
      expect(n.content.nextSteps.join(' ')).toContain('central bus archive');
    } else {
      const host = id === 'PolicyChanges' ? `https://${event.region}.console.aws.amazon.com/organizations/` : `https://${event.region}.console.aws.amazon.com/backup/home?region=${event.region}#/`;
      expect(n.content.nextSteps[0]).toContain(host);
    }
  });
});

test.each([
  ['BackupJobFailures', 'backup/backup-failed', 'Resource: arn:aws:service:us-west-2:1112233445566:resource-type/resource-id', '#/jobs/backup/details/34176239-e96d-4e1d-9fad-529dbb3c3556'],
  ['RestoreJobFailures', 'backup/restore-failed', 'Resource: \n', '#/jobs/restore/details/1B234A56-789B-01CD-2A34-4567A08901FD'],
  ['ScanJobFailures', 'backup/scan-completed-threats', 'Scan result: THREATS_FOUND', '#/jobs/scan/details/4d5fc12e-7e33-4336-a981-bbe43c300298'],
  ['TamperCalls', 'call/DeleteRecoveryPoint', 'Recovery point: arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0', '#/backupvaults'],
  ['TamperCalls', 'call/DeleteBackupVault', 'CloudTrail event id: e17-role-0000-0000-000000000000', '#/backupvaults'],
  ['TamperStateChanges', 'state/backup-vault-deleted', 'Vault: ', '#/'],
])('%s over %s says %j and links %j', (id, name, line, link) => {
  const n = chat(id, EVENTS[name]);
  expect(n.content.description).toContain(line);
  expect(n.content.nextSteps[0].endsWith(link)).toBe(true);
});

test('the status message stays in the email: AWS\'s own example quotes it, which would break a JSON string', () => {
  const failed = EVENTS['backup/backup-failed'];
  expect(failed.detail.statusMessage).toMatch(/^"/);
  // Inside a JSON string, EventBridge inserts it unescaped: not JSON any more.
  expect(() => JSON.parse(renderJsonInputTransformer({ InputPathsMap: { m: '$.detail.statusMessage' }, InputTemplate: '{"d": "<m>"}' }, failed))).toThrow();
  const n = chat('BackupJobFailures', failed);
  expect(n.content.description).toContain('In the email only (free text, which could break a chat message): status message.');
  expect(n.content.nextSteps[0]).toContain('with its status message');
});

test('a long status message full of quotes, backslashes and line breaks keeps the notification valid and within limits', () => {
  const nasty = `${'"quoted" \\ back\nslash '.repeat(400)}`;
  const event = { ...EVENTS['backup/backup-failed'], detail: { ...EVENTS['backup/backup-failed'].detail, statusMessage: nasty } };
  const n = chat('BackupJobFailures', event);
  expect(validateCustomNotification(n)).toEqual([]);
  expect(JSON.stringify(n)).not.toContain('quoted');
  // The email still has all of it.
  expect(renderInputTransformer(emailTemplateCfn('BackupJobFailures'), event)).toContain(`Status message: ${nasty}`);
});

test('a caller\'s own user agent (with quotes) cannot break a tamper notification', () => {
  const call = apiCall('DeleteBackupVault', 'role', { userAgent: 'x" , "title": "all good' });
  const n = chat('TamperCalls', call);
  expect(validateCustomNotification(n)).toEqual([]);
  expect(n.content.title).toBe('Backup tampering: DeleteBackupVault in account 222222222222, eu-west-1, by arn:aws:sts::222222222222:assumed-role/ops-admin/alice');
});

test('one protection\'s alarms thread together, and a vault\'s tampering', () => {
  const failed = chat('BackupJobFailures', EVENTS['backup/backup-failed']);
  const expired = chat('BackupJobFailures', EVENTS['backup/backup-expired']);
  expect(failed.metadata.threadId).toBe('1112233445566#us-west-2#arn:aws:service:us-west-2:1112233445566:resource-type/resource-id');
  expect(expired.metadata.threadId).toBe(failed.metadata.threadId);
  const copy = chat('CopyJobFailures', EVENTS['backup/copy-failed']);
  expect(copy.metadata.threadId).toBe(`${copy.metadata.threadId.split('#').slice(0, 2).join('#')}#${EVENTS['backup/copy-failed'].detail.resourceArn}`);
  expect(chat('TamperCalls', EVENTS['call/DeleteBackupVault']).metadata.threadId).toBe('222222222222#eu-west-1#prod-vault');
  expect(chat('TamperCalls', EVENTS['call/DeleteRecoveryPoint']).metadata.threadId).toBe('222222222222#eu-west-1#prod-vault');
});

// ---------------------------------------------------------------------------------------------------------
// The email: unchanged
// ---------------------------------------------------------------------------------------------------------

/** The email transformers in the committed integ snapshots, written before the vocabulary was shared. */
const SNAPSHOTS: Array<[string, string]> = [
  ['integ.backup-alarms.ts.snapshot/BackupAlarmsIntegCentral.template.json', '<region>.console.aws.amazon.com'],
  ['integ.china.ts.snapshot/BackupAlarmsChinaCentral-cn-north-1.template.json', 'console.amazonaws.cn'],
];

const EMAIL_OF: Record<string, (host: string) => AlarmDescription> = {
  BackupJobFailures: (h) => jobFailureAlarm(BackupJobKind.BACKUP, h),
  CopyJobFailures: (h) => jobFailureAlarm(BackupJobKind.COPY, h),
  RestoreJobFailures: (h) => jobFailureAlarm(BackupJobKind.RESTORE, h),
  ScanJobFailures: (h) => jobFailureAlarm(BackupJobKind.SCAN, h),
  PolicyChanges: policyChangeAlarm,
  TamperCalls: tamperCallAlarm,
  TamperStateChanges: tamperStateAlarm,
  OtherEvents: () => otherEventAlarm(),
};

function emailTemplateCfn(id: string, host = HOST): { InputPathsMap: Record<string, string>; InputTemplate: string } {
  const t = emailTemplate(EMAIL_OF[id](host));
  return { InputPathsMap: t.paths, InputTemplate: t.template };
}

describe.each(SNAPSHOTS)('the emails are byte-identical to %s', (file, host) => {
  const template = JSON.parse(fs.readFileSync(path.join(__dirname, file), 'utf8'));
  const rules = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::Events::Rule');
  test.each(Object.keys(EMAIL_OF))('%s: same paths in the same order, same template, same text for every example event', (id) => {
    const [, rule] = rules.find(([k]) => k.includes(id))!;
    const old = rule.Properties.Targets[0].InputTransformer;
    const now = emailTemplateCfn(id, host);
    expect(JSON.stringify(now.InputPathsMap)).toBe(JSON.stringify(old.InputPathsMap));
    expect(now.InputTemplate).toBe(old.InputTemplate);
    for (const event of Object.values(EVENTS)) expect(renderInputTransformer(now, event)).toBe(renderInputTransformer(old, event));
  });
});

// ---------------------------------------------------------------------------------------------------------
// Input transformer limits
// ---------------------------------------------------------------------------------------------------------

test.each(Object.keys(EMAIL_OF))('%s: the chat template keeps to EventBridge\'s limits, with a literal host or the partition mapping', (id) => {
  const stack = new Stack(new App(), 'Agnostic');
  for (const host of [HOST, 'console.amazonaws-us-gov.com', emailConsoleHost(stack)]) {
    const t: TextTemplate = chatTemplate(EMAIL_OF[id](host));
    expect(t.template.length).toBeLessThanOrEqual(MAX_TEMPLATE_LENGTH);
    expect(Object.keys(t.paths).length).toBeLessThanOrEqual(MAX_TEMPLATE_PATHS);
    expect(() => chatInput(t)).not.toThrow();
  }
});

test('a free-text placeholder inside a chat string is refused at synthesis', () => {
  const bad: AlarmDescription = { ...otherEventAlarm(), freeText: ['who'] };
  expect(() => chatTemplate(bad)).toThrow(/free-text placeholder who inside a chat JSON string/);
  expect(() => chatInput({ paths: {}, template: '{"a": }' })).toThrow(/not JSON/);
});

// ---------------------------------------------------------------------------------------------------------
// The schema builder and checker
// ---------------------------------------------------------------------------------------------------------

test.each([
  ['short', 10, 'short'],
  ['exactly10!', 10, 'exactly10!'],
  ['eleven chars', 10, `eleven ch${ELLIPSIS}`],
  ['ab\ud83d\ude00cd', 4, `ab${ELLIPSIS}`],
])('truncate(%j, %d) is %j', (text, max, expected) => {
  expect(truncate(text, max)).toBe(expected);
  expect(truncate(text, max).length).toBeLessThanOrEqual(max);
});

test('customNotification keeps every field within the limits, whatever it is given', () => {
  const long = 'x'.repeat(20_000);
  const n = customNotification({
    title: `two\nlines ${long}`,
    description: long,
    nextSteps: Array.from({ length: 12 }, () => long),
    keywords: Array.from({ length: 30 }, () => long),
    id: long,
    threadId: long,
    summary: long,
    eventType: 'Backup job / failure',
    relatedResources: Array.from({ length: 40 }, () => long),
  });
  expect(validateCustomNotification(n)).toEqual([]);
  expect(n.content.title.startsWith('two lines x')).toBe(true);
  expect(n.content.description.length).toBe(CHAT_LIMITS.DESCRIPTION);
  expect(n.content.description.endsWith(ELLIPSIS)).toBe(true);
  expect(n.content.nextSteps).toHaveLength(CHAT_LIMITS.NEXT_STEPS);
  expect(n.content.keywords).toHaveLength(CHAT_LIMITS.KEYWORDS);
  expect(n.metadata!.relatedResources).toHaveLength(CHAT_LIMITS.RELATED_RESOURCES);
  expect(n.metadata!.eventType).toBe('Backup-job-failure');
  expect(JSON.parse(JSON.stringify(n))).toEqual(n);
});

test('customNotification leaves out empty metadata', () => {
  const n = customNotification({ title: 't', description: 'd' });
  expect(n).toEqual({ version: '1.0', source: 'custom', content: { textType: 'client-markdown', title: 't', description: 'd', nextSteps: [], keywords: [] } });
});

const VALID = { version: '1.0', source: 'custom', content: { textType: 'client-markdown', title: 't', description: 'd', nextSteps: [], keywords: [] } };

test.each<[string, unknown, RegExp]>([
  ['not an object', 'text', /not a JSON object/],
  ['wrong version', { ...VALID, version: '2.0' }, /version is "2.0"/],
  ['wrong source', { ...VALID, source: 'aws.backup' }, /source is "aws.backup"/],
  ['an unknown key', { ...VALID, extra: 1 }, /notification.extra is not in the schema/],
  ['no content', { version: '1.0', source: 'custom' }, /content is missing/],
  ['no description', { ...VALID, content: { title: 't' } }, /content.description is missing/],
  ['another text type', { ...VALID, content: { ...VALID.content, textType: 'plain' } }, /textType is "plain"/],
  ['a long title', { ...VALID, content: { ...VALID.content, title: 'x'.repeat(251) } }, /content.title has 251 characters/],
  ['a title on two lines', { ...VALID, content: { ...VALID.content, title: 'a\nb' } }, /more than one line/],
  ['a long description', { ...VALID, content: { ...VALID.content, description: 'x'.repeat(3001) } }, /content.description has 3001/],
  ['too many next steps', { ...VALID, content: { ...VALID.content, nextSteps: ['a', 'b', 'c', 'd', 'e', 'f'] } }, /nextSteps has 6 entries/],
  ['a keyword that is not text', { ...VALID, content: { ...VALID.content, keywords: [1] } }, /keywords\[0\] is not a string/],
  ['keywords not a list', { ...VALID, content: { ...VALID.content, keywords: 'a' } }, /keywords is not a list/],
  ['a bad event type', { ...VALID, metadata: { eventType: 'a b' } }, /eventType "a b" is not/],
  ['an unknown metadata key', { ...VALID, metadata: { color: 'red' } }, /metadata.color is not in the schema/],
  ['related resources not a list', { ...VALID, metadata: { relatedResources: 'arn' } }, /relatedResources is not a list/],
  ['additional context not text', { ...VALID, metadata: { additionalContext: { a: {} } } }, /additionalContext.a is not a string/],
  ['custom actions not a boolean', { ...VALID, metadata: { enableCustomActions: 'yes' } }, /enableCustomActions is not a boolean/],
])('validateCustomNotification finds %s', (_, value, error) => {
  expect(validateCustomNotification(value).join('\n')).toMatch(error);
  expect(validateCustomNotification(VALID)).toEqual([]);
});
