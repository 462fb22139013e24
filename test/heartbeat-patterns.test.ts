/**
 * Where a heartbeat goes, judged by AWS's own pattern engine (event-ruler, test/ruler/ruler.ts): it reaches the
 * heartbeat ledger's rule; each forwarding rule, once its pattern includes its own heartbeat (the wiring the
 * lead adds to BackupFailureRule and BackupTamperRule), forwards exactly its own heartbeat and still every
 * failure it forwarded before; it never reaches the Security Hub forwarder's rules (no finding).
 *
 * The email rules (`anyAlarmPattern()`) take only `aws.*` sources since issue 19 item 5, so no heartbeat is
 * emailed. But the UntrustedEvents rule counts every other source and alarms on it: with heartbeats wired in,
 * it must exclude them (`untrustedExceptHeartbeatsPattern()`, which the lead makes the body of
 * `untrustedEventsPattern()`); the `test.failing` below records that today's pattern counts heartbeats, and
 * starts failing, on purpose, once the wiring is done: then make it a plain `test`.
 *
 * Governing page: "Amazon EventBridge event patterns" (content filtering, `$or`),
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html, and "Amazon EventBridge
 * quotas" (event pattern size: 2048 characters by default), https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BackupFailureRule, BackupTamperRule } from '../src';
import { loadExampleEvents, matchMatrix } from './ruler/ruler';
import { untrustedExceptHeartbeatsPattern } from '../src/private/heartbeat';
import { anyAlarmPattern, anyOf, anyTamperPattern, jobFindingPattern, untrustedEventsPattern } from '../src/private/patterns';
import { anyHeartbeatPattern, HEARTBEAT_RULES, heartbeatPattern } from '../src/shared/heartbeat';
import { heartbeatEvent } from './runtime/heartbeat/moto-server';

const ACCOUNT = '222222222222';

function synthesizedPattern(build: (stack: Stack) => void): any {
  const stack = new Stack(new App(), 'S', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  build(stack);
  const rules = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule')) as any[];
  return rules[0].Properties.EventPattern;
}

const BUS = 'arn:aws:events:eu-west-1:111111111111:event-bus/central';
const failureRule = synthesizedPattern((s) => new BackupFailureRule(s, 'R', { centralBusArn: BUS }));
const tamperRule = synthesizedPattern((s) => new BackupTamperRule(s, 'R', { centralBusArn: BUS }));
const failureWithHeartbeat = anyOf([failureRule, heartbeatPattern(HEARTBEAT_RULES.BACKUP_FAILURE_RULE)]);
const tamperWithHeartbeat = anyOf([tamperRule, heartbeatPattern(HEARTBEAT_RULES.BACKUP_TAMPER_RULE)]);

const documented = loadExampleEvents(path.join(__dirname, 'fixtures', 'backup-events'));
const hb = (rule: string) => heartbeatEvent({ account: ACCOUNT, region: 'eu-west-1', rule, time: Date.parse('2026-12-01T00:00:00Z'), intervalSeconds: 10_800 });
const events = {
  'heartbeat-failure-rule': hb(HEARTBEAT_RULES.BACKUP_FAILURE_RULE),
  'heartbeat-tamper-rule': hb(HEARTBEAT_RULES.BACKUP_TAMPER_RULE),
  'backup-failed': documented['backup-failed'],
  'backup-completed': documented['backup-completed'],
  'custom-source': { ...hb(HEARTBEAT_RULES.BACKUP_FAILURE_RULE), 'source': 'someone.else', 'detail-type': 'Please email this' },
  'forged-heartbeat-type': { ...hb(HEARTBEAT_RULES.BACKUP_FAILURE_RULE), 'detail-type': 'Please email this' },
};

const m = matchMatrix({
  monitor: anyHeartbeatPattern(),
  failureRule,
  failureWithHeartbeat,
  tamperWithHeartbeat,
  forwarderJobs: jobFindingPattern(),
  forwarderTamper: anyTamperPattern(),
  email: anyAlarmPattern(),
  untrustedToday: untrustedEventsPattern(),
  untrustedWired: untrustedExceptHeartbeatsPattern(),
}, events);

const matched = (row: Record<string, boolean>) => Object.keys(row).filter((e) => row[e]).sort();

test('the ledger\'s rule takes every heartbeat and nothing else', () => {
  expect(matched(m.monitor)).toEqual(['heartbeat-failure-rule', 'heartbeat-tamper-rule']);
});

test('a forwarding rule with its heartbeat forwards its own heartbeat and still exactly the failures it did', () => {
  // Wired: BackupFailureRule's own pattern now carries its heartbeat.
  expect(matched(m.failureRule)).toEqual(['backup-failed', 'heartbeat-failure-rule']);
  expect(matched(m.failureWithHeartbeat)).toEqual(['backup-failed', 'heartbeat-failure-rule']);
  expect(matched(m.tamperWithHeartbeat)).toEqual(['heartbeat-tamper-rule']);
});

test('combined patterns stay under EventBridge\'s default pattern size quota (2048 characters)', () => {
  expect(JSON.stringify(failureWithHeartbeat).length).toBeLessThan(2048);
  expect(JSON.stringify(tamperWithHeartbeat).length).toBeLessThan(2048);
});

test('no heartbeat reaches the Security Hub forwarder (never a finding)', () => {
  expect(matched(m.forwarderJobs)).not.toContain('heartbeat-failure-rule');
  expect(matched(m.forwarderTamper)).toEqual([]);
});

test('no heartbeat reaches an email rule (only aws.* sources do, issue 19 item 5)', () => {
  expect(matched(m.email)).toEqual(['backup-failed']);
});

test('untrustedExceptHeartbeatsPattern: counts every non-AWS source but the heartbeats themselves', () => {
  expect(matched(m.untrustedWired)).toEqual(['custom-source', 'forged-heartbeat-type']);
});

test('the UntrustedEvents rule does not count heartbeats', () => {
  expect(matched(m.untrustedToday).filter((e) => e.startsWith('heartbeat'))).toEqual([]);
});
