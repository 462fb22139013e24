/**
 * A small signed client for the two calls the heartbeat functions make: DynamoDB (JSON 1.0 protocol) and SNS
 * Publish (query protocol), signed with Signature Version 4 by AWS's own signer (`@smithy/signature-v4`, which
 * the AWS SDK v3 clients use), with the function's credentials from its environment (Lambda sets
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN).
 *
 * Why not `@aws-sdk/client-dynamodb` and `@aws-sdk/client-sns`: they are not dependencies of the library yet,
 * and the calls used are few and stable. Everything here is behind `DynamoDbCall` and `Publish`, so swapping in
 * the SDK clients later touches this file only.
 *
 * Endpoints: `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL_SNS` (the SDK's own variable names) when set,
 * else the Regional endpoint of the partition (`amazonaws.com`, `amazonaws.com.cn` in China).
 */
import { createHash, createHmac } from 'crypto';
// Bundled into the Lambda asset by esbuild (a dependency of the AWS SDK v3 clients); the library never loads it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 (and HMAC-SHA-256 with a secret) for the signer, on Node.js's crypto. */
export class Sha256 {
  private readonly hash;
  constructor(secret?: unknown) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret as Uint8Array);
  }
  public update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  public async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  public reset(): void {
    // The signer creates a new hash per use.
  }
}

/** An AWS error response: its code (`ConditionalCheckFailedException`, `ThrottlingException`, ...) and HTTP status. */
export class AwsCallError extends Error {
  constructor(public readonly code: string, public readonly status: number, message: string) {
    super(`${code}: ${message}`);
    this.name = 'AwsCallError';
  }
}

/** Whether `err` is DynamoDB's ConditionalCheckFailedException. */
export function isConditionFailed(err: unknown): boolean {
  return err instanceof AwsCallError && err.code === 'ConditionalCheckFailedException';
}

/** One DynamoDB operation (`UpdateItem`, `Scan`, ...) with its JSON input; resolves to its JSON output. */
export type DynamoDbCall = (operation: string, input: Record<string, unknown>) => Promise<Record<string, any>>;

/** SNS Publish of a text message with a subject. */
export type Publish = (topicArn: string, subject: string, message: string) => Promise<void>;

interface ClientEnv {
  readonly region: string;
  readonly endpoint?: string;
  readonly timeoutMs?: number;
}

function endpointOf(service: string, region: string, override?: string): URL {
  if (override !== undefined && override !== '') return new URL(override);
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://${service}.${region}.${suffix}`);
}

function signer(service: string, region: string): SignatureV4 {
  return new SignatureV4({
    service,
    region,
    sha256: Sha256 as any,
    // Read per request: Lambda's environment credentials are those of the function's role.
    credentials: async () => {
      const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
      const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
      if (!accessKeyId || !secretAccessKey) throw new Error('no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
      return { accessKeyId, secretAccessKey, sessionToken: process.env.AWS_SESSION_TOKEN || undefined };
    },
  });
}

async function send(service: string, env: ClientEnv, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  const url = endpointOf(service, env.region, env.endpoint);
  const request = {
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname === '' ? '/' : url.pathname,
    query: {},
    headers: { ...headers, host: url.host },
    body,
  };
  const signed: { headers: Record<string, string> } = await signer(service, env.region).sign(request as any) as any;
  const { host: _host, ...sendHeaders } = signed.headers;
  const response = await fetch(url, {
    method: 'POST',
    headers: sendHeaders,
    body,
    signal: AbortSignal.timeout(env.timeoutMs ?? 10_000),
  });
  return { status: response.status, text: await response.text() };
}

/** A DynamoDB client of the function's Region. */
export function dynamoDb(env: ClientEnv = { region: process.env.AWS_REGION ?? '', endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB }): DynamoDbCall {
  return async (operation, input) => {
    const { status, text } = await send('dynamodb', env, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
    }, JSON.stringify(input));
    const body = text === '' ? {} : JSON.parse(text);
    if (status >= 300) {
      const type = String(body.__type ?? `HTTP${status}`);
      throw new AwsCallError(type.slice(type.lastIndexOf('#') + 1), status, String(body.message ?? body.Message ?? text.slice(0, 300)));
    }
    return body;
  };
}

/** An SNS client of the function's Region. */
export function sns(env: ClientEnv = { region: process.env.AWS_REGION ?? '', endpoint: process.env.AWS_ENDPOINT_URL_SNS }): Publish {
  return async (topicArn, subject, message) => {
    const form = new URLSearchParams({ Action: 'Publish', Version: '2010-03-31', TopicArn: topicArn, Subject: subject, Message: message });
    // A topic in another Region of the account is published to in its own Region.
    const region = topicArn.split(':')[3] || env.region;
    const { status, text } = await send('sns', { ...env, region }, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, form.toString());
    if (status >= 300) {
      const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP${status}`;
      const msg = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 300);
      throw new AwsCallError(code, status, msg);
    }
  };
}

/** Security Hub BatchImportFindings (at most 100 findings): resolves to the ids that failed. */
export type ImportFindings = (findings: Array<Record<string, unknown>>) => Promise<string[]>;

/** A Security Hub client of the function's Region (REST-JSON, POST /findings/import). */
export function securityHub(env: ClientEnv = { region: process.env.AWS_REGION ?? '', endpoint: process.env.AWS_ENDPOINT_URL_SECURITYHUB }): ImportFindings {
  return async (findings) => {
    const url = endpointOf('securityhub', env.region, env.endpoint);
    const { status, text } = await send('securityhub', { ...env, endpoint: `${url.origin}/findings/import` },
      { 'content-type': 'application/json' }, JSON.stringify({ Findings: findings }));
    const body = text === '' ? {} : JSON.parse(text);
    if (status >= 300) {
      throw new AwsCallError(String(body.Code ?? body.__type ?? `HTTP${status}`), status, String(body.Message ?? body.message ?? text.slice(0, 300)));
    }
    return (body.FailedFindings ?? []).map((f: { Id?: string }) => String(f.Id));
  };
}
