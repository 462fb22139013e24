/**
 * Local stand-ins for the parts of AWS Security Hub (CSPM) and AWS STS that the forwarder uses, served over
 * HTTP on 127.0.0.1 (random port) so that the real AWS SDK clients talk to them through the standard
 * endpoint variables (AWS_ENDPOINT_URL_SECURITYHUB, AWS_ENDPOINT_URL_STS). Nothing here calls AWS.
 *
 * Security Hub behaviours reproduced (BatchImportFindings, REST-JSON: POST /findings/import,
 * body {Findings:[...]} -> {FailedCount, SuccessCount, FailedFindings:[{Id, ErrorCode, ErrorMessage}]}):
 * - The caller's account is the account of the access key id in the SigV4 `Authorization` header (each test
 *   credential set is registered with its account); the Region is the credential scope's Region. Unknown
 *   keys get 403 UnrecognizedClientException; temporary keys need their session token and expire.
 * - Only the account named in `AwsAccountId` may import through the default product ARN
 *   `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`. Mirrored as observed in
 *   practice (AWS Support's answer in prowler-cloud/prowler#867, and #618 for another Region's product ARN):
 *   one finding whose `AwsAccountId` or product ARN account is not the caller's, or whose product ARN Region
 *   is not the endpoint's, fails the WHOLE call with HTTP 403 AccessDeniedException "... is not authorized to
 *   perform: securityhub:BatchImportFindings on resource: <ProductArn>", not a FailedFindings entry. This is
 *   the stricter of the two readings: a forwarder that mixes accounts loses its whole batch.
 * - At most 100 findings per call, else HTTP 400 InvalidInputException (no finding imported); at most 6 MB
 *   per request body, likewise.
 * - Per-finding validation, reported in FailedFindings with ErrorCode `InvalidInput` while the rest of the
 *   call succeeds: required attributes (SchemaVersion, Id, ProductArn, GeneratorId, AwsAccountId, Types,
 *   CreatedAt, UpdatedAt, Severity, Title, Description, Resources); AwsAccountId exactly 12 digits; Id and
 *   GeneratorId <= 512, Title <= 256, Description <= 1024 characters; Types in the documented namespaces;
 *   Resources 1..32, each with Type and Id; ProductFields <= 50 pairs (key <= 128, value <= 2048);
 *   Resources[].Details.Other <= 50 pairs (key < 128, value < 1024); no empty or whitespace-only string
 *   anywhere; no unpaired UTF-16 surrogate (invalid Unicode); RecordState ACTIVE or ARCHIVED; a finding
 *   over 240 KB.
 * - Same (ProductArn, Id) = same finding. A re-import whose `UpdatedAt` is not strictly later than the
 *   stored one is ignored, and still counted in SuccessCount, as Security Hub does.
 * - Throttling: a token bucket per account and Region, 10 requests/s with a burst of 30 (configurable);
 *   when empty, HTTP 429 ThrottlingException and nothing is imported.
 * - Security Hub not enabled in an account and Region (`disable()`): every finding of the call is returned in
 *   FailedFindings with ErrorCode `InvalidAccess` (the user guide, "BatchImportFindings for finding providers"),
 *   or, with `disable(account, region, 'InvalidAccessException')`, the whole call fails with HTTP 401
 *   InvalidAccessException (BatchImportFindings API reference, Errors: "the account doesn't have permission").
 * - Injected faults: fail the next N calls with a status (default 500 InternalException); report chosen Ids
 *   in FailedFindings with a chosen error code, for a number of calls.
 * - Fault plans (`injectFaults(operation, plan)`), deterministic by call number (the n-th authenticated call
 *   of BatchImportFindings, or of GetFindings, each counted on its own), for fault-injection tests:
 *   an error answer (any status and error code, e.g. 429 LimitExceededException or 500 InternalException from
 *   the API reference's Errors, 400 ThrottlingException from Common Errors), a connection reset (the socket is
 *   destroyed as soon as the request's headers arrive, its body unread and nothing processed; or after the
 *   call was processed, so that the findings are stored and the answer is lost), an answer held back (after or
 *   before processing; the stand-in notes whether the caller was still connected to receive it), and a 200
 *   answer with chosen findings in FailedFindings (`FailedCount` > 0) while the others are imported.
 *   `faultLog` lists every fault injected.
 * GetFindings (POST /findings) as the forwarder uses it: `Filters.Id` and `Filters.RecordState` with EQUALS,
 * at most 20 values per attribute (API reference, AwsSecurityFindingFilters); only the caller's findings in
 * the endpoint's Region; a quota of its own, 3 requests/s with a burst of 6 (API reference, "Welcome");
 * InvalidAccessException (401) where Security Hub is not enabled; injected faults.
 * Not reproduced: SigV4 signature verification (only the key id and session token are checked), the
 * schemas of the optional ASFF objects, Workflow status changes.
 *
 * STS behaviours reproduced (AssumeRole, query protocol: form-encoded POST, XML response): the caller must be
 * a registered key; the role must have been provisioned with `allowRole(account, roleName)`, else HTTP 403
 * AccessDenied; success issues fresh temporary credentials of the role's account (key id -> account is
 * registered, so Security Hub sees the member account) with `DurationSeconds` validity.
 */
