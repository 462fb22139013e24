/**
 * The checker against moto's DynamoDB (real scans and conditional writes): each silence is reported once to
 * each destination, and again once when the source returns; declared sources that never reported are reported;
 * a report that could not be published is sent on the next run; a heartbeat that lands between the scan and
 * the claim wins (no report of a silence that just ended).
 *
 * Governing pages:
 * - "Condition expressions" (DynamoDB developer guide), https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 * - "Scan" (DynamoDB API reference: 1 MB pages, LastEvaluatedKey, eventually consistent by default),
 *   https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html
 * - "Publish" (SNS API reference: Subject at most 100 printable ASCII characters), https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
 */
import { InvalidAccessException } from '@aws-sdk/client-securityhub';
import { KMSDisabledException } from '@aws-sdk/client-sns';
import { heartbeatEvent, MotoServer } from './moto-server';
import { securityHub, sns } from '../../../src/runtime/heartbeat/aws-client';
import { decide, DEFAULT_SETTINGS, humanDuration, LedgerItem, reportsFor } from '../../../src/runtime/heartbeat/checker';
import { heartbeatFinding } from '../../../src/runtime/heartbeat/finding';
import { parseHeartbeat } from '../../../src/runtime/heartbeat/ledger';
import { runCheck } from '../../../src/runtime/heartbeat/run';
import { fromDynamo, LedgerStore } from '../../../src/runtime/heartbeat/store';
import { validateCustomNotification } from '../../../src/shared/chat';
import { HEARTBEAT_TIMING, LedgerState, ReportDestination, sourceKey } from '../../../src/shared/heartbeat';

