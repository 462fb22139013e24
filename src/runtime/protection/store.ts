/**
 * The protection ledger's I/O: the few DynamoDB calls the recorder and the checker make, on top of
 * `DynamoDbCall`, and the conversion of its items from DynamoDB JSON. The decisions live in overdue.ts.
 *
 * Writes are commutative, so duplicated and out-of-order events need no read: a success is `ADD`ed to the
 * item's number set of successes (a set: the same time twice is one), a failure replaces the last failure only
 * if it is newer (a conditional write), and activity counters are `ADD`ed.
 */
import { ActivityItem, ProtectionItem } from './item';
import { notifiedAttribute, ProtectionTransition } from './overdue';
import { CounterFamily, Signal } from './recorder';
import {
  activityKey, hourOf, KEY_PREFIX, OverdueDestination, PROTECTION_LEDGER as L, PROTECTION_TIMING, ProtectionKind, ProtectionState,
} from '../../shared/protection';
import { claimInput, markNotifiedInput } from '../episodes';
import { DynamoDbCall, isConditionFailed } from '../heartbeat/aws-client';

const num = (v: any): number | undefined => (v?.N === undefined ? undefined : Number(v.N));
const str = (v: any): string | undefined => v?.S;

const COUNTER_PREFIX: { readonly [family in CounterFamily]: string } = {
  [CounterFamily.JOB]: L.COUNT_PREFIX,
  [CounterFamily.TAMPER]: L.TAMPER_PREFIX,
  [CounterFamily.POLICY]: L.POLICY_PREFIX,
};

/** The activity item's attribute that counts `signal`. */
export function counterAttribute(signal: Signal): string {
  return `${COUNTER_PREFIX[signal.family]}${signal.counter}`;
}

/** A protection item from DynamoDB JSON. */
export function protectionFromDynamo(raw: Record<string, any>): ProtectionItem {
  const notified: Record<string, number> = {};
  for (const d of Object.values(OverdueDestination)) {
    const n = num(raw[notifiedAttribute(d)]);
    if (n !== undefined) notified[d] = n;
  }
  const state = str(raw[L.STATE]);
  return {
    pk: str(raw[L.PK]) ?? '',
    kind: str(raw[L.KIND]) === ProtectionKind.COPY ? ProtectionKind.COPY : ProtectionKind.BACKUP,
    account: str(raw[L.ACCOUNT]) ?? '',
    region: str(raw[L.REGION]) ?? '',
    resourceArn: str(raw[L.RESOURCE_ARN]) ?? '',
    resourceType: str(raw[L.RESOURCE_TYPE]),
    vault: str(raw[L.VAULT]) ?? '',
    planId: str(raw[L.PLAN_ID]),
    successes: ((raw[L.SUCCESSES]?.NS ?? []) as string[]).map(Number).sort((a, b) => a - b),
    successCount: num(raw[L.SUCCESS_COUNT]) ?? 0,
    lastFailureAt: num(raw[L.LAST_FAILURE_AT]),
    lastFailureState: str(raw[L.LAST_FAILURE_STATE]),
    lastFailureMessage: str(raw[L.LAST_FAILURE_MESSAGE]),
    lastFailureJob: str(raw[L.LAST_FAILURE_JOB]),
    state: state === ProtectionState.OVERDUE || state === ProtectionState.RETIRED ? state : ProtectionState.OK,
    ver: num(raw[L.VERSION]) ?? 0,
    overdueSince: num(raw[L.OVERDUE_SINCE]),
    changedAt: num(raw[L.CHANGED_AT]),
    retiredAt: num(raw[L.RETIRED_AT]),
    notified,
  };
}

/** An activity item from DynamoDB JSON. */
export function activityFromDynamo(raw: Record<string, any>): ActivityItem {
  const pick = (prefix: string) => Object.fromEntries(Object.entries(raw).filter(([k]) => k.startsWith(prefix))
    .map(([k, v]) => [k.slice(prefix.length), num(v) ?? 0]));
  const messages = Object.fromEntries(Object.entries(raw).filter(([k]) => k.startsWith(L.MESSAGE_PREFIX)).map(([k, v]) => [k.slice(L.MESSAGE_PREFIX.length), str(v) ?? '']));
  return {
    pk: str(raw[L.PK]) ?? '',
    hour: num(raw[L.HOUR]) ?? 0,
    account: str(raw[L.ACCOUNT]) ?? '',
    region: str(raw[L.REGION]) ?? '',
    jobs: pick(L.COUNT_PREFIX),
    tamper: pick(L.TAMPER_PREFIX),
    policy: pick(L.POLICY_PREFIX),
    messages,
  };
}

