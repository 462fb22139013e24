/**
 * `npx projen bench`: the benchmark and the cost model, printed as Markdown tables and written as JSON to
 * test-reports/bench.json. Not part of the test task (tests never time anything); it asserts nothing.
 *
 *   npx projen bench                 # everything (about 3 minutes on 2 cores, plus about 19 for the protection bench)
 *   npx projen bench -- --quick      # N = 1,000 only, 5 cold starts, synthesis of 1 x 1 and 50 x 20 only
 *   npx projen bench -- --readme     # also write the tables into the README's `generated:bench` block
 *
 * 1. Throughput (throughput.ts): N = 1,000 and 10,000 failure events through the real bundled forwarder and
 *    through the public samples' design, against the local Security Hub stand-in.
 * 2. The bundled asset's size, and the handler's cold init: the median of 20 fresh Node.js processes that each
 *    load the bundle (what Lambda's init phase runs before the first invocation, minus the runtime's own start).
 * 3. Synthesis cost (synth-cost.ts) of the organization example with 1, 10, 50 OUs and 1, 5, 20 Regions.
 * 4. The monthly cost model (cost-model.ts) at 10, 100, 1,000 accounts and 1, 5, 17 Regions: the default
 *    deployment (heartbeats on, no member dead-letter alarm), its fixed cost per account and Region and the
 *    heartbeat's share, and `heartbeat: false` (the library before issue 20). `cost.rows[].library.total` in the
 *    JSON is the default deployment's.
 * 5. The heartbeat checker over 17,000 sources against moto's DynamoDB (heartbeat-checker.ts): wall time of a run,
 *    the scan's read units (computed from DynamoDB's metering rules; moto does not meter) and the monthly cost.
 * 6. The protection watch's overdue check over 100,000 protected resources against moto's DynamoDB
 *    (protection-checker.ts): wall time of a first run, a quiet run and the daily report, the scan's pages, items and
 *    read units, and the monthly cost (`protection` in the JSON, with `"resources": 100000` and `usdPerMonth`).
 *    Alone: `npx ts-node --project tsconfig.dev.json test/bench/run.ts --only protection` (about 19 minutes on 2 busy
 *    cores: moto's Scan re-sorts and deep-copies the whole table for each page, about 8 minutes a scan; seeding 2 minutes).
 * 7. Storm control (storm.ts, issue 22): 1,000 failures in 5 minutes through the real recorder and flusher against
 *    moto's DynamoDB, and a mass deletion of 500 tamper signals (never held back): messages sent, first message
 *    latency, events lost (`storm` in the JSON). Alone: `... test/bench/run.ts --only storm` (under a minute).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { breakdownMarkdown, costTable, countsMarkdown, summaryMarkdown } from './cost-model';
import { heartbeatBench } from './heartbeat-checker';
import { protectionBench } from './protection-checker';
import { storm, StormRow } from './storm';
import { synthCost, synthCostTable } from './synth-cost';
import { throughput, throughputTable } from './throughput';
import { ensureBundle } from '../runtime/support';
import { markdownTable, writeGeneratedBlock } from '../support/generated-block';

const OUT = path.join(__dirname, '..', '..', 'test-reports', 'bench.json');

/** The bundle's size and the median time of `runs` fresh processes to load it. */
export function coldInit(runs = 20): { assetBytes: number; runs: number; medianMs: number; minMs: number; maxMs: number } {
  const bundle = ensureBundle();
  const script = 'const t = process.hrtime.bigint(); require(process.argv[1]); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));';
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example' };
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['-e', script, bundle], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`loading the bundle failed: ${r.stderr}`);
    times.push(Number(r.stdout));
  }
  times.sort((a, b) => a - b);
  const median = runs % 2 === 1 ? times[(runs - 1) / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
  return { assetBytes: fs.statSync(bundle).size, runs, medianMs: median, minMs: times[0], maxMs: times[runs - 1] };
}

