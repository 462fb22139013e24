/**
 * The protection functions' environment, read once at cold start: a configuration mistake fails the cold
 * start (an error the function's alarms see) instead of a run that silently checks nothing.
 */
import { OverdueSettings } from './overdue';
import { PROTECTION_ENV, PROTECTION_TIMING, ProtectionKind, RecoveryPointObjectiveRule } from '../../shared/protection';

/** The checker's configuration. */
export interface ProtectionCheckerConfig {
  readonly tableName: string;
  readonly alarmTopicArn: string;
  readonly chatTopicArn?: string;
  readonly settings: OverdueSettings;
  readonly securityHubFindings: boolean;
  /** The heartbeat ledger, read by the daily report. */
  readonly heartbeatTableName?: string;
  /** The daily report's IANA time zone. */
  readonly timeZone: string;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const v = env[name];
  if (v === undefined || v === '') throw new Error(`${name} is not set`);
  return v;
}

const strings = (v: unknown, what: string): string[] | undefined => {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`${PROTECTION_ENV.OBJECTIVES}: ${what} must be a list of strings, not ${JSON.stringify(v)}`);
  return v;
};

/** Parses `PROTECTION_OBJECTIVES` (JSON `RecoveryPointObjectiveRule[]`). */
export function parseObjectives(raw: string | undefined): RecoveryPointObjectiveRule[] {
  if (raw === undefined || raw === '') return [];
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${PROTECTION_ENV.OBJECTIVES} is not JSON (${(err as Error).message}): ${raw.slice(0, 80)}`);
  }
  if (!Array.isArray(v)) throw new Error(`${PROTECTION_ENV.OBJECTIVES} must be a JSON list, not ${raw.slice(0, 80)}`);
  return v.map((o: any) => {
    if (typeof o?.maxAgeSeconds !== 'number' || !(o.maxAgeSeconds > 0)) {
      throw new Error(`${PROTECTION_ENV.OBJECTIVES}: maxAgeSeconds must be a positive number, not ${JSON.stringify(o?.maxAgeSeconds)}`);
    }
    const kinds = strings(o.kinds, 'kinds');
    if (kinds?.some((k) => !(Object.values(ProtectionKind) as string[]).includes(k))) throw new Error(`${PROTECTION_ENV.OBJECTIVES}: unknown kind in ${JSON.stringify(kinds)}`);
    return {
      maxAgeSeconds: o.maxAgeSeconds,
      resourceTypes: strings(o.resourceTypes, 'resourceTypes'),
      vaults: strings(o.vaults, 'vaults'),
      accounts: strings(o.accounts, 'accounts'),
      kinds: kinds as ProtectionKind[] | undefined,
    };
  });
}

/** The checker's configuration from `env`. */
export function loadProtectionConfig(env: Record<string, string | undefined>): ProtectionCheckerConfig {
  const retire = env[PROTECTION_ENV.RETIRE_AFTER_SECONDS];
  const retireAfterSeconds = retire === undefined || retire === '' ? PROTECTION_TIMING.DEFAULT_RETIRE_AFTER_SECONDS : Number(retire);
  if (!Number.isInteger(retireAfterSeconds) || retireAfterSeconds < 1) {
    throw new Error(`${PROTECTION_ENV.RETIRE_AFTER_SECONDS} must be a positive integer, not ${JSON.stringify(retire)}`);
  }
  const timeZone = env[PROTECTION_ENV.REPORT_TIME_ZONE] || 'UTC';
  // Throws RangeError on a zone the runtime does not know.
  new Intl.DateTimeFormat('en-US', { timeZone });
  return {
    tableName: required(env, PROTECTION_ENV.TABLE_NAME),
    alarmTopicArn: required(env, PROTECTION_ENV.ALARM_TOPIC_ARN),
    chatTopicArn: env[PROTECTION_ENV.CHAT_TOPIC_ARN] || undefined,
    settings: { objectives: parseObjectives(env[PROTECTION_ENV.OBJECTIVES]), retireAfterSeconds, graceSeconds: PROTECTION_TIMING.GRACE_SECONDS },
    securityHubFindings: env[PROTECTION_ENV.SECURITY_HUB_FINDINGS] === 'true',
    heartbeatTableName: env[PROTECTION_ENV.HEARTBEAT_TABLE_NAME] || undefined,
    timeZone,
  };
}

/** The recorder's table name from `env`. */
export function loadRecorderTable(env: Record<string, string | undefined>): string {
  return required(env, PROTECTION_ENV.TABLE_NAME);
}
