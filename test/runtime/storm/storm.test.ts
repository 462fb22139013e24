/**
 * Storm control against moto's DynamoDB (real conditional writes, counters and a sparse index; no mocked
 * client), on a fake clock, bounded: 1,000 failures and 500 tamper signals, well under a minute.
 *
 * - A Region-wide failure (test/runtime/storm/scenario.ts: 1,000 failures in 5 minutes, 25 groups, spanning two
 *   windows), fed in SQS-sized batches: 27 messages in all (25 first alarms, one per group, each in the batch its
 *   event arrived in; then one digest per window: none of the second window's events goes out at once, the storm
 *   goes on); every event counted in exactly one message (25 + 472 + 503 = 1,000; lost: 0); flushing again, or
 *   three overlapping flushers, send no digest twice; the threshold and a window closed under a late event.
 * - A mass deletion of 500 tamper signals: event-ruler proves storm control's pattern takes none of them and the
 *   central tamper rules take every one (one email each, never held back).
 * - Fail-open: a ledger that throws publishes every event of the batch one by one; one that fails mid-batch
 *   publishes the rest one by one and the counted ones still reach their digest; a failed publish is retried
 *   (its record fails) and its first-alarm designation taken back.
 *
 * Governing pages:
 * - "UpdateItem" (DynamoDB API reference: ADD, conditions, ReturnValues), https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
 * - "Condition expressions" (DynamoDB developer guide), https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 * - "Sparse indexes" (DynamoDB developer guide: an item without the index key is not in the index),
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes-general-sparse-indexes.html
 * - "Using Lambda with Amazon SQS" (batch size, batching window, partial batch responses), https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 * - "Amazon EventBridge event patterns", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 */
import {
  batchesOf, BATCH_WINDOW_MS, createStormLedger, digestCounts, jobIdOf, massDeletion, regionWideFailure, runStorm, SETTINGS, STORM_EVENTS,
  STORM_GROUPS, STORM_START,
} from './scenario';
import { anyFailurePattern, centralTamperCallPattern, centralTamperStatePattern } from '../../../src/private/patterns';
import { DynamoDbCall } from '../../../src/runtime/heartbeat/aws-client';
import { flushDigests, PublishReason, recordStormBatch, StormMemo } from '../../../src/runtime/storm/run';
import { StormStore } from '../../../src/runtime/storm/store';
import { windowOf } from '../../../src/shared/storm';
import { matchMatrix } from '../../ruler/ruler';
import { MotoServer } from '../heartbeat/moto-server';

jest.setTimeout(60_000);

let moto: MotoServer;
let tables = 0;
beforeAll(async () => {
  moto = await MotoServer.start();
}, 60_000);
afterAll(async () => moto?.stop());

const freshTable = () => createStormLedger(moto, `storm-${++tables}`);
const TOPIC = 'arn:aws:sns:us-east-1:999999999999:alarms';
const STORM = regionWideFailure();
/** The events of the storm's first group (EXPIRED in its first account), in arrival order. */
const ONE_GROUP = STORM.filter((e) => e.groupName === STORM[0].groupName);

