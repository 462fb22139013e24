/**
 * An alarm route's pattern for one family: the central family's pattern, narrowed to the route's accounts and
 * to the alarms that reach its minimum severity (src/shared/alarm-routing.ts says which). A narrowed pattern
 * only ever removes alternatives or values from the central one, so a route receives a subset of what the
 * central list receives; without narrowing it is the central pattern itself.
 */
import { AlarmFamily, AlarmFamilyId } from './alarm-families';
import { RawPattern, anyOf, branch, jobFailurePattern, tamperStateBranches } from './patterns';
import {
  POLICY_CHANGE_SEVERITY, UNLISTED_EVENT_SEVERITY, jobFailuresAtLeast, reaches, tamperCallsAtLeast, tamperStatesAtLeast,
} from '../shared/alarm-routing';
import { BackupEvents, BackupJobKind } from '../shared/backup-events';
import { FindingSeverity } from '../shared/findings';
import { NON_FAILURE_STATES } from '../shared/jobs';
import { TAMPER_STATE_DETAIL_TYPES } from '../shared/tamper';

/** EventBridge's default quota for an event pattern (EventBridge user guide, "Amazon EventBridge quotas"). */
export const MAX_PATTERN_LENGTH = 2048;

/** What a route narrows a family by. */
export interface RouteNarrowing {
  readonly accounts?: readonly string[];
  readonly minimumSeverity?: FindingSeverity;
}

/** The route's pattern for `family`, or undefined when none of the family's alarms reaches the minimum severity. */
export function routePattern(family: AlarmFamily, narrowing: RouteNarrowing): RawPattern | undefined {
  const pattern = narrowing.minimumSeverity === undefined ? family.pattern() : atLeast(family, narrowing.minimumSeverity);
  if (pattern === undefined || narrowing.accounts === undefined) return pattern;
  if (pattern.account !== undefined) throw new Error(`internal: the ${family.id} pattern already selects accounts`);
  // Next to a top-level $or, a field applies to every alternative.
  return { ...pattern, account: [...new Set(narrowing.accounts)] };
}

function atLeast(family: AlarmFamily, minimum: FindingSeverity): RawPattern | undefined {
  if (family.jobKind !== undefined) return jobFailuresAtLeastPattern(family.jobKind, minimum);
  switch (family.id) {
    case AlarmFamilyId.TAMPER_CALLS: return tamperCallsPattern(family, minimum);
    case AlarmFamilyId.TAMPER_STATE_CHANGES: return tamperStatesPattern(family, minimum);
    case AlarmFamilyId.POLICY_CHANGES: return reaches(POLICY_CHANGE_SEVERITY, minimum) ? family.pattern() : undefined;
    default: return reaches(UNLISTED_EVENT_SEVERITY, minimum) ? family.pattern() : undefined;
  }
}

/**
 * The job failures of one kind that reach `minimum`: the central pattern when all do; "anything but progress,
 * success and the listed states below the minimum" while unlisted states (MEDIUM) still reach it; the listed
 * states above it otherwise; and scans that found threats, whatever their state.
 */
function jobFailuresAtLeastPattern(kind: BackupJobKind, minimum: FindingSeverity): RawPattern | undefined {
  const sel = jobFailuresAtLeast(kind, minimum);
  const field = BackupEvents.stateFieldOf(kind);
  if (sel.unlistedStates && sel.excludedStates.length === 0 && (kind !== BackupJobKind.SCAN || sel.threats)) return jobFailurePattern(kind);
  const branches: RawPattern[] = [];
  if (sel.unlistedStates) {
    branches.push(branch(kind, { [field]: [{ 'anything-but': [...NON_FAILURE_STATES, ...sel.excludedStates] }] }, {}));
  } else if (sel.states.length > 0) {
    branches.push(branch(kind, { [field]: [...sel.states] }, {}));
  }
  if (sel.threats) branches.push(branch(kind, { scanResult: { scanResultStatus: [BackupEvents.SCAN_THREATS_FOUND] } }, {}));
  return branches.length === 0 ? undefined : anyOf(branches);
}

function tamperCallsPattern(family: AlarmFamily, minimum: FindingSeverity): RawPattern | undefined {
  const calls = tamperCallsAtLeast(minimum);
  const central = family.pattern();
  if (calls.all) return central;
  if (calls.eventNames.length === 0) return undefined;
  return { ...central, detail: { ...central.detail, eventName: [...calls.eventNames] } };
}

function tamperStatesPattern(family: AlarmFamily, minimum: FindingSeverity): RawPattern | undefined {
  const detailTypes = tamperStatesAtLeast(minimum);
  if (detailTypes.length === TAMPER_STATE_DETAIL_TYPES.length) return family.pattern();
  const branches = tamperStateBranches().filter((b) => detailTypes.includes(b['detail-type'][0]));
  return branches.length === 0 ? undefined : anyOf(branches);
}
