/**
 * The contract of the protection watch (issue 21), written once for the construct (`ProtectionMonitor`), its
 * recorder (job events -> ledger), its checker (overdue resources) and its daily report. Dependency-free: the
 * Lambda bundles import it.
 *
 * A *protection* is one resource protected into one vault by one kind of job: (BACKUP, account, Region,
 * vault name, resource ARN) for backup jobs, (COPY, account, Region, destination vault ARN, resource ARN) for
 * copy jobs. Its ledger item keeps the times of its last successful jobs (a DynamoDB number set: adding is
 * atomic, commutative and idempotent, so duplicated and out-of-order completions need no read), its last
 * failure, and the checker's state (OK, OVERDUE, RETIRED) with a version per change and the version each
 * destination was told, exactly as the heartbeat ledger does (src/shared/heartbeat.ts).
 *
 * *Activity* items count the job events of one hour, account and Region (failures per kind and state,
 * successes per kind, tamper and policy signals), for the daily report; they expire after a few days.
 */

/** The kind of job that protects a resource. */
export enum ProtectionKind {
  /** A backup job into a vault of the resource's own account and Region. */
  BACKUP = 'BACKUP',
  /** A copy job to another vault (often another Region or account). */
  COPY = 'COPY',
}

/** The state of a protection in the ledger. */
export enum ProtectionState {
  /** Protected within its expected interval (or not yet judged: still learning). */
  OK = 'OK',
  /** Its last success is older than its expected interval. */
  OVERDUE = 'OVERDUE',
  /** No longer watched: acknowledged as retired by a person, or overdue for longer than `retireAfter`. */
  RETIRED = 'RETIRED',
}

/** What a report says about a protection. */
export enum OverdueReportKind {
  /** Became overdue. */
  OVERDUE = 'OVERDUE',
  /** Was overdue, and a job succeeded again. */
  RECOVERED = 'RECOVERED',
  /** Stopped being watched (acknowledged, or overdue for longer than `retireAfter`). */
  RETIRED = 'RETIRED',
}

/** Where overdue reports go (each has its own `notified_` attribute in the ledger). */
export enum OverdueDestination {
  /** The alarm topic (the central email topic). */
  ALARM = 'alarm',
  /** Security Hub: one finding per overdue episode, archived on the next success or on retirement (optional). */
  SECURITY_HUB = 'securityhub',
  /** The chat topic (Amazon Q Developer custom notifications, issue 22; optional). */
  CHAT = 'chat',
}

/** Prefixes of the ledger's partition keys: one table holds protections and activity. */
export const KEY_PREFIX = {
  PROTECTION: 'P#',
  ACTIVITY: 'A#',
} as const;

/** The ledger's attribute names. */
export const PROTECTION_LEDGER = {
  /** Partition key (string): `protectionKey()` or `activityKey()`. No sort key. */
  PK: 'pk',
  KIND: 'kind',
  ACCOUNT: 'account',
  REGION: 'region',
  RESOURCE_ARN: 'resourceArn',
  RESOURCE_TYPE: 'resourceType',
  /** The vault: its name for backups, the destination vault's ARN for copies. */
  VAULT: 'vault',
  PLAN_ID: 'planId',
  /** Number set: epoch milliseconds of the last successful jobs (the checker trims it to `HISTORY_KEEP`). */
  SUCCESSES: 'successes',
  /** Successes recorded so far (each one adds 1, duplicates too): a claim holds only if no success came since it was read. */
  SUCCESS_COUNT: 'successCount',
  /** Epoch milliseconds of the newest failed job (only moves forward). */
  LAST_FAILURE_AT: 'lastFailureAt',
  LAST_FAILURE_STATE: 'lastFailureState',
  LAST_FAILURE_MESSAGE: 'lastFailureMessage',
  LAST_FAILURE_JOB: 'lastFailureJob',
  /** `ProtectionState`, as last decided by the checker (absent = OK). */
  STATE: 'state',
  /** Number of state changes the checker has made: each one is reported once to each destination. */
  VERSION: 'ver',
  /** The newest success the checker judged overdue (identifies the episode). */
  OVERDUE_SINCE: 'overdueSince',
  /** When the checker last changed the state (epoch milliseconds). */
  CHANGED_AT: 'changedAt',
  /** Epoch milliseconds when a person acknowledged the resource as retired (set with the README's command). */
  RETIRED_AT: 'retiredAt',
  /** Per destination: the `ver` last reported there. */
  NOTIFIED_PREFIX: 'notified_',
  /** Epoch seconds after which DynamoDB's TTL may delete the item. */
  EXPIRES_AT: 'expiresAt',
  /** Activity items: the hour they count (epoch milliseconds of its start). */
  HOUR: 'hour',
  /** Activity items: counter attribute prefix, `n_<KIND>_<STATE>` (jobs), `t_<eventName or detail-type state>` (tampering), `p_<eventName>` (policy). */
  COUNT_PREFIX: 'n_',
  TAMPER_PREFIX: 't_',
  POLICY_PREFIX: 'p_',
  /** Activity items: the last status message per failure counter, `m_<KIND>_<STATE>`. */
  MESSAGE_PREFIX: 'm_',
} as const;

/** The ledger's TTL attribute, for the table definition. */
export const PROTECTION_TTL_ATTRIBUTE = PROTECTION_LEDGER.EXPIRES_AT;

