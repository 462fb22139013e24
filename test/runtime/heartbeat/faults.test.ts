/**
 * The heartbeat's fault table (README block `heartbeat-faults`): each row injects one fault into the real writer
 * (`writeBatch`) or checker (`runCheck`) running against moto's DynamoDB, through the same mechanisms as
 * ledger.test.ts and checker.test.ts (a DynamoDbCall wrapper that throws the SDK's service exception or delays
 * a call; a publisher that throws SNS's exception), and asserts that no heartbeat is lost and no report is sent
 * twice (or about a silence that had ended).
 *
 * Governing pages:
 * - DynamoDB "Error handling" (ProvisionedThroughputExceededException 400, ThrottlingException 400,
 *   InternalServerError 500, ServiceUnavailable 503), https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
 * - "Handling errors when using Lambda with Amazon SQS" (partial batch responses),
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 * - SNS "Publish" Errors (ThrottledException 400), https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
 * - "Configure Lambda function timeout", https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
 */
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { ThrottledException } from '@aws-sdk/client-sns';
import { heartbeatEvent, MotoServer } from './moto-server';
import { DynamoDbCall } from '../../../src/runtime/heartbeat/aws-client';
import { DEFAULT_SETTINGS } from '../../../src/runtime/heartbeat/checker';
import { parseHeartbeat } from '../../../src/runtime/heartbeat/ledger';
import { runCheck, writeBatch } from '../../../src/runtime/heartbeat/run';
import { fromDynamo, LedgerStore, WriteOutcome } from '../../../src/runtime/heartbeat/store';
import { HEARTBEAT_TIMING, sourceKey } from '../../../src/shared/heartbeat';
import { expectGeneratedBlock, markdownTable } from '../../support/generated-block';

