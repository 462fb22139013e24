/**
 * Fault injection: the real Lambda bundle (assets/runtime/security-hub-forwarder.lambda/index.js), in its own
 * process per scenario, against the local Security Hub and STS stand-ins (securityhub-standin.ts, 127.0.0.1
 * only, started here; nothing calls AWS), with faults injected deterministically by call number.
 *
 * The faults, and the documented behaviour each reproduces:
 * a) Throttling on every other call of BatchImportFindings and of GetFindings, in turn HTTP 429
 *    LimitExceededException (BatchImportFindings API reference, Errors:
 *    https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html), HTTP 429
 *    TooManyRequestsException "Too Many Requests" (what Security Hub answers in practice when throttled, as
 *    reported for GetFindings in prowler-cloud/prowler#5004) and HTTP 400 ThrottlingException (Security Hub
 *    Common Errors: https://docs.aws.amazon.com/securityhub/1.0/APIReference/CommonErrors.html).
 * b) Server errors on every other call of both operations, in turn HTTP 500 InternalException (API reference,
 *    Errors), HTTP 500 InternalFailure and HTTP 503 ServiceUnavailable (Common Errors).
 * c) Connection resets: c1) on every other call of both operations the socket is destroyed as soon as the
 *    request's headers arrive (mid-request, nothing processed); c2) every other BatchImportFindings call is
 *    processed (findings stored) and then its connection destroyed, so that the answer is lost: the retry
 *    re-imports findings Security Hub already holds, which it ignores as not newer and still counts as successes
 *    (Security Hub user guide, BatchImportFindings for finding providers, "Determining whether to create or
 *    update a finding": https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html).
 * d) A BatchImportFindings answer held back beyond the request timeout that the runtime configures for its
 *    SDK clients (clients.ts, `requestHandler.requestTimeout`, read from the source below): the call is
 *    processed at once and answered late. The SDK gives up on the call at that timeout and the importer
 *    retries it; with @smithy/node-http-handler that needs `throwOnRequestTimeout: true` (this suite found it
 *    missing: the call used to wait for the late answer).
 *    d2) A call held beyond the function's timeout (scaled down to 8 s): Lambda ends an invocation at its timeout
 *    and the whole batch is delivered again (Lambda developer guide, below); the handler stops starting calls 5 s before
 *    its deadline and aborts a call still in flight 1 s before it (this suite found calls outliving the function).
 * e) Partial failure without an exception: HTTP 200 with FailedCount > 0 and FailedFindings entries {Id,
 *    ErrorCode, ErrorMessage} (API reference, Response elements; ImportFindingsError). Security Hub does not
 *    list its ErrorCode values for BatchImportFindings; the codes used are InternalFailure (Common Errors; the
 *    documented ErrorCode list of BatchUpdateFindings' UnprocessedFindings) and a throttling-like
 *    LimitExceeded. Some findings fail once, others on six calls in a row (the importer's six attempts).
 * f) Security Hub not enabled in one source account (SOURCE_ACCOUNT attribution): f1) every finding of the
 *    call in FailedFindings with ErrorCode InvalidAccess (Security Hub user guide, BatchImportFindings for
 *    finding providers); f2) the whole call refused with HTTP 401 InvalidAccessException (API reference,
 *    Errors). GetFindings of that account fails with 401 InvalidAccessException.
 * g) AssumeRole denied in one source account (SOURCE_ACCOUNT attribution): STS answers HTTP 403 AccessDenied
 *    "... is not authorized to perform: sts:AssumeRole on resource: ..." (STS AssumeRole API reference,
 *    https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html, and AWS re:Post knowledge
 *    center, https://repost.aws/knowledge-center/iam-assume-role-error).
 *
 * Each scenario sends one SQS batch of events (distinct failures, some followed by a later event of the same
 * protection, hence the same finding Id) and then simulates the queue: the records the handler returns in
 * batchItemFailures are delivered again, exactly those, with their receive count raised, until none is
 * returned or a record has been received maxReceiveCount times (read from the construct's synthesized
 * template), after which it goes to the dead-letter queue (Lambda developer guide, handling errors for an SQS
 * event source and partial batch responses: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html;
 * SQS developer guide, dead-letter queues). Checked for every scenario:
 * - the handler never throws and never takes its "return every record" path;
 * - nothing lost: every record that did not end in the dead-letter queue has its finding stored, at its
 *   event's UpdatedAt or later, under the account its attribution names;
 * - nothing duplicated: one stored finding per finding Id, and no record returned to SQS while the finding it
 *   carries was already stored (imported and returned);
 * - only the records of an account that cannot import end in the dead-letter queue; the others are imported.
 * The README table (block `faults`) is produced from these runs; `UPDATE_README=1` rewrites it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  callsBetween, CredentialRegistry, everyOtherCall, InjectedFault, SecurityHubStandIn, StsStandIn,
} from './securityhub-standin';
import { accountedFor, Container, ensureBundle, fixture, isolatedEnv, sqsRecord, variant } from './support';
import { SecurityHubFindingForwarder } from '../../src';
import { parseBackupEvent } from '../../src/runtime/event';
import { buildFinding } from '../../src/runtime/finding';
import { expectGeneratedBlock, markdownTable } from '../support/generated-block';

const FWD = '999999999999';
const HOME_REGION = 'eu-west-1';
const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const ROLE = 'BackupFindingsImporter';

/** The construct's queue and function, as deployed: maxReceiveCount and the function's timeout. */
function deployed(): { maxReceiveCount: number; functionTimeoutMs: number } {
  const stack = new Stack(new App(), 'Central', { env: { account: FWD, region: HOME_REGION } });
  new SecurityHubFindingForwarder(stack, 'Findings', { eventBus: new events.EventBus(stack, 'Bus') });
  const template = Template.fromStack(stack);
  const queues = Object.values(template.findResources('AWS::SQS::Queue')).filter((q: any) => q.Properties.RedrivePolicy !== undefined);
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));
  if (queues.length !== 1 || functions.length !== 1) throw new Error(`expected one queue with a redrive policy and one function, got ${queues.length} and ${functions.length}`);
  return {
    maxReceiveCount: (queues[0] as any).Properties.RedrivePolicy.maxReceiveCount,
    functionTimeoutMs: (functions[0] as any).Properties.Timeout * 1000,
  };
}

