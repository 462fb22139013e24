/**
 * Property-based tests (fast-check) of the Security Hub forwarder: every runtime event parser and finding
 * formatter in process, the real Lambda bundle in a container against the local Security Hub stand-in, and
 * the email input transformers.
 *
 * What is generated, each event tagged with its category (counted in the README table this file writes):
 * - valid: the documented AWS Backup job examples (test/fixtures/backup-events) with varied job kinds, every
 *   documented state of the kind, accounts, Regions and partitions, resource ARNs, vaults, times and status
 *   messages (sometimes wrapped in literal quotes, as AWS Backup sends some);
 * - truncated: a valid event's JSON cut at a random point, as an SQS message body;
 * - oversized: megabyte and 10-300 KB status messages, 32 to 100 event resources, ARNs of 513 to 20,000 and
 *   300,000 characters, 40 ARNs of 8,000 characters, megabyte CloudTrail fields;
 * - wrong-typed: numbers, booleans, null, arrays, objects (and a deeply nested array) where a string, an
 *   object or an array is expected, the whole event or its detail replaced;
 * - unicode: emoji, RTL overrides, combining marks, lone surrogates, NUL and other control characters,
 *   zero-width and whitespace-only strings, full-width digits, random graphemes and code points;
 * - missing-fields: one to five fields removed, an empty detail, an empty object;
 * - tamper: CloudTrail API calls of AWS Backup (every BackupTamperAction, every caller type, refused calls)
 *   and AWS Backup state changes, plus calls that are not tamper actions, other event sources, missing ids
 *   and odd `eventTime` formats.
 *
 * Invariants:
 * - parsers (parseJson, parseRecordBody, parseBackupEvent, parseTamperEvent) return a value or throw
 *   MalformedEventError; the handler catches every error per record, but only MalformedEventError is
 *   reported as malformed, so anything else is a bug here;
 * - every finding that buildFinding / buildTamperFinding returns, in both attribution modes, is valid ASFF as
 *   the Security Hub user guide documents it ("Required attributes", https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html):
 *   required attributes present; Id and GeneratorId at most 512 characters, Title at most 256, Description at
 *   most 1024; AwsAccountId exactly 12 digits; Types in the documented namespaces; 1 to 32 Resources; RFC 3339
 *   timestamps; no empty or whitespace-only string; ProductFields and Details.Other within their limits; valid
 *   Unicode; at most 240 KB per finding (BatchImportFindings API reference,
 *   https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html), or else the
 *   importer refuses it before sending;
 * - buildFinding is deterministic (the same event twice gives the same finding), and the finding Id is the
 *   same protection's whatever the event's time, id and status message (Security Hub: same Id = same finding);
 * - the handler never throws out of a batch; every record is imported, archived, superseded by a newer event
 *   of the same finding, ignored on purpose (job in progress, success with nothing to close), or returned in
 *   batchItemFailures, exactly one of these per record, as its own logs account for it and as the stand-in's
 *   store confirms (an imported finding is held, at least as new as the event; which successes close a
 *   finding and which have nothing to close is exactly what the documented lifecycle says); every finding it
 *   sends is accepted (BatchImportFindings answers 200 with no FailedFindings); a
 *   valid event is never returned; a batch mixing malformed and good records returns exactly the malformed
 *   ones, and Security Hub holds every good one;
 * - every email input transformer renders every generated event to a string with no placeholder, `undefined`
 *   or `[object Object]` left, and every placeholder of a template is one of its input paths.
 *
 * The handler runs as the real bundle in two containers (Node.js processes, support.ts) at once, as the event
 * source's two concurrent instances would, each with batches of 88 to 100 records whose source accounts are
 * its own (so their findings, and their outcomes, never depend on which container was faster); the import
 * pace (REQUESTS_PER_SECOND, BURST) and the stand-in's import quota are raised, the look-up pace is the
 * function's own (1 GetFindings a second per container, which a batch with a success waits for). A few records
 * of each batch are delivered twice, as SQS redelivers.
 *
 * The bugs of src/runtime that these properties found (FIXED_BUGS: lone surrogates reaching findings and
 * console links, deep nesting in an error message, Object.prototype names taken as tamper actions, years after
 * 9999) are fixed; each keeps its minimal reproduction as a regression test, and any case that shows one of
 * them again fails its property.
 *
 * Seed policy: a fixed default seed, so that every run generates the same events and the README table is
 * reproducible; FUZZ_SEED=<integer> overrides it (the README comparison is then skipped). Each property runs
 * with its own seed derived from it; a failure names FUZZ_SEED, the property's seed and fast-check's
 * counterexample and path (large strings abbreviated; the seed and path reproduce them exactly).
 */
import { isDeepStrictEqual } from 'util';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { SQSEvent } from 'aws-lambda';
import * as fc from 'fast-check';
import { CredentialRegistry, SecurityHubStandIn, TestCredentials } from './securityhub-standin';
import { accountedFor, Container, EXAMPLE_ACCOUNT, fixture, fixtureNames, isolatedEnv, sqsEvent } from './support';
import {
  jobFailureMessage, otherEventMessage, policyChangeMessage, tamperCallMessage, tamperStateMessage, TextTemplate,
} from '../../src/private/messages';
import { forwarderIdentity, importTargetFor, ImportTarget } from '../../src/runtime/attribution';
import { MalformedEventError, parseBackupEvent, parseJson, parseRecordBody } from '../../src/runtime/event';
import { buildFinding } from '../../src/runtime/finding';
import { SECURITY_HUB_LIMITS } from '../../src/runtime/importer';
import { classify, JobOutcome, severityOf } from '../../src/runtime/severity';
import { buildTamperFinding, isTamperEvent, parseTamperEvent } from '../../src/runtime/tamper';
import { BackupEvents, BackupJobKind } from '../../src/shared/backup-events';
import { consoleHostOf } from '../../src/shared/console-links';
import { ENV } from '../../src/shared/contract';
import { FindingAttribution, FindingSeverity } from '../../src/shared/findings';
import { JOBS } from '../../src/shared/jobs';
import { BackupTamperAction } from '../../src/shared/tamper';
import { expectGeneratedBlock, markdownTable } from '../support/generated-block';
import { renderInputTransformer } from '../support/render-input';
import { apiCall, Caller, stateChanges } from '../support/tamper-events';

// ---------------------------------------------------------------------------------------------------------
// Seed and sizes
// ---------------------------------------------------------------------------------------------------------

const DEFAULT_SEED = 20260518;
const SEED = seedFromEnv(process.env.FUZZ_SEED);
/** The README table is compared only for the default seed. */
const DEFAULT_RUN = process.env.FUZZ_SEED === undefined;
/** Events through the parsers and builders in process. */
const PARSER_RUNS = 10_000;
/** Pairs of batches (one per container, run at once) through the handler. */
const HANDLER_PAIRS = 20;
/** Records per handler batch (SQS event source maximum: 100). */
const BATCH = { min: 88, max: 96 };
/** Runs of the mixed good-and-malformed batch. */
const MIXED_RUNS = 3;

function seedFromEnv(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_SEED;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`FUZZ_SEED is '${raw}', expected an integer`);
  return n;
}

