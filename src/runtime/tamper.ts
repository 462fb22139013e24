/**
 * A tamper signal -> its finding. Pure: no I/O, no clock, no SDK.
 *
 * Unlike a job failure, tampering is an act, not a state: each signal is a finding of its own, identified by
 * the CloudTrail event id (API calls) or the EventBridge event id (state changes), so a redelivery updates it
 * and nothing ever archives it. Severity and types come from src/shared/tamper.ts.
 */
import type { AwsSecurityFinding, Resource } from '@aws-sdk/client-securityhub';
import { boundedMap, dropBlank, isObject, LIMITS, truncate } from './asff';
import { arn, envelopeOf, ISO_8601, MalformedEventError, show, text, wellFormed } from './event';
import type { FindingDestination } from './finding';
import { ID_PREFIX, productArnOf } from './identity';
import { BackupEvents } from '../shared/backup-events';
import { FindingSeverity } from '../shared/findings';
import {
  API_CALL_DETAIL_TYPE, BACKUP_EVENT_SOURCE, BackupTamperAction, OPT_IN_KEYS, optOutsOf, REGION_SETTINGS_DIRECTION_UNKNOWN,
  REGION_SETTINGS_OPT_IN_ONLY, TAMPER_ACTION_SEVERITY, TAMPER_STATE_CHANGES, TAMPER_STATE_DETAIL_TYPES, TAMPER_STATE_SEVERITY, TamperSeverity,
} from '../shared/tamper';

/** A tamper signal, parsed defensively. */
export interface TamperEvent {
  /** The CloudTrail `eventID` of an API call, or the EventBridge `id` of a state change. */
  readonly eventId: string;
  /** The API call's name (`DeleteRecoveryPoint`), or the state change (`Backup Vault State Change DELETED`). */
  readonly signal: string;
  readonly isApiCall: boolean;
  readonly account: string;
  readonly region: string;
  /** ISO 8601 with milliseconds: the call's `eventTime`, or the event's `time`. */
  readonly time: string;
  readonly caller?: string;
  readonly role?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /** Set when AWS refused the call: an attempt, still news. */
  readonly errorCode?: string;
  readonly vaultName?: string;
  readonly recoveryPointArn?: string;
  readonly planId?: string;
  readonly reportPlanName?: string;
  readonly frameworkName?: string;
  readonly backupJobId?: string;
  readonly eventResources: string[];
  /** The resource-type opt-in preferences, as JSON: requested (UpdateRegionSettings) or now in force (Region Setting State Change). */
  readonly optIn?: string;
  /** The resource types `optIn` sets to false; undefined when the event shows no opt-in map. */
  readonly optedOut?: string[];
  readonly severity: TamperSeverity;
}

/** Whether an event is a tamper signal (rather than a job event) by its envelope. */
export function isTamperEvent(raw: unknown): boolean {
  if (!isObject(raw) || raw.source !== BackupEvents.SOURCE) return false;
  return raw['detail-type'] === API_CALL_DETAIL_TYPE || TAMPER_STATE_DETAIL_TYPES.includes(raw['detail-type']);
}

