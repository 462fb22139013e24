/**
 * One run of each protection function, with its I/O injected (the ledger store, the publisher, the clock), so
 * that tests drive the real sequence against a real DynamoDB-compatible server. The Lambda handlers only wire
 * these up.
 */
import { ReportSource } from './daily-input';
import { renderDailyEmail, summarizeDay } from './daily-report';
import { overdueFinding } from './finding';
import { ActivityItem, ProtectionItem } from './item';
import { activityOfDay, apply, decide, expectationOf, OverdueSettings, owes } from './overdue';
import { CounterFamily, Signal, signalOf } from './recorder';
import { overdueReports } from './report';
import { counterAttribute, ProtectionStore } from './store';
import { LedgerState } from '../../shared/heartbeat';
import { hourOf, OverdueDestination, ProtectionState } from '../../shared/protection';
import { dailyChatReport, overdueChatReport } from '../chat-reports';
import { claimChanges, importOwedFindings, publishChatReport, scanLedger } from '../episodes';
import { MalformedEventError } from '../event';
import { ImportFindings, Publish } from '../heartbeat/aws-client';
import { FindingHome } from '../heartbeat/finding';
import { LedgerStore } from '../heartbeat/store';


/** What a recorder run did with its batch. */
export interface RecordSummary {
  /** Message ids to return in `batchItemFailures`. */
  readonly failed: string[];
  readonly protections: number;
  readonly counted: number;
  readonly malformed: number;
  readonly errors: number;
}

/**
 * Records a batch of SQS messages: each protection update is one write, and the batch's counters are one
 * write per hour, account and Region. A malformed message fails alone (and reaches the dead-letter queue
 * after the retries); a failed write fails the messages it answers for, whose other writes are safe to repeat
 * but for the counters (a retried message may be counted twice: the daily report's figures are at least).
 */
