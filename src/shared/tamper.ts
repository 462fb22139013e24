/**
 * The vocabulary of backup tampering: the AWS Backup API calls that remove protection (as CloudTrail records
 * them, eventSource `backup.amazonaws.com`), the AWS Backup state changes that mean lost protection, and how
 * severe each is. Dependency-free: the construct side builds patterns and emails from it, the forwarder
 * runtime builds findings from it.
 */

/**
 * AWS Backup API calls that delete, unlock, open up or silence backups. The values are the CloudTrail event
 * names, which are the AWS Backup API operation names (each checked against the AWS SDK's commands).
 */
export enum BackupTamperAction {
  /** A recovery point was deleted. */
  DELETE_RECOVERY_POINT = 'DeleteRecoveryPoint',
  /** A backup vault was deleted. */
  DELETE_BACKUP_VAULT = 'DeleteBackupVault',
  /** A vault's access policy was deleted (a policy that denied deletion may be gone). */
  DELETE_BACKUP_VAULT_ACCESS_POLICY = 'DeleteBackupVaultAccessPolicy',
  /** A vault's access policy was replaced (it may now allow deletion, or other accounts). */
  PUT_BACKUP_VAULT_ACCESS_POLICY = 'PutBackupVaultAccessPolicy',
  /** A vault lock was removed (possible only before its grace time ends). */
  DELETE_BACKUP_VAULT_LOCK_CONFIGURATION = 'DeleteBackupVaultLockConfiguration',
  /** A vault's notifications were switched off. */
  DELETE_BACKUP_VAULT_NOTIFICATIONS = 'DeleteBackupVaultNotifications',
  /** A vault's notifications were replaced (events or topic may have been dropped). */
  PUT_BACKUP_VAULT_NOTIFICATIONS = 'PutBackupVaultNotifications',
  /** A backup plan was deleted. */
  DELETE_BACKUP_PLAN = 'DeleteBackupPlan',
  /** A resource assignment of a plan was deleted: its resources are no longer backed up. */
  DELETE_BACKUP_SELECTION = 'DeleteBackupSelection',
  /** A recovery point's lifecycle was changed (it may now expire sooner). */
  UPDATE_RECOVERY_POINT_LIFECYCLE = 'UpdateRecoveryPointLifecycle',
  /** A continuous recovery point was disassociated from its resource. */
  DISASSOCIATE_RECOVERY_POINT = 'DisassociateRecoveryPoint',
  /** A legal hold was cancelled: its recovery points may be deleted again. */
  CANCEL_LEGAL_HOLD = 'CancelLegalHold',
  /** A vault's multi-party approval team was disassociated. */
  DISASSOCIATE_BACKUP_VAULT_MPA_APPROVAL_TEAM = 'DisassociateBackupVaultMpaApprovalTeam',
  /**
   * A vault lock was set or changed: before its grace time ends a lock can be loosened (shorter minimum
   * retention, a longer grace time), and a new lock with a maximum retention makes longer backups fail.
   */
  PUT_BACKUP_VAULT_LOCK_CONFIGURATION = 'PutBackupVaultLockConfiguration',
  /**
   * A Region's resource-type opt-in was updated. Every call is forwarded (an event pattern cannot tell whether
   * any value of the request's map is `false`); the finding and the email say which resource types the
   * request leaves opted out, and a request that opts nothing out is an informational finding.
   */
  UPDATE_REGION_SETTINGS = 'UpdateRegionSettings',
  /** The account's global AWS Backup settings changed (cross-account backup, multi-party approval, delegated administration). */
  UPDATE_GLOBAL_SETTINGS = 'UpdateGlobalSettings',
  /** A Backup Audit Manager report plan was deleted: compliance and job reports stop. */
  DELETE_REPORT_PLAN = 'DeleteReportPlan',
  /** A Backup Audit Manager framework was deleted: its controls no longer evaluate the backups. */
  DELETE_FRAMEWORK = 'DeleteFramework',
  /** A running backup job was stopped: the recovery point it was taking will not exist. */
  STOP_BACKUP_JOB = 'StopBackupJob',
}

/**
 * Which tampering signals a `BackupTamperRule` forwards.
 */
