/**
 * The real heartbeat bundles (esbuild, the same options as projen's bundle task), each loaded in a clean
 * Node.js process with only the environment Lambda would give it, against moto's DynamoDB and SNS: the writer
 * records an SQS batch in the ledger (partial batch response for the malformed record), and the checker reports
 * the silent source to both topics. Also the boundary: the bundles are built from src/runtime and src/shared
 * only, with no aws-cdk-lib, constructs or cdk-nag.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as esbuild from 'esbuild';
import { heartbeatEvent, MOTO_CREDENTIALS, MOTO_REGION, MotoServer } from './moto-server';
import { fromDynamo } from '../../../src/runtime/heartbeat/store';
import { HEARTBEAT_ENV, LedgerState, sourceKey } from '../../../src/shared/heartbeat';

const ROOT = path.join(__dirname, '..', '..', '..');
const ACCOUNT = '222233334444';
const REGION = 'ap-southeast-2';
const RULE = 'backup-failure-rule';
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'heartbeat-bundle-'));

let moto: MotoServer;
beforeAll(async () => {
  moto = await MotoServer.start();
}, 60_000);
afterAll(async () => {
  await moto?.stop();
  fs.rmSync(OUT, { recursive: true, force: true });
});

function bundle(entry: string): { file: string; inputs: string[] } {
  const file = path.join(OUT, `${entry}.js`);
  const result = esbuild.buildSync({
    absWorkingDir: ROOT,
    entryPoints: [`src/runtime/${entry}.lambda.ts`],
    bundle: true,
    platform: 'node',
    target: 'node24',
    minify: true,
    tsconfig: 'tsconfig.dev.json',
    outfile: file,
    metafile: true,
    logLevel: 'silent',
  });
  return { file, inputs: Object.keys(result.metafile!.inputs) };
}

/** Runs the bundle's handler once in a fresh process with exactly `env`; resolves to its result. */
async function invoke(file: string, env: Record<string, string>, event: unknown): Promise<any> {
  const script = `
    const { handler } = require(process.argv[1]);
    const context = { functionName: 'f', awsRequestId: 'r', invokedFunctionArn: 'arn:aws:lambda:${MOTO_REGION}:123456789012:function:f', getRemainingTimeInMillis: () => 60000 };
    handler(JSON.parse(process.argv[2]), context).then((r) => process.stdout.write('\\n@@' + JSON.stringify(r === undefined ? null : r) + '\\n'),
      (e) => process.stdout.write('\\n@@' + JSON.stringify({ thrown: String(e && e.message) }) + '\\n'));`;
  const child = spawn(process.execPath, ['-e', script, file, JSON.stringify(event)], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AWS_REGION: MOTO_REGION,
      ...MOTO_CREDENTIALS,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: moto.url,
      AWS_ENDPOINT_URL_SNS: moto.url,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { err += c; });
  await new Promise((resolve) => child.on('exit', resolve));
  const line = out.split('\n').find((l) => l.startsWith('@@'));
  if (line === undefined) throw new Error(`no result; stderr: ${err}\nstdout: ${out}`);
  return JSON.parse(line.slice(2));
}

async function createTopic(name: string): Promise<string> {
  const res = await fetch(moto.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'authorization': `AWS4-HMAC-SHA256 Credential=${MOTO_CREDENTIALS.AWS_ACCESS_KEY_ID}/20261201/${MOTO_REGION}/sns/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Action: 'CreateTopic', Version: '2010-03-31', Name: name }).toString(),
  });
  return /<TopicArn>([^<]+)<\/TopicArn>/.exec(await res.text())![1];
}

test.each(['heartbeat-writer', 'heartbeat-checker'])('%s: built from src/runtime and src/shared only, no CDK', (entry) => {
  const { inputs } = bundle(entry);
  expect(inputs.filter((i) => /node_modules\/(aws-cdk-lib|constructs|cdk-nag)\//.test(i))).toEqual([]);
  expect(inputs.filter((i) => i.startsWith('src/') && !/^src\/(runtime|shared)\//.test(i))).toEqual([]);
  expect(inputs).toContain('src/shared/heartbeat.ts');
});

test('the writer bundle records a batch; the checker bundle reports the silence to both topics', async () => {
  const table = await moto.createLedger('bundle-ledger');
  const writer = bundle('heartbeat-writer').file;
  const checker = bundle('heartbeat-checker').file;
  const old = Date.now() - 7 * 3_600_000;
  const record = (id: string, body: string) => ({
    messageId: id,
    body,
    receiptHandle: id,
    attributes: {},
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:x',
    awsRegion: MOTO_REGION,
  });
  const written = await invoke(writer, { [HEARTBEAT_ENV.TABLE_NAME]: table }, {
    Records: [
      record('m1', JSON.stringify(heartbeatEvent({ account: ACCOUNT, region: REGION, rule: RULE, time: old, intervalSeconds: 10_800 }))),
      record('m2', '{"source":"someone.else"}'),
    ],
  });
  expect(written).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
  const got = await moto.dynamo('GetItem', { TableName: table, Key: { pk: { S: sourceKey(ACCOUNT, REGION, RULE) } } });
  expect(fromDynamo(got.Item).lastSeen).toBe(old);

  const alarm = await createTopic('alarms');
  const pipeline = await createTopic('pipeline');
  const env = { [HEARTBEAT_ENV.TABLE_NAME]: table, [HEARTBEAT_ENV.ALARM_TOPIC_ARN]: alarm, [HEARTBEAT_ENV.PIPELINE_TOPIC_ARN]: pipeline };
  expect(await invoke(checker, env, {})).toBeNull();
  const after = fromDynamo((await moto.dynamo('GetItem', { TableName: table, Key: { pk: { S: sourceKey(ACCOUNT, REGION, RULE) } } })).Item);
  expect(after).toMatchObject({ state: LedgerState.SILENT, ver: 1, notified: { alarm: 1, pipeline: 1 } });
  // A publish that fails (a topic that does not exist) makes the run fail, so that its Errors alarm fires.
  await moto.dynamo('UpdateItem', {
    TableName: table,
    Key: { pk: { S: sourceKey(ACCOUNT, REGION, RULE) } },
    UpdateExpression: 'REMOVE notified_alarm',
  });
  const failing = await invoke(checker, { ...env, [HEARTBEAT_ENV.ALARM_TOPIC_ARN]: `${alarm}-gone` }, {});
  expect(failing.thrown).toMatch(/check incomplete: 1 report\(s\) not published/);
});

test('a checker with no table name fails its cold start (not a run that checks nothing)', async () => {
  const checker = bundle('heartbeat-checker').file;
  await expect(invoke(checker, {}, {})).rejects.toThrow(/HEARTBEAT_TABLE_NAME is not set/);
});
