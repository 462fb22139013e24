/**
 * Benchmark of the Security Hub forwarder: prints figures, asserts nothing (tests never time anything).
 *
 *   TS_NODE_TRANSPILE_ONLY=1 npx ts-node --project tsconfig.dev.json test/runtime/bench.ts
 *
 * 1. event -> finding: parse and build, per second.
 * 2. the real bundle against the local Security Hub stand-in (default quota 10/s, burst 30): one container,
 *    batches of 100 distinct findings, default pacing (5/s, burst 10).
 * 3. a throttling storm: ten containers, three batches of ten each, against a quota of 5/s with a burst of 5.
 * Everything runs on 127.0.0.1; nothing calls AWS.
 */
import { CredentialRegistry, SecurityHubStandIn, SecurityHubStandInOptions } from './securityhub-standin';
import { Container, fixture, sqsEvent, variant } from './support';
import { parseBackupEvent } from '../../src/runtime/event';
import { buildFinding } from '../../src/runtime/finding';

const FWD = '999999999999';
const SOURCE = '111111111111';
const REGION = 'eu-west-1';

function benchFindings(n: number): void {
  const events = ['backup-failed', 'copy-failed', 'restore-failed', 'scan-completed-threats', 'backup-completed'].map((f) => fixture(f, SOURCE));
  const started = process.hrtime.bigint();
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const f = buildFinding(parseBackupEvent(events[i % events.length]), { partition: 'aws', accountId: FWD, region: REGION });
    bytes += f === undefined ? 0 : JSON.stringify(f).length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`event -> finding: ${n} in ${seconds.toFixed(2)} s = ${Math.round(n / seconds)}/s, mean finding ${Math.round(bytes / n)} bytes`);
}

async function withStandIn<T>(
  options: SecurityHubStandInOptions,
  body: (hub: SecurityHubStandIn, env: Record<string, string>) => Promise<T>,
): Promise<T> {
  const registry = new CredentialRegistry();
  const creds = registry.longTerm(FWD);
  const hub = new SecurityHubStandIn(registry, options);
  const url = await hub.start();
  const env = {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SECURITYHUB: url,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  try {
    return await body(hub, env);
  } finally {
    await hub.stop();
  }
}

function distinctFailures(prefix: string, n: number): Array<Record<string, any>> {
  return Array.from({ length: n }, (_, i) => variant(fixture('backup-failed', SOURCE), {}, { resourceArn: `arn:aws:ec2:us-west-2:${SOURCE}:volume/vol-${prefix}-${i}` }));
}

async function benchContainers(
  title: string, options: SecurityHubStandInOptions, containers: number, batches: number, batchSize: number,
): Promise<void> {
  await withStandIn(options, async (hub, env) => {
    // Separate processes, like Lambda execution environments; started (cold) before the clock starts.
    const handlers = await Promise.all(Array.from({ length: containers }, () => Container.start(env)));
    const started = Date.now();
    let failed = 0;
    await Promise.all(handlers.map(async (handler, c) => {
      for (let b = 0; b < batches; b++) {
        const response = await handler.invoke(sqsEvent(distinctFailures(`${c}-${b}`, batchSize)), FWD, REGION, 900_000);
        failed += response.batchItemFailures.length;
      }
    }));
    const seconds = (Date.now() - started) / 1000;
    await Promise.all(handlers.map((h) => h.stop()));
    const records = containers * batches * batchSize;
    console.log(`${title}: ${records} records in ${seconds.toFixed(2)} s = ${Math.round(records / seconds)} records/s; `
      + `${hub.calls.length} calls, ${hub.callsWithStatus(429).length} throttled (429), ${hub.findings().length} findings stored, ${failed} records returned for retry`);
  });
}

async function main(): Promise<void> {
  benchFindings(20_000);
  await benchContainers('1 container, 10 batches of 100, quota 10/s burst 30', {}, 1, 10, 100);
  await benchContainers('4 containers, 5 batches of 100 each, quota 10/s burst 30', {}, 4, 5, 100);
  await benchContainers('storm: 10 containers, 3 batches of 10 each, quota 5/s burst 5', { ratePerSecond: 5, burst: 5 }, 10, 3, 10);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
