import { Duration } from 'aws-cdk-lib';
import { HEARTBEAT_DETAIL_TYPE, HEARTBEAT_SOURCE, HEARTBEAT_TIMING } from '../shared/heartbeat';

/**
 * The default heartbeat interval of the constructs (BackupHeartbeat, the forwarding rules, HeartbeatMonitor's
 * `expectedInterval`): 8 hours. Chosen from the cost model (test/bench/cost-model.ts): the default deployment
 * sends two heartbeats per account and Region (failure and tamper rules), 34,000 sources at 1,000 accounts x
 * 17 Regions, at about 4 USD per million heartbeats end to end (Scheduler, the put on the default bus, the
 * cross-account delivery, SQS, one ledger write); 8 hours is the shortest whole-hour interval that keeps that
 * deployment at or under 40 USD a month (7 hours: 40.29; 3 hours: 59.35). With the default 2 missed intervals,
 * silence is reported within 2 x 8 h + 5 min + 15 min = 16 h 20 min.
 */
export const DEFAULT_HEARTBEAT_INTERVAL = Duration.hours(8);

/** A heartbeat interval or period: whole minutes from `min` seconds to 1 day; returns its seconds. */
export function checkInterval(owner: string, prop: string, interval: Duration, min: number = HEARTBEAT_TIMING.MIN_INTERVAL_SECONDS,
  example = 'Duration.hours(8) (the default)'): number {
  if (interval.isUnresolved()) throw new Error(`${owner}: ${prop} must be a concrete duration, not a token`);
  const seconds = interval.toSeconds();
  if (seconds < min || seconds > HEARTBEAT_TIMING.MAX_INTERVAL_SECONDS || seconds % 60 !== 0) {
    throw new Error(`${owner}: ${prop} must be whole minutes from ${min / 60} minutes to 1 day, got ${interval.toHumanString()}; `
      + `for example ${example}`);
  }
  return seconds;
}

/**
 * `untrustedEventsPattern()` (events whose source does not start with `aws.`) without the library's own
 * heartbeats, which would otherwise raise the UntrustedEventsAlarm every interval from every source. A
 * heartbeat-source event with any other detail-type is still counted as untrusted. For the lead: the body of
 * `untrustedEventsPattern()` once heartbeats are wired in.
 */
export function untrustedExceptHeartbeatsPattern(): { [key: string]: any } {
  return {
    $or: [
      { source: [{ 'anything-but': { wildcard: ['aws.*', HEARTBEAT_SOURCE] } }] },
      { 'source': [HEARTBEAT_SOURCE], 'detail-type': [{ 'anything-but': [HEARTBEAT_DETAIL_TYPE] }] },
    ],
  };
}
