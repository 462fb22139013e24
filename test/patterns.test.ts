/**
 * Proves the synthesized event patterns against AWS's documented example events with AWS's own pattern
 * engine, event-ruler (see test/ruler/ruler.ts): every failure example matches, every progress or success
 * example does not (unless completions were asked for), and the central bus's rules split failures,
 * successes and other events the way the emails and the Security Hub forwarder expect.
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BackupFailureRule, BackupFailureRuleProps, BackupJobKind, CentralAlarmBus } from '../src';
import { loadExampleEvents, matchMatrix } from './ruler/ruler';

const events = loadExampleEvents(path.join(__dirname, 'fixtures', 'backup-events'));

/** The documented examples that mean "this protection did not happen". */
const FAILURES = [
  'backup-failed', 'backup-aborted', 'backup-expired', 'backup-partial',
  'copy-failed', 'copy-partial',
  'restore-failed', 'restore-failed-with-vault', 'restore-failed-restore-testing', 'restore-aborted',
  'scan-failed', 'scan-completed_with_issues', 'scan-completed-threats',
];
/** Jobs that went well. */
const SUCCESSES = ['backup-completed', 'backup-completed-with-issues', 'copy-completed', 'restore-completed', 'scan-completed-no-threats'];
/** Jobs on their way, and events that are not job state changes. */
const NEITHER = Object.keys(events).filter((e) => !FAILURES.includes(e) && !SUCCESSES.includes(e));

function rulePattern(props: Partial<BackupFailureRuleProps>): unknown {
  const stack = new Stack(new App(), 'M', { env: { account: '222222222222', region: 'eu-west-1' } });
  new BackupFailureRule(stack, 'F', { centralBusArn: 'arn:aws:events:eu-west-1:111111111111:event-bus/c', ...props });
  const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
  return (Object.values(rules)[0] as any).Properties.EventPattern;
}

function matched(row: Record<string, boolean>): string[] {
  return Object.keys(row).filter((e) => row[e]).sort();
}

const m = matchMatrix({
  defaults: rulePattern({}),
  completions: rulePattern({ forwardCompletions: true }),
  noRestoreTesting: rulePattern({ excludeRestoreTestingJobs: true }),
  restoreOnly: rulePattern({ jobKinds: [BackupJobKind.RESTORE] }),
  ec2Only: rulePattern({ resourceTypes: ['EC2'] }),
  vault: rulePattern({ backupVaultNames: ['9ab3e749-82c6-4342-9320-5edbf4918b86'] }),
}, events);

test('the fixtures cover every group', () => {
  expect(FAILURES.every((f) => f in events)).toBe(true);
  expect(SUCCESSES.every((f) => f in events)).toBe(true);
  expect(NEITHER).toEqual(expect.arrayContaining(['backup-created', 'backup-running', 'backup-pending', 'restore-created', 'restore-pending', 'copy-running', 'scan-running', 'recovery-point-completed', 'backup-vault-deleted']));
});

describe('BackupFailureRule against documented events (event-ruler)', () => {
  test('defaults: every failure example matches, nothing else does', () => {
    expect(matched(m.defaults)).toEqual([...FAILURES].sort());
  });

  test('forwardCompletions: failures and successes, never progress events', () => {
    expect(matched(m.completions)).toEqual([...FAILURES, ...SUCCESSES].sort());
  });

  test('excludeRestoreTestingJobs drops only the restore-testing failure', () => {
    expect(matched(m.noRestoreTesting)).toEqual(FAILURES.filter((f) => f !== 'restore-failed-restore-testing').sort());
  });

  test('a restore failure is matched on detail.status', () => {
    expect(matched(m.restoreOnly)).toEqual(['restore-aborted', 'restore-failed', 'restore-failed-restore-testing', 'restore-failed-with-vault']);
  });

  test('resource type filter', () => {
    const expected = FAILURES.filter((f) => events[f].detail.resourceType === 'EC2').sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(matched(m.ec2Only)).toEqual(expected);
  });

  test('vault filter keeps the vault\'s backup and scan jobs and every restore', () => {
    const hits = matched(m.vault);
    expect(hits).toEqual(expect.arrayContaining(['scan-completed-threats', 'restore-failed']));
    for (const hit of hits) {
      const d = events[hit].detail;
      const kind = events[hit]['detail-type'];
      if (kind !== 'Restore Job State Change') {
        expect(d.backupVaultName ?? d.sourceBackupVaultArn).toContain('9ab3e749-82c6-4342-9320-5edbf4918b86');
      }
    }
  });
});