/** Parses a tamper signal; an API call must be one of `BackupTamperAction`, a state change one that counts. */
export function parseTamperEvent(input: Record<string, any>): TamperEvent {
  const raw = wellFormed(input) as Record<string, any>;
  const { account, region, time } = envelopeOf(raw);
  const detail = raw.detail;
  if (!isObject(detail)) throw new MalformedEventError('MISSING_DETAIL', 'the event has no detail object');
  const detailType = String(raw['detail-type']);
  if (detailType === API_CALL_DETAIL_TYPE) {
    const name = text(detail.eventName);
    // An own property only: 'constructor' or 'toString' is no tamper action (found by test/runtime/fuzz.test.ts).
    const severity = name === undefined || !Object.prototype.hasOwnProperty.call(TAMPER_ACTION_SEVERITY, name) ? undefined
      : (TAMPER_ACTION_SEVERITY as Record<string, TamperSeverity>)[name];
    if (detail.eventSource !== BACKUP_EVENT_SOURCE || name === undefined || severity === undefined) {
      throw new MalformedEventError('UNSUPPORTED_DETAIL_TYPE', `the API call ${show(detail.eventSource)} ${show(detail.eventName)} is not a tamper action`);
    }
    const eventId = text(detail.eventID) ?? text(raw.id);
    if (eventId === undefined) throw new MalformedEventError('NO_RESOURCE_OR_JOB_ID', 'the API call has neither an eventID nor an id');
    const who = isObject(detail.userIdentity) ? detail.userIdentity : {};
    const issuer = isObject(who.sessionContext) && isObject(who.sessionContext.sessionIssuer) ? who.sessionContext.sessionIssuer : {};
    const request = isObject(detail.requestParameters) ? detail.requestParameters : {};
    const callTime = text(detail.eventTime);
    const optIn = optInOf(request);
    const optedOut = optOutsOf(request);
    return {
      eventId,
      signal: name,
      isApiCall: true,
      account,
      region,
      // CloudTrail's eventTime if it is a real ISO 8601 time (a 4-digit year, so that the finding's timestamps are
      // RFC 3339), else the event's own time (validated by envelopeOf).
      time: new Date(callTime !== undefined && ISO_8601.test(callTime) && Number.isFinite(Date.parse(callTime)) ? callTime : time).toISOString(),
      caller: text(who.arn) ?? text(who.invokedBy) ?? text(who.type),
      role: arn(issuer.arn),
      sourceIp: text(detail.sourceIPAddress),
      userAgent: text(detail.userAgent),
      errorCode: text(detail.errorCode),
      vaultName: text(request.backupVaultName),
      recoveryPointArn: arn(request.recoveryPointArn),
      planId: text(request.backupPlanId),
      reportPlanName: text(request.reportPlanName),
      frameworkName: text(request.frameworkName),
      backupJobId: text(request.backupJobId),
      eventResources: [],
      optIn,
      optedOut,
      severity: name === BackupTamperAction.UPDATE_REGION_SETTINGS ? regionSettingsSeverity(optedOut, severity) : severity,
    };
  }
  const severity = Object.prototype.hasOwnProperty.call(TAMPER_STATE_SEVERITY, detailType) ? TAMPER_STATE_SEVERITY[detailType] : undefined;
  const state = text(detail.state);
  const change = TAMPER_STATE_CHANGES.find((c) => c.detailType === detailType);
  if (severity === undefined || change === undefined || (change.states !== undefined && !change.states.includes(state ?? ''))) {
    // A vault or plan created or modified: news for the email, not a tamper finding.
    throw new MalformedEventError('UNSUPPORTED_DETAIL_TYPE', `${detailType} ${show(state)} is not a tamper signal`);
  }
  const eventId = text(raw.id);
  if (eventId === undefined) throw new MalformedEventError('NO_RESOURCE_OR_JOB_ID', 'the state change has no id');
  return {
    eventId,
    signal: state === undefined ? detailType : `${detailType} ${state}`,
    isApiCall: false,
    account,
    region,
    time: new Date(time).toISOString(),
    vaultName: text(detail.backupVaultName),
    planId: text(detail.backupPlanId),
    eventResources: Array.isArray(raw.resources) ? raw.resources.map(arn).filter((a): a is string => a !== undefined) : [],
    optIn: optInOf(detail),
    optedOut: optOutsOf(detail),
    severity,
  };
}

/**
 * An `UpdateRegionSettings` request alarms when it opts a type out, and when it shows no opt-in map (the
 * direction is unknown); one that shows its map with no false in it opts nothing out and is informational.
 */
function regionSettingsSeverity(optedOut: string[] | undefined, optOut: TamperSeverity): TamperSeverity {
  if (optedOut === undefined) return REGION_SETTINGS_DIRECTION_UNKNOWN;
  return optedOut.length === 0 ? REGION_SETTINGS_OPT_IN_ONLY : optOut;
}

