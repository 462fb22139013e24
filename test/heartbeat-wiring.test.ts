/**
 * How the heartbeat (issue 20) is wired into the forwarding rules and CentralAlarmBus: on by default where a rule
 * sits on the default bus (EventBridge Scheduler puts the heartbeat there), one heartbeat rule id per stack, the
 * member dead-letter alarm off where it would tell nobody, and the monitor composed by the central bus.
 *
 * Governing pages: "Amazon EventBridge event patterns", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html;
 * EventBridge Scheduler, "Using universal targets" (PutEvents on a bus), https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BackupFailureRule, BackupPolicyChangeRule, BackupTamperRule, CentralAlarmBus } from '../src';

const CENTRAL = 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms';
const ENV = { account: '222222222222', region: 'us-east-1' };

const stackWith = (add: (stack: Stack) => void) => {
  const app = new App();
  const stack = new Stack(app, 'S', { env: ENV });
  add(stack);
  return { app, stack };
};

describe('one heartbeat rule id per stack', () => {
  test.each<[string, (scope: Construct) => void, RegExp]>([
    ['two failure rules', (s) => {
      new BackupFailureRule(s, 'A', { centralBusArn: CENTRAL });
      new BackupFailureRule(s, 'B', { centralBusArn: CENTRAL, forwarderRoleName: 'other-forwarder' });
    }, /BackupFailureRule 'S\/B' and BackupFailureRule 'S\/A' both send the heartbeat 'backup-failure-rule' from one stack.*heartbeatRuleId/],
    ['a tamper rule given the failure rule\'s id', (s) => {
      new BackupFailureRule(s, 'Failures', { centralBusArn: CENTRAL });
      new BackupTamperRule(s, 'Tampering', { centralBusArn: CENTRAL, heartbeatRuleId: 'backup-failure-rule' });
    }, /BackupTamperRule 'S\/Tampering' and BackupFailureRule 'S\/Failures' both send the heartbeat 'backup-failure-rule'.*give one of them its own heartbeatRuleId/],
    ['a failure rule beside CentralAlarmBus\'s own (LocalBackupEvents)', (s) => {
      new CentralAlarmBus(s, 'Alarms', { emailAddresses: ['ops@example.com'] });
      new BackupFailureRule(s, 'Failures', { centralBusArn: CENTRAL });
    }, /BackupFailureRule 'S\/Failures' and BackupFailureRule 'S\/Alarms\/LocalBackupEvents' both send the heartbeat 'backup-failure-rule'/],
  ])('refused at synthesis: %s', (_name, add, message) => {
    const { app } = stackWith(add);
    expect(() => app.synth()).toThrow(message);
  });

  test.each<[string, (scope: Construct) => void]>([
    ['each rule its own id', (s) => {
      new BackupFailureRule(s, 'A', { centralBusArn: CENTRAL });
      new BackupFailureRule(s, 'B', { centralBusArn: CENTRAL, forwarderRoleName: 'other-forwarder', heartbeatRuleId: 'backup-failure-rule-b' });
      new BackupTamperRule(s, 'T', { centralBusArn: CENTRAL });
      new BackupPolicyChangeRule(s, 'P', { centralBusArn: CENTRAL });
    }],
    ['the second without a heartbeat', (s) => {
      new BackupFailureRule(s, 'A', { centralBusArn: CENTRAL });
      new BackupFailureRule(s, 'B', { centralBusArn: CENTRAL, forwarderRoleName: 'other-forwarder', heartbeat: false });
    }],
  ])('accepted: %s', (_name, add) => {
    const { app } = stackWith(add);
    expect(() => app.synth()).not.toThrow();
  });

  test('two stacks (two accounts or Regions) may each have their rule with the default id', () => {
    const app = new App();
    for (const region of ['us-east-1', 'eu-central-1']) {
      new BackupFailureRule(new Stack(app, `S-${region}`, { env: { ...ENV, region } }), 'A', { centralBusArn: CENTRAL });
    }
    expect(() => app.synth()).not.toThrow();
  });
});

describe('where the heartbeat runs', () => {
  test.each<[string, (scope: Construct) => { heartbeat?: { ruleId: string } }, string | undefined]>([
    ['BackupFailureRule', (s) => new BackupFailureRule(s, 'R', { centralBusArn: CENTRAL }), 'backup-failure-rule'],
    ['BackupTamperRule', (s) => new BackupTamperRule(s, 'R', { centralBusArn: CENTRAL }), 'backup-tamper-rule'],
    ['BackupPolicyChangeRule', (s) => new BackupPolicyChangeRule(s, 'R', { centralBusArn: CENTRAL }), 'backup-policy-change-rule'],
    ['heartbeat: false', (s) => new BackupFailureRule(s, 'R', { centralBusArn: CENTRAL, heartbeat: false }), undefined],
    // Scheduler puts the heartbeat on the default bus: a rule on another bus could not forward it.
    ['a rule on another bus', (s) => new BackupFailureRule(s, 'R', { centralBusArn: CENTRAL, eventBus: new events.EventBus(s, 'Bus') }), undefined],
  ])('%s: the heartbeat it sends, if any', (_name, create, ruleId) => {
    let rule: { heartbeat?: { ruleId: string } } = {};
    const { stack } = stackWith((s) => { rule = create(s); });
    expect(rule.heartbeat?.ruleId).toBe(ruleId);
    const schedules = Object.values(Template.fromStack(stack).findResources('AWS::Scheduler::Schedule')) as any[];
    expect(schedules.map((s) => JSON.parse(s.Properties.Target.Input).rule)).toEqual(ruleId === undefined ? [] : [ruleId]);
  });

  test.each<[string, object, number]>([
    ['heartbeat, no topic: no alarm that tells nobody', {}, 0],
    ['heartbeat and a topic: the alarm, to the topic', { alarmTopic: true }, 1],
    ['heartbeat, alarm asked for', { createDeadLetterAlarm: true }, 1],
    ['no heartbeat: the alarm of before', { heartbeat: false }, 1],
  ])('dead-letter alarm: %s', (_name, props, alarms) => {
    const { stack } = stackWith((s) => {
      const alarmTopic = (props as any).alarmTopic ? new sns.Topic(s, 'Ops') : undefined;
      new BackupFailureRule(s, 'R', { centralBusArn: CENTRAL, ...props, alarmTopic });
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CloudWatch::Alarm', alarms);
    t.resourceCountIs('AWS::SQS::Queue', 1);
  });
});

describe('CentralAlarmBus composes the HeartbeatMonitor', () => {
  test('by default, reporting to the alarm topic and to the pipeline\'s own topic; its alarms to the pipeline topic', () => {
    let bus: CentralAlarmBus | undefined;
    const { stack } = stackWith((s) => {
      bus = new CentralAlarmBus(s, 'Alarms', { emailAddresses: ['ops@example.com'], pipelineAlarmEmailAddresses: ['oncall@example.com'] });
    });
    expect(bus!.heartbeats).toBeDefined();
    const env = stack.resolve((bus!.heartbeats!.checkerFunction.node.defaultChild as any).environment).variables;
    expect([env.HEARTBEAT_ALARM_TOPIC_ARN, env.HEARTBEAT_PIPELINE_TOPIC_ARN])
      .toEqual([stack.resolve(bus!.topic.topicArn), stack.resolve(bus!.pipelineAlarmTopic.topicArn)]);
    for (const alarm of [bus!.heartbeats!.checkerStoppedAlarm, bus!.heartbeats!.checkerErrorsAlarm]) {
      expect(stack.resolve((alarm.node.defaultChild as any).alarmActions)).toEqual([stack.resolve(bus!.pipelineAlarmTopic.topicArn)]);
    }
  });

  test('when the pipeline\'s alarms share the alarm topic, the monitor reports there once', () => {
    let bus: CentralAlarmBus | undefined;
    const { stack } = stackWith((s) => { bus = new CentralAlarmBus(s, 'Alarms', { emailAddresses: ['ops@example.com'] }); });
    expect(bus!.pipelineAlarmTopic).toBe(bus!.topic);
    const env = stack.resolve((bus!.heartbeats!.checkerFunction.node.defaultChild as any).environment).variables;
    expect(env.HEARTBEAT_ALARM_TOPIC_ARN).toEqual(stack.resolve(bus!.topic.topicArn));
    expect(env.HEARTBEAT_PIPELINE_TOPIC_ARN).toBeUndefined();
  });

  test('heartbeatMonitor: false leaves it out; heartbeatOptions reach it', () => {
    let off: CentralAlarmBus | undefined;
    const { stack } = stackWith((s) => { off = new CentralAlarmBus(s, 'Alarms', { emailAddresses: ['ops@example.com'], heartbeatMonitor: false }); });
    expect(off!.heartbeats).toBeUndefined();
    // Only the protection monitor's ledger is left.
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::DynamoDB::Table')).map((id) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual(['AlarmsProtectionsLedger']);
    let on: CentralAlarmBus | undefined;
    const other = stackWith((s) => { on = new CentralAlarmBus(s, 'Alarms', { emailAddresses: ['ops@example.com'], heartbeatOptions: { missedIntervals: 4 } }); });
    const env = other.stack.resolve((on!.heartbeats!.checkerFunction.node.defaultChild as any).environment).variables;
    expect(Object.entries(env).filter(([k]) => /MISSED/.test(k)).map(([, v]) => v)).toEqual(['4']);
  });
});