export enum TamperSignals {
  /**
   * AWS Backup's own state changes (vault deleted, plan deleted, Region setting changed) and the API calls.
   * State changes need no trail but name no caller, so `allowedRoleNames` cannot apply to them.
   */
  STATE_CHANGES_AND_API_CALLS = 'STATE_CHANGES_AND_API_CALLS',
  /** Only the API calls (needs a CloudTrail trail): every signal names its caller, and the allow-list applies. */
  API_CALLS = 'API_CALLS',
  /** Only AWS Backup's state changes: no trail needed, no caller, no allow-list. */
  STATE_CHANGES = 'STATE_CHANGES',
}

/** The detail-type of CloudTrail API calls on EventBridge. */
export const API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
/** The CloudTrail event source of AWS Backup. */
export const BACKUP_EVENT_SOURCE = 'backup.amazonaws.com';
/** The role AWS Backup itself acts as (lifecycle deletions, for example): never tampering. */
export const BACKUP_SERVICE_LINKED_ROLE = 'AWSServiceRoleForBackup';

/** AWS Backup state changes that mean lost protection, by detail-type, with the states that count. */
export const TAMPER_STATE_CHANGES: ReadonlyArray<{ readonly detailType: string; readonly states?: readonly string[] }> = [
  { detailType: 'Backup Vault State Change', states: ['DELETED'] },
  { detailType: 'Backup Plan State Change', states: ['DELETED'] },
  // The event does not say which resource type changed direction (its preferences are a map); every
  // change of the opt-in preferences is news, and the email shows them.
  { detailType: 'Region Setting State Change' },
];

/** The detail-types of AWS Backup events whose state changes are tampering signals (some states only). */
export const TAMPER_STATE_DETAIL_TYPES = TAMPER_STATE_CHANGES.map((c) => c.detailType);

/**
 * How severe a tampering signal is, and why; and whether it destroys data (ASFF `Effects/Data Destruction`).
 * INFORMATIONAL only for an `UpdateRegionSettings` request that opts no resource type out (see
 * `optOutsOf`): still recorded, not an alarm.
 */
export interface TamperSeverity {
  readonly label: 'CRITICAL' | 'HIGH' | 'INFORMATIONAL';
  readonly why: string;
  readonly destroysData: boolean;
}

const critical = (why: string, destroysData = true): TamperSeverity => ({ label: 'CRITICAL', why, destroysData });
const high = (why: string, destroysData = false): TamperSeverity => ({ label: 'HIGH', why, destroysData });

