/**
 * The real Lambda bundle (assets/runtime/security-hub-forwarder.lambda/index.js) against the local Security
 * Hub and STS stand-ins, with SQS batches built from the documented AWS Backup example events.
 *
 * Every batch is checked for the forwarder's core promise: each record is either imported (or archived, or
 * superseded by a newer event for the same finding, or in progress) or returned in batchItemFailures.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { CredentialRegistry, SecurityHubStandIn, SecurityHubStandInOptions, StsStandIn, TestCredentials } from './securityhub-standin';
import { accountedFor, closingSuccess, Container, ensureBundle, fixture, fixtureNames, isolatedEnv, sqsEvent, variant } from './support';
import { parseBackupEvent, parseRecordBody } from '../../src/runtime/event';
import { buildFinding } from '../../src/runtime/finding';
import { classify, JobOutcome } from '../../src/runtime/severity';
import { isTamperEvent, parseTamperEvent, tamperFindingIdOf } from '../../src/runtime/tamper';
import { apiCall } from '../support/tamper-events';

const FWD = '999999999999';
const HOME_REGION = 'eu-west-1';
const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const ROLE = 'BackupFindingsImporter';

let registry: CredentialRegistry;
let forwarderCreds: TestCredentials;
let hub: SecurityHubStandIn;
let sts: StsStandIn;
let hubUrl: string;
let stsUrl: string;
let containers: Container[] = [];

async function startStandIns(options: SecurityHubStandInOptions = {}) {
  containers = [];
  registry = new CredentialRegistry();
  forwarderCreds = registry.longTerm(FWD);
  hub = new SecurityHubStandIn(registry, options);
  sts = new StsStandIn(registry);
  hubUrl = await hub.start();
  stsUrl = await sts.start();
}

async function stopAll() {
  await Promise.all(containers.map((c) => c.stop()));
  await hub.stop();
  await sts.stop();
}

/**
 * A container with the forwarder's environment as Lambda would give it (Region, the function role's
 * credentials), the stand-ins as the SDK's endpoints, and nowhere else to find credentials or endpoints.
 */
async function container(extra: Record<string, string> = {}): Promise<Container> {
  const c = await Container.start(isolatedEnv({ region: HOME_REGION, credentials: forwarderCreds, securityHubUrl: hubUrl, stsUrl },
    { POWERTOOLS_LOG_LEVEL: 'INFO', ...extra }));
  containers.push(c);
  return c;
}

interface Run {
  readonly event: SQSEvent;
  readonly response: SQSBatchResponse;
  readonly failed: Set<string>;
  readonly ok: Set<string>;
}

/**
 * Invokes the handler with one record per body and checks that every record is accounted for: a record not
 * returned in batchItemFailures is a well-formed event whose finding Security Hub now holds (or a job still in
 * progress, which has none).
 */
async function run(c: Container, bodies: unknown[], account = FWD): Promise<Run> {
  const event = sqsEvent(bodies);
  const response = await c.invoke(event, account, HOME_REGION);
  const { failed, ok } = accountedFor(event, response);
  expect(failed.size + ok.size).toBe(event.Records.length);
  for (const record of event.Records.filter((r) => ok.has(r.messageId))) {
    const raw = JSON.parse(record.body);
    if (isTamperEvent(raw)) {
      expect(hub.finding(tamperFindingIdOf(parseTamperEvent(raw)))).toBeDefined();
      continue;
    }
    const finding = buildFinding(parseRecordBody(record.body), { partition: 'aws', accountId: FWD, region: HOME_REGION });
    // A success with no open finding imports nothing (lifecycle.ts); every failure is held.
    if (finding?.RecordState === 'ACTIVE') expect(hub.finding(finding.Id!)).toBeDefined();
  }
  return { event, response, failed, ok };
}

/** The message ids of the records at these positions. */
function ids(r: Run, ...positions: number[]): string[] {
  return positions.map((i) => r.event.Records[i].messageId).sort();
}

function idOf(ev: Record<string, any>, dest = { partition: 'aws', accountId: FWD, region: HOME_REGION }): string {
  return buildFinding(parseBackupEvent(ev), dest)!.Id!;
}

beforeAll(() => {
  ensureBundle();
});