describe('CentralAlarmBus rules against documented events (event-ruler)', () => {
  const stack = new Stack(new App(), 'C', { env: { account: '111111111111', region: 'eu-west-1' } });
  const central = new CentralAlarmBus(stack, 'Central', { organizationId: 'o-a1b2c3d4e5', emailAddresses: ['ops@example.com'] });
  central.addAlarmTarget('Chat', { bind: () => ({ arn: 'arn:aws:sqs:eu-west-1:111111111111:chat' }) });
  const template = Template.fromStack(stack);
  const rules = template.findResources('AWS::Events::Rule');
  const patterns: Record<string, unknown> = {};
  for (const [logicalId, rule] of Object.entries(rules)) {
    patterns[logicalId] = (rule as any).Properties.EventPattern;
  }
  const extra = {
    ...events,
    'tampering-delete-recovery-point': {
      'version': '0',
      'id': 'x1',
      'detail-type': 'AWS API Call via CloudTrail',
      'source': 'aws.backup',
      'account': '222222222222',
      'time': '2026-01-01T00:00:00Z',
      'region': 'eu-west-1',
      'resources': [],
      'detail': { eventSource: 'backup.amazonaws.com', eventName: 'DeleteRecoveryPoint' },
    },
    'policy-update': {
      'version': '0',
      'id': 'x2',
      'detail-type': 'AWS API Call via CloudTrail',
      'source': 'aws.organizations',
      'account': '333333333333',
      'time': '2026-01-01T00:00:00Z',
      'region': 'us-east-1',
      'resources': [],
      'detail': { eventSource: 'organizations.amazonaws.com', eventName: 'UpdatePolicy' },
    },
    'securityhub-imported': loadExampleEvents(path.join(__dirname, 'fixtures', 'other-events'))['securityhub-findings-imported'],
    // Other AWS services' events that a user forwards: a service event and a CloudTrail record.
    'health-issue': {
      'version': '0',
      'id': 'x3',
      'detail-type': 'AWS Health Event',
      'source': 'aws.health',
      'account': '222222222222',
      'time': '2026-01-01T00:00:00Z',
      'region': 'eu-west-1',
      'resources': [],
      'detail': { service: 'BACKUP', eventTypeCategory: 'issue' },
    },
    'kms-disable-key': {
      'version': '0',
      'id': 'x4',
      'detail-type': 'AWS API Call via CloudTrail',
      'source': 'aws.kms',
      'account': '222222222222',
      'time': '2026-01-01T00:00:00Z',
      'region': 'eu-west-1',
      'resources': [],
      'detail': { eventSource: 'kms.amazonaws.com', eventName: 'DisableKey' },
    },
  };
  // The same events as a principal the bus policy admits can put them: any source that does not start with
  // `aws.` (PutEvents refuses that prefix: EventBridge API reference, "PutEventsRequestEntry",
  // https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html, and user guide,
  // "Amazon EventBridge events", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events.html), with
  // any text. Patterns are case-sensitive, so `AWS.backup` is not `aws.backup`.
  const FORGED_SOURCES = ['aws', 'aws-backup', 'AWS.backup', 'awsx.backup', 'custom.aws.backup', 'com.example.backup', 'awsbackup'];
  const FORGED_FROM = ['backup-failed', 'restore-failed', 'tampering-delete-recovery-point', 'policy-update', 'backup-vault-created', 'health-issue', 'kms-disable-key'];
  const forged: Record<string, any> = {};
  for (const source of FORGED_SOURCES) {
    for (const from of FORGED_FROM) forged[`forged ${source} ${from}`] = { ...(extra as Record<string, any>)[from], source };
  }
  const cm = matchMatrix(patterns, { ...extra, ...forged });
  const byPrefix = (prefix: string) => {
    const id = Object.keys(cm).find((k) => k.startsWith(prefix));
    if (!id) throw new Error(`no rule ${prefix} in ${Object.keys(cm).join(', ')}`);
    return matched(cm[id]);
  };

  test.each([
    ['CentralBackupJobFailures', ['backup-aborted', 'backup-expired', 'backup-failed', 'backup-partial']],
    ['CentralCopyJobFailures', ['copy-failed', 'copy-partial']],
    ['CentralRestoreJobFailures', ['restore-aborted', 'restore-failed', 'restore-failed-restore-testing', 'restore-failed-with-vault']],
    ['CentralScanJobFailures', ['scan-canceled', 'scan-completed-threats', 'scan-completed_with_issues', 'scan-failed']],
    ['CentralPolicyChanges', ['policy-update']],
    // Tampering has rules (and emails) of its own: the calls, and the state changes that mean lost protection.
    ['CentralTamperCalls', ['tampering-delete-recovery-point']],
    ['CentralTamperStateChanges', ['backup-plan-deleted', 'backup-vault-deleted', 'region-setting-modified']],
    // AWS Backup events that are neither job state changes nor tampering alarm here when a user forwards them.
    // And other AWS services' events, as users forward them.
    ['CentralOtherEvents', ['backup-plan-created', 'backup-plan-modified', 'backup-vault-created', 'backup-vault-modified', 'health-issue', 'kms-disable-key', 'recovery-point-completed']],
  ])('%s emails exactly these', (rule, expected) => {
    expect(byPrefix(rule).filter((e) => !e.startsWith('forged'))).toEqual(expected);
  });

  test('an event whose source is not aws.* matches the UntrustedEvents rule and no other: archived and counted, never emailed', () => {
    expect(Object.keys(forged)).toHaveLength(FORGED_SOURCES.length * FORGED_FROM.length);
    for (const event of Object.keys(forged)) {
      const matching = Object.keys(cm).filter((rule) => cm[rule][event]).map((rule) => rule.replace(/[0-9A-F]{8}$/, ''));
      expect([event, matching]).toEqual([event, ['CentralUntrustedEvents']]);
    }
  });

  test('no event of an AWS service is counted as untrusted', () => {
    expect(byPrefix('CentralUntrustedEvents')).toEqual(Object.keys(forged).sort());
  });

  test('no success ever emails anyone, and Security Hub\'s own events never alarm', () => {
    // Not the protection ledger's rule: it takes successes on purpose, into its queue (test/protection-monitor.test.ts).
    const notificationRules = Object.keys(cm).filter((k) => !k.includes('LocalBackupEvents') && !k.includes('Protections'));
    for (const rule of notificationRules) {
      for (const success of [...SUCCESSES, 'securityhub-imported']) {
        expect([rule, success, cm[rule][success]]).toEqual([rule, success, false]);
      }
    }
  });

  test('addAlarmTarget gets every alarm event without copying patterns', () => {
    const union = new Set([
      ...byPrefix('CentralBackupJobFailures'), ...byPrefix('CentralCopyJobFailures'), ...byPrefix('CentralRestoreJobFailures'),
      ...byPrefix('CentralScanJobFailures'), ...byPrefix('CentralPolicyChanges'), ...byPrefix('CentralOtherEvents'),
      ...byPrefix('CentralTamperCalls'), ...byPrefix('CentralTamperStateChanges'),
    ]);
    expect(byPrefix('CentralAlarmTargetChat')).toEqual([...union].filter((e) => !e.startsWith('forged')).sort());
  });

  test('the central account\'s own default-bus rule forwards failures and completions', () => {
    expect(byPrefix('CentralLocalBackupEvents').filter((e) => !e.startsWith('forged'))).toEqual([...FAILURES, ...SUCCESSES].sort());
  });
});