/** Runs a property with its own seed, derived from FUZZ_SEED, and names both seeds if it fails. */
async function check<T>(name: string, offset: number, property: fc.IAsyncProperty<T> | fc.IProperty<T>, numRuns: number, endOnFailure = false) {
  const seed = SEED + offset;
  try {
    await fc.assert(property as fc.IAsyncProperty<T>, { seed, numRuns, endOnFailure });
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    const why = cause === undefined ? '' : `\nGot error: ${String(cause.stack ?? cause).slice(0, 20_000)}`;
    throw new Error(`Property '${name}' failed. Reproduce with FUZZ_SEED=${SEED} (this property's seed: ${seed}).\n${(err as Error).message}${why}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Generated events
// ---------------------------------------------------------------------------------------------------------

type Category = 'valid' | 'truncated' | 'oversized' | 'wrong-typed' | 'unicode' | 'missing-fields' | 'tamper';
const CATEGORIES: Category[] = ['valid', 'truncated', 'oversized', 'wrong-typed', 'unicode', 'missing-fields', 'tamper'];
const CATEGORY_TEXT: Record<Category, string> = {
  'valid': 'valid job events (documented examples, varied)',
  'truncated': 'JSON cut at a random point',
  'oversized': 'megabyte messages, 32+ resources, long ARNs',
  'wrong-typed': 'numbers, arrays, null, objects where strings are expected',
  'unicode': 'emoji, RTL, combining marks, lone surrogates, NUL',
  'missing-fields': 'fields removed',
  'tamper': 'CloudTrail calls and state changes (tampering)',
};

/** One generated SQS message body, tagged; printed abbreviated in counterexamples. */
class GeneratedEvent {
  constructor(public readonly category: Category, public readonly variant: string, public readonly body: string) {}

  public [fc.toStringMethod](): string {
    return `${this.category}/${this.variant}: ${abbreviate(this.body)}`;
  }
}

function abbreviate(s: string): string {
  return s.length <= 3000 ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, 1500))} ... (${s.length} characters) ... ${JSON.stringify(s.slice(-300))}`;
}

const POOL_A = ['111111111111', '222222222222', '333333333333'];
const POOL_B = ['444444444444', '555555555555', '666666666666'];
const MIXED_ACCOUNT = '777777777777';
const ALL_ACCOUNTS = [...POOL_A, ...POOL_B, '123456789012', '000000000000'];
const REGIONS: ReadonlyArray<readonly [string, string]> = [
  ['aws', 'us-east-1'], ['aws', 'us-west-2'], ['aws', 'eu-west-1'], ['aws', 'eu-central-1'], ['aws', 'ap-southeast-2'],
  ['aws-cn', 'cn-north-1'], ['aws-us-gov', 'us-gov-west-1'], ['aws-eusc', 'eusc-de-east-1'],
];

const JOB_FIXTURES = fixtureNames().filter((n) => /^(backup|copy|restore|scan)-/.test(n) && !/^backup-(vault|plan)-/.test(n));
const FIXTURE_TEXT = new Map(JOB_FIXTURES.map((n) => [n, JSON.stringify(fixture(n))]));
const TAMPER_STATES = stateChanges();
const TAMPER_ACTIONS = Object.values(BackupTamperAction) as string[];
const CALLERS: Caller[] = ['role', 'user', 'root', 'allowed-role', 'backup-lifecycle', 'backup-on-behalf', 'aws-service', 'cloudformation'];
const PROTOTYPE_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

const RESOURCES: Array<(p: string, r: string, a: string, i: number) => string> = [
  (p, r, a, i) => `arn:${p}:ec2:${r}:${a}:volume/vol-0000000${i}`,
  (p, r, a, i) => `arn:${p}:ec2:${r}:${a}:instance/i-0000000${i}`,
  (p, r, a, i) => `arn:${p}:rds:${r}:${a}:db:orders-${i}`,
  (p, r, a, i) => `arn:${p}:dynamodb:${r}:${a}:table/Orders${i}`,
  (p, _r, a, i) => `arn:${p}:s3:::bucket-${a}-${i}`,
  (p, r, a, i) => `arn:${p}:elasticfilesystem:${r}:${a}:file-system/fs-0000000${i}`,
];
const MESSAGES = [
  'Backup job failed because backup vault does not exist.',
  'Access denied exception while trying to list tags',
  'Windows VSS Backup Job Error encountered, trying for regular backup',
  'The backup job was canceled because the start window expired.',
  'An AWS Backup scan job was successful completed.',
  '   ',
];

/** An ISO 8601 time as EventBridge writes it, or with milliseconds, or with an offset. */
const timeArb = fc.tuple(fc.integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2030, 11, 31) }), fc.constantFrom('Z', 'ms', '+02:00', '-05:30'))
  .map(([t, style]) => {
    if (style === 'Z') return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (style === 'ms') return new Date(t).toISOString();
    const minutes = (style.startsWith('-') ? -1 : 1) * (Number(style.slice(1, 3)) * 60 + Number(style.slice(4, 6)));
    return `${new Date(t + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, '')}${style}`;
  });

interface JobChoices {
  readonly name: string;
  readonly account: string;
  readonly region: number;
  readonly time: string;
  readonly eventId: string;
  readonly jobId: string;
  readonly state: number;
  readonly resource: number;
  readonly resourceKind: number;
  readonly withResource: boolean;
  readonly vault: number;
  readonly destination: number;
  readonly recoveryPoint: number;
  readonly message: number | null;
  readonly quoted: boolean;
  readonly threats: boolean;
  readonly numericSizes: boolean;
  readonly restoreUsesState: boolean;
  readonly eventResources: number;
}

function jobChoices(accounts: readonly string[]): fc.Arbitrary<JobChoices> {
  return fc.record({
    name: fc.constantFrom(...JOB_FIXTURES),
    account: fc.constantFrom(...accounts),
    region: fc.nat(REGIONS.length - 1),
    time: timeArb,
    eventId: fc.uuid(),
    jobId: fc.uuid(),
    state: fc.nat(20),
    // A small pool, so that failures and successes of one protection meet (in a batch and across batches).
    resource: fc.nat(5),
    resourceKind: fc.nat(RESOURCES.length - 1),
    withResource: fc.boolean(),
    vault: fc.nat(1),
    destination: fc.nat(1),
    recoveryPoint: fc.nat(3),
    message: fc.option(fc.nat(MESSAGES.length - 1)),
    quoted: fc.boolean(),
    threats: fc.boolean(),
    numericSizes: fc.boolean(),
    restoreUsesState: fc.boolean(),
    eventResources: fc.nat(3),
  });
}

/** A job event from a documented example, varied by `c`. */
function jobEvent(c: JobChoices, forcedState?: string): Record<string, any> {
  const ev = JSON.parse(FIXTURE_TEXT.get(c.name)!.split(EXAMPLE_ACCOUNT).join(c.account));
  const kind = BackupEvents.kindOfDetailType(ev['detail-type'])!;
  const [partition, region] = REGIONS[c.region];
  const backup = `arn:${partition}:backup:${region}:${c.account}`;
  Object.assign(ev, { id: c.eventId, account: c.account, region, time: c.time });
  const d = ev.detail;
  const states = BackupEvents.statesOf(kind);
  const state = forcedState ?? states[c.state % states.length];
  delete d.state;
  delete d.status;
  d[kind === BackupJobKind.RESTORE && c.restoreUsesState ? 'state' : BackupEvents.stateFieldOf(kind)] = state;
  d[JOBS[kind].idField] = c.jobId;
  const resourceArn = RESOURCES[c.resourceKind](partition, region, c.account, c.resource);
  const recoveryPoint = `${backup}:recovery-point:rp-${c.recoveryPoint}`;
  switch (kind) {
    case BackupJobKind.RESTORE:
      delete d.resourceArn;
      if (c.withResource) d.sourceResourceArn = resourceArn;
      else delete d.createdResourceArn;
      if (d.recoveryPointArn !== undefined) d.recoveryPointArn = recoveryPoint;
      break;
    case BackupJobKind.COPY:
      d.resourceArn = resourceArn;
      d.sourceBackupVaultArn = `${backup}:backup-vault:vault-${c.vault}`;
      d.destinationBackupVaultArn = `arn:${partition}:backup:${region}:${c.account}:backup-vault:dr-${c.destination}`;
      break;
    case BackupJobKind.SCAN:
      d.resourceArn = resourceArn;
      d.recoveryPointArn = recoveryPoint;
      d.scanResult = { scanResultStatus: c.threats ? BackupEvents.SCAN_THREATS_FOUND : 'NO_THREATS_FOUND' };
      break;
    default:
      d.resourceArn = resourceArn;
      d.backupVaultName = `vault-${c.vault}`;
      d.backupVaultArn = `${backup}:backup-vault:vault-${c.vault}`;
  }
  if (c.message === null) delete d.statusMessage;
  else d.statusMessage = c.quoted ? `"${MESSAGES[c.message]}"` : MESSAGES[c.message];
  for (const field of ['backupSizeInBytes', 'bytesTransferred']) {
    if (d[field] !== undefined) d[field] = c.numericSizes ? Number(d[field]) : String(d[field]);
  }
  ev.resources = Array.from({ length: c.eventResources }, (_, i) => `${backup}:recovery-point:rp-event-${i}`);
  return ev;
}

interface TamperChoices {
  readonly shape: 'call' | 'state';
  readonly action: string;
  readonly caller: Caller;
  readonly state: string;
  readonly account: string;
  readonly region: number;
  readonly time: string;
  readonly eventId: string;
  readonly refused: boolean;
  readonly vault: number;
}