import { randomBytes, randomUUID } from 'crypto';
import * as http from 'http';
import { AddressInfo } from 'net';

/** A credential set the stand-ins recognise. */
export interface TestCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly account: string;
  readonly expiresAt?: number;
}

/** Access key id -> account: how both stand-ins know who is calling. */
export class CredentialRegistry {
  private readonly byKey = new Map<string, TestCredentials>();

  /** Registers a long-term key for `account` (for example the forwarder's own role). */
  public longTerm(account: string, accessKeyId = `AKIA${account}TEST`): TestCredentials {
    const c: TestCredentials = { accessKeyId, secretAccessKey: `secret-${account}`, account };
    this.byKey.set(accessKeyId, c);
    return c;
  }

  /** Issues temporary credentials of `account`, valid for `seconds`. */
  public temporary(account: string, seconds: number): TestCredentials {
    const c: TestCredentials = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(32).toString('base64'),
      account,
      expiresAt: Date.now() + seconds * 1000,
    };
    this.byKey.set(c.accessKeyId, c);
    return c;
  }

  public lookup(accessKeyId: string): TestCredentials | undefined {
    return this.byKey.get(accessKeyId);
  }
}

interface Caller {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
}

/** Reads the key id and credential scope of a SigV4 `Authorization` header. */
function callerOf(req: http.IncomingMessage): Caller | undefined {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(req.headers.authorization ?? ''));
  return m ? { accessKeyId: m[1], region: m[2], service: m[3] } : undefined;
}

