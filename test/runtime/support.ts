/**
 * Test support for the Security Hub forwarder: example events, SQS batches, the Lambda bundle, and a fake
 * Lambda context.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { createInterface } from 'readline';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

const ROOT = path.resolve(__dirname, '..', '..');

/** The documented AWS Backup example events (one per file), written for the whole library. */
export const FIXTURES_DIR = path.join(ROOT, 'test', 'fixtures', 'backup-events');

/** The account id of the AWS documentation's examples: 13 digits, which Security Hub would reject. */
export const EXAMPLE_ACCOUNT = '1112233445566';

/** Names of every example event file, without `.json`. */
export function fixtureNames(): string[] {
  return fs.readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
}

/**
 * An example event, verbatim (`account` undefined) or with the documentation's 13-digit account id replaced
 * everywhere (envelope and ARNs) by a real-looking 12-digit one.
 */
export function fixture(name: string, account?: string): Record<string, any> {
  const text = fs.readFileSync(path.join(FIXTURES_DIR, `${name}.json`), 'utf8');
  return JSON.parse(account === undefined ? text : text.split(EXAMPLE_ACCOUNT).join(account));
}

/** A copy of `event` with `changes` applied to its top level and `detail` merged in. */
export function variant(event: Record<string, any>, changes: Record<string, any> = {}, detail: Record<string, any> = {}): Record<string, any> {
  const copy = structuredClone(event);
  Object.assign(copy, changes);
  copy.detail = { ...copy.detail, ...detail };
  return copy;
}

/**
 * The documented success event `successName`, made the success of the same protection as `failure`: same
 * resource, vault and destination, so that it has the failure's finding `Id` (the documented examples
 * describe unrelated jobs), an hour after it.
 */
export function closingSuccess(successName: string, failure: Record<string, any>, account: string): Record<string, any> {
  const same: Record<string, any> = {};
  for (const field of ['resourceArn', 'backupVaultName', 'backupVaultArn', 'sourceBackupVaultArn', 'destinationBackupVaultArn', 'recoveryPointArn']) {
    if (failure.detail?.[field] !== undefined) same[field] = failure.detail[field];
  }
  // An hour after the failure: Security Hub ignores an update that is not later.
  const time = new Date(Date.parse(failure.time) + 3_600_000).toISOString();
  return variant(fixture(successName, account), { account: failure.account, region: failure.region, time }, same);
}

/** An SQS record whose body is `body` (an object is serialised as JSON, a string is used as is). */
export function sqsRecord(body: unknown, messageId: string = randomUUID()): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAEVENTBRIDGE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: 'not-checked',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:999999999999:forwarder-queue',
    awsRegion: 'eu-west-1',
  };
}

/** An SQS event of one record per body. */
export function sqsEvent(bodies: unknown[]): SQSEvent {
  return { Records: bodies.map((b) => sqsRecord(b)) };
}