function machine(): string {
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node.js ${process.version}`;
}

/** The protection bench's tables, as Markdown. */
function protectionMarkdown(p: Awaited<ReturnType<typeof protectionBench>>): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const c = p.cost;
  return [
    `#### Protection overdue check over ${p.resources.toLocaleString('en-US')} protected resources (moto ${p.moto} DynamoDB)\n`,
    `${p.accountRegions.toLocaleString('en-US')} account-Regions x ${Math.round(p.resources / p.accountRegions)} resources, 12 daily successes each, `
      + `${p.seeded.failedLast} with a failure after their last success, ${p.seeded.overdue} whose last success is 3 days old; `
      + `${p.activityItems.toLocaleString('en-US')} activity items (3 days). Protection item ${p.averageProtectionItemBytes} bytes, activity item `
      + `${p.averageActivityItemBytes} bytes (DynamoDB's item size); seeding took ${s(p.seedMs)}.\n`,
    markdownTable(['run', 'wall time', 'pages', 'items scanned', 'read units (computed)', 'overdue', 'claims', 'reports published'], [
      ['first, against moto', s(p.firstRun.wallMs), String(p.firstRun.pages), p.firstRun.items.toLocaleString('en-US'), String(p.firstRun.readUnits),
        String(p.firstRun.overdue), String(p.firstRun.claimed), `${p.firstRun.published} (${p.firstRun.reportBytes.map((b) => `${(b / 1024).toFixed(0)} KiB`).join(', ')})`],
      ['quiet, the same ledger from memory (the check\'s own work)', s(p.quietRun.wallMs), String(p.quietRun.pages), p.quietRun.items.toLocaleString('en-US'), String(p.quietRun.readUnits),
        String(p.quietRun.overdue), String(p.quietRun.claimed), String(p.quietRun.published)],
      ['daily report (after the quiet run)', s(p.dailyReport.wallMs), '0', '0', '0', '', '', `1 (${(p.dailyReport.bytes / 1024).toFixed(0)} KiB)`],
    ]),
    `\nProtection watch end to end at ${p.resources.toLocaleString('en-US')} protections, USD a month (730 h; check hourly + the daily report; `
      + 'checker duration: the quiet run\'s own work plus an assumed 150 ms of DynamoDB Scan per 1 MB page; moto\'s Scan copies and sorts the whole '
      + 'table for every page, so the first run\'s wall time is moto\'s, not the checker\'s; the members\' forwarding of completions predates issue 21 '
      + 'and is not counted here):\n',
    markdownTable(['ledger writes', 'activity counters', 'scans', 'heartbeat ledger scan', 'storage + PITR', 'SQS', 'recorder', 'checker', 'daily email', 'total'],
      [[c.recorderWrites, c.activityWrites, c.checkerScans, c.heartbeatScan, c.storage + c.pitr, c.sqs, c.recorderLambda, c.checkerLambda,
        c.dailyEmail]
        .map((v) => v.toFixed(2)).concat(`**${c.total.toFixed(2)}**`)]),
  ].join('\n');
}