function tamperChoices(accounts: readonly string[]): fc.Arbitrary<TamperChoices> {
  return fc.record({
    shape: fc.constantFrom<'call' | 'state'>('call', 'call', 'state'),
    action: fc.constantFrom(...TAMPER_ACTIONS),
    caller: fc.constantFrom(...CALLERS),
    state: fc.constantFrom(...Object.keys(TAMPER_STATES).sort()),
    account: fc.constantFrom(...accounts),
    region: fc.nat(REGIONS.length - 1),
    time: timeArb,
    eventId: fc.uuid(),
    refused: fc.boolean(),
    vault: fc.nat(2),
  });
}

function tamperEvent(c: TamperChoices): Record<string, any> {
  const [, region] = REGIONS[c.region];
  if (c.shape === 'state') {
    const ev = structuredClone(TAMPER_STATES[c.state]);
    return Object.assign(ev, { id: c.eventId, account: c.account, region, time: c.time });
  }
  // A copy: apiCall shares its identity and request objects between calls.
  const ev = structuredClone(apiCall(c.action, c.caller, c.refused ? { errorCode: 'AccessDenied', errorMessage: 'not authorized' } : {}));
  Object.assign(ev, { id: `id-${c.eventId}`, account: c.account, region, time: c.time });
  Object.assign(ev.detail, { eventID: c.eventId, eventTime: c.time, awsRegion: region, recipientAccountId: c.account });
  if (ev.detail.requestParameters?.backupVaultName !== undefined) ev.detail.requestParameters.backupVaultName = `vault-${c.vault}`;
  return ev;
}

/** An event to mutate: mostly a job event, sometimes a tamper signal. */
function baseArb(accounts: readonly string[]): fc.Arbitrary<{ ev: Record<string, any>; tamper: boolean }> {
  return fc.oneof(
    { weight: 3, arbitrary: jobChoices(accounts).map((c) => ({ ev: jobEvent(c), tamper: false })) },
    { weight: 1, arbitrary: tamperChoices(accounts).map((c) => ({ ev: tamperEvent(c), tamper: true })) },
  );
}

/** A batch of generated events, printed as its size and categories in counterexamples (the error names the record). */
class Batch {
  constructor(public readonly items: GeneratedEvent[]) {}

  public [fc.toStringMethod](): string {
    const by = new Map<string, number>();
    for (const i of this.items) by.set(i.category, (by.get(i.category) ?? 0) + 1);
    return `Batch(${this.items.length} records: ${[...by].map(([c, k]) => `${c} ${k}`).join(', ')})`;
  }
}

// Paths into an event, as arrays of keys.
type Path = ReadonlyArray<string | number>;
const JOB_PATHS: Path[] = [
  ['account'], ['region'], ['time'], ['id'], ['source'], ['detail-type'], ['resources'], ['resources', 0], ['detail'],
  ['detail', 'state'], ['detail', 'status'], ['detail', 'resourceArn'], ['detail', 'sourceResourceArn'], ['detail', 'backupVaultArn'],
  ['detail', 'backupVaultName'], ['detail', 'statusMessage'], ['detail', 'backupJobId'], ['detail', 'copyJobId'], ['detail', 'restoreJobId'],
  ['detail', 'scanJobId'], ['detail', 'resourceType'], ['detail', 'createdBy'], ['detail', 'createdBy', 'backupPlanArn'],
  ['detail', 'createdBy', 'backupPlanId'], ['detail', 'scanResult'], ['detail', 'scanResult', 'scanResultStatus'],
  ['detail', 'destinationBackupVaultArn'], ['detail', 'destinationRecoveryPointArn'], ['detail', 'recoveryPointArn'],
  ['detail', 'createdResourceArn'], ['detail', 'restoreTestingPlanArn'], ['detail', 'backupSizeInBytes'], ['detail', 'bytesTransferred'],
];
const TAMPER_PATHS: Path[] = [
  ['account'], ['region'], ['time'], ['id'], ['detail'], ['resources'], ['resources', 0], ['detail', 'state'], ['detail', 'backupVaultName'],
  ['detail', 'eventName'], ['detail', 'eventSource'], ['detail', 'eventID'], ['detail', 'eventTime'], ['detail', 'userIdentity'],
  ['detail', 'userIdentity', 'arn'], ['detail', 'userIdentity', 'sessionContext', 'sessionIssuer', 'arn'], ['detail', 'sourceIPAddress'],
  ['detail', 'userAgent'], ['detail', 'errorCode'], ['detail', 'requestParameters'], ['detail', 'requestParameters', 'backupVaultName'],
  ['detail', 'requestParameters', 'recoveryPointArn'], ['detail', 'requestParameters', 'backupPlanId'], ['detail', 'ResourceTypeOptInPreference'],
];

function getAt(obj: unknown, path: Path): unknown {
  let cur: any = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[key];
  }
  return cur;
}

/** Sets a value, creating missing objects on the way; does nothing under a value that is not an object. */
function setAt(obj: Record<string, any>, path: Path, value: unknown): void {
  let cur: any = obj;
  for (const key of path.slice(0, -1)) {
    if (cur[key] === undefined) cur[key] = {};
    cur = cur[key];
    if (cur === null || typeof cur !== 'object') return;
  }
  cur[path[path.length - 1]] = value;
}

function deleteAt(obj: Record<string, any>, path: Path): void {
  const parent: any = getAt(obj, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object') delete parent[path[path.length - 1]];
}

/** Every path to a string in `v`. */
function stringPaths(v: unknown, prefix: Array<string | number> = []): Path[] {
  if (typeof v === 'string') return [prefix];
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => stringPaths(x, [...prefix, Array.isArray(v) ? Number(k) : k]));
}

function pick<T>(items: readonly T[], n: number): T {
  return items[n % items.length];
}

const DEEP = '__deeply_nested__';
/** JSON with every DEEP marker replaced by an array nested `depth` levels (too deep to build as an object). */
function toBody(ev: unknown, depth = 0): string {
  const json = JSON.stringify(ev);
  return depth === 0 ? json : json.split(JSON.stringify(DEEP)).join(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

const validArb = (accounts: readonly string[]) => jobChoices(accounts)
  .map((c) => { const ev = jobEvent(c); return new GeneratedEvent('valid', ev['detail-type'], toBody(ev)); });

const truncatedArb = (accounts: readonly string[]) => fc.tuple(baseArb(accounts), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }))
  .map(([{ ev, tamper }, at]) => {
    const json = toBody(ev);
    return new GeneratedEvent('truncated', tamper ? 'tamper' : 'job', json.slice(0, Math.floor(at * json.length)));
  });

const oversizedArb = (accounts: readonly string[]) => fc.tuple(
  baseArb(accounts),
  fc.oneof(
    { weight: 1, arbitrary: fc.constant<[string, number]>(['megabyte strings', 1_100_000]) },
    { weight: 3, arbitrary: fc.integer({ min: 10_000, max: 300_000 }).map((n): [string, number] => ['10-300 KB strings', n]) },
    { weight: 3, arbitrary: fc.integer({ min: 32, max: 100 }).map((n): [string, number] => ['32+ resources', n]) },
    { weight: 3, arbitrary: fc.integer({ min: 513, max: 20_000 }).map((n): [string, number] => ['long ARNs', n]) },
    { weight: 1, arbitrary: fc.constant<[string, number]>(['300 KB ARN', 300_000]) },
    { weight: 1, arbitrary: fc.constant<[string, number]>(['40 ARNs of 8,000 characters', 40]) },
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
).map(([{ ev, tamper }, [variant, n], unit]) => {
  const big = (size: number) => unit.repeat(Math.ceil(size / unit.length));
  const region = ev.region;
  const partition = REGIONS.find(([, r]) => r === region)?.[0] ?? 'aws';
  const arn = (i: number, size: number) => `arn:${partition}:backup:${region}:${ev.account}:recovery-point:${i}-${'r'.repeat(size)}`;
  if (variant === '32+ resources') {
    ev.resources = Array.from({ length: n }, (_, i) => arn(i, 20));
  } else if (variant === '40 ARNs of 8,000 characters') {
    ev.resources = Array.from({ length: n }, (_, i) => arn(i, 8_000));
  } else if (variant === 'long ARNs' || variant === '300 KB ARN') {
    if (tamper) {
      setAt(ev, ['detail', 'requestParameters', 'recoveryPointArn'], arn(0, n));
    } else {
      setAt(ev, ['detail', ev['detail-type'].startsWith('Restore') ? 'sourceResourceArn' : 'resourceArn'], `arn:${partition}:ec2:${region}:${ev.account}:volume/${'v'.repeat(n)}`);
      setAt(ev, ['detail', 'backupVaultArn'], `arn:${partition}:backup:${region}:${ev.account}:backup-vault:${'b'.repeat(Math.min(n, 5000))}`);
    }
  } else if (tamper) {
    setAt(ev, ['detail', 'userAgent'], big(n));
    setAt(ev, ['detail', 'requestParameters', 'backupVaultName'], big(Math.min(n, 100_000)));
  } else {
    setAt(ev, ['detail', 'statusMessage'], big(n));
  }
  return new GeneratedEvent('oversized', `${tamper ? 'tamper ' : ''}${variant}`, toBody(ev));
});

const wrongValueArb: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.integer().map((v): [string, unknown] => ['number', v]),
  fc.double().map((v): [string, unknown] => ['number', v]),
  fc.boolean().map((v): [string, unknown] => ['boolean', v]),
  fc.constant<[string, unknown]>(['null', null]),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }).map((v): [string, unknown] => ['array', v]),
  // Fresh objects each time: a shared one would be mutated by later changes, or end up inside itself.
  fc.constant(0).map((): [string, unknown] => ['array', [['FAILED']]]),
  fc.constant(0).map((): [string, unknown] => ['object', {}]),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }).map((v): [string, unknown] => ['object', v]),
  fc.constant<[string, unknown]>(['deeply nested array', DEEP]),
);

