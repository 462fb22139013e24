/**
 * The protection functions' environment: a configuration mistake (objectives that are not a JSON list of
 * rules, an unknown job kind, a retirement that is not a positive number of seconds, a time zone the runtime
 * does not know, a missing table or topic) fails the cold start with a message that names the variable and
 * shows the value; an unset optional variable takes the contract's default.
 *
 * Governing pages:
 * - "Working with Lambda environment variables", https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
 * - "Intl.DateTimeFormat" (an unknown timeZone throws RangeError),
 *   https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Intl/DateTimeFormat
 */
import { loadProtectionConfig, loadRecorderTable, parseObjectives } from '../../../src/runtime/protection/config';
import { DEFAULT_OVERDUE_SETTINGS } from '../../../src/runtime/protection/overdue';
import { PROTECTION_ENV, PROTECTION_TIMING, ProtectionKind } from '../../../src/shared/protection';

const BASE = {
  [PROTECTION_ENV.TABLE_NAME]: 'protection-ledger',
  [PROTECTION_ENV.ALARM_TOPIC_ARN]: 'arn:aws:sns:eu-west-1:999999999999:alarms',
};

test('defaults: no objectives, retire after 30 days, 1 h grace, no findings, no heartbeat table, UTC', () => {
  expect(loadProtectionConfig(BASE)).toEqual({
    tableName: 'protection-ledger',
    alarmTopicArn: 'arn:aws:sns:eu-west-1:999999999999:alarms',
    settings: DEFAULT_OVERDUE_SETTINGS,
    securityHubFindings: false,
    heartbeatTableName: undefined,
    timeZone: 'UTC',
  });
  expect(DEFAULT_OVERDUE_SETTINGS).toEqual({
    objectives: [], retireAfterSeconds: PROTECTION_TIMING.DEFAULT_RETIRE_AFTER_SECONDS, graceSeconds: PROTECTION_TIMING.GRACE_SECONDS,
  });
  // Empty strings (CloudFormation writes them for unset optional values) are unset too.
  expect(loadProtectionConfig({
    ...BASE, [PROTECTION_ENV.OBJECTIVES]: '', [PROTECTION_ENV.RETIRE_AFTER_SECONDS]: '', [PROTECTION_ENV.REPORT_TIME_ZONE]: '', [PROTECTION_ENV.HEARTBEAT_TABLE_NAME]: '',
  })).toEqual(loadProtectionConfig(BASE));
});

test('every variable set', () => {
  const config = loadProtectionConfig({
    ...BASE,
    [PROTECTION_ENV.OBJECTIVES]: JSON.stringify([
      { maxAgeSeconds: 3600, resourceTypes: ['RDS'], vaults: ['prod'], accounts: ['111122223333'], kinds: ['BACKUP'] },
      { maxAgeSeconds: 86_400 },
    ]),
    [PROTECTION_ENV.RETIRE_AFTER_SECONDS]: '604800',
    [PROTECTION_ENV.SECURITY_HUB_FINDINGS]: 'true',
    [PROTECTION_ENV.HEARTBEAT_TABLE_NAME]: 'heartbeat-ledger',
    [PROTECTION_ENV.REPORT_TIME_ZONE]: 'Europe/Berlin',
  });
  expect(config).toMatchObject({
    settings: {
      objectives: [
        { maxAgeSeconds: 3600, resourceTypes: ['RDS'], vaults: ['prod'], accounts: ['111122223333'], kinds: [ProtectionKind.BACKUP] },
        { maxAgeSeconds: 86_400 },
      ],
      retireAfterSeconds: 604_800,
    },
    securityHubFindings: true,
    heartbeatTableName: 'heartbeat-ledger',
    timeZone: 'Europe/Berlin',
  });
});

describe('mistakes fail the cold start with a clear message', () => {
  test.each<[string, Record<string, string>, RegExp]>([
    ['objectives not JSON', { [PROTECTION_ENV.OBJECTIVES]: '[{maxAgeSeconds: 3600}]' }, /^PROTECTION_OBJECTIVES is not JSON \(.*\): \[\{maxAgeSeconds: 3600\}\]$/],
    ['objectives not a list', { [PROTECTION_ENV.OBJECTIVES]: '{"maxAgeSeconds":3600}' }, /PROTECTION_OBJECTIVES must be a JSON list, not \{"maxAgeSeconds":3600\}/],
    ['an objective without maxAgeSeconds', { [PROTECTION_ENV.OBJECTIVES]: '[{"vaults":["prod"]}]' }, /PROTECTION_OBJECTIVES: maxAgeSeconds must be a positive number, not undefined/],
    ['a zero maxAgeSeconds', { [PROTECTION_ENV.OBJECTIVES]: '[{"maxAgeSeconds":0}]' }, /maxAgeSeconds must be a positive number, not 0/],
    ['maxAgeSeconds as a string', { [PROTECTION_ENV.OBJECTIVES]: '[{"maxAgeSeconds":"3600"}]' }, /maxAgeSeconds must be a positive number, not "3600"/],
    ['an unknown kind', { [PROTECTION_ENV.OBJECTIVES]: '[{"maxAgeSeconds":3600,"kinds":["RESTORE"]}]' }, /PROTECTION_OBJECTIVES: unknown kind in \["RESTORE"\]/],
    ['vaults not a list of strings', { [PROTECTION_ENV.OBJECTIVES]: '[{"maxAgeSeconds":3600,"vaults":"prod"}]' }, /vaults must be a list of strings, not "prod"/],
    ['retire seconds not a number', { [PROTECTION_ENV.RETIRE_AFTER_SECONDS]: '30d' }, /PROTECTION_RETIRE_AFTER_SECONDS must be a positive integer, not "30d"/],
    ['retire seconds zero', { [PROTECTION_ENV.RETIRE_AFTER_SECONDS]: '0' }, /PROTECTION_RETIRE_AFTER_SECONDS must be a positive integer, not "0"/],
    ['retire seconds fractional', { [PROTECTION_ENV.RETIRE_AFTER_SECONDS]: '1.5' }, /PROTECTION_RETIRE_AFTER_SECONDS must be a positive integer/],
    ['an unknown time zone', { [PROTECTION_ENV.REPORT_TIME_ZONE]: 'Europe/Atlantis' }, /time zone|timeZone|Europe\/Atlantis/i],
    ['no table', { [PROTECTION_ENV.TABLE_NAME]: '' }, /PROTECTION_TABLE_NAME is not set/],
    ['no topic', { [PROTECTION_ENV.ALARM_TOPIC_ARN]: '' }, /PROTECTION_ALARM_TOPIC_ARN is not set/],
  ])('%s', (_case, env, message) => {
    expect(() => loadProtectionConfig({ ...BASE, ...env })).toThrow(message);
  });

  test('an unknown time zone is a RangeError (the runtime\'s own check)', () => {
    expect(() => loadProtectionConfig({ ...BASE, [PROTECTION_ENV.REPORT_TIME_ZONE]: 'Europe/Atlantis' })).toThrow(RangeError);
  });
});

test('objectives: unset and empty are none; the recorder needs only its table', () => {
  expect(parseObjectives(undefined)).toEqual([]);
  expect(parseObjectives('')).toEqual([]);
  expect(parseObjectives('[]')).toEqual([]);
  expect(loadRecorderTable(BASE)).toBe('protection-ledger');
  expect(() => loadRecorderTable({})).toThrow(/PROTECTION_TABLE_NAME is not set/);
});