/** The storm rows, as Markdown. */
function stormMarkdown(s: { moto: string; rows: StormRow[] }): string {
  return [
    `#### Storm control (moto ${s.moto} DynamoDB; 5-minute window, threshold 1)\n`,
    markdownTable(['scenario', 'events', 'messages sent', 'first alarms', 'digests', 'first message latency', 'events lost', 'wall time'],
      s.rows.map((r) => [r.scenario, r.events.toLocaleString('en-US'), String(r.messagesSent), String(r.firstAlarms), String(r.digests),
        `${(r.firstMessageLatencyMs / 1000).toFixed(1)} s`, String(r.eventsLost), `${(r.wallMs / 1000).toFixed(1)} s`])),
    '',
    ...s.rows.map((r) => `- ${r.scenario}: ${r.note}.`),
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  if (only === 'protection') {
    const protection = await protectionBench();
    console.log(protectionMarkdown(protection));
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    const previous = fs.existsSync(OUT) ? JSON.parse(fs.readFileSync(OUT, 'utf8')) : {};
    fs.writeFileSync(OUT, JSON.stringify({ ...previous, protection }, null, 2));
    console.log(`\nJSON: ${path.relative(process.cwd(), OUT)} (protection only; the other keys are the previous run's)`);
    return;
  }
  if (only === 'storm') {
    const stormRows = await storm();
    console.log(stormMarkdown(stormRows));
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    const previous = fs.existsSync(OUT) ? JSON.parse(fs.readFileSync(OUT, 'utf8')) : {};
    fs.writeFileSync(OUT, JSON.stringify({ ...previous, storm: stormRows }, null, 2));
    console.log(`\nJSON: ${path.relative(process.cwd(), OUT)} (storm only; the other keys are the previous run's)`);
    return;
  }
  if (only !== undefined) throw new Error(`--only ${only}: only 'protection' and 'storm' are known`);
  const ranAt = new Date().toISOString();
  const out: string[] = [];
  const print = (text = '') => {
    console.log(text);
    out.push(text);
  };
  print(`Run ${ranAt.slice(0, 16).replace('T', ' ')} UTC on ${machine()}${quick ? ' (--quick)' : ''}.`);

  const rows = await throughput(quick ? [1_000] : [1_000, 10_000]);
  print('\n#### Throughput against the Security Hub stand-in (100 findings/call, 10 calls/s, burst 30)\n');
  print(throughputTable(rows));

  const init = coldInit(quick ? 5 : 20);
  print(`\nBundle: ${(init.assetBytes / 1024).toFixed(0)} KiB minified. Cold init (loading the bundle): median ${init.medianMs.toFixed(0)} ms `
    + `of ${init.runs} fresh processes (min ${init.minMs.toFixed(0)}, max ${init.maxMs.toFixed(0)}).`);

  const synth = await synthCost(quick ? { ouCounts: [1, 50], regionCounts: [1, 20] } : {});
  print('\n#### Synthesis of the organization example\n');
  print(synthCostTable(synth));

  const cost = costTable();
  print('\n#### Monthly cost (USD, us-east-1 prices, no free tiers)\n');
  print(countsMarkdown(cost.counts));
  print();
  print(summaryMarkdown(cost.rows));
  for (const [accounts, regions] of [[100, 5], [1_000, 17]] as const) {
    const detail = cost.rows.find((r) => r.accounts === accounts && r.regions === regions);
    if (detail === undefined) continue;
    print(`\n#### Every line at ${accounts.toLocaleString('en-US')} accounts × ${regions} Regions\n`);
    print(breakdownMarkdown(detail));
    const l = detail.library;
    print(`\nDefault deployment: ${l.total.toFixed(2)} USD a month; fixed per account and Region ${l.fixedPerOneAccountRegion.toFixed(5)} USD; `
      + `heartbeat ${l.heartbeat.toFixed(2)} USD (${Math.round(100 * l.heartbeat / l.total)} %, ${Math.round(l.heartbeats).toLocaleString('en-US')} heartbeats); `
      + `protection watch ${l.protection.toFixed(2)} USD (${Math.round(100 * l.protection / l.total)} %, ${Math.round(l.protectedResources).toLocaleString('en-US')} protections).`);
  }

  // The heartbeat checker over every source of 1,000 accounts x 17 Regions, against moto's DynamoDB on 127.0.0.1
  // (moto's Python Scan dominates the wall time; DynamoDB meters reads, moto does not: read units are computed).
  const checker = await heartbeatBench(quick ? 1_700 : 17_000);
  print(`\n#### Heartbeat checker over ${checker.sources.toLocaleString('en-US')} sources (moto ${checker.moto} DynamoDB, 1 % silent)\n`);
  print(markdownTable(['run', 'wall time', 'scan', 'read units (computed)', 'claims', 'reports published'], [
    ['first (1 % silent)', `${(checker.firstRun.wallMs / 1000).toFixed(1)} s`, `${checker.scanPages} pages, ${(checker.scanBytes / 1e6).toFixed(1)} MB`,
      String(checker.scanReadUnits), String(checker.firstRun.claimed), String(checker.firstRun.published)],
    ['quiet (nothing changed)', `${(checker.quietRun.wallMs / 1000).toFixed(1)} s`, `${checker.scanPages} pages`, String(checker.scanReadUnits),
      String(checker.quietRun.claimed), '0'],
  ]));
  print(`\nHeartbeat cost end to end at ${checker.sources.toLocaleString('en-US')} sources, USD a month (checker every 15 minutes):\n`);
  print(markdownTable(['interval', 'heartbeats', 'PutEvents', 'cross-account', 'SQS', 'ledger writes', 'writer', 'checker scans + Lambda', 'total'],
    checker.costs.map((c) => [`${c.intervalHours} h`, `${(c.heartbeatsPerMonth / 1e6).toFixed(2)} M`, c.putEventsOnDefaultBus.toFixed(2),
      c.crossAccountDelivery.toFixed(2), c.sqs.toFixed(2), c.ledgerWrites.toFixed(2), c.writerLambda.toFixed(2),
      (c.checkerScans + c.checkerLambda).toFixed(2), `**${c.total.toFixed(2)}**`])));

  // The protection watch's overdue check over 100,000 protected resources (the row issue 21 asks for; --quick: 10,000).
  const protection = await protectionBench(quick ? 10_000 : 100_000);
  print();
  print(protectionMarkdown(protection));

  // Storm control: 1,000 failures in 5 minutes and a mass deletion of 500 tamper signals (issue 22).
  const stormRows = await storm();
  print();
  print(stormMarkdown(stormRows));

  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const report = {
    ranAt, machine: machine(), throughput: rows, coldInit: init, synthesis: synth, cost, heartbeatChecker: checker, protection, storm: stormRows,
  };
  fs.writeFileSync(OUT, JSON.stringify(report, null, 2));
  console.log(`\nJSON: ${path.relative(process.cwd(), OUT)}`);
  if (argv.includes('--readme')) {
    writeGeneratedBlock('bench', out.join('\n'));
    console.log('README.md: the generated:bench block is rewritten');
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
