/**
 * The ledger writer's pure part: a heartbeat (an EventBridge event, as the SQS buffer delivers it) becomes one
 * conditional write of its source's item. No I/O here.
 *
 * The write moves `lastSeen` forward only (`attribute_not_exists(lastSeen) OR lastSeen < :seen`): a late or
 * duplicated heartbeat, or one that lost the race with a newer one, changes nothing. It never touches the
 * checker's attributes (state, version, notified), so writer and checker never undo each other's work.
 */
import {
  HEARTBEAT_DETAIL_TYPE, HEARTBEAT_SCHEMA_VERSION, HEARTBEAT_SOURCE, HEARTBEAT_TIMING, LEDGER, REGION_NAME, RULE_ID, sourceKey,
} from '../../shared/heartbeat';
import { ACCOUNT_ID } from '../../shared/names';

/** A record that can never be written (not a heartbeat, or a malformed one): retrying cannot help. */
export class MalformedHeartbeatError extends Error {
  constructor(public readonly reason: string, message: string) {
    super(message);
    this.name = 'MalformedHeartbeatError';
  }
}

/** What one heartbeat says, read from its envelope (account, Region, time) and detail (rule, interval). */
export interface Heartbeat {
  readonly pk: string;
  readonly account: string;
  readonly region: string;
  readonly rule: string;
  /** When it was sent (epoch ms): the event's `time`, or the writer's clock if that is in the future. */
  readonly seenAt: number;
  readonly intervalSeconds: number;
}

/**
 * Parses one SQS message body (an EventBridge event). `now` is the writer's clock (epoch ms): a heartbeat
 * dated more than `MAX_FUTURE_SKEW_SECONDS` ahead of it is taken as sent now, so that one skewed clock cannot
 * hold a source "alive" in the future.
 */
export function parseHeartbeat(body: string, now: number): Heartbeat {
  let ev: any;
  try {
    ev = JSON.parse(body);
  } catch {
    throw new MalformedHeartbeatError('NOT_JSON', 'the message body is not JSON');
  }
  if (typeof ev !== 'object' || ev === null) throw new MalformedHeartbeatError('NOT_AN_EVENT', 'the message body is not an event');
  if (ev.source !== HEARTBEAT_SOURCE || ev['detail-type'] !== HEARTBEAT_DETAIL_TYPE) {
    throw new MalformedHeartbeatError('NOT_A_HEARTBEAT', `not a heartbeat: source ${JSON.stringify(ev.source)}, detail-type ${JSON.stringify(ev['detail-type'])}`);
  }
  const account = ev.account;
  const region = ev.region;
  if (typeof account !== 'string' || !ACCOUNT_ID.test(account)) throw new MalformedHeartbeatError('BAD_ACCOUNT', `bad account ${JSON.stringify(account)}`);
  if (typeof region !== 'string' || !REGION_NAME.test(region)) throw new MalformedHeartbeatError('BAD_REGION', `bad region ${JSON.stringify(region)}`);
  const detail = ev.detail ?? {};
  if (typeof detail.schemaVersion !== 'number' || detail.schemaVersion < HEARTBEAT_SCHEMA_VERSION) {
    throw new MalformedHeartbeatError('BAD_SCHEMA', `bad schemaVersion ${JSON.stringify(detail.schemaVersion)}`);
  }
  const rule = detail.rule;
  if (typeof rule !== 'string' || !RULE_ID.test(rule)) throw new MalformedHeartbeatError('BAD_RULE', `bad rule ${JSON.stringify(rule)}`);
  const interval = detail.intervalSeconds;
  if (typeof interval !== 'number' || !Number.isInteger(interval)
    || interval < HEARTBEAT_TIMING.MIN_INTERVAL_SECONDS || interval > HEARTBEAT_TIMING.MAX_INTERVAL_SECONDS) {
    throw new MalformedHeartbeatError('BAD_INTERVAL', `bad intervalSeconds ${JSON.stringify(interval)}`);
  }
  const time = typeof ev.time === 'string' ? Date.parse(ev.time) : NaN;
  if (!Number.isFinite(time)) throw new MalformedHeartbeatError('BAD_TIME', `bad time ${JSON.stringify(ev.time)}`);
  const seenAt = time > now + HEARTBEAT_TIMING.MAX_FUTURE_SKEW_SECONDS * 1000 ? now : time;
  return { pk: sourceKey(account, region, rule), account, region, rule, seenAt, intervalSeconds: interval };
}

/**
 * The newest heartbeat per source of a batch, with the message ids each write answers for: one write per
 * source and batch, and if it fails, every message of that source is retried.
 */
export function newestPerSource(items: Array<{ ref: string; heartbeat: Heartbeat }>): Array<{ heartbeat: Heartbeat; refs: string[] }> {
  const bySource = new Map<string, { heartbeat: Heartbeat; refs: string[] }>();
  for (const { ref, heartbeat } of items) {
    const known = bySource.get(heartbeat.pk);
    if (known === undefined) {
      bySource.set(heartbeat.pk, { heartbeat, refs: [ref] });
    } else {
      known.refs.push(ref);
      if (heartbeat.seenAt > known.heartbeat.seenAt) known.heartbeat = heartbeat;
    }
  }
  return [...bySource.values()];
}

/** The UpdateItem input (DynamoDB JSON) that records `hb` unless the ledger already holds a heartbeat as new. */
export function recordHeartbeatInput(tableName: string, hb: Heartbeat): Record<string, unknown> {
  return {
    TableName: tableName,
    Key: { [LEDGER.PK]: { S: hb.pk } },
    UpdateExpression: 'SET #account = :account, #region = :region, #rule = :rule, #lastSeen = :seen, #interval = :interval, '
      + '#expires = :expires, #firstSeen = if_not_exists(#firstSeen, :seen)',
    ConditionExpression: 'attribute_not_exists(#lastSeen) OR #lastSeen < :seen',
    ExpressionAttributeNames: {
      '#account': LEDGER.ACCOUNT,
      '#region': LEDGER.REGION,
      '#rule': LEDGER.RULE,
      '#lastSeen': LEDGER.LAST_SEEN,
      '#interval': LEDGER.INTERVAL_SECONDS,
      '#expires': LEDGER.EXPIRES_AT,
      '#firstSeen': LEDGER.FIRST_SEEN,
    },
    ExpressionAttributeValues: {
      ':account': { S: hb.account },
      ':region': { S: hb.region },
      ':rule': { S: hb.rule },
      ':seen': { N: String(hb.seenAt) },
      ':interval': { N: String(hb.intervalSeconds) },
      ':expires': { N: String(Math.floor(hb.seenAt / 1000) + HEARTBEAT_TIMING.RETENTION_SECONDS) },
    },
    ReturnConsumedCapacity: 'TOTAL',
  };
}