/** The SDK request timeout that clients.ts configures (a private constant there, so read from the source). */
function sdkRequestTimeoutMs(): number {
  const source = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'runtime', 'clients.ts'), 'utf8');
  const m = /requestTimeout:\s*([\d_]+)/.exec(source);
  if (!m) throw new Error('clients.ts configures no requestTimeout: fault d) needs a new reference point');
  return Number(m[1].replace(/_/g, ''));
}

const { maxReceiveCount: MAX_RECEIVE_COUNT, functionTimeoutMs: FUNCTION_TIMEOUT_MS } = deployed();
const REQUEST_TIMEOUT_MS = sdkRequestTimeoutMs();
/** How long fault d) holds an answer back: beyond the SDK's request timeout. */
const SLOW_ANSWER_MS = REQUEST_TIMEOUT_MS + 1_500;
/**
 * Fault d2): a function timeout scaled down from the construct's (so that the test does not wait two minutes),
 * and a call held beyond it. The handler stops starting calls 5 s before its deadline, so 8 s leave it 3 s.
 */
const SHORT_TIMEOUT_MS = 8_000;
const HUNG_MS = 10_000;

// ---------------------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------------------

/**
 * `distinct` failures of different protections in `account`, then `later` of them failing again an hour later
 * (same finding Id, later UpdatedAt), mixed into the batch: `distinct + later` events.
 */