describe('handler, FORWARDER_ACCOUNT mode (default)', () => {
  beforeEach(async () => {
    await startStandIns();
  });
  afterEach(stopAll);

  test('one finding per resource after many redeliveries and repeated failures', async () => {
    const fn = await container();
    const failed = fixture('backup-failed', A);
    const again = variant(failed, { id: 'second-event', time: '2020-07-30T20:15:26Z' }, { backupJobId: 'second-job', state: 'EXPIRED' });
    const batch = [failed, failed, failed, failed, failed, again, again];

    expect((await run(fn, batch)).failed.size).toBe(0);
    expect((await run(fn, batch)).failed.size).toBe(0); // SQS redelivers the whole batch
    expect((await run(fn, [failed])).failed.size).toBe(0); // an older event, late

    expect(hub.findings().length).toBe(1);
    const stored = hub.finding(idOf(failed))!;
    expect(stored.finding.Title).toContain('EXPIRED');
    expect(stored.history).toEqual([{ updatedAt: '2020-07-30T20:15:26.000Z', recordState: 'ACTIVE' }]);
    expect(stored.ignoredUpdates).toBe(2);
    // Within a batch only the newest version of a finding is sent: one finding per call.
    expect(hub.calls.map((c) => c.findings)).toEqual([1, 1, 1]);
  });

  test('success archives; a newer failure re-opens; an older event never moves the finding back', async () => {
    const fn = await container();
    // The documented examples are unrelated jobs: make them the same protection (resource and vault).
    const failed = fixture('backup-failed', A);
    const at = (name: string, time: string) => variant(
      name === 'backup-completed' ? closingSuccess(name, failed, A) : name === 'backup-expired' ? variant(failed, {}, { state: 'EXPIRED' }) : fixture(name, A),
      { time });
    const id = idOf(fixture('backup-failed', A));
    expect(idOf(at('backup-completed', '2024-05-02T01:00:00Z'))).toBe(id);
    const state = () => hub.finding(id)!.finding.RecordState;

    await run(fn, [at('backup-failed', '2024-05-01T01:00:00Z')]);
    expect(state()).toBe('ACTIVE');
    await run(fn, [at('backup-completed', '2024-05-02T01:00:00Z')]);
    expect(state()).toBe('ARCHIVED');
    const late = await run(fn, [at('backup-failed', '2024-04-30T01:00:00Z')]);
    expect(late.failed.size).toBe(0); // accepted by Security Hub, which ignores it
    expect(state()).toBe('ARCHIVED');
    await run(fn, [at('backup-expired', '2024-05-03T01:00:00Z')]);
    expect(state()).toBe('ACTIVE');
    expect(hub.finding(id)!.history.map((h) => h.recordState)).toEqual(['ACTIVE', 'ARCHIVED', 'ACTIVE']);

    // Malware: threats found is CRITICAL; a later clean scan of the same resource archives it.
    await run(fn, [variant(fixture('scan-completed-threats', A), { time: '2025-12-12T12:00:00Z' })]);
    const scanId = idOf(fixture('scan-completed-threats', A));
    expect(hub.finding(scanId)!.finding).toMatchObject({ RecordState: 'ACTIVE', Severity: { Label: 'CRITICAL' } });
    await run(fn, [variant(fixture('scan-completed-no-threats', A), { time: '2025-12-13T12:00:00Z' })]);
    expect(hub.finding(scanId)!.finding.RecordState).toBe('ARCHIVED');

    expect(fn.output.metric('FindingsArchived')).toBe(2);
    // The late, older failure counts as imported: Security Hub accepted (and ignored) it.
    expect(fn.output.metric('FindingsImported')).toBe(4);
  });

  test('lifecycle: CreatedAt stays when the failure was first seen; a success closes it; the next failure opens a new episode', async () => {
    const fn = await container();
    const failed = fixture('backup-failed', A);
    const at = (ev: Record<string, any>, time: string) => variant(ev, { time });
    const id = idOf(failed);
    const stored = () => hub.finding(id)!.finding;

    await run(fn, [at(failed, '2024-05-01T01:00:00Z')]);
    await run(fn, [at(variant(failed, {}, { state: 'EXPIRED' }), '2024-05-02T01:00:00Z')]);
    expect(stored()).toMatchObject({
      RecordState: 'ACTIVE',
      CreatedAt: '2024-05-01T01:00:00.000Z',
      FirstObservedAt: '2024-05-01T01:00:00.000Z',
      LastObservedAt: '2024-05-02T01:00:00.000Z',
      UpdatedAt: '2024-05-02T01:00:00.000Z',
    });
    await run(fn, [at(closingSuccess('backup-completed', failed, A), '2024-05-03T01:00:00Z')]);
    expect(stored()).toMatchObject({ RecordState: 'ARCHIVED', CreatedAt: '2024-05-01T01:00:00.000Z', LastObservedAt: '2024-05-02T01:00:00.000Z' });
    await run(fn, [at(failed, '2024-05-04T01:00:00Z')]);
    expect(stored()).toMatchObject({ RecordState: 'ACTIVE', CreatedAt: '2024-05-04T01:00:00.000Z', FirstObservedAt: '2024-05-04T01:00:00.000Z' });
    // One GetFindings call per batch (one finding each), always within the 20-Id filter limit, while the
    // look-up budget (burst 3) lasts: the fourth batch, a failure only, went out without a look-up.
    expect(hub.lookups.map((l) => `${l.status}/${l.ids}`)).toEqual(['200/1', '200/1', '200/1']);
    expect(fn.output.metric('LookupsSkipped')).toBe(1);
  });

  test('a success with no open finding imports nothing: no call, no finding, counted', async () => {
    const fn = await container();
    const r = await run(fn, [closingSuccess('backup-completed', fixture('backup-failed', A), A), fixture('copy-completed', A)]);
    expect(r.failed.size).toBe(0);
    expect(hub.findings()).toEqual([]);
    expect(hub.calls).toEqual([]);
    expect(fn.output.metric('SuccessesWithNothingToClose')).toBe(2);
  });

  test('the cost of the decision: 40 successes and 2 failures of 42 resources are 3 look-ups and 1 import of 2 findings, no ARCHIVED finding', async () => {
    const fn = await container();
    const resource = (i: number) => `arn:aws:ec2:us-west-2:${A}:volume/vol-${String(i).padStart(4, '0')}`;
    const failed = fixture('backup-failed', A);
    const successes = Array.from({ length: 40 }, (_, i) => closingSuccess('backup-completed', variant(failed, {}, { resourceArn: resource(i) }), A));
    const failures = [40, 41].map((i) => variant(failed, {}, { resourceArn: resource(i) }));
    const r = await run(fn, [...successes, ...failures]);
    expect(r.failed.size).toBe(0);
    expect(hub.lookups.map((l) => l.ids)).toEqual([20, 20, 2]);
    expect(hub.calls.map((c) => c.findings)).toEqual([2]);
    expect(hub.findings().map((f) => f.finding.RecordState)).toEqual(['ACTIVE', 'ACTIVE']);
    expect(fn.output.metric('SuccessesWithNothingToClose')).toBe(40);
  });

  test('GetFindings denied (an importer role from before this version): findings still go out, as a stateless forwarder sends them', async () => {
    const fn = await container();
    hub.failNextLookups(1, 403, 'AccessDeniedException');
    const failed = fixture('backup-failed', A);
    const r = await run(fn, [failed, closingSuccess('copy-completed', fixture('copy-failed', A), A)]);
    expect(r.failed.size).toBe(0);
    expect(hub.findings().map((f) => f.finding.RecordState).sort()).toEqual(['ACTIVE', 'ARCHIVED']);
    expect(fn.output.json().some((l) => String(l.message).startsWith('GetFindings failed') && l.errorCode === 'AccessDeniedException')).toBe(true);
  });

  test('tampering: a DeleteRecoveryPoint call becomes a CRITICAL, ACTIVE finding with its caller, beside a job failure in the same batch', async () => {
    const fn = await container();
    const call = apiCall('DeleteRecoveryPoint', 'role');
    const r = await run(fn, [call, fixture('backup-failed', A)]);
    expect(r.failed.size).toBe(0);
    const stored = hub.findings().map((f) => f.finding).find((f) => f.Id.includes('/TAMPER/'))!;
    expect(stored).toMatchObject({
      AwsAccountId: FWD,
      RecordState: 'ACTIVE',
      Severity: { Label: 'CRITICAL' },
      Types: ['TTPs/Defense Evasion/Backup Tampering', 'Effects/Data Destruction'],
      ProductFields: expect.objectContaining({
        'cdk-backup-alarms/Caller': 'arn:aws:sts::222222222222:assumed-role/ops-admin/alice',
        'cdk-backup-alarms/Signal': 'DeleteRecoveryPoint',
        'cdk-backup-alarms/SourceAccount': '222222222222',
      }),
    });
    expect(stored.Id).toBe(`cdk-backup-alarms/222222222222/eu-west-1/TAMPER/DeleteRecoveryPoint/${call.detail.eventID}`);
    // Redelivered: the same finding, not a second one.
    await run(fn, [call]);
    expect(hub.findings().filter((f) => f.finding.Id.includes('/TAMPER/'))).toHaveLength(1);
    // Tamper signals need no look-up: only the job failure's finding was looked up (one call of one Id).
    expect(hub.lookups.map((l) => l.ids)).toEqual([1]);
  });

  test('every documented example event in one batch: job events and tamper signals imported, the rest malformed, overrides applied', async () => {
    const fn = await container({ SEVERITY_OVERRIDES: '{"RESTORE:FAILED":"CRITICAL"}' });
    const names = fixtureNames();
    const events = names.map((n) => fixture(n, A));
    const r = await run(fn, events);

    const jobEvent = (n: string) => /^(backup|copy|restore|scan)-/.test(n) && !/^backup-(vault|plan)-/.test(n);
    // Vault and plan deletions and Region setting changes are tamper signals: a finding each.
    const tamperSignal = (n: string) => ['backup-vault-deleted', 'backup-plan-deleted', 'region-setting-modified'].includes(n);
    const expectedFailed = names.map((n, i) => [n, i] as const).filter(([n]) => !jobEvent(n) && !tamperSignal(n)).map(([, i]) => i);
    expect([...r.failed].sort()).toEqual(ids(r, ...expectedFailed));

    const reported = names.filter((n) => jobEvent(n) && classify(parseBackupEvent(fixture(n, A))).outcome !== JobOutcome.IN_PROGRESS);
    const tamperIds = names.filter(tamperSignal).map((n) => tamperFindingIdOf(parseTamperEvent(fixture(n, A))));
    expect(hub.findings().map((s) => s.finding.Id).sort()).toEqual([...new Set([...reported.map((n) => idOf(fixture(n, A))), ...tamperIds])].sort());
    // (restore-failed shares its finding with restore-aborted, a later event of the same job: that one wins.)
    expect(hub.finding(idOf(fixture('restore-failed-restore-testing', A)))!.finding.Severity.Label).toBe('CRITICAL');
    expect(hub.calls.every((c) => c.status === 200 && c.failedFindings === 0)).toBe(true);

    expect(fn.output.metric('MalformedRecords')).toBe(expectedFailed.length);
    expect(fn.output.metric('RecordsIgnored')).toBe(names.filter((n) => jobEvent(n)).length - reported.length);
    expect(fn.output.logs('malformed record').map((l) => l.reason)).toEqual(expectedFailed.map(() => 'UNSUPPORTED_DETAIL_TYPE'));
  });

  test('malformed records fail alone: their neighbours are imported', async () => {
    const fn = await container();
    const good = fixture('backup-failed', A);
    const other = (n: number) => variant(good, {}, { resourceArn: `arn:aws:ec2:us-west-2:${A}:volume/vol-${n}` });
    const r = await run(fn, [
      other(1),
      '{"version": "0", "id": ',
      fixture('backup-failed'), // the documentation's 13-digit account
      other(2),
      variant(good, { time: undefined }),
      variant(good, { region: undefined }),
      variant(good, { 'detail-type': undefined }),
      other(3),
    ]);
    expect([...r.failed].sort()).toEqual(ids(r, 1, 2, 4, 5, 6));
    expect(hub.findings().length).toBe(3);
    expect(fn.output.logs('malformed record').map((l) => l.reason)).toEqual(['NOT_JSON', 'BAD_ACCOUNT', 'BAD_TIME', 'BAD_REGION', 'MISSING_DETAIL_TYPE']);
    expect(fn.output.metric('MalformedRecords')).toBe(5);
  });

  test('partial FailedFindings and 5xx: transient ones retried, permanent ones returned, the rest imported', async () => {
    const fn = await container();
    const ev = (n: number) => variant(fixture('copy-failed', A), {}, { resourceArn: `arn:aws:ec2:us-west-2:${A}:instance/i-${n}` });
    const events = [ev(1), ev(2), ev(3), ev(4)];
    hub.failNextCalls(1, 500, 'InternalException');
    hub.failFindings([idOf(events[1])], 'InternalException', 2);
    hub.failFindings([idOf(events[2])], 'InvalidInput');
    const r = await run(fn, events);
    expect([...r.failed]).toEqual(ids(r, 2));
    expect(hub.findings().map((s) => s.finding.Id).sort()).toEqual([idOf(events[0]), idOf(events[1]), idOf(events[3])].sort());
    expect(fn.output.metric('RecordsFailed')).toBe(1);
    expect(fn.output.logs('import failed')[0]).toMatchObject({ errorCode: 'InvalidInput', findingId: idOf(events[2]) });
  });

  test('imports only as its own account, whatever the source accounts and Regions', async () => {
    const fn = await container();
    const events = [
      fixture('backup-failed', A),
      variant(fixture('backup-failed', B), { region: 'eu-central-1' }),
      fixture('restore-failed', C),
      fixture('scan-completed-threats', B),
    ];
    const r = await run(fn, events);
    expect(r.failed.size).toBe(0);
    const stored = hub.findings().map((s) => s.finding);
    expect(stored.length).toBe(4); // the same resource ARN in two accounts is two findings
    for (const f of stored) {
      expect(f.AwsAccountId).toBe(FWD);
      expect(f.ProductArn).toBe(`arn:aws:securityhub:${HOME_REGION}:${FWD}:product/${FWD}/default`);
    }
    expect(stored.map((f) => f.ProductFields['cdk-backup-alarms/SourceAccount']).sort()).toEqual([A, B, B, C]);
    expect(stored.map((f) => f.Title.replace(/\].*$/, ']')).sort()).toEqual([`[${A} us-west-2]`, `[${B} eu-central-1]`, `[${B} us-west-2]`, `[${C} us-west-2]`]);
    expect(hub.calls.every((c) => c.status === 200 && c.accountIds.every((id) => id === FWD))).toBe(true);
  });

  test('credentials of another account than the function\'s: AccessDenied, every record returned, none reported imported', async () => {
    const fn = await container();
    const r = await run(fn, [fixture('backup-failed', A), fixture('copy-failed', A)], '888888888888');
    expect(r.failed.size).toBe(2);
    expect(hub.callsWithStatus(403).length).toBe(1);
    expect(hub.findings()).toEqual([]);
    expect(fn.output.logs('import failed').map((l) => l.errorCode)).toEqual(['AccessDeniedException', 'AccessDeniedException']);
  });

  test('a batch of jobs still in progress makes no call', async () => {
    const fn = await container();
    const r = await run(fn, ['backup-created', 'copy-running', 'restore-pending', 'scan-running'].map((n) => fixture(n, A)));
    expect(r.failed.size).toBe(0);
    expect(hub.calls).toEqual([]);
    expect(fn.output.metric('RecordsIgnored')).toBe(4);
  });

  test.each<[Record<string, string>, RegExp]>([
    [{ SEVERITY_OVERRIDES: '{"BACKUP:FAILED":"URGENT"}' }, /SEVERITY_OVERRIDES\['BACKUP:FAILED'\]/],
    [{ ATTRIBUTION_MODE: 'SOURCE_ACCOUNT' }, /MEMBER_ROLE_NAME is required/],
    [{ BURST: '0' }, /BURST is '0'/],
  ])('configuration %j is rejected at cold start', async (bad, message) => {
    await expect(container(bad)).rejects.toThrow(message);
  });
});