/** Checks the caller's key and session token; returns the credentials or an error to send. */
function authenticate(registry: CredentialRegistry, req: http.IncomingMessage):
{ creds: TestCredentials; caller: Caller } | { status: number; code: string; message: string } {
  const caller = callerOf(req);
  if (!caller) return { status: 403, code: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const creds = registry.lookup(caller.accessKeyId);
  if (!creds) return { status: 403, code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  if (creds.sessionToken !== undefined && req.headers['x-amz-security-token'] !== creds.sessionToken) {
    return { status: 403, code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  }
  if (creds.expiresAt !== undefined && Date.now() >= creds.expiresAt) {
    return { status: 403, code: 'ExpiredTokenException', message: 'The security token included in the request is expired' };
  }
  return { creds, caller };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A simple token bucket, deliberately independent of the forwarder's pacer. */
class Quota {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly rate: number, private readonly burst: number) {
    this.tokens = burst;
  }
  public take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

abstract class StandInServer {
  private server?: http.Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Starts listening on 127.0.0.1 and returns the endpoint URL. */
  public async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ Message: String(err) }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stops the server and drops kept-alive connections. */
  public async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Answers still held back are dropped with their connections.
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Runs `fn` after `ms`, unless the server stops first. */
  protected later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
}

/** A finding as stored, with its import history. */
export interface StoredFinding {
  readonly finding: Record<string, any>;
  /** The accepted versions, oldest first: UpdatedAt and RecordState of each. */
  readonly history: Array<{ updatedAt: string; recordState: string }>;
  /** Re-imports ignored because their UpdatedAt was not later. */
  ignoredUpdates: number;
}

/** One BatchImportFindings call as the stand-in saw it. */
export interface CallRecord {
  readonly account?: string;
  readonly region?: string;
  readonly findings: number;
  readonly status: number;
  readonly errorCode?: string;
  readonly failedFindings: number;
  readonly accountIds: string[];
  /** The kind of fault injected into this call by a fault plan, if any. */
  readonly fault?: InjectedFault['kind'];
}

/** One GetFindings call as the stand-in saw it. */
export interface LookupRecord {
  readonly account: string;
  readonly region: string;
  readonly ids: number;
  readonly status: number;
  readonly errorCode?: string;
  /** The kind of fault injected into this call by a fault plan, if any. */
  readonly fault?: InjectedFault['kind'];
}

/** The Security Hub operations the stand-in serves. */
export type StandInOperation = 'BatchImportFindings' | 'GetFindings';

/**
 * A fault injected into one call.
 * - `error`: an error answer, `code` in the body and in `x-amzn-errortype`; nothing is processed.
 * - `reset`: the connection is destroyed. `before` (default): as soon as the request's headers have arrived,
 *   mid-request, with the body unread and nothing processed. `after`: once the call has been processed
 *   (findings stored), instead of answering: the work is done and the answer lost.
 * - `delay`: the answer is held back `ms`. `after` (default): the call is processed at once and answered late.
 *   `before`: the call is processed after the wait (even if the caller has gone by then).
 * - `failFindings` (BatchImportFindings only): a 200 answer in which the findings that `select` picks (by Id
 *   and position in the call) are in FailedFindings with `code`, and the others are imported.
 */
export type InjectedFault =
  | { readonly kind: 'error'; readonly status: number; readonly code: string; readonly message?: string }
  | { readonly kind: 'reset'; readonly when?: 'before' | 'after' }
  | { readonly kind: 'delay'; readonly ms: number; readonly when?: 'before' | 'after' }
  | { readonly kind: 'failFindings'; readonly code: string; readonly message?: string; readonly select: (id: string, position: number) => boolean };

/** The fault of the `call`-th (from 1) authenticated call of an operation, or undefined for none. */
export type FaultPlan = (call: number) => InjectedFault | undefined;

/** A fault the stand-in injected. */
export interface FaultRecord {
  readonly operation: StandInOperation;
  /** The call's number among the operation's authenticated calls, from 1. */
  readonly call: number;
  readonly fault: InjectedFault;
  /**
   * Whether an answer reached a caller that was still connected: false for a reset, and for a held-back
   * answer whose caller had given up (closed the connection) before it was written.
   */
  answered?: boolean;
}

/** A fault on every other call, the 1st, 3rd, 5th...; `faults` are taken in turn, the calls between pass. */
export function everyOtherCall(...faults: InjectedFault[]): FaultPlan {
  if (faults.length === 0) throw new Error('everyOtherCall needs at least one fault');
  return (call) => (call % 2 === 1 ? faults[((call - 1) / 2) % faults.length] : undefined);
}

/** `fault` on calls `from` to `to` (inclusive, counted from 1); the others pass. */
export function callsBetween(from: number, to: number, fault: InjectedFault): FaultPlan {
  return (call) => (call >= from && call <= to ? fault : undefined);
}

/** Options of the Security Hub stand-in. */
export interface SecurityHubStandInOptions {
  /** Sustained quota per account and Region. @default 10 */
  readonly ratePerSecond?: number;
  /** @default 30 */
  readonly burst?: number;
  /** The error code of a throttled call. @default 'ThrottlingException' */
  readonly throttleCode?: string;
  /** GetFindings quota per account and Region. @default 3 */
  readonly lookupRatePerSecond?: number;
  /** @default 6 */
  readonly lookupBurst?: number;
}

const NAMESPACES = ['Software and Configuration Checks', 'TTPs', 'Effects', 'Unusual Behaviors', 'Sensitive Data Identifications'];
const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const PRODUCT_ARN = /^arn:([^:]+):securityhub:([^:]+):(\d{12}):product\/(\d{12})\/default$/;

/** The Security Hub stand-in. */
export class SecurityHubStandIn extends StandInServer {
  /** Every BatchImportFindings call, in order. */
  public readonly calls: CallRecord[] = [];
  /** Every GetFindings call, in order. */
  public readonly lookups: LookupRecord[] = [];
  /** Every fault a fault plan injected, in order. */
  public readonly faultLog: FaultRecord[] = [];
  private readonly lookupQuotas = new Map<string, Quota>();
  private lookupFaults: { remaining: number; status: number; code: string } = { remaining: 0, status: 500, code: 'InternalException' };
  private readonly store = new Map<string, StoredFinding>();
  private readonly quotas = new Map<string, Quota>();
  private readonly disabled = new Map<string, 'FailedFindings' | 'InvalidAccessException'>();
  private readonly failIds = new Map<string, { code: string; message: string; remaining: number }>();
  private faults: { remaining: number; status: number; code: string } = { remaining: 0, status: 500, code: 'InternalException' };
  private readonly plans = new Map<StandInOperation, FaultPlan>();
  private readonly callCounts = new Map<StandInOperation, number>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly lookupRate: number;
  private readonly lookupBurst: number;
  private readonly throttleCode: string;

  constructor(private readonly registry: CredentialRegistry, options: SecurityHubStandInOptions = {}) {
    super();
    this.rate = options.ratePerSecond ?? 10;
    this.burst = options.burst ?? 30;
    this.lookupRate = options.lookupRatePerSecond ?? 3;
    this.lookupBurst = options.lookupBurst ?? 6;
    this.throttleCode = options.throttleCode ?? 'ThrottlingException';
  }

  /** The next `count` calls fail with `status` (after authentication, before anything is imported). */
  public failNextCalls(count: number, status = 500, code = 'InternalException'): void {
    this.faults = { remaining: count, status, code };
  }

  /** The next `count` GetFindings calls fail with `status`. */
  public failNextLookups(count: number, status = 500, code = 'InternalException'): void {
    this.lookupFaults = { remaining: count, status, code };
  }

  /** Findings with these Ids are reported in FailedFindings with `code`, for the next `times` calls that carry them. */
  public failFindings(ids: readonly string[], code = 'InternalException', times = Number.POSITIVE_INFINITY, message = 'injected failure'): void {
    for (const id of ids) this.failIds.set(id, { code, message, remaining: times });
  }

  /**
   * Faults for the calls of `operation` from now on, by call number (see `InjectedFault`); undefined removes
   * the plan. Calls are numbered from 1 over the stand-in's life, each operation on its own.
   */
  public injectFaults(operation: StandInOperation, plan: FaultPlan | undefined): void {
    if (plan === undefined) this.plans.delete(operation);
    else this.plans.set(operation, plan);
  }

  /** Authenticated calls of `operation` so far (those with injected faults included). */
  public callCount(operation: StandInOperation): number {
    return this.callCounts.get(operation) ?? 0;
  }

  /**
   * Security Hub is not enabled for `account` in `region` (until the stand-in restarts): BatchImportFindings
   * reports every finding in FailedFindings with `InvalidAccess` (default), or fails the whole call with 401
   * InvalidAccessException; GetFindings fails with 401 InvalidAccessException either way.
   */
  public disable(account: string, region: string, as: 'FailedFindings' | 'InvalidAccessException' = 'FailedFindings'): void {
    this.disabled.set(`${account}|${region}`, as);
  }

  /** Every stored finding. */
  public findings(): StoredFinding[] {
    return [...this.store.values()];
  }

  /** The stored finding with this Id (under any product ARN), if exactly one. */
  public finding(id: string): StoredFinding | undefined {
    const found = this.findings().filter((f) => f.finding.Id === id);
    if (found.length > 1) throw new Error(`finding ${id} is stored under ${found.length} product ARNs`);
    return found[0];
  }

  /** Calls answered with HTTP status `status`. */
  public callsWithStatus(status: number): CallRecord[] {
    return this.calls.filter((c) => c.status === status);
  }

  /** Counts the call and returns the fault its operation's plan gives it, logged. */
  private nextFault(operation: StandInOperation): FaultRecord | undefined {
    const call = this.callCount(operation) + 1;
    this.callCounts.set(operation, call);
    const fault = this.plans.get(operation)?.(call);
    if (fault === undefined) return undefined;
    if (fault.kind === 'failFindings' && operation !== 'BatchImportFindings') {
      throw new Error('a failFindings fault only applies to BatchImportFindings');
    }
    const record: FaultRecord = { operation, call, fault };
    this.faultLog.push(record);
    return record;
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const route = req.url?.split('?')[0];
    const operation: StandInOperation | undefined = req.method !== 'POST' ? undefined
      : route === '/findings/import' ? 'BatchImportFindings' : route === '/findings' ? 'GetFindings' : undefined;
    const auth = authenticate(this.registry, req);
    // The fault of this call is decided from its headers: only an authenticated call of an operation counts.
    const injected = operation !== undefined && !('status' in auth) ? this.nextFault(operation) : undefined;
    const fault = injected?.fault;
    const base = 'status' in auth ? {} : { account: auth.creds.account, region: auth.caller.region };
    // The caller gave up (closed the connection) before the answer was complete.
    let callerGone = false;
    res.once('close', () => {
      if (!res.writableEnded) callerGone = true;
    });
    if (fault?.kind === 'reset' && fault.when !== 'after') {
      // Mid-request: the body is not read and nothing is processed.
      injected!.answered = false;
      if (operation === 'GetFindings') this.lookups.push({ account: base.account!, region: base.region!, ids: 0, status: 0, errorCode: 'ConnectionReset', fault: 'reset' });
      else this.calls.push({ ...base, findings: 0, failedFindings: 0, accountIds: [], status: 0, errorCode: 'ConnectionReset', fault: 'reset' });
      req.socket.destroy();
      return;
    }

    const body = await readBody(req);
    if (fault?.kind === 'delay' && fault.when === 'before') await new Promise<void>((resolve) => this.later(fault.ms, resolve));
    const reply = (status: number, payload: unknown, errorCode?: string) => {
      const write = () => {
        const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() };
        if (errorCode) headers['x-amzn-errortype'] = errorCode;
        res.writeHead(status, headers);
        res.end(JSON.stringify(payload));
      };
      if (fault?.kind === 'reset') {
        // After processing: the work is done, the answer is lost.
        injected!.answered = false;
        req.socket.destroy();
      } else if (fault?.kind === 'delay' && fault.when !== 'before') {
        this.later(fault.ms, () => {
          injected!.answered = !callerGone;
          if (!callerGone) write();
        });
      } else {
        if (fault?.kind === 'delay') injected!.answered = !callerGone;
        write();
      }
    };
    const error = (status: number, code: string, message: string, record: Partial<CallRecord> = {}) => {
      const tag = fault ? { fault: fault.kind } : {};
      this.calls.push({ findings: 0, failedFindings: 0, accountIds: [], ...record, status, errorCode: code, ...tag });
      reply(status, { Code: code, Message: message }, code);
    };

    if (operation === undefined) {
      return error(404, 'ResourceNotFoundException', `the stand-in only implements POST /findings/import and POST /findings, got ${req.method} ${req.url}`);
    }
    if ('status' in auth) return error(auth.status, auth.code, auth.message);
    const { creds, caller } = auth;
    if (operation === 'GetFindings') return this.getFindings(body, creds.account, caller.region, reply, fault);

    if (fault?.kind === 'error') return error(fault.status, fault.code, fault.message ?? 'injected fault', base);
    if (this.faults.remaining > 0) {
      this.faults.remaining--;
      return error(this.faults.status, this.faults.code, 'injected fault', base);
    }
    const quotaKey = `${creds.account}|${caller.region}`;
    const quota = this.quotas.get(quotaKey) ?? new Quota(this.rate, this.burst);
    this.quotas.set(quotaKey, quota);
    if (!quota.take()) return error(429, this.throttleCode, 'Rate exceeded', base);
    if (this.disabled.get(quotaKey) === 'InvalidAccessException') {
      return error(401, 'InvalidAccessException', `Account ${creds.account} is not subscribed to AWS Security Hub in ${caller.region}`, base);
    }

    if (Buffer.byteLength(body, 'utf8') > 6 * 1024 * 1024) {
      return error(400, 'InvalidInputException', 'request body larger than 6 MB', base);
    }
    let findings: unknown;
    try {
      findings = (JSON.parse(body) as { Findings?: unknown }).Findings;
    } catch {
      return error(400, 'InvalidInputException', 'request body is not JSON', base);
    }
    if (!Array.isArray(findings) || findings.length < 1 || findings.length > 100) {
      const n = Array.isArray(findings) ? findings.length : 0;
      return error(400, 'InvalidInputException',
        `1 validation error detected: Value at 'findings' failed to satisfy constraint: Member must have length between 1 and 100 (got ${n})`,
        { ...base, findings: n });
    }
    const accountIds = findings.map((f) => String((f as any)?.AwsAccountId));
    const record = { ...base, findings: findings.length, accountIds };

    // The account rule: checked for the whole call before anything is stored.
    for (const f of findings as Array<Record<string, any>>) {
      const m = PRODUCT_ARN.exec(String(f?.ProductArn ?? ''));
      const foreign = f?.AwsAccountId !== creds.account
        || (m !== null && (m[3] !== creds.account || m[4] !== creds.account || m[2] !== caller.region));
      if (foreign) {
        return error(403, 'AccessDeniedException',
          `User: arn:aws:sts::${creds.account}:assumed-role/caller/session is not authorized to perform: securityhub:BatchImportFindings on resource: ${f?.ProductArn}`,
          record);
      }
    }

    const failed: Array<{ Id: string; ErrorCode: string; ErrorMessage: string }> = [];
    (findings as Array<Record<string, any>>).forEach((f, position) => {
      const id = typeof f?.Id === 'string' ? f.Id : '';
      if (this.disabled.has(quotaKey)) {
        failed.push({ Id: id || '(no Id)', ErrorCode: 'InvalidAccess', ErrorMessage: `Account ${creds.account} is not subscribed to AWS Security Hub in ${caller.region}` });
        return;
      }
      if (fault?.kind === 'failFindings' && fault.select(id, position)) {
        failed.push({ Id: id || '(no Id)', ErrorCode: fault.code, ErrorMessage: fault.message ?? 'injected failure' });
        return;
      }
      const injectedId = this.failIds.get(id);
      if (injectedId && injectedId.remaining > 0) {
        injectedId.remaining--;
        failed.push({ Id: id, ErrorCode: injectedId.code, ErrorMessage: injectedId.message });
        return;
      }
      const problem = validateFinding(f);
      if (problem) {
        failed.push({ Id: id || '(no Id)', ErrorCode: 'InvalidInput', ErrorMessage: `Finding does not adhere to Amazon Finding Format. ${problem}` });
        return;
      }
      this.put(f);
    });
    this.calls.push({ ...record, status: 200, failedFindings: failed.length, ...(fault ? { fault: fault.kind } : {}) });
    reply(200, { FailedCount: failed.length, SuccessCount: findings.length - failed.length, FailedFindings: failed });
  }

  /**
   * GetFindings, as far as the forwarder uses it: `Filters.Id` (EQUALS, at most 20 values, as the API
   * reference allows per attribute) and `Filters.RecordState` (EQUALS), over the caller's own findings in the
   * endpoint's Region; its own quota (3 requests/s, burst 6); InvalidAccessException where Security Hub is off.
   */
  private getFindings(body: string, account: string, region: string, reply: (status: number, payload: unknown, code?: string) => void,
    fault: InjectedFault | undefined): void {
    const tag = fault ? { fault: fault.kind } : {};
    const fail = (status: number, code: string, message: string) => {
      this.lookups.push({ account, region, ids: 0, status, errorCode: code, ...tag });
      reply(status, { Code: code, Message: message }, code);
    };
    if (fault?.kind === 'error') return fail(fault.status, fault.code, fault.message ?? 'injected fault');
    if (this.lookupFaults.remaining > 0) {
      this.lookupFaults.remaining--;
      return fail(this.lookupFaults.status, this.lookupFaults.code, 'injected fault');
    }
    const quotaKey = `${account}|${region}`;
    const quota = this.lookupQuotas.get(quotaKey) ?? new Quota(this.lookupRate, this.lookupBurst);
    this.lookupQuotas.set(quotaKey, quota);
    if (!quota.take()) return fail(429, this.throttleCode, 'Rate exceeded');
    if (this.disabled.has(quotaKey)) return fail(401, 'InvalidAccessException', `Account ${account} is not subscribed to AWS Security Hub in ${region}`);
    let filters: Record<string, Array<{ Value?: string; Comparison?: string }>>;
    try {
      filters = (JSON.parse(body) as { Filters?: typeof filters }).Filters ?? {};
    } catch {
      return fail(400, 'InvalidInputException', 'request body is not JSON');
    }
    for (const [name, values] of Object.entries(filters)) {
      if (values.length > 20) return fail(400, 'InvalidInputException', `Filters.${name} has ${values.length} values; at most 20 are allowed`);
    }
    const matches = (name: string, value: unknown) => filters[name] === undefined
      || filters[name].some((f) => f.Comparison === 'EQUALS' && f.Value === value);
    const found = this.findings().map((f) => f.finding).filter((f) => f.AwsAccountId === account
      && String(f.ProductArn).split(':')[3] === region
      && matches('Id', f.Id) && matches('RecordState', f.RecordState ?? 'ACTIVE'));
    this.lookups.push({ account, region, ids: filters.Id?.length ?? 0, status: 200, ...tag });
    reply(200, { Findings: found.slice(0, 100) });
  }

  private put(f: Record<string, any>): void {
    const key = `${f.ProductArn}|${f.Id}`;
    const existing = this.store.get(key);
    const entry = { updatedAt: f.UpdatedAt, recordState: f.RecordState ?? 'ACTIVE' };
    if (existing === undefined) {
      this.store.set(key, { finding: structuredClone(f), history: [entry], ignoredUpdates: 0 });
    } else if (Date.parse(f.UpdatedAt) > Date.parse(existing.finding.UpdatedAt)) {
      this.store.set(key, { finding: structuredClone(f), history: [...existing.history, entry], ignoredUpdates: existing.ignoredUpdates });
    } else {
      existing.ignoredUpdates++; // not strictly later: ignored, yet a success for the caller
    }
  }
}

/** Why Security Hub would reject this finding, or undefined. */
export function validateFinding(f: Record<string, any>): string | undefined {
  if (typeof f !== 'object' || f === null) return 'finding is not an object';
  for (const field of ['SchemaVersion', 'Id', 'ProductArn', 'GeneratorId', 'AwsAccountId', 'CreatedAt', 'UpdatedAt', 'Title', 'Description']) {
    if (typeof f[field] !== 'string') return `data should have required property '${field}'`;
  }
  const blank = findBlank(f, '');
  if (blank !== undefined) return blank;
  if (!/^\d{12}$/.test(f.AwsAccountId)) return 'AwsAccountId must be 12 digits';
  if (f.Id.length > 512) return 'Id longer than 512 characters';
  if (f.GeneratorId.length > 512) return 'GeneratorId longer than 512 characters';
  if (f.Title.length > 256) return 'Title longer than 256 characters';
  if (f.Description.length > 1024) return 'Description longer than 1024 characters';
  if (!PRODUCT_ARN.test(f.ProductArn)) return `ProductArn ${f.ProductArn} is not a default product ARN`;
  for (const field of ['CreatedAt', 'UpdatedAt']) {
    if (!Number.isFinite(Date.parse(f[field])) || !/^\d{4}-\d{2}-\d{2}T/.test(f[field])) return `${field} is not ISO 8601`;
  }
  if (!Array.isArray(f.Types) || f.Types.length === 0) return "data should have required property 'Types'";
  for (const t of f.Types) {
    if (typeof t !== 'string' || !NAMESPACES.includes(t.split('/')[0]) || t.split('/').length > 3) return `Types value '${t}' is not namespace/category/classifier in a documented namespace`;
  }
  if (typeof f.Severity !== 'object' || !SEVERITY_LABELS.includes(f.Severity?.Label)) return 'Severity.Label is missing or invalid';
  if (!Array.isArray(f.Resources) || f.Resources.length < 1 || f.Resources.length > 32) return 'Resources must have 1 to 32 items';
  for (const r of f.Resources) {
    if (typeof r?.Type !== 'string' || typeof r?.Id !== 'string') return 'every resource needs Type and Id';
    const other = r.Details?.Other;
    if (other !== undefined) {
      const entries = Object.entries(other);
      if (entries.length > 50) return 'Details.Other has more than 50 entries';
      for (const [k, v] of entries) {
        if (k.length >= 128 || typeof v !== 'string' || v.length >= 1024) return `Details.Other entry '${k.slice(0, 40)}' is too long or not a string`;
      }
    }
  }
  if (f.ProductFields !== undefined) {
    const entries = Object.entries(f.ProductFields);
    if (entries.length > 50) return 'ProductFields has more than 50 entries';
    for (const [k, v] of entries) {
      if (k.length > 128 || typeof v !== 'string' || v.length > 2048) return `ProductFields entry '${k.slice(0, 40)}' is too long or not a string`;
    }
  }
  if (f.RecordState !== undefined && !['ACTIVE', 'ARCHIVED'].includes(f.RecordState)) return 'RecordState must be ACTIVE or ARCHIVED';
  if (Buffer.byteLength(JSON.stringify(f), 'utf8') > 240 * 1024) return 'finding larger than 240 KB';
  return undefined;
}

function findBlank(v: unknown, path: string): string | undefined {
  if (typeof v === 'string') {
    if (v.trim() === '') return `${path || 'value'} is an empty or whitespace-only string`;
    if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(v)) return `${path} contains invalid Unicode (an unpaired surrogate)`;
    return undefined;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = findBlank(v[i], `${path}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k.trim() === '') return `${path} has an empty key`;
      const p = findBlank(x, path ? `${path}.${k}` : k);
      if (p) return p;
    }
  }
  return undefined;
}

/** The STS stand-in (AssumeRole only). */
export class StsStandIn extends StandInServer {
  /** AssumeRole calls per target account (successful or not). */
  public readonly assumeRoleCalls = new Map<string, number>();
  private readonly roles = new Set<string>();

  constructor(private readonly registry: CredentialRegistry) {
    super();
  }

  /** Lets registered callers assume `roleName` in `account`. */
  public allowRole(account: string, roleName: string): void {
    this.roles.add(`${account}|${roleName}`);
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = new URLSearchParams(await readBody(req));
    const requestId = randomUUID();
    const xmlError = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code>`
        + `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
    };
    const auth = authenticate(this.registry, req);
    if ('status' in auth) return xmlError(auth.status, auth.code.replace(/Exception$/, ''), auth.message);
    if (body.get('Action') !== 'AssumeRole') return xmlError(400, 'InvalidAction', `the stand-in only implements AssumeRole, got ${body.get('Action')}`);

    const roleArn = body.get('RoleArn') ?? '';
    const sessionName = body.get('RoleSessionName') ?? '';
    const m = /^arn:([^:]+):iam::(\d{12}):role\/([\w+=,.@-]+)$/.exec(roleArn);
    if (m) this.assumeRoleCalls.set(m[2], (this.assumeRoleCalls.get(m[2]) ?? 0) + 1);
    if (!m || !sessionName) return xmlError(400, 'ValidationError', `invalid RoleArn '${roleArn}' or RoleSessionName`);
    const [, partition, account, roleName] = m;
    if (!this.roles.has(`${account}|${roleName}`)) {
      return xmlError(403, 'AccessDenied',
        `User: arn:${partition}:sts::${auth.creds.account}:assumed-role/forwarder/session is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    }
    const seconds = Number(body.get('DurationSeconds') ?? '3600');
    const creds = this.registry.temporary(account, seconds);
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>${creds.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${escapeXml(creds.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${escapeXml(creds.sessionToken!)}</SessionToken>
      <Expiration>${new Date(creds.expiresAt!).toISOString()}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROA${account}:${escapeXml(sessionName)}</AssumedRoleId>
      <Arn>arn:${partition}:sts::${account}:assumed-role/${roleName}/${escapeXml(sessionName)}</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>
</AssumeRoleResponse>`);
  }
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