const REGION = 'eu-central-1';
const RULE = 'backup-failure-rule';
const T0 = Date.parse('2026-12-01T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const INTERVAL_S = 10_800;
const ALLOWANCE = (2 * INTERVAL_S + HEARTBEAT_TIMING.GRACE_SECONDS) * 1000;
const TOPICS = { alarm: 'arn:aws:sns:eu-west-1:999999999999:alarms', pipeline: 'arn:aws:sns:eu-west-1:999999999999:pipeline' };
/** Writer runs (SQS deliveries of what is still failing) before a row gives up. */
const MAX_RUNS = 5;

const account = (i: number) => String(100000000000 + i);
const hbBody = (acct: string, time: number) =>
  JSON.stringify(heartbeatEvent({ account: acct, region: REGION, rule: RULE, time, intervalSeconds: INTERVAL_S }));
const dynamoError = (name: string, status: number) =>
  new DynamoDBServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: 'injected' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let moto: MotoServer;
let tables = 0;
beforeAll(async () => {
  moto = await MotoServer.start();
}, 60_000);
afterAll(async () => moto?.stop());

interface Row {
  fault: string;
  reproduces: string;
  heartbeatsIn: number;
  recorded: number;
  failedFirstPass: number | '—';
  runs: number;
  dlq: number | '—';
  lost: number;
  published: string;
  duplicated: number | '—';
}
const rows: Row[] = [];

/** Valid heartbeats (account, time) the ledger must reflect: recorded = covered by the source's lastSeen. */
async function coverage(table: string, beats: Array<{ acct: string; time: number }>) {
  let recorded = 0;
  const newest = new Map<string, number>();
  for (const b of beats) newest.set(b.acct, Math.max(newest.get(b.acct) ?? 0, b.time));
  for (const b of beats) {
    const out = await moto.dynamo('GetItem', { TableName: table, Key: { pk: { S: sourceKey(b.acct, REGION, RULE) } }, ConsistentRead: true });
    const lastSeen = out.Item === undefined ? undefined : fromDynamo(out.Item).lastSeen;
    if (lastSeen !== undefined && lastSeen >= b.time) recorded++;
    if (lastSeen !== undefined) expect(lastSeen).toBe(newest.get(b.acct)); // never behind, never ahead
  }
  return { recorded, lost: beats.length - recorded };
}

// ---------------------------------------------------------------------------------------------------------
// Writer rows: one SQS batch, then what still fails is delivered again (as SQS does) until only malformed
// messages fail (they go to the dead-letter queue after maxReceiveCount) or nothing fails.

interface WriterCase {
  fault: string;
  reproduces: string;
  /** Wraps moto's client; `run` is the writer run (1-based). */
  inject: (call: DynamoDbCall, run: () => number) => DynamoDbCall;
  malformed?: number;
}

const WRITER: WriterCase[] = [
  {
    fault: 'a) ledger throttled on every other UpdateItem: 400 ProvisionedThroughputExceededException and 400 ThrottlingException in turn',
    reproduces: 'DynamoDB developer guide, Error handling (ProvisionedThroughputExceededException 400, ThrottlingException 400)',
    inject: (call) => {
      let n = 0;
      return async (op, input) => {
        if (op === 'UpdateItem' && n++ % 2 === 1) {
          throw dynamoError(n % 4 === 2 ? 'ProvisionedThroughputExceededException' : 'ThrottlingException', 400);
        }
        return call(op, input);
      };
    },
  },
  {
    fault: 'b) ledger unavailable for the whole first run (every UpdateItem: 500 InternalServerError, 503 ServiceUnavailable in turn), then back',
    reproduces: 'DynamoDB developer guide, Error handling (InternalServerError 500, ServiceUnavailable 503)',
    inject: (call, run) => {
      let n = 0;
      return async (op, input) => {
        if (op === 'UpdateItem' && run() === 1) throw n++ % 2 === 0 ? dynamoError('InternalServerError', 500) : dynamoError('ServiceUnavailable', 503);
        return call(op, input);
      };
    },
  },
  {
    fault: 'c) a partial batch: 4 malformed messages (not JSON, wrong source, bad account, bad interval) among the good ones',
    reproduces: 'Lambda developer guide, SQS partial batch responses (batchItemFailures): only the bad messages are returned; SQS redelivers them until maxReceiveCount, then dead-letters them (the redeliveries are not run here)',
    inject: (call) => call,
    malformed: 4,
  },
];

describe.each(WRITER)('writer: $fault', (c) => {
  test('no heartbeat lost; only failed messages returned', async () => {
    const table = await moto.createLedger(`faults-w-${++tables}`);
    let run = 0;
    const store = new LedgerStore(c.inject(moto.dynamo, () => run), table);
    const now = T0 + 10 * HOUR;
    // 6 sources, 2 heartbeats each (one late, one duplicated), 12 messages.
    const beats: Array<{ id: string; acct: string; time: number }> = [];
    for (let i = 0; i < 6; i++) {
      beats.push({ id: `m${i}-new`, acct: account(i), time: T0 + 3 * HOUR });
      beats.push({ id: `m${i}-old`, acct: account(i), time: i % 2 === 0 ? T0 : T0 + 3 * HOUR });
    }
    const good = JSON.parse(hbBody(account(0), T0));
    const malformedBodies = [
      '{"not":"json"',
      JSON.stringify({ ...good, source: 'aws.backup' }),
      JSON.stringify({ ...good, account: '12345' }),
      JSON.stringify({ ...good, detail: { schemaVersion: 1, rule: RULE, intervalSeconds: 1 } }),
    ].slice(0, c.malformed ?? 0);
    const messages = [
      ...beats.map((b) => ({ messageId: b.id, body: hbBody(b.acct, b.time) })),
      ...malformedBodies.map((body, k) => ({ messageId: `bad${k}`, body })),
    ];
    let pending = messages;
    let failedFirstPass = 0;
    let dlq = 0;
    while (pending.length > 0 && run < MAX_RUNS) {
      run++;
      const s = await writeBatch(pending, store, now);
      if (run === 1) failedFirstPass = s.failed.length;
      // Every failed message id was in this delivery, once.
      expect(new Set(s.failed).size).toBe(s.failed.length);
      expect(s.failed.every((id) => pending.some((m) => m.messageId === id))).toBe(true);
      const failed = new Set(s.failed);
      pending = pending.filter((m) => failed.has(m.messageId));
      if (s.errors === 0) {
        // Only malformed messages still fail: they are left for the dead-letter queue.
        dlq = pending.length;
        expect(s.malformed).toBe(pending.length);
        break;
      }
    }
    expect(dlq).toBe(c.malformed ?? 0);
    const { recorded, lost } = await coverage(table, beats);
    expect(lost).toBe(0);
    rows.push({
      fault: c.fault,
      reproduces: c.reproduces,
      heartbeatsIn: messages.length,
      recorded,
      failedFirstPass,
      runs: run,
      dlq,
      lost,
      published: '—',
      duplicated: '—',
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Checker rows: sources go silent; every silence must be reported once per destination, no more.

interface Sent { topic: string; subject: string; message: string }

async function checkerFixture(prefix: string) {
  const table = await moto.createLedger(`faults-c-${prefix}-${++tables}`);
  const store = new LedgerStore(moto.dynamo, table);
  const sent: Sent[] = [];
  const beats: Array<{ acct: string; time: number }> = [];
  const beat = async (acct: string, time: number) => {
    beats.push({ acct, time });
    expect(await store.record(parseHeartbeat(hbBody(acct, time), time))).toBe(WriteOutcome.RECORDED);
  };
  /** Reports of a silence per (topic, account): each must be exactly 1 for the silent ones, 0 for the others. */
  const silenceReports = (acct: string, topic: string) =>
    sent.filter((s) => s.topic === topic && s.subject.includes('silent') && s.message.includes(`account ${acct},`)).length;
  const tally = async (silent: string[], notSilent: string[]) => {
    let duplicated = 0;
    let unreported = 0;
    for (const topic of [TOPICS.alarm, TOPICS.pipeline]) {
      for (const a of silent) {
        const k = silenceReports(a, topic);
        if (k === 0) unreported++;
        duplicated += Math.max(0, k - 1);
      }
      for (const a of notSilent) duplicated += silenceReports(a, topic);
    }
    const cov = await coverage(table, beats);
    return { duplicated, lost: cov.lost + unreported, recorded: cov.recorded };
  };
  return {
    store,
    table,
    sent,
    beats,
    beat,
    tally,
    publisher: (failFirst = 0) => async (topic: string, subject: string, message: string) => {
      if (failFirst > 0) {
        failFirst--;
        throw new ThrottledException({ $metadata: { httpStatusCode: 400 }, message: 'injected: Rate exceeded' });
      }
      sent.push({ topic, subject, message });
    },
  };
}

const SILENT_SOURCES = [0, 1, 2, 3].map(account);

test('checker: d) the deadline passes mid-scan', async () => {
  const f = await checkerFixture('d');
  for (const a of SILENT_SOURCES) await f.beat(a, T0);
  const now = T0 + ALLOWANCE + 1;
  const deadline = Date.now() + 300;
  let scans = 0;
  // Pages of 2 items (a table past 1 MB pages, scaled down); the first page comes back after the deadline.
  const slow = new LedgerStore(async (op, input: any) => {
    if (op !== 'Scan') return moto.dynamo(op, input);
    const out = await moto.dynamo(op, { ...input, Limit: 2 });
    if (scans++ === 0) await sleep(Math.max(0, deadline - Date.now()) + 50);
    return out;
  }, f.table);
  const publish = f.publisher();
  const s1 = await runCheck({ store: slow, publish, topics: TOPICS, settings: DEFAULT_SETTINGS, now, deadline });
  expect(s1).toMatchObject({ truncated: true, pages: 1, claimed: 0, reportsSent: 0 });
  const s2 = await runCheck({ store: f.store, publish, topics: TOPICS, settings: DEFAULT_SETTINGS, now: now + 15 * MIN });
  expect(s2).toMatchObject({ truncated: false, claimed: 4, reportsSent: 2 });
  const s3 = await runCheck({ store: f.store, publish, topics: TOPICS, settings: DEFAULT_SETTINGS, now: now + 30 * MIN });
  expect(s3.reportsSent).toBe(0);
  const t = await f.tally(SILENT_SOURCES, []);
  expect(t).toMatchObject({ duplicated: 0, lost: 0 });
  rows.push({
    fault: 'd) the checker hits its deadline mid-scan: Scan pages of 2 items, the first answered after the deadline',
    reproduces: 'Lambda developer guide, function timeout (the checker stops starting work at its deadline, set before the function\'s timeout)',
    heartbeatsIn: f.beats.length,
    recorded: t.recorded,
    failedFirstPass: '—',
    runs: 3,
    dlq: '—',
    lost: t.lost,
    published: `${f.sent.length}, in run 2 (run 1 stopped after its 1st page: 0)`,
    duplicated: t.duplicated,
  });
});

test('checker: e) SNS Publish fails once, then succeeds', async () => {
  const f = await checkerFixture('e');
  for (const a of SILENT_SOURCES) await f.beat(a, T0);
  const publish = f.publisher(1);
  const now = T0 + ALLOWANCE + 1;
  const s1 = await runCheck({ store: f.store, publish, topics: TOPICS, settings: DEFAULT_SETTINGS, now });
  expect(s1).toMatchObject({ reportsSent: 1, publishFailures: 1 });
  const s2 = await runCheck({ store: f.store, publish, topics: TOPICS, settings: DEFAULT_SETTINGS, now: now + 15 * MIN });
  expect(s2).toMatchObject({ reportsSent: 1, publishFailures: 0 });
  const s3 = await runCheck({ store: f.store, publish, topics: TOPICS, settings: DEFAULT_SETTINGS, now: now + 30 * MIN });
  expect(s3.reportsSent).toBe(0);
  const t = await f.tally(SILENT_SOURCES, []);
  expect(t).toMatchObject({ duplicated: 0, lost: 0 });
  rows.push({
    fault: 'e) SNS Publish to the alarm topic fails once (400 ThrottledException), then succeeds',
    reproduces: 'SNS API reference, Publish Errors (ThrottledException 400): the report stays owed and is sent on the next run',
    heartbeatsIn: f.beats.length,
    recorded: t.recorded,
    failedFirstPass: '—',
    runs: 3,
    dlq: '—',
    lost: t.lost,
    published: `${f.sent.length} (1 failed publish)`,
    duplicated: t.duplicated,
  });
});

test('checker: f) a heartbeat races the claim', async () => {
  const f = await checkerFixture('f');
  const [racer, ...others] = SILENT_SOURCES;
  for (const a of SILENT_SOURCES) await f.beat(a, T0);
  const now = T0 + ALLOWANCE + 1;
  let raced = false;
  const racing = new LedgerStore(async (op, input) => {
    const out = await moto.dynamo(op, input);
    if (op === 'Scan' && !raced) {
      raced = true;
      await f.beat(racer, now - MIN); // lands after the scan read it, before the claim
    }
    return out;
  }, f.table);
  const publish = f.publisher();
  const s1 = await runCheck({ store: racing, publish, topics: TOPICS, settings: DEFAULT_SETTINGS, now });
  expect(s1).toMatchObject({ claimed: 3, lostRaces: 1, reportsSent: 2 });
  const s2 = await runCheck({ store: f.store, publish, topics: TOPICS, settings: DEFAULT_SETTINGS, now: now + 15 * MIN });
  expect(s2.reportsSent).toBe(0);
  const t = await f.tally(others, [racer]);
  expect(t).toMatchObject({ duplicated: 0, lost: 0 });
  rows.push({
    fault: 'f) a heartbeat from one of 4 silent sources lands between the checker\'s scan and its claim',
    reproduces: 'DynamoDB condition expressions: the claim\'s condition fails (ConditionalCheckFailedException), the heartbeat wins',
    heartbeatsIn: f.beats.length,
    recorded: t.recorded,
    failedFirstPass: '—',
    runs: 2,
    dlq: '—',
    lost: t.lost,
    published: `${f.sent.length} (the 3 still silent; ${s1.lostRaces} lost race)`,
    duplicated: t.duplicated,
  });
});

test('README table', () => {
  expect(rows).toHaveLength(WRITER.length + 3); // every row ran and held its invariants
  rows.sort((x, y) => x.fault.localeCompare(y.fault));
  expectGeneratedBlock('heartbeat-faults', markdownTable(
    ['Fault injected', 'Reproduces', 'Heartbeats in', 'Recorded', 'Returned as batch item failures, 1st run', 'Runs (writer: deliveries until settled; checker: runs, the last sending nothing)',
      'Left for the DLQ', 'Lost', 'Reports published (alarm + pipeline topics)', 'Duplicated or false reports'],
    rows.map((r) => [r.fault, r.reproduces, String(r.heartbeatsIn), String(r.recorded), String(r.failedFirstPass), String(r.runs),
      String(r.dlq), String(r.lost), r.published, String(r.duplicated)]),
  ));
});
