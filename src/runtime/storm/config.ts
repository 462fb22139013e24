/**
 * The storm functions' environment, read once at cold start: a configuration mistake fails the cold start (an
 * error the function's alarms see) instead of a run that silently holds alarms back.
 */
import { StormSettings } from './run';
import { STORM_ENV, STORM_LIMITS } from '../../shared/storm';

/** The storm functions' configuration. */
export interface StormConfig {
  readonly tableName: string;
  readonly alarmTopicArn: string;
  readonly chatTopicArn?: string;
  readonly settings: StormSettings;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const v = env[name];
  if (v === undefined || v === '') throw new Error(`${name} is not set`);
  return v;
}

function wholeNumber(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  const v = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  return v;
}

/** The configuration from `env`. */
export function loadStormConfig(env: Record<string, string | undefined>): StormConfig {
  return {
    tableName: required(env, STORM_ENV.TABLE_NAME),
    alarmTopicArn: required(env, STORM_ENV.ALARM_TOPIC_ARN),
    chatTopicArn: env[STORM_ENV.CHAT_TOPIC_ARN] || undefined,
    settings: {
      windowSeconds: wholeNumber(env, STORM_ENV.WINDOW_SECONDS, STORM_LIMITS.DEFAULT_WINDOW_SECONDS,
        STORM_LIMITS.MIN_WINDOW_SECONDS, STORM_LIMITS.MAX_WINDOW_SECONDS),
      threshold: wholeNumber(env, STORM_ENV.THRESHOLD, STORM_LIMITS.DEFAULT_THRESHOLD, 1, STORM_LIMITS.MAX_THRESHOLD),
    },
  };
}
