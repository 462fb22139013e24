/**
 * AWS Backup job event -> AWS Security Finding Format (ASFF) finding. Pure: no I/O, no clock, no SDK.
 *
 * One finding per (source account, source Region, job kind, resource): its `Id` is derived from those alone,
 * so SQS redeliveries, EventBridge retries and repeated failures of the same resource update one finding
 * instead of piling up duplicates. A later success re-imports the same `Id` with `RecordState: ARCHIVED`;
 * a later failure re-imports it `ACTIVE` again. `UpdatedAt` is the event's own `time`, and Security Hub
 * ignores a re-import whose `UpdatedAt` is not strictly later than the stored one, so an older event that
 * arrives late can never move a finding back.
 */
import { createHash } from 'crypto';
import type { AwsSecurityFinding, Partition, Resource } from '@aws-sdk/client-securityhub';
import { BackupEvents, BackupJobKind, BackupJobState } from '../backup-events';
import { NON_FAILURE_STATES } from '../private/job-patterns';
import { consoleHostOf } from '../shared/console-links';

/** Severity labels accepted by Security Hub (`Severity.Label`). */
export enum SeverityLabel {
  INFORMATIONAL = 'INFORMATIONAL',
  LOW = 'LOW',
  MEDIUM = 'MEDIUM',
  HIGH = 'HIGH',
  CRITICAL = 'CRITICAL',
}

/** What a job event means for its finding. */
export enum JobOutcome {
  /** The protection did not happen (or a scan found threats): the finding is imported `ACTIVE`. */
  FAILURE = 'FAILURE',
  /** The job completed (a scan without threats): the finding is re-imported `ARCHIVED`. */
  SUCCESS = 'SUCCESS',
  /** CREATED, PENDING, RUNNING, ABORTING: nothing to report yet; no finding. */
  IN_PROGRESS = 'IN_PROGRESS',
}

/** Why an event cannot become a finding. Stable codes: they appear in logs and tests. */
export type MalformedReason =
  | 'NOT_JSON'
  | 'NOT_AN_OBJECT'
  | 'UNEXPECTED_SOURCE'
  | 'MISSING_DETAIL_TYPE'
  | 'UNSUPPORTED_DETAIL_TYPE'
  | 'BAD_ACCOUNT'
  | 'BAD_REGION'
  | 'BAD_TIME'
  | 'MISSING_DETAIL'
  | 'MISSING_STATE'
  | 'NO_RESOURCE_OR_JOB_ID'
  | 'FINDING_TOO_LARGE';

/**
 * An event that can never become a valid finding, whatever the retry: the handler reports it as a batch item
 * failure so that SQS moves it to the dead-letter queue after `maxReceiveCount` receives.
 */
export class MalformedEventError extends Error {
  public readonly reason: MalformedReason;

  constructor(reason: MalformedReason, message: string) {
    super(`${reason}: ${message}`);
    this.name = 'MalformedEventError';
    this.reason = reason;
  }
}

/** A job state-change event, parsed defensively: every optional field may be missing in real payloads. */
export interface BackupJobEvent {
  readonly eventId?: string;
  readonly kind: BackupJobKind;
  /** The state as reported (`detail.state`, or `detail.status` for restores), upper case. */
  readonly state: string;
  /** The 12-digit account where the job ran. */
  readonly account: string;
  /** The Region where the job ran. */
  readonly region: string;
  /** The event's `time`, normalised to ISO 8601 with milliseconds (`Date.toISOString()`). */
  readonly time: string;
  readonly jobId?: string;
  /** The protected resource: `detail.resourceArn`, or `detail.sourceResourceArn` on restore events. */
  readonly resourceArn?: string;
  readonly resourceType?: string;
  readonly backupVaultArn?: string;
  readonly backupVaultName?: string;
  readonly destinationBackupVaultArn?: string;
  readonly recoveryPointArn?: string;
  readonly destinationRecoveryPointArn?: string;
  readonly createdResourceArn?: string;
  readonly backupPlanArn?: string;
  readonly backupPlanId?: string;
  readonly restoreTestingPlanArn?: string;
  /** `detail.statusMessage`, trimmed and stripped of the literal quotes AWS Backup sometimes wraps it in. */
  readonly statusMessage?: string;
  readonly scanResultStatus?: string;
  readonly backupSizeInBytes?: string;
  readonly bytesTransferred?: string;
  /** The event's top-level `resources` ARNs (for example the recovery point of a completed backup). */
  readonly eventResources: string[];
}

