/**
 * The protection ledger's items as the runtime reads them (conversion from DynamoDB JSON is in store.ts).
 * Pure types: no I/O.
 */
import { ProtectionKind, ProtectionState } from '../../shared/protection';

/** One protection (a resource, a vault, a job kind). */
export interface ProtectionItem {
  readonly pk: string;
  readonly kind: ProtectionKind;
  readonly account: string;
  readonly region: string;
  readonly resourceArn: string;
  readonly resourceType?: string;
  /** The vault's name (backups) or the destination vault's ARN (copies). */
  readonly vault: string;
  readonly planId?: string;
  /** Epoch milliseconds of the last successful jobs, ascending, without duplicates. */
  readonly successes: number[];
  /** Successes recorded so far (duplicates included): the claim's freshness condition. */
  readonly successCount: number;
  readonly lastFailureAt?: number;
  readonly lastFailureState?: string;
  readonly lastFailureMessage?: string;
  readonly lastFailureJob?: string;
  readonly state: ProtectionState;
  readonly ver: number;
  /** The newest success the checker judged overdue (identifies the episode). */
  readonly overdueSince?: number;
  readonly changedAt?: number;
  /** When a person acknowledged the resource as retired. */
  readonly retiredAt?: number;
  /** The version last reported, per destination (absent = 0). */
  readonly notified: { readonly [destination: string]: number };
}

/** The job events of one hour, account and Region. */
export interface ActivityItem {
  readonly pk: string;
  /** Epoch milliseconds of the hour's start. */
  readonly hour: number;
  readonly account: string;
  readonly region: string;
  /** Job events per `<KIND>_<STATE>`, for example `BACKUP_FAILED`, `COPY_COMPLETED`, `SCAN_THREATS_FOUND`. */
  readonly jobs: { readonly [kindState: string]: number };
  /** The last status message per failure counter (`<KIND>_<STATE>`). */
  readonly messages: { readonly [kindState: string]: string };
  /** Tamper signals per CloudTrail event name or state change (`DeleteRecoveryPoint`, `BackupVault_DELETED`). */
  readonly tamper: { readonly [name: string]: number };
  /** Backup policy changes per event name (`UpdatePolicy`, `DetachPolicy`). */
  readonly policy: { readonly [name: string]: number };
}

/** The newest success of `item`, if any. */
export function lastSuccessOf(item: ProtectionItem): number | undefined {
  return item.successes.length === 0 ? undefined : item.successes[item.successes.length - 1];
}
