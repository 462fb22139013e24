import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { FakeClock } from './fake-clock';
import { ImportTarget } from '../../src/runtime/attribution';
import {
  BatchImportResponse, chunkFindings, findingBytes, ImportItem, importFindings, ImporterOptions,
  ImportStatus, newestPerFinding, SECURITY_HUB_LIMITS,
} from '../../src/runtime/importer';
import { Pacer } from '../../src/runtime/pacer';
import { backoffDelay, classifyError, isRetryableErrorCode } from '../../src/runtime/retry';

const HOME: ImportTarget = { partition: 'aws', accountId: '999999999999', region: 'eu-west-1' };
const MEMBER: ImportTarget = { partition: 'aws', accountId: '111122223333', region: 'us-west-2' };

function finding(id: string, target: ImportTarget = HOME, updatedAt = '2024-01-01T00:00:00.000Z', recordState = 'ACTIVE', extra: Partial<AwsSecurityFinding> = {}): AwsSecurityFinding {
  const base: AwsSecurityFinding = {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: `arn:aws:securityhub:${target.region}:${target.accountId}:product/${target.accountId}/default`,
    GeneratorId: 'test',
    AwsAccountId: target.accountId,
    Types: ['Software and Configuration Checks/Test'],
    CreatedAt: updatedAt,
    UpdatedAt: updatedAt,
    Severity: { Label: 'LOW' },
    Title: 'test',
    Description: 'test',
    Resources: [{ Type: 'Other', Id: 'r' }],
    RecordState: recordState as AwsSecurityFinding['RecordState'],
  };
  return { ...base, ...extra };
}

function item(ref: string, f: AwsSecurityFinding, target: ImportTarget = HOME): ImportItem {
  return { ref, target, finding: f };
}

/** A scripted Security Hub: each call is answered by the next function (the last one repeats). */
function scripted(...answers: Array<(findings: AwsSecurityFinding[], target: ImportTarget) => BatchImportResponse>) {
  const calls: Array<{ target: ImportTarget; ids: string[] }> = [];
  const send = async (target: ImportTarget, findings: AwsSecurityFinding[]) => {
    calls.push({ target, ids: findings.map((f) => f.Id!) });
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
    return answer(findings, target);
  };
  return { calls, send };
}

const ok = (findings: AwsSecurityFinding[]): BatchImportResponse => ({ FailedCount: 0, SuccessCount: findings.length, FailedFindings: [] });
const sdkError = (name: string, status?: number) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
const throws = (err: Error) => () => {
  throw err;
};

function options(send: ImporterOptions['send'], extra: Partial<ImporterOptions> = {}): ImporterOptions {
  return { send, clock: new FakeClock(), random: () => 0.5, ...extra };
}

describe('chunking', () => {
  const entries = (sizes: number[]) => sizes.map((bytes, i) => ({ i, bytes }));
  test.each<[string, number[], { maxFindingsPerCall: number; maxBytesPerCall: number }, number[]]>([
    ['one call when under both limits', Array(100).fill(1000), { maxFindingsPerCall: 100, maxBytesPerCall: 6_000_000 }, [100]],
    ['101 findings -> 100 + 1', Array(101).fill(1000), { maxFindingsPerCall: 100, maxBytesPerCall: 6_000_000 }, [100, 1]],
    ['250 findings -> 100 + 100 + 50', Array(250).fill(10), { maxFindingsPerCall: 100, maxBytesPerCall: 6_000_000 }, [100, 100, 50]],
    ['bytes decide first', Array(40).fill(200_000), { maxFindingsPerCall: 100, maxBytesPerCall: 6_000_000 }, [29, 11]],
    ['envelope and commas count', [40, 40], { maxFindingsPerCall: 100, maxBytesPerCall: 15 + 40 + 40 }, [1, 1]],
    ['envelope and commas fit exactly', [40, 40], { maxFindingsPerCall: 100, maxBytesPerCall: 15 + 40 + 1 + 40 }, [2]],
    ['empty', [], { maxFindingsPerCall: 100, maxBytesPerCall: 6_000_000 }, []],
  ])('%s', (_name, sizes, limits, expected) => {
    const chunks = chunkFindings(entries(sizes), { ...limits, maxFindingBytes: 240_000 });
    expect(chunks.map((c) => c.length)).toEqual(expected);
    expect(chunks.flat().map((e) => e.i)).toEqual(sizes.map((_, i) => i));
    for (const c of chunks) {
      expect(15 + c.reduce((s, e) => s + e.bytes, 0) + c.length - 1).toBeLessThanOrEqual(limits.maxBytesPerCall);
    }
  });

  test('250 findings to one target go out as 3 calls of at most 100', async () => {
    const hub = scripted(ok);
    const items = Array.from({ length: 250 }, (_, i) => item(`m${i}`, finding(`f${i}`)));
    const out = await importFindings(items, options(hub.send));
    expect(hub.calls.map((c) => c.ids.length)).toEqual([100, 100, 50]);
    expect(out.every((o) => o.status === ImportStatus.IMPORTED)).toBe(true);
  });

  test('one call per (account, Region), never mixed', async () => {
    const hub = scripted(ok);
    const other: ImportTarget = { ...MEMBER, region: 'eu-central-1' };
    const items = [item('a', finding('x', HOME), HOME), item('b', finding('y', MEMBER), MEMBER), item('c', finding('z', other), other), item('d', finding('w', HOME), HOME)];
    await importFindings(items, options(hub.send));
    expect(hub.calls.map((c) => `${c.target.accountId}/${c.target.region}:${c.ids.join(',')}`).sort()).toEqual([
      '111122223333/eu-central-1:z', '111122223333/us-west-2:y', '999999999999/eu-west-1:x,w',
    ]);
  });
});

