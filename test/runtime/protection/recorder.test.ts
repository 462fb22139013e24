/**
 * The recorder's pure part: every documented event the central bus can deliver to the protection buffer
 * becomes the right activity counter and, for a backup or copy job that succeeded or failed, the right update
 * of its protection (a backup keyed by its vault's name, a copy by its destination vault's ARN; restores, scans
 * and progress states protect nothing); a quoted status message is unquoted; a success dated in the future is
 * taken as happening now (plus the tolerated skew); anything else is malformed (MalformedEventError), so that
 * it fails alone and reaches the dead-letter queue.
 *
 * Governing pages:
 * - "Amazon EventBridge and AWS Backup" (the events and their states, `statusMessage`),
 *   https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html
 * - "Amazon EventBridge events" (event structure: `account`, `region`, `time`),
 *   https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
 * - "Logging AWS Backup API calls with AWS CloudTrail", https://docs.aws.amazon.com/aws-backup/latest/devguide/logging-using-cloudtrail.html
 * - "Monitoring AWS Organizations with Amazon EventBridge" (policy API calls via CloudTrail),
 *   https://docs.aws.amazon.com/organizations/latest/userguide/orgs_monitoring_cloudwatch-events.html
 */
import * as fs from 'fs';
import * as path from 'path';
import { MalformedEventError, MalformedReason } from '../../../src/runtime/event';
import { CounterFamily, foldSignals, signalOf } from '../../../src/runtime/protection/recorder';
import { PROTECTION_TIMING, protectionKey, ProtectionKind, ProtectionState } from '../../../src/shared/protection';
import { apiCall, stateChanges, TAMPER_ACCOUNT } from '../../support/tamper-events';
import { EXAMPLE_ACCOUNT, fixture, variant } from '../support';

const ACCOUNT = '123456789012';
/** After every example event (the tamper builders date theirs 2026-11-30). */
const NOW = Date.parse('2026-12-01T00:00:00Z');
const ORG_DIR = path.join(__dirname, '..', '..', 'fixtures', 'organizations-events');
const organizationsEvent = (name: string) => JSON.parse(fs.readFileSync(path.join(ORG_DIR, `${name}.json`), 'utf8'));

const COPY_DESTINATION = `arn:aws:backup:us-west-2:${ACCOUNT}:backup-vault:846869de-4589-45c3-ab60-4fbbabcdd3ec`;