describe('handler, SOURCE_ACCOUNT mode', () => {
  beforeEach(async () => {
    await startStandIns();
    sts.allowRole(A, ROLE);
    sts.allowRole(B, ROLE);
  });
  afterEach(stopAll);

  test('assumes the member role once per account and imports there, in the job\'s Region', async () => {
    const fn = await container({ ATTRIBUTION_MODE: 'SOURCE_ACCOUNT', MEMBER_ROLE_NAME: ROLE });
    const first = await run(fn, [
      fixture('backup-failed', A),
      variant(fixture('copy-failed', B), { region: 'eu-central-1' }),
      fixture('restore-failed', C), // no role in C: AccessDenied from STS
      fixture('scan-failed', A),
    ]);
    expect([...first.failed]).toEqual(ids(first, 2));
    const second = await run(fn, [
      closingSuccess('backup-completed', fixture('backup-failed', A), A),
      closingSuccess('copy-completed', variant(fixture('copy-failed', B), { region: 'eu-central-1' }), B),
      fixture('scan-failed', FWD), // the forwarder's own account: its own credentials, no role
    ]);
    expect(second.failed.size).toBe(0);

    // C has no role: tried by the look-up and again by the import (a failure is not cached), never more.
    expect(Object.fromEntries(sts.assumeRoleCalls)).toEqual({ [A]: 1, [B]: 1, [C]: 2 });
    const stored = hub.findings().map((s) => s.finding);
    expect(stored.map((f) => `${f.AwsAccountId} ${f.ProductArn} ${f.RecordState}`).sort()).toEqual([
      `${A} arn:aws:securityhub:us-west-2:${A}:product/${A}/default ACTIVE`, // the scan failure
      `${A} arn:aws:securityhub:us-west-2:${A}:product/${A}/default ARCHIVED`, // the backup, closed
      `${B} arn:aws:securityhub:eu-central-1:${B}:product/${B}/default ARCHIVED`, // the copy, closed
      `${FWD} arn:aws:securityhub:us-west-2:${FWD}:product/${FWD}/default ACTIVE`,
    ]);
    // Every call was made with the credentials of exactly the account its findings name.
    expect(hub.calls.every((c) => c.status === 200 && c.accountIds.every((id) => id === c.account))).toBe(true);
    expect(hub.calls.map((c) => `${c.account}/${c.region}`).sort())
      .toEqual([`${A}/us-west-2`, `${A}/us-west-2`, `${B}/eu-central-1`, `${B}/eu-central-1`, `${FWD}/us-west-2`]);
    expect(fn.output.logs('import failed')[0]).toMatchObject({ errorCode: 'AccessDenied' });
  });

  test('Security Hub not enabled in a member Region: those records are returned (InvalidAccess), the others imported', async () => {
    const fn = await container({ ATTRIBUTION_MODE: 'SOURCE_ACCOUNT', MEMBER_ROLE_NAME: ROLE });
    hub.disable(B, 'eu-central-1');
    const r = await run(fn, [fixture('backup-failed', A), variant(fixture('copy-failed', B), { region: 'eu-central-1' }), fixture('copy-failed', B)]);
    expect([...r.failed]).toEqual(ids(r, 1));
    expect(hub.findings().map((s) => `${s.finding.AwsAccountId} ${s.finding.ProductArn.split(':')[3]}`).sort()).toEqual([`${A} us-west-2`, `${B} us-west-2`]);
    expect(fn.output.logs('import failed').map((l) => l.errorCode)).toEqual(['InvalidAccess']);
  });
});

