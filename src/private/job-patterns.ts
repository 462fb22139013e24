import { BackupEvents, BackupJobKind, BackupJobState } from '../shared/backup-events';
import { NON_FAILURE_STATES } from '../shared/jobs';

/** A raw EventBridge event pattern, as CloudFormation's `EventPattern` takes it. */
export type RawPattern = { [key: string]: any };

/** What a job-event pattern selects. */
export interface JobSelection {
  /** Kinds to match, with the states matched for each (an empty list matches no state of that kind). */
  readonly states: Map<BackupJobKind, BackupJobState[]>;
  /** Also match scan jobs that report threats found, whatever their state. */
  readonly scanThreatsFound: boolean;
  readonly resourceTypes?: string[];
  readonly backupVaultNames?: string[];
  readonly excludeRestoreTesting?: boolean;
}


/**
 * One pattern for the whole selection: a top-level `$or` with one branch per job kind, because the state
 * lives in `detail.state` for some kinds and in `detail.status` for restores.
 */
export function jobEventPattern(sel: JobSelection): RawPattern {
  const branches: RawPattern[] = [];
  for (const kind of BackupEvents.ALL_JOB_KINDS) {
    const states = sel.states.get(kind);
    if (states === undefined) continue;
    if (states.length > 0) {
      branches.push(branch(kind, { [BackupEvents.stateFieldOf(kind)]: unique(states) }, sel));
    }
    if (kind === BackupJobKind.SCAN && sel.scanThreatsFound) {
      branches.push(branch(kind, { scanResult: { scanResultStatus: [BackupEvents.SCAN_THREATS_FOUND] } }, sel));
    }
  }
  return combine(branches);
}

/**
 * Job events that report a failure, whichever states a member rule forwarded: any state that is not a
 * progress or success state, plus scans that found threats.
 */
export function anyFailurePattern(kinds: BackupJobKind[] = BackupEvents.ALL_JOB_KINDS): RawPattern {
  const branches: RawPattern[] = [];
  for (const kind of kinds) {
    branches.push(branch(kind, { [BackupEvents.stateFieldOf(kind)]: [{ 'anything-but': [...NON_FAILURE_STATES] }] }, {}));
    if (kind === BackupJobKind.SCAN) {
      branches.push(branch(kind, { scanResult: { scanResultStatus: [BackupEvents.SCAN_THREATS_FOUND] } }, {}));
    }
  }
  return combine(branches);
}

/**
 * Job events that report success: COMPLETED, except scans that found threats.
 */
export function anySuccessPattern(kinds: BackupJobKind[] = BackupEvents.ALL_JOB_KINDS): RawPattern {
  const branches = kinds.map((kind) => branch(kind, completedDetail(kind), {}));
  return combine(branches);
}

function completedDetail(kind: BackupJobKind): RawPattern {
  const detail: RawPattern = { [BackupEvents.stateFieldOf(kind)]: [BackupJobState.COMPLETED] };
  if (kind === BackupJobKind.SCAN) {
    detail.$or = [
      { scanResult: { scanResultStatus: [{ 'anything-but': [BackupEvents.SCAN_THREATS_FOUND] }] } },
      { scanResult: { scanResultStatus: [{ exists: false }] } },
    ];
  }
  return detail;
}

function branch(kind: BackupJobKind, detail: RawPattern, sel: Partial<JobSelection>): RawPattern {
  const d: RawPattern = { ...detail };
  if (sel.resourceTypes && sel.resourceTypes.length > 0) {
    d.resourceType = unique(sel.resourceTypes);
  }
  if (sel.backupVaultNames && sel.backupVaultNames.length > 0) {
    const names = unique(sel.backupVaultNames);
    if (kind === BackupJobKind.BACKUP || kind === BackupJobKind.SCAN) {
      d.backupVaultName = names;
    } else if (kind === BackupJobKind.COPY) {
      d.sourceBackupVaultArn = names.map((n) => ({ wildcard: `*:backup-vault:${n}` }));
    }
    // Restore events may carry no vault at all: they are not filtered by vault.
  }
  if (kind === BackupJobKind.RESTORE && sel.excludeRestoreTesting) {
    d.restoreTestingPlanArn = [{ exists: false }];
  }
  return { 'detail-type': [BackupEvents.detailTypeOf(kind)], 'detail': d };
}

/** Merge branches under one `source`; a single branch needs no `$or` (EventBridge wants two or more). */
function combine(branches: RawPattern[]): RawPattern {
  if (branches.length === 0) {
    throw new Error('internal: a job pattern needs at least one branch');
  }
  const detailTypes = unique(branches.flatMap((b) => b['detail-type'] as string[]));
  if (branches.length === 1) {
    return { source: [BackupEvents.SOURCE], ...branches[0] };
  }
  return { 'source': [BackupEvents.SOURCE], 'detail-type': detailTypes, '$or': branches };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