describe('several events for one finding in a batch', () => {
  test.each<[string, Array<[string, string, string]>, string]>([
    ['newest UpdatedAt wins', [['a', '2024-01-01T00:00:00Z', 'ACTIVE'], ['b', '2024-01-03T00:00:00Z', 'ARCHIVED'], ['c', '2024-01-02T00:00:00Z', 'ACTIVE']], 'b'],
    ['a tie keeps the failure visible', [['a', '2024-01-01T00:00:00Z', 'ARCHIVED'], ['b', '2024-01-01T00:00:00Z', 'ACTIVE']], 'b'],
    ['an identical redelivery keeps the first', [['a', '2024-01-01T00:00:00Z', 'ACTIVE'], ['b', '2024-01-01T00:00:00Z', 'ACTIVE']], 'a'],
  ])('%s', (_name, versions, winner) => {
    const items = versions.map(([ref, t, state]) => item(ref, finding('same', HOME, t, state)));
    const { winners, supersededBy } = newestPerFinding(items);
    expect(winners.map((w) => w.ref)).toEqual([winner]);
    expect([...supersededBy.keys()].sort()).toEqual(versions.map(([r]) => r).filter((r) => r !== winner).sort());
  });

  test('only the newest is sent; every record gets the outcome', async () => {
    const hub = scripted(ok);
    const items = [
      item('old', finding('same', HOME, '2024-01-01T00:00:00Z', 'ACTIVE')),
      item('new', finding('same', HOME, '2024-01-02T00:00:00Z', 'ARCHIVED')),
      item('other', finding('other')),
    ];
    const out = await importFindings(items, options(hub.send));
    expect(hub.calls).toEqual([{ target: HOME, ids: ['same', 'other'] }]);
    expect(out.map((o) => [o.ref, o.status, o.recordState, o.supersededBy])).toEqual([
      ['old', ImportStatus.IMPORTED, 'ARCHIVED', 'new'],
      ['new', ImportStatus.IMPORTED, 'ARCHIVED', undefined],
      ['other', ImportStatus.IMPORTED, 'ACTIVE', undefined],
    ]);
  });

  test('if the newest fails, the records it superseded fail with it', async () => {
    const hub = scripted(throws(sdkError('AccessDeniedException', 403)));
    const items = [item('old', finding('same', HOME, '2024-01-01T00:00:00Z')), item('new', finding('same', HOME, '2024-01-02T00:00:00Z'))];
    const out = await importFindings(items, options(hub.send));
    expect(out.map((o) => o.status)).toEqual([ImportStatus.FAILED, ImportStatus.FAILED]);
  });
});

