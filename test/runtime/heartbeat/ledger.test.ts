/**
 * The ledger writer against moto's DynamoDB (real conditional writes and reads, no mocked client): a late,
 * duplicated or reordered heartbeat never moves `lastSeen` backwards; a batch writes once per source; a
 * malformed message or a failed write fails only its own messages (partial batch response).
 *
 * Governing pages:
 * - "Condition expressions" (DynamoDB developer guide), https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 *   a failed condition changes nothing and returns ConditionalCheckFailedException;
 * - "Handling errors when using Lambda with Amazon SQS" (Lambda developer guide, partial batch responses),
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 * - "Amazon EventBridge events" (event structure: `account` is the account that sent the event, `time` its
 *   time), https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
 */
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { heartbeatEvent, MotoServer } from './moto-server';
import { DynamoDbCall } from '../../../src/runtime/heartbeat/aws-client';
import { MalformedHeartbeatError, parseHeartbeat } from '../../../src/runtime/heartbeat/ledger';
import { writeBatch } from '../../../src/runtime/heartbeat/run';
import { fromDynamo, LedgerStore, WriteOutcome } from '../../../src/runtime/heartbeat/store';
import { HEARTBEAT_TIMING, sourceKey } from '../../../src/shared/heartbeat';

const ACCOUNT = '111122223333';
const REGION = 'eu-central-1';
const RULE = 'backup-failure-rule';
const T0 = Date.parse('2026-12-01T00:00:00Z');
const HOUR = 3_600_000;

let moto: MotoServer;
let tables = 0;

beforeAll(async () => {
  moto = await MotoServer.start();
}, 60_000);
afterAll(async () => moto?.stop());

async function freshStore(call?: DynamoDbCall): Promise<LedgerStore> {
  const name = await moto.createLedger(`ledger-${++tables}`);
  return new LedgerStore(call ?? moto.dynamo, name);
}

async function item(store: LedgerStore, pk: string) {
  const out = await moto.dynamo('GetItem', { TableName: store.tableName, Key: { pk: { S: pk } }, ConsistentRead: true });
  return out.Item === undefined ? undefined : fromDynamo(out.Item);
}

function hb(time: number, overrides: Partial<{ account: string; region: string; rule: string; intervalSeconds: number }> = {}) {
  return heartbeatEvent({ account: ACCOUNT, region: REGION, rule: RULE, intervalSeconds: 10_800, time, ...overrides });
}

const pk = sourceKey(ACCOUNT, REGION, RULE);

describe('one heartbeat at a time: lastSeen only moves forward', () => {
  test.each([
    // [case, times written in order, expected lastSeen, expected outcomes]
    ['first heartbeat', [T0], T0, [WriteOutcome.RECORDED]],
    ['in order', [T0, T0 + HOUR, T0 + 2 * HOUR], T0 + 2 * HOUR, [WriteOutcome.RECORDED, WriteOutcome.RECORDED, WriteOutcome.RECORDED]],
    ['duplicate', [T0, T0], T0, [WriteOutcome.RECORDED, WriteOutcome.STALE]],
    ['late (older after newer)', [T0 + HOUR, T0], T0 + HOUR, [WriteOutcome.RECORDED, WriteOutcome.STALE]],
    ['late then newer', [T0 + HOUR, T0, T0 + 2 * HOUR], T0 + 2 * HOUR, [WriteOutcome.RECORDED, WriteOutcome.STALE, WriteOutcome.RECORDED]],
  ])('%s', async (_case, times, expected, outcomes) => {
    const store = await freshStore();
    const got = [];
    for (const t of times) got.push(await store.record(parseHeartbeat(JSON.stringify(hb(t)), T0 + 10 * HOUR)));
    expect(got).toEqual(outcomes);
    const it = await item(store, pk);
    expect(it?.lastSeen).toBe(expected);
    const raw = await moto.dynamo('GetItem', { TableName: store.tableName, Key: { pk: { S: pk } } });
    expect(Number(raw.Item.firstSeen.N)).toBe(Math.min(...times.slice(0, 1)));
    expect(Number(raw.Item.expiresAt.N)).toBe(Math.floor(expected / 1000) + HEARTBEAT_TIMING.RETENTION_SECONDS);
    expect(raw.Item.account.S).toBe(ACCOUNT);
    expect(raw.Item.region.S).toBe(REGION);
    expect(raw.Item.rule.S).toBe(RULE);
  });

  test('a heartbeat dated in the future (clock skew) counts as sent when the writer saw it', async () => {
    const store = await freshStore();
    const now = T0;
    await store.record(parseHeartbeat(JSON.stringify(hb(now + 2 * HOUR)), now));
    expect((await item(store, pk))?.lastSeen).toBe(now);
    // Within the tolerated skew, the event's own time is kept.
    const skew = HEARTBEAT_TIMING.MAX_FUTURE_SKEW_SECONDS * 1000;
    await store.record(parseHeartbeat(JSON.stringify(hb(now + skew)), now));
    expect((await item(store, pk))?.lastSeen).toBe(now + skew);
  });

  test('the writer never touches what the checker owns (state, version, notified)', async () => {
    const store = await freshStore();
    await store.record(parseHeartbeat(JSON.stringify(hb(T0)), T0));
    await moto.dynamo('UpdateItem', {
      TableName: store.tableName,
      Key: { pk: { S: pk } },
      UpdateExpression: 'SET #s = :s, ver = :v, notified_alarm = :v',
      ExpressionAttributeNames: { '#s': 'state' },
      ExpressionAttributeValues: { ':s': { S: 'SILENT' }, ':v': { N: '3' } },
    });
    await store.record(parseHeartbeat(JSON.stringify(hb(T0 + HOUR)), T0 + HOUR));
    const it = await item(store, pk);
    expect(it).toMatchObject({ lastSeen: T0 + HOUR, state: 'SILENT', ver: 3, notified: { alarm: 3 } });
  });
});