const wrongTypedArb = (accounts: readonly string[]) => fc.tuple(
  baseArb(accounts),
  fc.array(fc.tuple(fc.nat(), wrongValueArb), { minLength: 1, maxLength: 3 }),
  fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, fc.constantFrom<unknown>('array', 42, 'FAILED', null, true).map((v) => (v === 'array' ? [] : v))),
  fc.integer({ min: 6_000, max: 12_000 }),
).map(([{ ev, tamper }, changes, whole, depth]) => {
  if (whole !== undefined) return new GeneratedEvent('wrong-typed', `whole event is ${Array.isArray(whole) ? 'an array' : whole === null ? 'null' : typeof whole}`, toBody(whole));
  const paths = tamper ? TAMPER_PATHS : JOB_PATHS;
  const kinds = new Set<string>();
  for (const [n, [kind, value]] of changes) {
    setAt(ev, pick(paths, n), value);
    kinds.add(kind);
  }
  return new GeneratedEvent('wrong-typed', [...kinds].sort().join(', '), toBody(ev, kinds.has('deeply nested array') ? depth : 0));
});

const PIECES = [
  '\u{1F600}', '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}', '\u{1F1E9}\u{1F1EA}', '\u202Eevil\u202C', 'مرحبا', 'שלום',
  'e\u0301\u0302\u0303\u0304', 'Z\u0351\u0352\u0353\u0354\u0355\u0356', '\uD800', '\uDFFF', 'a\uDC00b', '\u0000', '\u0007\u001B',
  '\uFEFF', '\u200B', ' \t\n\u3000\u00A0', '１２３４５６７８９０１２', '\u2028\u2029', '\uFFFD', '\uFFFF', '<state>', '"\'\\',
];
const unicodeStringArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PIECES) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...PIECES), { minLength: 2, maxLength: 6 }).map((a) => a.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }) },
);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const unicodeArb = (accounts: readonly string[]) => fc.tuple(
  baseArb(accounts),
  fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.constantFrom('replace', 'prefix', 'suffix', 'middle'), unicodeStringArb), { minLength: 1, maxLength: 4 }),
).map(([{ ev, tamper }, changes]) => {
  let lone = false;
  for (const [n, relevant, mode, s] of changes) {
    const paths = relevant ? (tamper ? TAMPER_PATHS : JOB_PATHS).filter((p) => p[p.length - 1] !== 'detail') : stringPaths(ev);
    if (paths.length === 0) continue;
    const path = pick(paths, n);
    const current = getAt(ev, path);
    const old = typeof current === 'string' ? current : '';
    const mid = Math.floor(old.length / 2);
    const next = mode === 'replace' ? s : mode === 'prefix' ? s + old : mode === 'suffix' ? old + s : old.slice(0, mid) + s + old.slice(mid);
    setAt(ev, path, next);
    lone ||= LONE_SURROGATE.test(next);
  }
  return new GeneratedEvent('unicode', lone ? 'with a lone surrogate' : 'valid Unicode', toBody(ev));
});

const missingArb = (accounts: readonly string[]) => fc.tuple(
  baseArb(accounts),
  fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
  fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, fc.constantFrom('empty detail', 'empty object', 'envelope only')),
).map(([{ ev, tamper }, picks, special]) => {
  if (special === 'empty object') return new GeneratedEvent('missing-fields', special, '{}');
  if (special === 'empty detail') ev.detail = {};
  if (special === 'envelope only') for (const k of Object.keys(ev)) if (!['account', 'region', 'time', 'source', 'detail-type'].includes(k)) delete ev[k];
  if (special !== undefined) return new GeneratedEvent('missing-fields', special, toBody(ev));
  const present = [...(tamper ? TAMPER_PATHS : JOB_PATHS), ...stringPaths(ev)];
  const removed = new Set<string>();
  for (const n of picks) {
    const path = pick(present, n);
    deleteAt(ev, path);
    removed.add(String(path[0]) === 'detail' && path.length > 1 ? `detail.${String(path[1])}` : String(path[0]));
  }
  return new GeneratedEvent('missing-fields', `${removed.size} field(s)`, toBody(ev));
});

const ODD_EVENT_TIMES = ['Mon, 30 Nov 2026 02:00:00 GMT', 'not a time', '2026', '20000', '+010000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z'];
const tamperArb = (accounts: readonly string[]) => fc.tuple(
  tamperChoices(accounts),
  fc.oneof(
    { weight: 20, arbitrary: fc.constant<[string, string]>(['documented', '']) },
    fc.constantFrom('StartBackupJob', 'ListBackupJobs', 'DescribeBackupVault', 'CreateBackupVault').map((n): [string, string] => ['not a tamper action', n]),
    fc.constantFrom(...PROTOTYPE_NAMES).map((n): [string, string] => ['Object.prototype member name', n]),
    fc.constant<[string, string]>(['another event source', 'ec2.amazonaws.com']),
    fc.constant<[string, string]>(['no event id', '']),
    fc.constantFrom(...ODD_EVENT_TIMES).map((t): [string, string] => ['odd eventTime', t]),
  ),
).map(([c, [variant, value]]) => {
  const ev = tamperEvent(variant === 'documented' ? c : { ...c, shape: 'call' });
  if (variant === 'not a tamper action' || variant === 'Object.prototype member name') ev.detail.eventName = value;
  if (variant === 'another event source') ev.detail.eventSource = value;
  if (variant === 'no event id') {
    delete ev.detail.eventID;
    delete ev.id;
  }
  if (variant === 'odd eventTime') ev.detail.eventTime = value;
  const name = variant === 'documented' ? (ev['detail-type'] === 'AWS API Call via CloudTrail' ? 'API call' : ev['detail-type']) : variant;
  return new GeneratedEvent('tamper', name, toBody(ev));
});

/** Any generated event, categories mixed. */
function eventArb(accounts: readonly string[]): fc.Arbitrary<GeneratedEvent> {
  return fc.oneof(
    { weight: 3, arbitrary: validArb(accounts) },
    { weight: 1, arbitrary: truncatedArb(accounts) },
    { weight: 1, arbitrary: oversizedArb(accounts) },
    { weight: 2, arbitrary: wrongTypedArb(accounts) },
    { weight: 2, arbitrary: unicodeArb(accounts) },
    { weight: 2, arbitrary: missingArb(accounts) },
    { weight: 2, arbitrary: tamperArb(accounts) },
  );
}

// ---------------------------------------------------------------------------------------------------------
// ASFF, as documented
// ---------------------------------------------------------------------------------------------------------

const REQUIRED = ['SchemaVersion', 'Id', 'ProductArn', 'GeneratorId', 'AwsAccountId', 'Types', 'CreatedAt', 'UpdatedAt', 'Severity', 'Title', 'Description', 'Resources'];
const MAX_LENGTH: Record<string, number> = { Id: 512, GeneratorId: 512, Title: 256, Description: 1024 };
const NAMESPACES = ['Software and Configuration Checks', 'TTPs', 'Effects', 'Unusual Behaviors', 'Sensitive Data Identifications'];
const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const MAX_FINDING_BYTES = 240 * 1024;

