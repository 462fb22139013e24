/**
 * Tamper signals -> findings (src/runtime/tamper.ts), pure; valid ASFF by the stand-in's rules
 * (test/runtime/securityhub-standin.ts, which encodes the Security Hub user guide's required attributes).
 */
import { validateFinding } from './securityhub-standin';
import { buildTamperFinding, isTamperEvent, parseTamperEvent, tamperFindingIdOf } from '../../src/runtime/tamper';
import { BackupTamperAction } from '../../src/shared/tamper';
import { apiCall, optInRequest, stateChanges, TAMPER_ACCOUNT } from '../support/tamper-events';

const DEST = { partition: 'aws', accountId: '999999999999', region: 'eu-west-1' };

test.each(Object.values(BackupTamperAction))('%s by a role: a valid, ACTIVE finding with the caller, never archived', (action) => {
  const ev = apiCall(action, 'role');
  expect(isTamperEvent(ev)).toBe(true);
  const f = buildTamperFinding(parseTamperEvent(ev), DEST);
  expect(validateFinding(f as Record<string, any>)).toBeUndefined();
  expect(f.RecordState).toBe('ACTIVE');
  expect(f.Types![0]).toBe('TTPs/Defense Evasion/Backup Tampering');
  expect(['HIGH', 'CRITICAL']).toContain(f.Severity!.Label);
  expect(f.ProductFields!['cdk-backup-alarms/Caller']).toBe(`arn:aws:sts::${TAMPER_ACCOUNT}:assumed-role/ops-admin/alice`);
  expect(f.ProductFields!['cdk-backup-alarms/SourceIPAddress']).toBe('203.0.113.7');
  expect(f.Title).toContain(`[${TAMPER_ACCOUNT} eu-west-1] AWS Backup tampering: ${action} by`);
});

test('DeleteRecoveryPoint: CRITICAL, data destruction, the recovery point and the vault as resources', () => {
  const f = buildTamperFinding(parseTamperEvent(apiCall('DeleteRecoveryPoint')), DEST);
  expect(f.Severity!.Label).toBe('CRITICAL');
  expect(f.Types).toEqual(['TTPs/Defense Evasion/Backup Tampering', 'Effects/Data Destruction']);
  expect(f.Resources!.map((r) => [r.Type, r.Id])).toEqual([
    ['AwsBackupRecoveryPoint', 'arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0'],
    ['AwsBackupBackupVault', `arn:aws:backup:eu-west-1:${TAMPER_ACCOUNT}:backup-vault:prod-vault`],
  ]);
});

test('the same signal twice is the same finding; another call is another', () => {
  const a = tamperFindingIdOf(parseTamperEvent(apiCall('DeleteBackupVault')));
  expect(tamperFindingIdOf(parseTamperEvent(apiCall('DeleteBackupVault')))).toBe(a);
  expect(tamperFindingIdOf(parseTamperEvent(apiCall('DeleteBackupVault', 'user')))).not.toBe(a);
  expect(a).toMatch(new RegExp(`^cdk-backup-alarms/${TAMPER_ACCOUNT}/eu-west-1/TAMPER/DeleteBackupVault/`));
});

test('a refused call is still a finding, and says it was refused', () => {
  const f = buildTamperFinding(parseTamperEvent(apiCall('DeleteBackupVaultLockConfiguration', 'role', { errorCode: 'AccessDenied' })), DEST);
  expect(f.Description).toContain('AWS refused it (AccessDenied)');
});

test.each(['backup-vault-deleted', 'backup-plan-deleted', 'region-setting-modified'])('state change %s: a valid finding', (name) => {
  const ev = stateChanges()[name];
  expect(isTamperEvent(ev)).toBe(true);
  const f = buildTamperFinding(parseTamperEvent(ev), DEST);
  expect(validateFinding(f as Record<string, any>)).toBeUndefined();
  expect(f.Id).toContain('/TAMPER/');
});

test('a call that is not a tamper action, or a 13-digit example account, is malformed (kept and reported by the handler)', () => {
  expect(() => parseTamperEvent(apiCall('StartBackupJob'))).toThrow(/UNSUPPORTED_DETAIL_TYPE/);
  expect(() => parseTamperEvent({ ...apiCall('DeleteBackupVault'), account: '1112233445566' })).toThrow(/BAD_ACCOUNT/);
});

test('a vault or plan created or modified is not a tamper signal', () => {
  for (const name of ['backup-vault-created', 'backup-vault-modified', 'backup-plan-created', 'backup-plan-modified']) {
    expect(() => parseTamperEvent(stateChanges()[name])).toThrow(/UNSUPPORTED_DETAIL_TYPE: .* is not a tamper signal/);
  }
});

