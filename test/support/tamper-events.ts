/**
 * Tamper signals in the shapes AWS documents, for pattern, email and handler tests.
 *
 * - API calls: a CloudTrail record of `backup.amazonaws.com` as EventBridge delivers it (detail-type
 *   "AWS API Call via CloudTrail", source `aws.backup`), with the record fields of the CloudTrail user
 *   guide ("CloudTrail record contents for management events") and the `userIdentity` element of each caller
 *   type ("CloudTrail userIdentity element": AssumedRole with `sessionContext.sessionIssuer`, IAMUser, Root,
 *   AWSService; AWS services acting with a service-linked role set `invokedBy`).
 * - State changes: AWS Backup's documented examples in test/fixtures/backup-events/.
 */
import * as path from 'path';
import { loadExampleEvents } from '../ruler/ruler';

export const TAMPER_ACCOUNT = '222222222222';
export const TAMPER_REGION = 'eu-west-1';

/** Who made the call. */
export type Caller = 'role' | 'user' | 'root' | 'allowed-role' | 'backup-lifecycle' | 'backup-linked-role' | 'backup-on-behalf' | 'aws-service' | 'cloudformation';

const IDENTITIES: Record<Caller, Record<string, unknown>> = {
  'role': assumedRole('ops-admin', 'alice'),
  'allowed-role': assumedRole('backup-automation', 'nightly'),
  'user': { type: 'IAMUser', principalId: 'AIDAEXAMPLEBOB', arn: `arn:aws:iam::${TAMPER_ACCOUNT}:user/bob`, accountId: TAMPER_ACCOUNT, accessKeyId: 'AKIAEXAMPLE', userName: 'bob' },
  'root': { type: 'Root', principalId: TAMPER_ACCOUNT, arn: `arn:aws:iam::${TAMPER_ACCOUNT}:root`, accountId: TAMPER_ACCOUNT, accessKeyId: 'ASIAEXAMPLEROOT' },
  // AWS Backup deleting an expired recovery point: its service-linked role, invoked by the service. The
  // identity as public CloudTrail records of this role show it (session AWSBackup-AWSServiceRoleForBackup, the
  // role under aws-service-role/backup.amazonaws.com/, invokedBy, source IP and user agent backup.amazonaws.com).
  'backup-lifecycle': {
    ...assumedRole('AWSServiceRoleForBackup', 'AWSBackup-AWSServiceRoleForBackup', 'aws-service-role/backup.amazonaws.com/'),
    invokedBy: 'backup.amazonaws.com',
  },
  // The same role in a record without invokedBy: the service-linked role can only be assumed by AWS Backup, so
  // its name alone must keep the rule quiet (this caller guards that exemption on its own).
  'backup-linked-role': assumedRole('AWSServiceRoleForBackup', 'AWSBackup-AWSServiceRoleForBackup', 'aws-service-role/backup.amazonaws.com/'),
  // AWS Backup acting with the customer's backup role: only invokedBy says it is the service.
  'backup-on-behalf': { ...assumedRole('AWSBackupDefaultServiceRole', 'AWSBackup', 'service-role/'), invokedBy: 'backup.amazonaws.com' },
  'aws-service': { type: 'AWSService', invokedBy: 'backup.amazonaws.com' },
  // A person deleting a CloudFormation stack that holds a vault: CloudFormation calls with their role.
  'cloudformation': { ...assumedRole('ops-admin', 'alice'), invokedBy: 'cloudformation.amazonaws.com' },
};

