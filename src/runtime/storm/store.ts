/**
 * The storm ledger's I/O: the few DynamoDB calls the recorder and the flusher make, on top of `DynamoDbCall`.
 * The recorder's writes are single-item updates whose conditions decide, atomically, whether an event is
 * published at once (`direct` below the threshold) or left for the digest, and refuse a window the flusher has
 * closed. The flusher claims a window's digest with a conditional write (src/runtime/episodes.ts style, with a
 * lease), so one digest is sent per window however many flushers run.
 */
import { StormGroup } from './group';
import {
  digestItemKey, groupItemKey, STORM_LEDGER as L, STORM_LIMITS, STORM_PENDING_INDEX,
} from '../../shared/storm';
import { DynamoDbCall, isConditionFailed } from '../heartbeat/aws-client';

const num = (v: any): number => (v?.N === undefined ? 0 : Number(v.N));
const str = (v: any): string | undefined => v?.S;

/** A group item as read back. */
export interface GroupItem {
  readonly pk: string;
  readonly window: number;
  readonly account: string;
  readonly region: string;
  readonly kind: string;
  readonly state?: string;
  readonly message: string;
  readonly direct: number;
  readonly digested: number;
  readonly samples: string[];
  readonly closed: boolean;
}

/** A group item from DynamoDB JSON. */
export function groupItemFrom(raw: Record<string, any>): GroupItem {
  return {
    pk: str(raw[L.PK]) ?? '',
    window: num(raw[L.WINDOW]),
    account: str(raw[L.ACCOUNT]) ?? '',
    region: str(raw[L.REGION]) ?? '',
    kind: str(raw[L.KIND]) ?? '',
    state: str(raw[L.STATE]),
    message: str(raw[L.MESSAGE]) ?? '',
    direct: num(raw[L.DIRECT]),
    digested: num(raw[L.DIGESTED]),
    samples: (raw[L.SAMPLES]?.SS ?? []) as string[],
    closed: raw[L.CLOSED]?.BOOL === true,
  };
}

/** The storm ledger of one table. */
export class StormStore {
  constructor(private readonly call: DynamoDbCall, public readonly tableName: string, private readonly windowSeconds: number) {}

  /** What every recorder write sets: the group's description, its window, the pending marker and the expiry. */
  private describe(window: number, g: StormGroup, state: string) {
    const expires = Math.floor(window / 1000) + this.windowSeconds + STORM_LIMITS.RETENTION_SECONDS;
    return {
      set: ['#window = :window', '#account = :account', '#region = :region', '#kind = :kind', '#message = :message',
        '#state = if_not_exists(#state, :state)', '#pending = :pending', '#expires = :expires'].join(', '),
      names: {
        '#window': L.WINDOW,
        '#account': L.ACCOUNT,
        '#region': L.REGION,
        '#kind': L.KIND,
        '#message': L.MESSAGE,
        '#state': L.STATE,
        '#pending': L.PENDING,
        '#expires': L.EXPIRES_AT,
        '#closed': L.CLOSED,
      },
      values: {
        ':window': { N: String(window) },
        ':account': { S: g.account },
        ':region': { S: g.region },
        ':kind': { S: g.kind },
        ':message': { S: g.message === '' ? '-' : g.message },
        ':state': { S: state },
        ':pending': { S: new Date(window).toISOString() },
        ':expires': { N: String(expires) },
        ':one': { N: '1' },
      },
    };
  }