const A = '111122223333';
const B = '444455556666';
const REGION = 'eu-central-1';
const RULE = 'backup-failure-rule';
const T0 = Date.parse('2026-12-01T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const INTERVAL_S = 10_800;
/** Silent after 2 x 3 h + 5 min. */
const ALLOWANCE = (2 * INTERVAL_S + HEARTBEAT_TIMING.GRACE_SECONDS) * 1000;
const TOPICS = { alarm: 'arn:aws:sns:eu-west-1:999999999999:alarms', pipeline: 'arn:aws:sns:eu-west-1:999999999999:pipeline' };

let moto: MotoServer;
let tables = 0;
beforeAll(async () => {
  moto = await MotoServer.start();
}, 60_000);
afterAll(async () => moto?.stop());

interface Sent { topic: string; subject: string; message: string }

async function fixture() {
  const store = new LedgerStore(moto.dynamo, await moto.createLedger(`checker-${++tables}`));
  const sent: Sent[] = [];
  let failNext = 0;
  const publish = async (topic: string, subject: string, message: string) => {
    if (failNext > 0) {
      failNext--;
      throw new KMSDisabledException({ $metadata: { httpStatusCode: 400 }, message: 'injected' });
    }
    sent.push({ topic, subject, message });
  };
  const beat = (account: string, time: number) => store.record(parseHeartbeat(JSON.stringify(
    heartbeatEvent({ account, region: REGION, rule: RULE, time, intervalSeconds: INTERVAL_S })), time));
  const check = (now: number, extra: Partial<Parameters<typeof runCheck>[0]> = {}) =>
    runCheck({ store, publish, topics: TOPICS, settings: DEFAULT_SETTINGS, now, ...extra });
  return { store, sent, beat, check, failPublishes: (n: number) => { failNext = n; } };
}

test('silent after its allowance: one report per destination, none on later runs, one when it returns', async () => {
  const f = await fixture();
  await f.beat(A, T0);
  await f.beat(B, T0);
  await f.beat(B, T0 + 3 * HOUR);
  await f.beat(B, T0 + 6 * HOUR);
  // Just within the allowance: nothing.
  expect((await f.check(T0 + ALLOWANCE)).claimed).toBe(0);
  expect(f.sent).toHaveLength(0);
  // Past it: A is silent (B is not).
  const s1 = await f.check(T0 + ALLOWANCE + 1);
  expect(s1).toMatchObject({ sources: 2, silent: 1, claimed: 1, reportsSent: 2 });
  expect(f.sent.map((s) => s.topic)).toEqual([TOPICS.alarm, TOPICS.pipeline]);
  const report = f.sent[0];
  expect(report.subject).toBe('Backup alarm heartbeats: 1 silent');
  expect(report.message).toContain(`account ${A}, Region ${REGION}, rule ${RULE}: last heartbeat 2026-12-01T00:00:00Z (6 h 5 min ago; expected every 3 h)`);
  expect(report.message).toContain('Likely causes');
  expect(report.message).not.toContain(B);
  // Later runs: still silent, said once.
  for (let k = 1; k <= 4; k++) await f.check(T0 + ALLOWANCE + k * 15 * MIN);
  expect(f.sent).toHaveLength(2);
  // It returns.
  await f.beat(A, T0 + 8 * HOUR);
  await f.check(T0 + 8 * HOUR + 15 * MIN);
  expect(f.sent).toHaveLength(4);
  expect(f.sent[2].subject).toBe('Backup alarm heartbeats: 1 returned');
  expect(f.sent[2].message).toContain(`account ${A}, Region ${REGION}, rule ${RULE}: heartbeat received 2026-12-01T08:00:00Z (silent since 2026-12-01T00:00:00Z)`);
  await f.check(T0 + 9 * HOUR);
  expect(f.sent).toHaveLength(4);
});

test('a declared source that never reported is reported once as never seen, and once when it first reports', async () => {
  const f = await fixture();
  const expected = { accounts: [A, B], regions: [REGION], rules: [RULE] };
  await f.beat(A, T0);
  const first = await f.check(T0, { expected });
  expect(first.created).toBe(1);
  expect(f.sent).toHaveLength(0);
  // B is given its allowance from when it was first expected; A went silent meanwhile too.
  await f.beat(A, T0 + 3 * HOUR);
  await f.check(T0 + ALLOWANCE + 1, { expected });
  expect(f.sent).toHaveLength(2);
  expect(f.sent[0].subject).toBe('Backup alarm heartbeats: 1 never seen');
  expect(f.sent[0].message).toContain(`account ${B}, Region ${REGION}, rule ${RULE}: no heartbeat ever received (expected since 2026-12-01T00:00:00Z, every 3 h)`);
  expect((await f.check(T0 + ALLOWANCE + HOUR, { expected })).created).toBe(0);
  expect(f.sent).toHaveLength(2);
  await f.beat(B, T0 + 7 * HOUR);
  await f.check(T0 + 7 * HOUR + 1, { expected });
  expect(f.sent.slice(2).map((s) => s.subject)).toEqual(['Backup alarm heartbeats: 1 returned', 'Backup alarm heartbeats: 1 returned']);
});

test('fault: a publish that fails is sent on the next run, to that destination only', async () => {
  const f = await fixture();
  await f.beat(A, T0);
  f.failPublishes(1); // the alarm topic's key is disabled, say
  const s = await f.check(T0 + ALLOWANCE + 1);
  expect(s).toMatchObject({ reportsSent: 1, publishFailures: 1 });
  expect(f.sent.map((x) => x.topic)).toEqual([TOPICS.pipeline]);
  await f.check(T0 + ALLOWANCE + 15 * MIN);
  expect(f.sent.map((x) => x.topic)).toEqual([TOPICS.pipeline, TOPICS.alarm]);
  await f.check(T0 + ALLOWANCE + 30 * MIN);
  expect(f.sent).toHaveLength(2);
});

test('fault: a heartbeat that lands between the scan and the claim wins: no report of a silence that just ended', async () => {
  const f = await fixture();
  await f.beat(A, T0);
  const now = T0 + ALLOWANCE + 1;
  const racing = new LedgerStore(async (op, input) => {
    const out = await moto.dynamo(op, input);
    if (op === 'Scan') await f.beat(A, now - MIN);
    return out;
  }, f.store.tableName);
  const s = await runCheck({ store: racing, publish: async () => { throw new Error('must not publish'); }, topics: TOPICS, settings: DEFAULT_SETTINGS, now });
  expect(s).toMatchObject({ claimed: 0, lostRaces: 1, reportsSent: 0 });
  await f.check(now + 15 * MIN);
  expect(f.sent).toHaveLength(0);
});

test('fault: the checker timing out (deadline passed) claims and publishes nothing, and says the scan was cut short', async () => {
  const f = await fixture();
  await f.beat(A, T0);
  const s = await f.check(T0 + ALLOWANCE + 1, { deadline: Date.now() - 1 });
  expect(s).toMatchObject({ truncated: true, claimed: 0, reportsSent: 0 });
  // The next run does the work.
  expect((await f.check(T0 + ALLOWANCE + 2)).reportsSent).toBe(2);
});

test('a source that returns and goes silent again between two runs is a new episode, reported once', async () => {
  const f = await fixture();
  await f.beat(A, T0);
  await f.check(T0 + ALLOWANCE + 1);
  await f.beat(A, T0 + 7 * HOUR); // returns ...
  await f.check(T0 + 7 * HOUR + ALLOWANCE + 1); // ... and is silent again before the checker saw it
  expect(f.sent.map((s) => s.subject)).toEqual(Array(4).fill('Backup alarm heartbeats: 1 silent'));
  expect(f.sent[2].message).toContain('last heartbeat 2026-12-01T07:00:00Z');
  const raw = await moto.dynamo('GetItem', { TableName: f.store.tableName, Key: { pk: { S: sourceKey(A, REGION, RULE) } } });
  expect(fromDynamo(raw.Item)).toMatchObject({ state: LedgerState.SILENT, ver: 2, silentSince: T0 + 7 * HOUR, notified: { alarm: 2, pipeline: 2 } });
});

describe('pure decisions', () => {
  const item = (o: Partial<LedgerItem>): LedgerItem => ({
    pk: 'p', account: A, region: REGION, rule: RULE, state: LedgerState.OK, ver: 0, notified: {}, intervalSeconds: INTERVAL_S, ...o,
  });
  test.each([
    ['ok and fresh', item({ lastSeen: T0 }), T0 + ALLOWANCE, undefined],
    ['ok and past its allowance', item({ lastSeen: T0 }), T0 + ALLOWANCE + 1, LedgerState.SILENT],
    ['silent and still silent', item({ lastSeen: T0, state: LedgerState.SILENT, ver: 1, silentSince: T0 }), T0 + 100 * HOUR, undefined],
    ['silent and back', item({ lastSeen: T0 + 10 * HOUR, state: LedgerState.SILENT, ver: 1, silentSince: T0 }), T0 + 10 * HOUR + MIN, LedgerState.OK],
    ['silent, back and silent again', item({ lastSeen: T0 + 10 * HOUR, state: LedgerState.SILENT, ver: 1, silentSince: T0 }), T0 + 30 * HOUR, LedgerState.SILENT],
    ['declared, within its allowance', item({ expectedSince: T0, intervalSeconds: undefined }), T0 + ALLOWANCE, undefined],
    ['declared, never seen', item({ expectedSince: T0, intervalSeconds: undefined }), T0 + ALLOWANCE + 1, LedgerState.SILENT],
    ['a short interval judges sooner', item({ lastSeen: T0, intervalSeconds: 300 }), T0 + 16 * MIN, LedgerState.SILENT],
  ])('%s', (_case, it, now, next) => {
    expect(decide(it, now, DEFAULT_SETTINGS)?.next.state).toBe(next);
  });

  test('reports split at 200 sources, silences first, subjects within SNS\'s 100 characters', () => {
    const items: LedgerItem[] = [];
    for (let i = 0; i < 450; i++) {
      items.push({
        pk: `p${i}`,
        account: String(100000000000 + i),
        region: REGION,
        rule: RULE,
        intervalSeconds: INTERVAL_S,
        lastSeen: T0,
        state: i % 3 === 0 ? LedgerState.OK : LedgerState.SILENT,
        silentSince: T0,
        ver: 1,
        notified: {},
      });
    }
    const reports = reportsFor(items, ReportDestination.ALARM, T0 + 7 * HOUR, DEFAULT_SETTINGS, 'ledger');
    expect(reports).toHaveLength(3);
    expect(reports.map((r) => r.items.length)).toEqual([200, 200, 50]);
    expect(reports[0].subject).toBe('Backup alarm heartbeats: 200 silent (part 1 of 3)');
    expect(reports[2].subject).toBe('Backup alarm heartbeats: 50 returned (part 3 of 3)');
    for (const r of reports) {
      expect(r.subject.length).toBeLessThanOrEqual(100);
      expect(Buffer.byteLength(r.message)).toBeLessThan(256 * 1024);
    }
  });

  test.each([[0, '0 min'], [45 * MIN, '45 min'], [3 * HOUR, '3 h'], [6 * HOUR + 5 * MIN, '6 h 5 min'], [76 * HOUR, '3 d 4 h']])('humanDuration(%d) = %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('SNS Publish on the wire (moto)', () => {
  test('a publish to an existing topic succeeds; to a missing one it fails with the service\'s error code', async () => {
    const created = await fetch(moto.url, {
      method: 'POST',
      // moto routes an unsigned call by the service named in the credential scope.
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'authorization': 'AWS4-HMAC-SHA256 Credential=AKIAHEARTBEATTEST000/20261201/eu-west-1/sns/aws4_request, SignedHeaders=host, Signature=0' },
      body: new URLSearchParams({ Action: 'CreateTopic', Version: '2010-03-31', Name: 'heartbeat-reports' }).toString(),
    });
    const arn = /<TopicArn>([^<]+)<\/TopicArn>/.exec(await created.text())![1];
    const publish = sns({ region: 'eu-west-1', endpoint: moto.url });
    await expect(publish(arn, 'Backup alarm heartbeats: 1 silent', 'text')).resolves.toBeUndefined();
    // The SDK's error is named after the service's code (SNS: NotFound, modelled as NotFoundException).
    await expect(publish(`${arn}-missing`, 's', 'm')).rejects.toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });
  });
});

