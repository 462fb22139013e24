import * as path from 'path';
import { loadExampleEvents, matchMatrix } from './ruler';

// Proves the event-ruler harness can say "no" and can fail, before other tests rely on it.
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'backup-events');
const events = loadExampleEvents(FIXTURES);

describe('event-ruler harness', () => {
  test('loads every fixture keyed by file name', () => {
    expect(Object.keys(events)).toEqual(expect.arrayContaining([
      'backup-failed', 'backup-completed', 'copy-failed', 'restore-failed', 'restore-failed-with-vault', 'scan-completed-threats',
    ]));
    for (const event of Object.values(events)) {
      expect(event.source).toBe('aws.backup');
    }
  });

  test('a pattern matches one fixture and not another; $or with exists:false works', () => {
    const subset = {
      'backup-failed': events['backup-failed'],
      'backup-completed': events['backup-completed'],
      'restore-failed': events['restore-failed'],
      'restore-failed-with-vault': events['restore-failed-with-vault'],
      'restore-completed': events['restore-completed'],
    };
    const result = matchMatrix({
      backupFailed: {
        'source': ['aws.backup'],
        'detail-type': ['Backup Job State Change'],
        'detail': { state: ['FAILED'] },
      },
      failedWithoutVault: {
        source: ['aws.backup'],
        $or: [
          { detail: { state: ['FAILED'] } },
          { detail: { status: ['FAILED'], backupVaultArn: [{ exists: false }] } },
        ],
      },
    }, subset);

    expect(result).toEqual({
      backupFailed: {
        'backup-failed': true,
        'backup-completed': false,
        'restore-failed': false,
        'restore-failed-with-vault': false,
        'restore-completed': false,
      },
      failedWithoutVault: {
        'backup-failed': true,
        'backup-completed': false,
        'restore-failed': true,
        'restore-failed-with-vault': false,
        'restore-completed': false,
      },
    });
  });

  test('an invalid pattern throws instead of returning false', () => {
    expect(() => matchMatrix(
      { bad: { detail: { state: 'FAILED' } } },
      { 'backup-failed': events['backup-failed'] },
    )).toThrow(/invalid pattern "bad"/);
    expect(() => matchMatrix(
      { bad: { detail: { state: [{ 'no-such-operator': 'x' }] } } },
      {},
    )).toThrow(/invalid pattern "bad"/);
  });
});
