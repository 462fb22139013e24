/**
 * How CentralAlarmBus wires issue 22 together: `chat` sends every alarm rule's custom notification to a chat topic
 * (and the monitors' reports), `stormControl` takes job-failure email and chat away from the direct rules (tampering,
 * policy changes and other events stay direct), and a route's `chatTopic` gets the route's alarms from the same rules.
 * The renderings themselves are proven in test/chat.test.ts, the routing in test/alarm-route.test.ts, the storms in
 * test/runtime/storm/storm.test.ts.
 *
 * Governing pages:
 * - "Amazon EventBridge targets" (at most 5 targets per rule), https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html
 * - "Custom notifications using Amazon Q Developer in chat applications" (the JSON the chat topic must receive),
 *   https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
 * - SNS developer guide, "Amazon SNS security best practices" / topic policies for EventBridge (events.amazonaws.com
 *   with aws:SourceArn), https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AlarmKind, CentralAlarmBus, CentralAlarmBusProps } from '../src';
import { loadExampleEvents } from './ruler/ruler';
import { renderJsonInputTransformer } from './support/render-input';
import { validateCustomNotification } from '../src/shared/chat';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const FAMILIES = ['BackupJobFailures', 'CopyJobFailures', 'RestoreJobFailures', 'ScanJobFailures', 'PolicyChanges', 'TamperCalls', 'TamperStateChanges', 'OtherEvents'];
const JOB_FAMILIES = FAMILIES.slice(0, 4);

function synth(props: Partial<CentralAlarmBusProps>) {
  const app = new App();
  const stack = new Stack(app, 'Central', { env: ENV });
  const bus = new CentralAlarmBus(stack, 'Alarms', { organizationId: 'o-a1b2c3d4e5', emailAddresses: ['ops@example.com'], ...props });
  return { stack, bus, template: Template.fromStack(stack) };
}

/** The family rules by id (without the hash), with their targets. */
function familyRules(template: Template): Record<string, any[]> {
  const rules = template.findResources('AWS::Events::Rule');
  return Object.fromEntries(FAMILIES.map((f) => {
    const id = Object.keys(rules).find((k) => new RegExp(`^Alarms${f}[0-9A-F]{8}$`).test(k))!;
    return [f, rules[id].Properties.Targets ?? []];
  }));
}

describe('chat', () => {
  test('chat: true creates an encrypted chat topic; every alarm rule sends its email to the alarm topic and its custom notification to the chat topic', () => {
    const { template, bus, stack } = synth({ chat: true });
    expect(bus.chatTopic).toBeDefined();
    const chatTopicId = stack.resolve((bus.chatTopic as sns.Topic).topicArn).Ref;
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'Backup alarms (chat)', KmsMasterKeyId: Match.anyValue() });
    const backupFailed = loadExampleEvents(path.join(__dirname, 'fixtures', 'backup-events'))['backup-failed'];
    for (const [family, targets] of Object.entries(familyRules(template))) {
      expect([family, targets.length]).toEqual([family, 2]);
      const chat = targets.find((t) => t.Arn.Ref === chatTopicId);
      expect([family, chat?.DeadLetterConfig, chat?.RetryPolicy]).toEqual([family, expect.anything(), expect.anything()]);
      if (family === 'BackupJobFailures') {
        const notification = JSON.parse(renderJsonInputTransformer(chat.InputTransformer, { ...backupFailed, account: '222222222222' }));
        expect(validateCustomNotification(notification)).toEqual([]);
        expect(notification.content.title).toContain('222222222222');
      }
    }
  });

  test('the monitors publish their reports to the chat topic too (environment and permission)', () => {
    const { stack, bus } = synth({ chat: true });
    const chatArn = stack.resolve(bus.chatTopic!.topicArn);
    const heartbeatEnv = stack.resolve((bus.heartbeats!.checkerFunction.node.defaultChild as any).environment).variables;
    const protectionEnv = stack.resolve((bus.protections!.checkerFunction.node.defaultChild as any).environment).variables;
    expect([heartbeatEnv.HEARTBEAT_CHAT_TOPIC_ARN, protectionEnv.PROTECTION_CHAT_TOPIC_ARN]).toEqual([chatArn, chatArn]);
  });

  test('without chat nothing changes: one target per rule, no chat topic', () => {
    const { template, bus } = synth({});
    expect(bus.chatTopic).toBeUndefined();
    for (const [family, targets] of Object.entries(familyRules(template))) expect([family, targets.length]).toEqual([family, 1]);
  });
});

describe('storm control', () => {
  test('job failures go through StormControl (email and chat); tampering, policy changes and other events stay direct', () => {
    const { template, bus, stack } = synth({ chat: true, stormControl: {} });
    expect(bus.storms).toBeDefined();
    const rules = familyRules(template);
    for (const f of JOB_FAMILIES) expect([f, rules[f].length]).toEqual([f, 0]);
    for (const f of FAMILIES.slice(4)) expect([f, rules[f].length]).toEqual([f, 2]);
    const env = stack.resolve((bus.storms!.recorderFunction.node.defaultChild as any).environment).variables;
    expect(env.STORM_CHAT_TOPIC_ARN).toEqual(stack.resolve(bus.chatTopic!.topicArn));
    expect(env.STORM_ALARM_TOPIC_ARN).toEqual(stack.resolve(bus.topic.topicArn));
  });

  test('a job-failure rule without a target has no failed-invocations alarm (it could never fire)', () => {
    const { template } = synth({ stormControl: {} });
    const alarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    for (const f of JOB_FAMILIES) expect(alarms.filter((a) => a.startsWith(`Alarms${f}FailedInvocations`))).toEqual([]);
    expect(alarms.filter((a) => a.startsWith('AlarmsTamperCallsFailedInvocations'))).toHaveLength(1);
  });
});

describe('routes', () => {
  test('addRoute with a chatTopic: each route rule sends to the route topic and to the chat topic', () => {
    const app = new App();
    const stack = new Stack(app, 'Central', { env: ENV });
    const bus = new CentralAlarmBus(stack, 'Alarms', { organizationId: 'o-a1b2c3d4e5', emailAddresses: ['ops@example.com'] });
    const teamChat = new sns.Topic(stack, 'TeamChat', { enforceSSL: true });
    const route = bus.addRoute('Security', { kinds: [AlarmKind.TAMPERING], emailAddresses: ['security@example.com'], chatTopic: teamChat });
    expect(route.rules).toHaveLength(2);
    const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
    for (const rule of route.rules) {
      const targets = rules[stack.getLogicalId(rule.node.defaultChild as any)].Properties.Targets;
      expect(targets.map((t: any) => t.Arn)).toEqual([{ Ref: expect.stringMatching(/^AlarmsRouteSecurityTopic/) }, { Ref: expect.stringMatching(/^TeamChat/) }]);
    }
  });
});
