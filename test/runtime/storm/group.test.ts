/**
 * Storm control's pure part: every documented job failure falls into the group of its account, Region, kind and
 * status message (whitespace and AWS Backup's literal quotes aside); a first alarm says what the central email
 * rule says for the same event (the same lines, values normalised as the forwarder parses them) plus one line
 * about the digest; a digest lists groups by count with samples and the console's job list, sums what it cannot
 * list, and fits SNS's limits; an event that cannot be parsed is published as received.
 *
 * Governing pages:
 * - "Amazon EventBridge and AWS Backup" (the job events, their states and `statusMessage`),
 *   https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html
 * - "Publish" (SNS API reference: `Subject` is ASCII, no line breaks, at most 100 characters; a message at most
 *   256 KB), https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
 * - "Amazon EventBridge input transformation" (how the email rule's text is filled),
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
 */
import { jobFailureMessage } from '../../../src/private/messages';
import { parseBackupEvent } from '../../../src/runtime/event';
import {
  DigestGroup, groupOf, jobListUrl, normalizedMessage, renderDigest, renderFirstAlarm, renderUnparsed, subjectOf,
} from '../../../src/runtime/storm/group';
import { BackupJobKind } from '../../../src/shared/backup-events';
import { consoleHostOf } from '../../../src/shared/console-links';
import { STORM_LIMITS } from '../../../src/shared/storm';
import { renderInputTransformer } from '../../support/render-input';
import { fixture, variant } from '../support';

const ACCOUNT = '123456789012';
const FAILURES = [
  'backup-failed', 'backup-expired', 'backup-aborted', 'backup-partial', 'copy-failed', 'copy-partial',
  'restore-failed', 'restore-failed-with-vault', 'restore-failed-restore-testing', 'restore-aborted', 'scan-failed', 'scan-canceled', 'scan-completed-threats',
];

describe('grouping', () => {
  test.each(FAILURES)('%s: its group is account#region#kind#hash of the status message', (name) => {
    const e = parseBackupEvent(fixture(name, ACCOUNT));
    const g = groupOf(e);
    expect(g.key).toMatch(new RegExp(`^${ACCOUNT}#${e.region}#${e.kind}#[0-9a-f]{16}$`));
    expect(g).toMatchObject({ account: ACCOUNT, region: e.region, kind: e.kind, message: normalizedMessage(e.statusMessage) });
  });

  const base = fixture('backup-failed', ACCOUNT);
  const keyOf = (changes: Record<string, any>, detail: Record<string, any>) => groupOf(parseBackupEvent(variant(base, changes, detail))).key;
  const same = keyOf({}, {});
  test.each<[string, Record<string, any>, Record<string, any>, boolean]>([
    ['another job, resource and time', { time: '2026-12-01T00:00:00Z' }, { backupJobId: 'other', resourceArn: 'arn:aws:ec2:us-west-2:123456789012:volume/vol-1' }, true],
    ['the message quoted, as AWS Backup sometimes sends it', {}, { statusMessage: `"${base.detail.statusMessage}"` }, true],
    ['the message with other whitespace', {}, { statusMessage: `  ${String(base.detail.statusMessage).replace(/ /g, '  ')} ` }, true],
    ['another state, same message', {}, { state: 'EXPIRED' }, true],
    ['another account', { account: '210987654321' }, {}, false],
    ['another Region', { region: 'eu-west-1' }, {}, false],
    ['another status message', {}, { statusMessage: 'Something else failed' }, false],
  ])('%s: same group = %s', (_name, changes, detail, expected) => {
    expect(keyOf(changes, detail) === same).toBe(expected);
  });

  test('another kind with the same message is another group', () => {
    const copy = parseBackupEvent(variant(fixture('copy-failed', ACCOUNT), { region: base.region }, { statusMessage: base.detail.statusMessage }));
    expect(groupOf(copy).key).not.toBe(same);
  });

  test('an event without a status message has a group of its own kind and place', () => {
    const bare = parseBackupEvent(variant(base, {}, { statusMessage: undefined }));
    expect(groupOf(bare).message).toBe('');
    expect(groupOf(bare).key).not.toBe(same);
  });
});

describe('a first alarm reads like the central email rule\'s', () => {
  test.each(FAILURES)('%s: the email\'s lines, with the digest line and a subject', (name) => {
    const event = fixture(name, ACCOUNT);
    const e = parseBackupEvent(event);
    const template = jobFailureMessage(e.kind, consoleHostOf('aws', '<region>'));
    const email = renderInputTransformer({ InputPathsMap: template.paths, InputTemplate: template.template }, event).split('\n');
    const storm = renderFirstAlarm(e, 'aws', 300);
    const lines = storm.text.split('\n');
    // The email's lines in order, but for the footer; values as the parser normalises them.
    const normalise = (l: string) => {
      if (l.startsWith('Status message: ')) return `Status message: ${e.statusMessage ?? ''}`;
      if (l.startsWith('Time: ')) return `Time: ${new Date(l.slice(6)).toISOString()}`;
      if (l.startsWith('From vault: ')) return `From vault: ${e.backupVaultArn ?? ''}`;
      // Restore events name the resource in sourceResourceArn, which the email's path misses and the parser reads.
      if (l.endsWith('): ')) return `${l}${e.resourceArn ?? ''}`;
      return l;
    };
    const body = email.slice(0, email.indexOf('Sent by cdk-backup-alarms from the central alarm bus.')).map(normalise);
    expect(lines.slice(0, body.length)).toEqual(body);
    expect(lines[body.length]).toBe(`Storm control: further ${e.kind === BackupJobKind.SCAN ? 'malware scan job' : `${e.kind.toLowerCase()} job`} failures with this status message in ${ACCOUNT}, ${e.region} within 5 minutes come as one digest.`);
    expect(storm.subject).toMatch(/^(Backup|Copy|Restore|Malware scan) job [A-Z_]+: 123456789012 [a-z0-9-]+$/);
    expect(storm.subject.length).toBeLessThanOrEqual(100);
  });

  test('a China or GovCloud function links its own partition\'s console', () => {
    const e = parseBackupEvent(variant(fixture('backup-failed', ACCOUNT), { region: 'cn-north-1' }));
    expect(renderFirstAlarm(e, 'aws-cn', 300).text).toContain('Console: https://console.amazonaws.cn/backup/home?region=cn-north-1#/jobs/backup/details/');
  });
});

