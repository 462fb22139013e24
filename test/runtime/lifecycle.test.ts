/**
 * The finding lifecycle (src/runtime/lifecycle.ts), pure: what Security Hub holds decides CreatedAt,
 * FirstObservedAt and LastObservedAt, and whether a success has anything to close.
 *
 * Security Hub facts encoded here (Security Hub CSPM user guide, "BatchImportFindings for finding providers",
 * https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html, and the
 * ASFF attribute pages): CreatedAt is when the potential issue was first seen, FirstObservedAt/LastObservedAt
 * bracket the observations; an update with an UpdatedAt that is not later is ignored. GetFindings takes at
 * most 20 values per filter attribute (API reference, AwsSecurityFindingFilters).
 */
import { FakeClock } from './fake-clock';
import { closingSuccess, fixture, variant } from './support';
import { findingKey, ImportTarget } from '../../src/runtime/attribution';
import { parseBackupEvent } from '../../src/runtime/event';
import { buildFinding } from '../../src/runtime/finding';
import { ImportItem } from '../../src/runtime/importer';
import { findOpenFindings, KnownFindings, MAX_IDS_PER_LOOKUP, OpenFinding, reconcile } from '../../src/runtime/lifecycle';
import { Pacer } from '../../src/runtime/pacer';

const ACCOUNT = '111122223333';
const TARGET: ImportTarget = { partition: 'aws', accountId: ACCOUNT, region: 'us-west-2' };
const FAILED = fixture('backup-failed', ACCOUNT);

function item(ev: Record<string, any>, ref: string): ImportItem {
  return { ref, target: TARGET, finding: buildFinding(parseBackupEvent(ev), TARGET)! };
}
const failureAt = (time: string, ref = `f-${time}`) => item(variant(FAILED, { time }), ref);
const successAt = (time: string, ref = `s-${time}`) => item({ ...closingSuccess('backup-completed', FAILED, ACCOUNT), time }, ref);
const ID = failureAt('2024-01-01T00:00:00Z').finding.Id!;

function known(open: OpenFinding[] = [], unknown = false): KnownFindings {
  return {
    open: new Map(open.map((f) => [findingKey(TARGET, f.id), f])),
    unknownTargets: new Set(unknown ? [`${TARGET.accountId}|${TARGET.region}`] : []),
    calls: 0,
    skipped: 0,
  };
}

describe('reconcile', () => {
  test('a first failure: CreatedAt, FirstObservedAt and LastObservedAt are its time', () => {
    const { send, nothingToClose } = reconcile([failureAt('2024-01-02T00:00:00Z')], known());
    expect(nothingToClose).toEqual([]);
    expect(send[0].finding).toMatchObject({
      CreatedAt: '2024-01-02T00:00:00.000Z', FirstObservedAt: '2024-01-02T00:00:00.000Z', LastObservedAt: '2024-01-02T00:00:00.000Z', RecordState: 'ACTIVE',
    });
  });

  test('a repeated failure keeps CreatedAt and FirstObservedAt of the open finding; LastObservedAt moves', () => {
    const open = { id: ID, createdAt: '2024-01-01T00:00:00.000Z', firstObservedAt: '2024-01-01T00:00:00.000Z', lastObservedAt: '2024-01-01T00:00:00.000Z' };
    const { send } = reconcile([failureAt('2024-01-03T00:00:00Z')], known([open]));
    expect(send[0].finding).toMatchObject({
      CreatedAt: '2024-01-01T00:00:00.000Z', FirstObservedAt: '2024-01-01T00:00:00.000Z', LastObservedAt: '2024-01-03T00:00:00.000Z', UpdatedAt: '2024-01-03T00:00:00.000Z',
    });
  });

  test('an open finding stored without FirstObservedAt (imported by an older version) starts at its CreatedAt', () => {
    const { send } = reconcile([failureAt('2024-01-03T00:00:00Z')], known([{ id: ID, createdAt: '2024-01-01T00:00:00.000Z' }]));
    expect(send[0].finding.FirstObservedAt).toBe('2024-01-01T00:00:00.000Z');
  });

  test('a success closes the open finding, keeping when the failure began', () => {
    const open = { id: ID, createdAt: '2024-01-01T00:00:00.000Z', lastObservedAt: '2024-01-02T00:00:00.000Z' };
    const { send } = reconcile([successAt('2024-01-04T00:00:00Z')], known([open]));
    expect(send[0].finding).toMatchObject({
      RecordState: 'ARCHIVED', CreatedAt: '2024-01-01T00:00:00.000Z', LastObservedAt: '2024-01-02T00:00:00.000Z', UpdatedAt: '2024-01-04T00:00:00.000Z',
    });
  });

  test('a success with no open finding imports nothing', () => {
    const s = successAt('2024-01-04T00:00:00Z');
    expect(reconcile([s], known())).toEqual({ send: [], nothingToClose: [s] });
  });

  test('a failure and a later success in one batch: the success closes the episode the failure opened', () => {
    const { send, nothingToClose } = reconcile([successAt('2024-01-05T00:00:00Z'), failureAt('2024-01-04T00:00:00Z')], known());
    expect(nothingToClose).toEqual([]);
    const archived = send.find((i) => i.finding.RecordState === 'ARCHIVED')!;
    expect(archived.finding.CreatedAt).toBe('2024-01-04T00:00:00.000Z');
  });

  test('a success and a later failure in one batch: nothing to close, then a new episode', () => {
    const { send, nothingToClose } = reconcile([successAt('2024-01-04T00:00:00Z'), failureAt('2024-01-05T00:00:00Z')], known());
    expect(nothingToClose.map((i) => i.ref)).toEqual(['s-2024-01-04T00:00:00Z']);
    expect(send.map((i) => i.finding.CreatedAt)).toEqual(['2024-01-05T00:00:00.000Z']);
  });

  test('when the look-up failed, findings go out as a stateless forwarder would send them', () => {
    const s = successAt('2024-01-04T00:00:00Z');
    const f = failureAt('2024-01-05T00:00:00Z');
    const { send, nothingToClose } = reconcile([s, f], known([], true));
    expect(nothingToClose).toEqual([]);
    expect(send.map((i) => i.finding.RecordState)).toEqual(['ARCHIVED', 'ACTIVE']);
    expect(send[1].finding.CreatedAt).toBe('2024-01-05T00:00:00.000Z');
  });
});