/** Where a finding is imported: its `AwsAccountId`, and the Region and partition of its product ARN. */
export interface FindingDestination {
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
}

/** Severity per `KIND:STATE` key (for example `RESTORE:FAILED`, `SCAN:THREATS_FOUND`). */
export type SeverityOverrides = ReadonlyMap<string, SeverityLabel>;

/** ASFF limits (Security Hub user guide, "ASFF required attributes" and the `Other`/`ProductFields` pages). */
export const LIMITS = {
  ID: 512,
  GENERATOR_ID: 512,
  TITLE: 256,
  DESCRIPTION: 1024,
  MAX_RESOURCES: 32,
  PRODUCT_FIELDS: 50,
  PRODUCT_FIELD_KEY: 128,
  PRODUCT_FIELD_VALUE: 2048,
  OTHER_FIELDS: 50,
  /** "fewer than 128 characters" */
  OTHER_KEY: 127,
  /** "fewer than 1,024 characters" */
  OTHER_VALUE: 1023,
} as const;

/** Prefix of every finding `Id` and `GeneratorId`; findings of this library are easy to filter on. */
export const ID_PREFIX = 'cdk-backup-alarms';

/** The key that selects the severity of a scan that found threats, whatever the scan's state. */
export const SCAN_THREATS_KEY = `${BackupJobKind.SCAN}:${BackupEvents.SCAN_THREATS_FOUND}`;

/**
 * Default severities, and why. Override any of them with `SEVERITY_OVERRIDES`.
 *
 * | Key                        | Severity | Why                                                                                  |
 * | -------------------------- | -------- | ------------------------------------------------------------------------------------ |
 * | BACKUP:FAILED              | HIGH     | no new recovery point: the recovery point objective is missed until a job succeeds   |
 * | BACKUP:EXPIRED             | HIGH     | the job never started inside its window: a missed backup, as bad as a failure         |
 * | BACKUP:ABORTED             | MEDIUM   | no recovery point, but a stop is usually deliberate (an operator, a closing window)    |
 * | BACKUP:PARTIAL             | MEDIUM   | part of the resource (some members of a composite job) is protected                   |
 * | COPY:FAILED                | MEDIUM   | the source recovery point exists; the copy that survives losing its account or Region does not |
 * | COPY:PARTIAL               | LOW      | part of that copy exists                                                              |
 * | RESTORE:FAILED             | HIGH     | a restore that fails is data you cannot get back; a failed restore test says backups may not be restorable |
 * | RESTORE:ABORTED            | MEDIUM   | nothing was restored, but a stop is usually deliberate                                |
 * | SCAN:THREATS_FOUND         | CRITICAL | malware in a recovery point: restoring it brings the compromise back                  |
 * | SCAN:FAILED                | MEDIUM   | the recovery point is not known to be clean                                           |
 * | SCAN:COMPLETED_WITH_ISSUES | LOW      | most of it was scanned clean; some files could not be                                 |
 * | SCAN:CANCELED              | LOW      | no result, usually deliberate                                                         |
 * | any other failure state    | MEDIUM   | a state AWS Backup adds later: surfaced, neither ignored nor paging anyone             |
 * | any success (ARCHIVED)     | INFORMATIONAL | the finding is closed                                                            |
 */
export const DEFAULT_SEVERITIES: ReadonlyMap<string, { readonly label: SeverityLabel; readonly why: string }> = new Map([
  ['BACKUP:FAILED', { label: SeverityLabel.HIGH, why: 'no new recovery point was created, so the recovery point objective is missed until a later job succeeds' }],
  ['BACKUP:EXPIRED', { label: SeverityLabel.HIGH, why: 'the job never started inside its start window: a missed backup' }],
  ['BACKUP:ABORTED', { label: SeverityLabel.MEDIUM, why: 'no recovery point was created; a stopped job is usually, but not always, deliberate' }],
  ['BACKUP:PARTIAL', { label: SeverityLabel.MEDIUM, why: 'only part of the resource was backed up' }],
  ['COPY:FAILED', { label: SeverityLabel.MEDIUM, why: 'the source recovery point exists, but the copy that protects against losing its account or Region does not' }],
  ['COPY:PARTIAL', { label: SeverityLabel.LOW, why: 'only part of the copy exists' }],
  ['RESTORE:FAILED', { label: SeverityLabel.HIGH, why: 'a restore that fails is data you cannot get back; a failed restore test means the backups may not be restorable' }],
  ['RESTORE:ABORTED', { label: SeverityLabel.MEDIUM, why: 'nothing was restored; a stopped restore is usually deliberate' }],
  [SCAN_THREATS_KEY, { label: SeverityLabel.CRITICAL, why: 'the malware scan found threats in a recovery point: restoring it would bring them back' }],
  ['SCAN:FAILED', { label: SeverityLabel.MEDIUM, why: 'the recovery point is not known to be free of malware' }],
  ['SCAN:COMPLETED_WITH_ISSUES', { label: SeverityLabel.LOW, why: 'the scan could not check every file' }],
  ['SCAN:CANCELED', { label: SeverityLabel.LOW, why: 'the scan produced no result' }],
]);

