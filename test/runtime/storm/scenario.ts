/**
 * The storms of issue 22, built once for the storm test and the benchmark:
 *
 * - A Region-wide failure: 1,000 job failures within 5 minutes in us-east-1, one every 300 ms, starting in the
 *   middle of a 5-minute window (so the storm spans two windows, as a real one does): 900 backup jobs EXPIRED
 *   across 20 accounts (one status message), 60 backup jobs FAILED across 3 accounts (another message), 40 copy
 *   jobs FAILED across 2 accounts (a third). 25 groups (account, Region, kind, status message), each with events in
 *   both windows. Built from AWS's documented example events (test/fixtures/backup-events).
 * - A mass deletion: 500 tamper signals (480 DeleteRecoveryPoint calls, 10 DeleteBackupVault calls, 10 vault
 *   deletions as AWS Backup reports them), in the shapes of test/support/tamper-events.ts.
 *
 * `runStorm` feeds the failures to the real recorder as Lambda's SQS poller would (a batch closes 2 s after its
 * first message or at 100 messages: the construct's batching window), on a fake clock, with the flusher run every
 * minute as its schedule does, against a storm ledger on moto's DynamoDB; it records every message published.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbCall, Publish } from '../../../src/runtime/heartbeat/aws-client';
import { StormMessage } from '../../../src/runtime/storm/group';
import { flushDigests, PublishReason, recordStormBatch, StormMemo, StormSettings } from '../../../src/runtime/storm/run';
import { GroupItem, StormStore } from '../../../src/runtime/storm/store';
import { STORM_LEDGER, STORM_PENDING_INDEX, windowOf } from '../../../src/shared/storm';
import { apiCall, stateChanges } from '../../support/tamper-events';
import { MOTO_REGION, MotoServer } from '../heartbeat/moto-server';
import { fixture, variant } from '../support';

export const STORM_REGION = 'us-east-1';
export const SETTINGS: StormSettings = { windowSeconds: 300, threshold: 1 };
/** A window boundary (2026-12-01 03:00 UTC) plus 150 s: the storm starts in the middle of a window. */
export const STORM_START = Date.parse('2026-12-01T03:00:00Z') + 150_000;
export const STORM_EVENTS = 1_000;
export const SPACING_MS = 300;
/** The construct's SQS batching window and batch size. */
export const BATCH_WINDOW_MS = 2_000;
export const BATCH_SIZE = 100;

export const EXPIRED_MESSAGE = 'Backup job could not start: the start window closed before AWS Backup could begin the job.';
export const DENIED_MESSAGE = 'Access denied: the IAM role could not create the snapshot (kms:CreateGrant was refused).';
export const COPY_MESSAGE = 'Copy job failed: the destination backup vault could not be reached.';

const account = (n: number) => String(100_000_000_000 + n * 1_111);
export const EXPIRED_ACCOUNTS = Array.from({ length: 20 }, (_, i) => account(i + 1));
export const DENIED_ACCOUNTS = [account(31), account(32), account(33)];
export const COPY_ACCOUNTS = [account(41), account(42)];
/** The groups of the Region-wide failure: 20 + 3 + 2. */
export const STORM_GROUPS = EXPIRED_ACCOUNTS.length + DENIED_ACCOUNTS.length + COPY_ACCOUNTS.length;

/** One failure as it arrives in the buffer queue. */
export interface ArrivingEvent {
  readonly at: number;
  readonly jobId: string;
  readonly groupName: string;
  readonly body: string;
}

