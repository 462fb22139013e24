/**
 * Tamper signals -> findings (src/runtime/tamper.ts), pure; valid ASFF by the stand-in's rules
 * (test/runtime/securityhub-standin.ts, which encodes the Security Hub user guide's required attributes).
 */
import { validateFinding } from './securityhub-standin';
import { buildTamperFinding, isTamperEvent, parseTamperEvent, tamperFindingIdOf } from '../../src/runtime/tamper';
import { BackupTamperAction } from '../../src/shared/tamper';
import { apiCall, stateChanges, TAMPER_ACCOUNT } from '../support/tamper-events';

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
