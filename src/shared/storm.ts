/**
 * The contract of storm control (issue 22), written once for the construct (`StormControl`), its recorder
 * (job failures -> the storm ledger, first alarms published at once) and its flusher (one digest per closed
 * window). Dependency-free: the Lambda bundles import it.
 *
 * A *group* is one kind of failure in one place: (account, Region, job kind, status message). Time is cut into
 * fixed windows of `windowSeconds` (by the recorder's clock, not the event's: a digest is about what people
 * would have received). The ledger holds one *group item* per group and window, with two counters: `direct`
 * (events published one by one, at most `threshold` of a window) and `digested` (events left for the window's
 * digest), a few sample resources, and `pending` (the window's start) until the digest is sent: a sparse global
 * secondary index on `pending` is what the flusher scans, so a quiet ledger costs nothing to watch. Once the
 * flusher has *closed* a group item (its counts are then final), the recorder writes late events into the next
 * window, so that each event is counted in exactly one message.
 */

/** The ledger's attribute names. */
export const STORM_LEDGER = {
  /** Partition key (string): `groupItemKey()` or `digestItemKey()`. No sort key. */
  PK: 'pk',
  /** The window's start (epoch milliseconds). */
  WINDOW: 'window',
  ACCOUNT: 'account',
  REGION: 'region',
  /** The job kind (`BackupJobKind`). */
  KIND: 'kind',
  /** The state of the group's first event (FAILED, EXPIRED, ...). */
  STATE: 'state',
  /** The status message (cut to `STORM_LIMITS.MESSAGE_CHARS`). */
  MESSAGE: 'message',
  /** Events published one by one. */
  DIRECT: 'direct',
  /** Events left for the digest. */
  DIGESTED: 'digested',
  /** String set: a few resource ARNs of the digested events. */
  SAMPLES: 'samples',
  /** Set by the flusher: the counts are final; later events go to the next window. */
  CLOSED: 'closed',
  /** The window's start as a string, while the group waits for its digest (the key of the sparse index). */
  PENDING: 'pending',
  /** Digest items: when a flusher claimed the window's digest (epoch milliseconds). */
  CLAIMED_AT: 'claimedAt',
  /** Digest items: when the digest was published (epoch milliseconds). */
  SENT_AT: 'sentAt',
  /** Digest items: the events the digest counted (and the groups it listed). */
  SENT_EVENTS: 'sentEvents',
  SENT_GROUPS: 'sentGroups',
  /** Epoch seconds after which DynamoDB's TTL may delete the item. */
  EXPIRES_AT: 'expiresAt',
} as const;

/** The ledger's TTL attribute, for the table definition. */
export const STORM_TTL_ATTRIBUTE = STORM_LEDGER.EXPIRES_AT;
/** The sparse index of the groups that wait for their digest. */
export const STORM_PENDING_INDEX = 'Pending';

/** Prefixes of the ledger's partition keys. */
export const STORM_KEY_PREFIX = {
  GROUP: 'G#',
  DIGEST: 'D#',
} as const;

/** Bounds and timing of storm control. */
export const STORM_LIMITS = {
  /** Default window: 5 minutes, as AWS User Notifications' shortest aggregation. */
  DEFAULT_WINDOW_SECONDS: 300,
  MIN_WINDOW_SECONDS: 60,
  MAX_WINDOW_SECONDS: 3600,
  /** Default: the first alarm of a group goes at once, the rest of its window is digested. */
  DEFAULT_THRESHOLD: 1,
  MAX_THRESHOLD: 100,
  /** Sample resources kept per group and window. */
  SAMPLES: 5,
  /** A status message is cut to this many characters in the ledger and the digest. */
  MESSAGE_CHARS: 300,
  /** A window is flushed this long after its end (a recorder that read the clock just before the end has written by then). */
  GRACE_SECONDS: 30,
  /** A claimed digest not marked sent after this long is claimed again (the flusher's timeout is 1 minute). */
  CLAIM_LEASE_SECONDS: 120,
  /** Items expire this long after their window's end (a digest that cannot be sent for a day is given up). */
  RETENTION_SECONDS: 86_400,
  /** Groups listed one by one in a digest; the rest are summed in one line (SNS messages are at most 256 KB). */
  DIGEST_GROUPS: 200,
} as const;

/** The environment variables of the storm functions. */
export const STORM_ENV = {
  TABLE_NAME: 'STORM_TABLE_NAME',
  /** The alarm topic's ARN (first alarms and digests, and every alarm when the ledger fails). */
  ALARM_TOPIC_ARN: 'STORM_ALARM_TOPIC_ARN',
  /** The chat topic's ARN: every message is sent there too, as an Amazon Q Developer custom notification (optional). */
  CHAT_TOPIC_ARN: 'STORM_CHAT_TOPIC_ARN',
  WINDOW_SECONDS: 'STORM_WINDOW_SECONDS',
  THRESHOLD: 'STORM_THRESHOLD',
} as const;

/** Powertools' service names of the storm functions. */
export const STORM_TELEMETRY = {
  RECORDER_SERVICE_NAME: 'storm-recorder',
  FLUSHER_SERVICE_NAME: 'storm-flusher',
  METRICS_NAMESPACE: 'CdkBackupAlarms',
  /** Events published one by one because the ledger failed (the fail-open path). */
  FAIL_OPEN_METRIC: 'StormLedgerFailOpen',
} as const;

/** The start of the window that holds `ms`. */
export function windowOf(ms: number, windowSeconds: number): number {
  const w = windowSeconds * 1000;
  return Math.floor(ms / w) * w;
}

/** The ledger key of a group's item in a window. */
export function groupItemKey(window: number, groupKey: string): string {
  return `${STORM_KEY_PREFIX.GROUP}${new Date(window).toISOString()}#${groupKey}`;
}

/** The ledger key of a window's digest claim. */
export function digestItemKey(window: number): string {
  return `${STORM_KEY_PREFIX.DIGEST}${new Date(window).toISOString()}`;
}