describe('a Region-wide failure: 1,000 failures in 5 minutes across 20 accounts', () => {
  const events = STORM;
  let run: Awaited<ReturnType<typeof runStorm>>;
  let table: string;
  beforeAll(async () => {
    table = await freshTable();
    run = await runStorm({ events, call: moto.dynamo, tableName: table });
    // Bounded: the whole storm, against moto, in well under the test's 60 s.
    expect(run.wallMs).toBeLessThan(45_000);
  }, 60_000);

  test('the scenario: 1,000 events within 5 minutes, 25 groups, two windows', () => {
    expect(events).toHaveLength(STORM_EVENTS);
    expect(events[events.length - 1].at - events[0].at).toBeLessThan(300_000);
    expect(new Set(events.map((e) => e.groupName)).size).toBe(STORM_GROUPS);
    expect(new Set(events.map((e) => windowOf(e.at, SETTINGS.windowSeconds))).size).toBe(2);
    expect(run.batches.every((b) => b.length <= 100)).toBe(true);
  });

  test(`27 messages: ${STORM_GROUPS} first alarms and one digest per window, instead of 1,000`, () => {
    const first = run.sent.filter((s) => s.reason === PublishReason.FIRST);
    const digests = run.sent.filter((s) => s.reason === 'DIGEST');
    expect(first).toHaveLength(STORM_GROUPS);
    expect(digests).toHaveLength(2);
    expect(run.sent).toHaveLength(27);
    expect(run.sent.filter((s) => s.reason === PublishReason.FAIL_OPEN || s.reason === PublishReason.UNPARSED)).toEqual([]);
  });

  test('each group\'s first alarm is its first event, sent in the batch that event arrived in (latency = the batch\'s)', () => {
    const firstOfGroup = new Map<string, number>();
    events.forEach((e, i) => {
      if (!firstOfGroup.has(e.groupName)) firstOfGroup.set(e.groupName, i);
    });
    const first = run.sent.filter((s) => s.reason === PublishReason.FIRST);
    expect(first.map((s) => jobIdOf(s.text)).sort()).toEqual([...firstOfGroup.values()].map((i) => events[i].jobId).sort());
    for (const s of first) {
      const i = events.findIndex((e) => e.jobId === jobIdOf(s.text));
      expect(s.batch).toBe(run.batchOf[i]);
      expect(s.at - events[i].at).toBeLessThanOrEqual(BATCH_WINDOW_MS);
    }
  });

  test('every event is counted in exactly one message: 25 first alarms + 472 + 503 in the digests; lost: 0', () => {
    // Windows follow the recorder's clock: the 3 events that arrived in the last 2 s of the first window were
    // processed (their batch closed) in the second, and count there: 497 and 503 events per window.
    const boundary = windowOf(STORM_START, 300) + 300_000;
    const processedInFirst = events.filter((_e, i) => run.batchAt[run.batchOf[i]] < boundary).length;
    expect([processedInFirst, events.filter((e) => e.at < boundary).length]).toEqual([497, 500]);
    const digests = run.sent.filter((s) => s.reason === 'DIGEST');
    const perDigest = digests.map((d) => d.groups!.reduce((n, g) => n + g.digested, 0));
    expect(perDigest).toEqual([497 - STORM_GROUPS, 503]);
    // The texts say the same as the ledger.
    expect(digests.map((d) => digestCounts(d.text))).toEqual([{ header: 472, lines: 472 }, { header: 503, lines: 503 }]);
    const first = run.sent.filter((s) => s.reason === PublishReason.FIRST).length;
    expect(first + perDigest.reduce((a, b) => a + b, 0)).toBe(STORM_EVENTS);
    // The first window's digest shows each group's first alarm beside its count; the second has none: the storm went on.
    expect(digests[0].groups!.every((g) => g.direct === 1)).toBe(true);
    expect(digests[1].groups!.every((g) => g.direct === 0)).toBe(true);
    expect(digests[0].groups!.every((g) => g.samples.length === 5)).toBe(true);
  });

  test('the digests go out when their window has ended (plus the 30 s grace), at the next flush', () => {
    const digests = run.sent.filter((s) => s.reason === 'DIGEST');
    const w1 = windowOf(STORM_START, 300);
    expect(digests.map((d) => new Date(d.at).toISOString())).toEqual([
      new Date(w1 + 300_000 + 60_000).toISOString(), new Date(w1 + 600_000 + 60_000).toISOString(),
    ]);
  });

  test('flushing again, or three flushers at once, sends no digest twice', async () => {
    const store = new StormStore(moto.dynamo, table, SETTINGS.windowSeconds);
    const later = STORM_START + 3_600_000;
    const sent: string[] = [];
    const flush = () => flushDigests({
      store, publish: async () => undefined, topic: TOPIC, settings: SETTINGS, now: later, partition: 'aws', onPublish: (m) => sent.push(m.subject),
    });
    await flush();
    await Promise.all([flush(), flush(), flush()]);
    expect(sent).toEqual([]);
    // The schedule ran every minute from 03:03 to 03:11 (the last window ended 03:10, plus its grace).
    expect(run.flushes).toBe(9);
    expect(await store.pendingGroups()).toEqual([]);
  });
});

