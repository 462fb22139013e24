/**
 * The heartbeat functions' environment, read once at cold start: a configuration mistake fails the cold start
 * (an error the function's alarms see) instead of a run that silently checks nothing.
 */
import { CheckerSettings } from './checker';
import { ExpectedSources, HEARTBEAT_ENV, HEARTBEAT_TIMING, REGION_NAME, RULE_ID } from '../../shared/heartbeat';
import { ACCOUNT_ID } from '../../shared/names';

/** The checker's configuration. */
export interface CheckerConfig {
  readonly tableName: string;
  readonly alarmTopicArn?: string;
  readonly pipelineTopicArn?: string;
  readonly chatTopicArn?: string;
  readonly settings: CheckerSettings;
  readonly expected?: ExpectedSources;
  /** Import a Security Hub finding per silence. */
  readonly securityHubFindings: boolean;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const v = env[name];
  if (v === undefined || v === '') throw new Error(`${name} is not set`);
  return v;
}

function positiveInteger(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not ${JSON.stringify(raw)}`);
  return n;
}

/** Parses `HEARTBEAT_EXPECTED_SOURCES` (JSON `{"accounts":[],"regions":[],"rules":[]}`). */
export function parseExpected(raw: string | undefined): ExpectedSources | undefined {
  if (raw === undefined || raw === '') return undefined;
  const v = JSON.parse(raw);
  const list = (key: string, re: RegExp): string[] => {
    const a = v?.[key];
    if (!Array.isArray(a) || a.some((x) => typeof x !== 'string' || !re.test(x))) {
      throw new Error(`${HEARTBEAT_ENV.EXPECTED_SOURCES}.${key} must be a list of valid values, not ${JSON.stringify(a)}`);
    }
    return a;
  };
  return { accounts: list('accounts', ACCOUNT_ID), regions: list('regions', REGION_NAME), rules: list('rules', RULE_ID) };
}

/** The checker's configuration from `env`. */
export function loadCheckerConfig(env: Record<string, string | undefined>): CheckerConfig {
  return {
    tableName: required(env, HEARTBEAT_ENV.TABLE_NAME),
    alarmTopicArn: env[HEARTBEAT_ENV.ALARM_TOPIC_ARN] || undefined,
    pipelineTopicArn: env[HEARTBEAT_ENV.PIPELINE_TOPIC_ARN] || undefined,
    chatTopicArn: env[HEARTBEAT_ENV.CHAT_TOPIC_ARN] || undefined,
    settings: {
      missedIntervals: positiveInteger(env, HEARTBEAT_ENV.MISSED_INTERVALS, HEARTBEAT_TIMING.DEFAULT_MISSED_INTERVALS),
      expectedIntervalSeconds: positiveInteger(env, HEARTBEAT_ENV.EXPECTED_INTERVAL_SECONDS, HEARTBEAT_TIMING.DEFAULT_INTERVAL_SECONDS),
      graceSeconds: HEARTBEAT_TIMING.GRACE_SECONDS,
    },
    expected: parseExpected(env[HEARTBEAT_ENV.EXPECTED_SOURCES]),
    securityHubFindings: env[HEARTBEAT_ENV.SECURITY_HUB_FINDINGS] === 'true',
  };
}

/** The writer's table name from `env`. */
export function loadWriterTable(env: Record<string, string | undefined>): string {
  return required(env, HEARTBEAT_ENV.TABLE_NAME);
}