describe('malformed heartbeats are refused with a reason', () => {
  const base = hb(T0);
  test.each([
    ['NOT_JSON', '{'],
    ['NOT_A_HEARTBEAT', JSON.stringify({ ...base, source: 'aws.backup' })],
    ['NOT_A_HEARTBEAT', JSON.stringify({ ...base, 'detail-type': 'Backup Job State Change' })],
    ['BAD_ACCOUNT', JSON.stringify({ ...base, account: '1112233445566' })],
    ['BAD_REGION', JSON.stringify({ ...base, region: 'Europe' })],
    ['BAD_RULE', JSON.stringify({ ...base, detail: { schemaVersion: 1, rule: 'A#B', intervalSeconds: 10_800 } })],
    ['BAD_INTERVAL', JSON.stringify({ ...base, detail: { schemaVersion: 1, rule: RULE, intervalSeconds: 1 } })],
    ['BAD_SCHEMA', JSON.stringify({ ...base, detail: { rule: RULE, intervalSeconds: 10_800 } })],
    ['BAD_TIME', JSON.stringify({ ...base, time: 'yesterday' })],
  ])('%s', (reason, body) => {
    let caught: unknown;
    try {
      parseHeartbeat(body, T0);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MalformedHeartbeatError);
    expect((caught as MalformedHeartbeatError).reason).toBe(reason);
  });
});

describe('a batch (partial batch responses)', () => {
  const rec = (messageId: string, body: unknown) => ({ messageId, body: typeof body === 'string' ? body : JSON.stringify(body) });

  test('one write per source, the newest wins; malformed messages fail alone', async () => {
    const store = await freshStore();
    let writes = 0;
    const counting = new LedgerStore(async (op, input) => {
      if (op === 'UpdateItem') writes++;
      return moto.dynamo(op, input);
    }, store.tableName);
    const other = { account: '444455556666' };
    const summary = await writeBatch([
      rec('a1', hb(T0)), rec('a2', hb(T0 + 2 * HOUR)), rec('a3', hb(T0 + HOUR)), rec('a4', hb(T0 + 2 * HOUR)),
      rec('bad', '{"not":"json"'), rec('b1', hb(T0, other)),
    ], counting, T0 + 3 * HOUR);
    expect(summary).toMatchObject({ failed: ['bad'], recorded: 2, stale: 0, malformed: 1, errors: 0 });
    expect(writes).toBe(2);
    expect((await item(store, pk))?.lastSeen).toBe(T0 + 2 * HOUR);
    expect((await item(store, sourceKey('444455556666', REGION, RULE)))?.lastSeen).toBe(T0);
  });

  // Fault rows: the ledger throttled, and a table that does not exist (a misconfiguration).
  test.each([
    ['ledger throttled for one source', 'ProvisionedThroughputExceededException', 400],
    ['ledger unavailable for one source', 'InternalServerError', 500],
  ])('%s: only that source\'s messages are returned for retry, the others are recorded', async (_case, code, status) => {
    const store = await freshStore();
    const throttled = sourceKey('444455556666', REGION, RULE);
    const faulty = new LedgerStore(async (op, input: any) => {
      if (op === 'UpdateItem' && input.Key.pk.S === throttled) throw new DynamoDBServiceException({ name: code, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: 'injected' });
      return moto.dynamo(op, input);
    }, store.tableName);
    const summary = await writeBatch([
      rec('a1', hb(T0)), rec('b1', hb(T0, { account: '444455556666' })), rec('b2', hb(T0 + HOUR, { account: '444455556666' })),
    ], faulty, T0 + 2 * HOUR);
    expect(summary.failed.sort()).toEqual(['b1', 'b2']);
    expect(summary).toMatchObject({ recorded: 1, errors: 1 });
    expect(await item(store, throttled)).toBeUndefined();
    // The retry (SQS redelivers b1 and b2) succeeds once the throttling is over.
    const retry = await writeBatch([rec('b1', hb(T0, { account: '444455556666' })), rec('b2', hb(T0 + HOUR, { account: '444455556666' }))], store, T0 + 2 * HOUR);
    expect(retry.failed).toEqual([]);
    expect((await item(store, throttled))?.lastSeen).toBe(T0 + HOUR);
  });

  test('a missing table fails every message (nothing is taken as recorded)', async () => {
    const store = new LedgerStore(moto.dynamo, 'no-such-table');
    const summary = await writeBatch([rec('a1', hb(T0)), rec('b1', hb(T0, { account: '444455556666' }))], store, T0);
    expect(summary.failed.sort()).toEqual(['a1', 'b1']);
    expect(summary.errors).toBe(2);
  });
});