describe('claims: one digest per window, whatever runs', () => {
  test('three overlapping flushers over a window with pending groups: one digest', async () => {
    const table = await freshTable();
    const events = STORM.slice(0, 200);
    const memo = new StormMemo();
    const store = new StormStore(moto.dynamo, table, SETTINGS.windowSeconds);
    const { batches, at } = batchesOf(events);
    for (let k = 0; k < batches.length; k++) {
      await recordStormBatch(batches[k].map((i) => ({ messageId: events[i].jobId, body: events[i].body })), {
        store, publish: async () => undefined, topic: TOPIC, settings: SETTINGS, now: () => at[k], partition: 'aws', memo,
      });
    }
    const digests: number[] = [];
    const flush = (call: DynamoDbCall) => flushDigests({
      store: new StormStore(call, table, SETTINGS.windowSeconds),
      publish: async () => undefined,
      topic: TOPIC,
      settings: SETTINGS,
      now: STORM_START + 3_600_000,
      partition: 'aws',
      onPublish: (_m, _w, groups) => digests.push(groups.reduce((n, g) => n + g.digested, 0)),
    });
    // The first flusher stops right after its claim until the other two have run their whole course: they scan the
    // same pending groups, and their claims must fail. (Overlap is arranged, not left to threads: moto's server does
    // not apply concurrent conditional writes to one item atomically, which DynamoDB does.)
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let claimed!: () => void;
    const claimDone = new Promise<void>((r) => {
      claimed = r;
    });
    const pausing: DynamoDbCall = async (op, input) => {
      const out = await moto.dynamo(op, input);
      if (op === 'UpdateItem' && String((input.Key as any).pk.S).startsWith('D#') && String(input.UpdateExpression).includes('#claimed')) {
        claimed();
        await held;
      }
      return out;
    };
    const first = flush(pausing);
    await claimDone;
    const others = await Promise.all([flush(moto.dynamo), flush(moto.dynamo)]);
    release();
    const summary = await first;
    // 200 events in 60 s, all in the first window: one digest of 200 - 25 events.
    expect(digests).toEqual([200 - STORM_GROUPS]);
    expect(others.map((o) => [o.digestsSent, o.skipped])).toEqual([[0, 1], [0, 1]]);
    expect(summary).toMatchObject({ digestsSent: 1, skipped: 0 });
  });

  test('a digest that could not be published is sent by a later run once the claim lapses, and then never again', async () => {
    const table = await freshTable();
    const store = new StormStore(moto.dynamo, table, SETTINGS.windowSeconds);
    const events = ONE_GROUP.slice(0, 10);
    await recordStormBatch(events.map((e) => ({ messageId: e.jobId, body: e.body })), {
      store, publish: async () => undefined, topic: TOPIC, settings: SETTINGS, now: () => STORM_START, partition: 'aws', memo: new StormMemo(),
    });
    const t = windowOf(STORM_START, 300) + 300_000 + 30_000;
    let fail = true;
    const published: number[] = [];
    const flush = (now: number) => flushDigests({
      store,
      topic: TOPIC,
      settings: SETTINGS,
      now,
      partition: 'aws',
      publish: async () => {
        if (fail) throw new Error('SNS throttled');
      },
      onPublish: () => published.push(now),
    });
    expect(await flush(t)).toMatchObject({ publishFailures: 1, digestsSent: 0 });
    fail = false;
    // Within the lease: the claim holds (it might be another flusher still publishing).
    expect(await flush(t + 60_000)).toMatchObject({ digestsSent: 0, skipped: 1 });
    expect(await flush(t + 180_000)).toMatchObject({ digestsSent: 1, eventsDigested: 9 });
    expect(await flush(t + 240_000)).toMatchObject({ digestsSent: 0, windows: 0 });
    expect(published).toEqual([t + 180_000]);
  });
});

describe('recorder rules', () => {
  test.each([1, 3])('threshold %i: that many events of a group go out at once, the rest are digested', async (threshold) => {
    const table = await freshTable();
    const store = new StormStore(moto.dynamo, table, 300);
    const events = ONE_GROUP.slice(0, 8);
    const summary = await recordStormBatch(events.map((e) => ({ messageId: e.jobId, body: e.body })), {
      store, publish: async () => undefined, topic: TOPIC, settings: { windowSeconds: 300, threshold }, now: () => STORM_START, partition: 'aws', memo: new StormMemo(),
    });
    expect(summary).toMatchObject({ first: threshold, digested: 8 - threshold, failOpen: 0, failed: [] });
  });

  test('a late event of a window the flusher already closed is counted in the next window, never lost', async () => {
    const table = await freshTable();
    const store = new StormStore(moto.dynamo, table, 300);
    const events = ONE_GROUP.slice(0, 3);
    const memo = new StormMemo();
    const w = windowOf(STORM_START, 300);
    const rec = (e: typeof events[number], now: number) => recordStormBatch([{ messageId: e.jobId, body: e.body }], {
      store, publish: async () => undefined, topic: TOPIC, settings: SETTINGS, now: () => now, partition: 'aws', memo,
    });
    await rec(events[0], STORM_START);
    await rec(events[1], STORM_START);
    const flushed: number[] = [];
    await flushDigests({
      store,
      publish: async () => undefined,
      topic: TOPIC,
      settings: SETTINGS,
      now: w + 330_000,
      partition: 'aws',
      onPublish: (_m, _w, groups) => flushed.push(groups[0].digested),
    });
    // A recorder whose clock still said "first window" writes after the flush: the closed item refuses it.
    await rec(events[2], w + 299_000);
    await flushDigests({
      store,
      publish: async () => undefined,
      topic: TOPIC,
      settings: SETTINGS,
      now: w + 630_000,
      partition: 'aws',
      onPublish: (_m, _w, groups) => flushed.push(groups[0].digested),
    });
    expect(flushed).toEqual([1, 1]);
  });
});

