/**
 * The stand-in's own contract, through the real SDK clients: if these fail, the handler tests prove nothing.
 */
import { AwsSecurityFinding, BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { callsBetween, CredentialRegistry, everyOtherCall, SecurityHubStandIn, StsStandIn, TestCredentials } from './securityhub-standin';
import { fixture, variant } from './support';
import { parseBackupEvent } from '../../src/runtime/event';
import { buildFinding } from '../../src/runtime/finding';

const HOME = '999999999999';
const REGION = 'eu-west-1';

describe('Security Hub and STS stand-ins', () => {
  const registry = new CredentialRegistry();
  const forwarder = registry.longTerm(HOME);
  let hub: SecurityHubStandIn;
  let sts: StsStandIn;
  let hubUrl: string;
  let stsUrl: string;

  beforeEach(async () => {
    hub = new SecurityHubStandIn(registry, { ratePerSecond: 1, burst: 3 });
    sts = new StsStandIn(registry);
    hubUrl = await hub.start();
    stsUrl = await sts.start();
  });
  afterEach(async () => {
    await hub.stop();
    await sts.stop();
  });

  const client = (creds: TestCredentials, region = REGION) => new SecurityHubClient({
    region,
    endpoint: hubUrl,
    maxAttempts: 1,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
  });
  const findingOf = (name: string, account: string, changes: Record<string, any> = {}, detail: Record<string, any> = {}): AwsSecurityFinding =>
    buildFinding(parseBackupEvent(variant(fixture(name, '111122223333'), changes, detail)), { partition: 'aws', accountId: account, region: REGION })!;
  const importAs = (creds: TestCredentials, findings: AwsSecurityFinding[]) =>
    client(creds).send(new BatchImportFindingsCommand({ Findings: findings }));

  test('imports, and ignores a re-import that is not strictly later (still a success)', async () => {
    const f = findingOf('backup-failed', HOME);
    expect(await importAs(forwarder, [f])).toMatchObject({ FailedCount: 0, SuccessCount: 1 });
    const failed = fixture('backup-failed', '111122223333').detail;
    const older = findingOf('backup-completed', HOME, { time: '2020-07-01T00:00:00Z' }, { backupVaultName: failed.backupVaultName, backupVaultArn: failed.backupVaultArn });
    expect(older.Id).toBe(f.Id);
    expect(await importAs(forwarder, [f, older])).toMatchObject({ FailedCount: 0, SuccessCount: 2 });
    const stored = hub.finding(f.Id!)!;
    expect(stored.finding.RecordState).toBe('ACTIVE');
    expect(stored.ignoredUpdates).toBe(2);
  });

  test('more than 100 findings: InvalidInputException, nothing imported', async () => {
    const many = Array.from({ length: 101 }, (_, i) => findingOf('backup-failed', HOME, {}, { resourceArn: `arn:aws:ec2:us-west-2:111122223333:volume/vol-${i}` }));
    await expect(importAs(forwarder, many)).rejects.toMatchObject({ name: 'InvalidInputException', $metadata: { httpStatusCode: 400 } });
    expect(hub.findings()).toEqual([]);
  });

  test('a finding of another account fails the whole call with AccessDeniedException', async () => {
    const mine = findingOf('backup-failed', HOME);
    const foreign = findingOf('copy-failed', '111122223333');
    await expect(importAs(forwarder, [mine, foreign])).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    expect(hub.findings()).toEqual([]);
  });

  test('invalid findings go to FailedFindings as InvalidInput; valid ones in the same call are imported', async () => {
    const good = findingOf('backup-failed', HOME);
    const longTitle = { ...findingOf('copy-failed', HOME), Title: 'x'.repeat(257) };
    const blank = { ...findingOf('scan-failed', HOME), Description: '   ' };
    const noResources = { ...findingOf('restore-failed', HOME), Resources: [] };
    const out = await importAs(forwarder, [good, longTitle, blank, noResources]);
    expect(out.SuccessCount).toBe(1);
    expect(out.FailedFindings!.map((f) => [f.Id, f.ErrorCode])).toEqual([
      [longTitle.Id, 'InvalidInput'], [blank.Id, 'InvalidInput'], [noResources.Id, 'InvalidInput'],
    ]);
    expect(hub.findings().map((s) => s.finding.Id)).toEqual([good.Id]);
  });

  test('quota per account and Region: 429 ThrottlingException when the bucket is empty', async () => {
    const f = findingOf('backup-failed', HOME);
    for (let i = 0; i < 3; i++) await importAs(forwarder, [f]);
    await expect(importAs(forwarder, [f])).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
  });

  test('injected faults: failing calls, failing Ids', async () => {
    const f = findingOf('backup-failed', HOME);
    hub.failNextCalls(1, 503, 'ServiceUnavailableException');
    await expect(importAs(forwarder, [f])).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    hub.failFindings([f.Id!], 'InternalException', 1);
    expect((await importAs(forwarder, [f])).FailedFindings).toEqual([{ Id: f.Id, ErrorCode: 'InternalException', ErrorMessage: 'injected failure' }]);
    expect((await importAs(forwarder, [f])).FailedCount).toBe(0);
  });

  test('STS AssumeRole: credentials of the member account, which Security Hub then recognises', async () => {
    sts.allowRole('111122223333', 'BackupFindings');
    const stsClient = new STSClient({
      region: REGION,
      endpoint: stsUrl,
      credentials: { accessKeyId: forwarder.accessKeyId, secretAccessKey: forwarder.secretAccessKey },
    });
    const out = await stsClient.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111122223333:role/BackupFindings', RoleSessionName: 's' }));
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::111122223333:assumed-role/BackupFindings/s');
    const member = registry.lookup(out.Credentials!.AccessKeyId!)!;
    expect(member.account).toBe('111122223333');
    const f = buildFinding(parseBackupEvent(fixture('backup-failed', '111122223333')), { partition: 'aws', accountId: '111122223333', region: 'us-west-2' })!;
    expect((await client(member, 'us-west-2').send(new BatchImportFindingsCommand({ Findings: [f] }))).SuccessCount).toBe(1);
    await expect(stsClient.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222233334444:role/BackupFindings', RoleSessionName: 's' })))
      .rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });

  test('fault plans: every other call of one operation, in turn, counted per operation and logged', async () => {
    const f = findingOf('backup-failed', HOME);
    hub.injectFaults('BatchImportFindings', everyOtherCall(
      { kind: 'error', status: 429, code: 'LimitExceededException' }, { kind: 'error', status: 400, code: 'ThrottlingException' }));
    await expect(importAs(forwarder, [f])).rejects.toMatchObject({ name: 'LimitExceededException', $metadata: { httpStatusCode: 429 } });
    expect((await importAs(forwarder, [f])).SuccessCount).toBe(1);
    await expect(importAs(forwarder, [f])).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    expect(hub.callCount('BatchImportFindings')).toBe(3);
    expect(hub.callCount('GetFindings')).toBe(0);
    expect(hub.faultLog.map((r) => [r.operation, r.call, r.fault.kind])).toEqual([['BatchImportFindings', 1, 'error'], ['BatchImportFindings', 3, 'error']]);
    expect(hub.calls.map((c) => c.fault ?? 'none')).toEqual(['error', 'none', 'error']);
  });

  test('connection reset: mid-request nothing is stored; after processing the finding is stored and the answer lost', async () => {
    const [first, second] = [findingOf('backup-failed', HOME), findingOf('copy-failed', HOME)];
    hub.injectFaults('BatchImportFindings', (call) => (call === 1 ? { kind: 'reset', when: 'before' } : call === 2 ? { kind: 'reset', when: 'after' } : undefined));
    await expect(importAs(forwarder, [first])).rejects.toThrow();
    expect(hub.findings()).toEqual([]);
    await expect(importAs(forwarder, [second])).rejects.toThrow();
    expect(hub.findings().map((s) => s.finding.Id)).toEqual([second.Id]);
    expect(hub.faultLog.map((r) => r.answered)).toEqual([false, false]);
  });

  test('a held-back answer: a client that enforces its request timeout leaves, one that only warns waits for it', async () => {
    const f = findingOf('backup-failed', HOME);
    hub.injectFaults('BatchImportFindings', callsBetween(1, 2, { kind: 'delay', ms: 600, when: 'after' }));
    const withTimeout = (throwOnRequestTimeout: boolean) => new SecurityHubClient({
      region: REGION,
      endpoint: hubUrl,
      maxAttempts: 1,
      credentials: { accessKeyId: forwarder.accessKeyId, secretAccessKey: forwarder.secretAccessKey },
      requestHandler: { requestTimeout: 200, throwOnRequestTimeout },
    });
    // @smithy/node-http-handler gives up at requestTimeout only with throwOnRequestTimeout; otherwise it logs a warning and waits.
    await expect(withTimeout(true).send(new BatchImportFindingsCommand({ Findings: [f] }))).rejects.toMatchObject({ name: 'TimeoutError' });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect((await withTimeout(false).send(new BatchImportFindingsCommand({ Findings: [f] }))).SuccessCount).toBe(1);
    } finally {
      warn.mockRestore();
    }
    await new Promise((resolve) => setTimeout(resolve, 700)); // the first answer, written after its caller left
    expect(hub.faultLog.map((r) => r.answered)).toEqual([false, true]);
    expect(hub.finding(f.Id!)).toMatchObject({ ignoredUpdates: 1 }); // processed at once both times
  });

  test('partial failure by plan, and Security Hub disabled as a whole-call InvalidAccessException', async () => {
    const [good, bad] = [findingOf('backup-failed', HOME), findingOf('copy-failed', HOME)];
    hub.injectFaults('BatchImportFindings', callsBetween(1, 1, { kind: 'failFindings', code: 'InternalFailure', select: (id) => id === bad.Id }));
    const out = await importAs(forwarder, [good, bad]);
    expect(out).toMatchObject({ FailedCount: 1, SuccessCount: 1, FailedFindings: [{ Id: bad.Id, ErrorCode: 'InternalFailure' }] });
    expect(hub.findings().map((s) => s.finding.Id)).toEqual([good.Id]);
    hub.disable(HOME, REGION, 'InvalidAccessException');
    await expect(importAs(forwarder, [bad])).rejects.toMatchObject({ name: 'InvalidAccessException', $metadata: { httpStatusCode: 401 } });
  });

  test('unknown keys are refused', async () => {
    const stranger = { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x', account: HOME };
    await expect(importAs(stranger, [findingOf('backup-failed', HOME)])).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  });
});
