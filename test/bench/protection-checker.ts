/**
 * The protection watch's overdue check (issue 21) over N protected resources (default 100,000), against moto's
 * DynamoDB started here: wall time of a first run (claims, one report published in-process), of a quiet run
 * (the same ledger read from memory: the check's own work) and of the daily report; pages, items and the read units of the scan; and `protectionMonthlyCost`, the
 * monthly cost of the protection watch end to end. Not part of the test task (tests never time anything);
 * run.ts calls `protectionBench()`.
 *
 *   TS_NODE_TRANSPILE_ONLY=1 npx ts-node --project tsconfig.dev.json test/bench/protection-checker.ts [N]
 *
 * The seed: 100 resources per account and Region (1,000 account-Regions at 100,000), each backed up daily at
 * its own hour (12 successes, the history the ledger keeps), 1 % with a failure after their last success,
 * 0.5 % whose last success is 3 days old (they become overdue); and 72 hours of activity items (the activity
 * TTL: the steady-state ledger holds three days of them, and the check scans them all). Items are written with
 * BatchWriteItem (recordBatch over 1.2 million events would take hours in moto), but each protection item is
 * built from `foldSignals` over its signals and the ledger's attribute names (PROTECTION_LEDGER), and one
 * item of each shape is read back with the store and compared with the folded model.
 *
 * Read units are computed from DynamoDB's documented item size rules and Scan metering, as in
 * heartbeat-checker.ts (moto does not meter): here per page, from the items each page returned.
 */
import * as assert from 'assert';
import { ASSUMPTIONS, PRICES } from './cost-model';
import { itemBytes } from './heartbeat-checker';
import { ProtectionItem } from '../../src/runtime/protection/item';
import { DEFAULT_OVERDUE_SETTINGS, notifiedAttribute } from '../../src/runtime/protection/overdue';
import { CounterFamily, foldSignals, Signal, signalOf } from '../../src/runtime/protection/recorder';
import { runDailyReport, runOverdueCheck } from '../../src/runtime/protection/run';
import { counterAttribute, ProtectionStore } from '../../src/runtime/protection/store';
import {
  activityKey, hourOf, OverdueDestination, PROTECTION_LEDGER as L, PROTECTION_TIMING,
} from '../../src/shared/protection';
import { MotoServer } from '../runtime/heartbeat/moto-server';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HOURS_PER_MONTH = 730;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
const GB = 2 ** 30;
/** The heartbeat ledger at 1,000 accounts x 17 Regions, which the daily report also scans. */
const HEARTBEAT_BYTES = 17_000 * ASSUMPTIONS.heartbeatLedgerItemBytes;

/** Resources per account and Region in the seed. */
export const RESOURCES_PER_ACCOUNT_REGION = 100;
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'eu-north-1', 'ap-southeast-2', 'ap-northeast-1',
  'ap-south-1', 'ca-central-1'];
const TYPES = ['EC2', 'EBS', 'RDS', 'DynamoDB', 'S3', 'EFS'];

function arnOf(type: string, account: string, region: string, i: number): string {
  const hex = (i * 2_654_435_761 % 2 ** 32).toString(16).padStart(8, '0');
  switch (type) {
    case 'EC2': return `arn:aws:ec2:${region}:${account}:instance/i-0${hex}${hex}`;
    case 'EBS': return `arn:aws:ec2:${region}:${account}:volume/vol-0${hex}${hex}`;
    case 'RDS': return `arn:aws:rds:${region}:${account}:db:orders-${i}`;
    case 'DynamoDB': return `arn:aws:dynamodb:${region}:${account}:table/sessions-${i}`;
    case 'S3': return `arn:aws:s3:::acme-${account}-${region}-data-${i}`;
    default: return `arn:aws:elasticfilesystem:${region}:${account}:file-system/fs-0${hex}${hex}`;
  }
}

