/**
 * Property tests of the ledger writer and the checker together, against moto's DynamoDB (real conditional
 * writes and scans): random timelines of sources that send heartbeats every interval, go away and come back,
 * or never start (declared); each heartbeat delivered late or not, duplicated, reordered, batched at random,
 * with its sender's clock skewed, some landing between the checker's scan and its claims; reports that fail
 * to publish at random. A model replays the same timeline and says, at every check, which source is silent
 * and since when (an "episode"). After the timeline and two checks with a healthy publisher:
 * - never two reports of one episode to one destination (a silence, or its return);
 * - none missed: every episode is reported to every destination (as silent, never seen, or, when it already
 *   ended before a report got out, as returned "silent since" it);
 * - none invented: every silence reported is one the model sees at that check.
 *
 * Seeded (fast-check), so a failure reproduces; `HEARTBEAT_PROPERTY_RUNS` raises the number of runs.
 */
import { InternalErrorException } from '@aws-sdk/client-sns';
import fc from 'fast-check';
import { heartbeatEvent, MotoServer } from './moto-server';
import { CheckerSettings } from '../../../src/runtime/heartbeat/checker';
import { runCheck, writeBatch } from '../../../src/runtime/heartbeat/run';
import { LedgerStore } from '../../../src/runtime/heartbeat/store';
import { HEARTBEAT_TIMING, sourceKey } from '../../../src/shared/heartbeat';

const MIN = 60_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const REGION = 'eu-west-2';
const RULE = 'backup-failure-rule';
const INTERVAL_S = 300;
const SETTINGS: CheckerSettings = { missedIntervals: 2, expectedIntervalSeconds: INTERVAL_S, graceSeconds: HEARTBEAT_TIMING.GRACE_SECONDS };
/** 2 x 5 min + 5 min. */
const ALLOWANCE = (2 * INTERVAL_S + HEARTBEAT_TIMING.GRACE_SECONDS) * 1000;
const CHECK_EVERY = 5 * MIN;
const HORIZON = 4 * 60 * MIN;
const TOPICS = { alarm: 'arn:aws:sns:eu-west-1:999999999999:alarms', pipeline: 'arn:aws:sns:eu-west-1:999999999999:pipeline' };
const RUNS = Number(process.env.HEARTBEAT_PROPERTY_RUNS ?? 8);

let moto: MotoServer;
let tables = 0;
beforeAll(async () => {
  moto = await MotoServer.start();
}, 60_000);
afterAll(async () => moto?.stop());

interface SourcePlan {
  /** Minutes after T0 when it starts sending (beyond the horizon: never). */
  readonly startsAt: number;
  /** [start, length] in minutes: no heartbeat is sent in these windows. */
  readonly outages: Array<[number, number]>;
  readonly declared: boolean;
}

interface DeliveryPlan {
  /** Minutes after it was sent (0 to 40: some arrive after the next one). */
  readonly delay: number;
  /** Seconds the sender's clock is ahead (negative: behind). */
  readonly skew: number;
  readonly duplicate: boolean;
  /** Lands between the checker's scan and its claims. */
  readonly midCheck: boolean;
}

const sourcePlan = fc.record({
  startsAt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300 })),
  outages: fc.array(fc.tuple(fc.integer({ min: 0, max: 240 }), fc.integer({ min: 1, max: 60 })), { maxLength: 3 }),
  declared: fc.boolean(),
});
const deliveryPlan = fc.record({
  delay: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }) }),
  skew: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -600, max: 1200 }) }),
  duplicate: fc.boolean(),
  midCheck: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});
const scenario = fc.record({
  sources: fc.array(sourcePlan, { minLength: 1, maxLength: 3 }),
  deliveries: fc.array(deliveryPlan, { minLength: 200, maxLength: 200 }),
  publishFails: fc.array(fc.boolean(), { minLength: 400, maxLength: 400 }),
  batchSeed: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 100, maxLength: 100 }),
});