describe('Security Hub findings (moto): one per silence, archived when the source returns', () => {
  // "BatchImportFindings" (Security Hub API reference) and "Updating findings with BatchImportFindings"
  // (a re-import counts only with a later UpdatedAt), https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html
  const HOME = { partition: 'aws', accountId: '123456789012', region: 'eu-west-1' };

  async function findings(): Promise<any[]> {
    const res = await fetch(`${moto.url}/findings`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'authorization': 'AWS4-HMAC-SHA256 Credential=AKIAHEARTBEATTEST000/20261201/eu-west-1/securityhub/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: JSON.stringify({ MaxResults: 100 }),
    });
    return ((await res.json()) as any).Findings ?? [];
  }

  test('silent -> ACTIVE finding (HIGH, naming account, Region, rule); returned -> the same finding ARCHIVED, later UpdatedAt', async () => {
    const f = await fixture();
    const importFindings = securityHub({ region: 'eu-west-1', endpoint: moto.url });
    const withFindings = { importFindings, home: HOME };
    await f.beat(A, T0);
    await f.check(T0 + ALLOWANCE + 1, withFindings);
    const open = (await findings()).filter((x) => x.Id.includes(`/${A}/`));
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      Id: `cdk-backup-alarms/heartbeat/${A}/${REGION}/${RULE}/${T0}`,
      AwsAccountId: HOME.accountId,
      RecordState: 'ACTIVE',
      Severity: { Label: 'HIGH' },
      Title: `Backup alarm path silent: account ${A}, Region ${REGION}, rule ${RULE}`,
      CreatedAt: new Date(T0).toISOString(),
    });
    // Later runs import nothing more.
    await f.check(T0 + ALLOWANCE + HOUR, withFindings);
    await f.beat(A, T0 + 8 * HOUR);
    await f.check(T0 + 8 * HOUR + MIN, withFindings);
    const closed = (await findings()).filter((x) => x.Id.includes(`/${A}/`));
    expect(closed).toHaveLength(1);
    expect(closed[0].RecordState).toBe('ARCHIVED');
    expect(Date.parse(closed[0].UpdatedAt)).toBeGreaterThan(Date.parse(open[0].UpdatedAt));
    expect(closed[0].CreatedAt).toBe(open[0].CreatedAt);
  });

  test('a refused or failed import is retried on the next run', async () => {
    const f = await fixture();
    let calls = 0;
    const flaky = async (batch: Array<Record<string, unknown>>) => {
      calls++;
      if (calls === 1) throw new InvalidAccessException({ $metadata: { httpStatusCode: 401 }, message: 'Security Hub is not enabled' });
      if (calls === 2) return batch.map((x) => String(x.Id));
      return [];
    };
    await f.beat(A, T0);
    expect((await f.check(T0 + ALLOWANCE + 1, { importFindings: flaky, home: HOME })).publishFailures).toBe(1);
    expect((await f.check(T0 + ALLOWANCE + 2, { importFindings: flaky, home: HOME })).publishFailures).toBe(1);
    expect((await f.check(T0 + ALLOWANCE + 3, { importFindings: flaky, home: HOME })).publishFailures).toBe(0);
    expect(calls).toBe(3);
    await f.check(T0 + ALLOWANCE + 4, { importFindings: flaky, home: HOME });
    expect(calls).toBe(3);
  });

  test('pure: never seen has its own title; nothing to say for an item never changed', () => {
    const base = { pk: 'p', account: A, region: REGION, rule: RULE, notified: {}, intervalSeconds: INTERVAL_S };
    expect(heartbeatFinding({ ...base, state: LedgerState.OK, ver: 0 }, HOME)).toBeUndefined();
    const silentItem = { ...base, state: LedgerState.SILENT, ver: 1, expectedSince: T0, silentSince: T0, changedAt: T0 + 7 * HOUR };
    const never = heartbeatFinding(silentItem, HOME)!;
    expect(never.Title).toBe(`Backup alarm path never reported: account ${A}, Region ${REGION}, rule ${RULE}`);
    expect((never.Description as string).length).toBeLessThanOrEqual(1024);
    expect(never.ProductFields).toMatchObject({ 'cdk-backup-alarms/last-heartbeat': 'never' });
  });
});