/** The severity of each API call. */
export const TAMPER_ACTION_SEVERITY: { readonly [action in BackupTamperAction]: TamperSeverity } = {
  [BackupTamperAction.DELETE_RECOVERY_POINT]: critical('a recovery point is gone: what it held cannot be restored'),
  [BackupTamperAction.DELETE_BACKUP_VAULT]: critical('a backup vault is gone'),
  [BackupTamperAction.DELETE_BACKUP_VAULT_ACCESS_POLICY]: high('a vault policy that may have denied deletion is gone'),
  [BackupTamperAction.PUT_BACKUP_VAULT_ACCESS_POLICY]: high('a vault policy was replaced: it may now allow deletion or other accounts'),
  [BackupTamperAction.DELETE_BACKUP_VAULT_LOCK_CONFIGURATION]: critical('a vault lock was removed: its recovery points can be deleted', false),
  [BackupTamperAction.DELETE_BACKUP_VAULT_NOTIFICATIONS]: high('a vault\'s notifications were switched off: its events reach no one'),
  [BackupTamperAction.PUT_BACKUP_VAULT_NOTIFICATIONS]: high('a vault\'s notifications were replaced: events or their topic may have been dropped'),
  [BackupTamperAction.DELETE_BACKUP_PLAN]: high('a backup plan is gone: its resources are no longer backed up', true),
  [BackupTamperAction.DELETE_BACKUP_SELECTION]: high('a plan\'s resource assignment is gone: those resources are no longer backed up', true),
  [BackupTamperAction.UPDATE_RECOVERY_POINT_LIFECYCLE]: high('a recovery point\'s lifecycle changed: it may expire sooner'),
  [BackupTamperAction.DISASSOCIATE_RECOVERY_POINT]: high('a continuous recovery point no longer follows its resource'),
  [BackupTamperAction.CANCEL_LEGAL_HOLD]: critical('a legal hold was cancelled: its recovery points may be deleted', false),
  [BackupTamperAction.DISASSOCIATE_BACKUP_VAULT_MPA_APPROVAL_TEAM]: critical('a vault lost its multi-party approval: one person can now act alone', false),
  // Not CRITICAL: nothing is deleted or unlocked yet, but a lock still in its grace time may now be weaker.
  [BackupTamperAction.PUT_BACKUP_VAULT_LOCK_CONFIGURATION]: high('a vault lock was set or changed: before its grace time ends it may have been loosened'),
  // HIGH when the request opts a type out (tag-based assignments stop backing it up); see
  // REGION_SETTINGS_OPT_IN_ONLY and REGION_SETTINGS_DIRECTION_UNKNOWN for the other requests.
  [BackupTamperAction.UPDATE_REGION_SETTINGS]: high('a resource type was opted out of AWS Backup in this Region: resources assigned by tags are no longer backed up'),
  [BackupTamperAction.UPDATE_GLOBAL_SETTINGS]: high('global AWS Backup settings changed: cross-account copies or multi-party approval may be off'),
  // Evidence, not data: the backups are intact, but the reports that would show them missing stop.
  [BackupTamperAction.DELETE_REPORT_PLAN]: high('a Backup Audit Manager report plan is gone: the reports that would show missing backups stop'),
  [BackupTamperAction.DELETE_FRAMEWORK]: high('a Backup Audit Manager framework is gone: its controls no longer evaluate the backups'),
  // The job's ABORTED state also reaches BackupFailureRule; this call says who stopped it.
  [BackupTamperAction.STOP_BACKUP_JOB]: high('a running backup job was stopped: its recovery point will not exist'),
};

/** The severity of an `UpdateRegionSettings` request that opts no resource type out: recorded, not alarming. */
export const REGION_SETTINGS_OPT_IN_ONLY: TamperSeverity = {
  label: 'INFORMATIONAL',
  why: 'the request opts no resource type out of AWS Backup',
  destroysData: false,
};

/** The severity of an `UpdateRegionSettings` request that shows no opt-in map: the direction is unknown, so it alarms. */
export const REGION_SETTINGS_DIRECTION_UNKNOWN: TamperSeverity = high('the request does not show its resource-type opt-in map: a resource type may have been opted out');

/**
 * The request key of `UpdateRegionSettings`' opt-in map, in both casings: the API takes
 * `ResourceTypeOptInPreference`; CloudTrail writes request parameters with a lower-case first letter, but no
 * published record of this call confirms it, so both are read.
 */
export const OPT_IN_KEYS = ['resourceTypeOptInPreference', 'ResourceTypeOptInPreference'] as const;

/**
 * The resource types an opt-in map (a request's or a Region Setting State Change's) sets to `false`, in
 * either casing of its key, sorted; undefined when no map is present (the request tells no direction).
 * Values other than booleans count as `false` only when they are the string 'false'.
 */
export function optOutsOf(container: unknown): string[] | undefined {
  if (container === null || typeof container !== 'object') return undefined;
  const maps = OPT_IN_KEYS.map((k) => (container as Record<string, unknown>)[k])
    .filter((m): m is Record<string, unknown> => m !== null && typeof m === 'object' && !Array.isArray(m));
  if (maps.length === 0) return undefined;
  const out = new Set<string>();
  for (const m of maps) for (const [type, value] of Object.entries(m)) if (value === false || value === 'false') out.add(type);
  return [...out].sort();
}

/** The severity of each state change, by detail-type. */
export const TAMPER_STATE_SEVERITY: { readonly [detailType: string]: TamperSeverity } = {
  'Backup Vault State Change': critical('a backup vault is gone'),
  'Backup Plan State Change': high('a backup plan is gone: its resources are no longer backed up', true),
  'Region Setting State Change': high('the Region\'s resource-type opt-in changed: a resource type may no longer be backed up'),
};