describe('a digest', () => {
  const g = (account: string, digested: number, o: Partial<DigestGroup> = {}): DigestGroup => ({
    account, region: 'us-east-1', kind: BackupJobKind.BACKUP, state: 'EXPIRED', message: 'Start window closed', direct: 1, digested, samples: [], ...o,
  });
  const W = Date.parse('2026-12-01T03:05:00Z');

  test('lists groups by count, with samples, the job list and the window', () => {
    const d = renderDigest(W, 300, [
      g('111111111111', 3, { samples: ['arn:b', 'arn:a'] }),
      g('222222222222', 40),
      g('333333333333', 0),
      g('444444444444', 7, { kind: BackupJobKind.COPY, state: 'FAILED', message: 'Vault unreachable', region: 'eu-west-1', direct: 0 }),
    ], 'aws');
    const lines = d.text.split('\n');
    expect(lines[0]).toBe('Backup alarm digest: 50 job failures in 3 groups, 3 accounts, eu-west-1, us-east-1, 2026-12-01 03:05-03:10 UTC');
    expect(d.text).toMatch(/^1\. 40 x backup job EXPIRED in account 222222222222, us-east-1 \(plus 1 sent at once\)$/m);
    expect(d.text).toMatch(/^2\. 7 x copy job FAILED in account 444444444444, eu-west-1$/m);
    expect(d.text).toMatch(/^3\. 3 x backup job EXPIRED in account 111111111111, us-east-1 \(plus 1 sent at once\)$/m);
    expect(d.text).toContain('   Resources (sample): arn:a, arn:b');
    expect(d.text).toContain(`   Console: ${jobListUrl('aws', 'eu-west-1', BackupJobKind.COPY)}`);
    expect(jobListUrl('aws', 'eu-west-1', BackupJobKind.COPY)).toBe('https://eu-west-1.console.aws.amazon.com/backup/home?region=eu-west-1#/jobs/copy');
    // A group whose every event went out at once is not in the digest.
    expect(d.text).not.toContain('333333333333');
    expect(d.subject).toBe('Backup alarm digest: 50 failures, 3 accounts, 2 Regions');
  });

  test(`past ${STORM_LIMITS.DIGEST_GROUPS} groups the rest are summed, and the message stays far under SNS's 256 KB`, () => {
    const many = Array.from({ length: 1_000 }, (_, i) => g(String(100_000_000_000 + i), 2, {
      message: 'x'.repeat(STORM_LIMITS.MESSAGE_CHARS), samples: Array.from({ length: STORM_LIMITS.SAMPLES }, (_x, k) => `arn:aws:ec2:us-east-1:${100_000_000_000 + i}:volume/vol-${'0'.repeat(40)}${k}`),
    }));
    const d = renderDigest(W, 300, many, 'aws');
    expect(d.text.split('\n')[0]).toMatch(/^Backup alarm digest: 2000 job failures in 1000 groups/);
    expect(d.text).toContain('... and 1600 more failures in 800 more groups');
    expect([...d.text.matchAll(/^\d+\. /gm)]).toHaveLength(STORM_LIMITS.DIGEST_GROUPS);
    expect(Buffer.byteLength(d.text)).toBeLessThan(256 * 1024);
  });
});

describe('subjects and unparsed events', () => {
  test.each([
    ['short ASCII', 'Backup job FAILED: 123456789012 eu-west-1', 'Backup job FAILED: 123456789012 eu-west-1'],
    ['a line break and non-ASCII', 'Sauvegarde échouée\nici', 'Sauvegarde ?chou?e?ici'],
    ['too long', 'x'.repeat(150), `${'x'.repeat(97)}...`],
  ])('%s', (_name, input, expected) => {
    expect(subjectOf(input)).toBe(expected);
  });

  test('an event that cannot be parsed is published as received, with what its envelope says', () => {
    const raw = JSON.stringify(fixture('backup-failed'));
    const m = renderUnparsed(raw, 'BAD_ACCOUNT: account is "1112233445566"');
    expect(m.subject).toBe('Backup alarm: Backup Job State Change 1112233445566 us-west-2');
    expect(m.text).toContain('Storm control could not read this event (BAD_ACCOUNT: account is "1112233445566"); it is sent as received:');
    expect(m.text).toContain(raw);
    expect(renderUnparsed('not json', 'NOT_JSON').subject).toBe('Backup alarm: unreadable event');
  });
});