function failures(account: string, distinct: number, later: number): Array<Record<string, any>> {
  const first = Array.from({ length: distinct }, (_, i) => {
    const base = fixture(i % 2 === 0 ? 'backup-failed' : 'copy-failed', account);
    return variant(base, {}, { resourceArn: `arn:aws:ec2:us-west-2:${account}:volume/vol-${String(i).padStart(4, '0')}` });
  });
  const again = first.slice(0, later).map((ev) => variant(ev, { time: new Date(Date.parse(ev.time) + 3_600_000).toISOString() }));
  // The later events among the first ones, every fourth position: the batch is not sorted by time.
  const out = [...first];
  again.forEach((ev, i) => out.splice(Math.min(out.length, 3 + i * 5), 0, ev));
  return out;
}

/** The finding an event becomes: its Id, UpdatedAt and the account that imports it. */
function findingOf(ev: Record<string, any>, mode: Mode): { id: string; updatedAt: string; account: string } {
  const parsed = parseBackupEvent(ev);
  const dest = mode === 'SOURCE_ACCOUNT'
    ? { partition: 'aws', accountId: parsed.account, region: parsed.region }
    : { partition: 'aws', accountId: FWD, region: HOME_REGION };
  const f = buildFinding(parsed, dest)!;
  return { id: f.Id!, updatedAt: f.UpdatedAt!, account: f.AwsAccountId! };
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios and the simulated queue
// ---------------------------------------------------------------------------------------------------------

type Mode = 'FORWARDER_ACCOUNT' | 'SOURCE_ACCOUNT';

interface Scenario {
  /** The row's label, a) to g). */
  readonly label: string;
  /** What is injected (the README's words). */
  readonly fault: string;
  /** The documented (or reported) behaviour it reproduces. */
  readonly reproduces: string;
  readonly mode: Mode;
  readonly events: Array<Record<string, any>>;
  /** Injects the fault. */
  readonly inject: (hub: SecurityHubStandIn, sts: StsStandIn) => void;
  /** A source account whose records can never be imported: they, and only they, end in the dead-letter queue. */
  readonly refusedAccount?: string;
  /** The function's timeout, when scaled down from the construct's. */
  readonly timeoutMs?: number;
}

interface Pass {
  readonly event: SQSEvent;
  readonly response: SQSBatchResponse;
  /** The records SQS delivers again: those in batchItemFailures, or the whole batch after a timeout. */
  readonly failed: Set<string>;
  /** The handler answered after the function's timeout: Lambda would have ended it and failed the whole batch. */
  readonly timedOut: boolean;
}

interface Outcome {
  readonly scenario: Scenario;
  readonly hub: SecurityHubStandIn;
  readonly sts: StsStandIn;
  readonly fn: Container;
  readonly passes: Pass[];
  readonly deadLetter: SQSRecord[];
  /** Message ids of records neither in the dead-letter queue nor with their finding stored. */
  readonly lost: string[];
  /** Extra stored findings of one Id, and records returned while their finding was stored. */
  readonly duplicated: string[];
  readonly durationMs: number;
}

const throttled = (status: number, code: string, message = 'Rate exceeded'): InjectedFault => ({ kind: 'error', status, code, message });

const SCENARIOS: Scenario[] = [
  {
    label: 'a',
    fault: 'throttling on every other BatchImportFindings and GetFindings call: 429 LimitExceededException, 429 TooManyRequestsException, '
      + '400 ThrottlingException in turn',
    reproduces: 'API reference Errors (LimitExceededException 429); Common Errors (ThrottlingException 400); TooManyRequestsException 429 as '
      + 'reported in practice (prowler-cloud/prowler#5004)',
    mode: 'FORWARDER_ACCOUNT',
    events: [...failures(A, 12, 3), ...failures(B, 12, 3)],
    inject: (hub) => {
      const plan = everyOtherCall(
        throttled(429, 'LimitExceededException'), throttled(429, 'TooManyRequestsException', 'Too Many Requests'), throttled(400, 'ThrottlingException'));
      hub.injectFaults('BatchImportFindings', plan);
      hub.injectFaults('GetFindings', plan);
    },
  },
  {
    label: 'b',
    fault: 'server errors on every other call of both operations: 500 InternalException, 500 InternalFailure, 503 ServiceUnavailable in turn',
    reproduces: 'API reference Errors (InternalException 500); Common Errors (InternalFailure 500, ServiceUnavailable 503)',
    mode: 'FORWARDER_ACCOUNT',
    events: [...failures(A, 12, 3), ...failures(B, 12, 3)],
    inject: (hub) => {
      const plan = everyOtherCall(
        { kind: 'error', status: 500, code: 'InternalException', message: 'Internal server error' },
        { kind: 'error', status: 500, code: 'InternalFailure', message: 'The request processing has failed because of an unknown error' },
        { kind: 'error', status: 503, code: 'ServiceUnavailable', message: 'The request has failed due to a temporary failure of the server' });
      hub.injectFaults('BatchImportFindings', plan);
      hub.injectFaults('GetFindings', plan);
    },
  },
  {
    label: 'c1',
    fault: 'connection reset mid-request (headers received, body unread, nothing processed) on every other call of both operations',
    reproduces: 'a network failure before the service acts: the SDK reports ECONNRESET / socket hang up, a transient error',
    mode: 'FORWARDER_ACCOUNT',
    events: [...failures(A, 12, 3), ...failures(B, 12, 3)],
    inject: (hub) => {
      hub.injectFaults('BatchImportFindings', everyOtherCall({ kind: 'reset', when: 'before' }));
      hub.injectFaults('GetFindings', everyOtherCall({ kind: 'reset', when: 'before' }));
    },
  },
  {
    label: 'c2',
    fault: 'connection reset after the call was processed (findings stored, answer lost) on every other BatchImportFindings call',
    reproduces: 'user guide, BatchImportFindings for finding providers: a re-import whose UpdatedAt is not later is ignored, so the retry '
      + 'of a call that did succeed must not duplicate',
    mode: 'FORWARDER_ACCOUNT',
    events: [...failures(A, 12, 3), ...failures(B, 12, 3)],
    inject: (hub) => hub.injectFaults('BatchImportFindings', everyOtherCall({ kind: 'reset', when: 'after' })),
  },
  {
    label: 'd',
    fault: `BatchImportFindings answered ${SLOW_ANSWER_MS / 1000} s late (processed at once), beyond the SDK requestTimeout of `
      + `${REQUEST_TIMEOUT_MS / 1000} s that clients.ts configures, on every other call`,
    reproduces: 'a slow or hung service; the client is meant to give up at its request timeout and retry (clients.ts CLIENT_OPTIONS)',
    mode: 'FORWARDER_ACCOUNT',
    events: [...failures(A, 12, 3), ...failures(B, 12, 3)],
    inject: (hub) => hub.injectFaults('BatchImportFindings', everyOtherCall({ kind: 'delay', ms: SLOW_ANSWER_MS, when: 'after' })),
  },
  {
    label: 'd2',
    fault: `the function has ${SHORT_TIMEOUT_MS / 1000} s to run (the construct's 120 s scaled down); the first BatchImportFindings call is `
      + `held ${HUNG_MS / 1000} s, then processed and answered`,
    reproduces: 'a call that outlives the invocation: Lambda ends a function at its timeout and the whole batch is delivered again '
      + '(Lambda developer guide, SQS error handling)',
    mode: 'FORWARDER_ACCOUNT',
    events: [...failures(A, 12, 3), ...failures(B, 12, 3)],
    timeoutMs: SHORT_TIMEOUT_MS,
    inject: (hub) => hub.injectFaults('BatchImportFindings', callsBetween(1, 1, { kind: 'delay', ms: HUNG_MS, when: 'before' })),
  },
  {
    label: 'e',
    fault: 'HTTP 200 with FailedCount > 0: 6 findings fail on the first call (InternalFailure), 4 others (2 of them with a later '
      + 'event in the batch) on the first 6 calls (InternalFailure, then LimitExceeded)',
    reproduces: 'API reference Response elements (FailedCount, FailedFindings: Id, ErrorCode, ErrorMessage); Common Errors (InternalFailure)',
    mode: 'FORWARDER_ACCOUNT',
    events: [...failures(A, 12, 3), ...failures(B, 12, 3)],
    inject: (hub) => {
      const idOf = (account: string, i: number) => findingOf(failures(account, i + 1, 0)[i], 'FORWARDER_ACCOUNT').id;
      // Volume 0 of each account has a later event in the batch (failures() repeats the first ones), volume 5 has not.
      const persistent = new Set([idOf(A, 0), idOf(B, 0), idOf(A, 5), idOf(B, 5)]);
      const once = new Set([6, 7, 8].flatMap((i) => [idOf(A, i), idOf(B, i)]));
      hub.injectFaults('BatchImportFindings', (call) => {
        if (call > 6) return undefined;
        return {
          kind: 'failFindings',
          code: call === 1 ? 'InternalFailure' : 'LimitExceeded',
          message: call === 1 ? 'Internal service failure' : 'Rate exceeded',
          select: (id) => persistent.has(id) || (call === 1 && once.has(id)),
        };
      });
    },
  },
  {
    label: 'f1',
    fault: 'Security Hub not enabled in source account B (SOURCE_ACCOUNT attribution): its findings in FailedFindings with ErrorCode InvalidAccess; '
      + 'GetFindings 401 InvalidAccessException',
    reproduces: 'Security Hub user guide, BatchImportFindings for finding providers (InvalidAccess where Security Hub is not enabled)',
    mode: 'SOURCE_ACCOUNT',
    events: [...failures(A, 12, 3), ...failures(B, 12, 3)],
    inject: (hub) => hub.disable(B, 'us-west-2', 'FailedFindings'),
    refusedAccount: B,
  },
  {
    label: 'f2',
    fault: 'Security Hub not enabled in source account B (SOURCE_ACCOUNT attribution): the whole call refused, 401 InvalidAccessException',
    reproduces: 'API reference Errors (InvalidAccessException 401)',
    mode: 'SOURCE_ACCOUNT',
    events: [...failures(A, 12, 3), ...failures(B, 12, 3)],
    inject: (hub) => hub.disable(B, 'us-west-2', 'InvalidAccessException'),
    refusedAccount: B,
  },
  {
    label: 'g',
    fault: 'AssumeRole of the member role denied in source account C (SOURCE_ACCOUNT attribution): 403 AccessDenied',
    reproduces: 'STS AssumeRole API reference and re:Post "AccessDenied when calling the AssumeRole operation" (no trust for the caller)',
    mode: 'SOURCE_ACCOUNT',
    events: [...failures(A, 12, 3), ...failures(C, 12, 3)],
    inject: () => undefined, // the STS stand-in only lets the forwarder assume roles in A and B
    refusedAccount: C,
  },
];

/** A record as SQS delivers it the `n`-th time. */
function received(record: SQSRecord, n: number): SQSRecord {
  return { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: String(n) } };
}

