/**
 * moto's server (https://github.com/getmoto/moto), started by a test on 127.0.0.1 and a free port, for the
 * heartbeat ledger: a DynamoDB-compatible server that this project did not write, so that the ledger's
 * conditional writes and scans are real reads and writes (no mocked client). Stopped after the test.
 *
 * The Python is `MOTO_PYTHON`, else the virtual environment `npx projen test:setup` makes (.venv/moto), else
 * `python3`. Nothing here calls AWS: the clients get the server's URL as their only endpoint.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  AttributeValue, BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { dynamoDb, DynamoDbCall } from '../../../src/runtime/heartbeat/aws-client';
import { LEDGER, LEDGER_TTL_ATTRIBUTE } from '../../../src/shared/heartbeat';
import { answers, freePort } from '../support';

const SETUP_PYTHON = path.join(__dirname, '..', '..', '..', '.venv', 'moto', 'bin', 'python');
const PYTHON = process.env.MOTO_PYTHON || (fs.existsSync(SETUP_PYTHON) ? SETUP_PYTHON : 'python3');
const STARTUP_MS = 30_000;

/** Credentials that only moto accepts; set in this process's environment for the SDK clients. */
export const MOTO_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIAHEARTBEATTEST000', AWS_SECRET_ACCESS_KEY: 'heartbeat-test-not-a-secret' };
export const MOTO_REGION = 'eu-west-1';

/** A moto server this test started. */
export class MotoServer {
  /** Starts the server and gives this process's SDK clients its credentials and Region (the endpoint is per client). */
  public static async start(): Promise<MotoServer> {
    const check = spawnSync(PYTHON, ['-c', 'import moto, moto.server, moto.dynamodb; print(moto.__version__)'], { encoding: 'utf8', timeout: 30_000 });
    if (check.status !== 0) {
      throw new Error(`moto's server cannot be imported by ${PYTHON}: ${check.stderr || check.error?.message}. Run: bash test/setup.sh (or set MOTO_PYTHON).`);
    }
    const port = await freePort();
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONUNBUFFERED: '1' };
    if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
    const child = spawn(PYTHON, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    for (const s of [child.stdout!, child.stderr!]) {
      s.setEncoding('utf8');
      s.on('data', (c: string) => {
        output.push(c);
        if (output.length > 100) output.shift();
      });
    }
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + STARTUP_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`moto exited during start-up:\n${output.join('')}`);
      if (await answers(`${url}/moto-api/`)) {
        Object.assign(process.env, MOTO_CREDENTIALS, { AWS_REGION: MOTO_REGION });
        delete process.env.AWS_SESSION_TOKEN;
        return new MotoServer(child, url, check.stdout.trim());
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGKILL');
    throw new Error(`moto did not answer on ${url} within ${STARTUP_MS / 1000} s:\n${output.join('')}`);
  }

  /** The library's DynamoDB client (the ledger's operations only), pointed at this server. */
  public readonly dynamo: DynamoDbCall;
  /** A plain SDK client for what only the tests do (creating tables). */
  private readonly admin: DynamoDBClient;

  private constructor(private readonly child: ChildProcess, public readonly url: string, public readonly version: string) {
    this.dynamo = dynamoDb({ region: MOTO_REGION, endpoint: url });
    this.admin = new DynamoDBClient({ region: MOTO_REGION, endpoint: url });
  }

  /**
   * The ledger's DynamoDB operations through the plain SDK client, without the runtime's per-call bounds (10 s a
   * call, 8 s socket idle): for the benchmarks, where moto's Scan of a large table takes longer than that (it copies
   * and sorts the table for every page), more so on a busy machine. Tests use `dynamo`, the runtime's own client.
   */
  public unboundedDynamo(): DynamoDbCall {
    const commands: Record<string, (input: any) => any> = {
      Scan: (i) => new ScanCommand(i),
      GetItem: (i) => new GetItemCommand(i),
      UpdateItem: (i) => new UpdateItemCommand(i),
      PutItem: (i) => new PutItemCommand(i),
    };
    return async (operation, input) => {
      const { $metadata: _metadata, ...out } = await this.admin.send(commands[operation](input)) as Record<string, any>;
      return out;
    };
  }

  /** Creates a ledger table as the construct defines it (key `pk`, on demand) and its TTL; returns its name. */
  public async createLedger(name: string): Promise<string> {
    await this.admin.send(new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: LEDGER.PK, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: LEDGER.PK, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    await this.admin.send(new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { Enabled: true, AttributeName: LEDGER_TTL_ATTRIBUTE },
    }));
    return name;
  }

  /** Seeds `items` (DynamoDB JSON) into `table`, 25 per BatchWriteItem: a setup step of the benchmark, not a ledger operation. */
  public async seed(table: string, items: ReadonlyArray<Record<string, AttributeValue>>): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      let pending: any = { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) };
      while (pending && Object.keys(pending).length > 0) {
        const out = await this.admin.send(new BatchWriteItemCommand({ RequestItems: pending }));
        pending = out.UnprocessedItems;
      }
    }
  }

  /** Stops the server: SIGTERM, then SIGKILL after 5 s. */
  public async stop(): Promise<void> {
    this.admin.destroy();
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

// The heartbeat event builder lives with the other event builders; re-exported for the runtime tests that import it here.
export { heartbeatEvent } from '../../support/heartbeat-event';
