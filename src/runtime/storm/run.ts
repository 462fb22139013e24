/**
 * One run of each storm function, with its I/O injected (the ledger store, the publisher, the clock), so that
 * tests drive the real sequence against a real DynamoDB-compatible server. The Lambda handlers only wire these up.
 *
 * Recorder, per event: the first `threshold` events of a group in a window are published at once (unless the
 * group's storm goes on from the previous window, which then had a digest); the rest are counted for the
 * window's digest, with a few sample resources. Fail-open: once a ledger call fails (anything but a condition
 * that did not hold), this event and every later one of the batch are published one by one; an event that
 * cannot be parsed is published as received. Nothing is dropped: a record fails (SQS retries it, then keeps it
 * in the dead-letter queue) only when its publish failed.
 *
 * Flusher: every window that ended `GRACE_SECONDS` ago and has groups waiting is claimed, its groups closed (their
 * counts are then final), one digest published, the claim marked sent and the groups taken out of the index.
 */
import { DigestGroup, groupOf, renderDigest, renderFirstAlarm, renderUnparsed, StormGroup, StormMessage } from './group';
import { GroupItem, StormStore } from './store';
import { BackupJobKind } from '../../shared/backup-events';
import { STORM_LIMITS, windowOf } from '../../shared/storm';
import { MalformedEventError, parseRecordBody } from '../event';
import { Publish } from '../heartbeat/aws-client';

/** Storm settings, as the construct passes them. */
export interface StormSettings {
  readonly windowSeconds: number;
  readonly threshold: number;
}

/** What the recorder knows of a group in a window, kept across the batches a container runs. */
interface GroupMemo {
  /** The group's storm goes on from the previous window: no event of this window goes out at once. */
  readonly continuing: boolean;
  /** `threshold` events were already published at once. */
  full: boolean;
}

/** The recorder's memory across invocations of one container (bounded). */
export class StormMemo {
  private readonly groups = new Map<string, GroupMemo>();

  public get(window: number, key: string): GroupMemo | undefined {
    return this.groups.get(`${window}|${key}`);
  }

  public set(window: number, key: string, memo: GroupMemo): void {
    if (this.groups.size >= 10_000) this.groups.clear();
    this.groups.set(`${window}|${key}`, memo);
  }
}

/** The recorder's dependencies. */
export interface StormRecorderDeps {
  readonly store: StormStore;
  readonly publish: Publish;
  readonly topic: string;
  readonly settings: StormSettings;
  /** Epoch milliseconds now (called per event: a batch may span a window's end). */
  readonly now: () => number;
  readonly partition: string;
  readonly memo: StormMemo;
  readonly onError?: (what: string, err: unknown) => void;
  /** Called after each publish (tests and the bench time first messages with it). */
  readonly onPublish?: (message: StormMessage, why: PublishReason) => void;
}

/** Why the recorder published an event one by one. */
export enum PublishReason {
  /** The first (up to `threshold`) of its group in the window. */
  FIRST = 'FIRST',
  /** The ledger failed: published directly (fail-open). */
  FAIL_OPEN = 'FAIL_OPEN',
  /** The event could not be parsed: published as received. */
  UNPARSED = 'UNPARSED',
}

/** What a recorder run did with its batch. */
export interface StormBatchSummary {
  /** Message ids to return in `batchItemFailures` (their publish failed). */
  readonly failed: string[];
  /** Events published at once as the first of their group. */
  readonly first: number;
  /** Events counted for a digest. */
  readonly digested: number;
  /** Events published one by one because the ledger failed. */
  readonly failOpen: number;
  /** Events that could not be parsed, published as received. */
  readonly unparsed: number;
}

/** How many times an event moves on to the next window when the flusher closed the one it was written to. */
const MAX_WINDOW_MOVES = 3;

/** Records a batch of SQS messages (job failures from the central bus). */
export async function recordStormBatch(records: ReadonlyArray<{ messageId: string; body: string }>,
  d: StormRecorderDeps): Promise<StormBatchSummary> {
  const failed: string[] = [];
  let first = 0;
  let digested = 0;
  let failOpen = 0;
  let unparsed = 0;
  let ledgerBroken = false;
  const send = async (messageId: string, message: StormMessage, why: PublishReason): Promise<boolean> => {
    try {
      await d.publish(d.topic, message.subject, message.text);
      d.onPublish?.(message, why);
      return true;
    } catch (err) {
      d.onError?.('publish failed; the record is retried', err);
      failed.push(messageId);
      return false;
    }
  };

  for (const r of records) {
    let event;
    try {
      event = parseRecordBody(r.body);
    } catch (err) {
      if (!(err instanceof MalformedEventError)) throw err;
      unparsed++;
      await send(r.messageId, renderUnparsed(r.body, err.message), PublishReason.UNPARSED);
      continue;
    }
    const g = groupOf(event);
    if (!ledgerBroken) {
      try {
        const outcome = await count(d, g, event.state, event.resourceArn);
        if (outcome.direct) {
          first++;
          if (!await send(r.messageId, renderFirstAlarm(event, d.partition, d.settings.windowSeconds), PublishReason.FIRST)) {
            await d.store.undoDirect(outcome.window, g).catch((err) => d.onError?.('could not take back a first alarm that failed', err));
          }
        } else {
          digested++;
        }
        continue;
      } catch (err) {
        ledgerBroken = true;
        d.onError?.('storm ledger failed; publishing the rest of the batch one by one', err);
      }
    }
    failOpen++;
    await send(r.messageId, renderFirstAlarm(event, d.partition, d.settings.windowSeconds), PublishReason.FAIL_OPEN);
  }
  return { failed, first, digested, failOpen, unparsed };
}