/** A Lambda context for a function in `account` and `region`, with `timeoutMs` to run. */
export function fakeContext(account: string, region: string, timeoutMs = 60_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'security-hub-forwarder',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:security-hub-forwarder`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/security-hub-forwarder',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The bundle
// ---------------------------------------------------------------------------------------------------------

/** Where projen's bundle task (and `ensureBundle`) writes the Lambda asset. */
export const BUNDLE = path.join(ROOT, 'assets', 'runtime', 'security-hub-forwarder.lambda', 'index.js');
const ENTRY = path.join(ROOT, 'src', 'runtime', 'security-hub-forwarder.lambda.ts');
// The runtime imports nothing but itself and src/shared (an eslint rule holds that boundary).
const SOURCES = [path.join(ROOT, 'src', 'runtime'), path.join(ROOT, 'src', 'shared')];

function newestSourceMtime(): number {
  let newest = 0;
  for (const p of SOURCES) {
    const files = fs.statSync(p).isDirectory() ? fs.readdirSync(p).filter((f) => f.endsWith('.ts')).map((f) => path.join(p, f)) : [p];
    for (const f of files) newest = Math.max(newest, fs.statSync(f).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure the real bundle exists, building it with esbuild (the same command as projen's bundle task)
 * when it is missing, or older than the sources: a stale bundle would test yesterday's code.
 */
export function ensureBundle(): string {
  if (fs.existsSync(BUNDLE) && fs.statSync(BUNDLE).mtimeMs >= newestSourceMtime()) return BUNDLE;
  const tsconfig = ['tsconfig.dev.json', 'tsconfig.json'].find((f) => fs.existsSync(path.join(ROOT, f)))!;
  // Build next to the target and rename: parallel jest workers never load a half-written file.
  const tmp = `${BUNDLE}.${process.pid}.${Date.now()}.tmp.js`;
  const r = spawnSync('npx', ['--yes', 'esbuild', '--bundle', ENTRY, '--target=node24', '--platform=node', `--outfile=${tmp}`,
    `--tsconfig=${tsconfig}`, '--minify', '--log-level=warning'], { cwd: ROOT, encoding: 'utf8', timeout: 5 * 60_000 });
  if (r.status !== 0 || !fs.existsSync(tmp)) {
    throw new Error(`esbuild failed (status ${r.status}): ${r.stderr || r.error?.message}`);
  }
  fs.renameSync(tmp, BUNDLE);
  return BUNDLE;
}

/** Output of a container: its stdout and stderr lines (Powertools logs and EMF metrics). */
export class ContainerOutput {
  public readonly lines: string[] = [];

  /** Lines that are JSON objects. */
  public json(): Array<Record<string, any>> {
    return this.lines.flatMap((l) => {
      try {
        const v = JSON.parse(l);
        return typeof v === 'object' && v !== null ? [v] : [];
      } catch {
        return [];
      }
    });
  }

  /** The sum of an EMF metric over every published metrics document. */
  public metric(name: string): number {
    return this.json().filter((d) => d._aws?.CloudWatchMetrics).reduce((sum, d) => sum + (typeof d[name] === 'number' ? d[name] : 0), 0);
  }

  /** Structured log entries with this message. */
  public logs(message: string): Array<Record<string, any>> {
    return this.json().filter((d) => d.message === message);
  }
}

const MARK = '__invocation_done__';

// The container's side: load the bundle (cold start), then run one invocation per message, as Lambda does.
// After each invocation it writes a marker to stdout and to stderr, so that the test knows it has read all
// of that invocation's output from both pipes before it looks at logs and metrics.
const HARNESS = `
let handler;
try {
  handler = require(process.argv[1]).handler;
  process.send({ type: 'ready' });
} catch (err) {
  process.send({ type: 'init-error', message: String((err && err.message) || err) }, () => process.exit(1));
}
process.on('message', async (m) => {
  const deadline = Date.now() + m.timeoutMs;
  const context = { ...m.context, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()), done() {}, fail() {}, succeed() {} };
  let reply;
  try {
    reply = { type: 'result', id: m.id, response: await handler(m.event, context) };
  } catch (err) {
    reply = { type: 'result', id: m.id, error: String((err && err.stack) || err) };
  }
  process.stdout.write('${MARK} ' + m.id + '\\n');
  process.stderr.write('${MARK} ' + m.id + '\\n');
  process.send(reply);
});
process.on('disconnect', () => process.exit(0));
`;

interface Pending {
  response?: SQSBatchResponse;
  error?: string;
  marks: number;
  resolve: () => void;
}

/**
 * The environment Lambda would give the forwarder (its Region and its role's credentials), with the local
 * stand-ins as the SDK's only endpoints and no other place to find credentials, configuration or endpoints:
 * nothing a container does can reach AWS. STS defaults to a closed local port (a call fails, never leaves).
 */
export function isolatedEnv(options: {
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly securityHubUrl: string;
  readonly stsUrl?: string;
}, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_REGION: options.region,
    AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SECURITYHUB: options.securityHubUrl,
    AWS_ENDPOINT_URL_STS: options.stsUrl ?? 'http://127.0.0.1:9',
    ...extra,
  };
}

/**
 * One Lambda "container": a Node.js process that loads the real bundle with exactly `env` (plus PATH). Its
 * cold start, clients, pacers and credential cache are its own, like a Lambda execution environment's, and no
 * credential or endpoint setting of the machine running the tests can leak into it.
 */
export class Container {
  /** Starts a container; rejects with the cold-start error if the bundle throws while loading. */
  public static async start(env: Record<string, string | undefined>): Promise<Container> {
    const bundle = ensureBundle();
    const clean: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
    const child = spawn(process.execPath, ['-e', HARNESS, bundle], { env: clean, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const container = new Container(child);
    await new Promise<void>((resolve, reject) => {
      child.once('message', (m: any) => (m?.type === 'ready' ? resolve() : reject(new Error(m?.message ?? 'the container failed to start'))));
      child.once('exit', (code) => reject(new Error(`the container exited during its cold start (code ${code})`)));
    });
    return container;
  }

  public readonly output = new ContainerOutput();
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  private constructor(child: ChildProcess) {
    this.child = child;
    const marker = new RegExp(`^${MARK} (\\d+)$`);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        const m = marker.exec(line);
        if (m) this.progress(Number(m[1]), (p) => p.marks++);
        else if (line.trim() !== '') this.output.lines.push(line);
      });
    }
    child.on('message', (m: any) => {
      if (m?.type !== 'result') return;
      this.progress(m.id, (p) => {
        p.response = m.response;
        p.error = m.error ?? (m.response === undefined ? 'no response' : undefined);
      });
    });
  }

  /** Invokes the handler as a function in `account` and `region`; resolves once all of its output is read. */
  public async invoke(event: SQSEvent, account: string, region: string, timeoutMs = 60_000): Promise<SQSBatchResponse> {
    const id = this.next++;
    // The context's data crosses the process boundary; the harness adds getRemainingTimeInMillis() there.
    const { getRemainingTimeInMillis: _remaining, done: _done, fail: _fail, succeed: _succeed, ...context } = fakeContext(account, region);
    const settled = new Promise<void>((resolve) => this.pending.set(id, { marks: 0, resolve }));
    this.child.send({ id, event, context, timeoutMs });
    await settled;
    const p = this.pending.get(id)!;
    this.pending.delete(id);
    if (p.error !== undefined) throw new Error(`the handler failed: ${p.error}`);
    return p.response!;
  }

  /** Ends this container's process (one the test started). */
  public async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill();
    await exited;
  }

  private progress(id: number, update: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    update(p);
    if (p.marks === 2 && (p.response !== undefined || p.error !== undefined)) p.resolve();
  }
}

/** Checks that every record of `event` is either in `response.batchItemFailures` or in `succeeded`, never both or neither. */
export function accountedFor(event: SQSEvent, response: SQSBatchResponse): { failed: Set<string>; ok: Set<string> } {
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const ids = new Set(event.Records.map((r) => r.messageId));
  for (const id of failed) {
    if (!ids.has(id)) throw new Error(`batchItemFailures names ${id}, which is not in the batch`);
  }
  const ok = new Set([...ids].filter((id) => !failed.has(id)));
  return { failed, ok };
}

/** A TCP port that is free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Whether anything answers HTTP at `url` (one request, bounded). */
export async function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1_000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
  });
}