/** What Security Hub would refuse in a finding, per the ASFF pages and the BatchImportFindings reference. */
function asffProblems(f: AwsSecurityFinding): string[] {
  const problems: string[] = [];
  const x = f as Record<string, any>;
  for (const k of REQUIRED) if (x[k] === undefined) problems.push(`missing required ${k}`);
  for (const [k, max] of Object.entries(MAX_LENGTH)) if (typeof x[k] === 'string' && x[k].length > max) problems.push(`${k} longer than ${max}`);
  if (!/^\d{12}$/.test(String(x.AwsAccountId))) problems.push('AwsAccountId is not 12 digits');
  if (x.ProductArn !== `arn:${String(x.ProductArn).split(':')[1]}:securityhub:${String(x.ProductArn).split(':')[3]}:${x.AwsAccountId}:product/${x.AwsAccountId}/default`) {
    problems.push('ProductArn is not the default product ARN of AwsAccountId');
  }
  if (!Array.isArray(x.Types) || x.Types.length === 0) problems.push('no Types');
  for (const t of x.Types ?? []) if (!NAMESPACES.includes(String(t).split('/')[0]) || String(t).split('/').length > 3) problems.push(`Types value ${t}`);
  if (!['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].includes(x.Severity?.Label)) problems.push('Severity.Label');
  if (!Array.isArray(x.Resources) || x.Resources.length < 1 || x.Resources.length > 32) problems.push('Resources not 1 to 32');
  for (const r of x.Resources ?? []) {
    if (typeof r.Type !== 'string' || typeof r.Id !== 'string') problems.push('a resource without Type or Id');
    if (r.Partition !== undefined && !['aws', 'aws-cn', 'aws-us-gov'].includes(r.Partition)) problems.push(`resource Partition ${r.Partition}`);
    const other = Object.entries(r.Details?.Other ?? {});
    if (other.length > 50 || other.some(([k, v]) => k.length >= 128 || typeof v !== 'string' || v.length >= 1024)) problems.push('Details.Other over its limits');
  }
  const fields = Object.entries(x.ProductFields ?? {});
  if (fields.length > 50 || fields.some(([k, v]) => k.length > 128 || typeof v !== 'string' || v.length > 2048)) problems.push('ProductFields over their limits');
  for (const k of ['CreatedAt', 'UpdatedAt', 'FirstObservedAt', 'LastObservedAt']) {
    if (x[k] !== undefined && (!RFC_3339.test(x[k]) || !Number.isFinite(Date.parse(x[k])))) problems.push(`${k} ${x[k]} is not RFC 3339`);
  }
  if (x.RecordState !== undefined && !['ACTIVE', 'ARCHIVED'].includes(x.RecordState)) problems.push(`RecordState ${x.RecordState}`);
  walkStrings(x, '', (path, s) => {
    if (s.trim() === '') problems.push(`${path} is empty or whitespace only`);
    if (LONE_SURROGATE.test(s)) problems.push(`${path} has an unpaired surrogate`);
  });
  if (Buffer.byteLength(JSON.stringify(x), 'utf8') > MAX_FINDING_BYTES) problems.push('finding larger than 240 KB');
  return problems;
}

function walkStrings(v: unknown, path: string, visit: (path: string, s: string) => void): void {
  if (typeof v === 'string') return visit(path, v);
  if (v === null || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    visit(`${path}{key}`, k);
    walkStrings(x, path ? `${path}.${k}` : k, visit);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Bugs of src/runtime found by these properties, now fixed (each has a regression test below)
// ---------------------------------------------------------------------------------------------------------

type BugId = 'unpaired-surrogate' | 'uri-error' | 'deep-nesting' | 'prototype-name' | 'extended-year';
/** What each bug was and what the runtime does now: the titles of their regression tests below. */
const FIXED_BUGS: Record<BugId, string> = {
  'unpaired-surrogate': 'was: a lone surrogate in an event field reached the finding (invalid Unicode, refused); now it becomes U+FFFD',
  'uri-error': 'was: a lone surrogate in the job id made buildFinding throw URIError (encodeURIComponent); now the link is built',
  'deep-nesting': 'was: a deeply nested array shown in an error message escaped as RangeError; now it is a MalformedEventError',
  'prototype-name': 'was: a CloudTrail call named like an Object.prototype member (constructor, ...) was a tamper action; now refused',
  'extended-year': "was: a tamper call's eventTime with a year after 9999 gave CreatedAt '+010000-...'; now the event's own time is used",
};

// ---------------------------------------------------------------------------------------------------------
// The in-process observation of one event, mirroring the handler's routing
// ---------------------------------------------------------------------------------------------------------

const OVERRIDES = new Map([['RESTORE:FAILED', FindingSeverity.CRITICAL], ['SCAN:CANCELED', FindingSeverity.MEDIUM]]);
const FWD = '999999999999';
const HOME_REGION = 'eu-west-1';
const SELF: ImportTarget = forwarderIdentity(`arn:aws:lambda:${HOME_REGION}:${FWD}:function:security-hub-forwarder`, HOME_REGION);
/** What the handler's containers are: FORWARDER_ACCOUNT mode, no severity overrides. */
const HANDLER_DESTINATION: Destination[] = [{ mode: FindingAttribution.FORWARDER_ACCOUNT, self: SELF }];

interface Observation {
  /** The parser-layer outcome, as the README table counts it. */
  readonly outcome: string;
  readonly malformed?: string;
  readonly findingId?: string;
  readonly recordState?: string;
  readonly updatedAt?: string;
  readonly tooLarge?: boolean;
  readonly inProgress?: boolean;
  readonly raw?: unknown;
}

const PROBLEM_WORDS = ['undefined', '[object Object]', 'NaN'];

/** A destination: the attribution mode and the forwarder's own account, Region and partition. */
interface Destination {
  readonly mode: FindingAttribution;
  readonly self: ImportTarget;
}

function fail(message: string): never {
  throw new Error(message);
}

/**
 * Parses and builds one body as the handler does, for each destination (the observation is the first's), and
 * checks every in-process invariant. Throws on any violation.
 */
function observe(body: string, destinations: readonly Destination[], overrides: ReadonlyMap<string, FindingSeverity> = OVERRIDES): Observation {
  let raw: unknown;
  try {
    raw = parseJson(body);
  } catch (err) {
    return malformed(err);
  }
  const tamper = isTamperEvent(raw);
  let findings: AwsSecurityFinding[];
  try {
    if (tamper) {
      const signal = parseTamperEvent(raw as Record<string, any>);
      findings = destinations.map((d) => buildTamperFinding(signal, importTargetFor(d.mode, signal, d.self)));
      // Deterministic: the same event again (parsed again) gives the same finding.
      const again = buildTamperFinding(parseTamperEvent(JSON.parse(body)), importTargetFor(destinations[0].mode, signal, destinations[0].self));
      if (!isDeepStrictEqual(again, findings[0])) fail(`the same event gave another finding: ${JSON.stringify(again).slice(0, 500)}`);
      if (findings.some((f) => f.RecordState !== 'ACTIVE')) fail('a tamper finding is not ACTIVE');
      if (signal.isApiCall && !TAMPER_ACTIONS.includes(signal.signal)) fail(`'${signal.signal}' was taken as a tamper action`);
    } else {
      const ev = parseBackupEvent(raw);
      const reparsed = parseRecordBody(body);
      if (!isDeepStrictEqual(reparsed, ev)) fail('parseRecordBody and parseBackupEvent disagree');
      const built = destinations.map((d) => buildFinding(ev, importTargetFor(d.mode, ev, d.self), overrides));
      const { outcome, severityKey } = classify(ev);
      if (built[0] === undefined) {
        if (outcome !== JobOutcome.IN_PROGRESS || built.some((f) => f !== undefined)) fail(`no finding for a ${outcome} event`);
        return { outcome: 'in progress: no finding', inProgress: true, raw };
      }
      findings = built as AwsSecurityFinding[];
      const target = importTargetFor(destinations[0].mode, ev, destinations[0].self);
      const again = buildFinding(reparsed, target, overrides);
      if (!isDeepStrictEqual(again, findings[0])) fail(`the same event gave another finding: ${JSON.stringify(again).slice(0, 500)}`);
      const state = outcome === JobOutcome.FAILURE ? 'ACTIVE' : 'ARCHIVED';
      const label = outcome === JobOutcome.FAILURE ? severityOf(severityKey, overrides).label : FindingSeverity.INFORMATIONAL;
      for (const f of findings) if (f.RecordState !== state || f.Severity?.Label !== label) fail(`${outcome} gave ${f.RecordState} ${f.Severity?.Label}`);
      // The same protection keeps its Id whatever the event's time, id and status message.
      const r = raw as Record<string, any>;
      const later = { ...r, time: new Date(Date.parse(ev.time) + 3_600_000).toISOString(), id: 'another-event-id', detail: { ...r.detail, statusMessage: 'another message' } };
      const laterId = buildFinding(parseBackupEvent(later), target, overrides)?.Id;
      if (laterId !== findings[0].Id) fail(`a later event of the same protection has another Id: ${laterId} <> ${findings[0].Id}`);
    }
  } catch (err) {
    return malformed(err, raw);
  }
  if (findings.some((f) => f.Id !== findings[0].Id)) fail('the finding Id depends on the destination');
  let tooLarge = false;
  for (const finding of findings) {
    const large = Buffer.byteLength(JSON.stringify(finding), 'utf8') > SECURITY_HUB_LIMITS.maxFindingBytes;
    tooLarge ||= large;
    const problems = asffProblems(finding).filter((p) => !(large && p === 'finding larger than 240 KB'));
    if (problems.length > 0) fail(`invalid ASFF: ${problems.join('; ')}`);
    const text = `${finding.Title} ${finding.Description}`;
    for (const word of PROBLEM_WORDS) {
      if (text.includes(word) && !body.includes(word)) fail(`the finding's text says '${word}': ${text.slice(0, 300)}`);
    }
  }
  const [finding] = findings;
  const what = tamper ? 'tamper finding (ACTIVE)' : `finding (${finding.RecordState})`;
  const outcome = tooLarge ? 'finding over 240 KB: refused before sending' : what;
  return { outcome, findingId: finding.Id, recordState: finding.RecordState, updatedAt: finding.UpdatedAt, tooLarge, raw };
}

function malformed(err: unknown, raw?: unknown): Observation {
  if (err instanceof MalformedEventError) return { outcome: `MalformedEventError|${err.reason}`, malformed: err.reason, raw };
  throw new Error(`not a MalformedEventError: ${(err as Error)?.stack ?? String(err)}`, { cause: err });
}

// ---------------------------------------------------------------------------------------------------------
// Email input transformers
// ---------------------------------------------------------------------------------------------------------

const HOST = consoleHostOf('aws', '<region>');
const TEMPLATES: Array<[string, TextTemplate]> = [
  ...BackupEvents.ALL_JOB_KINDS.map((k): [string, TextTemplate] => [`job failure (${k})`, jobFailureMessage(k, HOST)]),
  ['policy change', policyChangeMessage(HOST)],
  ['tamper call', tamperCallMessage(HOST)],
  ['tamper state', tamperStateMessage(HOST)],
  ['other event', otherEventMessage()],
];

/**
 * Renders an event through every template, as EventBridge would deliver it to the email topic; returns how
 * many texts were rendered. No text may keep a placeholder or show `undefined` or `[object Object]` that the
 * event itself does not contain.
 */
function renderEmails(raw: unknown, body: string): number {
  // EventBridge delivers only JSON objects; a nesting this deep is beyond what the renderer (a model) can print.
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || body.includes('['.repeat(1000))) return 0;
  for (const [name, t] of TEMPLATES) {
    const text: unknown = renderInputTransformer({ InputPathsMap: t.paths, InputTemplate: t.template }, raw);
    if (typeof text !== 'string') fail(`${name}: not a string`);
    // The templates' only '<' are their placeholders: with none in the event, none may be left in the text.
    const tokens = body.includes('<') ? Object.keys(t.paths).map((k) => `<${k}>`) : ['<'];
    for (const token of [...tokens, 'undefined', '[object Object]']) {
      if (text.includes(token) && !body.includes(token)) fail(`${name}: ${token} in ${text.slice(0, 300)}`);
    }
  }
  return TEMPLATES.length;
}

// ---------------------------------------------------------------------------------------------------------
// Counting, for the README table
// ---------------------------------------------------------------------------------------------------------

type Counter = Map<string, number>;
const stats = {
  parser: new Map<Category, Counter>(),
  handler: new Map<Category, Counter>(),
  emails: new Map<Category, number>(),
  ran: { parser: false, handler: false, mixed: false },
};

function count(layer: 'parser' | 'handler', category: Category, outcome: string): void {
  const m = stats[layer].get(category) ?? new Map<string, number>();
  m.set(outcome, (m.get(outcome) ?? 0) + 1);
  stats[layer].set(category, m);
}

function total(m: Counter | undefined): number {
  return [...(m ?? new Map()).values()].reduce((a, b) => a + b, 0);
}

const n = (x: number) => x.toLocaleString('en-US');

/** "label N; label N (sub N, sub N)", in a fixed order. */
function describeOutcomes(m: Counter | undefined): string {
  if (m === undefined || m.size === 0) return '-';
  const groups = new Map<string, Counter>();
  for (const [key, c] of m) {
    const [head, sub] = key.split('|');
    const g = groups.get(head) ?? new Map<string, number>();
    g.set(sub ?? '', (g.get(sub ?? '') ?? 0) + c);
    groups.set(head, g);
  }
  return [...groups.entries()].sort((a, b) => total(b[1]) - total(a[1]) || a[0].localeCompare(b[0])).map(([head, g]) => {
    const subs = [...g.entries()].filter(([s]) => s !== '').sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return `${head} ${n(total(g))}${subs.length > 0 ? ` (${subs.map(([s, c]) => `${s} ${n(c)}`).join(', ')})` : ''}`;
  }).join('; ');
}

// ---------------------------------------------------------------------------------------------------------
// The handler in a container
// ---------------------------------------------------------------------------------------------------------

interface HandlerOutcome {
  readonly label: string;
  readonly failed: boolean;
  readonly kind: 'imported' | 'archived' | 'superseded' | 'in-progress' | 'nothing-to-close' | 'malformed' | 'build-error' | 'import-failed';
  readonly findingId?: string;
  readonly supersededBy?: string;
  readonly reason?: string;
}

const FAILURE = 'returned as batch item failure (kept for the DLQ)';

/** What the handler's own logs say became of each record (the handler logs exactly one outcome per record). */
function outcomesFromLogs(lines: string[], ids: Set<string>): Map<string, HandlerOutcome[]> {
  const out = new Map<string, HandlerOutcome[]>();
  const add = (id: string, o: HandlerOutcome) => out.set(id, [...(out.get(id) ?? []), o]);
  for (const line of lines) {
    let l: Record<string, any>;
    try {
      l = JSON.parse(line);
    } catch {
      continue;
    }
    const id = l.messageId;
    if (l.message === 'batch failed; returning every record for retry') throw new Error(`the handler failed a whole batch: ${line.slice(0, 2000)}`);
    if (typeof id !== 'string' || !ids.has(id)) continue;
    switch (l.message) {
      case 'job still in progress: no finding':
        add(id, { kind: 'in-progress', failed: false, label: 'ignored: job still in progress' });
        break;
      case 'success with no open finding: nothing to close':
        add(id, { kind: 'nothing-to-close', failed: false, label: 'ignored: not a failure and nothing to close', findingId: l.findingId });
        break;
      case 'finding imported':
        if (l.supersededBy !== undefined) {
          add(id, { kind: 'superseded', failed: false, label: 'superseded by a newer event of the same finding', findingId: l.findingId, supersededBy: l.supersededBy });
        } else if (l.recordState === 'ARCHIVED') {
          add(id, { kind: 'archived', failed: false, label: 'imported ARCHIVED (closed an open finding)', findingId: l.findingId });
        } else {
          add(id, { kind: 'imported', failed: false, label: 'imported as finding', findingId: l.findingId });
        }
        break;
      case 'malformed record':
        add(id, { kind: 'malformed', failed: true, label: `${FAILURE}|${l.reason}`, findingId: l.findingId, reason: l.reason, supersededBy: l.supersededBy });
        break;
      case 'could not build a finding':
        add(id, { kind: 'build-error', failed: true, label: `${FAILURE}|${String(l.error?.name ?? 'error')}` });
        break;
      case 'import failed':
        add(id, {
          kind: 'import-failed',
          failed: true,
          label: `${FAILURE}|Security Hub refused the finding: ${l.errorCode}`,
          findingId: l.findingId,
          reason: `${l.errorCode}: ${l.error}`,
          supersededBy: l.supersededBy,
        });
        break;
      default:
    }
  }
  return out;
}

let registry: CredentialRegistry;
let forwarderCreds: TestCredentials;
let hub: SecurityHubStandIn;
let hubUrl: string;
const containers: Container[] = [];

async function startContainer(): Promise<Container> {
  // Nothing here uses STS (FORWARDER_ACCOUNT mode): isolatedEnv points it at a closed local port.
  const c = await Container.start(isolatedEnv({ region: HOME_REGION, credentials: forwarderCreds, securityHubUrl: hubUrl }, {
    // Every record's outcome is logged at DEBUG; the import pace is raised for the test (the stand-in's too).
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    [ENV.REQUESTS_PER_SECOND]: '1000',
    [ENV.BURST]: '1000',
  }));
  containers.push(c);
  return c;
}

/** Active findings in the stand-in, by Id. */
function activeIds(): Set<string> {
  return new Set(hub.findings().filter((s) => (s.finding.RecordState ?? 'ACTIVE') === 'ACTIVE').map((s) => s.finding.Id));
}

interface BatchRun {
  readonly event: SQSEvent;
  readonly outcomes: Map<string, HandlerOutcome>;
  /** The README label of each record's outcome. */
  readonly labels: Map<string, string>;
}

/**
 * Runs one batch through a container and checks that every record is accounted for exactly once, that the
 * handler's account agrees with the in-process observation and with what the stand-in stores.
 */
async function runBatch(c: Container, items: GeneratedEvent[], activeBefore: Set<string>): Promise<BatchRun> {
  const event = sqsEvent(items.map((i) => i.body));
  const from = c.output.lines.length;
  const response = await c.invoke(event, FWD, HOME_REGION);
  const { failed, ok } = accountedFor(event, response);
  expect(failed.size + ok.size).toBe(items.length);
  const ids = new Set(event.Records.map((r) => r.messageId));
  const logged = outcomesFromLogs(c.output.lines.slice(from), ids);
  const outcomes = new Map<string, HandlerOutcome>();
  const observations = new Map<string, Observation>();
  const byFinding = new Map<string, string[]>();
  event.Records.forEach((r, i) => {
    const os = logged.get(r.messageId) ?? [];
    if (os.length !== 1) throw new Error(`record ${i} (${items[i][fc.toStringMethod]().slice(0, 500)}) has ${os.length} outcomes: ${JSON.stringify(os)}`);
    outcomes.set(r.messageId, os[0]);
    expect(failed.has(r.messageId)).toBe(os[0].failed);
    const obs = observe(items[i].body, HANDLER_DESTINATION, new Map());
    observations.set(r.messageId, obs);
    if (obs.findingId !== undefined) byFinding.set(obs.findingId, [...(byFinding.get(obs.findingId) ?? []), r.messageId]);
  });

  // Which records' findings are sent, as the README documents the lifecycle (lifecycle.ts): per finding, in time
  // order (batch order on a tie), a failure is always sent and opens an episode; a success is sent only to close
  // an open one (open in Security Hub before the batch, or opened earlier in it); otherwise nothing to close.
  const sends = new Map<string, boolean>();
  for (const [id, refs] of byFinding) {
    let open = activeBefore.has(id);
    const time = (ref: string) => Date.parse(observations.get(ref)!.updatedAt!);
    for (const ref of [...refs].sort((x, y) => time(x) - time(y))) {
      const active = observations.get(ref)!.recordState === 'ACTIVE';
      sends.set(ref, active || open);
      open = active;
    }
  }

  event.Records.forEach((r, i) => {
    const o = outcomes.get(r.messageId)!;
    const obs = observations.get(r.messageId)!;
    const where = `record ${i} (${items[i][fc.toStringMethod]().slice(0, 500)}): handler ${JSON.stringify(o)}, in process ${obs.outcome}`;
    const sameFinding = byFinding.get(obs.findingId ?? '') ?? [];
    const ok2 = (cond: boolean) => { if (!cond) throw new Error(`disagreement: ${where}`); };
    if (obs.malformed !== undefined) return ok2(o.kind === 'malformed' && o.reason === obs.malformed);
    if (obs.inProgress) return ok2(o.kind === 'in-progress');
    ok2(o.findingId === obs.findingId);
    ok2(sends.get(r.messageId) === (o.kind !== 'nothing-to-close'));
    switch (o.kind) {
      case 'imported':
      case 'archived': {
        // Held by Security Hub, at least as new as this event (a newer one may have come since).
        const stored = hub.finding(obs.findingId!)?.finding;
        ok2(stored !== undefined && Date.parse(stored.UpdatedAt) >= Date.parse(obs.updatedAt!));
        return ok2(obs.recordState === (o.kind === 'imported' ? 'ACTIVE' : 'ARCHIVED'));
      }
      case 'nothing-to-close':
        return ok2(obs.recordState === 'ARCHIVED');
      case 'superseded':
        return ok2(o.supersededBy !== r.messageId && sameFinding.includes(o.supersededBy!));
      case 'malformed':
        // Refused before sending: this finding, or the newer one of the same Id that was sent instead, is too large.
        return ok2(o.reason === 'FindingTooLarge' && sameFinding.some((id) => observations.get(id)!.tooLarge));
      default:
        // A build error or a finding Security Hub refused: never, for any generated event.
        return ok2(false);
    }
  });
  const labels = new Map([...outcomes].map(([id, o]) => [id, o.label]));
  return { event, outcomes, labels };
}

// ---------------------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------------------

describe('parsers, finding builders and email templates, in process', () => {
  test(`${n(PARSER_RUNS)} generated events: parsers throw only MalformedEventError, findings are valid ASFF and deterministic, emails render`, async () => {
    const partitions: ImportTarget[] = [SELF, { partition: 'aws-cn', accountId: FWD, region: 'cn-north-1' }, { partition: 'aws-us-gov', accountId: FWD, region: 'us-gov-west-1' }];
    let i = 0;
    await check('in-process', 0, fc.property(eventArb(ALL_ACCOUNTS), (ge) => {
      const self = partitions[i++ % partitions.length];
      // Imported as the forwarder's account, and into the source account: the same invariants for both.
      const obs = observe(ge.body, [{ mode: FindingAttribution.FORWARDER_ACCOUNT, self }, { mode: FindingAttribution.SOURCE_ACCOUNT, self }]);
      // What each category must give, whatever else happens: a valid event is never refused, a cut one never read.
      if (ge.category === 'valid' && (obs.malformed !== undefined || obs.tooLarge)) fail(`a valid event gave ${obs.outcome}`);
      if (ge.category === 'truncated' && obs.malformed !== 'NOT_JSON') fail(`a truncated body gave ${obs.outcome}`);
      count('parser', ge.category, obs.outcome);
      stats.emails.set(ge.category, (stats.emails.get(ge.category) ?? 0) + renderEmails(obs.raw, ge.body));
    }), PARSER_RUNS);
    stats.ran.parser = true;
  }, 120_000);
});

describe('email templates', () => {
  test.each(TEMPLATES)('%s: every placeholder is one of its input paths, within EventBridge limits', (_name, t) => {
    const placeholders = [...t.template.matchAll(/<([A-Za-z0-9_-]+)>/g)].map((m) => m[1]);
    expect(placeholders.filter((p) => !(p in t.paths))).toEqual([]);
    expect(Object.keys(t.paths).length).toBeLessThanOrEqual(100);
    expect(t.template.length).toBeLessThanOrEqual(8192);
  });
});

describe('handler: the real bundle in a container, against the local Security Hub stand-in', () => {
  beforeAll(async () => {
    registry = new CredentialRegistry();
    forwarderCreds = registry.longTerm(FWD);
    // The quotas are raised with the function's pace: this test is about inputs, the throttling tests about limits.
    hub = new SecurityHubStandIn(registry, { ratePerSecond: 1000, burst: 1000 });
    hubUrl = await hub.start();
    await Promise.all([startContainer(), startContainer()]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(containers.map((c) => c.stop()));
    await hub?.stop();
  });

  /** A batch of generated events, with a few records delivered twice (SQS and EventBridge retries). */
  const batchArb = (accounts: readonly string[]) => fc.tuple(
    fc.array(eventArb(accounts), { minLength: BATCH.min, maxLength: BATCH.max }),
    fc.array(fc.nat(), { maxLength: 4 }),
  ).map(([items, again]) => new Batch([...items, ...again.map((k) => items[k % items.length])]));

  test(`${HANDLER_PAIRS} pairs of batches of up to 100 records in two containers: nothing thrown, nothing lost, only valid ASFF sent`, async () => {
    const [first, second] = containers;
    await check('handler', 1, fc.asyncProperty(fc.tuple(batchArb(POOL_A), batchArb(POOL_B)), async ([{ items: a }, { items: b }]) => {
      // The two containers' accounts differ, so their findings do too: what one imports cannot change the other's outcome.
      const callsBefore = hub.calls.length;
      const activeBefore = activeIds();
      const runs = await Promise.all([runBatch(first, a, activeBefore), runBatch(second, b, activeBefore)]);
      const calls = hub.calls.slice(callsBefore);
      expect(calls.filter((c) => c.status !== 200)).toEqual([]);
      // Every finding sent was accepted.
      expect(calls.reduce((s, c) => s + c.failedFindings, 0)).toBe(0);
      for (const [items, r] of [[a, runs[0]], [b, runs[1]]] as const) {
        r.event.Records.forEach((rec, i) => {
          if (items[i].category === 'valid' && r.outcomes.get(rec.messageId)!.failed) fail(`a valid event was returned: ${items[i][fc.toStringMethod]()}`);
          count('handler', items[i].category, r.labels.get(rec.messageId)!);
        });
      }
    }), HANDLER_PAIRS, true);
    // What Security Hub holds is valid ASFF, checked independently of the stand-in's own validation.
    for (const s of hub.findings()) expect([s.finding.Id, asffProblems(s.finding as AwsSecurityFinding)]).toEqual([s.finding.Id, []]);
    stats.ran.handler = true;
  }, 180_000);

  test('a batch mixing malformed records with good ones: the good ones are imported, only the malformed ones come back', async () => {
    const [fn] = containers;
    let run = 0;
    const failureArb = jobChoices([MIXED_ACCOUNT]).map((c) => jobEvent(c, 'FAILED'));
    const malformedArb = fc.oneof(truncatedArb([MIXED_ACCOUNT]), wrongTypedArb([MIXED_ACCOUNT]), missingArb([MIXED_ACCOUNT]))
      .filter((ge) => observe(ge.body, HANDLER_DESTINATION, new Map()).malformed !== undefined);
    await check('mixed batch', 2, fc.asyncProperty(
      fc.array(failureArb, { minLength: 20, maxLength: 50 }), fc.array(malformedArb, { minLength: 20, maxLength: 50 }), fc.integer(),
      async (failures, bad, shuffle) => {
        run++;
        // Each good record a protection of its own: one finding each.
        const good = failures.map((ev, i) => {
          const unique = `arn:aws:ec2:us-west-2:${MIXED_ACCOUNT}:volume/vol-mixed-${run}-${i}`;
          for (const field of ['resourceArn', 'sourceResourceArn', 'recoveryPointArn']) ev.detail[field] = field === 'recoveryPointArn' ? `${unique}-rp` : unique;
          return new GeneratedEvent('valid', ev['detail-type'], JSON.stringify(ev));
        });
        const items = [...good.map((g) => ({ g, isGood: true })), ...bad.map((g) => ({ g, isGood: false }))];
        let state = Math.abs(shuffle) + 1;
        for (let i = items.length - 1; i > 0; i--) {
          state = (state * 48271) % 2147483647;
          const j = state % (i + 1);
          [items[i], items[j]] = [items[j], items[i]];
        }
        const { event, outcomes, labels } = await runBatch(fn, items.map((x) => x.g), activeIds());
        const failed = new Set([...outcomes.entries()].filter(([, o]) => o.failed).map(([id]) => id));
        expect(failed).toEqual(new Set(event.Records.filter((_, i) => !items[i].isGood).map((r) => r.messageId)));
        event.Records.forEach((r, i) => {
          count('handler', items[i].g.category, labels.get(r.messageId)!);
          if (!items[i].isGood) return;
          const id = observe(items[i].g.body, HANDLER_DESTINATION, new Map()).findingId!;
          expect([outcomes.get(r.messageId)!.kind, hub.finding(id)?.finding.RecordState]).toEqual(['imported', 'ACTIVE']);
        });
      }), MIXED_RUNS, true);
    stats.ran.mixed = true;
  }, 120_000);
});

describe('what was generated', () => {
  const generated = (c: Category) => total(stats.parser.get(c)) + total(stats.handler.get(c));

  test('at least 10,000 events, every category through both layers, at least 2,000 records through the handler', () => {
    expect(stats.ran).toEqual({ parser: true, handler: true, mixed: true });
    expect(CATEGORIES.reduce((s, c) => s + generated(c), 0)).toBeGreaterThanOrEqual(10_000);
    expect(CATEGORIES.reduce((s, c) => s + total(stats.handler.get(c)), 0)).toBeGreaterThanOrEqual(2_000);
    for (const c of CATEGORIES) expect([c, total(stats.parser.get(c)) > 0, total(stats.handler.get(c)) > 0]).toEqual([c, true, true]);
  });

  (DEFAULT_RUN ? test : test.skip)('README: the table of generated inputs and what became of them (default seed only)', () => {
    expect(stats.ran).toEqual({ parser: true, handler: true, mixed: true });
    const header = ['Input category', 'Generated', 'Parsers and finding builders (in process)', 'Email templates', 'Handler (bundle, Security Hub stand-in)'];
    const rows = CATEGORIES.map((c) => [
      `${c}: ${CATEGORY_TEXT[c]}`,
      n(generated(c)),
      `${n(total(stats.parser.get(c)))}: ${describeOutcomes(stats.parser.get(c))}`,
      stats.emails.get(c) ? `${n(stats.emails.get(c)!)} texts, no placeholder left` : 'none (not JSON objects)',
      `${n(total(stats.handler.get(c)))}: ${describeOutcomes(stats.handler.get(c))}`,
    ]);
    const all = CATEGORIES.reduce((s, c) => s + generated(c), 0);
    const footer = `Seed ${DEFAULT_SEED}; ${n(all)} events. In process each event is parsed and built for both attribution modes `
      + 'and checked against the ASFF rules; through the handler it is one record of an SQS batch of up to 100 (a few delivered twice, '
      + "as SQS redelivers), and its outcome is what the handler's own logs and the stand-in's store agree on. "
      + 'The five bugs these properties found (FIXED_BUGS in the test) are fixed, each kept as a regression test.';
    expectGeneratedBlock('fuzz', `${markdownTable(header, rows)}\n\n${footer}`);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The bugs these properties found: minimal reproductions, kept as regression tests
// ---------------------------------------------------------------------------------------------------------

describe('bugs found by these properties, fixed: their minimal reproductions', () => {
  const dest: ImportTarget = SELF;
  const failed = () => ({ ...fixture('backup-failed', '111111111111') });

  test(FIXED_BUGS['unpaired-surrogate'], () => {
    const ev = failed();
    ev.detail.statusMessage = 'x\uD800';
    expect(asffProblems(buildFinding(parseRecordBody(JSON.stringify(ev)), dest)!)).toEqual([]);
  });

  test(FIXED_BUGS['uri-error'], () => {
    const ev = failed();
    ev.detail.backupJobId = 'job-\uD800';
    expect(() => buildFinding(parseRecordBody(JSON.stringify(ev)), dest)).not.toThrow();
  });

  test(FIXED_BUGS['deep-nesting'], () => {
    const body = `{"source":${'['.repeat(12_000)}${']'.repeat(12_000)}}`;
    expect(() => parseRecordBody(body)).toThrow(MalformedEventError);
  });

  test(FIXED_BUGS['prototype-name'], () => {
    const ev = apiCall('DeleteRecoveryPoint');
    ev.detail.eventName = 'constructor';
    expect(() => parseTamperEvent(ev)).toThrow(MalformedEventError);
  });

  test(FIXED_BUGS['extended-year'], () => {
    const ev = apiCall('DeleteRecoveryPoint');
    ev.detail.eventTime = '20000';
    expect(asffProblems(buildTamperFinding(parseTamperEvent(ev), dest))).toEqual([]);
  });
});