const UNKNOWN_FAILURE = { label: SeverityLabel.MEDIUM, why: 'AWS Backup reported a state that this library does not know as a success' };

/**
 * The `KIND:STATE` keys whose severity can be overridden: every state of the kind that is not a progress or
 * success state, plus `SCAN:THREATS_FOUND`.
 */
export function overridableSeverityKeys(): string[] {
  const keys: string[] = [];
  for (const kind of BackupEvents.ALL_JOB_KINDS) {
    for (const state of BackupEvents.statesOf(kind)) {
      if (!NON_FAILURE_STATES.includes(state)) keys.push(`${kind}:${state}`);
    }
  }
  keys.push(SCAN_THREATS_KEY);
  return keys;
}

/** The severity of a failure key, and the reason shown in the finding's description. */
export function severityOf(key: string, overrides?: SeverityOverrides): { label: SeverityLabel; why: string } {
  const base = DEFAULT_SEVERITIES.get(key) ?? UNKNOWN_FAILURE;
  const override = overrides?.get(key);
  return override === undefined ? base : { label: override, why: `${base.why} (severity set by SEVERITY_OVERRIDES)` };
}

// ---------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------

const ACCOUNT = /^\d{12}$/;
// us-west-2, us-gov-west-1, cn-north-1, and the four-letter prefixes of newer partitions (eusc-de-east-1).
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const STATE = /^[A-Z][A-Z_]*$/;
const ARN = /^arn:[a-z0-9-]+:[a-z0-9-]*:/;

const JOB_ID_FIELD: Record<BackupJobKind, string> = {
  [BackupJobKind.BACKUP]: 'backupJobId',
  [BackupJobKind.COPY]: 'copyJobId',
  [BackupJobKind.RESTORE]: 'restoreJobId',
  [BackupJobKind.SCAN]: 'scanJobId',
};

/** Parses an SQS message body: one EventBridge event as JSON. */
export function parseRecordBody(body: string | undefined): BackupJobEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(body ?? '');
  } catch (err) {
    throw new MalformedEventError('NOT_JSON', `the message body is not JSON (${(err as Error).message})`);
  }
  return parseBackupEvent(raw);
}

/**
 * Validates and normalises an AWS Backup job state-change event.
 *
 * The envelope must be exact, because it decides where the finding goes: a 12-digit `account` (the AWS
 * documentation's examples use the 13-digit `1112233445566`, which Security Hub would reject), a Region, an
 * ISO 8601 `time` and a job `detail-type`. The `detail` is read defensively: sizes as strings or numbers,
 * `{}` where an ARN was expected, a missing vault or resource ARN, a quoted status message.
 */
