import { validateFinding } from './securityhub-standin';
import { fixture, fixtureNames, variant } from './support';
import { dropBlank, LIMITS, truncate } from '../../src/runtime/asff';
import { MalformedEventError, parseBackupEvent, parseRecordBody, unquote } from '../../src/runtime/event';
import { buildFinding, FindingDestination, typesOf } from '../../src/runtime/finding';
import { findingIdOf, resourceKeyOf } from '../../src/runtime/identity';
import { classify, DEFAULT_SEVERITIES, JobOutcome } from '../../src/runtime/severity';
import { BackupJobKind } from '../../src/shared/backup-events';
import { FindingSeverity } from '../../src/shared/findings';
import { overridableSeverityKeys } from '../../src/shared/jobs';

const ACCOUNT = '111122223333';
const DEST: FindingDestination = { partition: 'aws', accountId: '999999999999', region: 'eu-west-1' };

function malformedReason(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof MalformedEventError) return err.reason;
    throw err;
  }
  return undefined;
}

describe('every documented example event', () => {
  // What each example becomes once its 13-digit example account is replaced by a real 12-digit one.
  const expected: Record<string, [string, FindingSeverity | undefined, string | undefined]> = {
    'backup-aborted': ['FAILURE', FindingSeverity.MEDIUM, 'ACTIVE'],
    'backup-completed': ['SUCCESS', FindingSeverity.INFORMATIONAL, 'ARCHIVED'],
    'backup-completed-with-issues': ['SUCCESS', FindingSeverity.INFORMATIONAL, 'ARCHIVED'],
    'backup-created': ['IN_PROGRESS', undefined, undefined],
    'backup-expired': ['FAILURE', FindingSeverity.HIGH, 'ACTIVE'],
    'backup-failed': ['FAILURE', FindingSeverity.HIGH, 'ACTIVE'],
    'backup-partial': ['FAILURE', FindingSeverity.MEDIUM, 'ACTIVE'],
    'backup-pending': ['IN_PROGRESS', undefined, undefined],
    'backup-running': ['IN_PROGRESS', undefined, undefined],
    'copy-completed': ['SUCCESS', FindingSeverity.INFORMATIONAL, 'ARCHIVED'],
    'copy-created': ['IN_PROGRESS', undefined, undefined],
    'copy-failed': ['FAILURE', FindingSeverity.MEDIUM, 'ACTIVE'],
    'copy-partial': ['FAILURE', FindingSeverity.LOW, 'ACTIVE'],
    'copy-running': ['IN_PROGRESS', undefined, undefined],
    'restore-aborted': ['FAILURE', FindingSeverity.MEDIUM, 'ACTIVE'],
    'restore-completed': ['SUCCESS', FindingSeverity.INFORMATIONAL, 'ARCHIVED'],
    'restore-created': ['IN_PROGRESS', undefined, undefined],
    'restore-failed': ['FAILURE', FindingSeverity.HIGH, 'ACTIVE'],
    'restore-failed-restore-testing': ['FAILURE', FindingSeverity.HIGH, 'ACTIVE'],
    'restore-failed-with-vault': ['FAILURE', FindingSeverity.HIGH, 'ACTIVE'],
    'restore-pending': ['IN_PROGRESS', undefined, undefined],
    'restore-running': ['IN_PROGRESS', undefined, undefined],
    'scan-canceled': ['FAILURE', FindingSeverity.LOW, 'ACTIVE'],
    'scan-completed-no-threats': ['SUCCESS', FindingSeverity.INFORMATIONAL, 'ARCHIVED'],
    'scan-completed-threats': ['FAILURE', FindingSeverity.CRITICAL, 'ACTIVE'],
    'scan-completed_with_issues': ['FAILURE', FindingSeverity.LOW, 'ACTIVE'],
    'scan-created': ['IN_PROGRESS', undefined, undefined],
    'scan-failed': ['FAILURE', FindingSeverity.MEDIUM, 'ACTIVE'],
    'scan-running': ['IN_PROGRESS', undefined, undefined],
  };
  const jobEvents = fixtureNames().filter((n) => /^(backup|copy|restore|scan)-/.test(n) && !/^backup-(vault|plan)-/.test(n));

  test('the table covers every job example', () => {
    expect(jobEvents.sort()).toEqual(Object.keys(expected).sort());
  });

  test.each(Object.entries(expected))('%s -> %j', (name, [outcome, label, recordState]) => {
    const ev = parseBackupEvent(fixture(name, ACCOUNT));
    expect(classify(ev).outcome).toBe(outcome);
    const finding = buildFinding(ev, DEST);
    expect(finding?.Severity?.Label).toBe(label);
    expect(finding?.RecordState).toBe(recordState);
    if (finding) {
      // Valid for Security Hub as the stand-in checks it: limits, required fields, no blank strings.
      expect(validateFinding(finding as Record<string, any>)).toBeUndefined();
      expect(finding.Title).toContain(`[${ACCOUNT} us-west-2]`);
      expect(finding.ProductFields?.['cdk-backup-alarms/SourceAccount']).toBe(ACCOUNT);
      expect(finding.ProductFields?.['cdk-backup-alarms/SourceRegion']).toBe('us-west-2');
      expect(finding.Resources![0].Details?.Other).toMatchObject({ SourceAccount: ACCOUNT, SourceRegion: 'us-west-2' });
    }
  });

  test.each(jobEvents)('%s verbatim (13-digit example account) is malformed', (name) => {
    expect(malformedReason(() => parseBackupEvent(fixture(name)))).toBe('BAD_ACCOUNT');
  });

  test.each(fixtureNames().filter((n) => !jobEvents.includes(n)))('%s is not a job event', (name) => {
    expect(malformedReason(() => parseBackupEvent(fixture(name, ACCOUNT)))).toBe('UNSUPPORTED_DETAIL_TYPE');
  });
});

