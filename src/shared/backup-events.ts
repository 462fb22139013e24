/**
 * The kinds of AWS Backup job whose state changes AWS Backup sends to EventBridge.
 */
export enum BackupJobKind {
  /** A backup job (`Backup Job State Change`). */
  BACKUP = 'BACKUP',
  /** A copy job, for example a cross-account or cross-Region copy (`Copy Job State Change`). */
  COPY = 'COPY',
  /** A restore job, including restore-testing jobs (`Restore Job State Change`). */
  RESTORE = 'RESTORE',
  /** A malware scan job (`Scan Job State Change`). */
  SCAN = 'SCAN',
}

/**
 * States that AWS Backup reports for jobs. Not every state exists for every job kind:
 * see `BackupEvents.statesOf()`.
 */
export enum BackupJobState {
  /** The job was created. */
  CREATED = 'CREATED',
  /** The job is waiting to start. */
  PENDING = 'PENDING',
  /** The job is running. */
  RUNNING = 'RUNNING',
  /** The job is being stopped. */
  ABORTING = 'ABORTING',
  /** The job was stopped before it finished. */
  ABORTED = 'ABORTED',
  /** The job finished. A backup job with a status message is shown as "Completed with issues" in the console. */
  COMPLETED = 'COMPLETED',
  /** A scan job finished but could not scan everything. */
  COMPLETED_WITH_ISSUES = 'COMPLETED_WITH_ISSUES',
  /** The job failed. */
  FAILED = 'FAILED',
  /** A backup job could not start inside its start window: a missed backup. */
  EXPIRED = 'EXPIRED',
  /** The job protected only part of the resource. */
  PARTIAL = 'PARTIAL',
  /** A scan job was canceled. */
  CANCELED = 'CANCELED',
}

/**
 * The shared vocabulary of AWS Backup job events: detail-types, the field that holds the state, the
 * states each job kind can report, and which of them mean that the protection did not happen.
 *
 * Every construct of this library builds its event patterns from here.
 */
export class BackupEvents {
  /** The `source` of every AWS Backup service event. */
  public static readonly SOURCE = 'aws.backup';

  /** Every job kind, in a fixed order. */
  public static readonly ALL_JOB_KINDS: BackupJobKind[] = [
    BackupJobKind.BACKUP,
    BackupJobKind.COPY,
    BackupJobKind.RESTORE,
    BackupJobKind.SCAN,
  ];

  /** The value of `detail.scanResult.scanResultStatus` on a scan that found threats. */
  public static readonly SCAN_THREATS_FOUND = 'THREATS_FOUND';

  /**
   * The EventBridge `detail-type` of the state-change events of a job kind.
   * @param kind the job kind
   */
  public static detailTypeOf(kind: BackupJobKind): string {
    return KINDS[kind].detailType;
  }

  /**
   * The name of the `detail` field that holds the job's state: `state` for backup, copy and scan jobs,
   * `status` for restore jobs. A pattern on the wrong field silently never matches.
   * @param kind the job kind
   */
  public static stateFieldOf(kind: BackupJobKind): string {
    return KINDS[kind].stateField;
  }

  /**
   * Every state a job of this kind can report.
   * @param kind the job kind
   */
  public static statesOf(kind: BackupJobKind): BackupJobState[] {
    return [...KINDS[kind].states];
  }

  /**
   * The states that mean "this protection did not happen", matched by default.
   * Backup: FAILED, ABORTED, EXPIRED, PARTIAL. Copy: FAILED, PARTIAL. Restore: FAILED, ABORTED.
   * Scan: FAILED, COMPLETED_WITH_ISSUES (a scan that found threats is matched separately).
   * @param kind the job kind
   */
  public static failureStatesOf(kind: BackupJobKind): BackupJobState[] {
    return [...KINDS[kind].failureStates];
  }

  /**
   * The job kind whose events carry this `detail-type`, if any.
   * @param detailType an EventBridge detail-type
   */
  public static kindOfDetailType(detailType: string): BackupJobKind | undefined {
    return BackupEvents.ALL_JOB_KINDS.find((k) => KINDS[k].detailType === detailType);
  }
}

interface KindInfo {
  readonly detailType: string;
  readonly stateField: string;
  readonly states: BackupJobState[];
  readonly failureStates: BackupJobState[];
}

const S = BackupJobState;

const KINDS: Record<BackupJobKind, KindInfo> = {
  [BackupJobKind.BACKUP]: {
    detailType: 'Backup Job State Change',
    stateField: 'state',
    states: [S.CREATED, S.PENDING, S.RUNNING, S.ABORTING, S.ABORTED, S.COMPLETED, S.FAILED, S.EXPIRED, S.PARTIAL],
    failureStates: [S.FAILED, S.ABORTED, S.EXPIRED, S.PARTIAL],
  },
  [BackupJobKind.COPY]: {
    detailType: 'Copy Job State Change',
    stateField: 'state',
    states: [S.CREATED, S.RUNNING, S.COMPLETED, S.FAILED, S.PARTIAL],
    failureStates: [S.FAILED, S.PARTIAL],
  },
  [BackupJobKind.RESTORE]: {
    detailType: 'Restore Job State Change',
    stateField: 'status',
    states: [S.PENDING, S.RUNNING, S.COMPLETED, S.ABORTED, S.FAILED],
    failureStates: [S.FAILED, S.ABORTED],
  },
  [BackupJobKind.SCAN]: {
    detailType: 'Scan Job State Change',
    stateField: 'state',
    states: [S.CREATED, S.RUNNING, S.COMPLETED, S.COMPLETED_WITH_ISSUES, S.FAILED, S.CANCELED],
    failureStates: [S.FAILED, S.COMPLETED_WITH_ISSUES],
  },
};
