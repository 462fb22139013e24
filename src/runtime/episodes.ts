/**
 * The claim-then-report mechanism shared by the heartbeat ledger and the protection ledger, as DynamoDB
 * UpdateItem inputs. An item's state change is first *claimed* with a conditional write that bumps its version
 * and holds only if neither its version nor its freshness attribute (`lastSeen`, the newest success) moved
 * since it was read; each destination then has its own `notified_<destination>` version, moved up only after
 * a report was published. One report per change and destination follows (src/runtime/heartbeat/checker.ts).
 * The input builders are pure; `importOwedFindings` does its I/O through the functions it is given.
 */

/** A claim: the item's new attributes, written only if it is still as it was read. */
export interface ClaimSpec {
  readonly tableName: string;
  readonly pkAttribute: string;
  readonly pk: string;
  readonly versionAttribute: string;
  /** The version read (0 = the attribute may be absent). */
  readonly expectVersion: number;
  readonly freshnessAttribute: string;
  /** The freshness value read (undefined = the attribute must be absent). */
  readonly expectFreshness?: number;
  /** Attributes to set (DynamoDB JSON values), the new version among them. */
  readonly set: { readonly [attribute: string]: Record<string, unknown> };
}

/** The UpdateItem input of a claim. */
export function claimInput(c: ClaimSpec): Record<string, unknown> {
  const names: Record<string, string> = { '#pk': c.pkAttribute, '#ver': c.versionAttribute, '#fresh': c.freshnessAttribute };
  const values: Record<string, unknown> = { ':expectVer': { N: String(c.expectVersion) } };
  const sets = Object.entries(c.set).map(([attribute, value], i) => {
    names[`#s${i}`] = attribute;
    values[`:s${i}`] = value;
    return `#s${i} = :s${i}`;
  });
  const conditions = ['attribute_exists(#pk)', c.expectVersion === 0 ? '(attribute_not_exists(#ver) OR #ver = :expectVer)' : '#ver = :expectVer'];
  if (c.expectFreshness === undefined) {
    conditions.push('attribute_not_exists(#fresh)');
  } else {
    conditions.push('#fresh = :expectFresh');
    values[':expectFresh'] = { N: String(c.expectFreshness) };
  }
  return {
    TableName: c.tableName,
    Key: { [c.pkAttribute]: { S: c.pk } },
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** The UpdateItem input that records that a destination was told of version `ver` (never moving it back). */
export function markNotifiedInput(tableName: string, pkAttribute: string, pk: string, notifiedAttribute: string,
  ver: number): Record<string, unknown> {
  return {
    TableName: tableName,
    Key: { [pkAttribute]: { S: pk } },
    UpdateExpression: 'SET #n = :ver',
    ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#n) OR #n < :ver)',
    ExpressionAttributeNames: { '#n': notifiedAttribute, '#pk': pkAttribute },
    ExpressionAttributeValues: { ':ver': { N: String(ver) } },
  };
}

/** Findings per BatchImportFindings call (Security Hub's maximum). */
const FINDINGS_PER_CALL = 100;

/** What `importOwedFindings` did. */
export interface ImportOutcome {
  /** BatchImportFindings calls that returned. */
  readonly calls: number;
  /** Calls that threw, or that returned refused findings. */
  readonly failures: number;
}

/**
 * Imports the findings still owed to Security Hub, 100 per call, and marks each accepted one as told; a refused
 * finding stays owed and is imported again on the next run. The I/O is injected: `importFindings` resolves to
 * the ids Security Hub refused, `markTold` records an accepted one.
 */
export async function importOwedFindings<T>(owed: Array<{ item: T; finding: Record<string, unknown> }>,
  importFindings: (findings: Array<Record<string, unknown>>) => Promise<string[]>, markTold: (item: T) => Promise<void>,
  late: () => boolean, onError: (err: unknown) => void): Promise<ImportOutcome> {
  let calls = 0;
  let failures = 0;
  for (let k = 0; k < owed.length && !late(); k += FINDINGS_PER_CALL) {
    const chunk = owed.slice(k, k + FINDINGS_PER_CALL);
    let refused: Set<string>;
    try {
      refused = new Set(await importFindings(chunk.map((p) => p.finding)));
    } catch (err) {
      failures++;
      onError(err);
      continue;
    }
    if (refused.size > 0) {
      failures++;
      onError(new Error(`Security Hub refused ${refused.size} finding(s): ${[...refused].slice(0, 5).join(', ')}`));
    }
    calls++;
    for (const p of chunk) {
      if (!refused.has(String(p.finding.Id))) await markTold(p.item);
    }
  }
  return { calls, failures };
}

/** Claims tried per item and run before it is left to the next run. */
const MAX_CLAIM_ATTEMPTS = 3;

/** What `claimChanges` needs of a ledger: the decision, the claim, a fresh read after a lost race. */
export interface ClaimSteps<T extends { readonly pk: string }, C> {
  /** The change `item` needs now, if any. */
  readonly decide: (item: T) => C | undefined;
  /** Claims it; false when the item moved on since it was read. */
  readonly claim: (change: C) => Promise<boolean>;
  /** `item` after its change was claimed. */
  readonly apply: (item: T, change: C) => T;
  /** The item as it is now (strongly consistent); undefined if it is gone. */
  readonly get: (pk: string) => Promise<T | undefined>;
  /** True once no new claim may start (the run's deadline). */
  readonly late: () => boolean;
}

/**
 * Claims every change the scanned items need and returns the items as they now are. A lost race (a heartbeat
 * or a success that landed since the scan, another run) is decided again on the item as it is now, so that a
 * change that still holds after the write that raced it is claimed in this run, not one later; after
 * `MAX_CLAIM_ATTEMPTS` the item is left to the next run.
 */
export async function claimChanges<T extends { readonly pk: string }, C>(scanned: readonly T[], steps: ClaimSteps<T, C>):
Promise<{ current: T[]; claimed: number; lostRaces: number }> {
  let claimed = 0;
  let lostRaces = 0;
  const current: T[] = [];
  for (const first of scanned) {
    let item: T | undefined = first;
    for (let attempt = 0; item !== undefined; attempt++) {
      const change = steps.late() || attempt >= MAX_CLAIM_ATTEMPTS ? undefined : steps.decide(item);
      if (change === undefined) {
        current.push(item);
        break;
      }
      if (await steps.claim(change)) {
        claimed++;
        current.push(steps.apply(item, change));
        break;
      }
      lostRaces++;
      item = await steps.get(item.pk);
    }
  }
  return { current, claimed, lostRaces };
}

/**
 * Publishes one chat report (an Amazon Q Developer custom notification, without a subject) and marks its items as
 * told to the chat destination; a failed publish is reported to `onError` and stays owed for the next run.
 * Resolves to whether it was published.
 */
export async function publishChatReport(report: { notification: unknown; items: ReadonlyArray<{ pk: string; ver: number }> } | undefined,
  publish: (topicArn: string, subject: string, message: string) => Promise<void>, topicArn: string | undefined,
  markTold: (pk: string, ver: number) => Promise<void>, onError: (err: unknown) => void): Promise<'sent' | 'failed' | 'none'> {
  if (report === undefined || topicArn === undefined || topicArn === '') return 'none';
  try {
    await publish(topicArn, '', JSON.stringify(report.notification));
  } catch (err) {
    onError(err);
    return 'failed';
  }
  for (const { pk, ver } of report.items) await markTold(pk, ver);
  return 'sent';
}

/** What `scanLedger` read. */
export interface LedgerScan<P> {
  /** The pages, in order. */
  readonly pages: P[];
  /** Their read units, summed. */
  readonly readUnits: number;
  /** True when the scan stopped at the deadline: the rest is judged on the next run. */
  readonly truncated: boolean;
}

/** Scans a whole ledger page by page (`scanPage(start)`), starting no new page once `late()` says so. */
export async function scanLedger<P extends { readonly next?: Record<string, unknown>; readonly readUnits: number }>(
  scanPage: (start?: Record<string, unknown>) => Promise<P>, late: () => boolean): Promise<LedgerScan<P>> {
  const pages: P[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    if (late()) return { pages, readUnits: pages.reduce((n, p) => n + p.readUnits, 0), truncated: true };
    const page = await scanPage(start);
    pages.push(page);
    start = page.next;
  } while (start !== undefined);
  return { pages, readUnits: pages.reduce((n, p) => n + p.readUnits, 0), truncated: false };
}