/** The Region-wide failure: 1,000 events in arrival order. */
export function regionWideFailure(): ArrivingEvent[] {
  const expired = fixture('backup-expired', EXPIRED_ACCOUNTS[0]);
  const failed = fixture('backup-failed', DENIED_ACCOUNTS[0]);
  const copy = fixture('copy-failed', COPY_ACCOUNTS[0]);
  let e = 0;
  let other = 0;
  return Array.from({ length: STORM_EVENTS }, (_, i) => {
    const at = STORM_START + i * SPACING_MS;
    const time = new Date(at).toISOString();
    let acct: string;
    let body: Record<string, any>;
    let groupName: string;
    const jobId = `storm-${String(i).padStart(4, '0')}`;
    if (i % 10 !== 9) {
      acct = EXPIRED_ACCOUNTS[e++ % EXPIRED_ACCOUNTS.length];
      groupName = `EXPIRED ${acct}`;
      body = variant(expired, { account: acct, region: STORM_REGION, time, id: `ev-${jobId}` }, {
        state: 'EXPIRED',
        statusMessage: EXPIRED_MESSAGE,
        backupJobId: jobId,
        resourceArn: `arn:aws:ec2:${STORM_REGION}:${acct}:volume/vol-${String(i).padStart(8, '0')}`,
      });
    } else if (other++ % 5 < 3) {
      acct = DENIED_ACCOUNTS[other % DENIED_ACCOUNTS.length];
      groupName = `DENIED ${acct}`;
      body = variant(failed, { account: acct, region: STORM_REGION, time, id: `ev-${jobId}` }, {
        state: 'FAILED',
        statusMessage: DENIED_MESSAGE,
        backupJobId: jobId,
        resourceArn: `arn:aws:rds:${STORM_REGION}:${acct}:db:orders-${i}`,
      });
    } else {
      acct = COPY_ACCOUNTS[other % COPY_ACCOUNTS.length];
      groupName = `COPY ${acct}`;
      body = variant(copy, { account: acct, region: STORM_REGION, time, id: `ev-${jobId}` }, {
        state: 'FAILED',
        statusMessage: COPY_MESSAGE,
        copyJobId: jobId,
        resourceArn: `arn:aws:dynamodb:${STORM_REGION}:${acct}:table/sessions-${i}`,
      });
    }
    return { at, jobId, groupName, body: JSON.stringify(body) };
  });
}

/** The mass deletion: 500 tamper signals, named. */
export function massDeletion(): Record<string, Record<string, any>> {
  const out: Record<string, Record<string, any>> = {};
  const vaultDeleted = stateChanges()['backup-vault-deleted'];
  for (let i = 0; i < 480; i++) {
    const e = apiCall('DeleteRecoveryPoint');
    e.id = `del-rp-${i}`;
    e.detail.eventID = `del-rp-${i}`;
    e.detail.requestParameters = { backupVaultName: 'prod', recoveryPointArn: `arn:aws:ec2:eu-west-1::snapshot/snap-${String(i).padStart(8, '0')}` };
    out[`DeleteRecoveryPoint ${i}`] = e;
  }
  for (let i = 0; i < 10; i++) {
    const e = apiCall('DeleteBackupVault');
    e.id = `del-vault-${i}`;
    e.detail.requestParameters = { backupVaultName: `vault-${i}` };
    out[`DeleteBackupVault ${i}`] = e;
    out[`backup-vault-deleted ${i}`] = { ...vaultDeleted, id: `vault-deleted-${i}`, detail: { ...vaultDeleted.detail, backupVaultName: `vault-${i}` } };
  }
  return out;
}