test('chat (issue 22): the silence and the return each reach the chat topic once, as a valid custom notification without a subject; a failed chat publish is sent on the next run', async () => {
  const f = await fixture();
  const CHAT = 'arn:aws:sns:eu-west-1:999999999999:chat';
  const topics = { ...TOPICS, chat: CHAT };
  await f.beat(A, T0);
  const chat = () => f.sent.filter((s) => s.topic === CHAT);
  await f.check(T0 + ALLOWANCE + 1, { topics });
  expect(chat()).toHaveLength(1);
  const silent = JSON.parse(chat()[0].message);
  expect([chat()[0].subject, validateCustomNotification(silent)]).toEqual(['', []]);
  expect(silent.content.title).toContain('silent');
  expect(silent.content.description).toContain(A);
  await f.check(T0 + ALLOWANCE + 15 * MIN, { topics });
  expect(chat()).toHaveLength(1);
  // It returns; the chat publish fails once (the email publishes succeed), and goes out on the next run, once.
  await f.beat(A, T0 + 8 * HOUR);
  let chatFailures = 1;
  const publish = async (topic: string, subject: string, message: string) => {
    if (topic === CHAT && chatFailures-- > 0) throw new KMSDisabledException({ $metadata: { httpStatusCode: 400 }, message: 'injected' });
    f.sent.push({ topic, subject, message });
  };
  const failed = await f.check(T0 + 8 * HOUR + 15 * MIN, { topics, publish });
  expect([failed.publishFailures, chat().length]).toEqual([1, 1]);
  await f.check(T0 + 8 * HOUR + 30 * MIN, { topics, publish });
  expect(chat()).toHaveLength(2);
  expect(JSON.parse(chat()[1].message).content.title).toContain('returned');
  await f.check(T0 + 8 * HOUR + 45 * MIN, { topics, publish });
  expect(chat()).toHaveLength(2);
});
