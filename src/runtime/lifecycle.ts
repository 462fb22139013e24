/**
 * The finding's lifecycle across invocations: what Security Hub already holds decides `CreatedAt`,
 * `FirstObservedAt`, and whether a success has anything to close.
 *
 * - `CreatedAt` and `FirstObservedAt` are when the failure was first seen. Security Hub stores what the
 *   provider sends on every re-import, so a stateless forwarder would move them to the latest failure and the
 *   finding would forget when the trouble began. While a finding is ACTIVE, its stored values are kept;
 *   `LastObservedAt` is the latest failure.
 * - A success closes an ACTIVE finding (re-imported ARCHIVED, keeping its `CreatedAt`). A success with no
 *   open finding imports nothing: one import per successful job, in every account and Region, would cost an
 *   ingestion event each and fill the hub with ARCHIVED findings of things that never failed.
 * - A failure after a success (or after AWS deleted the archived finding) opens a new episode: `CreatedAt` is
 *   that failure's time.
 *
 * The look-up is `GetFindings` filtered on up to 20 `Id` values and `RecordState` ACTIVE (Security Hub API
 * reference: at most 20 values per filter attribute; 3 requests/s with a burst of 6 per account and Region).
 * When the look-up itself fails (throttled past the retries, access denied), the batch is not held back:
 * findings go out as a stateless forwarder would send them (`CreatedAt` = the event's time, every success
 * ARCHIVED), and the handler logs it.
 *
 * Look-ups that a success needs (is there anything to close?) always wait for their turn in the look-up
 * budget. Look-ups that only failures need (to keep an open finding's `CreatedAt`) are made only while the
 * budget has a token at once: when a whole Region fails together, the failures are imported at the import
 * quota's pace instead of the look-up quota's (20 Ids per call at 1 call/s would make 10,000 failures wait
 * 500 s), and a failure that was not looked up starts its episode at its own time. The handler counts them.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { findingKey, ImportTarget, targetKey } from './attribution';
import type { ImportItem } from './importer';
import { SYSTEM_CLOCK } from './pacer';
import { backoffDelay, CallPolicy, classifyError } from './retry';

/** At most this many `Id` values per GetFindings filter. */
export const MAX_IDS_PER_LOOKUP = 20;

/** What Security Hub holds for one open finding, as far as the lifecycle needs it. */
export interface OpenFinding {
  readonly id: string;
  readonly createdAt: string;
  readonly firstObservedAt?: string;
  readonly lastObservedAt?: string;
}

/** One GetFindings call for `ids` of `target`: the ACTIVE findings among them. Throws the SDK's error. */
export type LookupOpenFindings = (target: ImportTarget, ids: string[]) => Promise<OpenFinding[]>;

/** What the look-up found: per target key, the open findings by Id; a target whose look-up failed is absent. */
export interface KnownFindings {
  readonly open: ReadonlyMap<string, OpenFinding>;
  /** Targets (`account|region`) whose look-up failed: their findings go out unreconciled. */
  readonly unknownTargets: ReadonlySet<string>;
  /** GetFindings calls made. */
  readonly calls: number;
  /** Ids of failures only that were not looked up because the look-up budget had no token at once. */
  readonly skipped: number;
}

/** Options of `findOpenFindings`: a call policy with 4 attempts and back-off up to 2000 ms by default. */
export interface LookupOptions extends CallPolicy {
  readonly lookup: LookupOpenFindings;
  /** Told when a target's look-up gives up (for logs). */
  readonly onGiveUp?: (target: ImportTarget, code: string, message: string) => void;
}

