import { Duration } from 'aws-cdk-lib';
import { HEARTBEAT_TIMING } from '../shared/heartbeat';

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