  /**
   * Designates an event of `g` in `window` for publishing at once, if fewer than `threshold` were and the window is
   * open: true if it was (the item is created by the first), false otherwise.
   */
  public async tryDirect(window: number, g: StormGroup, state: string, threshold: number): Promise<boolean> {
    const d = this.describe(window, g, state);
    try {
      await this.call('UpdateItem', {
        TableName: this.tableName,
        Key: { [L.PK]: { S: groupItemKey(window, g.key) } },
        UpdateExpression: `SET ${d.set} ADD #direct :one`,
        ConditionExpression: 'attribute_not_exists(#closed) AND (attribute_not_exists(#direct) OR #direct < :threshold)',
        ExpressionAttributeNames: { ...d.names, '#direct': L.DIRECT },
        ExpressionAttributeValues: { ...d.values, ':threshold': { N: String(threshold) } },
      });
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /** Takes back a designation whose publish failed (the event is retried by SQS). */
  public async undoDirect(window: number, g: StormGroup): Promise<void> {
    await this.call('UpdateItem', {
      TableName: this.tableName,
      Key: { [L.PK]: { S: groupItemKey(window, g.key) } },
      UpdateExpression: 'ADD #direct :minus',
      ConditionExpression: 'attribute_exists(#direct) AND attribute_not_exists(#closed)',
      ExpressionAttributeNames: { '#direct': L.DIRECT, '#closed': L.CLOSED },
      ExpressionAttributeValues: { ':minus': { N: '-1' } },
    });
  }

  /** Counts an event of `g` for `window`'s digest: its new count, or undefined if the flusher closed the window. */
  public async addDigested(window: number, g: StormGroup, state: string): Promise<number | undefined> {
    const d = this.describe(window, g, state);
    try {
      const out = await this.call('UpdateItem', {
        TableName: this.tableName,
        Key: { [L.PK]: { S: groupItemKey(window, g.key) } },
        UpdateExpression: `SET ${d.set} ADD #digested :one`,
        ConditionExpression: 'attribute_not_exists(#closed)',
        ExpressionAttributeNames: { ...d.names, '#digested': L.DIGESTED },
        ExpressionAttributeValues: d.values,
        ReturnValues: 'UPDATED_NEW',
      });
      return num(out.Attributes?.[L.DIGESTED]);
    } catch (err) {
      if (isConditionFailed(err)) return undefined;
      throw err;
    }
  }

  /** Adds a sample resource, while the group keeps fewer than `STORM_LIMITS.SAMPLES`. */
  public async addSample(window: number, g: StormGroup, resourceArn: string): Promise<void> {
    try {
      await this.call('UpdateItem', {
        TableName: this.tableName,
        Key: { [L.PK]: { S: groupItemKey(window, g.key) } },
        UpdateExpression: 'ADD #samples :r',
        ConditionExpression: 'attribute_not_exists(#closed) AND (attribute_not_exists(#samples) OR size(#samples) < :max)',
        ExpressionAttributeNames: { '#samples': L.SAMPLES, '#closed': L.CLOSED },
        ExpressionAttributeValues: { ':r': { SS: [resourceArn] }, ':max': { N: String(STORM_LIMITS.SAMPLES) } },
      });
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  /** The events of `g` left for the digest of `window` (0 if none): a storm still going on there. */
  public async digestedIn(window: number, g: StormGroup): Promise<number> {
    const out = await this.call('GetItem', {
      TableName: this.tableName,
      Key: { [L.PK]: { S: groupItemKey(window, g.key) } },
      ProjectionExpression: '#digested',
      ExpressionAttributeNames: { '#digested': L.DIGESTED },
      ConsistentRead: true,
    });
    return num(out.Item?.[L.DIGESTED]);
  }

  /** Every group waiting for its digest (the sparse index: nothing to read when the ledger is quiet). */
  public async pendingGroups(): Promise<GroupItem[]> {
    const items: GroupItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call('Scan', {
        TableName: this.tableName,
        IndexName: STORM_PENDING_INDEX,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      });
      for (const raw of out.Items ?? []) items.push(groupItemFrom(raw));
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  /**
   * Claims the digest of `window`: true if this flusher may send it (never sent, and not claimed by another within
   * the lease), false otherwise.
   */
  public async claimDigest(window: number, now: number): Promise<boolean> {
    try {
      await this.call('UpdateItem', {
        TableName: this.tableName,
        Key: { [L.PK]: { S: digestItemKey(window) } },
        UpdateExpression: 'SET #claimed = :now, #window = :window, #expires = :expires',
        ConditionExpression: 'attribute_not_exists(#sent) AND (attribute_not_exists(#claimed) OR #claimed < :cutoff)',
        ExpressionAttributeNames: { '#claimed': L.CLAIMED_AT, '#sent': L.SENT_AT, '#window': L.WINDOW, '#expires': L.EXPIRES_AT },
        ExpressionAttributeValues: {
          ':now': { N: String(now) },
          ':window': { N: String(window) },
          ':cutoff': { N: String(now - STORM_LIMITS.CLAIM_LEASE_SECONDS * 1000) },
          ':expires': { N: String(Math.floor(window / 1000) + this.windowSeconds + STORM_LIMITS.RETENTION_SECONDS) },
        },
      });
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /** Whether the digest of `window` was sent. */
  public async digestSent(window: number): Promise<boolean> {
    const out = await this.call('GetItem', { TableName: this.tableName, Key: { [L.PK]: { S: digestItemKey(window) } }, ConsistentRead: true });
    return out.Item?.[L.SENT_AT] !== undefined;
  }

  /** Closes a group item (later events go to the next window) and returns its final counts. */
  public async closeGroup(pk: string): Promise<GroupItem> {
    const out = await this.call('UpdateItem', {
      TableName: this.tableName,
      Key: { [L.PK]: { S: pk } },
      UpdateExpression: 'SET #closed = :true',
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: { '#closed': L.CLOSED, '#pk': L.PK },
      ExpressionAttributeValues: { ':true': { BOOL: true } },
      ReturnValues: 'ALL_NEW',
    });
    return groupItemFrom(out.Attributes ?? {});
  }

  /** Records that the digest of `window` was sent. */
  public async markSent(window: number, now: number, events: number, groups: number): Promise<void> {
    await this.call('UpdateItem', {
      TableName: this.tableName,
      Key: { [L.PK]: { S: digestItemKey(window) } },
      UpdateExpression: 'SET #sent = :now, #events = :events, #groups = :groups',
      ExpressionAttributeNames: { '#sent': L.SENT_AT, '#events': L.SENT_EVENTS, '#groups': L.SENT_GROUPS },
      ExpressionAttributeValues: { ':now': { N: String(now) }, ':events': { N: String(events) }, ':groups': { N: String(groups) } },
    });
  }

  /** Takes a group out of the sparse index (its digest was sent). */
  public async clearPending(pk: string): Promise<void> {
    await this.call('UpdateItem', {
      TableName: this.tableName,
      Key: { [L.PK]: { S: pk } },
      UpdateExpression: 'REMOVE #pending',
      ExpressionAttributeNames: { '#pending': L.PENDING },
    });
  }
}
