/**
 * The heartbeat checker over N sources (default 17,000 = 1,000 accounts x 17 Regions), against moto's
 * DynamoDB started here: wall time of one run (scan, claims, reports), the read units of its scan, and the
 * monthly cost of the heartbeat end to end. Not part of the test task (tests never time anything); the lead
 * may call `heartbeatBench()` from run.ts.
 *
 *   TS_NODE_TRANSPILE_ONLY=1 npx ts-node --project tsconfig.dev.json test/bench/heartbeat-checker.ts [N]
 *
 * Read units are computed from DynamoDB's documented item size rules ("Item sizes and formats": attribute name
 * bytes + value bytes; a number is about 1 byte per 2 significant digits + 1) and its documented Scan metering
 * ("Read consumption for Scan": the sum of the sizes of the items read, in 4 KB units, per 1 MB page; halved
 * for eventually consistent reads), because moto does not meter reads.
 */
import { DEFAULT_SETTINGS } from '../../src/runtime/heartbeat/checker';
import { parseHeartbeat, recordHeartbeatInput } from '../../src/runtime/heartbeat/ledger';
import { runCheck } from '../../src/runtime/heartbeat/run';
import { LedgerStore } from '../../src/runtime/heartbeat/store';
import { HEARTBEAT_TIMING } from '../../src/shared/heartbeat';
import { heartbeatEvent, MotoServer } from '../runtime/heartbeat/moto-server';

/** us-east-1 list prices (USD), on-demand and per request, checked late 2025: see the notes. */
export const PRICES = {
  putEventsPerMillion: 1.0,
  crossAccountPerMillion: 1.0,
  sqsPerMillionRequests: 0.4,
  ddbWritePerMillion: 0.625,
  ddbReadPerMillion: 0.125,
  lambdaPerMillionRequests: 0.2,
  lambdaGbSecond: 0.0000133334, // arm64
  schedulerPerMillion: 1.0, // after 14 million free per account and month
};

const HOURS_PER_MONTH = 730;

function numberBytes(n: number): number {
  const digits = String(Math.abs(n)).replace(/^0+|\.|0+$/g, '').length;
  return Math.ceil(digits / 2) + 1;
}

/** DynamoDB's size of an item in DynamoDB JSON (names + values; a number set is the sum of its numbers). */
export function itemBytes(item: Record<string, any>): number {
  let size = 0;
  for (const [name, v] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    if (v.S !== undefined) size += Buffer.byteLength(v.S);
    else if (v.N !== undefined) size += numberBytes(Number(v.N));
    else if (v.NS !== undefined) size += (v.NS as string[]).reduce((s, n) => s + numberBytes(Number(n)), 0);
  }
  return size;
}

/** The monthly cost of heartbeats at `sources` sources sending every `intervalHours`. */
export function heartbeatMonthlyCost(sources: number, intervalHours: number, checkMinutes = 15, scanReadUnits = 0) {
  const beats = sources * HOURS_PER_MONTH / intervalHours;
  const checks = HOURS_PER_MONTH * 60 / checkMinutes;
  const rows = {
    heartbeatsPerMonth: beats,
    putEventsOnDefaultBus: beats / 1e6 * PRICES.putEventsPerMillion,
    crossAccountDelivery: beats / 1e6 * PRICES.crossAccountPerMillion,
    // One SendMessage per heartbeat; receive and delete are batched (up to 100 per call).
    sqs: beats * 1.02 / 1e6 * PRICES.sqsPerMillionRequests,
    ledgerWrites: beats / 1e6 * PRICES.ddbWritePerMillion,
    // Writer: one invocation per batch (about 100 in steady state; assume 25), 256 MB, 200 ms.
    writerLambda: (beats / 25) / 1e6 * PRICES.lambdaPerMillionRequests + (beats / 25) * 0.25 * 0.2 * PRICES.lambdaGbSecond,
    checkerScans: checks * scanReadUnits / 1e6 * PRICES.ddbReadPerMillion,
    checkerLambda: checks / 1e6 * PRICES.lambdaPerMillionRequests + checks * 0.25 * 3 * PRICES.lambdaGbSecond,
    // Scheduler: schedules per account x runs a month stay under the 14 million free invocations.
    scheduler: 0,
  };
  const total = Object.entries(rows).filter(([k]) => k !== 'heartbeatsPerMonth').reduce((s, [, v]) => s + v, 0);
  return { ...rows, total };
}

