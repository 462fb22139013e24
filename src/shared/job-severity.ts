/**
 * How severe each AWS Backup job failure is, per `KIND:STATE` key: shared by the forwarder runtime (finding
 * severity) and the construct side (alarm routes by severity). Dependency-free: the Lambda bundle imports it.
 */
import { FindingSeverity } from './findings';
import { SCAN_THREATS_KEY } from './jobs';

/**
 * Default severities, and why. Override any of them with the forwarder's `SEVERITY_OVERRIDES`
 * (alarm routes use these defaults: an override changes findings, not routes).
 *
 * | Key                        | Severity | Why                                                                                  |
 * | -------------------------- | -------- | ------------------------------------------------------------------------------------ |
 * | BACKUP:FAILED              | HIGH     | no new recovery point: the recovery point objective is missed until a job succeeds   |
 * | BACKUP:EXPIRED             | HIGH     | the job never started inside its window: a missed backup, as bad as a failure         |
 * | BACKUP:ABORTED             | MEDIUM   | no recovery point, but a stop is usually deliberate (an operator, a closing window)    |
 * | BACKUP:PARTIAL             | MEDIUM   | part of the resource (some members of a composite job) is protected                   |
 * | COPY:FAILED                | MEDIUM   | the source recovery point exists; the copy that survives losing its account or Region does not |
 * | COPY:PARTIAL               | LOW      | part of that copy exists                                                              |
 * | RESTORE:FAILED             | HIGH     | a restore that fails is data you cannot get back; a failed restore test says backups may not be restorable |
 * | RESTORE:ABORTED            | MEDIUM   | nothing was restored, but a stop is usually deliberate                                |
 * | SCAN:THREATS_FOUND         | CRITICAL | malware in a recovery point: restoring it brings the compromise back                  |
 * | SCAN:FAILED                | MEDIUM   | the recovery point is not known to be clean                                           |
 * | SCAN:COMPLETED_WITH_ISSUES | LOW      | most of it was scanned clean; some files could not be                                 |
 * | SCAN:CANCELED              | LOW      | no result, usually deliberate                                                         |
 * | any other failure state    | MEDIUM   | a state AWS Backup adds later: surfaced, neither ignored nor paging anyone             |
 * | any success (ARCHIVED)     | INFORMATIONAL | the finding is closed                                                            |
 */
export const DEFAULT_SEVERITIES: ReadonlyMap<string, { readonly label: FindingSeverity; readonly why: string }> = new Map([
  ['BACKUP:FAILED', { label: FindingSeverity.HIGH, why: 'no new recovery point was created, so the recovery point objective is missed until a later job succeeds' }],
  ['BACKUP:EXPIRED', { label: FindingSeverity.HIGH, why: 'the job never started inside its start window: a missed backup' }],
  ['BACKUP:ABORTED', { label: FindingSeverity.MEDIUM, why: 'no recovery point was created; a stopped job is usually, but not always, deliberate' }],
  ['BACKUP:PARTIAL', { label: FindingSeverity.MEDIUM, why: 'only part of the resource was backed up' }],
  ['COPY:FAILED', { label: FindingSeverity.MEDIUM, why: 'the source recovery point exists, but the copy that protects against losing its account or Region does not' }],
  ['COPY:PARTIAL', { label: FindingSeverity.LOW, why: 'only part of the copy exists' }],
  ['RESTORE:FAILED', { label: FindingSeverity.HIGH, why: 'a restore that fails is data you cannot get back; a failed restore test means the backups may not be restorable' }],
  ['RESTORE:ABORTED', { label: FindingSeverity.MEDIUM, why: 'nothing was restored; a stopped restore is usually deliberate' }],
  [SCAN_THREATS_KEY, { label: FindingSeverity.CRITICAL, why: 'the malware scan found threats in a recovery point: restoring it would bring them back' }],
  ['SCAN:FAILED', { label: FindingSeverity.MEDIUM, why: 'the recovery point is not known to be free of malware' }],
  ['SCAN:COMPLETED_WITH_ISSUES', { label: FindingSeverity.LOW, why: 'the scan could not check every file' }],
  ['SCAN:CANCELED', { label: FindingSeverity.LOW, why: 'the scan produced no result' }],
]);

/** The severity of a failure state this table does not list (a state AWS Backup adds later). */
export const UNKNOWN_FAILURE_SEVERITY: { readonly label: FindingSeverity; readonly why: string } = { label: FindingSeverity.MEDIUM, why: 'AWS Backup reported a state that this library does not know as a success' };