const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];

interface Delivery { pk: string; account: string; at: number; time: number; midCheck: boolean; id: string }

function deliveriesOf(plan: { sources: SourcePlan[]; deliveries: DeliveryPlan[] }): Delivery[] {
  const out: Delivery[] = [];
  let d = 0;
  plan.sources.forEach((s: SourcePlan, i: number) => {
    const account = ACCOUNTS[i];
    for (let sent = T0 + s.startsAt * MIN; sent <= T0 + HORIZON; sent += INTERVAL_S * 1000) {
      const minute = (sent - T0) / MIN;
      if (s.outages.some(([start, len]) => minute >= start && minute < start + len)) continue;
      const p: DeliveryPlan = plan.deliveries[d++ % plan.deliveries.length];
      const base = { pk: sourceKey(account, REGION, RULE), account, time: sent + p.skew * 1000, midCheck: p.midCheck, id: `${account}-${sent}` };
      out.push({ ...base, at: sent + p.delay * MIN });
      if (p.duplicate) out.push({ ...base, at: sent + (p.delay + 1) * MIN });
    }
  });
  return out.sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
}

/** What a report line says: which source, which kind, and the episode (when the silence began). */
const LINE = /^- account (\d{12}), Region (\S+), rule (\S+): (?:last heartbeat (\S+) \(|no heartbeat ever received \(expected since (\S+),|heartbeat received \S+ \(silent since (\S+)\))/;
interface ReportLine { pk: string; kind: 'SILENT' | 'RETURNED'; episode: number }
function parseReport(message: string): ReportLine[] {
  return message.split('\n').flatMap((l): ReportLine[] => {
    const m = LINE.exec(l);
    if (m === null) return [];
    const pk = sourceKey(m[1], m[2], m[3]);
    if (m[6] !== undefined) return [{ pk, kind: 'RETURNED', episode: Date.parse(m[6]) }];
    return [{ pk, kind: 'SILENT', episode: Date.parse(m[4] ?? m[5]) }];
  });
}

test('never two reports for one silence episode, none missed, none invented', async () => {
  await fc.assert(fc.asyncProperty(scenario, async (plan) => {
    const table = await moto.createLedger(`prop-${++tables}`);
    const deliveries = deliveriesOf(plan);
    const declared = ACCOUNTS.filter((_a, i) => plan.sources[i]?.declared === true);
    const expected = declared.length === 0 ? undefined : { accounts: declared, regions: [REGION], rules: [RULE] };

    // The model: the newest heartbeat time per source, as the writer clamps it, and when declared sources were first expected.
    const lastSeen = new Map<string, number>();
    const expectedSince = new Map<string, number>();
    // The writer's clock is read once per batch (`now`): a heartbeat from the future is clamped to it.
    const model = (d: Delivery, now: number) => {
      const seen = d.time > now + HEARTBEAT_TIMING.MAX_FUTURE_SKEW_SECONDS * 1000 ? now : d.time;
      lastSeen.set(d.pk, Math.max(lastSeen.get(d.pk) ?? -Infinity, seen));
    };
    const due = new Map<string, Set<number>>(); // pk -> episodes seen silent at a check
    const invented: string[] = [];

    let fail = 0;
    const sent: Array<{ topic: string; message: string; at: number }> = [];
    let checkTime = 0;
    let healthy = false;
    const publish = async (topic: string, _subject: string, message: string) => {
      if (!healthy && plan.publishFails[fail++ % plan.publishFails.length]) throw new InternalErrorException({ $metadata: { httpStatusCode: 500 }, message: 'injected' });
      sent.push({ topic, message, at: checkTime });
    };

    const write = async (batch: Delivery[]) => {
      // Random batch boundaries and order within a batch (SQS is not FIFO).
      let i = 0;
      let k = 0;
      while (i < batch.length) {
        const size = plan.batchSeed[k++ % plan.batchSeed.length];
        const part = batch.slice(i, i + size).reverse();
        i += size;
        const summary = await writeBatch(part.map((d) => ({
          messageId: d.id + d.at,
          body: JSON.stringify(heartbeatEvent({
            account: d.account, region: REGION, rule: RULE, time: d.time, intervalSeconds: INTERVAL_S, id: d.id,
          })),
        })), plain, part[0].at);
        expect(summary.failed).toEqual([]);
        part.forEach((d) => model(d, part[0].at));
      }
    };
    const plain = new LedgerStore(moto.dynamo, table);
    let pendingMid: Delivery[] = [];
    const racing = new LedgerStore(async (op, input) => {
      const out = await moto.dynamo(op, input);
      if (op === 'Scan' && pendingMid.length > 0) {
        const mid = pendingMid;
        pendingMid = [];
        await write(mid);
      }
      return out;
    }, table);

    const judge = (now: number) => {
      const pks = new Set<string>([...lastSeen.keys(), ...expectedSince.keys()]);
      for (const pk of pks) {
        const ref = lastSeen.get(pk) ?? expectedSince.get(pk);
        if (ref !== undefined && now - ref > ALLOWANCE) {
          if (!due.has(pk)) due.set(pk, new Set());
          due.get(pk)!.add(ref);
        }
      }
    };

    let next = 0;
    const checks: number[] = [];
    for (let t = T0 + CHECK_EVERY; t <= T0 + HORIZON + 2 * CHECK_EVERY; t += CHECK_EVERY) checks.push(t);
    for (const [n, t] of checks.entries()) {
      const before: Delivery[] = [];
      while (next < deliveries.length && deliveries[next].at <= t) {
        const d = deliveries[next++];
        (d.midCheck ? pendingMid : before).push(d);
      }
      if (before.length > 0) await write(before);
      checkTime = t;
      healthy = n >= checks.length - 2;
      if (expected !== undefined) {
        for (const a of expected.accounts) {
          const pk = sourceKey(a, REGION, RULE);
          if (!lastSeen.has(pk) && !expectedSince.has(pk)) expectedSince.set(pk, t);
        }
      }
      await runCheck({ store: racing, publish, topics: TOPICS, settings: SETTINGS, expected, now: t });
      expect(pendingMid).toEqual([]); // every run scans, so the racing heartbeats were written
      judge(t);
      for (const s of sent.filter((x) => x.at === t)) {
        for (const r of parseReport(s.message)) {
          if (r.kind === 'SILENT' && !due.get(r.pk)?.has(r.episode)) invented.push(`${r.pk} silent since ${new Date(r.episode).toISOString()} at ${new Date(t).toISOString()}`);
        }
      }
    }

    expect(invented).toEqual([]);
    for (const topic of [TOPICS.alarm, TOPICS.pipeline]) {
      const lines = sent.filter((s) => s.topic === topic).flatMap((s) => parseReport(s.message));
      const count = new Map<string, number>();
      for (const l of lines) count.set(`${l.pk}|${l.kind}|${l.episode}`, (count.get(`${l.pk}|${l.kind}|${l.episode}`) ?? 0) + 1);
      const twice = [...count.entries()].filter(([, c]) => c > 1).map(([k]) => k);
      expect(twice).toEqual([]);
      const missed: string[] = [];
      for (const [pk, episodes] of due) {
        for (const ep of episodes) {
          if (!count.has(`${pk}|SILENT|${ep}`) && !count.has(`${pk}|RETURNED|${ep}`)) missed.push(`${pk} since ${new Date(ep).toISOString()}`);
        }
      }
      expect(missed).toEqual([]);
    }
  }), { numRuns: RUNS, seed: 20_2026, endOnFailure: true, ...(process.env.HB_PATH ? { path: process.env.HB_PATH } : {}) });
}, 600_000);
