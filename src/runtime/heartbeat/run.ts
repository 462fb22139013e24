/**
 * One run of each function, with its I/O injected (the ledger store, the publisher, the clock), so that tests
 * drive the real sequence against a real DynamoDB-compatible server. The Lambda handlers only wire these up.
 */
import { ImportFindings, Publish } from './aws-client';
import {
  apply, CheckerSettings, decide, expectedItem, LedgerItem, missingExpected, owes, reportsFor,
} from './checker';
import { FindingHome, heartbeatFinding } from './finding';
import { Heartbeat, MalformedHeartbeatError, newestPerSource, parseHeartbeat } from './ledger';
import { LedgerStore, WriteOutcome } from './store';
import { ExpectedSources, ReportDestination } from '../../shared/heartbeat';
import { heartbeatChatReport } from '../chat-reports';
import { claimChanges, importOwedFindings, publishChatReport, scanLedger } from '../episodes';


/** What a writer run did with its batch. */
export interface WriteSummary {
  /** Message ids to return in `batchItemFailures`. */
  readonly failed: string[];
  readonly recorded: number;
  readonly stale: number;
  readonly malformed: number;
  readonly errors: number;
}

/**
 * Writes a batch of SQS messages to the ledger: one conditional write per source (its newest heartbeat).
 * A malformed message fails alone (and reaches the dead-letter queue after the retries); a failed write fails
 * the messages of its source only.
 */
export async function writeBatch(records: Array<{ messageId: string; body: string }>, store: LedgerStore, now: number,
  onError: (messageIds: string[], err: unknown) => void = () => undefined, concurrency = 8): Promise<WriteSummary> {
  const failed: string[] = [];
  let malformed = 0;
  const parsed: Array<{ ref: string; heartbeat: Heartbeat }> = [];
  for (const r of records) {
    try {
      parsed.push({ ref: r.messageId, heartbeat: parseHeartbeat(r.body, now) });
    } catch (err) {
      if (!(err instanceof MalformedHeartbeatError)) throw err;
      malformed++;
      failed.push(r.messageId);
      onError([r.messageId], err);
    }
  }
  let recorded = 0;
  let stale = 0;
  let errors = 0;
  const work = newestPerSource(parsed);
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const w = work[next++];
      try {
        const outcome = await store.record(w.heartbeat);
        if (outcome === WriteOutcome.RECORDED) recorded++;
        else stale++;
      } catch (err) {
        errors++;
        failed.push(...w.refs);
        onError(w.refs, err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, work.length) }, worker));
  return { failed, recorded, stale, malformed, errors };
}

/** Where a checker reports. */
export interface CheckTopics {
  readonly alarm?: string;
  readonly pipeline?: string;
  /** Amazon Q Developer custom notifications (issue 22). */
  readonly chat?: string;
}

/** What a checker run saw and did. */
export interface CheckSummary {
  readonly sources: number;
  readonly silent: number;
  readonly claimed: number;
  readonly lostRaces: number;
  readonly created: number;
  readonly reportsSent: number;
  readonly publishFailures: number;
  readonly readUnits: number;
  readonly pages: number;
  /** True when the scan stopped at the deadline: the rest is judged on the next run. */
  readonly truncated: boolean;
}

/** The checker's inputs. */
export interface CheckOptions {
  readonly store: LedgerStore;
  readonly publish: Publish;
  readonly topics: CheckTopics;
  readonly settings: CheckerSettings;
  readonly expected?: ExpectedSources;
  readonly now: number;
  /** No new page, claim or publish starts after this (epoch ms). */
  readonly deadline?: number;
  readonly onPublishError?: (destination: ReportDestination, err: unknown) => void;
  /** Security Hub BatchImportFindings, when findings are on. */
  readonly importFindings?: ImportFindings;
  /** The checker's own account and Region (findings are imported there). */
  readonly home?: FindingHome;
  /** The partition (console links in chat). @default 'aws' */
  readonly partition?: string;
}


/**
 * One check: scan the ledger page by page, claim every change, create the items of declared sources never
 * seen, then send each destination what it is owed and record that it was told.
 */
export async function runCheck(o: CheckOptions): Promise<CheckSummary> {
  const late = () => o.deadline !== undefined && Date.now() > o.deadline;
  const scan = await scanLedger((start) => o.store.scanPage(start), late);
  const { readUnits, truncated } = scan;
  const pages = scan.pages.length;
  const items: LedgerItem[] = scan.pages.flatMap((p) => p.items);

  let created = 0;
  if (!truncated) {
    // Only a complete scan knows which declared sources are missing.
    for (const src of missingExpected(o.expected, new Set(items.map((i) => i.pk)))) {
      const item = expectedItem(src, o.now);
      if (await o.store.createExpected(item)) {
        created++;
        items.push(item);
      }
    }
  }

  const { current, claimed, lostRaces } = await claimChanges(items, {
    decide: (item) => decide(item, o.now, o.settings),
    claim: (t) => o.store.claim(t),
    apply,
    get: (pk) => o.store.get(pk),
    late,
  });

  let reportsSent = 0;
  let publishFailures = 0;
  const destinations: Array<[ReportDestination, string | undefined]> = [
    [ReportDestination.ALARM, o.topics.alarm], [ReportDestination.PIPELINE, o.topics.pipeline],
  ];
  for (const [destination, topic] of destinations) {
    if (topic === undefined || topic === '') continue;
    for (const report of reportsFor(current, destination, o.now, o.settings, o.store.tableName)) {
      if (late()) break;
      try {
        await o.publish(topic, report.subject, report.message);
      } catch (err) {
        publishFailures++;
        o.onPublishError?.(destination, err);
        continue;
      }
      reportsSent++;
      for (const { pk, ver } of report.items) await o.store.markNotified(pk, destination, ver);
    }
  }
  const chat = late() ? 'none' : await publishChatReport(heartbeatChatReport(current, ReportDestination.CHAT, o.now, o.settings, o.partition), o.publish, o.topics.chat,
    (pk, ver) => o.store.markNotified(pk, ReportDestination.CHAT, ver), (err) => o.onPublishError?.(ReportDestination.CHAT, err));
  if (chat === 'sent') reportsSent++;
  if (chat === 'failed') publishFailures++;
  if (o.importFindings !== undefined && o.home !== undefined) {
    const pairs = current.filter((i) => owes(i, ReportDestination.SECURITY_HUB))
      .map((item) => ({ item, finding: heartbeatFinding(item, o.home!) }))
      .filter((p): p is { item: LedgerItem; finding: Record<string, unknown> } => p.finding !== undefined);
    const markTold = (item: LedgerItem) => o.store.markNotified(item.pk, ReportDestination.SECURITY_HUB, item.ver);
    const outcome = await importOwedFindings(pairs, o.importFindings, markTold, late,
      (err) => o.onPublishError?.(ReportDestination.SECURITY_HUB, err));
    reportsSent += outcome.calls;
    publishFailures += outcome.failures;
  }
  return {
    sources: current.length,
    silent: current.filter((i) => i.state === 'SILENT').length,
    claimed,
    lostRaces,
    created,
    reportsSent,
    publishFailures,
    readUnits,
    pages,
    truncated,
  };
}