describe('handler under a throttling storm', () => {
  beforeEach(async () => {
    // A tight quota (burst 3), so that ten containers starting together at their default pace (5/s, burst 10
    // each) certainly overrun it, even on a slow machine where their first calls spread out a little.
    await startStandIns({ ratePerSecond: 5, burst: 3 });
  });
  afterEach(stopAll);

  test('300 records over 10 concurrent containers: every record accounted for, nothing lost or duplicated', async () => {
    const storm = await Promise.all(Array.from({ length: 10 }, () => container()));
    const resource = (c: number, b: number, i: number) => `arn:aws:ec2:us-west-2:${A}:volume/vol-${c}-${b}-${i}`;
    const runs = await Promise.all(storm.map(async (fn, c) => {
      const done: Array<{ run: Run; events: Array<Record<string, any>> }> = [];
      for (let b = 0; b < 3; b++) {
        const events = Array.from({ length: 10 }, (_, i) => variant(fixture('backup-failed', A), {}, { resourceArn: resource(c, b, i) }));
        done.push({ run: await run(fn, events), events });
      }
      return done;
    }));

    const all = runs.flat();
    expect(all.reduce((n, x) => n + x.run.event.Records.length, 0)).toBe(300);
    const importedIds = all.flatMap(({ run: r, events }) => r.event.Records
      .map((rec, i) => [rec.messageId, idOf(events[i])] as const)
      .filter(([messageId]) => r.ok.has(messageId))
      .map(([, id]) => id));
    // Exactly the records not returned are stored: none lost, none reported imported without being stored.
    expect(hub.findings().map((s) => s.finding.Id).sort()).toEqual(importedIds.sort());
    const throttled = hub.callsWithStatus(429).length;
    expect(throttled).toBeGreaterThan(0);
    const metric = (name: string) => storm.reduce((sum, c) => sum + c.output.metric(name), 0);
    expect(metric('Throttles')).toBe(throttled);
    expect(metric('RecordsFailed') + metric('FindingsImported')).toBe(300);
  });
});
