import { Duration } from 'aws-cdk-lib';
import { HEARTBEAT_DETAIL_TYPE, HEARTBEAT_SOURCE, HEARTBEAT_TIMING } from '../shared/heartbeat';

/** A heartbeat interval or period: whole minutes from `min` seconds to 1 day; returns its seconds. */
export function checkInterval(owner: string, prop: string, interval: Duration, min: number = HEARTBEAT_TIMING.MIN_INTERVAL_SECONDS,
  example = 'Duration.hours(3) (the default)'): number {
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
