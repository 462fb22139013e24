/**
 * The protection ledger against moto's DynamoDB (real number sets, conditional writes and scans; no mocked
 * client): recorded successes round-trip through a scan, duplicated and reordered ones give the same set, the
 * history is trimmed to the newest 12, an older failure never replaces a newer one, activity counters add up
 * across batches, a malformed message fails alone; the overdue check reports a silent protection once, its
 * recovery once, lets a success that lands between its scan and its claim win, sends a failed publish on the next
 * run, and opens then archives one Security Hub finding; the daily report reads the heartbeat ledger beside.
 *
 * Governing pages:
 * - "UpdateItem" (DynamoDB API reference: ADD to a number set, DELETE from a set), https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
 * - "Condition expressions" (DynamoDB developer guide), https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 * - "Handling errors when using Lambda with Amazon SQS" (partial batch responses), https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 * - "BatchImportFindings" (Security Hub: an update with an older or equal UpdatedAt is ignored),
 *   https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html
 */
import { KMSDisabledException } from '@aws-sdk/client-sns';
import { DynamoDbCall } from '../../../src/runtime/heartbeat/aws-client';
import { parseHeartbeat } from '../../../src/runtime/heartbeat/ledger';
import { LedgerStore } from '../../../src/runtime/heartbeat/store';
import { ProtectionItem } from '../../../src/runtime/protection/item';
import { DEFAULT_OVERDUE_SETTINGS } from '../../../src/runtime/protection/overdue';
import { recordBatch, runDailyReport, runOverdueCheck } from '../../../src/runtime/protection/run';
import { ProtectionStore } from '../../../src/runtime/protection/store';
import { validateCustomNotification } from '../../../src/shared/chat';
import { activityKey, PROTECTION_TIMING, protectionKey, ProtectionKind, ProtectionState } from '../../../src/shared/protection';
import { heartbeatEvent, MotoServer } from '../heartbeat/moto-server';
import { fixture, variant } from '../support';