function assumedRole(role: string, session: string, rolePath = ''): Record<string, unknown> {
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLE:${session}`,
    arn: `arn:aws:sts::${TAMPER_ACCOUNT}:assumed-role/${role}/${session}`,
    accountId: TAMPER_ACCOUNT,
    accessKeyId: 'ASIAEXAMPLE',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: `arn:aws:iam::${TAMPER_ACCOUNT}:role/${rolePath}${role}`, accountId: TAMPER_ACCOUNT, userName: role },
      attributes: { creationDate: '2026-11-30T01:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

const SERVICE_CALLERS: Caller[] = ['aws-service', 'backup-lifecycle', 'backup-on-behalf', 'cloudformation'];
/** Callers whose source IP and user agent are AWS Backup's, though the record has no invokedBy. */
const BACKUP_ADDRESSED: Caller[] = ['backup-linked-role'];

const RECOVERY_POINT = `arn:aws:ec2:${TAMPER_REGION}::snapshot/snap-0123456789abcdef0`;

/** The request parameters each call names (the vault, the recovery point, the plan ...). */
const REQUESTS: Record<string, Record<string, unknown>> = {
  DeleteRecoveryPoint: { backupVaultName: 'prod-vault', recoveryPointArn: RECOVERY_POINT },
  DeleteBackupVault: { backupVaultName: 'prod-vault' },
  DeleteBackupVaultAccessPolicy: { backupVaultName: 'prod-vault' },
  PutBackupVaultAccessPolicy: { backupVaultName: 'prod-vault', policy: '{"Version":"2012-10-17","Statement":[]}' },
  DeleteBackupVaultLockConfiguration: { backupVaultName: 'prod-vault' },
  DeleteBackupVaultNotifications: { backupVaultName: 'prod-vault' },
  PutBackupVaultNotifications: { backupVaultName: 'prod-vault', sNSTopicArn: `arn:aws:sns:${TAMPER_REGION}:${TAMPER_ACCOUNT}:elsewhere`, backupVaultEvents: ['BACKUP_JOB_FAILED'] },
  DeleteBackupPlan: { backupPlanId: '83fcb8ee-2d93-42ac-b06f-591563f3f8de' },
  DeleteBackupSelection: { backupPlanId: '83fcb8ee-2d93-42ac-b06f-591563f3f8de', selectionId: 'selection-1' },
  UpdateRecoveryPointLifecycle: { backupVaultName: 'prod-vault', recoveryPointArn: RECOVERY_POINT, lifecycle: { deleteAfterDays: 1 } },
  DisassociateRecoveryPoint: { backupVaultName: 'prod-vault', recoveryPointArn: RECOVERY_POINT },
  CancelLegalHold: { legalHoldId: 'legal-hold-1', cancelDescription: 'done' },
  DisassociateBackupVaultMpaApprovalTeam: { backupVaultName: 'prod-vault' },
  PutBackupVaultLockConfiguration: { backupVaultName: 'prod-vault', minRetentionDays: 1, maxRetentionDays: 7, changeableForDays: 3 },
  // An opt-out of EBS beside an unchanged opt-in, with the key as CloudTrail writes request parameters (lower-case
  // first letter); optInRequest() builds the other shapes.
  UpdateRegionSettings: { resourceTypeOptInPreference: { EBS: false, EC2: true } },
  UpdateGlobalSettings: { globalSettings: { isCrossAccountBackupEnabled: 'false' } },
  DeleteReportPlan: { reportPlanName: 'daily_backup_jobs' },
  DeleteFramework: { frameworkName: 'prod_controls' },
  StopBackupJob: { backupJobId: 'B1234567-89AB-CDEF-0123-456789ABCDEF' },
};

/** An UpdateRegionSettings call whose opt-in map is `map`, under the key `key` (both casings are read). */
export function optInRequest(map: Record<string, unknown>, key = 'resourceTypeOptInPreference', caller: Caller = 'role'): Record<string, any> {
  return apiCall('UpdateRegionSettings', caller, { requestParameters: { [key]: map } });
}

/** A CloudTrail API call of AWS Backup as EventBridge delivers it. */
export function apiCall(eventName: string, caller: Caller = 'role', extra: Record<string, unknown> = {}): Record<string, any> {
  const eventID = `e${eventName.length}-${caller}-0000-0000-000000000000`;
  return {
    'version': '0',
    'id': `id-${eventID}`,
    'detail-type': 'AWS API Call via CloudTrail',
    'source': 'aws.backup',
    'account': TAMPER_ACCOUNT,
    'time': '2026-11-30T02:00:00Z',
    'region': TAMPER_REGION,
    'resources': [],
    'detail': {
      eventVersion: '1.09',
      userIdentity: IDENTITIES[caller],
      eventTime: '2026-11-30T02:00:00Z',
      eventSource: 'backup.amazonaws.com',
      eventName,
      awsRegion: TAMPER_REGION,
      sourceIPAddress: SERVICE_CALLERS.includes(caller) ? String(IDENTITIES[caller].invokedBy) : BACKUP_ADDRESSED.includes(caller) ? 'backup.amazonaws.com' : '203.0.113.7',
      userAgent: SERVICE_CALLERS.includes(caller) ? String(IDENTITIES[caller].invokedBy) : BACKUP_ADDRESSED.includes(caller) ? 'backup.amazonaws.com' : 'aws-cli/2.15.0 Python/3.11.6',
      requestParameters: REQUESTS[eventName] ?? {},
      responseElements: null,
      requestID: '11111111-2222-3333-4444-555555555555',
      eventID,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: TAMPER_ACCOUNT,
      eventCategory: 'Management',
      ...extra,
    },
  };
}

/** AWS Backup's documented state-change examples, with a 12-digit account. */
export function stateChanges(): Record<string, Record<string, any>> {
  const all = loadExampleEvents(path.join(__dirname, '..', 'fixtures', 'backup-events'));
  const pick = ['backup-vault-deleted', 'backup-plan-deleted', 'region-setting-modified', 'backup-vault-created', 'backup-vault-modified', 'backup-plan-created', 'backup-plan-modified'];
  return Object.fromEntries(pick.map((n) => [n, JSON.parse(JSON.stringify(all[n]).split('1112233445566').join(TAMPER_ACCOUNT))]));
}
