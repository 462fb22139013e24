/**
 * The recorder's pure part: an event from the central bus (as the SQS buffer delivers it) becomes a *signal*:
 * one activity counter for the daily report and, for a backup or copy job that succeeded or failed, an update
 * of its protection. No I/O here; the writes are in store.ts.
 *
 * What is counted: job events of every kind (per kind and state; a scan that found threats as
 * `SCAN_THREATS_FOUND`), AWS Backup API calls and state changes that are tamper signals (per event name, or
 * per detail-type and state), and AWS Organizations policy events (per event name). Anything else is
 * malformed: the function returns it as a batch item failure, so that it reaches the dead-letter queue.
 */
import { ProtectionItem } from './item';
import { BackupEvents, BackupJobKind, BackupJobState } from '../../shared/backup-events';
import { isFailureState } from '../../shared/jobs';
import { ORGANIZATIONS_SOURCE } from '../../shared/policy-events';
import { PROTECTION_TIMING, protectionKey, ProtectionKind, ProtectionState } from '../../shared/protection';
import { API_CALL_DETAIL_TYPE, TAMPER_STATE_DETAIL_TYPES } from '../../shared/tamper';
import { isObject } from '../asff';
import { MalformedEventError, parseBackupEvent, show, text, wellFormed, envelopeOf } from '../event';

/** Which counter of the activity item a signal adds one to. */
export enum CounterFamily {
  JOB = 'JOB',
  TAMPER = 'TAMPER',
  POLICY = 'POLICY',
}

/** A protection update: a success (added to its history) or a failure (its last failure, if newer). */
export interface ProtectionUpdate {
  readonly pk: string;
  readonly kind: ProtectionKind;
  readonly resourceArn: string;
  readonly resourceType?: string;
  readonly vault: string;
  readonly planId?: string;
  readonly success: boolean;
  readonly state: string;
  readonly jobId?: string;
  readonly message?: string;
}

/** What one event means for the ledger. */
export interface Signal {
  readonly account: string;
  readonly region: string;
  /** When it happened (epoch ms): the event's `time`, or the recorder's clock if that is in the future. */
  readonly at: number;
  readonly family: CounterFamily;
  /** The counter's name: `<KIND>_<STATE>`, a CloudTrail event name, or `<detail-type word>_<STATE>`. */
  readonly counter: string;
  /** A failure's status message (kept per counter for the daily report). */
  readonly message?: string;
  readonly protection?: ProtectionUpdate;
}

const PROTECTED_KINDS: { readonly [kind: string]: ProtectionKind } = {
  [BackupJobKind.BACKUP]: ProtectionKind.BACKUP,
  [BackupJobKind.COPY]: ProtectionKind.COPY,
};

/** Parses one SQS message body. `now` is the recorder's clock (epoch ms). Throws `MalformedEventError`. */
export function signalOf(body: string, now: number): Signal {
  let raw: unknown;
  try {
    raw = wellFormed(JSON.parse(body));
  } catch {
    throw new MalformedEventError('NOT_JSON', 'the message body is not JSON');
  }
  if (!isObject(raw)) throw new MalformedEventError('NOT_AN_OBJECT', 'the event is not a JSON object');
  const detailType = raw['detail-type'];
  const clamp = (iso: string) => Math.min(Date.parse(iso), now + PROTECTION_TIMING.MAX_FUTURE_SKEW_SECONDS * 1000);
  if (raw.source === ORGANIZATIONS_SOURCE || (raw.source === BackupEvents.SOURCE && detailType === API_CALL_DETAIL_TYPE)) {
    const { account, region, time } = envelopeOf(raw);
    const name = isObject(raw.detail) ? text(raw.detail.eventName) : undefined;
    if (name === undefined || !/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(name)) {
      throw new MalformedEventError('MISSING_DETAIL', `detail.eventName is ${show(isObject(raw.detail) ? raw.detail.eventName : undefined)}`);
    }
    const family = raw.source === ORGANIZATIONS_SOURCE ? CounterFamily.POLICY : CounterFamily.TAMPER;
    return { account, region, at: clamp(time), family, counter: name };
  }
  if (raw.source === BackupEvents.SOURCE && typeof detailType === 'string' && TAMPER_STATE_DETAIL_TYPES.includes(detailType)) {
    const { account, region, time } = envelopeOf(raw);
    const state = isObject(raw.detail) ? text(raw.detail.state) ?? 'CHANGED' : 'CHANGED';
    // "Backup Vault State Change" DELETED -> BackupVault_DELETED
    const word = detailType.replace(/ State Change$/, '').replace(/\s+/g, '');
    return { account, region, at: clamp(time), family: CounterFamily.TAMPER, counter: `${word}_${state.toUpperCase().replace(/[^A-Z_]/g, '')}` };
  }
  const job = parseBackupEvent(raw);
  const at = clamp(job.time);
  const threats = job.kind === BackupJobKind.SCAN && job.scanResultStatus === BackupEvents.SCAN_THREATS_FOUND;
  const counter = threats ? `${job.kind}_${BackupEvents.SCAN_THREATS_FOUND}` : `${job.kind}_${job.state}`;
  const failed = threats || isFailureState(job.state);
  const base = { account: job.account, region: job.region, at, family: CounterFamily.JOB, counter, message: failed ? job.statusMessage : undefined };
  const kind = PROTECTED_KINDS[job.kind];
  const vault = kind === ProtectionKind.COPY ? job.destinationBackupVaultArn : job.backupVaultName ?? job.backupVaultArn?.split(':').pop();
  if (kind === undefined || job.resourceArn === undefined || vault === undefined || (!failed && job.state !== BackupJobState.COMPLETED)) return base;
  return {
    ...base,
    protection: {
      pk: protectionKey(kind, job.account, job.region, vault, job.resourceArn),
      kind,
      resourceArn: job.resourceArn,
      resourceType: job.resourceType,
      vault,
      planId: job.backupPlanId,
      success: !failed,
      state: job.state,
      jobId: job.jobId,
      message: job.statusMessage,
    },
  };
}

/** The item a protection is after `signal` (the model of what store.ts writes: property tests and the benchmark's seed use it). */
export function foldSignals(item: ProtectionItem | undefined, signal: Signal): ProtectionItem {
  const p = signal.protection!;
  const base: ProtectionItem = item ?? {
    pk: p.pk,
    kind: p.kind,
    account: signal.account,
    region: signal.region,
    resourceArn: p.resourceArn,
    vault: p.vault,
    successes: [],
    successCount: 0,
    state: ProtectionState.OK,
    ver: 0,
    notified: {},
  };
  if (p.success) {
    const all = [...new Set([...base.successes, signal.at])].sort((a, b) => a - b);
    const { HISTORY_KEEP: keep, HISTORY_SLACK: slack } = PROTECTION_TIMING;
    const successes = all.length > keep + slack ? all.slice(-keep) : all;
    return {
      ...base,
      resourceType: p.resourceType ?? base.resourceType,
      planId: p.planId ?? base.planId,
      successes,
      successCount: base.successCount + 1,
    };
  }
  if (base.lastFailureAt !== undefined && base.lastFailureAt >= signal.at) return base;
  return { ...base, lastFailureAt: signal.at, lastFailureState: p.state, lastFailureMessage: p.message, lastFailureJob: p.jobId };
}