describe('every documented job event: its counter and its protection update', () => {
  test.each<[string, string, { success: boolean; vault: string; kind: ProtectionKind } | undefined]>([
    // [fixture, counter, protection update (undefined: none)]
    ['backup-completed', 'BACKUP_COMPLETED', { success: true, kind: ProtectionKind.BACKUP, vault: '9732c1b4-1091-472a-9d9f-52e0565ee39a' }],
    // "Completed with issues" is a COMPLETED job with a status message: a success.
    ['backup-completed-with-issues', 'BACKUP_COMPLETED', { success: true, kind: ProtectionKind.BACKUP, vault: '9732c1b4-1091-472a-9d9f-52e0565ee39a' }],
    ['backup-failed', 'BACKUP_FAILED', { success: false, kind: ProtectionKind.BACKUP, vault: '9ab3e749-82c6-4342-9320-5edbf4918b86' }],
    // EXPIRED: the job could not start inside its start window, a missed backup.
    ['backup-expired', 'BACKUP_EXPIRED', { success: false, kind: ProtectionKind.BACKUP, vault: 'aws/backup/AutomatedBackupVaultDel2' }],
    ['backup-aborted', 'BACKUP_ABORTED', { success: false, kind: ProtectionKind.BACKUP, vault: 'f59bffcd-2538-4bbe-8343-1c60dae27c27' }],
    ['backup-partial', 'BACKUP_PARTIAL', { success: false, kind: ProtectionKind.BACKUP, vault: '9732c1b4-1091-472a-9d9f-52e0565ee39a' }],
    ['backup-created', 'BACKUP_CREATED', undefined],
    ['backup-pending', 'BACKUP_PENDING', undefined],
    ['backup-running', 'BACKUP_RUNNING', undefined],
    ['copy-completed', 'COPY_COMPLETED', { success: true, kind: ProtectionKind.COPY, vault: COPY_DESTINATION }],
    ['copy-failed', 'COPY_FAILED', { success: false, kind: ProtectionKind.COPY, vault: `arn:aws:backup:us-west-2:${ACCOUNT}:backup-vault:55aa945e-c46a-421b-aa27-f94b074e31b7` }],
    ['copy-partial', 'COPY_PARTIAL', { success: false, kind: ProtectionKind.COPY, vault: COPY_DESTINATION }],
    ['copy-created', 'COPY_CREATED', undefined],
    ['copy-running', 'COPY_RUNNING', undefined],
    ['restore-completed', 'RESTORE_COMPLETED', undefined],
    ['restore-failed', 'RESTORE_FAILED', undefined],
    ['restore-failed-with-vault', 'RESTORE_FAILED', undefined],
    ['restore-failed-restore-testing', 'RESTORE_FAILED', undefined],
    ['restore-aborted', 'RESTORE_ABORTED', undefined],
    ['restore-created', 'RESTORE_CREATED', undefined],
    ['restore-pending', 'RESTORE_PENDING', undefined],
    ['restore-running', 'RESTORE_RUNNING', undefined],
    ['scan-completed-threats', 'SCAN_THREATS_FOUND', undefined],
    ['scan-completed-no-threats', 'SCAN_COMPLETED', undefined],
    ['scan-completed_with_issues', 'SCAN_COMPLETED_WITH_ISSUES', undefined],
    ['scan-failed', 'SCAN_FAILED', undefined],
    ['scan-canceled', 'SCAN_CANCELED', undefined],
    ['scan-created', 'SCAN_CREATED', undefined],
    ['scan-running', 'SCAN_RUNNING', undefined],
  ])('%s -> %s', (name, counter, update) => {
    const event = fixture(name, ACCOUNT);
    const s = signalOf(JSON.stringify(event), NOW);
    expect(s).toMatchObject({ account: ACCOUNT, region: event.region, family: CounterFamily.JOB, counter, at: Date.parse(event.time) });
    if (update === undefined) {
      expect(s.protection).toBeUndefined();
      return;
    }
    const resourceArn = event.detail.resourceArn;
    expect(s.protection).toMatchObject({
      ...update,
      pk: protectionKey(update.kind, ACCOUNT, event.region, update.vault, resourceArn),
      resourceArn,
      state: event.detail.state,
    });
    // A failure keeps its status message (when it has one) for the daily report, without the literal quotes the
    // documented examples wrap it in; a success none on the counter.
    expect(s.message).toBe(update.success ? undefined : event.detail.statusMessage?.replace(/^"(.*)"$/, '$1'));
  });

  test('a backup and a copy of one resource are two protections; a copy is keyed by the destination, not the source vault', () => {
    const copy = variant(fixture('copy-completed', ACCOUNT), {}, { sourceBackupVaultArn: `arn:aws:backup:us-west-2:${ACCOUNT}:backup-vault:source` });
    const p = signalOf(JSON.stringify(copy), NOW).protection!;
    expect(p.vault).toBe(COPY_DESTINATION);
    expect(p.planId).toBe('b58e3621-1c53-4997-ad8a-afc3347a850e');
    expect(p.pk.startsWith('P#COPY#')).toBe(true);
  });

  test('a backup without backupVaultName is keyed by the name at the end of its vault ARN', () => {
    const event = fixture('backup-completed', ACCOUNT);
    delete event.detail.backupVaultName;
    expect(signalOf(JSON.stringify(event), NOW).protection?.vault).toBe('9732c1b4-1091-472a-9d9f-52e0565ee39a');
  });
});

describe('tamper signals and policy changes: one counter each, no protection', () => {
  test.each<[string, () => Record<string, any>, CounterFamily, string]>([
    ['DeleteRecoveryPoint (CloudTrail)', () => apiCall('DeleteRecoveryPoint'), CounterFamily.TAMPER, 'DeleteRecoveryPoint'],
    ['DeleteBackupVault (CloudTrail)', () => apiCall('DeleteBackupVault'), CounterFamily.TAMPER, 'DeleteBackupVault'],
    ['UpdateRegionSettings (CloudTrail)', () => apiCall('UpdateRegionSettings'), CounterFamily.TAMPER, 'UpdateRegionSettings'],
    ['vault DELETED state change', () => stateChanges()['backup-vault-deleted'], CounterFamily.TAMPER, 'BackupVault_DELETED'],
    ['plan DELETED state change', () => stateChanges()['backup-plan-deleted'], CounterFamily.TAMPER, 'BackupPlan_DELETED'],
    ['Region setting MODIFIED state change', () => stateChanges()['region-setting-modified'], CounterFamily.TAMPER, 'RegionSetting_MODIFIED'],
    ['Organizations UpdatePolicy', () => organizationsEvent('update-policy-backup'), CounterFamily.POLICY, 'UpdatePolicy'],
    ['Organizations DetachPolicy', () => organizationsEvent('detach-policy'), CounterFamily.POLICY, 'DetachPolicy'],
    ['Organizations EffectivePolicyValidation', () => organizationsEvent('effective-policy-validation-backup-invalid'), CounterFamily.POLICY, 'EffectivePolicyValidation'],
  ])('%s', (_case, make, family, counter) => {
    const event = make();
    const s = signalOf(JSON.stringify(event), NOW);
    expect(s).toMatchObject({ family, counter, account: event.account, region: event.region, at: Date.parse(event.time) });
    expect(s.protection).toBeUndefined();
    expect(s.message).toBeUndefined();
    if (family === CounterFamily.TAMPER) expect(s.account).toBe(TAMPER_ACCOUNT);
  });
});