export async function heartbeatBench(n = 17_000) {
  const moto = await MotoServer.start();
  try {
    const table = await moto.createLedger('bench-ledger');
    // Without the runtime's per-call bounds: moto's Scan of 17,000 items can take longer than they allow on a busy machine.
    const store = new LedgerStore(moto.unboundedDynamo(), table);
    const now = Date.now();
    let bytes = 0;
    const items: any[] = [];
    for (let i = 0; i < n; i++) {
      const account = String(100000000000 + Math.floor(i / 17));
      const region = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1',
        'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'sa-east-1', 'ca-central-1', 'eu-south-1'][i % 17];
      // 1 % silent.
      const seen = i % 100 === 0 ? now - 7 * 3_600_000 : now - (i % 180) * 60_000;
      const hb = parseHeartbeat(JSON.stringify(heartbeatEvent({ account, region, rule: 'backup-failure-rule', time: seen, intervalSeconds: HEARTBEAT_TIMING.DEFAULT_INTERVAL_SECONDS })), now);
      const input = recordHeartbeatInput(table, hb) as any;
      const item: Record<string, any> = {
        pk: input.Key.pk,
        account: input.ExpressionAttributeValues[':account'],
        region: input.ExpressionAttributeValues[':region'],
        rule: input.ExpressionAttributeValues[':rule'],
        lastSeen: input.ExpressionAttributeValues[':seen'],
        firstSeen: input.ExpressionAttributeValues[':seen'],
        intervalSeconds: input.ExpressionAttributeValues[':interval'],
        expiresAt: input.ExpressionAttributeValues[':expires'],
        // A source that was silent once carries the checker's attributes too.
        state: { S: 'OK' },
        ver: { N: '2' },
        silentSince: { N: String(seen) },
        changedAt: { N: String(seen) },
        notified_alarm: { N: '2' },
        notified_pipeline: { N: '2' },
      };
      bytes += itemBytes(item);
      items.push(item);
    }
    await moto.seed(table, items);
    const pages = Math.ceil(bytes / (1024 * 1024));
    // Per page: ceil(page bytes / 4 KB) read units, halved (eventually consistent).
    const readUnits = Math.ceil(bytes / 4096) / 2 + pages;
    let published = 0;
    const t0 = process.hrtime.bigint();
    const summary = await runCheck({ store, publish: async () => { published++; }, topics: { alarm: 'a', pipeline: 'p' }, settings: DEFAULT_SETTINGS, now });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const t1 = process.hrtime.bigint();
    const quiet = await runCheck({ store, publish: async () => { published++; }, topics: { alarm: 'a', pipeline: 'p' }, settings: DEFAULT_SETTINGS, now: now + 60_000 });
    const quietMs = Number(process.hrtime.bigint() - t1) / 1e6;
    const costs = [1, 2, 3, 6, 8, 12].map((h) => ({ intervalHours: h, ...heartbeatMonthlyCost(n, h, 15, readUnits) }));
    return {
      sources: n,
      averageItemBytes: Math.round(bytes / n),
      scanBytes: bytes,
      scanPages: pages,
      scanReadUnits: readUnits,
      firstRun: { wallMs, ...summary, published },
      quietRun: { wallMs: quietMs, ...quiet },
      costs,
      moto: moto.version,
    };
  } finally {
    await moto.stop();
  }
}

if (require.main === module) {
  heartbeatBench(Number(process.argv[2] ?? 17_000)).then((r) => {
    // eslint-disable-next-line no-console
    console.log(JSON.stringify(r, null, 2));
  }).catch((e) => {
    // eslint-disable-next-line no-console
    console.error(e);
    process.exit(1);
  });
}
