import { fixture } from './support';
import { AssumedRole, forwarderIdentity, importTargetFor, MemberCredentials, memberRoleArn, ROLE_SESSION_NAME } from '../../src/runtime/attribution';
import { parseBackupEvent } from '../../src/runtime/event';
import { FindingAttribution } from '../../src/shared/findings';

describe('forwarder identity from the function ARN', () => {
  test.each<[string, string | undefined, { partition: string; accountId: string; region: string }]>([
    ['arn:aws:lambda:eu-west-1:999999999999:function:fwd', undefined, { partition: 'aws', accountId: '999999999999', region: 'eu-west-1' }],
    ['arn:aws:lambda:eu-west-1:999999999999:function:fwd:live', 'eu-west-1', { partition: 'aws', accountId: '999999999999', region: 'eu-west-1' }],
    ['arn:aws-us-gov:lambda:us-gov-west-1:999999999999:function:fwd', undefined, { partition: 'aws-us-gov', accountId: '999999999999', region: 'us-gov-west-1' }],
    ['arn:aws-cn:lambda:cn-north-1:999999999999:function:fwd', 'cn-north-1', { partition: 'aws-cn', accountId: '999999999999', region: 'cn-north-1' }],
  ])('%s', (arn, region, expected) => {
    expect(forwarderIdentity(arn, region)).toEqual(expected);
  });

  test.each(['', 'not-an-arn', 'arn:aws:lambda:eu-west-1:1112233445566:function:fwd', 'arn:aws:sqs:eu-west-1:999999999999:q'])('rejects %j', (arn) => {
    expect(() => forwarderIdentity(arn)).toThrow(/cannot read the forwarder's account/);
  });
});

describe('import target', () => {
  const self = { partition: 'aws', accountId: '999999999999', region: 'eu-west-1' };
  const ev = parseBackupEvent(fixture('backup-failed', '111122223333'));

  test('FORWARDER_ACCOUNT: always the forwarder\'s own account and Region', () => {
    expect(importTargetFor(FindingAttribution.FORWARDER_ACCOUNT, ev, self)).toEqual(self);
  });

  test('SOURCE_ACCOUNT: the account and Region where the job ran', () => {
    expect(importTargetFor(FindingAttribution.SOURCE_ACCOUNT, ev, self)).toEqual({ partition: 'aws', accountId: '111122223333', region: 'us-west-2' });
  });

  test('member role ARN', () => {
    expect(memberRoleArn('aws-us-gov', '111122223333', 'BackupFindings')).toBe('arn:aws-us-gov:iam::111122223333:role/BackupFindings');
  });
});

describe('member credentials', () => {
  const HOUR = 3_600_000;
  function setup(overrides: Partial<Record<string, string>> = {}) {
    let now = 1_700_000_000_000;
    const calls: Array<{ roleArn: string; session: string }> = [];
    const assumeRole = async (roleArn: string, session: string): Promise<AssumedRole> => {
      calls.push({ roleArn, session });
      const account = roleArn.split(':')[4];
      if (account === '000000000000') throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
      return {
        accessKeyId: `ASIA${account}${calls.length}`,
        secretAccessKey: 's',
        sessionToken: 't',
        expiration: new Date(now + HOUR),
        assumedRoleArn: `arn:aws:sts::${overrides[account] ?? account}:assumed-role/BackupFindings/${session}`,
      };
    };
    const creds = new MemberCredentials({ assumeRole, roleName: 'BackupFindings', partition: 'aws', now: () => now });
    return { creds, calls, advance: (ms: number) => { now += ms; } };
  }

  test('one AssumeRole per account, reused until near expiry, then refreshed', async () => {
    const { creds, calls, advance } = setup();
    const a1 = await creds.get('111122223333');
    await creds.get('111122223333');
    await creds.get('222233334444');
    expect(calls).toEqual([
      { roleArn: 'arn:aws:iam::111122223333:role/BackupFindings', session: ROLE_SESSION_NAME },
      { roleArn: 'arn:aws:iam::222233334444:role/BackupFindings', session: ROLE_SESSION_NAME },
    ]);
    advance(HOUR - 6 * 60_000);
    expect((await creds.get('111122223333')).accessKeyId).toBe(a1.accessKeyId);
    advance(2 * 60_000); // now within 5 minutes of expiry
    expect((await creds.get('111122223333')).accessKeyId).not.toBe(a1.accessKeyId);
    expect(calls.length).toBe(3);
  });

  test('concurrent requests for one account share one STS call', async () => {
    const { creds, calls } = setup();
    const all = await Promise.all(Array.from({ length: 10 }, () => creds.get('111122223333')));
    expect(calls.length).toBe(1);
    expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(1);
  });

  test('a failure is not cached', async () => {
    const { creds, calls } = setup();
    await expect(creds.get('000000000000')).rejects.toThrow('denied');
    await expect(creds.get('000000000000')).rejects.toThrow('denied');
    expect(calls.length).toBe(2);
  });

  test('credentials of another account than asked for are refused', async () => {
    const { creds } = setup({ 111122223333: '444455556666' });
    await expect(creds.get('111122223333')).rejects.toThrow(/returned credentials of account 444455556666/);
  });
});
