/**
 * The real Lambda bundle against moto (https://github.com/getmoto/moto), a maintained third-party emulator
 * of AWS services whose server implements Security Hub's BatchImportFindings and GetFindings.
 *
 * What this reproduces: only the wire-level round trip. The real AWS SDK client inside the real bundle
 * signs and sends BatchImportFindings (REST-JSON, POST /findings/import) to an implementation of Security Hub
 * that this project did not write, the handler reads its response and returns no batchItemFailures, and the
 * findings can be read back with GetFindings (POST /findings) by the real SDK client, with their
 * deterministic `Id`s, `AwsAccountId` and `RecordState` as the forwarder built them.
 *
 * What it does not prove: moto validates almost nothing (only that `Resources` is a non-empty list), ignores
 * GetFindings' `Filters`, and overwrites a stored finding on every re-import whatever its `UpdatedAt`. The
 * documented rules (per-finding validation, the product ARN and account checks, "a re-import whose UpdatedAt
 * is not strictly later is ignored", throttling, FailedFindings and retries) are proven by the stand-in tests
 * (handler.test.ts against securityhub-standin.ts) instead.
 *
 * The test starts moto's server itself, on 127.0.0.1 and a free port, with the Python of `MOTO_PYTHON` (CI
 * sets it to a virtual environment's interpreter) or else `python3`, and stops it at the end. Nothing here
 * calls AWS. moto must be installed: `pip install -r test/runtime/moto-requirements.txt`; without it the
 * test fails (it is not skipped).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { AwsSecurityFinding, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { accountedFor, answers, closingSuccess, Container, ensureBundle, fixture, freePort, isolatedEnv, sqsEvent } from './support';
import { parseBackupEvent } from '../../src/runtime/event';
import { buildFinding } from '../../src/runtime/finding';
import { productArnOf } from '../../src/runtime/identity';

/** moto's default account: every access key that moto did not issue itself is this account's. */
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIAMOTOROUNDTRIP000', secretAccessKey: 'moto-roundtrip-not-a-secret' };

/** `npx projen test:setup` installs moto into .venv/moto; MOTO_PYTHON chooses another interpreter. */
const SETUP_PYTHON = path.join(__dirname, '..', '..', '.venv', 'moto', 'bin', 'python');
const PYTHON = process.env.MOTO_PYTHON || (fs.existsSync(SETUP_PYTHON) ? SETUP_PYTHON : 'python3');
const REQUIREMENTS = path.join('test', 'forwarder', 'moto-requirements.txt');
/** How long moto's server may take to answer after it is started. */
const STARTUP_MS = 30_000;

/** The failures (three job kinds, three resources), and the success that closes the copy's finding. */
const FAILURES = ['backup-failed', 'copy-failed', 'restore-failed-with-vault'];
const SUCCESS = 'copy-completed';

let moto: ChildProcess | undefined;
let motoUrl: string;
const motoOutput: string[] = [];
let fn: Container | undefined;

/** The moto version that `PYTHON` imports (with the server and Security Hub modules), or a failure that says how to install it. */
function motoVersion(): string {
  const r = spawnSync(PYTHON, ['-c', 'import moto, moto.server, moto.securityhub; print(moto.__version__)'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error !== undefined || r.status !== 0) {
    const why = r.error?.message ?? (r.stderr.trim().split('\n').pop() || `exit status ${r.status}`);
    throw new Error(
      `moto's server cannot be imported by ${PYTHON}${process.env.MOTO_PYTHON ? ' (MOTO_PYTHON)' : ' (set MOTO_PYTHON to choose another Python)'}: ${why}. `
      + `This test needs it: pip install -r ${REQUIREMENTS} (for example: python3 -m venv /tmp/moto-venv && `
      + `/tmp/moto-venv/bin/pip install -r ${REQUIREMENTS}, then run with MOTO_PYTHON=/tmp/moto-venv/bin/python).`,
    );
  }
  return r.stdout.trim();
}

/** Starts moto's server on a free port of 127.0.0.1 and waits until it answers; rejects after STARTUP_MS. */
async function startMoto(): Promise<string> {
  const port = await freePort();
  // Only what Python needs: no AWS or MOTO_* variable of the machine running the tests reaches the server.
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONUNBUFFERED: '1' };
  if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
  const child = spawn(PYTHON, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  moto = child;
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      motoOutput.push(chunk);
      if (motoOutput.length > 200) motoOutput.shift();
    });
  }
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`moto's server exited during start-up (${child.exitCode ?? child.signalCode}):\n${motoOutput.join('')}`);
    }
    if (await answers(`${url}/moto-api/`)) return url;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`moto's server did not answer on ${url} within ${STARTUP_MS / 1000} s:\n${motoOutput.join('')}`);
}

