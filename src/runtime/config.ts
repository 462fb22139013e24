/**
 * The forwarder's environment contract, read and validated once per container (at cold start). A mistake
 * here fails every invocation loudly (the messages stay in the queue and end in its dead-letter queue)
 * instead of importing findings with the wrong account or severity.
 *
 * | Variable             | Default             | Meaning                                                          |
 * | -------------------- | ------------------- | ---------------------------------------------------------------- |
 * | ATTRIBUTION_MODE     | FORWARDER_ACCOUNT   | FORWARDER_ACCOUNT or SOURCE_ACCOUNT (see attribution.ts)          |
 * | MEMBER_ROLE_NAME     | (required in SOURCE_ACCOUNT mode) | role name assumed in each source account            |
 * | SEVERITY_OVERRIDES   | {}                  | JSON object `{"RESTORE:FAILED":"CRITICAL", ...}`                  |
 * | REQUESTS_PER_SECOND  | 5                   | BatchImportFindings calls per second per container and target    |
 * | BURST                | 10                  | calls allowed at once after a quiet period                        |
 *
 * Endpoints come from the SDK's own variables (`AWS_ENDPOINT_URL_SECURITYHUB`, `AWS_ENDPOINT_URL_STS`), the
 * Region from `AWS_REGION`, and logging from Powertools' (`POWERTOOLS_LOG_LEVEL`, ...).
 */
import { SeverityOverrides } from './severity';
import { ENV, RATE_BUDGET } from '../shared/contract';
import { FindingAttribution, FindingSeverity } from '../shared/findings';
import { overridableSeverityKeys } from '../shared/jobs';
import { ROLE_NAME, ROLE_NAME_EXPECTED } from '../shared/names';

/** The validated configuration. */
export interface ForwarderConfig {
  readonly attributionMode: FindingAttribution;
  readonly memberRoleName?: string;
  readonly severityOverrides: SeverityOverrides;
  readonly requestsPerSecond: number;
  readonly burst: number;
}

/** A configuration mistake. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration from environment variables. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ForwarderConfig {
  const mode = (env[ENV.ATTRIBUTION_MODE] ?? '').trim() || FindingAttribution.FORWARDER_ACCOUNT;
  if (!Object.values(FindingAttribution).includes(mode as FindingAttribution)) {
    throw new ConfigError(`ATTRIBUTION_MODE is '${mode}', expected one of ${Object.values(FindingAttribution).join(', ')}`);
  }
  const roleName = (env[ENV.MEMBER_ROLE_NAME] ?? '').trim() || undefined;
  if (mode === FindingAttribution.SOURCE_ACCOUNT && roleName === undefined) {
    throw new ConfigError('MEMBER_ROLE_NAME is required when ATTRIBUTION_MODE is SOURCE_ACCOUNT: set it to the role name the forwarder assumes in each source account');
  }
  if (roleName !== undefined && !ROLE_NAME.test(roleName)) {
    throw new ConfigError(`MEMBER_ROLE_NAME is '${roleName}', expected ${ROLE_NAME_EXPECTED}`);
  }
  return {
    attributionMode: mode as FindingAttribution,
    memberRoleName: roleName,
    severityOverrides: parseSeverityOverrides(env[ENV.SEVERITY_OVERRIDES]),
    requestsPerSecond: positiveNumber(ENV.REQUESTS_PER_SECOND, env[ENV.REQUESTS_PER_SECOND], RATE_BUDGET.IMPORTS_PER_SECOND, false),
    burst: positiveNumber(ENV.BURST, env[ENV.BURST], RATE_BUDGET.IMPORT_BURST, true),
  };
}

/**
 * Parses `SEVERITY_OVERRIDES`: a JSON object from `KIND:STATE` (see `overridableSeverityKeys()`) to a severity
 * label. Unknown keys are errors, not ignored: a typo would otherwise silently keep the default.
 */
export function parseSeverityOverrides(json: string | undefined): Map<string, FindingSeverity> {
  const out = new Map<string, FindingSeverity>();
  if (json === undefined || json.trim() === '') return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new ConfigError(`SEVERITY_OVERRIDES is not valid JSON (${(err as Error).message}); expected an object such as {"RESTORE:FAILED":"CRITICAL"}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('SEVERITY_OVERRIDES must be a JSON object such as {"RESTORE:FAILED":"CRITICAL"}');
  }
  const keys = overridableSeverityKeys();
  const labels = Object.values(FindingSeverity) as string[];
  for (const [key, value] of Object.entries(parsed)) {
    const k = key.trim().toUpperCase();
    if (!keys.includes(k)) {
      throw new ConfigError(`SEVERITY_OVERRIDES has key '${key}', expected one of ${keys.join(', ')} (progress and success states have no severity)`);
    }
    const v = typeof value === 'string' ? value.trim().toUpperCase() : '';
    if (!labels.includes(v)) {
      throw new ConfigError(`SEVERITY_OVERRIDES['${key}'] is ${JSON.stringify(value)}, expected one of ${labels.join(', ')}`);
    }
    out.set(k, v as FindingSeverity);
  }
  return out;
}

function positiveNumber(name: string, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new ConfigError(`${name} is '${raw}', expected a positive ${integer ? 'whole ' : ''}number`);
  }
  return n;
}