describe('malformed events never become findings', () => {
  const good = fixture('backup-failed', ACCOUNT);
  test.each<[string, () => unknown, string]>([
    ['body is not JSON', () => parseRecordBody('{"version":'), 'NOT_JSON'],
    ['empty body', () => parseRecordBody(''), 'NOT_JSON'],
    ['body is a JSON array', () => parseRecordBody('[1,2]'), 'NOT_AN_OBJECT'],
    ['another source (e.g. Security Hub\'s own import events)', () => parseBackupEvent(variant(good, { source: 'aws.securityhub' })), 'UNEXPECTED_SOURCE'],
    ['no detail-type', () => parseBackupEvent(variant(good, { 'detail-type': undefined })), 'MISSING_DETAIL_TYPE'],
    ['13-digit account', () => parseBackupEvent(variant(good, { account: '1112233445566' })), 'BAD_ACCOUNT'],
    ['11-digit account', () => parseBackupEvent(variant(good, { account: '11122334455' })), 'BAD_ACCOUNT'],
    ['numeric account', () => parseBackupEvent(variant(good, { account: 111122223333 })), 'BAD_ACCOUNT'],
    ['no region', () => parseBackupEvent(variant(good, { region: undefined })), 'BAD_REGION'],
    ['no time', () => parseBackupEvent(variant(good, { time: undefined })), 'BAD_TIME'],
    ['time not ISO 8601', () => parseBackupEvent(variant(good, { time: '29/07/2020 20:15' })), 'BAD_TIME'],
    ['no detail', () => parseBackupEvent({ ...good, detail: undefined }), 'MISSING_DETAIL'],
    ['no state', () => parseBackupEvent(variant(good, {}, { state: undefined })), 'MISSING_STATE'],
    ['failure naming neither resource nor job', () => findingIdOf(parseBackupEvent({ ...good, detail: { state: 'FAILED' } })), 'NO_RESOURCE_OR_JOB_ID'],
  ])('%s', (_name, f, reason) => {
    expect(malformedReason(f)).toBe(reason);
  });
});