describe('guards before sending', () => {
  test.each<[string, AwsSecurityFinding]>([
    ['foreign AwsAccountId', { ...finding('f'), AwsAccountId: '111122223333' }],
    ['foreign product ARN account', { ...finding('f'), ProductArn: 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default' }],
    ['product ARN of another Region', { ...finding('f'), ProductArn: 'arn:aws:securityhub:us-east-1:999999999999:product/999999999999/default' }],
  ])('%s: never sent, failed', async (_name, f) => {
    const hub = scripted(ok);
    const out = await importFindings([item('m', f), item('n', finding('good'))], options(hub.send));
    expect(hub.calls).toEqual([{ target: HOME, ids: ['good'] }]);
    expect(out[0]).toMatchObject({ status: ImportStatus.FAILED, errorCode: 'AccountMismatch', attempts: 0 });
    expect(out[1].status).toBe(ImportStatus.IMPORTED);
  });

  test('a finding over 240 KB is rejected as malformed, the rest is imported', async () => {
    const hub = scripted(ok);
    const big = finding('big', HOME, undefined, undefined, { Description: 'x'.repeat(SECURITY_HUB_LIMITS.maxFindingBytes) });
    expect(findingBytes(big)).toBeGreaterThan(SECURITY_HUB_LIMITS.maxFindingBytes);
    const out = await importFindings([item('m', big), item('n', finding('small'))], options(hub.send));
    expect(out.map((o) => o.status)).toEqual([ImportStatus.REJECTED, ImportStatus.IMPORTED]);
    expect(out[0].errorCode).toBe('FindingTooLarge');
    expect(hub.calls.map((c) => c.ids)).toEqual([['small']]);
  });
});

describe('retries', () => {
  test.each<[string, Error]>([
    ['ThrottlingException 429', sdkError('ThrottlingException', 429)],
    ['TooManyRequestsException 429', sdkError('TooManyRequestsException', 429)],
    ['LimitExceededException 429', sdkError('LimitExceededException', 429)],
    ['any 429', sdkError('Whatever', 429)],
    ['InternalException 500', sdkError('InternalException', 500)],
    ['503', sdkError('ServiceUnavailable', 503)],
    ['connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['SDK timeout', sdkError('TimeoutError')],
  ])('%s is retried with back-off, then succeeds', async (_name, err) => {
    const hub = scripted(throws(err), throws(err), ok);
    const clock = new FakeClock();
    const throttles: string[] = [];
    const out = await importFindings([item('m', finding('f'))], options(hub.send, { clock, onThrottle: (t) => throttles.push(t.accountId) }));
    expect(out[0]).toMatchObject({ status: ImportStatus.IMPORTED, attempts: 3 });
    expect(clock.sleeps).toEqual([150, 300]); // equal jitter with random() = 0.5: 3/4 of 200 ms, then of 400 ms
    expect(throttles.length).toBe(classifyError(err).throttle ? 2 : 0);
  });

  test.each<[string, Error]>([
    ['AccessDeniedException 403', sdkError('AccessDeniedException', 403)],
    ['InvalidAccessException 401 (Security Hub not enabled)', sdkError('InvalidAccessException', 401)],
    ['InvalidInputException 400', sdkError('InvalidInputException', 400)],
    ['STS AccessDenied 403 (SOURCE_ACCOUNT role missing)', sdkError('AccessDenied', 403)],
  ])('%s fails at once, no retry', async (_name, err) => {
    const hub = scripted(throws(err));
    const out = await importFindings([item('m', finding('f'))], options(hub.send));
    expect(hub.calls.length).toBe(1);
    expect(out[0]).toMatchObject({ status: ImportStatus.FAILED, errorCode: err.name, attempts: 1 });
  });

  test('attempts are bounded', async () => {
    const hub = scripted(throws(sdkError('ThrottlingException', 429)));
    const clock = new FakeClock();
    const out = await importFindings([item('m', finding('f'))], options(hub.send, { clock, maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 }));
    expect(hub.calls.length).toBe(4);
    expect(clock.sleeps).toEqual([75, 150, 188]); // capped at 250 ms
    expect(out[0]).toMatchObject({ status: ImportStatus.FAILED, errorCode: 'ThrottlingException', attempts: 4 });
    expect(out[0].errorMessage).toMatch(/gave up after 4 attempts/);
  });

  test('no attempt starts after the deadline', async () => {
    const hub = scripted(throws(sdkError('InternalException', 500)));
    const clock = new FakeClock();
    const out = await importFindings([item('m', finding('f'))], options(hub.send, { clock, deadline: clock.now() + 400, maxAttempts: 10 }));
    expect(hub.calls.length).toBe(2); // 150 ms back-off fits, the 300 ms one would end past the deadline
    expect(out[0]).toMatchObject({ status: ImportStatus.FAILED, errorCode: 'InternalException' });
    expect(out[0].errorMessage).toMatch(/no time left/);
  });

  test('calls are paced per target', async () => {
    const hub = scripted(ok);
    const clock = new FakeClock();
    const pacers = new Map<string, Pacer>();
    const pacerFor = (t: ImportTarget) => {
      const p = pacers.get(t.accountId) ?? new Pacer({ requestsPerSecond: 2, burst: 1, clock });
      pacers.set(t.accountId, p);
      return p;
    };
    const items = Array.from({ length: 300 }, (_, i) => item(`m${i}`, finding(`f${i}`)));
    await importFindings(items, options(hub.send, { clock, pacerFor }));
    expect(hub.calls.length).toBe(3);
    expect(clock.sleeps).toEqual([500, 500]);
  });
});

describe('partial failures (FailedFindings)', () => {
  test('retryable codes are sent again, permanent ones reported, the rest imported', async () => {
    const hub = scripted(
      () => ({
        FailedCount: 2,
        SuccessCount: 1,
        FailedFindings: [{ Id: 'flaky', ErrorCode: 'InternalException', ErrorMessage: 'try again' }, { Id: 'bad', ErrorCode: 'InvalidInput', ErrorMessage: 'no' }],
      }),
      ok,
    );
    const out = await importFindings([item('1', finding('good')), item('2', finding('flaky')), item('3', finding('bad'))], options(hub.send));
    expect(hub.calls.map((c) => c.ids)).toEqual([['good', 'flaky', 'bad'], ['flaky']]);
    expect(out.map((o) => [o.ref, o.status, o.errorCode])).toEqual([
      ['1', ImportStatus.IMPORTED, undefined],
      ['2', ImportStatus.IMPORTED, undefined],
      ['3', ImportStatus.FAILED, 'InvalidInput'],
    ]);
  });

  test('a retryable finding that keeps failing fails after the bounded attempts', async () => {
    const hub = scripted((fs) => ({ FailedCount: 1, SuccessCount: fs.length - 1, FailedFindings: [{ Id: 'flaky', ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] }));
    let throttles = 0;
    const out = await importFindings([item('1', finding('good')), item('2', finding('flaky'))], options(hub.send, { maxAttempts: 3, onThrottle: () => throttles++ }));
    expect(hub.calls.map((c) => c.ids)).toEqual([['good', 'flaky'], ['flaky'], ['flaky']]);
    expect(throttles).toBe(3);
    expect(out.map((o) => o.status)).toEqual([ImportStatus.IMPORTED, ImportStatus.FAILED]);
  });

  test('FailedCount without FailedFindings: everything is sent again (a re-import that is not newer is harmless)', async () => {
    const hub = scripted(() => ({ FailedCount: 1, SuccessCount: 1 }), ok);
    const out = await importFindings([item('1', finding('a')), item('2', finding('b'))], options(hub.send));
    expect(hub.calls.map((c) => c.ids)).toEqual([['a', 'b'], ['a', 'b']]);
    expect(out.every((o) => o.status === ImportStatus.IMPORTED)).toBe(true);
  });

  test.each<[string | undefined, boolean]>([
    ['InternalException', true], ['ThrottlingException', true], ['TooManyRequestsException', true], ['ServiceUnavailable', true],
    ['InvalidInput', false], ['AccessDeniedException', false], ['InvalidAccess', false], [undefined, false],
  ])('ErrorCode %p retryable: %p', (code, retryable) => {
    expect(isRetryableErrorCode(code)).toBe(retryable);
  });
});

describe('back-off', () => {
  test.each<[number, number, number]>([
    // attempt, random, expected (base 200, cap 5000)
    [2, 0, 100], [2, 1, 200], [3, 0, 200], [4, 0.5, 600], [7, 1, 5000], [20, 0, 2500],
  ])('attempt %p, random %p -> %p ms', (attempt, r, ms) => {
    expect(backoffDelay(attempt, 200, 5000, () => r)).toBe(ms);
  });
});