export async function recordBatch(records: Array<{ messageId: string; body: string }>, store: ProtectionStore, now: number,
  onError: (messageIds: string[], err: unknown) => void = () => undefined, concurrency = 8): Promise<RecordSummary> {
  const failed = new Set<string>();
  let malformed = 0;
  const signals: Array<{ ref: string; signal: Signal }> = [];
  for (const r of records) {
    try {
      signals.push({ ref: r.messageId, signal: signalOf(r.body, now) });
    } catch (err) {
      if (!(err instanceof MalformedEventError)) throw err;
      malformed++;
      failed.add(r.messageId);
      onError([r.messageId], err);
    }
  }
  // The counters of the batch, per hour, account and Region.
  interface Group {
    hour: number; account: string; region: string; counters: Map<string, number>; messages: Map<string, { at: number; text: string }>; refs: string[];
  }
  const groups = new Map<string, Group>();
  for (const { ref, signal } of signals) {
    const key = `${hourOf(signal.at)}#${signal.account}#${signal.region}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { hour: hourOf(signal.at), account: signal.account, region: signal.region, counters: new Map(), messages: new Map(), refs: [] };
      groups.set(key, g);
    }
    const attribute = counterAttribute(signal);
    g.counters.set(attribute, (g.counters.get(attribute) ?? 0) + 1);
    const known = g.messages.get(signal.counter);
    if (signal.family === CounterFamily.JOB && signal.message !== undefined && (known === undefined || known.at <= signal.at)) {
      g.messages.set(signal.counter, { at: signal.at, text: signal.message });
    }
    g.refs.push(ref);
  }
  const work: Array<{ refs: string[]; write: () => Promise<void> }> = [
    ...signals.filter((s) => s.signal.protection !== undefined).map((s) => ({ refs: [s.ref], write: () => store.recordProtection(s.signal) })),
    ...[...groups.values()].map((g) => ({
      refs: g.refs,
      write: () => store.addActivity(g.hour, g.account, g.region, g.counters, new Map([...g.messages].map(([k, v]) => [k, v.text]))),
    })),
  ];
  let errors = 0;
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const w = work[next++];
      try {
        await w.write();
      } catch (err) {
        errors++;
        w.refs.forEach((r) => failed.add(r));
        onError(w.refs, err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, work.length) }, worker));
  return {
    failed: [...failed],
    protections: signals.filter((s) => s.signal.protection !== undefined).length,
    counted: signals.length,
    malformed,
    errors,
  };
}

/** The checker's inputs. */
export interface OverdueCheckOptions {
  readonly store: ProtectionStore;
  readonly publish: Publish;
  /** The alarm topic's ARN. */
  readonly topic: string;
  /** The chat topic's ARN (Amazon Q Developer custom notifications, issue 22). */
  readonly chatTopic?: string;
  readonly settings: OverdueSettings;
  readonly now: number;
  /** The partition of the checker (console links). */
  readonly partition: string;
  /** No new page, claim or publish starts after this (epoch ms). */
  readonly deadline?: number;
  readonly onPublishError?: (destination: OverdueDestination, err: unknown) => void;
  /** Security Hub BatchImportFindings, when findings are on. */
  readonly importFindings?: ImportFindings;
  /** The checker's own account and Region (findings are imported there). */
  readonly home?: FindingHome;
}

/** What a check saw and did. */
export interface OverdueCheckSummary {
  readonly protections: number;
  readonly overdue: number;
  /** Protections not judged yet: no interval learned and no objective. */
  readonly learning: number;
  readonly claimed: number;
  readonly lostRaces: number;
  readonly reportsSent: number;
  readonly publishFailures: number;
  readonly readUnits: number;
  readonly pages: number;
  readonly truncated: boolean;
  /** The protections after the check, and the activity items read (for the daily report). */
  readonly items: ProtectionItem[];
  readonly activity: ActivityItem[];
}

/**
 * One check: scan the ledger page by page, claim every change, then send the alarm topic (and Security Hub)
 * what it is owed and record that it was told.
 */
export async function runOverdueCheck(o: OverdueCheckOptions): Promise<OverdueCheckSummary> {
  const late = () => o.deadline !== undefined && Date.now() > o.deadline;
  const scan = await scanLedger((start) => o.store.scanPage(start), late);
  const { readUnits, truncated } = scan;
  const pages = scan.pages.length;
  const scanned = scan.pages.flatMap((p) => p.protections);
  const activity = scan.pages.flatMap((p) => p.activity);

  const { current, claimed, lostRaces } = await claimChanges(scanned, {
    decide: (item) => decide(item, o.now, o.settings),
    claim: (t) => o.store.claim(t),
    apply,
    get: (pk) => o.store.get(pk),
    late,
  });

  let reportsSent = 0;
  let publishFailures = 0;
  for (const report of overdueReports(current, OverdueDestination.ALARM, o.now, o.settings, o.partition, o.store.tableName)) {
    if (late()) break;
    try {
      await o.publish(o.topic, report.subject, report.message);
    } catch (err) {
      publishFailures++;
      o.onPublishError?.(OverdueDestination.ALARM, err);
      continue;
    }
    reportsSent++;
    for (const { pk, ver } of report.items) await o.store.markNotified(pk, OverdueDestination.ALARM, ver);
  }
  const chat = late() ? 'none' : await publishChatReport(overdueChatReport(current, OverdueDestination.CHAT, o.now, o.partition), o.publish, o.chatTopic,
    (pk, ver) => o.store.markNotified(pk, OverdueDestination.CHAT, ver), (err) => o.onPublishError?.(OverdueDestination.CHAT, err));
  if (chat === 'sent') reportsSent++;
  if (chat === 'failed') publishFailures++;
  if (o.importFindings !== undefined && o.home !== undefined) {
    const pairs = current.filter((i) => owes(i, OverdueDestination.SECURITY_HUB))
      .map((item) => ({ item, finding: overdueFinding(item, o.home!) }))
      .filter((p): p is { item: ProtectionItem; finding: Record<string, unknown> } => p.finding !== undefined);
    const markTold = (item: ProtectionItem) => o.store.markNotified(item.pk, OverdueDestination.SECURITY_HUB, item.ver);
    const outcome = await importOwedFindings(pairs, o.importFindings, markTold, late,
      (err) => o.onPublishError?.(OverdueDestination.SECURITY_HUB, err));
    reportsSent += outcome.calls;
    publishFailures += outcome.failures;
  }
  return {
    protections: current.length,
    overdue: current.filter((i) => i.state === ProtectionState.OVERDUE).length,
    learning: current.filter((i) => i.state !== ProtectionState.RETIRED && expectationOf(i, o.settings) === undefined).length,
    claimed,
    lostRaces,
    reportsSent,
    publishFailures,
    readUnits,
    pages,
    truncated,
    items: current,
    activity,
  };
}

/** The daily report's inputs beside the check it follows. */
export interface DailyReportOptions {
  readonly check: OverdueCheckSummary;
  readonly publish: Publish;
  readonly topic: string;
  /** The chat topic's ARN: the report as an Amazon Q Developer custom notification too. */
  readonly chatTopic?: string;
  readonly now: number;
  readonly timeZone: string;
  readonly partition: string;
  readonly tableName: string;
  /** The heartbeat ledger, when a heartbeat monitor runs beside. */
  readonly heartbeats?: LedgerStore;
}

/** What a daily report run read and sent. */
export interface DailyReportSummary {
  readonly subject: string;
  readonly bytes: number;
  readonly sources?: number;
  readonly heartbeatReadUnits: number;
}

/**
 * The daily report, made after a check (so that it shows the states that check just decided): the day's
 * activity and every protection from the check's scan, the heartbeat sources from one scan of their ledger.
 * A failed publish throws (the function's Errors alarm sees it; the next day's report is complete again).
 */
export async function runDailyReport(o: DailyReportOptions): Promise<DailyReportSummary> {
  let sources: ReportSource[] | undefined;
  let heartbeatReadUnits = 0;
  if (o.heartbeats !== undefined) {
    const heartbeats = o.heartbeats;
    const scan = await scanLedger((start) => heartbeats.scanPage(start), () => false);
    heartbeatReadUnits = scan.readUnits;
    sources = scan.pages.flatMap((p) => p.items).map((i) => ({
      account: i.account, region: i.region, rule: i.rule, lastSeen: i.lastSeen, silent: i.state === LedgerState.SILENT,
    }));
  }
  const summary = summarizeDay({
    now: o.now,
    timeZone: o.timeZone,
    partition: o.partition,
    activity: activityOfDay(o.check.activity, o.now),
    protections: o.check.items,
    learning: o.check.learning,
    sources,
    tableName: o.tableName,
  });
  const { subject, message } = renderDailyEmail(summary);
  await o.publish(o.topic, subject, message);
  if (o.chatTopic !== undefined && o.chatTopic !== '') await o.publish(o.chatTopic, '', JSON.stringify(dailyChatReport(summary)));
  return { subject, bytes: Buffer.byteLength(message), sources: sources?.length, heartbeatReadUnits };
}