/** Stops the server this test started: SIGTERM, then SIGKILL if it has not exited after 5 s. */
async function stopMoto(): Promise<void> {
  const child = moto;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Every finding moto holds for this account and Region (GetFindings, page by page). */
async function allFindings(client: SecurityHubClient): Promise<AwsSecurityFinding[]> {
  const found: AwsSecurityFinding[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 20; page++) {
    const out = await client.send(new GetFindingsCommand({ MaxResults: 100, NextToken: nextToken }));
    found.push(...(out.Findings ?? []));
    nextToken = out.NextToken;
    if (!nextToken) return found;
  }
  throw new Error('GetFindings returned more than 20 pages');
}

beforeAll(async () => {
  ensureBundle();
  const version = motoVersion();
  motoUrl = await startMoto();
  // eslint-disable-next-line no-console
  console.log(`moto ${version} (${PYTHON}) on ${motoUrl}`);
}, 90_000);

afterAll(async () => {
  await fn?.stop();
  await stopMoto();
});

test('the real bundle imports findings into moto, and GetFindings reads them back', async () => {
  // STS is unused in this mode; never AWS's.
  fn = await Container.start(isolatedEnv({ region: REGION, credentials: CREDENTIALS, securityHubUrl: motoUrl, stsUrl: motoUrl },
    { ATTRIBUTION_MODE: 'FORWARDER_ACCOUNT', POWERTOOLS_LOG_LEVEL: 'INFO' }));

  // The documentation's 13-digit example account replaced by moto's account, as the other tests do.
  const failures = FAILURES.map((name) => fixture(name, ACCOUNT));
  const first = sqsEvent(failures);
  const response = await fn.invoke(first, ACCOUNT, REGION, 20_000);
  expect(response.batchItemFailures).toEqual([]);
  expect(accountedFor(first, response).ok.size).toBe(failures.length);
  expect(fn.output.metric('FindingsImported')).toBe(FAILURES.length);

  // Then the copy succeeds: the forwarder looks the finding up (GetFindings), finds it open and closes it,
  // keeping the CreatedAt of the failure.
  const copyFailed = failures[1];
  const success = { ...closingSuccess(SUCCESS, copyFailed, ACCOUNT), time: '2030-01-01T00:00:00Z' };
  const second = sqsEvent([success]);
  expect((await fn.invoke(second, ACCOUNT, REGION, 20_000)).batchItemFailures).toEqual([]);
  expect(fn.output.metric('FindingsArchived')).toBe(1);

  // What the forwarder builds for each failure (pure, deterministic): three findings, three distinct Ids.
  const dest = { partition: 'aws', accountId: ACCOUNT, region: REGION };
  const expected = failures.map((ev) => buildFinding(parseBackupEvent(ev), dest)!);
  const closed = buildFinding(parseBackupEvent(success), dest)!;
  expect(closed.Id).toBe(expected[1].Id);
  const { CreatedAt, FirstObservedAt, LastObservedAt } = expected[1];
  expected[1] = { ...closed, CreatedAt, FirstObservedAt, LastObservedAt };
  const expectedIds = expected.map((f) => f.Id!);
  expect(new Set(expectedIds).size).toBe(failures.length);
  for (const id of expectedIds) expect(id).toMatch(new RegExp(`^cdk-backup-alarms/${ACCOUNT}/us-west-2/(BACKUP|COPY|RESTORE)/`));

  const client = new SecurityHubClient({ region: REGION, endpoint: motoUrl, credentials: CREDENTIALS, maxAttempts: 1 });
  try {
    // moto does not implement GetFindings' Filters: read everything and pick by Id here.
    const stored = new Map((await allFindings(client)).map((f) => [f.Id!, f]));
    expect([...stored.keys()].sort()).toEqual([...expectedIds].sort());

    expected.forEach((want, i) => {
      const got = stored.get(want.Id!)!;
      expect(got).toMatchObject({
        Id: want.Id,
        AwsAccountId: ACCOUNT,
        ProductArn: productArnOf('aws', REGION, ACCOUNT),
        GeneratorId: want.GeneratorId,
        UpdatedAt: want.UpdatedAt,
        Severity: { Label: want.Severity!.Label },
        // The copy's finding was re-imported ARCHIVED, with the failure's CreatedAt.
        RecordState: i === 1 ? 'ARCHIVED' : 'ACTIVE',
        CreatedAt: failures[i].time.replace('Z', '.000Z'),
      });
      // The wire round trip loses nothing: moto returns the finding exactly as the bundle's SDK client sent it.
      expect(got).toEqual(JSON.parse(JSON.stringify(want)));
    });
  } finally {
    client.destroy();
  }
});
