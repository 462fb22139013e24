/**
 * The heartbeat contract, written once for the member side (which schedules heartbeats onto its default bus),
 * the forwarding rules (whose patterns must also match their own heartbeat), the central monitor (which keeps
 * the ledger and the checker) and the runtime (which reads heartbeats and writes reports). Dependency-free:
 * the Lambda bundle imports it.
 *
 * A heartbeat is an ordinary EventBridge event with a custom source, put by an EventBridge Scheduler schedule
 * on the default bus of a member account and Region, where the forwarding rule it vouches for matches it and
 * sends it, with the same role, through the same bus policy, to the central bus. Who sent it and from where
 * comes from the event's envelope: EventBridge sets `account` to the account of the `PutEvents` caller (a
 * sender cannot choose it) and `region` to the Region of the bus it was put on; forwarding keeps both. The
 * detail says only which rule the heartbeat travels through, and how often it is sent.
 *
 * The source is not `aws.*` (PutEvents refuses those to anyone but AWS services): heartbeats never reach the
 * email rules once only `aws.*` sources may (issue 19, item 5), and the Security Hub forwarder's patterns
 * match `aws.backup` only, so a heartbeat never becomes a finding.
 */

/** The `source` of every heartbeat. */
export const HEARTBEAT_SOURCE = 'cdk-backup-alarms.heartbeat';

/** The `detail-type` of every heartbeat. */
export const HEARTBEAT_DETAIL_TYPE = 'Backup Alarms Heartbeat';

/** The version of the heartbeat's `detail`; a reader accepts this one and ignores newer unknown fields. */
export const HEARTBEAT_SCHEMA_VERSION = 1;

/** The `detail` of a heartbeat. */
export interface HeartbeatDetail {
  /** `HEARTBEAT_SCHEMA_VERSION`. */
  readonly schemaVersion: number;
  /** Which forwarding rule of its account and Region the heartbeat travels through (`RULE_ID`). */
  readonly rule: string;
  /** How often this source sends a heartbeat, in seconds: the checker judges its silence by it. */
  readonly intervalSeconds: number;
}

/**
 * The rule ids of the library's own forwarding rules. A user with two rules of one kind in one account and
 * Region gives the second its own id.
 */
export const HEARTBEAT_RULES = {
  /** `BackupFailureRule`, standalone or in the StackSet's member template. */
  BACKUP_FAILURE_RULE: 'backup-failure-rule',
  /** `BackupTamperRule`. */
  BACKUP_TAMPER_RULE: 'backup-tamper-rule',
  /** `BackupPolicyChangeRule` (management account, us-east-1). */
  BACKUP_POLICY_CHANGE_RULE: 'backup-policy-change-rule',
} as const;

/** A rule id: 1 to 64 lower-case letters, digits, dots and hyphens, starting with a letter or digit. */
export const RULE_ID = /^[a-z0-9][a-z0-9.-]{0,63}$/;
/** What `RULE_ID` accepts, for error messages. */
export const RULE_ID_EXPECTED = '1 to 64 lower-case letters, digits, dots and hyphens, starting with a letter or digit';

/** An AWS Region name (commercial, China, GovCloud, ISO). */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Bounds and defaults of the heartbeat's timing, in seconds unless named otherwise. */
export const HEARTBEAT_TIMING = {
  /**
   * The runtime's fallback for the interval of a declared source that never reported, when the checker's
   * environment names none (HeartbeatMonitor always names it: `expectedInterval`). The constructs' default
   * interval is `DEFAULT_HEARTBEAT_INTERVAL` in src/private/heartbeat.ts (8 hours, from the cost model).
   */
  DEFAULT_INTERVAL_SECONDS: 3 * 3600,
  /** The shortest interval: 5 minutes (a heartbeat costs; shorter proves nothing more). */
  MIN_INTERVAL_SECONDS: 300,
  /** The longest interval: 1 day. */
  MAX_INTERVAL_SECONDS: 86_400,
  /** The default number of intervals a source may miss before it is reported silent. */
  DEFAULT_MISSED_INTERVALS: 2,
  /** The default period of the checker: 15 minutes. */
  DEFAULT_CHECK_PERIOD_SECONDS: 900,
  /**
   * Added to `intervals x interval` before a source counts as silent: the time a heartbeat may take from
   * its schedule to the ledger (Scheduler, two buses, the buffer, the writer) without being called late.
   */
  GRACE_SECONDS: 300,
  /** A heartbeat dated more than this after the writer's clock is taken as sent now (clock skew). */
  MAX_FUTURE_SKEW_SECONDS: 300,
  /** A ledger item expires (DynamoDB TTL) this long after its last heartbeat: a source gone for good is forgotten. */
  RETENTION_SECONDS: 35 * 86_400,
} as const;

/** The ledger's attribute names (one item per source). */
export const LEDGER = {
  /** Partition key (string): `sourceKey()`. The table has no sort key. */
  PK: 'pk',
  ACCOUNT: 'account',
  REGION: 'region',
  RULE: 'rule',
  /** Epoch milliseconds of the newest heartbeat seen (absent for a declared source never seen). */
  LAST_SEEN: 'lastSeen',
  /** Epoch milliseconds of the first heartbeat seen. */
  FIRST_SEEN: 'firstSeen',
  /** The source's own interval, from its newest heartbeat. */
  INTERVAL_SECONDS: 'intervalSeconds',
  /** Epoch seconds after which DynamoDB's TTL may delete the item. */
  EXPIRES_AT: 'expiresAt',
  /** Epoch milliseconds when a declared source was first expected (never-seen sources only). */
  EXPECTED_SINCE: 'expectedSince',
  /** `LedgerState`, as last decided by the checker (absent = OK). */
  STATE: 'state',
  /** Number of state changes the checker has made: each one is reported once to each destination. */
  VERSION: 'ver',
  /** When a silence began: the `lastSeen` (or `expectedSince`) that the checker judged silent. */
  SILENT_SINCE: 'silentSince',
  /** When the checker last changed the state (epoch milliseconds). */
  CHANGED_AT: 'changedAt',
  /** Per destination: the `ver` last reported there. */
  NOTIFIED_PREFIX: 'notified_',
} as const;