/** Creates a storm ledger as the construct defines it (key `pk`, the sparse `Pending` index) on moto; returns its name. */
export async function createStormLedger(moto: MotoServer, name: string): Promise<string> {
  const admin = new DynamoDBClient({ region: MOTO_REGION, endpoint: moto.url });
  try {
    await admin.send(new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: STORM_LEDGER.PK, AttributeType: 'S' }, { AttributeName: STORM_LEDGER.PENDING, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: STORM_LEDGER.PK, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [{
        IndexName: STORM_PENDING_INDEX,
        KeySchema: [{ AttributeName: STORM_LEDGER.PENDING, KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
  } finally {
    admin.destroy();
  }
  return name;
}

/** A message the run published. */
export interface Sent {
  readonly subject: string;
  readonly text: string;
  /** FIRST, FAIL_OPEN, UNPARSED, or DIGEST. */
  readonly reason: string;
  /** The fake clock when it was published. */
  readonly at: number;
  /** The batch it was published in (recorder), or -1 (flusher). */
  readonly batch: number;
  /** Wall milliseconds from the start of its batch's processing to the publish (recorder). */
  readonly wallInBatchMs: number;
  /** Digests: the groups' final counts. */
  readonly groups?: readonly GroupItem[];
}

/** What `runStorm` saw. */
export interface StormRun {
  readonly sent: Sent[];
  /** The batches, as event indexes. */
  readonly batches: number[][];
  /** The batch each event arrived in. */
  readonly batchOf: number[];
  /** When each batch was processed (fake clock). */
  readonly batchAt: number[];
  readonly flushes: number;
  readonly wallMs: number;
}

/** The SQS poller's batches: one closes `BATCH_WINDOW_MS` after its first message, or at `BATCH_SIZE` messages. */
export function batchesOf(events: readonly ArrivingEvent[]): { batches: number[][]; at: number[] } {
  const batches: number[][] = [];
  const at: number[] = [];
  let current: number[] = [];
  let opened = 0;
  events.forEach((e, i) => {
    if (current.length > 0 && (e.at >= opened + BATCH_WINDOW_MS || current.length === BATCH_SIZE)) {
      batches.push(current);
      at.push(current.length === BATCH_SIZE ? events[current[current.length - 1]].at : opened + BATCH_WINDOW_MS);
      current = [];
    }
    if (current.length === 0) opened = e.at;
    current.push(i);
  });
  if (current.length > 0) {
    batches.push(current);
    at.push(opened + BATCH_WINDOW_MS);
  }
  return { batches, at };
}

/**
 * Feeds `events` to the recorder batch by batch on a fake clock, runs the flusher at every minute boundary (and
 * until every window has been flushed), and returns every message published.
 */
export async function runStorm(o: {
  events: readonly ArrivingEvent[];
  call: DynamoDbCall;
  tableName: string;
  settings?: StormSettings;
  /** The ledger the recorder uses (default: the same as the flusher's). */
  recorderCall?: DynamoDbCall;
}): Promise<StormRun> {
  const settings = o.settings ?? SETTINGS;
  const started = Date.now();
  const sent: Sent[] = [];
  const topic = 'arn:aws:sns:us-east-1:999999999999:alarms';
  const { batches, at: batchAt } = batchesOf(o.events);
  const batchOf: number[] = [];
  batches.forEach((b, k) => b.forEach((i) => { batchOf[i] = k; }));
  const memo = new StormMemo();
  const recorderStore = new StormStore(o.recorderCall ?? o.call, o.tableName, settings.windowSeconds);
  const flusherStore = new StormStore(o.call, o.tableName, settings.windowSeconds);
  let now = o.events[0]?.at ?? 0;
  let flushes = 0;
  const flushAt = async (t: number) => {
    flushes++;
    await flushDigests({
      store: flusherStore,
      publish: async () => undefined,
      topic,
      settings,
      now: t,
      partition: 'aws',
      onPublish: (m: StormMessage, _window: number, groups: readonly GroupItem[]) => sent.push({
        subject: m.subject, text: m.text, reason: 'DIGEST', at: t, batch: -1, wallInBatchMs: 0, groups,
      }),
    });
  };
  let nextFlush = Math.ceil(now / 60_000) * 60_000;
  for (let k = 0; k < batches.length; k++) {
    while (nextFlush <= batchAt[k]) {
      await flushAt(nextFlush);
      nextFlush += 60_000;
    }
    now = batchAt[k];
    const batchStart = Date.now();
    const publish: Publish = async () => undefined;
    await recordStormBatch(batches[k].map((i) => ({ messageId: o.events[i].jobId, body: o.events[i].body })), {
      store: recorderStore,
      publish,
      topic,
      settings,
      now: () => now,
      partition: 'aws',
      memo,
      onPublish: (m: StormMessage, why: PublishReason) => sent.push({
        subject: m.subject, text: m.text, reason: why, at: now, batch: k, wallInBatchMs: Date.now() - batchStart,
      }),
    });
  }
  // The schedule keeps running: flush until the last window has ended and its grace passed.
  const lastWindowEnd = windowOf(now, settings.windowSeconds) + settings.windowSeconds * 1000;
  while (nextFlush <= lastWindowEnd + 60_000) {
    await flushAt(nextFlush);
    nextFlush += 60_000;
  }
  return { sent, batches, batchOf, batchAt, flushes, wallMs: Date.now() - started };
}

/** The job id a first alarm names (`(job <id>)`). */
export function jobIdOf(text: string): string | undefined {
  return /\(job ([^)]*)\)/.exec(text)?.[1];
}

/** Events a digest's text says it counts (its header), and the sum of its group lines. */
export function digestCounts(text: string): { header: number; lines: number } {
  const header = Number(/^Backup alarm digest: (\d+) job failure/.exec(text)?.[1] ?? NaN);
  const lines = [...text.matchAll(/^\d+\. (\d+) x /gm)].reduce((n, m) => n + Number(m[1]), 0);
  return { header, lines };
}
