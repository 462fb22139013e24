/**
 * The heartbeat functions' AWS calls, on the AWS SDK v3 clients: DynamoDB (`UpdateItem`, `Scan`, `GetItem`,
 * `PutItem`), SNS `Publish` and Security Hub `BatchImportFindings`. Each factory creates its client once; the
 * Lambda entries call the factories at module scope, so a container makes one client per service (and one SNS
 * client per Region it publishes to) and reuses it, with its connections, in every invocation.
 *
 * Everything the rest of the runtime sees goes through `DynamoDbCall`, `Publish` and `ImportFindings`, so the
 * store, the run and the tests' fault injection do not depend on the SDK.
 *
 * Endpoints: the SDK's own resolution. Without an `endpoint` here it honours `AWS_ENDPOINT_URL_DYNAMODB`,
 * `AWS_ENDPOINT_URL_SNS`, `AWS_ENDPOINT_URL_SECURITYHUB` (then `AWS_ENDPOINT_URL`, then the shared config's
 * `endpoint_url`), else the Regional endpoint of the partition (@smithy/core getEndpointUrlConfig, service ids
 * "DynamoDB", "SNS", "SecurityHub"). Credentials and Region: the SDK's default chain (Lambda's environment).
 */
// The runtime dependencies below are bundled into the Lambda asset by esbuild; the library never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
// eslint-disable-next-line import/no-extraneous-dependencies
import { AwsSecurityFinding, BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
// eslint-disable-next-line import/no-extraneous-dependencies
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

/** Whether `err` is DynamoDB's ConditionalCheckFailedException (the SDK's error `name` is the service's code). */
export function isConditionFailed(err: unknown): boolean {
  return (err as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** One DynamoDB operation (`UpdateItem`, `Scan`, ...) with its input (DynamoDB JSON attribute values); resolves to its output. */
export type DynamoDbCall = (operation: string, input: Record<string, unknown>) => Promise<Record<string, any>>;

/** SNS Publish of a text message with a subject (none when it is empty: chat notifications have none). */
export type Publish = (topicArn: string, subject: string, message: string) => Promise<void>;

/** Security Hub BatchImportFindings (at most 100 findings): resolves to the ids that failed. */
export type ImportFindings = (findings: Array<Record<string, unknown>>) => Promise<string[]>;

/** Where and how a client calls. */
export interface ClientEnv {
  /** @default the SDK's (AWS_REGION in Lambda) */
  readonly region?: string;
  /** @default the SDK's resolution (AWS_ENDPOINT_URL_<SERVICE>, ..., the Regional endpoint) */
  readonly endpoint?: string;
  /**
   * Longest time one call may take, retries included: it is then aborted. Not longer than the checker's
   * safety margin (heartbeat-checker.lambda.ts), so that a call started just before its deadline ends before
   * the function's timeout. @default 10 s
   */
  readonly timeoutMs?: number;
}

const CALL_TIMEOUT_MS = 10_000;

/**
 * The client options of the forwarder's clients (src/runtime/clients.ts), but for the retries: there the
 * importer retries with pacing itself, so the SDK must not; here nothing above the call retries within a run,
 * and every heartbeat call is safe to repeat (conditional writes, a publish at most duplicated), so the SDK's
 * standard retries (throttling, 5xx, network errors) are kept, bounded by the per-call abort (`timeoutMs`).
 */
const CLIENT_OPTIONS = {
  maxAttempts: 3,
  // Without throwOnRequestTimeout, @smithy/node-http-handler only logs a warning at requestTimeout and keeps
  // waiting (test/runtime/faults.test.ts, fault d). requestTimeout is the socket's idle time; timeoutMs bounds the call.
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 8_000, throwOnRequestTimeout: true },
};

function clientConfig(env: ClientEnv, region?: string) {
  const r = region ?? env.region;
  return {
    ...CLIENT_OPTIONS,
    ...(r === undefined || r === '' ? {} : { region: r }),
    ...(env.endpoint === undefined || env.endpoint === '' ? {} : { endpoint: env.endpoint }),
  };
}

/** The abort signal of one call: aborted `timeoutMs` after it started, whatever the SDK is doing then. */
function bounded(env: ClientEnv): { abortSignal: AbortSignal } {
  return { abortSignal: AbortSignal.timeout(env.timeoutMs ?? CALL_TIMEOUT_MS) };
}

/** The DynamoDB operations the ledger uses, by name. */
type DynamoDbCommand = UpdateItemCommand | ScanCommand | GetItemCommand | PutItemCommand;
const DYNAMODB_COMMANDS: Record<string, (input: any) => DynamoDbCommand> = {
  UpdateItem: (input) => new UpdateItemCommand(input),
  Scan: (input) => new ScanCommand(input),
  GetItem: (input) => new GetItemCommand(input),
  PutItem: (input) => new PutItemCommand(input),
};

/** A DynamoDB client of the function's Region, created now and reused by every call. */
export function dynamoDb(env: ClientEnv = {}): DynamoDbCall {
  const client = new DynamoDBClient(clientConfig(env));
  return async (operation, input) => {
    const command = Object.prototype.hasOwnProperty.call(DYNAMODB_COMMANDS, operation) ? DYNAMODB_COMMANDS[operation] : undefined;
    if (command === undefined) throw new Error(`DynamoDB operation ${operation} is not one the heartbeat ledger uses`);
    const { $metadata: _metadata, ...output } = await client.send(command(input) as any, bounded(env)) as Record<string, any>;
    return output;
  };
}

/**
 * An SNS publisher. A topic in another Region of the account is published to in its own Region (one client per
 * Region, created at its first publish); the function's Region has its client from the start.
 */
export function sns(env: ClientEnv = {}): Publish {
  const homeRegion = env.region || process.env.AWS_REGION;
  const home = new SNSClient(clientConfig(env));
  const byRegion = new Map<string, SNSClient>();
  const clientFor = (region: string | undefined): SNSClient => {
    if (region === undefined || region === '' || region === homeRegion) return home;
    let client = byRegion.get(region);
    if (client === undefined) {
      client = new SNSClient(clientConfig(env, region));
      byRegion.set(region, client);
    }
    return client;
  };
  return async (topicArn, subject, message) => {
    await clientFor(topicArn.split(':')[3]).send(new PublishCommand({ TopicArn: topicArn, ...(subject === '' ? {} : { Subject: subject }), Message: message }), bounded(env));
  };
}

/** A Security Hub client of the function's Region, created now and reused by every call. */
export function securityHub(env: ClientEnv = {}): ImportFindings {
  const client = new SecurityHubClient(clientConfig(env));
  return async (findings) => {
    const out = await client.send(new BatchImportFindingsCommand({ Findings: findings as unknown as AwsSecurityFinding[] }), bounded(env));
    return (out.FailedFindings ?? []).map((f) => String(f.Id));
  };
}