/** The opt-in map of a request or a state change (either casing of its key), as JSON. */
function optInOf(container: Record<string, any>): string | undefined {
  const key = OPT_IN_KEYS.find((k) => isObject(container[k]));
  return key === undefined ? undefined : JSON.stringify(container[key]);
}

/** The finding `Id`: `cdk-backup-alarms/<account>/<region>/TAMPER/<signal>/<event id>`, within 512 characters. */
export function tamperFindingIdOf(ev: TamperEvent): string {
  return truncate(`${ID_PREFIX}/${ev.account}/${ev.region}/TAMPER/${ev.signal.replace(/\s+/g, '-')}/${ev.eventId}`, LIMITS.ID);
}

/**
 * `Types`: every tamper signal is `TTPs/Defense Evasion/Backup Tampering` (removing the means of recovery
 * before an attack is defence evasion in the ATT&CK sense: "Inhibit System Recovery"); one that destroys
 * data adds `Effects/Data Destruction`.
 */
export function tamperTypesOf(ev: TamperEvent): string[] {
  return ['TTPs/Defense Evasion/Backup Tampering', ...(ev.severity.destroysData ? ['Effects/Data Destruction'] : [])];
}

/** Builds the finding of a tamper signal, imported at `dest`; always ACTIVE, never closed by the forwarder. */
export function buildTamperFinding(ev: TamperEvent, dest: FindingDestination): AwsSecurityFinding {
  const label = ev.severity.label === 'CRITICAL' ? FindingSeverity.CRITICAL
    : ev.severity.label === 'INFORMATIONAL' ? FindingSeverity.INFORMATIONAL : FindingSeverity.HIGH;
  const types = tamperTypesOf(ev);
  const who = ev.caller ?? 'an unknown caller (AWS Backup state changes do not name one)';
  const target = ev.recoveryPointArn ?? (ev.vaultName !== undefined ? `vault ${ev.vaultName}` : undefined)
    ?? (ev.planId !== undefined ? `plan ${ev.planId}` : undefined)
    ?? (ev.reportPlanName !== undefined ? `report plan ${ev.reportPlanName}` : undefined)
    ?? (ev.frameworkName !== undefined ? `framework ${ev.frameworkName}` : undefined)
    ?? (ev.backupJobId !== undefined ? `backup job ${ev.backupJobId}` : undefined)
    ?? ev.eventResources[0] ?? `account ${ev.account}`;
  const sentences = [
    ev.isApiCall
      ? `${who} called AWS Backup ${ev.signal} on ${target} in account ${ev.account}, Region ${ev.region}, at ${ev.time}`
        + `${ev.errorCode ? `; AWS refused it (${ev.errorCode}), but the attempt is a warning` : ''}.`
      : `AWS Backup reported ${ev.signal} for ${target} in account ${ev.account}, Region ${ev.region}, at ${ev.time}.`,
    `Severity ${label}: ${ev.severity.why}.`,
  ];
  if (ev.sourceIp !== undefined || ev.userAgent !== undefined) sentences.push(`From ${ev.sourceIp ?? 'an unknown address'} with ${ev.userAgent ?? 'an unknown client'}.`);
  if (ev.optedOut !== undefined && ev.optedOut.length > 0) {
    sentences.push(`Opted out of AWS Backup ${ev.isApiCall ? 'by this request' : 'now'}: ${ev.optedOut.join(', ')}.`);
  }
  if (ev.optIn !== undefined) sentences.push(`Resource-type opt-in ${ev.isApiCall ? 'requested' : 'now'}: ${ev.optIn}.`);
  sentences.push('This finding is not closed automatically: check whether the change was intended.');

  const finding: AwsSecurityFinding = {
    SchemaVersion: '2018-10-08',
    Id: tamperFindingIdOf(ev),
    ProductArn: productArnOf(dest.partition, dest.region, dest.accountId),
    ProductName: ID_PREFIX,
    GeneratorId: `${ID_PREFIX}/aws-backup/tampering`,
    AwsAccountId: dest.accountId,
    Types: types,
    CreatedAt: ev.time,
    UpdatedAt: ev.time,
    FirstObservedAt: ev.time,
    LastObservedAt: ev.time,
    Severity: { Label: label, Original: label },
    FindingProviderFields: { Severity: { Label: label, Original: label }, Types: types },
    Title: truncate(`[${ev.account} ${ev.region}] AWS Backup tampering: ${ev.signal}${ev.isApiCall ? ` by ${who}` : ''}`, LIMITS.TITLE),
    Description: truncate(sentences.join(' '), LIMITS.DESCRIPTION),
    ProductFields: boundedMap({
      'cdk-backup-alarms/Signal': ev.signal,
      'cdk-backup-alarms/Caller': ev.caller,
      'cdk-backup-alarms/Role': ev.role,
      'cdk-backup-alarms/SourceIPAddress': ev.sourceIp,
      'cdk-backup-alarms/UserAgent': ev.userAgent,
      'cdk-backup-alarms/ErrorCode': ev.errorCode,
      'cdk-backup-alarms/EventId': ev.eventId,
      'cdk-backup-alarms/SourceAccount': ev.account,
      'cdk-backup-alarms/SourceRegion': ev.region,
      'cdk-backup-alarms/BackupVaultName': ev.vaultName,
      'cdk-backup-alarms/RecoveryPointArn': ev.recoveryPointArn,
      'cdk-backup-alarms/BackupPlanId': ev.planId,
      'cdk-backup-alarms/ReportPlanName': ev.reportPlanName,
      'cdk-backup-alarms/FrameworkName': ev.frameworkName,
      'cdk-backup-alarms/BackupJobId': ev.backupJobId,
      'cdk-backup-alarms/ResourceTypeOptInPreference': ev.optIn,
      'cdk-backup-alarms/OptedOutResourceTypes': ev.optedOut?.join(', '),
    }, LIMITS.PRODUCT_FIELDS, LIMITS.PRODUCT_FIELD_KEY, LIMITS.PRODUCT_FIELD_VALUE),
    Resources: tamperResourcesOf(ev, dest.partition),
    RecordState: 'ACTIVE',
  };
  return dropBlank(finding) as AwsSecurityFinding;
}

