import { loadConfig, parseSeverityOverrides } from '../../src/runtime/config';
import { FindingAttribution, FindingSeverity } from '../../src/shared/findings';

describe('environment contract', () => {
  test('defaults', () => {
    expect(loadConfig({})).toEqual({
      attributionMode: FindingAttribution.FORWARDER_ACCOUNT,
      memberRoleName: undefined,
      severityOverrides: new Map(),
      requestsPerSecond: 5,
      burst: 10,
    });
  });

  test('everything set', () => {
    expect(loadConfig({
      ATTRIBUTION_MODE: 'SOURCE_ACCOUNT',
      MEMBER_ROLE_NAME: 'BackupFindingsImporter',
      SEVERITY_OVERRIDES: '{"restore:failed":"critical","SCAN:CANCELED":"INFORMATIONAL"}',
      REQUESTS_PER_SECOND: '2.5',
      BURST: '3',
    })).toEqual({
      attributionMode: FindingAttribution.SOURCE_ACCOUNT,
      memberRoleName: 'BackupFindingsImporter',
      severityOverrides: new Map([['RESTORE:FAILED', FindingSeverity.CRITICAL], ['SCAN:CANCELED', FindingSeverity.INFORMATIONAL]]),
      requestsPerSecond: 2.5,
      burst: 3,
    });
  });

  test.each<[string, Record<string, string>, RegExp]>([
    ['unknown mode', { ATTRIBUTION_MODE: 'CENTRAL' }, /ATTRIBUTION_MODE is 'CENTRAL', expected one of FORWARDER_ACCOUNT, SOURCE_ACCOUNT/],
    ['SOURCE_ACCOUNT without role', { ATTRIBUTION_MODE: 'SOURCE_ACCOUNT' }, /MEMBER_ROLE_NAME is required/],
    ['role name with a slash', { ATTRIBUTION_MODE: 'SOURCE_ACCOUNT', MEMBER_ROLE_NAME: 'path/role' }, /MEMBER_ROLE_NAME is 'path\/role'/],
    ['overrides not JSON', { SEVERITY_OVERRIDES: '{RESTORE:FAILED=HIGH}' }, /SEVERITY_OVERRIDES is not valid JSON/],
    ['overrides an array', { SEVERITY_OVERRIDES: '["HIGH"]' }, /must be a JSON object/],
    ['unknown key', { SEVERITY_OVERRIDES: '{"RESTORE:EXPIRED":"HIGH"}' }, /has key 'RESTORE:EXPIRED', expected one of .*RESTORE:FAILED/],
    ['success state has no severity', { SEVERITY_OVERRIDES: '{"BACKUP:COMPLETED":"LOW"}' }, /has key 'BACKUP:COMPLETED'/],
    ['unknown label', { SEVERITY_OVERRIDES: '{"BACKUP:FAILED":"URGENT"}' }, /SEVERITY_OVERRIDES\['BACKUP:FAILED'\] is "URGENT"/],
    ['label not a string', { SEVERITY_OVERRIDES: '{"BACKUP:FAILED":70}' }, /is 70, expected one of INFORMATIONAL/],
    ['rate zero', { REQUESTS_PER_SECOND: '0' }, /REQUESTS_PER_SECOND is '0', expected a positive number/],
    ['rate not a number', { REQUESTS_PER_SECOND: 'fast' }, /REQUESTS_PER_SECOND/],
    ['burst fractional', { BURST: '2.5' }, /BURST is '2.5', expected a positive whole number/],
  ])('%s', (_name, env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  test('blank values mean the default', () => {
    expect(loadConfig({ ATTRIBUTION_MODE: ' ', SEVERITY_OVERRIDES: '', REQUESTS_PER_SECOND: '', BURST: ' ' })).toMatchObject({
      attributionMode: FindingAttribution.FORWARDER_ACCOUNT, requestsPerSecond: 5, burst: 10,
    });
    expect(parseSeverityOverrides(undefined).size).toBe(0);
  });
});