describe('what the recorder cleans up', () => {
  test('a status message wrapped in literal quotes is unquoted (on the counter and the protection)', () => {
    // As AWS Backup sometimes sends it: the quotes are part of the string.
    const event = variant(fixture('backup-failed', ACCOUNT), {}, { statusMessage: '"Backup job failed because the role is missing."' });
    const s = signalOf(JSON.stringify(event), NOW);
    expect(s.message).toBe('Backup job failed because the role is missing.');
    expect(s.protection?.message).toBe('Backup job failed because the role is missing.');
  });

  test.each([
    ['an hour in the future: clamped to now + the tolerated skew', NOW + 3_600_000, NOW + PROTECTION_TIMING.MAX_FUTURE_SKEW_SECONDS * 1000],
    ['within the tolerated skew: kept', NOW + 60_000, NOW + 60_000],
    ['in the past: kept', NOW - 86_400_000, NOW - 86_400_000],
  ])('a success dated %s', (_case, time, expected) => {
    const event = variant(fixture('backup-completed', ACCOUNT), { time: new Date(time).toISOString() });
    expect(signalOf(JSON.stringify(event), NOW).at).toBe(expected);
  });

  test('folding a clamped success keeps the clamped time in the history', () => {
    const event = variant(fixture('backup-completed', ACCOUNT), { time: new Date(NOW + 3_600_000).toISOString() });
    const item = foldSignals(undefined, signalOf(JSON.stringify(event), NOW));
    expect(item).toMatchObject({ successes: [NOW + 300_000], successCount: 1, state: ProtectionState.OK, ver: 0, account: ACCOUNT });
  });
});

describe('malformed bodies throw MalformedEventError with a reason', () => {
  const completed = fixture('backup-completed', ACCOUNT);
  const noDetailType = { ...completed };
  delete (noDetailType as Record<string, unknown>)['detail-type'];
  const noEventName = apiCall('DeleteBackupVault');
  delete noEventName.detail.eventName;
  test.each<[string, string, MalformedReason]>([
    ['not JSON', '{"detail-type":', 'NOT_JSON'],
    ['a JSON list', '[]', 'NOT_AN_OBJECT'],
    [`the documentation's 13-digit account ${EXAMPLE_ACCOUNT}, verbatim`, JSON.stringify(fixture('backup-completed')), 'BAD_ACCOUNT'],
    ['no detail-type', JSON.stringify(noDetailType), 'MISSING_DETAIL_TYPE'],
    ['an unrelated source', JSON.stringify({ ...completed, source: 'aws.ec2' }), 'UNEXPECTED_SOURCE'],
    ['a Security Hub finding event (a loop if accepted)', JSON.stringify({ ...completed, 'source': 'aws.securityhub', 'detail-type': 'Security Hub Findings - Imported' }), 'UNEXPECTED_SOURCE'],
    ['a CloudTrail record without eventName', JSON.stringify(noEventName), 'MISSING_DETAIL'],
    ['an Organizations event without eventName', JSON.stringify({ ...organizationsEvent('update-policy-backup'), detail: {} }), 'MISSING_DETAIL'],
    ['a recovery point state change (not forwarded to the buffer)', JSON.stringify(fixture('recovery-point-completed', ACCOUNT)), 'UNSUPPORTED_DETAIL_TYPE'],
    ['a bad time', JSON.stringify({ ...completed, time: 'yesterday' }), 'BAD_TIME'],
  ])('%s', (_case, body, reason) => {
    let caught: unknown;
    try {
      signalOf(body, NOW);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MalformedEventError);
    expect((caught as MalformedEventError).reason).toBe(reason);
  });
});