/** A backup job event as a member rule forwards it (the shape of test/fixtures/backup-events/backup-*.json). */
function jobEvent(o: {
  account: string;
  region: string;
  type: string;
  resourceArn: string;
  vault: string;
  plan: string;
  at: number;
  state: string;
  jobId: string;
  message?: string;
}): string {
  return JSON.stringify({
    'version': '0',
    'id': `bench-${o.jobId}`,
    'detail-type': 'Backup Job State Change',
    'source': 'aws.backup',
    'account': o.account,
    'time': new Date(o.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'region': o.region,
    'resources': [],
    'detail': {
      backupJobId: o.jobId,
      backupVaultArn: `arn:aws:backup:${o.region}:${o.account}:backup-vault:${o.vault}`,
      backupVaultName: o.vault,
      backupPlanId: o.plan,
      iamRoleArn: `arn:aws:iam::${o.account}:role/service-role/AWSBackupDefaultServiceRole`,
      resourceArn: o.resourceArn,
      resourceType: o.type,
      state: o.state,
      ...(o.message === undefined ? {} : { statusMessage: o.message }),
      creationDate: new Date(o.at - 40 * 60_000).toISOString(),
      percentDone: o.state === 'COMPLETED' ? 100 : 0,
    },
  });
}

/** The DynamoDB JSON of a protection item, with the store's attribute names: what recordProtection's writes leave. */
export function protectionToDynamo(p: ProtectionItem, expiresAt: number): Record<string, any> {
  const item: Record<string, any> = {
    [L.PK]: { S: p.pk },
    [L.KIND]: { S: p.kind },
    [L.ACCOUNT]: { S: p.account },
    [L.REGION]: { S: p.region },
    [L.RESOURCE_ARN]: { S: p.resourceArn },
    [L.VAULT]: { S: p.vault },
    [L.EXPIRES_AT]: { N: String(expiresAt) },
    [L.SUCCESS_COUNT]: { N: String(p.successCount) },
  };
  const s = (name: string, v: string | undefined) => { if (v !== undefined) item[name] = { S: v }; };
  const n = (name: string, v: number | undefined) => { if (v !== undefined) item[name] = { N: String(v) }; };
  s(L.RESOURCE_TYPE, p.resourceType);
  s(L.PLAN_ID, p.planId);
  if (p.successes.length > 0) item[L.SUCCESSES] = { NS: p.successes.map(String) };
  n(L.LAST_FAILURE_AT, p.lastFailureAt);
  s(L.LAST_FAILURE_STATE, p.lastFailureState);
  s(L.LAST_FAILURE_MESSAGE, p.lastFailureMessage);
  s(L.LAST_FAILURE_JOB, p.lastFailureJob);
  // The checker's attributes exist only after it changed the state (absent = OK, version 0).
  if (p.ver > 0) {
    s(L.STATE, p.state);
    n(L.VERSION, p.ver);
    n(L.OVERDUE_SINCE, p.overdueSince);
    n(L.CHANGED_AT, p.changedAt);
  }
  for (const [d, v] of Object.entries(p.notified)) n(notifiedAttribute(d as OverdueDestination), v);
  return item;
}

/** What one seed holds. */
interface Seed {
  readonly protections: Array<Record<string, any>>;
  readonly activity: Array<Record<string, any>>;
  /** One folded model per shape (plain, failed last, overdue), to read back. */
  readonly samples: ProtectionItem[];
  readonly overdueSeeded: number;
  readonly failedSeeded: number;
  readonly accountRegions: number;
}

const FAILURE_MESSAGES = [
  'Backup job expired before it could start',
  'Insufficient privileges to perform this action.',
  'The specified DB instance is not in the available state.',
];

/** `n` protections (100 per account-Region) and the activity items their jobs leave, as of `now`. */
function seedOf(n: number, now: number): Seed {
  const protections: Array<Record<string, any>> = [];
  const samples: ProtectionItem[] = [];
  const activity = new Map<string, { hour: number; account: string; region: string; counters: Map<string, number>; messages: Map<string, string> }>();
  const oldest = now - PROTECTION_TIMING.ACTIVITY_RETENTION_SECONDS * 1000;
  const count = (signal: Signal) => {
    if (signal.at < oldest || signal.at > now) return;
    const key = activityKey(signal.at, signal.account, signal.region);
    let a = activity.get(key);
    if (a === undefined) {
      a = { hour: hourOf(signal.at), account: signal.account, region: signal.region, counters: new Map(), messages: new Map() };
      activity.set(key, a);
    }
    const attribute = counterAttribute(signal);
    a.counters.set(attribute, (a.counters.get(attribute) ?? 0) + 1);
    if (signal.family === CounterFamily.JOB && signal.message !== undefined) a.messages.set(signal.counter, signal.message);
  };
  let overdueSeeded = 0;
  let failedSeeded = 0;
  const today = Math.floor(now / DAY) * DAY;
  for (let i = 0; i < n; i++) {
    const place = Math.floor(i / RESOURCES_PER_ACCOUNT_REGION);
    const account = String(100_000_000_000 + Math.floor(place / REGIONS.length) * 7_919);
    const region = REGIONS[place % REGIONS.length];
    const type = TYPES[i % TYPES.length];
    const resourceArn = arnOf(type, account, region, i);
    const vault = i % 10 === 0 ? 'org-critical' : 'org-daily';
    const plan = `plan-${(i % 7).toString(16).padStart(8, '0')}-bench`;
    const overdue = i % 200 === 17;
    const failed = !overdue && i % 100 === 42;
    // Each resource's plan starts at its own hour; the job ends some minutes later, differently each day.
    const hourOfDay = i % 24;
    const lastDay = overdue ? 3 : 0;
    let model: ProtectionItem | undefined;
    let template: Signal | undefined;
    for (let d = lastDay + PROTECTION_TIMING.HISTORY_KEEP - 1; d >= lastDay; d--) {
      let at = today - d * DAY + hourOfDay * HOUR + ((i * 37 + d * 101) % 50) * 60_000;
      if (at > now) at -= DAY;
      const jobId = `${(i * 31 + d).toString(16)}-${d}-bench-job`;
      // The first success is parsed from a job event; the others differ only in time and job id.
      const signal: Signal = template === undefined
        ? signalOf(jobEvent({ account, region, type, resourceArn, vault, plan, at, state: 'COMPLETED', jobId }), now)
        : { ...template, at, protection: { ...template.protection!, jobId } };
      template ??= signal;
      model = foldSignals(model, signal);
      count(signal);
    }
    if (failed) {
      const at = Math.min(now - 5 * 60_000, model!.successes[model!.successes.length - 1] + DAY);
      const signal = signalOf(jobEvent({
        account,
        region,
        type,
        resourceArn,
        vault,
        plan,
        at,
        state: 'FAILED',
        jobId: `${i}-failed-bench-job`,
        message: FAILURE_MESSAGES[i % FAILURE_MESSAGES.length],
      }), now);
      model = foldSignals(model, signal);
      count(signal);
      failedSeeded++;
    }
    if (overdue) overdueSeeded++;
    const newest = Math.max(model!.successes[model!.successes.length - 1], model!.lastFailureAt ?? 0);
    protections.push(protectionToDynamo(model!, Math.floor(newest / 1000) + PROTECTION_TIMING.PROTECTION_RETENTION_SECONDS));
    if ((i === 0) || (failed && samples.length === 1) || (overdue && samples.length === 2)) samples.push(model!);
  }
  const activityItems = [...activity.entries()].map(([pk, a]) => {
    const item: Record<string, any> = {
      [L.PK]: { S: pk },
      [L.HOUR]: { N: String(a.hour) },
      [L.ACCOUNT]: { S: a.account },
      [L.REGION]: { S: a.region },
      [L.EXPIRES_AT]: { N: String(Math.floor(a.hour / 1000) + PROTECTION_TIMING.ACTIVITY_RETENTION_SECONDS) },
    };
    for (const [attribute, v] of a.counters) item[attribute] = { N: String(v) };
    for (const [counter, message] of a.messages) item[`${L.MESSAGE_PREFIX}${counter}`] = { S: message };
    return item;
  });
  return { protections, activity: activityItems, samples, overdueSeeded, failedSeeded, accountRegions: Math.ceil(n / RESOURCES_PER_ACCOUNT_REGION) };
}

/** Inputs of `protectionMonthlyCost`. */
export interface ProtectionCostInput {
  /** Protections in the ledger (resource, vault, kind). */
  readonly resources: number;
  /** Account-Regions whose jobs are counted (activity items). */
  readonly accountRegions: number;
  readonly successesPerResourcePerDay?: number;
  readonly failureRate?: number;
  readonly checkPeriodSeconds?: number;
  /** Read units of one scan of the whole ledger (computed by the bench, or from the item size). */
  readonly scanReadUnits: number;
  /** Average protection item bytes (DynamoDB's item size) and total ledger bytes (protections and activity). */
  readonly protectionItemBytes: number;
  readonly ledgerBytes: number;
  /** Items in the ledger (protections and activity): storage adds 100 bytes per item. */
  readonly ledgerItems: number;
  /** Read units of the daily report's scan of the heartbeat ledger (0 without a heartbeat monitor). */
  readonly heartbeatScanReadUnits?: number;
  /** Duration of one checker run (seconds) at `checkerMemoryMb`. */
  readonly checkerSeconds: number;
  readonly checkerMemoryMb?: number;
  readonly recorderMemoryMb?: number;
  readonly recorderBatchSize?: number;
  readonly recorderBatchingWindowSeconds?: number;
  /** Email subscribers of the alarm topic (the daily report). */
  readonly emailSubscribers?: number;
}

/**
 * The monthly cost (USD, 730 hours, us-east-1, no free tier) of the protection watch at `resources` protections,
 * priced with cost-model.ts's PRICES and ASSUMPTIONS. Not counted: the members' forwarding of completions to the
 * central bus (forwardCompletions was on in the StackSet before issue 21, and cost-model.ts prices it as
 * `eventbridge-forwarding`), and the rule on the central bus (a same-bus delivery to SQS has no EventBridge fee).
 */
export function protectionMonthlyCost(o: ProtectionCostInput) {
  const A = ASSUMPTIONS;
  const successes = o.resources * (o.successesPerResourcePerDay ?? 1) * DAYS_PER_MONTH;
  const failures = successes * (o.failureRate ?? A.failureRate) / (1 - (o.failureRate ?? A.failureRate));
  const events = successes + failures;
  const batchSize = o.recorderBatchSize ?? 100;
  const windowSeconds = o.recorderBatchingWindowSeconds ?? 20;
  // Events arrive in the backup window; a batch holds what one batching window collects, at most batchSize.
  const windows = DAYS_PER_MONTH * A.backupWindowHoursPerDay * 3600 / windowSeconds;
  const perBatch = Math.min(batchSize, Math.max(1, events / windows));
  const batches = events / perBatch;
  // One activity UpdateItem per hour, account and Region present in a batch: the expected distinct account-Regions of `perBatch` events.
  const groupsPerBatch = o.accountRegions * (1 - (1 - 1 / o.accountRegions) ** perBatch);
  const writeUnits = Math.ceil(o.protectionItemBytes / 1024);
  const checksPerMonth = HOURS_PER_MONTH * 3600 / (o.checkPeriodSeconds ?? 3600) + DAYS_PER_MONTH;
  const recorderGb = (o.recorderMemoryMb ?? 256) / 1024;
  const checkerGb = (o.checkerMemoryMb ?? 1024) / 1024;
  const rows = {
    successesPerMonth: successes,
    recorderWrites: (successes * A.protectionWritesPerSuccess + failures) * writeUnits * PRICES.dynamoDbWriteRequest.usd,
    activityWrites: batches * groupsPerBatch * PRICES.dynamoDbWriteRequest.usd,
    checkerScans: checksPerMonth * o.scanReadUnits * PRICES.dynamoDbReadRequest.usd,
    heartbeatScan: DAYS_PER_MONTH * (o.heartbeatScanReadUnits ?? 0) * PRICES.dynamoDbReadRequest.usd,
    // Storage is billed on item size plus 100 bytes of index overhead per item; PITR on the table's size.
    storage: (o.ledgerBytes + 100 * o.ledgerItems) / GB * PRICES.dynamoDbStorageGbMonth.usd,
    pitr: (o.ledgerBytes + 100 * o.ledgerItems) / GB * PRICES.dynamoDbPitrGbMonth.usd,
    sqs: (events + 2 * batches) * PRICES.sqsRequest.usd,
    recorderLambda: batches * PRICES.lambdaRequest.usd
      + batches * (A.protectionRecorderBaseSeconds + perBatch * A.protectionRecorderSecondsPerRecord) * recorderGb * PRICES.lambdaGbSecondArm.usd,
    checkerLambda: checksPerMonth * PRICES.lambdaRequest.usd + checksPerMonth * o.checkerSeconds * checkerGb * PRICES.lambdaGbSecondArm.usd,
    dailyEmail: DAYS_PER_MONTH * (PRICES.snsPublish.usd + (o.emailSubscribers ?? 1) * PRICES.snsEmail.usd),
  };
  const total = Object.entries(rows).filter(([k]) => k !== 'successesPerMonth').reduce((s, [, v]) => s + v, 0);
  return { ...rows, total };
}

/** DynamoDB's read units of one Scan page (eventually consistent): the page's item bytes in 4 KB units, halved. */
function pageReadUnits(items: ReadonlyArray<Record<string, any>>): number {
  return Math.ceil(items.reduce((s, i) => s + itemBytes(i), 0) / 4096) / 2;
}

export async function protectionBench(n = 100_000) {
  const moto = await MotoServer.start();
  try {
    const table = await moto.createLedger('bench-protections');
    const now = Date.parse('2026-12-06T06:00:00Z');
    const t0 = process.hrtime.bigint();
    const seed = seedOf(n, now);
    const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const protectionBytes = seed.protections.reduce((s, i) => s + itemBytes(i), 0);
    const activityBytes = seed.activity.reduce((s, i) => s + itemBytes(i), 0);
    // Parallel BatchWriteItem calls (moto answers them one at a time, but the HTTP round trips overlap).
    const t1 = process.hrtime.bigint();
    const all = [...seed.protections, ...seed.activity];
    const lanes = 6;
    const per = Math.ceil(all.length / lanes / 25) * 25;
    await Promise.all(Array.from({ length: lanes }, (_, k) => moto.seed(table, all.slice(k * per, (k + 1) * per))));
    const seedMs = Number(process.hrtime.bigint() - t1) / 1e6;

    // Count every Scan page and its read units, from the items it returned. The client has no per-call bound (the
    // runtime's is 10 s, its socket's 8 s): moto re-sorts the whole table for each Scan page, which takes longer than that.
    const unbounded = moto.unboundedDynamo();
    const scans: Array<{ items: number; readUnits: number }> = [];
    const call: typeof moto.dynamo = async (operation, input) => {
      const out = await unbounded(operation, input);
      if (operation === 'Scan') scans.push({ items: (out.Items ?? []).length, readUnits: pageReadUnits(out.Items ?? []) });
      return out;
    };
    const store = new ProtectionStore(call, table);

    // The seeded items read back as the folded model (one of each shape).
    const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
    for (const sample of seed.samples) assert.deepStrictEqual(plain(await store.get(sample.pk)), plain(sample));
    assert.strictEqual(seed.samples.length, 3, 'a plain, a failed-last and an overdue protection are read back');

    const published: Array<{ subject: string; bytes: number }> = [];
    const publish = async (_topic: string, subject: string, message: string) => { published.push({ subject, bytes: Buffer.byteLength(message) }); };
    const common = { store, publish, topic: 'arn:aws:sns:eu-west-1:111111111111:bench', settings: DEFAULT_OVERDUE_SETTINGS, partition: 'aws' };
    const timed = async <T>(f: () => Promise<T>) => {
      const start = process.hrtime.bigint();
      const pagesBefore = scans.length;
      const result = await f();
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      const pages = scans.slice(pagesBefore);
      const sum = (pick: (p: { items: number; readUnits: number }) => number) => pages.reduce((s, p) => s + pick(p), 0);
      return { result, wallMs, pages: pages.length, items: sum((p) => p.items), readUnits: sum((p) => p.readUnits) };
    };
    const first = await timed(() => runOverdueCheck({ ...common, now }));
    const firstPublished = published.length;
    // The quiet run reads the same ledger (the first run's result, as DynamoDB JSON) from memory, in 1 MB pages: its
    // time is the check's own work (unmarshalling, judging 100,000 protections), without moto's Scan, which copies and
    // sorts the whole table for every page. The pages and read units are those the moto run returned.
    // The first run's items as the ledger now holds them: claimed (in `items`) and reported to the alarm topic
    // (markNotified, which `items` does not show; the first run published every report, asserted below).
    const told = (p: ProtectionItem): ProtectionItem => (p.ver > 0 ? { ...p, notified: { ...p.notified, [OverdueDestination.ALARM]: p.ver } } : p);
    const raw = [...first.result.items.map((p) => protectionToDynamo(told(p), 0)), ...seed.activity];
    const memoryPages: Array<Array<Record<string, any>>> = [];
    for (let k = 0, bytes = 0; k < raw.length; k++) {
      if (memoryPages.length === 0 || bytes + itemBytes(raw[k]) > 2 ** 20) {
        memoryPages.push([]);
        bytes = 0;
      }
      memoryPages[memoryPages.length - 1].push(raw[k]);
      bytes += itemBytes(raw[k]);
    }
    const fromMemory: typeof moto.dynamo = async (operation, input) => {
      if (operation !== 'Scan') throw new Error(`a quiet run makes no ${operation}`);
      const page = input.ExclusiveStartKey === undefined ? 0 : Number((input.ExclusiveStartKey as any).page.N);
      scans.push({ items: memoryPages[page].length, readUnits: pageReadUnits(memoryPages[page]) });
      return { Items: memoryPages[page], ...(page + 1 < memoryPages.length ? { LastEvaluatedKey: { page: { N: String(page + 1) } } } : {}) };
    };
    const quiet = await timed(() => runOverdueCheck({ ...common, store: new ProtectionStore(fromMemory, table), now: now + 60_000 }));
    const quietPublished = published.length - firstPublished;
    const daily = await timed(() => runDailyReport({
      check: quiet.result, publish, topic: common.topic, now: now + 60_000, timeZone: 'Europe/Berlin', partition: 'aws', tableName: table,
    }));
    assert.strictEqual(first.result.overdue, seed.overdueSeeded, 'every protection seeded 3 days late is overdue, and no other');
    assert.strictEqual(quiet.result.claimed, 0);
    assert.strictEqual(first.result.publishFailures, 0, 'the first run published every report');
    assert.strictEqual(quietPublished, 0, 'nothing is owed after the first run');

    const costInput = {
      resources: n,
      accountRegions: seed.accountRegions,
      scanReadUnits: first.readUnits,
      protectionItemBytes: protectionBytes / n,
      ledgerBytes: protectionBytes + activityBytes,
      ledgerItems: n + seed.activity.length,
      // The daily report also scans the heartbeat ledger: its read units at 1,000 accounts x 17 Regions (heartbeat bench).
      heartbeatScanReadUnits: Math.ceil(HEARTBEAT_BYTES / 4096) / 2 + Math.ceil(HEARTBEAT_BYTES / 2 ** 20),
      // The checker's duration: its own work (the quiet run from memory) plus DynamoDB's Scan of every page, at an
      // assumed 150 ms a 1 MB page (no account here to measure it; moto's 460 s a run says nothing about DynamoDB).
      checkerSeconds: quiet.wallMs / 1000 + first.pages * 0.15,
    };
    const cost = protectionMonthlyCost(costInput);
    const summary = (r: typeof first) => ({
      wallMs: r.wallMs,
      pages: r.pages,
      items: r.items,
      readUnits: r.readUnits,
      protections: r.result.protections,
      overdue: r.result.overdue,
      learning: r.result.learning,
      claimed: r.result.claimed,
      reportsSent: r.result.reportsSent,
      activityItems: r.result.activity.length,
    });
    return {
      resources: n,
      accountRegions: seed.accountRegions,
      activityItems: seed.activity.length,
      seeded: { overdue: seed.overdueSeeded, failedLast: seed.failedSeeded },
      averageProtectionItemBytes: Math.round(protectionBytes / n),
      averageActivityItemBytes: Math.round(activityBytes / seed.activity.length),
      ledgerBytes: protectionBytes + activityBytes,
      buildMs,
      seedMs,
      firstRun: { ...summary(first), published: firstPublished, reportBytes: published.slice(0, firstPublished).map((p) => p.bytes) },
      quietRun: { ...summary(quiet), published: quietPublished },
      dailyReport: { wallMs: daily.wallMs, subject: daily.result.subject, bytes: daily.result.bytes },
      wallMs: first.wallMs,
      costInput,
      cost,
      usdPerMonth: cost.total,
      moto: moto.version,
    };
  } finally {
    await moto.stop();
  }
}

if (require.main === module) {
  protectionBench(Number(process.argv[2] ?? 100_000)).then((r) => {
    // eslint-disable-next-line no-console
    console.log(JSON.stringify(r, null, 2));
  }).catch((e) => {
    // eslint-disable-next-line no-console
    console.error(e);
    process.exit(1);
  });
}
