/** A heartbeat as the contract (src/shared/heartbeat.ts) defines it, for tests of patterns and of the runtime. */
import { HEARTBEAT_DETAIL_TYPE, HEARTBEAT_SCHEMA_VERSION, HEARTBEAT_SOURCE } from '../../src/shared/heartbeat';

/** An EventBridge heartbeat event as the central bus delivers it to the buffer queue. */
export function heartbeatEvent(o: {
  account: string; region: string; rule: string; time: number; intervalSeconds: number; id?: string;
}): Record<string, unknown> {
  return {
    'version': '0',
    'id': o.id ?? `hb-${o.account}-${o.region}-${o.rule}-${o.time}`,
    'detail-type': HEARTBEAT_DETAIL_TYPE,
    'source': HEARTBEAT_SOURCE,
    'account': o.account,
    'time': new Date(o.time).toISOString(),
    'region': o.region,
    'resources': [],
    'detail': { schemaVersion: HEARTBEAT_SCHEMA_VERSION, rule: o.rule, intervalSeconds: o.intervalSeconds },
  };
}
