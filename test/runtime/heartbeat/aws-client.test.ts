/**
 * The heartbeat's SDK clients on the wire, against a bare HTTP server on 127.0.0.1 that records what arrives
 * (moto answers correctly; this one misbehaves on purpose): the endpoint comes from AWS_ENDPOINT_URL_<SERVICE>
 * when none is given, a topic in another Region is published to in that Region, a 5xx is retried by the SDK
 * (3 attempts), and a call whose answer never comes is aborted at `timeoutMs`, retries included.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { dynamoDb, securityHub, sns } from '../../../src/runtime/heartbeat/aws-client';

interface Seen { target?: string; authorization?: string; body: string }

let server: http.Server;
let url: string;
let seen: Seen[] = [];
let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;

const ENV = ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SNS', 'AWS_ENDPOINT_URL_SECURITYHUB', 'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION'];
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  for (const k of ENV) saved[k] = process.env[k];
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAHEARTBEATTEST000', AWS_SECRET_ACCESS_KEY: 'not-a-secret', AWS_REGION: 'eu-west-1' });
  delete process.env.AWS_SESSION_TOKEN;
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({ target: req.headers['x-amz-target'] as string | undefined, authorization: req.headers.authorization, body });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
  answer = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end('{}');
  };
});

const scope = (s: Seen) => /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\//.exec(s.authorization ?? '')?.slice(1);

test('without an endpoint, DynamoDB calls go to AWS_ENDPOINT_URL_DYNAMODB, signed for dynamodb in the function\'s Region', async () => {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = url;
  try {
    const call = dynamoDb();
    await call('GetItem', { TableName: 't', Key: { pk: { S: 'a#b#c' } } });
  } finally {
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  }
  expect(seen).toHaveLength(1);
  expect(seen[0].target).toBe('DynamoDB_20120810.GetItem');
  expect(JSON.parse(seen[0].body)).toEqual({ TableName: 't', Key: { pk: { S: 'a#b#c' } } });
  expect(scope(seen[0])).toEqual(['eu-west-1', 'dynamodb']);
});

test('only the ledger\'s DynamoDB operations are offered', async () => {
  await expect(dynamoDb({ endpoint: url })('DeleteTable', { TableName: 't' })).rejects.toThrow(/DeleteTable is not one the heartbeat ledger uses/);
  expect(seen).toHaveLength(0);
});

test('without an endpoint, SNS goes to AWS_ENDPOINT_URL_SNS; a topic in another Region is published to in its Region', async () => {
  answer = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end('<PublishResponse><PublishResult><MessageId>m</MessageId></PublishResult></PublishResponse>');
  };
  process.env.AWS_ENDPOINT_URL_SNS = url;
  try {
    const publish = sns();
    await publish('arn:aws:sns:eu-west-1:123456789012:alarms', 'subject', 'text');
    await publish('arn:aws:sns:us-east-1:123456789012:pipeline', 'subject', 'text');
  } finally {
    delete process.env.AWS_ENDPOINT_URL_SNS;
  }
  expect(seen.map(scope)).toEqual([['eu-west-1', 'sns'], ['us-east-1', 'sns']]);
  expect(new URLSearchParams(seen[1].body).get('TopicArn')).toBe('arn:aws:sns:us-east-1:123456789012:pipeline');
});

test('Security Hub: the ids of FailedFindings are returned', async () => {
  answer = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ SuccessCount: 1, FailedCount: 1, FailedFindings: [{ Id: 'f2', ErrorCode: 'InvalidInput', ErrorMessage: 'x' }] }));
  };
  const failed = await securityHub({ endpoint: url })([{ Id: 'f1' }, { Id: 'f2' }]);
  expect(failed).toEqual(['f2']);
  expect(JSON.parse(seen[0].body).Findings.map((f: any) => f.Id)).toEqual(['f1', 'f2']);
});

test('a 5xx is retried by the SDK, 3 attempts in all, then thrown with the service\'s code', async () => {
  answer = (_req, res) => {
    res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected' }));
  };
  await expect(dynamoDb({ endpoint: url })('UpdateItem', { TableName: 't', Key: { pk: { S: 'p' } } }))
    .rejects.toMatchObject({ name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
  expect(seen).toHaveLength(3);
});

test('an answer that never comes is aborted at timeoutMs (retries included), not left to the Lambda timeout', async () => {
  answer = () => undefined; // never answers
  const started = Date.now();
  await expect(dynamoDb({ endpoint: url, timeoutMs: 700 })('Scan', { TableName: 't' })).rejects.toMatchObject({ name: expect.stringMatching(/Abort|Timeout/) });
  const took = Date.now() - started;
  expect(took).toBeGreaterThanOrEqual(650);
  expect(took).toBeLessThan(3_000);
});