export function parseBackupEvent(raw: unknown): BackupJobEvent {
  if (!isObject(raw)) throw new MalformedEventError('NOT_AN_OBJECT', 'the event is not a JSON object');
  if (raw.source !== BackupEvents.SOURCE) {
    // Anything else on this queue is a wiring mistake, and "Security Hub Findings - Imported" would be a loop.
    throw new MalformedEventError('UNEXPECTED_SOURCE', `source is ${show(raw.source)}, expected '${BackupEvents.SOURCE}'`);
  }
  const detailType = raw['detail-type'];
  if (typeof detailType !== 'string' || detailType.trim() === '') {
    throw new MalformedEventError('MISSING_DETAIL_TYPE', 'the event has no detail-type');
  }
  const kind = BackupEvents.kindOfDetailType(detailType);
  if (kind === undefined) {
    throw new MalformedEventError('UNSUPPORTED_DETAIL_TYPE', `detail-type '${detailType}' is not a job state change (expected one of ${
      BackupEvents.ALL_JOB_KINDS.map((k) => `'${BackupEvents.detailTypeOf(k)}'`).join(', ')})`);
  }
  const account = raw.account;
  if (typeof account !== 'string' || !ACCOUNT.test(account)) {
    throw new MalformedEventError('BAD_ACCOUNT', `account is ${show(account)}, expected exactly 12 digits`);
  }
  const region = raw.region;
  if (typeof region !== 'string' || !REGION.test(region)) {
    throw new MalformedEventError('BAD_REGION', `region is ${show(region)}, expected a Region name such as 'eu-west-1'`);
  }
  const time = raw.time;
  if (typeof time !== 'string' || !ISO_8601.test(time) || !Number.isFinite(Date.parse(time))) {
    throw new MalformedEventError('BAD_TIME', `time is ${show(time)}, expected an ISO 8601 timestamp`);
  }
  const detail = raw.detail;
  if (!isObject(detail)) throw new MalformedEventError('MISSING_DETAIL', 'the event has no detail object');

  // Restores report `status`, except the documented restore CREATED example, which uses `state`.
  const primary = BackupEvents.stateFieldOf(kind);
  const stateValue = detail[primary] ?? detail[primary === 'state' ? 'status' : 'state'];
  const state = typeof stateValue === 'string' ? stateValue.trim().toUpperCase() : undefined;
  if (state === undefined || !STATE.test(state)) {
    throw new MalformedEventError('MISSING_STATE', `detail.${primary} is ${show(stateValue)}`);
  }

  const createdBy = isObject(detail.createdBy) ? detail.createdBy : {};
  const scanResult = isObject(detail.scanResult) ? detail.scanResult : {};
  const eventResources = Array.isArray(raw.resources) ? raw.resources.filter(isArn) : [];
  return {
    eventId: text(raw.id),
    kind,
    state,
    account,
    region,
    time: new Date(time).toISOString(),
    jobId: text(detail[JOB_ID_FIELD[kind]]),
    resourceArn: arn(detail.resourceArn) ?? arn(detail.sourceResourceArn),
    resourceType: text(detail.resourceType),
    backupVaultArn: arn(detail.backupVaultArn) ?? arn(detail.sourceBackupVaultArn),
    backupVaultName: text(detail.backupVaultName),
    destinationBackupVaultArn: arn(detail.destinationBackupVaultArn),
    recoveryPointArn: arn(detail.recoveryPointArn),
    destinationRecoveryPointArn: arn(detail.destinationRecoveryPointArn),
    createdResourceArn: arn(detail.createdResourceArn),
    backupPlanArn: arn(createdBy.backupPlanArn) ?? arn(detail.backupPlanArn),
    backupPlanId: text(createdBy.backupPlanId) ?? text(detail.backupPlanId),
    restoreTestingPlanArn: arn(detail.restoreTestingPlanArn) ?? arn(createdBy.restoreTestingPlanArn),
    statusMessage: unquote(text(detail.statusMessage)),
    scanResultStatus: text(scanResult.scanResultStatus),
    backupSizeInBytes: size(detail.backupSizeInBytes),
    bytesTransferred: size(detail.bytesTransferred),
    eventResources,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Classification, identity
// ---------------------------------------------------------------------------------------------------------

/**
 * Failure, success or still running; and the severity key of a failure. A scan that found threats is a
 * failure whatever its state (the documented example is a COMPLETED scan); any state that is neither a
 * progress nor a success state counts as a failure, as on the central bus, so a state AWS Backup adds later
 * is surfaced rather than dropped.
 */
export function classify(ev: BackupJobEvent): { outcome: JobOutcome; severityKey: string } {
  const key = `${ev.kind}:${ev.state}`;
  if (ev.kind === BackupJobKind.SCAN && ev.scanResultStatus === BackupEvents.SCAN_THREATS_FOUND) {
    return { outcome: JobOutcome.FAILURE, severityKey: SCAN_THREATS_KEY };
  }
  if (ev.state === BackupJobState.COMPLETED) return { outcome: JobOutcome.SUCCESS, severityKey: key };
  if ((NON_FAILURE_STATES as string[]).includes(ev.state)) return { outcome: JobOutcome.IN_PROGRESS, severityKey: key };
  return { outcome: JobOutcome.FAILURE, severityKey: key };
}

/**
 * The resource a finding is about, which with account, Region and job kind makes its identity. A copy job is
 * keyed on its destination vault as well: a resource copied to two places (another Region and another
 * account) has two independent protections, and one's success must not archive the other's failure.
 * A restore's resource is the one it restores from (`sourceResourceArn`, read into `resourceArn`), so that a
 * later successful restore (test) of the same resource archives the failure; restore events often carry no
 * resource ARN at all (the documented FAILED example), hence the fall-backs: created resource, recovery
 * point, restore testing plan, and finally the job itself. A scan is keyed on the recovery point it scanned. A
 * backup job is keyed on its vault as well, for the same reason as a copy: two plans may back up one resource
 * into two vaults.
 */
export function resourceKeyOf(ev: BackupJobEvent): string {
  let key: string | undefined;
  switch (ev.kind) {
    case BackupJobKind.RESTORE:
      key = ev.resourceArn ?? ev.createdResourceArn ?? ev.recoveryPointArn ?? ev.restoreTestingPlanArn ?? jobKey(ev);
      break;
    case BackupJobKind.SCAN:
      // A scan judges one recovery point: a clean scan of a newer one must not close the finding of an
      // infected one, which would still bring the malware back if restored.
      key = ev.recoveryPointArn ?? ev.resourceArn ?? jobKey(ev);
      break;
    case BackupJobKind.COPY:
      key = ev.resourceArn === undefined ? ev.recoveryPointArn ?? jobKey(ev)
        : ev.destinationBackupVaultArn === undefined ? ev.resourceArn : `${ev.resourceArn}|${ev.destinationBackupVaultArn}`;
      break;
    default: {
      // A resource may be protected by several plans into several vaults: a success into one vault must not
      // archive the failure of another. The vault's name keys it (events carry the name, the ARN or both).
      const vault = vaultNameOf(ev);
      key = ev.resourceArn === undefined ? ev.recoveryPointArn ?? jobKey(ev)
        : vault === undefined ? ev.resourceArn : `${ev.resourceArn}|vault/${vault}`;
    }
  }
  if (key === undefined) {
    throw new MalformedEventError('NO_RESOURCE_OR_JOB_ID', `the ${ev.kind} event names neither a resource nor a job id`);
  }
  return key;
}

function vaultNameOf(ev: BackupJobEvent): string | undefined {
  return ev.backupVaultName ?? (ev.backupVaultArn === undefined ? undefined : /:backup-vault:(.+)$/.exec(ev.backupVaultArn)?.[1]);
}

function jobKey(ev: BackupJobEvent): string | undefined {
  return ev.jobId === undefined ? undefined : `${ev.kind.toLowerCase()}-job/${ev.jobId}`;
}

/**
 * The finding `Id`: `cdk-backup-alarms/<account>/<region>/<KIND>/<resource key>`, or, when that would exceed
 * 512 characters, the same with the resource key replaced by `sha256/<hex>` (still deterministic).
 */
export function findingIdOf(ev: BackupJobEvent): string {
  const head = `${ID_PREFIX}/${ev.account}/${ev.region}/${ev.kind}/`;
  const key = resourceKeyOf(ev);
  const id = head + key;
  if (id.length <= LIMITS.ID) return id;
  return `${head}sha256/${createHash('sha256').update(key).digest('hex')}`;
}

/** `GeneratorId`: one stable value per job kind, so insights and automation rules can group on it. */
export function generatorIdOf(kind: BackupJobKind): string {
  return `${ID_PREFIX}/aws-backup/${kind.toLowerCase()}-job-state`;
}

/** The default product ARN of an account, the only one through which that account may import. */
export function productArnOf(partition: string, region: string, accountId: string): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

const KIND_TITLE: Record<BackupJobKind, string> = {
  [BackupJobKind.BACKUP]: 'Backup',
  [BackupJobKind.COPY]: 'Copy',
  [BackupJobKind.RESTORE]: 'Restore',
  [BackupJobKind.SCAN]: 'Scan',
};

/**
 * `Types`, in the documented namespaces. Every finding of this library carries
 * `Software and Configuration Checks/AWS Backup/<Kind> Job Failed` (a custom category inside a documented
 * namespace, which the taxonomy allows), so one filter finds them all; the category stays the same when the
 * finding is archived, because it names what the finding tracks. A scan that found threats adds
 * `TTPs/Execution/Malicious File In Recovery Point`: the threat is malware (GuardDuty, which runs the scan,
 * classifies malicious files under the Execution tactic), not a configuration problem.
 */
export function typesOf(ev: BackupJobEvent): string[] {
  const types = [`Software and Configuration Checks/AWS Backup/${KIND_TITLE[ev.kind]} Job Failed`];
  if (classify(ev).severityKey === SCAN_THREATS_KEY) types.push('TTPs/Execution/Malicious File In Recovery Point');
  return types;
}

/** The job's page in the AWS Backup console of the source account and Region. */
export function consoleUrlOf(ev: BackupJobEvent, partition: string): string | undefined {
  if (ev.jobId === undefined) return undefined;
  return `https://${consoleHostOf(partition, ev.region)}/backup/home?region=${ev.region}#/jobs/${ev.kind.toLowerCase()}/details/${encodeURIComponent(ev.jobId)}`;
}

// ---------------------------------------------------------------------------------------------------------
// The finding
// ---------------------------------------------------------------------------------------------------------

/**
 * Builds the finding for a job event, to be imported at `dest`, or `undefined` for a job still in progress.
 *
 * `dest` is where the finding is imported (see attribution.ts): the source account itself, or the
 * forwarder's own account. Either way the source account and Region are in the title, the resources and the
 * product fields, so a finding imported centrally still says where the job ran.
 */
export function buildFinding(ev: BackupJobEvent, dest: FindingDestination, overrides?: SeverityOverrides): AwsSecurityFinding | undefined {
  const { outcome, severityKey } = classify(ev);
  if (outcome === JobOutcome.IN_PROGRESS) return undefined;

  const failed = outcome === JobOutcome.FAILURE;
  const severity = failed ? severityOf(severityKey, overrides) : { label: SeverityLabel.INFORMATIONAL, why: 'the job completed' };
  const what = describeJob(ev);
  const threats = severityKey === SCAN_THREATS_KEY;
  const stateText = threats ? `${ev.state} with threats found` : ev.state;
  const where = `${ev.account} ${ev.region}`;
  const types = typesOf(ev);
  const consoleUrl = consoleUrlOf(ev, dest.partition);

  const sentences = [
    `${what.subject} ended in state ${stateText} at ${ev.time} (account ${ev.account}, Region ${ev.region}).`,
    failed
      ? `Severity ${severity.label}: ${severity.why}.`
      : 'This closes the finding: a later failure for the same resource opens it again.',
  ];
  if (ev.statusMessage !== undefined) sentences.push(`Status message: ${ev.statusMessage}`);

  const finding: AwsSecurityFinding = {
    SchemaVersion: '2018-10-08',
    Id: findingIdOf(ev),
    ProductArn: productArnOf(dest.partition, dest.region, dest.accountId),
    ProductName: ID_PREFIX,
    GeneratorId: generatorIdOf(ev.kind),
    AwsAccountId: dest.accountId,
    Types: types,
    // A first sighting; lifecycle.ts keeps CreatedAt and FirstObservedAt of a finding that is already open.
    CreatedAt: ev.time,
    UpdatedAt: ev.time,
    FirstObservedAt: failed ? ev.time : undefined,
    LastObservedAt: failed ? ev.time : undefined,
    Severity: { Label: severity.label, Original: severity.label },
    // Security Hub takes a provider's later Severity and Types from here, not from the top-level fields.
    FindingProviderFields: { Severity: { Label: severity.label, Original: severity.label }, Types: types },
    Title: truncate(`[${where}] AWS Backup ${what.noun} ${stateText}: ${what.target}`, LIMITS.TITLE),
    Description: truncate(sentences.join(' '), LIMITS.DESCRIPTION),
    SourceUrl: consoleUrl,
    ProductFields: productFields(ev, { consoleUrl, stateText }),
    Resources: resourcesOf(ev, dest.partition),
    RecordState: failed ? 'ACTIVE' : 'ARCHIVED',
  };
  return dropBlank(finding) as AwsSecurityFinding;
}

function describeJob(ev: BackupJobEvent): { subject: string; noun: string; target: string } {
  const noun = ev.kind === BackupJobKind.SCAN ? 'malware scan job' : `${ev.kind.toLowerCase()} job`;
  const target = ev.resourceArn ?? ev.createdResourceArn ?? ev.recoveryPointArn ?? ev.restoreTestingPlanArn
    ?? (ev.jobId !== undefined ? `job ${ev.jobId}` : 'unknown resource');
  const job = ev.jobId !== undefined ? ` ${ev.jobId}` : '';
  const of = ev.resourceArn !== undefined ? ` of ${ev.resourceArn}` : '';
  const dest = ev.kind === BackupJobKind.COPY && ev.destinationBackupVaultArn !== undefined ? ` to ${ev.destinationBackupVaultArn}` : '';
  const plan = ev.restoreTestingPlanArn !== undefined ? ` (restore testing plan ${ev.restoreTestingPlanArn})` : '';
  return { subject: `The AWS Backup ${noun}${job}${of}${dest}${plan}`, noun, target };
}

function productFields(ev: BackupJobEvent, extra: { consoleUrl?: string; stateText: string }): Record<string, string> {
  const fields: Record<string, string | undefined> = {
    'cdk-backup-alarms/JobKind': ev.kind,
    'cdk-backup-alarms/JobId': ev.jobId,
    'cdk-backup-alarms/State': extra.stateText,
    'cdk-backup-alarms/SourceAccount': ev.account,
    'cdk-backup-alarms/SourceRegion': ev.region,
    'cdk-backup-alarms/ResourceArn': ev.resourceArn,
    'cdk-backup-alarms/ResourceType': ev.resourceType,
    'cdk-backup-alarms/BackupVaultArn': ev.backupVaultArn,
    'cdk-backup-alarms/BackupVaultName': ev.backupVaultName,
    'cdk-backup-alarms/DestinationBackupVaultArn': ev.destinationBackupVaultArn,
    'cdk-backup-alarms/RecoveryPointArn': ev.recoveryPointArn,
    'cdk-backup-alarms/DestinationRecoveryPointArn': ev.destinationRecoveryPointArn,
    'cdk-backup-alarms/CreatedResourceArn': ev.createdResourceArn,
    'cdk-backup-alarms/BackupPlanArn': ev.backupPlanArn,
    'cdk-backup-alarms/BackupPlanId': ev.backupPlanId,
    'cdk-backup-alarms/RestoreTestingPlanArn': ev.restoreTestingPlanArn,
    'cdk-backup-alarms/ScanResultStatus': ev.scanResultStatus,
    'cdk-backup-alarms/BackupSizeInBytes': ev.backupSizeInBytes,
    'cdk-backup-alarms/BytesTransferred': ev.bytesTransferred,
    'cdk-backup-alarms/StatusMessage': ev.statusMessage,
    'cdk-backup-alarms/EventId': ev.eventId,
    'cdk-backup-alarms/EventTime': ev.time,
    'cdk-backup-alarms/ConsoleUrl': extra.consoleUrl,
  };
  return boundedMap(fields, LIMITS.PRODUCT_FIELDS, LIMITS.PRODUCT_FIELD_KEY, LIMITS.PRODUCT_FIELD_VALUE);
}

// ASFF has dedicated types for these; everything else is `Other` (with the ARN as its Id).
const ASFF_TYPES: Array<[RegExp, string]> = [
  [/^arn:[^:]+:backup:[^:]*:[^:]*:backup-vault:/, 'AwsBackupBackupVault'],
  [/^arn:[^:]+:backup:[^:]*:[^:]*:recovery-point:/, 'AwsBackupRecoveryPoint'],
  [/^arn:[^:]+:backup:[^:]*:[^:]*:backup-plan:/, 'AwsBackupBackupPlan'],
  [/^arn:[^:]+:ec2:[^:]*:[^:]*:instance\//, 'AwsEc2Instance'],
  [/^arn:[^:]+:ec2:[^:]*:[^:]*:volume\//, 'AwsEc2Volume'],
  [/^arn:[^:]+:rds:[^:]*:[^:]*:db:/, 'AwsRdsDbInstance'],
  [/^arn:[^:]+:rds:[^:]*:[^:]*:cluster:/, 'AwsRdsDbCluster'],
  [/^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\//, 'AwsDynamoDbTable'],
  [/^arn:[^:]+:s3:::[^/]+$/, 'AwsS3Bucket'],
];

/** The ASFF resource type for an ARN: a dedicated type where ASFF has one, else `Other`. */
export function asffTypeOf(resourceArn: string): string {
  return ASFF_TYPES.find(([re]) => re.test(resourceArn))?.[1] ?? 'Other';
}

const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'];

function resourcesOf(ev: BackupJobEvent, partition: string): Resource[] {
  const out: Resource[] = [];
  const seen = new Set<string>();
  const add = (id: string | undefined, role: string, type?: string) => {
    if (id === undefined || seen.has(id) || out.length >= LIMITS.MAX_RESOURCES) return;
    seen.add(id);
    const [, arnPartition, , arnRegion] = id.startsWith('arn:') ? id.split(':') : [];
    out.push({
      Type: type ?? (id.startsWith('arn:') ? asffTypeOf(id) : 'Other'),
      Id: id,
      Partition: (PARTITIONS.includes(arnPartition ?? '') ? arnPartition : PARTITIONS.includes(partition) ? partition : undefined) as Partition | undefined,
      Region: arnRegion !== undefined && REGION.test(arnRegion) ? arnRegion : ev.region,
      Details: {
        Other: boundedMap({
          SourceAccount: ev.account,
          SourceRegion: ev.region,
          Role: role,
          JobKind: ev.kind,
          JobId: ev.jobId,
        }, LIMITS.OTHER_FIELDS, LIMITS.OTHER_KEY, LIMITS.OTHER_VALUE),
      },
    });
  };

  // The first resource is the one the finding is about (Security Hub shows it first).
  add(ev.resourceArn, 'protected resource');
  add(ev.backupVaultArn, ev.kind === BackupJobKind.COPY ? 'source backup vault' : 'backup vault', 'AwsBackupBackupVault');
  add(ev.destinationBackupVaultArn, 'destination backup vault', 'AwsBackupBackupVault');
  add(ev.recoveryPointArn, 'recovery point', 'AwsBackupRecoveryPoint');
  add(ev.destinationRecoveryPointArn, 'destination recovery point', 'AwsBackupRecoveryPoint');
  add(ev.createdResourceArn, 'restored resource');
  add(ev.restoreTestingPlanArn, 'restore testing plan', 'Other');
  add(ev.backupPlanArn, 'backup plan', 'AwsBackupBackupPlan');
  for (const r of ev.eventResources) {
    add(r, ev.kind === BackupJobKind.BACKUP && asffTypeOf(r) === 'AwsBackupRecoveryPoint' ? 'recovery point' : 'event resource');
  }
  // A restore FAILED event may name nothing but its job: the job itself is then the resource.
  if (out.length === 0) add(jobKey(ev) ?? `${ev.kind.toLowerCase()}-job/unknown`, 'job', 'Other');
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

/**
 * Trims and shortens `value` to at most `max` UTF-16 code units, ending with an ellipsis when cut, and never
 * splitting a surrogate pair (half an emoji is invalid Unicode and can make the whole finding invalid).
 */
export function truncate(value: string, max: number): string {
  const clean = value.trim();
  if (clean.length <= max) return clean;
  let cut = max - 1; // one unit for the ellipsis
  const last = clean.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1; // a high surrogate whose pair would be cut off
  return `${clean.slice(0, cut).trimEnd()}…`;
}

/**
 * Removes literal wrapping quotes: AWS Backup sends some status messages as `"\"Backup job failed ...\""`.
 */
export function unquote(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let v = value.trim();
  while (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith('\'') && v.endsWith('\'')))) {
    v = v.slice(1, -1).trim();
  }
  return v === '' ? undefined : v;
}

/**
 * Removes every empty or whitespace-only string, empty object and empty array, recursively: Security Hub
 * rejects a whole finding for a single blank string.
 */
export function dropBlank(value: unknown): unknown {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (Array.isArray(value)) {
    const items = value.map(dropBlank).filter((v) => v !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const kept = dropBlank(v);
      if (kept !== undefined && k.trim() !== '') out[k] = kept;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

function boundedMap(fields: Record<string, string | undefined>, maxEntries: number, maxKey: number, maxValue: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v.trim() === '' || Object.keys(out).length >= maxEntries) continue;
    out[truncate(k, maxKey)] = truncate(v, maxValue);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isArn(v: unknown): v is string {
  return typeof v === 'string' && ARN.test(v.trim());
}

function arn(v: unknown): string | undefined {
  return isArn(v) ? v.trim() : undefined;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

/** Sizes arrive as strings in backup and restore events and as numbers in copy events. */
function size(v: unknown): string | undefined {
  const t = text(v);
  return t !== undefined && /^\d+$/.test(t) ? t : undefined;
}

function show(v: unknown): string {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
