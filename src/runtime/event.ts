/**
 * AWS Backup job event -> a normalised `BackupJobEvent`, defensively: every optional field may be missing or
 * oddly typed in real payloads. Pure: no I/O, no clock, no SDK.
 */
import { isObject } from './asff';
import { BackupEvents, BackupJobKind } from '../shared/backup-events';
import { JOBS } from '../shared/jobs';
import { ACCOUNT_ID } from '../shared/names';

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


// us-west-2, us-gov-west-1, cn-north-1, and the four-letter prefixes of newer partitions (eusc-de-east-1).
export const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
export const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const STATE = /^[A-Z][A-Z_]*$/;
const ARN = /^arn:[a-z0-9-]+:[a-z0-9-]*:/;

/** Parses an SQS message body: one EventBridge event as JSON. */
export function parseRecordBody(body: string | undefined): BackupJobEvent {
  return parseBackupEvent(parseJson(body));
}

/** An SQS message body as JSON, or a malformed-event error. */
export function parseJson(body: string | undefined): unknown {
  let raw: unknown;
  try {
    raw = JSON.parse(body ?? '');
  } catch (err) {
    throw new MalformedEventError('NOT_JSON', `the message body is not JSON (${(err as Error).message})`);
  }
  return raw;
}

/**
 * The envelope every event must have, exact because it decides where a finding goes: a 12-digit `account`
 * (the AWS documentation's examples use the 13-digit `1112233445566`, which Security Hub would reject), a
 * Region and an ISO 8601 `time`.
 */
export function envelopeOf(raw: Record<string, any>): { account: string; region: string; time: string } {
  const account = raw.account;
  if (typeof account !== 'string' || !ACCOUNT_ID.test(account)) {
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
  return { account, region, time };
}

/**
 * Validates and normalises an AWS Backup job state-change event.
 *
 * The envelope must be exact, because it decides where the finding goes: a 12-digit `account` (the AWS
 * documentation's examples use the 13-digit `1112233445566`, which Security Hub would reject), a Region, an
 * ISO 8601 `time` and a job `detail-type`. The `detail` is read defensively: sizes as strings or numbers,
 * `{}` where an ARN was expected, a missing vault or resource ARN, a quoted status message.
 */
export function parseBackupEvent(input: unknown): BackupJobEvent {
  const raw = wellFormed(input);
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
  const { account, region, time } = envelopeOf(raw);
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
    jobId: text(detail[JOBS[kind].idField]),
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

function isArn(v: unknown): v is string {
  return typeof v === 'string' && ARN.test(v.trim());
}

export function arn(v: unknown): string | undefined {
  return isArn(v) ? v.trim() : undefined;
}

export function text(v: unknown): string | undefined {
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

export function show(v: unknown): string {
  if (v === undefined) return 'missing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    // Nested deeper than the stack allows (found by test/runtime/fuzz.test.ts): say what it is, not what it holds.
    s = Array.isArray(v) ? 'an array nested too deeply to show' : `a ${typeof v} nested too deeply to show`;
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A copy of a parsed event whose strings are well-formed Unicode: JSON may carry a lone surrogate (`"\ud800"`),
 * which no finding may (Security Hub refuses invalid Unicode) and `encodeURIComponent` throws on. Each is
 * replaced by U+FFFD, as a UTF-8 decoder would. Iterative, so that no nesting depth can overflow the stack.
 */
export function wellFormed(input: unknown): unknown {
  const fix = (v: unknown): unknown => (typeof v === 'string' ? v.replace(LONE_SURROGATE, '\uFFFD') : v);
  if (typeof input !== 'object' || input === null) return fix(input);
  const root: any = Array.isArray(input) ? [] : {};
  const stack: Array<[any, any]> = [[input, root]];
  while (stack.length > 0) {
    const [from, to] = stack.pop()!;
    for (const [k, v] of Object.entries(from)) {
      const key = Array.isArray(to) ? k : (fix(k) as string);
      if (typeof v === 'object' && v !== null) {
        const child: any = Array.isArray(v) ? [] : {};
        to[key] = child;
        stack.push([v, child]);
      } else {
        to[key] = fix(v);
      }
    }
  }
  return root;
}