/** The ledger's TTL attribute (`LEDGER.EXPIRES_AT`), for the table definition. */
export const LEDGER_TTL_ATTRIBUTE = LEDGER.EXPIRES_AT;

/** The state of a source in the ledger. */
export enum LedgerState {
  /** Heard from within its allowance (or not yet judged). */
  OK = 'OK',
  /** Silent for longer than its allowance (or declared and never heard from). */
  SILENT = 'SILENT',
}

/** What a report says about a source. */
export enum HeartbeatReportKind {
  /** A source that used to send heartbeats has been silent longer than its allowance. */
  SILENT = 'SILENT',
  /** A declared source has never sent a heartbeat. */
  NEVER_SEEN = 'NEVER_SEEN',
  /** A source reported silent (or never seen) sends heartbeats again. */
  RETURNED = 'RETURNED',
}

/** The destinations a checker reports to (each has its own `notified_` attribute in the ledger). */
export enum ReportDestination {
  /** The alarm topic (the central email topic). */
  ALARM = 'alarm',
  /** The second destination of the pipeline's own alarms (issue 19, item 6). */
  PIPELINE = 'pipeline',
  /** Security Hub: one finding per silence, archived when the source returns (optional). */
  SECURITY_HUB = 'securityhub',
  /** The chat topic (Amazon Q Developer custom notifications, issue 22; optional). */
  CHAT = 'chat',
}

/** The ledger key of a source. */
export function sourceKey(account: string, region: string, rule: string): string {
  return `${account}#${region}#${rule}`;
}

/** The checker's and the writer's environment variables. */
export const HEARTBEAT_ENV = {
  /** The ledger table's name. */
  TABLE_NAME: 'HEARTBEAT_TABLE_NAME',
  /** The alarm topic's ARN (reports; optional). */
  ALARM_TOPIC_ARN: 'HEARTBEAT_ALARM_TOPIC_ARN',
  /** The pipeline topic's ARN (reports; optional). */
  PIPELINE_TOPIC_ARN: 'HEARTBEAT_PIPELINE_TOPIC_ARN',
  /** The chat topic's ARN (reports as Amazon Q Developer custom notifications; optional). */
  CHAT_TOPIC_ARN: 'HEARTBEAT_CHAT_TOPIC_ARN',
  /** Intervals a source may miss before it is silent (a positive integer). */
  MISSED_INTERVALS: 'HEARTBEAT_MISSED_INTERVALS',
  /** The interval assumed for a declared source that never reported (seconds). */
  EXPECTED_INTERVAL_SECONDS: 'HEARTBEAT_EXPECTED_INTERVAL_SECONDS',
  /** Declared expectations, JSON `ExpectedSources`. */
  EXPECTED_SOURCES: 'HEARTBEAT_EXPECTED_SOURCES',
  /** `true`: import a Security Hub finding per silence (in the checker's own account and Region). */
  SECURITY_HUB_FINDINGS: 'HEARTBEAT_SECURITY_HUB_FINDINGS',
} as const;

/** Declared expectations: every account x Region x rule listed must send heartbeats. */
export interface ExpectedSources {
  readonly accounts: string[];
  readonly regions: string[];
  readonly rules: string[];
}

/** Powertools' service names and the metrics namespace of the heartbeat functions. */
export const HEARTBEAT_TELEMETRY = {
  WRITER_SERVICE_NAME: 'heartbeat-writer',
  CHECKER_SERVICE_NAME: 'heartbeat-checker',
  METRICS_NAMESPACE: 'CdkBackupAlarms',
} as const;

/**
 * The likely causes of a silence, in the order worth checking: everything on the path a heartbeat shares with
 * the alarms it vouches for.
 */
export const SILENCE_CAUSES: readonly string[] = [
  'the forwarding rule was disabled or deleted, or its stack instance failed or was removed',
  'the account left the organization or the targeted OU, or the stack set no longer reaches this Region',
  'the central bus policy no longer admits the forwarding role (role name, organization id), or the bus policy was edited',
  'an SCP or permissions boundary denies events:PutEvents to the forwarding role, or the role was changed',
  'the heartbeat schedule or its role was deleted or disabled (then the rule itself may still work)',
  'the forwarding rule dead-letters its deliveries: look at its dead-letter queue in that account and Region',
];

/** The likely causes of a declared source never reporting. */
export const NEVER_SEEN_CAUSES: readonly string[] = [
  'the stack (or stack instance) was never deployed in this account and Region, or failed',
  'the central bus policy never admitted the forwarding role',
  'the expectation is wrong (account or Region not meant to be covered): fix expectedSources',
];

/** The EventBridge pattern that matches the heartbeats of one forwarding rule (add it to that rule's pattern). */
export function heartbeatPattern(rule: string): { [key: string]: any } {
  return { 'source': [HEARTBEAT_SOURCE], 'detail-type': [HEARTBEAT_DETAIL_TYPE], 'detail': { rule: [rule] } };
}

/** The EventBridge pattern that matches every heartbeat (the central monitor's rule). */
export function anyHeartbeatPattern(): { [key: string]: any } {
  return { 'source': [HEARTBEAT_SOURCE], 'detail-type': [HEARTBEAT_DETAIL_TYPE] };
}