/** Timing of the protection watch, in seconds unless named otherwise. */
export const PROTECTION_TIMING = {
  /** Successes kept per protection (the newest). Enough for the gaps of about two weeks of daily backups. */
  HISTORY_KEEP: 12,
  /**
   * The set is trimmed back to `HISTORY_KEEP` only when it holds more than this many more: one trim per 4 successes
   * instead of one per success (1.25 writes per success in steady state, not 2).
   */
  HISTORY_SLACK: 4,
  /** Gaps needed before an interval is learned (three successes); until then only a recovery point objective judges. */
  MIN_GAPS_TO_LEARN: 2,
  /** Successes closer than this are one protection event (a retried job, a snapshot beside a continuous backup). */
  MERGE_WITHIN_SECONDS: 30 * 60,
  /** Added to every allowance: EventBridge delivers AWS Backup events best effort, about every 5 minutes. */
  GRACE_SECONDS: 3600,
  /** A success dated more than this after the recorder's clock is taken as happening now (clock skew). */
  MAX_FUTURE_SKEW_SECONDS: 300,
  /** The default period of the overdue check: 1 hour. */
  DEFAULT_CHECK_PERIOD_SECONDS: 3600,
  /** Default: an overdue protection with no success for this long is retired (30 days). */
  DEFAULT_RETIRE_AFTER_SECONDS: 30 * 86_400,
  /** A protection item expires this long after its newest job event (beyond `retireAfter`): forgotten for good. */
  PROTECTION_RETENTION_SECONDS: 400 * 86_400,
  /** An activity item expires this long after its hour. */
  ACTIVITY_RETENTION_SECONDS: 3 * 86_400,
  /** The daily report covers this long. */
  REPORT_WINDOW_SECONDS: 86_400,
} as const;

/** The ledger key of a protection. */
export function protectionKey(kind: ProtectionKind, account: string, region: string, vault: string, resourceArn: string): string {
  return `${KEY_PREFIX.PROTECTION}${kind}#${account}#${region}#${vault}#${resourceArn}`;
}

/** The start of the hour that holds `ms` (epoch milliseconds). */
export function hourOf(ms: number): number {
  return Math.floor(ms / 3_600_000) * 3_600_000;
}

/** The ledger key of an activity item: one per hour, account and Region. */
export function activityKey(hour: number, account: string, region: string): string {
  return `${KEY_PREFIX.ACTIVITY}${new Date(hourOf(hour)).toISOString().slice(0, 13)}#${account}#${region}`;
}

/**
 * A recovery point objective, as the checker reads it (JSON in its environment): the longest a matching
 * protection may go without a success. The first rule that matches wins; an empty list matches everything.
 */
export interface RecoveryPointObjectiveRule {
  readonly maxAgeSeconds: number;
  /** AWS Backup resource types (`detail.resourceType`: EBS, EC2, RDS, DynamoDB, S3, ...). */
  readonly resourceTypes?: string[];
  /** Vault names (backups) or destination vault ARNs or names (copies). */
  readonly vaults?: string[];
  readonly accounts?: string[];
  /** Job kinds; absent = both. */
  readonly kinds?: ProtectionKind[];
}

/** The environment variables of the recorder, the checker and the daily report. */
export const PROTECTION_ENV = {
  TABLE_NAME: 'PROTECTION_TABLE_NAME',
  /** The alarm topic's ARN (overdue reports and the daily report). */
  ALARM_TOPIC_ARN: 'PROTECTION_ALARM_TOPIC_ARN',
  /** The chat topic's ARN (overdue and daily reports as Amazon Q Developer custom notifications; optional). */
  CHAT_TOPIC_ARN: 'PROTECTION_CHAT_TOPIC_ARN',
  /** JSON `RecoveryPointObjectiveRule[]`. */
  OBJECTIVES: 'PROTECTION_OBJECTIVES',
  /** Seconds an overdue protection may go without a success before it is retired. */
  RETIRE_AFTER_SECONDS: 'PROTECTION_RETIRE_AFTER_SECONDS',
  /** `true`: import a Security Hub finding per overdue protection. */
  SECURITY_HUB_FINDINGS: 'PROTECTION_SECURITY_HUB_FINDINGS',
  /** The heartbeat ledger's table name, read by the daily report for silent sources (optional). */
  HEARTBEAT_TABLE_NAME: 'PROTECTION_HEARTBEAT_TABLE_NAME',
  /** The daily report's IANA time zone (dates in the report). */
  REPORT_TIME_ZONE: 'PROTECTION_REPORT_TIME_ZONE',
} as const;

/** What the scheduled function is asked to do (the schedule's input). */
export enum ProtectionTask {
  /** The overdue check. */
  CHECK = 'check',
  /** The daily report. */
  DAILY_REPORT = 'daily-report',
}

/** Powertools' service names of the protection functions. */
export const PROTECTION_TELEMETRY = {
  RECORDER_SERVICE_NAME: 'protection-recorder',
  CHECKER_SERVICE_NAME: 'protection-checker',
  METRICS_NAMESPACE: 'CdkBackupAlarms',
} as const;

/** The likely causes of an overdue protection, in the order worth checking. */
export const OVERDUE_CAUSES: readonly string[] = [
  'the backup plan was deleted, or its rule edited to run less often (look at the plan named here)',
  'the resource no longer matches the plan\'s selection (a tag removed or changed, the selection edited)',
  'the resource type was opted out of AWS Backup in this Region (Settings, Service opt-in)',
  'jobs fail or expire before they start (look at the last job below, and at the account\'s job list)',
  'the resource was deleted on purpose: acknowledge it as retired (README, "Overdue backups")',
  'the member rule no longer forwards completions (forwardCompletions), or its heartbeat is silent too',
];