describe('defensive parsing of loose payloads', () => {
  test('sizes as strings or numbers; destinationRecoveryPointArn {}', () => {
    const copy = parseBackupEvent(fixture('copy-failed', ACCOUNT));
    expect(copy.backupSizeInBytes).toBe('22548578304');
    expect(copy.destinationRecoveryPointArn).toBeUndefined();
    const backup = parseBackupEvent(fixture('backup-completed', ACCOUNT));
    expect(backup.backupSizeInBytes).toBe('36048');
  });

  test.each<[string | undefined, string | undefined]>([
    ['"quoted"', 'quoted'],
    ['" spaced inside "', 'spaced inside'],
    ['\'single\'', 'single'],
    ['  plain  ', 'plain'],
    ['""', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('status message %j -> %j', (input, out) => {
    expect(unquote(input)).toBe(out);
  });

  test('a backup job message keeps no wrapping quotes anywhere in the finding', () => {
    const f = buildFinding(parseBackupEvent(fixture('backup-failed', ACCOUNT)), DEST)!;
    expect(f.ProductFields!['cdk-backup-alarms/StatusMessage']).toMatch(/^Backup job failed because backup vault/);
    expect(f.Description).not.toContain('"Backup job failed');
  });

  test('restore FAILED without vault or resource ARN still makes a valid finding about the job', () => {
    const f = buildFinding(parseBackupEvent(fixture('restore-failed', ACCOUNT)), DEST)!;
    expect(f.Id).toBe(`cdk-backup-alarms/${ACCOUNT}/us-west-2/RESTORE/restore-job/1B234A56-789B-01CD-2A34-4567A08901FD`);
    expect(f.Resources!.length).toBeGreaterThanOrEqual(1);
  });

  test('restore CREATED uses `state` instead of `status`, and is in progress', () => {
    const ev = parseBackupEvent(fixture('restore-created', ACCOUNT));
    expect(ev.state).toBe('CREATED');
    expect(buildFinding(ev, DEST)).toBeUndefined();
  });

  test('blank strings are removed, never sent', () => {
    const ev = parseBackupEvent(variant(fixture('backup-failed', ACCOUNT), {}, { statusMessage: '   ', backupVaultName: '', resourceType: ' ' }));
    const f = buildFinding(ev, DEST)!;
    expect(validateFinding(f as Record<string, any>)).toBeUndefined();
    expect(JSON.stringify(f)).not.toMatch(/:\s*"\s*"/);
    expect(dropBlank({ a: '', b: [' ', { c: '' }], d: 'x' })).toEqual({ d: 'x' });
  });

  test('an unknown future state is a failure with the default MEDIUM severity', () => {
    const ev = parseBackupEvent(variant(fixture('backup-failed', ACCOUNT), {}, { state: 'SOMETHING_NEW' }));
    expect(classify(ev).outcome).toBe(JobOutcome.FAILURE);
    expect(buildFinding(ev, DEST)!.Severity!.Label).toBe(FindingSeverity.MEDIUM);
  });
});

describe('finding identity', () => {
  const failed = fixture('backup-failed', ACCOUNT);
  const idOf = (e: Record<string, any>) => findingIdOf(parseBackupEvent(e));

  test('deterministic: retries, later failures and the success of the same resource share one Id', () => {
    const id = idOf(failed);
    expect(id).toBe(`cdk-backup-alarms/${ACCOUNT}/us-west-2/BACKUP/arn:aws:service:us-west-2:${ACCOUNT}:resource-type/resource-id|vault/9ab3e749-82c6-4342-9320-5edbf4918b86`);
    expect(idOf(variant(failed, { id: 'another-event-id' }))).toBe(id);
    expect(idOf(variant(failed, { time: '2020-07-30T20:15:26Z' }, { backupJobId: 'another-job', state: 'EXPIRED' }))).toBe(id);
    const completed = fixture('backup-completed', ACCOUNT);
    expect(idOf(variant(completed, {}, { backupVaultName: failed.detail.backupVaultName, backupVaultArn: failed.detail.backupVaultArn }))).toBe(id);
  });

  test('a success into another vault is another finding: it cannot archive this vault\'s failure', () => {
    // The documented examples: the COMPLETED job went to vault 9732c1b4..., the FAILED one to 9ab3e749...
    expect(idOf(fixture('backup-completed', ACCOUNT))).not.toBe(idOf(failed));
    // The vault is the same whether the event names it, gives its ARN, or both.
    const byArnOnly = variant(failed, {}, { backupVaultName: undefined });
    expect(idOf(byArnOnly)).toBe(idOf(failed));
  });

  test.each<[string, Record<string, any>]>([
    ['another account', variant(failed, { account: '444455556666' })],
    ['another Region', variant(failed, { region: 'eu-central-1' })],
    ['another resource', variant(failed, {}, { resourceArn: 'arn:aws:ec2:us-west-2:111122223333:volume/vol-1' })],
    ['another job kind', variant(failed, { 'detail-type': 'Copy Job State Change' }, { copyJobId: 'c-1' })],
  ])('%s -> another Id', (_name, other) => {
    expect(idOf(other)).not.toBe(idOf(failed));
  });

  test('a copy to another destination vault is another finding', () => {
    const copy = fixture('copy-failed', ACCOUNT);
    const elsewhere = variant(copy, {}, { destinationBackupVaultArn: 'arn:aws:backup:eu-central-1:222233334444:backup-vault:dr' });
    expect(idOf(elsewhere)).not.toBe(idOf(copy));
  });

  const restore = fixture('restore-failed', ACCOUNT);
  const RP = 'arn:aws:backup:us-west-2:111122223333:recovery-point:rp-1';
  const PLAN = 'arn:aws:backup:us-west-2:111122223333:restore-testing-plan:plan-1';
  test.each<[string, Record<string, any>, string]>([
    ['sourceResourceArn', { sourceResourceArn: 'arn:aws:rds:us-west-2:111122223333:db:src', createdResourceArn: 'arn:aws:rds:us-west-2:111122223333:db:new' }, 'arn:aws:rds:us-west-2:111122223333:db:src'],
    ['createdResourceArn', { createdResourceArn: 'arn:aws:rds:us-west-2:111122223333:db:new', recoveryPointArn: RP }, 'arn:aws:rds:us-west-2:111122223333:db:new'],
    ['recoveryPointArn', { recoveryPointArn: RP, restoreTestingPlanArn: PLAN }, RP],
    ['restoreTestingPlanArn', { restoreTestingPlanArn: PLAN }, PLAN],
    ['job id', {}, 'restore-job/1B234A56-789B-01CD-2A34-4567A08901FD'],
  ])('restore resource key falls back to %s', (_name, detail, key) => {
    expect(resourceKeyOf(parseBackupEvent(variant(restore, {}, detail)))).toBe(key);
  });

  test('an Id that would exceed 512 characters is hashed, still deterministic', () => {
    const long = variant(failed, {}, { resourceArn: `arn:aws:s3:::${'b'.repeat(600)}` });
    const id = idOf(long);
    expect(id.length).toBeLessThanOrEqual(LIMITS.ID);
    expect(id).toMatch(new RegExp(`^cdk-backup-alarms/${ACCOUNT}/us-west-2/BACKUP/sha256/[0-9a-f]{64}$`));
    expect(idOf(long)).toBe(id);
  });
});

describe('truncation', () => {
  test.each<[string, string, number, string]>([
    ['short', 'abc', 5, 'abc'],
    ['exact', 'abcde', 5, 'abcde'],
    ['cut with ellipsis', 'abcdef', 5, 'abcd…'],
    ['trimmed first', '  abc  ', 3, 'abc'],
    ['no trailing space before the ellipsis', 'ab   cdef', 5, 'ab…'],
    ['surrogate pair kept whole', `abc${'\u{1F600}'}def`, 5, 'abc…'],
    ['surrogate pair before the cut', `ab${'\u{1F600}'}def`, 5, `ab${'\u{1F600}'}…`],
  ])('%s', (_name, input, max, out) => {
    const t = truncate(input, max);
    expect(t).toBe(out);
    expect(t.length).toBeLessThanOrEqual(max);
    expect(t).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  test('huge status messages and ARNs with emoji stay within every limit and valid Unicode', () => {
    const msg = `"${'\u{1F4BE} disk full; '.repeat(400)}"`;
    const ev = parseBackupEvent(variant(fixture('backup-failed', ACCOUNT), {}, {
      statusMessage: msg,
      resourceArn: `arn:aws:s3:::${'\u{1F600}'.repeat(200)}`,
    }));
    const f = buildFinding(ev, DEST)!;
    expect(f.Title!.length).toBeLessThanOrEqual(LIMITS.TITLE);
    expect(f.Description!.length).toBeLessThanOrEqual(LIMITS.DESCRIPTION);
    expect(f.ProductFields!['cdk-backup-alarms/StatusMessage'].length).toBeLessThanOrEqual(LIMITS.PRODUCT_FIELD_VALUE);
    expect(validateFinding(f as Record<string, any>)).toBeUndefined();
  });
});

describe('severity', () => {
  const restore = parseBackupEvent(fixture('restore-failed', ACCOUNT));

  test('every overridable key has a documented default', () => {
    expect(overridableSeverityKeys().sort()).toEqual([...DEFAULT_SEVERITIES.keys()].sort());
  });

  test.each<[string, Record<string, FindingSeverity>, FindingSeverity]>([
    ['default', {}, FindingSeverity.HIGH],
    ['overridden', { 'RESTORE:FAILED': FindingSeverity.CRITICAL }, FindingSeverity.CRITICAL],
    ['another key overridden', { 'BACKUP:FAILED': FindingSeverity.LOW }, FindingSeverity.HIGH],
  ])('restore FAILED, %s', (_name, overrides, label) => {
    const f = buildFinding(restore, DEST, new Map(Object.entries(overrides)))!;
    expect(f.Severity).toEqual({ Label: label, Original: label });
    expect(f.FindingProviderFields!.Severity).toEqual({ Label: label, Original: label });
  });

  test('SCAN:THREATS_FOUND overrides a threat whatever the scan state', () => {
    const scan = parseBackupEvent(variant(fixture('scan-completed-threats', ACCOUNT), {}, { state: 'COMPLETED_WITH_ISSUES' }));
    expect(buildFinding(scan, DEST)!.Severity!.Label).toBe(FindingSeverity.CRITICAL);
    expect(buildFinding(scan, DEST, new Map([['SCAN:THREATS_FOUND', FindingSeverity.HIGH]]))!.Severity!.Label).toBe(FindingSeverity.HIGH);
  });

  test('a success is INFORMATIONAL whatever the overrides', () => {
    const ok = parseBackupEvent(fixture('restore-completed', ACCOUNT));
    expect(buildFinding(ok, DEST, new Map([['RESTORE:FAILED', FindingSeverity.CRITICAL]]))!.Severity!.Label).toBe(FindingSeverity.INFORMATIONAL);
  });
});

describe('types, product ARN, resources', () => {
  test.each<[string, string[]]>([
    ['backup-failed', ['Software and Configuration Checks/AWS Backup/Backup Job Failed']],
    ['backup-completed', ['Software and Configuration Checks/AWS Backup/Backup Job Failed']],
    ['copy-failed', ['Software and Configuration Checks/AWS Backup/Copy Job Failed']],
    ['restore-failed', ['Software and Configuration Checks/AWS Backup/Restore Job Failed']],
    ['scan-failed', ['Software and Configuration Checks/AWS Backup/Scan Job Failed']],
    ['scan-completed-threats', ['Software and Configuration Checks/AWS Backup/Scan Job Failed', 'TTPs/Execution/Malicious File In Recovery Point']],
  ])('%s -> %j', (name, types) => {
    expect(typesOf(parseBackupEvent(fixture(name, ACCOUNT)))).toEqual(types);
  });

  test('imported as the destination account, through its default product ARN', () => {
    const f = buildFinding(parseBackupEvent(fixture('backup-failed', ACCOUNT)), { partition: 'aws-us-gov', accountId: '999999999999', region: 'us-gov-west-1' })!;
    expect(f.AwsAccountId).toBe('999999999999');
    expect(f.ProductArn).toBe('arn:aws-us-gov:securityhub:us-gov-west-1:999999999999:product/999999999999/default');
    expect(f.GeneratorId).toBe('cdk-backup-alarms/aws-backup/backup-job-state');
    expect(f.CreatedAt).toBe('2020-07-29T20:15:26.000Z');
    expect(f.UpdatedAt).toBe(f.CreatedAt);
    expect(f.SourceUrl).toBe('https://console.amazonaws-us-gov.com/backup/home?region=us-west-2#/jobs/backup/details/34176239-e96d-4e1d-9fad-529dbb3c3556');
  });

  test('resources: the protected resource first, then vault, recovery point, plan, with ASFF types', () => {
    const f = buildFinding(parseBackupEvent(fixture('scan-completed-threats', ACCOUNT)), DEST)!;
    expect(f.Resources!.map((r) => r.Type)).toEqual(['AwsEc2Instance', 'AwsBackupBackupVault', 'AwsBackupRecoveryPoint', 'AwsBackupBackupPlan']);
    expect(f.Resources![0].Id).toBe(`arn:aws:ec2:us-west-2:${ACCOUNT}:instance/i-0515aee7de03f58e1`);
  });

  test('at most 32 resources, however many the event lists', () => {
    const resources = Array.from({ length: 40 }, (_, i) => `arn:aws:ec2:us-west-2:${ACCOUNT}:volume/vol-${i}`);
    const f = buildFinding(parseBackupEvent(variant(fixture('backup-failed', ACCOUNT), { resources })), DEST)!;
    expect(f.Resources!.length).toBe(LIMITS.MAX_RESOURCES);
  });

  test('generator id is stable per job kind', () => {
    const kinds = ['backup-failed', 'copy-failed', 'restore-failed', 'scan-failed'].map((n) => buildFinding(parseBackupEvent(fixture(n, ACCOUNT)), DEST)!.GeneratorId);
    expect(kinds).toEqual(Object.values(BackupJobKind).map((k) => `cdk-backup-alarms/aws-backup/${k.toLowerCase()}-job-state`));
  });
});