/** A page of the ledger, split by item type, and the read units it cost. */
export interface ProtectionPage {
  readonly protections: ProtectionItem[];
  readonly activity: ActivityItem[];
  readonly next?: Record<string, unknown>;
  readonly readUnits: number;
}

/** Status messages are cut to this many characters in the ledger (they are shown, never parsed). */
const MAX_MESSAGE = 500;

/** The protection ledger of one table. */
export class ProtectionStore {
  constructor(private readonly call: DynamoDbCall, public readonly tableName: string) {}

  /** Records a protection's success or failure (`signal.protection` must be set). */
  public async recordProtection(signal: Signal): Promise<void> {
    const p = signal.protection!;
    const expires = Math.floor(signal.at / 1000) + PROTECTION_TIMING.PROTECTION_RETENTION_SECONDS;
    const names: Record<string, string> = {
      '#kind': L.KIND, '#account': L.ACCOUNT, '#region': L.REGION, '#resource': L.RESOURCE_ARN, '#vault': L.VAULT, '#expires': L.EXPIRES_AT,
    };
    const values: Record<string, unknown> = {
      ':kind': { S: p.kind },
      ':account': { S: signal.account },
      ':region': { S: signal.region },
      ':resource': { S: p.resourceArn },
      ':vault': { S: p.vault },
      ':expires': { N: String(expires) },
    };
    const sets = ['#kind = :kind', '#account = :account', '#region = :region', '#resource = :resource', '#vault = :vault', '#expires = :expires'];
    const optional = (attribute: string, value: string | undefined) => {
      if (value === undefined) return;
      names[`#${attribute}`] = attribute;
      values[`:${attribute}`] = { S: value.slice(0, MAX_MESSAGE) };
      sets.push(`#${attribute} = :${attribute}`);
    };
    optional(L.RESOURCE_TYPE, p.resourceType);
    optional(L.PLAN_ID, p.planId);
    if (p.success) {
      names['#successes'] = L.SUCCESSES;
      names['#count'] = L.SUCCESS_COUNT;
      values[':at'] = { NS: [String(signal.at)] };
      values[':one'] = { N: '1' };
      const out = await this.call('UpdateItem', {
        TableName: this.tableName,
        Key: { [L.PK]: { S: p.pk } },
        UpdateExpression: `SET ${sets.join(', ')} ADD #successes :at, #count :one`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'UPDATED_NEW',
      });
      const kept = ((out.Attributes?.[L.SUCCESSES]?.NS ?? []) as string[]).map(Number).sort((a, b) => a - b);
      const { HISTORY_KEEP: keep, HISTORY_SLACK: slack } = PROTECTION_TIMING;
      if (kept.length > keep + slack) await this.trim(p.pk, kept.slice(0, kept.length - keep));
      return;
    }
    optional(L.LAST_FAILURE_STATE, p.state);
    optional(L.LAST_FAILURE_MESSAGE, p.message);
    optional(L.LAST_FAILURE_JOB, p.jobId);
    names['#failedAt'] = L.LAST_FAILURE_AT;
    values[':at'] = { N: String(signal.at) };
    sets.push('#failedAt = :at');
    try {
      await this.call('UpdateItem', {
        TableName: this.tableName,
        Key: { [L.PK]: { S: p.pk } },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_not_exists(#failedAt) OR #failedAt < :at',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
    } catch (err) {
      // A failure as old as the one recorded, or older: nothing to change.
      if (!isConditionFailed(err)) throw err;
    }
  }

  /** Removes the oldest successes beyond `HISTORY_KEEP` (a set DELETE: safe whatever ran in between). */
  private async trim(pk: string, oldest: number[]): Promise<void> {
    await this.call('UpdateItem', {
      TableName: this.tableName,
      Key: { [L.PK]: { S: pk } },
      UpdateExpression: 'DELETE #successes :old',
      ExpressionAttributeNames: { '#successes': L.SUCCESSES },
      ExpressionAttributeValues: { ':old': { NS: oldest.map(String) } },
    });
  }

  /**
   * Adds a batch's counters of one hour, account and Region to its activity item: `counters` by attribute
   * suffix (`<family prefix><name>`), `messages` the newest failure message per job counter.
   */
  public async addActivity(hour: number, account: string, region: string, counters: Map<string, number>,
    messages: Map<string, string>): Promise<void> {
    const names: Record<string, string> = { '#hour': L.HOUR, '#account': L.ACCOUNT, '#region': L.REGION, '#expires': L.EXPIRES_AT };
    const values: Record<string, unknown> = {
      ':hour': { N: String(hourOf(hour)) },
      ':account': { S: account },
      ':region': { S: region },
      ':expires': { N: String(Math.floor(hourOf(hour) / 1000) + PROTECTION_TIMING.ACTIVITY_RETENTION_SECONDS) },
    };
    const sets = ['#hour = :hour', '#account = :account', '#region = :region', '#expires = :expires'];
    const adds: string[] = [];
    let i = 0;
    for (const [attribute, n] of counters) {
      names[`#c${i}`] = attribute;
      values[`:c${i}`] = { N: String(n) };
      adds.push(`#c${i} :c${i}`);
      i++;
    }
    for (const [counter, message] of messages) {
      names[`#c${i}`] = `${L.MESSAGE_PREFIX}${counter}`;
      values[`:c${i}`] = { S: message.slice(0, MAX_MESSAGE) };
      sets.push(`#c${i} = :c${i}`);
      i++;
    }
    await this.call('UpdateItem', {
      TableName: this.tableName,
      Key: { [L.PK]: { S: activityKey(hour, account, region) } },
      UpdateExpression: `SET ${sets.join(', ')}${adds.length > 0 ? ` ADD ${adds.join(', ')}` : ''}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }

  /** One page of the whole ledger (eventually consistent; 1 MB, DynamoDB's maximum). */
  public async scanPage(start?: Record<string, unknown>): Promise<ProtectionPage> {
    const out = await this.call('Scan', {
      TableName: this.tableName,
      ConsistentRead: false,
      ReturnConsumedCapacity: 'TOTAL',
      ...(start === undefined ? {} : { ExclusiveStartKey: start }),
    });
    const protections: ProtectionItem[] = [];
    const activity: ActivityItem[] = [];
    for (const raw of (out.Items ?? []) as Array<Record<string, any>>) {
      const pk = str(raw[L.PK]) ?? '';
      if (pk.startsWith(KEY_PREFIX.PROTECTION)) protections.push(protectionFromDynamo(raw));
      else if (pk.startsWith(KEY_PREFIX.ACTIVITY)) activity.push(activityFromDynamo(raw));
    }
    return { protections, activity, next: out.LastEvaluatedKey, readUnits: Number(out.ConsumedCapacity?.CapacityUnits ?? 0) };
  }

  /** One protection, strongly consistent (after a lost race); undefined if it is gone. */
  public async get(pk: string): Promise<ProtectionItem | undefined> {
    const out = await this.call('GetItem', { TableName: this.tableName, Key: { [L.PK]: { S: pk } }, ConsistentRead: true });
    return out.Item === undefined ? undefined : protectionFromDynamo(out.Item);
  }

  /** Claims a state change; false when the item moved on since it was read (a success, another run). */
  public async claim(t: ProtectionTransition): Promise<boolean> {
    const set: Record<string, Record<string, unknown>> = {
      [L.STATE]: { S: t.next.state }, [L.VERSION]: { N: String(t.next.ver) }, [L.CHANGED_AT]: { N: String(t.next.changedAt) },
    };
    if (t.next.overdueSince !== undefined) set[L.OVERDUE_SINCE] = { N: String(t.next.overdueSince) };
    try {
      await this.call('UpdateItem', claimInput({
        tableName: this.tableName,
        pkAttribute: L.PK,
        pk: t.pk,
        versionAttribute: L.VERSION,
        expectVersion: t.expect.ver,
        freshnessAttribute: L.SUCCESS_COUNT,
        expectFreshness: t.expect.successCount === 0 ? undefined : t.expect.successCount,
        set,
      }));
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /** Records that `destination` was told of version `ver` (never moves it backwards). */
  public async markNotified(pk: string, destination: OverdueDestination, ver: number): Promise<void> {
    try {
      await this.call('UpdateItem', markNotifiedInput(this.tableName, L.PK, pk, notifiedAttribute(destination), ver));
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }
}