function tamperResourcesOf(ev: TamperEvent, partition: string): Resource[] {
  const base = `arn:${partition}:backup:${ev.region}:${ev.account}`;
  const ids: Array<[string, string]> = [];
  if (ev.recoveryPointArn !== undefined) ids.push([ev.recoveryPointArn, 'AwsBackupRecoveryPoint']);
  if (ev.vaultName !== undefined) ids.push([`${base}:backup-vault:${ev.vaultName}`, 'AwsBackupBackupVault']);
  if (ev.planId !== undefined) ids.push([`${base}:backup-plan:${ev.planId}`, 'AwsBackupBackupPlan']);
  if (ev.reportPlanName !== undefined) ids.push([`${base}:report-plan:${ev.reportPlanName}`, 'Other']);
  if (ev.backupJobId !== undefined) ids.push([`${base}:backup-job:${ev.backupJobId}`, 'Other']);
  for (const r of ev.eventResources) ids.push([r, /:backup-vault:/.test(r) ? 'AwsBackupBackupVault' : /:backup-plan:/.test(r) ? 'AwsBackupBackupPlan' : 'Other']);
  // A Region setting, or a call on nothing named: the account and Region are the resource.
  if (ids.length === 0) ids.push([`${base}:region-settings`, 'Other']);
  const seen = new Set<string>();
  const other = { SourceAccount: ev.account, SourceRegion: ev.region, Signal: ev.signal };
  return ids.filter(([id]) => !seen.has(id) && seen.add(id)).slice(0, LIMITS.MAX_RESOURCES).map(([Id, Type]) => ({
    Type,
    Id,
    Partition: partition as Resource['Partition'],
    Region: ev.region,
    Details: { Other: boundedMap(other, LIMITS.OTHER_FIELDS, LIMITS.OTHER_KEY, LIMITS.OTHER_VALUE) },
  }));
}