describe('findOpenFindings', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => item(variant(FAILED, {}, { resourceArn: `arn:aws:ec2:us-west-2:${ACCOUNT}:volume/vol-${i}` }), `r${i}`));

  test(`at most ${MAX_IDS_PER_LOOKUP} Ids per GetFindings call; only the Ids asked for are kept`, async () => {
    const items = many(45);
    const asked: number[] = [];
    const result = await findOpenFindings(items, {
      lookup: async (_t, ids) => {
        asked.push(ids.length);
        // A stand-in that ignores filters (moto does) answers with a finding nobody asked for.
        return [{ id: ids[0], createdAt: '2024-01-01T00:00:00.000Z' }, { id: 'not-asked', createdAt: '2024-01-01T00:00:00.000Z' }];
      },
    });
    expect(asked).toEqual([20, 20, 5]);
    expect(result.calls).toBe(3);
    expect(result.open.size).toBe(3);
    expect([...result.open.keys()].some((k) => k.endsWith('not-asked'))).toBe(false);
  });

  test('throttling is retried with back-off; a look-up that keeps failing leaves the target unknown', async () => {
    const clock = new FakeClock();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
    let calls = 0;
    const gaveUp: string[] = [];
    const result = await findOpenFindings(many(3), {
      lookup: async () => {
        calls++;
        throw throttled;
      },
      clock,
      random: () => 0.5,
      maxAttempts: 3,
      onGiveUp: (_t, code) => gaveUp.push(code),
    });
    expect(calls).toBe(3);
    expect(clock.sleeps.length).toBe(2);
    expect(result.unknownTargets.has(`${ACCOUNT}|us-west-2`)).toBe(true);
    expect(gaveUp).toEqual(['TooManyRequestsException']);
  });

  test('access denied (an importer role without GetFindings) is not retried', async () => {
    let calls = 0;
    const denied = Object.assign(new Error('not authorized to perform: securityhub:GetFindings'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    const result = await findOpenFindings(many(1), {
      lookup: async () => {
        calls++;
        throw denied;
      },
    });
    expect(calls).toBe(1);
    expect(result.unknownTargets.size).toBe(1);
  });

  test('a failure storm: failures are looked up only while the budget has a token; successes always wait for theirs', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ requestsPerSecond: 1, burst: 3, clock });
    const failures = Array.from({ length: 200 }, (_, i) => item(variant(FAILED, {}, { resourceArn: `arn:aws:ec2:us-west-2:${ACCOUNT}:volume/vol-storm-${i}` }), `f${i}`));
    const successes = Array.from({ length: 30 }, (_, i) => item(closingSuccess('backup-completed',
      variant(FAILED, {}, { resourceArn: `arn:aws:ec2:us-west-2:${ACCOUNT}:volume/vol-ok-${i}` }), ACCOUNT), `s${i}`));
    const asked: string[][] = [];
    const result = await findOpenFindings([...failures, ...successes], {
      lookup: async (_t, ids) => {
        asked.push(ids);
        return [];
      },
      pacerFor: () => pacer,
      clock,
    });
    // The 30 successes' Ids first (2 calls: burst 3 leaves one token), then one chunk of failures with the
    // token left; the other 180 failure Ids go out without a look-up.
    expect(asked.map((ids) => ids.length)).toEqual([20, 10, 20]);
    expect(asked.slice(0, 2).flat().every((id) => successes.some((s) => s.finding.Id === id))).toBe(true);
    expect(result.skipped).toBe(180);
    // A skipped failure starts its episode at its own time, like a first failure.
    const { send } = reconcile(failures, result);
    expect(send).toHaveLength(200);
    expect(send.every((s) => s.finding.CreatedAt === s.finding.UpdatedAt)).toBe(true);
  });

});