/**
 * UpdateRegionSettings ("UpdateRegionSettings", AWS Backup API reference,
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateRegionSettings.html): ResourceTypeOptInPreference
 * maps resource types to booleans, false = no longer backed up where resources are assigned by tags. The rule
 * forwards every call (no pattern can test every value of the map); the finding tells the direction, reading
 * both casings of the key (no published CloudTrail record of this call confirms which one CloudTrail writes).
 */
describe('UpdateRegionSettings: the finding tells opt-outs from opt-ins', () => {
  test.each<[string, Record<string, any>, string, string | undefined]>([
    ['an opt-out beside an opt-in', optInRequest({ EBS: false, EC2: true }), 'HIGH', 'EBS'],
    ['an opt-out under the API\'s casing of the key', optInRequest({ EBS: false, S3: false }, 'ResourceTypeOptInPreference'), 'HIGH', 'EBS, S3'],
    ['an opt-out of a type AWS added later', optInRequest({ SomeFutureType: false }), 'HIGH', 'SomeFutureType'],
    ['an opt-in-only request', optInRequest({ Aurora: true, EBS: true }), 'INFORMATIONAL', undefined],
    // No map, no direction: it alarms rather than assume an opt-in.
    ['a request without an opt-in map', apiCall('UpdateRegionSettings', 'role', { requestParameters: { resourceTypeManagementPreference: { DynamoDB: false } } }), 'HIGH', undefined],
    ['a request CloudTrail logged without parameters', apiCall('UpdateRegionSettings', 'role', { requestParameters: null }), 'HIGH', undefined],
  ])('%s: %s', (_name, ev, label, optedOut) => {
    const f = buildTamperFinding(parseTamperEvent(ev), DEST);
    expect(validateFinding(f as Record<string, any>)).toBeUndefined();
    expect(f.Severity!.Label).toBe(label);
    expect(f.ProductFields!['cdk-backup-alarms/OptedOutResourceTypes']).toBe(optedOut);
    if (optedOut !== undefined) expect(f.Description).toContain(`Opted out of AWS Backup by this request: ${optedOut}.`);
    if (label === 'INFORMATIONAL') expect(f.Description).toContain('the request opts no resource type out of AWS Backup');
    if (optedOut === undefined && label === 'HIGH') expect(f.Description).toContain('the request does not show its resource-type opt-in map');
  });

  test('the requested map is in the finding, whichever casing carried it', () => {
    const f = buildTamperFinding(parseTamperEvent(optInRequest({ EBS: false }, 'ResourceTypeOptInPreference')), DEST);
    expect(f.ProductFields!['cdk-backup-alarms/ResourceTypeOptInPreference']).toBe('{"EBS":false}');
    expect(f.Description).toContain('Resource-type opt-in requested: {"EBS":false}.');
    expect(f.Resources!.map((r) => r.Id)).toEqual([`arn:aws:backup:eu-west-1:${TAMPER_ACCOUNT}:region-settings`]);
  });

  test('a Region Setting State Change that shows a false names the type', () => {
    const ev = structuredClone(stateChanges()['region-setting-modified']);
    ev.detail.ResourceTypeOptInPreference = { Aurora: true, EBS: false };
    const f = buildTamperFinding(parseTamperEvent(ev), DEST);
    expect(f.Severity!.Label).toBe('HIGH');
    expect(f.Description).toContain('Opted out of AWS Backup now: EBS.');
  });
});

test.each<[string, string, string | undefined]>([
  ['PutBackupVaultLockConfiguration', 'vault prod-vault', `arn:aws:backup:eu-west-1:${TAMPER_ACCOUNT}:backup-vault:prod-vault`],
  ['UpdateGlobalSettings', `account ${TAMPER_ACCOUNT}`, `arn:aws:backup:eu-west-1:${TAMPER_ACCOUNT}:region-settings`],
  ['DeleteReportPlan', 'report plan daily_backup_jobs', `arn:aws:backup:eu-west-1:${TAMPER_ACCOUNT}:report-plan:daily_backup_jobs`],
  ['DeleteFramework', 'framework prod_controls', `arn:aws:backup:eu-west-1:${TAMPER_ACCOUNT}:region-settings`],
  ['StopBackupJob', 'backup job B1234567-89AB-CDEF-0123-456789ABCDEF', `arn:aws:backup:eu-west-1:${TAMPER_ACCOUNT}:backup-job:B1234567-89AB-CDEF-0123-456789ABCDEF`],
])('%s: HIGH, names its target (%s), no data destroyed', (action, target, resource) => {
  const f = buildTamperFinding(parseTamperEvent(apiCall(action)), DEST);
  expect(f.Severity!.Label).toBe('HIGH');
  expect(f.Types).toEqual(['TTPs/Defense Evasion/Backup Tampering']);
  expect(f.Description).toContain(`called AWS Backup ${action} on ${target} in account`);
  expect(f.Resources![0].Id).toBe(resource);
});