describe('a mass deletion of tamper signals is never held back', () => {
  const deletion = massDeletion();
  const m = matchMatrix({
    storm: anyFailurePattern(), tamperCalls: centralTamperCallPattern(), tamperStates: centralTamperStatePattern(),
  }, deletion);

  test('500 signals; storm control\'s pattern takes none of them (event-ruler)', () => {
    expect(Object.keys(deletion)).toHaveLength(500);
    expect(Object.entries(m.storm).filter(([, hit]) => hit).map(([name]) => name)).toEqual([]);
  });

  test('the central tamper rules take every one: 500 direct emails, one each', () => {
    const direct = Object.keys(deletion).filter((name) => m.tamperCalls[name] || m.tamperStates[name]);
    expect(direct).toHaveLength(500);
  });
});

describe('fail-open: when the ledger fails, alarms keep flowing directly', () => {
  const events = STORM.slice(0, 100);
  const records = events.map((e) => ({ messageId: e.jobId, body: e.body }));

  test('a ledger that throws: every event of the batch is published one by one', async () => {
    const broken: DynamoDbCall = async () => {
      throw Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
    };
    const published: string[] = [];
    const summary = await recordStormBatch(records, {
      store: new StormStore(broken, 'gone', 300),
      publish: async (_t, _s, text) => {
        published.push(jobIdOf(text)!);
      },
      topic: TOPIC,
      settings: SETTINGS,
      now: () => STORM_START,
      partition: 'aws',
      memo: new StormMemo(),
    });
    expect(summary).toMatchObject({ failOpen: 100, first: 0, digested: 0, failed: [] });
    expect(published).toEqual(events.map((e) => e.jobId));
  });

  test('a ledger that fails mid-batch: the rest go one by one, the counted ones reach their digest; none lost', async () => {
    const table = await freshTable();
    let calls = 0;
    const flaky: DynamoDbCall = async (op, input) => {
      if (++calls > 60) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      return moto.dynamo(op, input);
    };
    const summary = await recordStormBatch(records, {
      store: new StormStore(flaky, table, 300), publish: async () => undefined, topic: TOPIC, settings: SETTINGS, now: () => STORM_START, partition: 'aws', memo: new StormMemo(),
    });
    let digested = 0;
    await flushDigests({
      store: new StormStore(moto.dynamo, table, 300),
      publish: async () => undefined,
      topic: TOPIC,
      settings: SETTINGS,
      now: STORM_START + 3_600_000,
      partition: 'aws',
      onPublish: (_m, _w, groups) => {
        digested += groups.reduce((n, g) => n + g.digested, 0);
      },
    });
    expect(summary.failOpen).toBeGreaterThan(0);
    expect(summary.first + summary.digested + summary.failOpen).toBe(100);
    expect(digested).toBe(summary.digested);
  });

  test('a first alarm whose publish fails: its record fails (SQS retries it) and its designation is taken back', async () => {
    const table = await freshTable();
    const store = new StormStore(moto.dynamo, table, 300);
    const [e] = events;
    const memo = new StormMemo();
    const once = await recordStormBatch([{ messageId: e.jobId, body: e.body }], {
      store,
      publish: async () => {
        throw new Error('SNS unavailable');
      },
      topic: TOPIC,
      settings: SETTINGS,
      now: () => STORM_START,
      partition: 'aws',
      memo: new StormMemo(),
    });
    expect(once.failed).toEqual([e.jobId]);
    const retried: string[] = [];
    const again = await recordStormBatch([{ messageId: e.jobId, body: e.body }], {
      store,
      publish: async (_t, _s, text) => {
        retried.push(jobIdOf(text)!);
      },
      topic: TOPIC,
      settings: SETTINGS,
      now: () => STORM_START + 5_000,
      partition: 'aws',
      memo,
    });
    expect(again).toMatchObject({ first: 1, failed: [] });
    expect(retried).toEqual([e.jobId]);
  });

  test('an event that cannot be parsed is published as received, not dropped', async () => {
    const published: string[] = [];
    const summary = await recordStormBatch([{ messageId: 'x', body: '{"source":"aws.backup","detail-type":"Backup Job State Change","account":"1"}' }], {
      store: new StormStore(moto.dynamo, 'unused', 300),
      publish: async (_t, subject) => {
        published.push(subject);
      },
      topic: TOPIC,
      settings: SETTINGS,
      now: () => STORM_START,
      partition: 'aws',
      memo: new StormMemo(),
    });
    expect(summary).toMatchObject({ unparsed: 1, failed: [] });
    expect(published).toEqual(['Backup alarm: Backup Job State Change 1']);
  });
});