/** Looks up which of the items' findings are open in Security Hub, 20 Ids per call, per target. */
export async function findOpenFindings(items: readonly ImportItem[], options: LookupOptions): Promise<KnownFindings> {
  const open = new Map<string, OpenFinding>();
  const unknownTargets = new Set<string>();
  let calls = 0;
  let skipped = 0;
  // Per target: the Ids a success needs looked up, and those only failures need (optional).
  const byTarget = new Map<string, { target: ImportTarget; required: Set<string>; optional: Set<string> }>();
  for (const item of items) {
    const group = byTarget.get(targetKey(item.target)) ?? { target: item.target, required: new Set<string>(), optional: new Set<string>() };
    const id = item.finding.Id!;
    if (item.finding.RecordState !== 'ACTIVE') {
      group.required.add(id);
      group.optional.delete(id);
    } else if (!group.required.has(id)) {
      group.optional.add(id);
    }
    byTarget.set(targetKey(item.target), group);
  }
  const clock = options.clock ?? SYSTEM_CLOCK;
  const random = options.random ?? Math.random;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);

  await Promise.all([...byTarget.values()].map(async ({ target, required, optional }) => {
    const chunks: Array<{ ids: string[]; optional: boolean }> = [];
    for (const [ids, isOptional] of [[[...required], false], [[...optional], true]] as const) {
      for (let i = 0; i < ids.length; i += MAX_IDS_PER_LOOKUP) chunks.push({ ids: ids.slice(i, i + MAX_IDS_PER_LOOKUP), optional: isOptional });
    }
    for (const { ids: chunk, optional: isOptional } of chunks) {
      if (isOptional && options.pacerFor !== undefined && options.pacerFor(target).available() < 1) {
        skipped += chunk.length;
        continue;
      }
      let found: OpenFinding[] | undefined;
      let last = { code: 'NotAttempted', message: 'no call was made' };
      for (let attempt = 1; attempt <= maxAttempts && found === undefined; attempt++) {
        if (attempt > 1) await clock.sleep(backoffDelay(attempt, options.baseDelayMs ?? 200, options.maxDelayMs ?? 2000, random));
        await options.pacerFor?.(target).acquire();
        if (options.deadline !== undefined && clock.now() >= options.deadline) break;
        calls++;
        try {
          found = await options.lookup(target, chunk);
        } catch (err) {
          const c = classifyError(err);
          last = c;
          if (!c.retryable) break;
        }
      }
      if (found === undefined) {
        unknownTargets.add(targetKey(target));
        options.onGiveUp?.(target, last.code, last.message);
        return;
      }
      // Only what was asked for: a stand-in or an older API may ignore the filters.
      for (const f of found) if (chunk.includes(f.id)) open.set(findingKey(target, f.id), f);
    }
  }));
  return { open, unknownTargets, calls, skipped };
}

/** The items to send, and the successes that had nothing to close. */
export interface Reconciled {
  readonly send: ImportItem[];
  readonly nothingToClose: ImportItem[];
}

/**
 * Applies what Security Hub holds to the batch. Items of one finding are taken in time order, so that a
 * failure and a later success in the same batch close the episode the failure opened, and a success and a
 * later failure open a new one.
 */
export function reconcile(items: readonly ImportItem[], known: KnownFindings): Reconciled {
  const groups = new Map<string, ImportItem[]>();
  for (const item of items) {
    const key = findingKey(item.target, item.finding.Id!);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  const send: ImportItem[] = [];
  const nothingToClose: ImportItem[] = [];
  for (const [key, group] of groups) {
    const unknown = known.unknownTargets.has(targetKey(group[0].target));
    const stored = known.open.get(key);
    let episode: { createdAt: string; first: string; last?: string } | undefined = stored === undefined ? undefined
      : { createdAt: stored.createdAt, first: stored.firstObservedAt ?? stored.createdAt, last: stored.lastObservedAt };
    const ordered = [...group].sort((a, b) => Date.parse(a.finding.UpdatedAt!) - Date.parse(b.finding.UpdatedAt!));
    for (const item of ordered) {
      const f = item.finding;
      if (f.RecordState === 'ACTIVE') {
        episode = episode ?? { createdAt: f.UpdatedAt!, first: f.UpdatedAt! };
        episode.last = f.UpdatedAt!;
        send.push(withTimes(item, episode.createdAt, episode.first, episode.last));
      } else if (episode !== undefined) {
        send.push(withTimes(item, episode.createdAt, episode.first, episode.last));
        episode = undefined;
      } else if (unknown) {
        send.push(item);
      } else {
        nothingToClose.push(item);
      }
    }
  }
  return { send, nothingToClose };
}

function withTimes(item: ImportItem, createdAt: string, first: string, last: string | undefined): ImportItem {
  const finding: AwsSecurityFinding = { ...item.finding, CreatedAt: createdAt, FirstObservedAt: first };
  if (last !== undefined) finding.LastObservedAt = last;
  return { ...item, finding };
}