/**
 * Runs a scenario: fresh stand-ins, one container (the real bundle), the batch, then redelivery of exactly the
 * returned records until none is returned or they have been received maxReceiveCount times.
 */
async function run(scenario: Scenario): Promise<Outcome> {
  const started = Date.now();
  const registry = new CredentialRegistry();
  const forwarder = registry.longTerm(FWD);
  // A quota that never throttles by itself: every fault here is an injected one, by call number.
  const hub = new SecurityHubStandIn(registry, { ratePerSecond: 1000, burst: 1000, lookupRatePerSecond: 1000, lookupBurst: 1000 });
  const sts = new StsStandIn(registry);
  sts.allowRole(A, ROLE);
  sts.allowRole(B, ROLE);
  const hubUrl = await hub.start();
  const stsUrl = await sts.start();
  let fn: Container | undefined;
  try {
    fn = await Container.start(isolatedEnv({ region: HOME_REGION, credentials: forwarder, securityHubUrl: hubUrl, stsUrl }, {
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...(scenario.mode === 'SOURCE_ACCOUNT' ? { ATTRIBUTION_MODE: 'SOURCE_ACCOUNT', MEMBER_ROLE_NAME: ROLE } : {}),
    }));
    scenario.inject(hub, sts);

    const records = scenario.events.map((ev) => sqsRecord(ev));
    const expected = new Map(records.map((r, i) => [r.messageId, findingOf(scenario.events[i], scenario.mode)]));
    const storedVersion = (messageId: string) => {
      const want = expected.get(messageId)!;
      const stored = hub.finding(want.id);
      return stored !== undefined && stored.finding.AwsAccountId === want.account
        && Date.parse(stored.finding.UpdatedAt) >= Date.parse(want.updatedAt);
    };

    const passes: Pass[] = [];
    const deadLetter: SQSRecord[] = [];
    const duplicated: string[] = [];
    let pending = records;
    for (let receive = 1; pending.length > 0; receive++) {
      const event: SQSEvent = { Records: pending.map((r) => received(r, receive)) };
      const timeoutMs = scenario.timeoutMs ?? FUNCTION_TIMEOUT_MS;
      const invoked = Date.now();
      const response = await fn.invoke(event, FWD, HOME_REGION, timeoutMs);
      // The harness does not end a handler at its timeout as Lambda does: an answer after it counts as a timeout,
      // and a timed-out invocation fails its whole batch, which SQS delivers again (Lambda developer guide, above).
      const timedOut = Date.now() - invoked > timeoutMs;
      const failed = timedOut ? new Set(event.Records.map((r) => r.messageId)) : accountedFor(event, response).failed;
      passes.push({ event, response, failed, timedOut });
      // Imported and returned: SQS would deliver again a record whose finding Security Hub already holds.
      for (const id of failed) if (storedVersion(id)) duplicated.push(`returned although stored: ${expected.get(id)!.id}`);
      const again = pending.filter((r) => failed.has(r.messageId));
      // After maxReceiveCount receives, SQS moves a message to the dead-letter queue instead of delivering it again.
      deadLetter.push(...again.filter(() => receive >= MAX_RECEIVE_COUNT));
      pending = receive >= MAX_RECEIVE_COUNT ? [] : again;
    }

    const inDlq = new Set(deadLetter.map((r) => r.messageId));
    const lost = records.filter((r) => !inDlq.has(r.messageId) && !storedVersion(r.messageId)).map((r) => r.messageId);
    const perId = new Map<string, number>();
    for (const s of hub.findings()) perId.set(s.finding.Id, (perId.get(s.finding.Id) ?? 0) + 1);
    for (const [id, n] of perId) if (n > 1) duplicated.push(`${n} stored findings with Id ${id}`);
    return { scenario, hub, sts, fn, passes, deadLetter, lost, duplicated, durationMs: Date.now() - started };
  } finally {
    await fn?.stop();
    await hub.stop();
    await sts.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------------------

const outcomes = new Map<string, Outcome>();

function scenarioOf(label: string): Scenario {
  return SCENARIOS.find((s) => s.label === label)!;
}

/** Runs a scenario and checks the promises: nothing lost, nothing duplicated, no invocation past its timeout. */
async function runAndCheck(label: string): Promise<Outcome> {
  const o = await run(scenarioOf(label));
  outcomes.set(label, o);
  const s = o.scenario;
  // The handler never threw (invoke() would have), nor fell back to returning a whole batch.
  expect(o.fn.output.logs('batch failed; returning every record for retry')).toEqual([]);
  expect(o.lost).toEqual([]);
  expect(o.duplicated).toEqual([]);
  expect(o.passes.filter((p) => p.timedOut)).toEqual([]);
  // Exactly the records of an account that cannot import end in the dead-letter queue.
  const refused = (r: SQSRecord) => s.refusedAccount !== undefined && JSON.parse(r.body).account === s.refusedAccount;
  const records = o.passes[0].event.Records;
  expect(o.deadLetter.map((r) => r.messageId).sort()).toEqual(records.filter(refused).map((r) => r.messageId).sort());
  const importable = s.events.filter((ev) => ev.account !== s.refusedAccount);
  expect(o.hub.findings().map((f) => f.finding.Id).sort()).toEqual([...new Set(importable.map((ev) => findingOf(ev, s.mode).id))].sort());
  return o;
}

const faultedImports = (o: Outcome) => o.hub.calls.filter((c) => c.fault !== undefined || c.status !== 200 || c.failedFindings > 0).length;

beforeAll(() => {
  ensureBundle();
});

describe('fault injection against the Security Hub stand-in: nothing lost, nothing duplicated', () => {
  test('the reference points: the construct redrives after 5 receives, the function runs 2 minutes, the SDK request timeout is 20 s', () => {
    // If one of these changes, the table below changes with it (UPDATE_README=1 to rewrite it).
    expect(MAX_RECEIVE_COUNT).toBe(5);
    expect(FUNCTION_TIMEOUT_MS).toBe(120_000);
    expect(REQUEST_TIMEOUT_MS).toBe(20_000);
  });

  test.each(['a', 'b', 'c1'])('%s) transient faults on every other call of both operations are absorbed by the retries: all imported on the first pass', async (label) => {
    const o = await runAndCheck(label);
    expect(o.passes.length).toBe(1);
    expect(o.passes[0].failed.size).toBe(0);
    // The faults were really injected, into both operations, and the import retried once.
    expect(o.hub.faultLog.some((f) => f.operation === 'GetFindings')).toBe(true);
    expect(o.hub.calls.map((c) => c.fault ?? 'none')).toEqual([label === 'c1' ? 'reset' : 'error', 'none']);
  });

  test('c2) an import that succeeded but whose answer was lost is retried, and the re-import is ignored: one finding each', async () => {
    const o = await runAndCheck('c2');
    expect(o.passes.length).toBe(1);
    expect(o.passes[0].failed.size).toBe(0);
    expect(o.hub.faultLog.map((f) => [f.call, f.answered])).toEqual([[1, false]]);
    // The second call re-imported every finding; Security Hub ignored them as not newer.
    expect(o.hub.findings().every((f) => f.ignoredUpdates === 1 && f.history.length === 1)).toBe(true);
  });

  test('d) an answer slower than the SDK request timeout: nothing lost or duplicated', async () => {
    const o = await runAndCheck('d');
    expect(o.passes.length).toBe(1);
    expect(o.passes[0].failed.size).toBe(0);
    expect(o.hub.faultLog.map((f) => f.call)).toEqual([1]);
  }, 90_000);

  // Found by this suite (fixed in src/runtime/clients.ts): `requestTimeout` alone only made @smithy/node-http-handler
  // log "[WARN] a request has exceeded the configured 20000 ms requestTimeout"; the call was not given up, and a
  // hung connection held the invocation until the Lambda timeout. `throwOnRequestTimeout: true` makes it an error.
  test('d) the SDK gives up on the call at its request timeout and the importer retries it', () => {
    const o = outcomes.get('d');
    expect(o).toBeDefined();
    // The slow answer was never taken (the caller left before it was due), and a second call carried the findings.
    expect(o!.hub.faultLog.map((f) => f.answered === true)).toEqual([false]);
    expect(o!.hub.calls.length).toBe(2);
    expect(o!.hub.calls[1].status).toBe(200);
  });

  test('d2) a call held past the function\'s timeout: nothing lost', async () => {
    // The held call is aborted a second before the function's timeout: the handler answers in time and returns
    // the records of that call, which are imported on redelivery.
    const o = await runAndCheck('d2');
    expect(o.hub.faultLog.map((f) => f.call)).toEqual([1]);
  });

  // Found by this suite (fixed in src/runtime/security-hub-forwarder.lambda.ts and clients.ts): a call in flight was
  // bounded neither by the Lambda's remaining time (the handler only stopped *starting* calls 5 s before it) nor by
  // the request timeout (20 s, longer than that margin). Calls now carry an abort signal set a second before the
  // function's timeout.
  test('d2) the handler answers within the function\'s timeout, returning only what it could not import', () => {
    const o = outcomes.get('d2');
    expect(o).toBeDefined();
    expect(o!.passes[0].timedOut).toBe(false);
    expect(o!.duplicated).toEqual([]);
  });

  test('e) partial FailedFindings: transient ones retried in the invocation; those failing past the attempts returned, imported on redelivery', async () => {
    const o = await runAndCheck('e');
    expect(o.passes.length).toBe(2);
    // The 4 persistent findings, and the 2 earlier events behind the two of them that have a later event.
    expect(o.passes[0].failed.size).toBe(6);
    expect(o.passes[1].failed.size).toBe(0);
    expect(o.hub.calls.map((c) => c.failedFindings)).toEqual([10, 4, 4, 4, 4, 4, 0]);
    expect(o.fn.output.logs('import failed').map((l) => l.errorCode)).toEqual(Array(6).fill('LimitExceeded'));
  });

  test.each(['f1', 'f2', 'g'])('%s) one source account cannot import: its records go to the dead-letter queue after maxReceiveCount, the others are imported',
    async (label) => {
      const o = await runAndCheck(label);
      const refused = o.passes[0].event.Records.filter((r) => JSON.parse(r.body).account === o.scenario.refusedAccount).length;
      expect(refused).toBe(15);
      expect(o.passes.length).toBe(MAX_RECEIVE_COUNT);
      for (const p of o.passes) expect(p.failed.size).toBe(refused);
      expect(o.hub.findings().every((f) => f.finding.AwsAccountId === A)).toBe(true);
      if (label === 'g') {
        // Never imported as the forwarder or anyone else: STS refused, nothing reached Security Hub for C.
        expect(o.hub.calls.every((c) => c.account === A)).toBe(true);
        expect(o.sts.assumeRoleCalls.get(C)).toBeGreaterThanOrEqual(MAX_RECEIVE_COUNT);
      } else {
        expect(o.hub.calls.filter((c) => c.account === B).map((c) => c.errorCode ?? `FailedCount ${c.failedFindings}`))
          .toEqual(Array(MAX_RECEIVE_COUNT).fill(label === 'f1' ? 'FailedCount 12' : 'InvalidAccessException'));
      }
    });

  test('README table', () => {
    expect([...outcomes.keys()].sort()).toEqual(SCENARIOS.map((s) => s.label).sort());
    const header = [
      'Fault injected', 'Reproduces', 'Events in', 'Findings stored', 'Returned to SQS, 1st pass', 'Invocations until settled',
      'Left for the DLQ', 'Lost', 'Duplicated (a finding stored twice, or a record returned though imported)', 'BatchImportFindings calls (faulted)',
    ];
    const rows = SCENARIOS.map((s) => {
      const o = outcomes.get(s.label)!;
      return [
        `${s.label}) ${s.fault}`,
        s.reproduces,
        String(s.events.length),
        String(o.hub.findings().length),
        `${o.passes[0].failed.size}${o.passes[0].timedOut ? ' (timed out: the whole batch)' : ''}`,
        String(o.passes.length),
        String(o.deadLetter.length),
        String(o.lost.length),
        String(o.duplicated.length),
        `${o.hub.calls.length} (${faultedImports(o)})`,
      ];
    });
    expectGeneratedBlock('faults', markdownTable(header, rows));
  });
});