/** Counts one event: published at once (`direct`) or left for the digest of `window`. */
async function count(d: StormRecorderDeps, g: StormGroup, state: string,
  resourceArn: string | undefined): Promise<{ direct: boolean; window: number }> {
  const windowMs = d.settings.windowSeconds * 1000;
  let window = windowOf(d.now(), d.settings.windowSeconds);
  for (let move = 0; move <= MAX_WINDOW_MOVES; move++) {
    let memo = d.memo.get(window, g.key);
    if (memo === undefined) {
      memo = { continuing: (await d.store.digestedIn(window - windowMs, g)) > 0, full: false };
      d.memo.set(window, g.key, memo);
    }
    if (!memo.continuing && !memo.full) {
      if (await d.store.tryDirect(window, g, state, d.settings.threshold)) return { direct: true, window };
      memo.full = true;
    }
    const n = await d.store.addDigested(window, g, state);
    if (n !== undefined) {
      if (resourceArn !== undefined && n <= STORM_LIMITS.SAMPLES) await d.store.addSample(window, g, resourceArn);
      return { direct: false, window };
    }
    // The flusher closed this window (the event is late): the next one counts it.
    window = Math.max(window + windowMs, windowOf(d.now(), d.settings.windowSeconds));
  }
  throw new Error(`the storm ledger closed ${MAX_WINDOW_MOVES + 1} windows in a row for group ${g.key}`);
}

/** The flusher's dependencies. */
export interface StormFlushDeps {
  readonly store: StormStore;
  readonly publish: Publish;
  readonly topic: string;
  readonly settings: StormSettings;
  readonly now: number;
  readonly partition: string;
  readonly onError?: (what: string, err: unknown) => void;
  /** Called after a digest is published. */
  readonly onPublish?: (message: StormMessage, window: number, groups: readonly GroupItem[]) => void;
}

/** What a flusher run did. */
export interface StormFlushSummary {
  /** Windows whose digest this run sent (or closed without one: every event had gone out at once). */
  readonly windows: number;
  readonly digestsSent: number;
  /** Events the digests sent by this run counted. */
  readonly eventsDigested: number;
  /** Windows another flusher holds, or already sent. */
  readonly skipped: number;
  /** Digests that could not be published (sent again by a later run, once the claim's lease ends). */
  readonly publishFailures: number;
}

/** Sends the digest of every window that has ended. */
export async function flushDigests(d: StormFlushDeps): Promise<StormFlushSummary> {
  const windowMs = d.settings.windowSeconds * 1000;
  const byWindow = new Map<number, GroupItem[]>();
  for (const item of await d.store.pendingGroups()) {
    if (item.window + windowMs + STORM_LIMITS.GRACE_SECONDS * 1000 > d.now) continue;
    byWindow.set(item.window, [...(byWindow.get(item.window) ?? []), item]);
  }
  let windows = 0;
  let digestsSent = 0;
  let eventsDigested = 0;
  let skipped = 0;
  let publishFailures = 0;
  for (const window of [...byWindow.keys()].sort((a, b) => a - b)) {
    const pending = byWindow.get(window)!;
    if (!await d.store.claimDigest(window, d.now)) {
      skipped++;
      // Sent before, but a group's pending marker was left behind: take it out of the index.
      if (await d.store.digestSent(window)) {
        for (const item of pending) if (item.closed) await d.store.clearPending(item.pk);
      }
      continue;
    }
    const final: GroupItem[] = [];
    for (const item of pending) final.push(await d.store.closeGroup(item.pk));
    const events = final.reduce((n, g) => n + g.digested, 0);
    if (events > 0) {
      const message = renderDigest(window, d.settings.windowSeconds, final.map(digestGroupOf), d.partition);
      try {
        await d.publish(d.topic, message.subject, message.text);
      } catch (err) {
        publishFailures++;
        d.onError?.('digest not published; a later run sends it once the claim lapses', err);
        continue;
      }
      d.onPublish?.(message, window, final);
      digestsSent++;
      eventsDigested += events;
    }
    await d.store.markSent(window, d.now, events, final.filter((g) => g.digested > 0).length);
    for (const item of final) await d.store.clearPending(item.pk);
    windows++;
  }
  return { windows, digestsSent, eventsDigested, skipped, publishFailures };
}

function digestGroupOf(g: GroupItem): DigestGroup {
  return {
    account: g.account,
    region: g.region,
    kind: g.kind as BackupJobKind,
    state: g.state,
    message: g.message === '-' ? '' : g.message,
    direct: g.direct,
    digested: g.digested,
    samples: g.samples,
  };
}