const ACCOUNT = '123456789012';
const REGION = 'us-west-2';
const VAULT = '9732c1b4-1091-472a-9d9f-52e0565ee39a';
const RESOURCE = `arn:aws:service:${REGION}:${ACCOUNT}:resource-type/resource-id`;
const PK = protectionKey(ProtectionKind.BACKUP, ACCOUNT, REGION, VAULT, RESOURCE);
const T0 = Date.parse('2026-12-01T02:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TOPIC = 'arn:aws:sns:eu-west-1:999999999999:alarms';
const HOME = { accountId: '999999999999', region: 'eu-west-1', partition: 'aws' };

let moto: MotoServer;
let tables = 0;
beforeAll(async () => {
  moto = await MotoServer.start();
}, 60_000);
afterAll(async () => moto?.stop());

async function freshStore(call?: DynamoDbCall): Promise<ProtectionStore> {
  const name = await moto.createLedger(`protection-${++tables}`);
  return new ProtectionStore(call ?? moto.dynamo, name);
}

/** The documented completed backup, in a 12-digit account, at `time`. */
const completed = (time: number, jobId = `job-${time}`) => variant(fixture('backup-completed', ACCOUNT), { time: new Date(time).toISOString() }, { backupJobId: jobId });
const failed = (time: number, message: string) => variant(fixture('backup-completed', ACCOUNT), { time: new Date(time).toISOString() },
  { state: 'FAILED', statusMessage: message, backupJobId: `failed-${time}` });
/**
 * recordBatch one write at a time: moto's server does not apply concurrent UpdateItem calls on one new item
 * atomically (a concurrent ADD to a number set was seen lost), which DynamoDB does; concurrency is not what
 * these tests are about.
 */
const record = (records: Array<{ messageId: string; body: string }>, store: ProtectionStore, now: number) =>
  recordBatch(records, store, now, undefined, 1);
let ids = 0;
const rec = (body: unknown) => ({ messageId: `m${++ids}`, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function protection(store: ProtectionStore): Promise<ProtectionItem | undefined> {
  return store.get(PK);
}

describe('the recorder: commutative writes', () => {
  test('a batch round-trips through a scan (protection and activity)', async () => {
    const store = await freshStore();
    const summary = await record([rec(completed(T0)), rec(completed(T0 + DAY)), rec(fixture('backup-running', ACCOUNT))], store, T0 + 2 * DAY);
    expect(summary).toMatchObject({ failed: [], protections: 2, counted: 3, malformed: 0, errors: 0 });
    const page = await store.scanPage();
    expect(page.protections).toHaveLength(1);
    expect(page.protections[0]).toMatchObject({
      pk: PK,
      kind: ProtectionKind.BACKUP,
      account: ACCOUNT,
      region: REGION,
      vault: VAULT,
      resourceArn: RESOURCE,
      resourceType: 'type',
      successes: [T0, T0 + DAY],
      successCount: 2,
      state: ProtectionState.OK,
      ver: 0,
      notified: {},
    });
    expect(page.activity.map((a) => a.pk).sort()).toEqual([
      activityKey(Date.parse('2020-07-15T21:00:00Z'), ACCOUNT, REGION), activityKey(T0, ACCOUNT, REGION), activityKey(T0 + DAY, ACCOUNT, REGION),
    ].sort());
    expect(page.activity.find((a) => a.hour === T0)).toMatchObject({ account: ACCOUNT, region: REGION, jobs: { BACKUP_COMPLETED: 1 } });
  });

  test('duplicated and out-of-order successes give the same set as in order', async () => {
    const times = [T0, T0 + DAY, T0 + 2 * DAY, T0 + 3 * DAY];
    const inOrder = await freshStore();
    await record(times.map((t) => rec(completed(t))), inOrder, T0 + 4 * DAY);
    const shuffled = await freshStore();
    await record([3, 1, 1, 0, 3].map((i) => rec(completed(times[i]))), shuffled, T0 + 4 * DAY);
    await record([2, 0].map((i) => rec(completed(times[i]))), shuffled, T0 + 4 * DAY);
    const a = (await protection(inOrder))!;
    const b = (await protection(shuffled))!;
    expect(b.successes).toEqual(a.successes);
    expect(b.successes).toEqual(times);
    // Every delivery counts (the claim's freshness), duplicates too.
    expect(b.successCount).toBe(7);
  });

  test(`the history is trimmed to the newest ${PROTECTION_TIMING.HISTORY_KEEP} once it holds more than ${PROTECTION_TIMING.HISTORY_KEEP + PROTECTION_TIMING.HISTORY_SLACK}`, async () => {
    const store = await freshStore();
    const limit = PROTECTION_TIMING.HISTORY_KEEP + PROTECTION_TIMING.HISTORY_SLACK;
    const times = Array.from({ length: limit }, (_, i) => T0 + i * DAY);
    // One at a time (each write sees the set it grew): no trim up to the limit (one trim per HISTORY_SLACK successes).
    for (const t of times) await record([rec(completed(t))], store, T0 + 20 * DAY);
    expect((await protection(store))!.successes).toEqual(times);
    // One more, an old one arriving late: over the limit, trimmed to the newest, which drops it at once.
    await record([rec(completed(T0 - DAY))], store, T0 + 20 * DAY);
    const item = (await protection(store))!;
    expect(item.successes).toEqual(times.slice(-PROTECTION_TIMING.HISTORY_KEEP));
    expect(item.successCount).toBe(limit + 1);
  });

  test('an older failure does not replace a newer one; a newer one does', async () => {
    const store = await freshStore();
    await record([rec(failed(T0 + HOUR, '"Newer failure."'))], store, T0 + DAY);
    await record([rec(failed(T0, 'Older failure.'))], store, T0 + DAY);
    expect(await protection(store)).toMatchObject({ lastFailureAt: T0 + HOUR, lastFailureState: 'FAILED', lastFailureMessage: 'Newer failure.', lastFailureJob: `failed-${T0 + HOUR}`, successes: [] });
    await record([rec(failed(T0 + 2 * HOUR, 'Newest failure.'))], store, T0 + DAY);
    expect(await protection(store)).toMatchObject({ lastFailureAt: T0 + 2 * HOUR, lastFailureMessage: 'Newest failure.' });
  });

  test('activity counters add across batches; the newest failure message is kept', async () => {
    const store = await freshStore();
    await record([rec(completed(T0)), rec(failed(T0 + MIN, 'First.')), rec(fixture('backup-running', ACCOUNT))], store, T0 + HOUR);
    await record([rec(completed(T0 + 2 * MIN)), rec(failed(T0 + 3 * MIN, 'Second.'))], store, T0 + HOUR);
    const page = await store.scanPage();
    expect(page.activity.find((a) => a.hour === T0)).toMatchObject({ jobs: { BACKUP_COMPLETED: 2, BACKUP_FAILED: 2 }, messages: { BACKUP_FAILED: 'Second.' } });
  });

  test('a malformed message fails alone; the good ones are recorded', async () => {
    const store = await freshStore();
    const bad = rec(fixture('backup-completed'));
    const summary = await record([rec(completed(T0)), bad, rec('not json'), rec(completed(T0 + DAY))], store, T0 + 2 * DAY);
    expect(summary).toMatchObject({ protections: 2, counted: 2, malformed: 2, errors: 0 });
    expect(summary.failed).toHaveLength(2);
    expect(summary.failed).toContain(bad.messageId);
    expect((await protection(store))?.successes).toEqual([T0, T0 + DAY]);
  });
});

interface Sent { subject: string; message: string }

async function checker(call?: DynamoDbCall) {
  const store = await freshStore(call);
  const sent: Sent[] = [];
  let failNext = 0;
  const publish = async (_topic: string, subject: string, message: string) => {
    if (failNext > 0) {
      failNext--;
      throw new KMSDisabledException({ $metadata: { httpStatusCode: 400 }, message: 'injected' });
    }
    sent.push({ subject, message });
  };
  const findings: Array<Record<string, any>> = [];
  const importFindings = async (batch: Array<Record<string, unknown>>) => {
    findings.push(...batch);
    return [];
  };
  const succeed = (time: number) => record([rec(completed(time))], store, time);
  const check = (now: number, s: ProtectionStore = store) => runOverdueCheck({
    store: s, publish, topic: TOPIC, settings: DEFAULT_OVERDUE_SETTINGS, now, partition: 'aws', importFindings, home: HOME,
  });
  return { store, sent, findings, succeed, check, failPublishes: (n: number) => { failNext = n; } };
}

/** Three daily successes: allowance 1 day + 6 h (a quarter of the median), plus the 1 h grace. */
const DUE = T0 + 2 * DAY + DAY + 6 * HOUR + HOUR;

describe('the overdue check against the ledger', () => {
  test('three daily successes, then silence: OVERDUE once across runs, RECOVERED once after a new success; one finding, ACTIVE then ARCHIVED', async () => {
    const f = await checker();
    for (const t of [T0, T0 + DAY, T0 + 2 * DAY]) await f.succeed(t);
    expect((await f.check(DUE)).claimed).toBe(0);
    const s1 = await f.check(DUE + MIN);
    expect(s1).toMatchObject({ protections: 1, overdue: 1, claimed: 1, learning: 0, publishFailures: 0 });
    for (const h of [1, 2, 3]) expect((await f.check(DUE + h * HOUR)).claimed).toBe(0);
    expect(f.sent.map((s) => s.subject)).toEqual(['Overdue backups: 1 overdue']);
    expect(f.sent[0].message).toContain(RESOURCE);
    expect(f.sent[0].message).toContain('last successful backup: 2026-12-03T02:00Z');
    await f.succeed(DUE + 4 * HOUR);
    await f.check(DUE + 5 * HOUR);
    await f.check(DUE + 6 * HOUR);
    expect(f.sent.map((s) => s.subject)).toEqual(['Overdue backups: 1 overdue', 'Overdue backups: 1 recovered']);
    expect(await protection(f.store)).toMatchObject({
      state: ProtectionState.OK, ver: 2, overdueSince: T0 + 2 * DAY, notified: { alarm: 2, securityhub: 2 },
    });

    expect(f.findings.map((x) => x.RecordState)).toEqual(['ACTIVE', 'ARCHIVED']);
    expect(f.findings[1].Id).toBe(f.findings[0].Id);
    expect(Date.parse(f.findings[1].UpdatedAt)).toBeGreaterThan(Date.parse(f.findings[0].UpdatedAt));
    expect(f.findings[0].AwsAccountId).toBe(HOME.accountId);
  });

  test('a success that lands between the scan and the claim wins: no report', async () => {
    const f = await checker();
    for (const t of [T0, T0 + DAY, T0 + 2 * DAY]) await f.succeed(t);
    const now = DUE + MIN;
    const racing = new ProtectionStore(async (op, input) => {
      const out = await moto.dynamo(op, input);
      if (op === 'Scan') await f.succeed(now - MIN);
      return out;
    }, f.store.tableName);
    const s = await f.check(now, racing);
    expect(s).toMatchObject({ claimed: 0, lostRaces: 1, reportsSent: 0, overdue: 0 });
    await f.check(now + HOUR);
    expect(f.sent).toEqual([]);
    expect(f.findings).toEqual([]);
    expect(await protection(f.store)).toMatchObject({ state: ProtectionState.OK, ver: 0, successes: [T0, T0 + DAY, T0 + 2 * DAY, now - MIN] });
  });

  test('a failed publish is sent on the next run, once', async () => {
    const f = await checker();
    for (const t of [T0, T0 + DAY, T0 + 2 * DAY]) await f.succeed(t);
    f.failPublishes(1);
    const s1 = await f.check(DUE + MIN);
    expect(s1).toMatchObject({ claimed: 1, publishFailures: 1 });
    expect(f.sent).toEqual([]);
    expect(await protection(f.store)).toMatchObject({ state: ProtectionState.OVERDUE, ver: 1, notified: { securityhub: 1 } });
    await f.check(DUE + HOUR);
    await f.check(DUE + 2 * HOUR);
    expect(f.sent.map((s) => s.subject)).toEqual(['Overdue backups: 1 overdue']);
    expect((await protection(f.store))?.notified).toEqual({ alarm: 1, securityhub: 1 });
  });
});

describe('the daily report', () => {
  test('after a check, with a heartbeat ledger beside: one report whose subject counts the silent sources', async () => {
    const f = await checker();
    for (const t of [T0, T0 + DAY, T0 + 2 * DAY]) await f.succeed(t);
    await record([rec(failed(DUE - HOUR, 'Backup job failed.'))], f.store, DUE);
    const heartbeats = new LedgerStore(moto.dynamo, await moto.createLedger(`heartbeat-${++tables}`));
    const beat = (account: string, time: number) => heartbeats.record(parseHeartbeat(JSON.stringify(heartbeatEvent({
      account, region: REGION, rule: 'backup-failure-rule', time, intervalSeconds: 10_800,
    })), time));
    await beat(ACCOUNT, DUE);
    await beat('444455556666', DUE - 2 * DAY);
    // The heartbeat checker owns the state: mark the second source silent, as it would have.
    await moto.dynamo('UpdateItem', {
      TableName: heartbeats.tableName,
      Key: { pk: { S: (await heartbeats.scanPage()).items.find((i) => i.account === '444455556666')!.pk } },
      UpdateExpression: 'SET #s = :s, ver = :v',
      ExpressionAttributeNames: { '#s': 'state' },
      ExpressionAttributeValues: { ':s': { S: 'SILENT' }, ':v': { N: '1' } },
    });
    const check = await f.check(DUE + MIN);
    f.sent.length = 0;
    const out = await runDailyReport({
      check,
      publish: async (_t, subject, message) => { f.sent.push({ subject, message }); },
      topic: TOPIC,
      now: DUE + MIN,
      timeZone: 'Europe/Berlin',
      partition: 'aws',
      tableName: f.store.tableName,
      heartbeats,
    });
    expect(f.sent).toHaveLength(1);
    expect(out).toMatchObject({ subject: f.sent[0].subject, sources: 2 });
    expect(f.sent[0].subject).toMatch(/1 silent source/);
    expect(f.sent[0].subject.length).toBeLessThanOrEqual(100);
    expect(f.sent[0].message).toContain('444455556666');
  });
});

describe('chat (issue 22)', () => {
  const CHAT = 'arn:aws:sns:eu-west-1:999999999999:chat';

  test('an overdue protection and its recovery each reach the chat topic once, as valid custom notifications without a subject', async () => {
    const f = await checker();
    const chat: Array<{ subject: string; message: string }> = [];
    const publish = async (topic: string, subject: string, message: string) => {
      (topic === CHAT ? chat : f.sent).push({ subject, message });
    };
    const check = (now: number) => runOverdueCheck({
      store: f.store, publish, topic: TOPIC, chatTopic: CHAT, settings: DEFAULT_OVERDUE_SETTINGS, now, partition: 'aws',
    });
    for (const t of [T0, T0 + DAY, T0 + 2 * DAY]) await f.succeed(t);
    await check(DUE + MIN);
    await check(DUE + HOUR);
    expect(chat).toHaveLength(1);
    const overdue = JSON.parse(chat[0].message);
    expect([chat[0].subject, validateCustomNotification(overdue)]).toEqual(['', []]);
    expect(JSON.stringify(overdue)).toContain(RESOURCE);
    await f.succeed(DUE + 2 * HOUR);
    await check(DUE + 3 * HOUR);
    await check(DUE + 4 * HOUR);
    expect(chat).toHaveLength(2);
    expect(validateCustomNotification(JSON.parse(chat[1].message))).toEqual([]);
    expect((await protection(f.store))?.notified).toMatchObject({ alarm: 2, chat: 2 });
  });

  test('the daily report reaches the chat topic too, as one valid custom notification', async () => {
    const f = await checker();
    for (const t of [T0, T0 + DAY, T0 + 2 * DAY]) await f.succeed(t);
    const check = await f.check(DUE + MIN);
    const chat: string[] = [];
    await runDailyReport({
      check,
      publish: async (topic, _subject, message) => { if (topic === CHAT) chat.push(message); },
      topic: TOPIC,
      chatTopic: CHAT,
      now: DUE + MIN,
      timeZone: 'UTC',
      partition: 'aws',
      tableName: f.store.tableName,
    });
    expect(chat).toHaveLength(1);
    expect(validateCustomNotification(JSON.parse(chat[0]))).toEqual([]);
  });
});
