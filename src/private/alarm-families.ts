/**
 * The central bus's alarm families, one email rule each: the rule id, what it matches (the central pattern,
 * src/private/patterns.ts), the email text (src/private/messages.ts) and the alarm kind a route selects it by.
 * `CentralAlarmBus` and every `AlarmRoute` build their rules from the same family, so that a route's copy
 * of an alarm reads exactly like the central list's.
 */
import {
  AlarmDescription, emailTemplate, jobFailureAlarm, otherEventAlarm, policyChangeAlarm, tamperCallAlarm, tamperStateAlarm, TextTemplate,
} from './messages';
import {
  RawPattern, centralPolicyPattern, centralTamperCallPattern, centralTamperStatePattern, jobFailurePattern, otherEventsPattern,
} from './patterns';
import { AlarmKind, JOB_FAILURE_KINDS } from '../shared/alarm-routing';
import { BackupEvents, BackupJobKind } from '../shared/backup-events';

/** How a family's rule is told apart. */
export enum AlarmFamilyId {
  BACKUP_JOB_FAILURES = 'BackupJobFailures',
  COPY_JOB_FAILURES = 'CopyJobFailures',
  RESTORE_JOB_FAILURES = 'RestoreJobFailures',
  SCAN_JOB_FAILURES = 'ScanJobFailures',
  POLICY_CHANGES = 'PolicyChanges',
  TAMPER_CALLS = 'TamperCalls',
  TAMPER_STATE_CHANGES = 'TamperStateChanges',
  OTHER_EVENTS = 'OtherEvents',
}

/** One email rule of the central bus. */
export interface AlarmFamily {
  /** The rule's construct id (the central bus's, and a route's). */
  readonly id: AlarmFamilyId;
  /** The alarm kind a route selects the family by. */
  readonly kind: AlarmKind;
  /** The job kind, for the job failure families. */
  readonly jobKind?: BackupJobKind;
  /** The rule description, without the library's suffix. */
  readonly description: string;
  /** What the central rule matches. */
  readonly pattern: () => RawPattern;
  /** The alarm's one description (email and chat), for the partition's console host (`emailConsoleHost`). */
  readonly alarm: (consoleHost: string) => AlarmDescription;
}

/** The email text of a family (its description rendered for email). */
export function emailOf(family: AlarmFamily, consoleHost: string): TextTemplate {
  return emailTemplate(family.alarm(consoleHost));
}

/** Every family, in the order of the central bus's rules. */
export const ALARM_FAMILIES: readonly AlarmFamily[] = [
  ...BackupEvents.ALL_JOB_KINDS.map((jobKind): AlarmFamily => ({
    id: `${jobKind.charAt(0)}${jobKind.slice(1).toLowerCase()}JobFailures` as AlarmFamilyId,
    kind: JOB_FAILURE_KINDS[jobKind],
    jobKind,
    description: `AWS Backup ${jobKind.toLowerCase()} jobs that failed, from any account and Region`,
    pattern: () => jobFailurePattern(jobKind),
    alarm: (consoleHost) => jobFailureAlarm(jobKind, consoleHost),
  })),
  {
    id: AlarmFamilyId.POLICY_CHANGES,
    kind: AlarmKind.POLICY_CHANGE,
    description: 'Changes to organization backup policies',
    pattern: centralPolicyPattern,
    alarm: policyChangeAlarm,
  },
  {
    id: AlarmFamilyId.TAMPER_CALLS,
    kind: AlarmKind.TAMPERING,
    description: 'AWS Backup API calls that delete, unlock or silence backups',
    pattern: centralTamperCallPattern,
    alarm: tamperCallAlarm,
  },
  {
    id: AlarmFamilyId.TAMPER_STATE_CHANGES,
    kind: AlarmKind.TAMPERING,
    description: 'AWS Backup vaults or plans deleted, Region opt-in changed',
    pattern: centralTamperStatePattern,
    alarm: tamperStateAlarm,
  },
  {
    id: AlarmFamilyId.OTHER_EVENTS,
    kind: AlarmKind.OTHER,
    description: 'Other forwarded events of AWS Backup and other AWS services',
    pattern: otherEventsPattern,
    alarm: () => otherEventAlarm(),
  },
];
