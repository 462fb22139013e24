/**
 * The ledger's I/O: the few DynamoDB calls the writer and the checker make, on top of `DynamoDbCall`.
 * Item <-> DynamoDB JSON conversion lives here too; the decisions live in ledger.ts and checker.ts.
 */
import { DynamoDbCall, isConditionFailed } from './aws-client';
import { LedgerItem, notifiedAttribute, Transition } from './checker';
import { Heartbeat, recordHeartbeatInput } from './ledger';
import { LEDGER, LedgerState, ReportDestination } from '../../shared/heartbeat';
import { claimInput, markNotifiedInput } from '../episodes';

/** What a write did. */
export enum WriteOutcome {
  /** `lastSeen` moved forward (or the source is new). */
  RECORDED = 'RECORDED',
  /** The ledger already had a heartbeat as new or newer: nothing changed (duplicate, late, reordered). */
  STALE = 'STALE',
}

/** A page of the ledger and the read units it cost. */
export interface LedgerPage {
  readonly items: LedgerItem[];
  readonly next?: Record<string, unknown>;
  readonly readUnits: number;
}

const num = (v: any): number | undefined => (v?.N === undefined ? undefined : Number(v.N));
const str = (v: any): string | undefined => v?.S;

/** A ledger item from DynamoDB JSON. */
export function fromDynamo(raw: Record<string, any>): LedgerItem {
  const notified: Record<string, number> = {};
  for (const d of Object.values(ReportDestination)) {
    const n = num(raw[notifiedAttribute(d)]);
    if (n !== undefined) notified[d] = n;
  }
  const pk = str(raw[LEDGER.PK]) ?? '';
  const [account = '', region = '', rule = ''] = pk.split('#');
  return {
    pk,
    account: str(raw[LEDGER.ACCOUNT]) ?? account,
    region: str(raw[LEDGER.REGION]) ?? region,
    rule: str(raw[LEDGER.RULE]) ?? rule,
    lastSeen: num(raw[LEDGER.LAST_SEEN]),
    expectedSince: num(raw[LEDGER.EXPECTED_SINCE]),
    intervalSeconds: num(raw[LEDGER.INTERVAL_SECONDS]),
    state: str(raw[LEDGER.STATE]) === LedgerState.SILENT ? LedgerState.SILENT : LedgerState.OK,
    ver: num(raw[LEDGER.VERSION]) ?? 0,
    silentSince: num(raw[LEDGER.SILENT_SINCE]),
    changedAt: num(raw[LEDGER.CHANGED_AT]),
    notified,
  };
}

/** The ledger of one table. */
export class LedgerStore {
  constructor(private readonly call: DynamoDbCall, public readonly tableName: string) {}

  /** Records a heartbeat unless the ledger already has one as new (then STALE); other errors are thrown. */
  public async record(hb: Heartbeat): Promise<WriteOutcome> {
    try {
      await this.call('UpdateItem', recordHeartbeatInput(this.tableName, hb));
      return WriteOutcome.RECORDED;
    } catch (err) {
      if (isConditionFailed(err)) return WriteOutcome.STALE;
      throw err;
    }
  }

  /**
   * One page of the whole ledger (eventually consistent: half the read units of a strongly consistent scan;
   * a heartbeat written a second ago and missed is seen on the next run). 1 MB per page, DynamoDB's maximum.
   */
  public async scanPage(start?: Record<string, unknown>): Promise<LedgerPage> {
    const out = await this.call('Scan', {
      TableName: this.tableName,
      ConsistentRead: false,
      ReturnConsumedCapacity: 'TOTAL',
      ...(start === undefined ? {} : { ExclusiveStartKey: start }),
    });
    return {
      items: (out.Items ?? []).map(fromDynamo),
      next: out.LastEvaluatedKey,
      readUnits: Number(out.ConsumedCapacity?.CapacityUnits ?? 0),
    };
  }

  /** One item, strongly consistent (after a lost race); undefined if it is gone. */
  public async get(pk: string): Promise<LedgerItem | undefined> {
    const out = await this.call('GetItem', { TableName: this.tableName, Key: { [LEDGER.PK]: { S: pk } }, ConsistentRead: true });
    return out.Item === undefined ? undefined : fromDynamo(out.Item);
  }

  /** Claims a state change; false when the item moved on since it was read (a heartbeat, another run). */
  public async claim(t: Transition): Promise<boolean> {
    const set: Record<string, Record<string, unknown>> = {
      [LEDGER.STATE]: { S: t.next.state }, [LEDGER.VERSION]: { N: String(t.next.ver) }, [LEDGER.CHANGED_AT]: { N: String(t.next.changedAt) },
    };
    if (t.next.silentSince !== undefined) set[LEDGER.SILENT_SINCE] = { N: String(t.next.silentSince) };
    try {
      await this.call('UpdateItem', claimInput({
        tableName: this.tableName,
        pkAttribute: LEDGER.PK,
        pk: t.pk,
        versionAttribute: LEDGER.VERSION,
        expectVersion: t.expect.ver,
        freshnessAttribute: LEDGER.LAST_SEEN,
        expectFreshness: t.expect.lastSeen,
        set,
      }));
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /** Records that `destination` was told of version `ver` (never moves it backwards). */
  public async markNotified(pk: string, destination: ReportDestination, ver: number): Promise<void> {
    try {
      await this.call('UpdateItem', markNotifiedInput(this.tableName, LEDGER.PK, pk, notifiedAttribute(destination), ver));
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  /** Creates the item of a declared source never seen; false if it exists already. */
  public async createExpected(item: LedgerItem): Promise<boolean> {
    try {
      await this.call('PutItem', {
        TableName: this.tableName,
        Item: {
          [LEDGER.PK]: { S: item.pk },
          [LEDGER.ACCOUNT]: { S: item.account },
          [LEDGER.REGION]: { S: item.region },
          [LEDGER.RULE]: { S: item.rule },
          [LEDGER.EXPECTED_SINCE]: { N: String(item.expectedSince) },
        },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': LEDGER.PK },
      });
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }
}
