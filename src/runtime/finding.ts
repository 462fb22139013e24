/**
 * A parsed AWS Backup job event -> its AWS Security Finding Format (ASFF) finding. Pure: no I/O, no clock, no SDK.
 *
 * One finding per (source account, source Region, job kind, resource): its `Id` is derived from those alone,
 * so SQS redeliveries, EventBridge retries and repeated failures of the same resource update one finding
 * instead of piling up duplicates. A later success re-imports the same `Id` with `RecordState: ARCHIVED`;
 * a later failure re-imports it `ACTIVE` again. `UpdatedAt` is the event's own `time`, and Security Hub
 * ignores a re-import whose `UpdatedAt` is not strictly later than the stored one, so an older event that
 * arrives late can never move a finding back.
 */
import type { AwsSecurityFinding, Partition, Resource } from '@aws-sdk/client-securityhub';
import { boundedMap, dropBlank, LIMITS, truncate } from './asff';
import { BackupJobEvent, REGION } from './event';
import { findingIdOf, generatorIdOf, ID_PREFIX, jobKey, productArnOf } from './identity';
import { classify, JobOutcome, severityOf, SeverityOverrides } from './severity';
import { BackupJobKind } from '../shared/backup-events';
import { consoleHostOf } from '../shared/console-links';
import { FindingSeverity } from '../shared/findings';
import { JOBS, jobConsoleUrl, SCAN_THREATS_KEY } from '../shared/jobs';

/** Where a finding is imported: its `AwsAccountId`, and the Region and partition of its product ARN. */
export interface FindingDestination {
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
}

/**
 * `Types`, in the documented namespaces. Every finding of this library carries
 * `Software and Configuration Checks/AWS Backup/<Kind> Job Failed` (a custom category inside a documented
 * namespace, which the taxonomy allows), so one filter finds them all; the category stays the same when the
 * finding is archived, because it names what the finding tracks. A scan that found threats adds
 * `TTPs/Execution/Malicious File In Recovery Point`: the threat is malware (GuardDuty, which runs the scan,
 * classifies malicious files under the Execution tactic), not a configuration problem.
 */
export function typesOf(ev: BackupJobEvent): string[] {
  const types = [`Software and Configuration Checks/AWS Backup/${JOBS[ev.kind].title} Job Failed`];
  if (classify(ev).severityKey === SCAN_THREATS_KEY) types.push('TTPs/Execution/Malicious File In Recovery Point');
  return types;
}

/** The job's page in the AWS Backup console of the source account and Region. */
export function consoleUrlOf(ev: BackupJobEvent, partition: string): string | undefined {
  if (ev.jobId === undefined) return undefined;
  return jobConsoleUrl(consoleHostOf(partition, ev.region), ev.region, ev.kind, encodeURIComponent(ev.jobId));
}


/**
 * Builds the finding for a job event, to be imported at `dest`, or `undefined` for a job still in progress.
 *
 * `dest` is where the finding is imported (see attribution.ts): the source account itself, or the
 * forwarder's own account. Either way the source account and Region are in the title, the resources and the
 * product fields, so a finding imported centrally still says where the job ran.
 */
export function buildFinding(ev: BackupJobEvent, dest: FindingDestination, overrides?: SeverityOverrides): AwsSecurityFinding | undefined {
  const { outcome, severityKey } = classify(ev);
  if (outcome === JobOutcome.IN_PROGRESS) return undefined;

  const failed = outcome === JobOutcome.FAILURE;
  const severity = failed ? severityOf(severityKey, overrides) : { label: FindingSeverity.INFORMATIONAL, why: 'the job completed' };
  const what = describeJob(ev);
  const threats = severityKey === SCAN_THREATS_KEY;
  const stateText = threats ? `${ev.state} with threats found` : ev.state;
  const where = `${ev.account} ${ev.region}`;
  const types = typesOf(ev);
  const consoleUrl = consoleUrlOf(ev, dest.partition);

  const sentences = [
    `${what.subject} ended in state ${stateText} at ${ev.time} (account ${ev.account}, Region ${ev.region}).`,
    failed
      ? `Severity ${severity.label}: ${severity.why}.`
      : 'This closes the finding: a later failure for the same resource opens it again.',
  ];
  if (ev.statusMessage !== undefined) sentences.push(`Status message: ${ev.statusMessage}`);

  const finding: AwsSecurityFinding = {
    SchemaVersion: '2018-10-08',
    Id: findingIdOf(ev),
    ProductArn: productArnOf(dest.partition, dest.region, dest.accountId),
    ProductName: ID_PREFIX,
    GeneratorId: generatorIdOf(ev.kind),
    AwsAccountId: dest.accountId,
    Types: types,
    // A first sighting; lifecycle.ts keeps CreatedAt and FirstObservedAt of a finding that is already open.
    CreatedAt: ev.time,
    UpdatedAt: ev.time,
    FirstObservedAt: failed ? ev.time : undefined,
    LastObservedAt: failed ? ev.time : undefined,
    Severity: { Label: severity.label, Original: severity.label },
    // Security Hub takes a provider's later Severity and Types from here, not from the top-level fields.
    FindingProviderFields: { Severity: { Label: severity.label, Original: severity.label }, Types: types },
    Title: truncate(`[${where}] AWS Backup ${what.noun} ${stateText}: ${what.target}`, LIMITS.TITLE),
    Description: truncate(sentences.join(' '), LIMITS.DESCRIPTION),
    SourceUrl: consoleUrl,
    ProductFields: productFields(ev, { consoleUrl, stateText }),
    Resources: resourcesOf(ev, dest.partition),
    RecordState: failed ? 'ACTIVE' : 'ARCHIVED',
  };
  return dropBlank(finding) as AwsSecurityFinding;
}

function describeJob(ev: BackupJobEvent): { subject: string; noun: string; target: string } {
  const noun = JOBS[ev.kind].noun;
  const target = ev.resourceArn ?? ev.createdResourceArn ?? ev.recoveryPointArn ?? ev.restoreTestingPlanArn
    ?? (ev.jobId !== undefined ? `job ${ev.jobId}` : 'unknown resource');
  const job = ev.jobId !== undefined ? ` ${ev.jobId}` : '';
  const of = ev.resourceArn !== undefined ? ` of ${ev.resourceArn}` : '';
  const dest = ev.kind === BackupJobKind.COPY && ev.destinationBackupVaultArn !== undefined ? ` to ${ev.destinationBackupVaultArn}` : '';
  const plan = ev.restoreTestingPlanArn !== undefined ? ` (restore testing plan ${ev.restoreTestingPlanArn})` : '';
  return { subject: `The AWS Backup ${noun}${job}${of}${dest}${plan}`, noun, target };
}

function productFields(ev: BackupJobEvent, extra: { consoleUrl?: string; stateText: string }): Record<string, string> {
  const fields: Record<string, string | undefined> = {
    'cdk-backup-alarms/JobKind': ev.kind,
    'cdk-backup-alarms/JobId': ev.jobId,
    'cdk-backup-alarms/State': extra.stateText,
    'cdk-backup-alarms/SourceAccount': ev.account,
    'cdk-backup-alarms/SourceRegion': ev.region,
    'cdk-backup-alarms/ResourceArn': ev.resourceArn,
    'cdk-backup-alarms/ResourceType': ev.resourceType,
    'cdk-backup-alarms/BackupVaultArn': ev.backupVaultArn,
    'cdk-backup-alarms/BackupVaultName': ev.backupVaultName,
    'cdk-backup-alarms/DestinationBackupVaultArn': ev.destinationBackupVaultArn,
    'cdk-backup-alarms/RecoveryPointArn': ev.recoveryPointArn,
    'cdk-backup-alarms/DestinationRecoveryPointArn': ev.destinationRecoveryPointArn,
    'cdk-backup-alarms/CreatedResourceArn': ev.createdResourceArn,
    'cdk-backup-alarms/BackupPlanArn': ev.backupPlanArn,
    'cdk-backup-alarms/BackupPlanId': ev.backupPlanId,
    'cdk-backup-alarms/RestoreTestingPlanArn': ev.restoreTestingPlanArn,
    'cdk-backup-alarms/ScanResultStatus': ev.scanResultStatus,
    'cdk-backup-alarms/BackupSizeInBytes': ev.backupSizeInBytes,
    'cdk-backup-alarms/BytesTransferred': ev.bytesTransferred,
    'cdk-backup-alarms/StatusMessage': ev.statusMessage,
    'cdk-backup-alarms/EventId': ev.eventId,
    'cdk-backup-alarms/EventTime': ev.time,
    'cdk-backup-alarms/ConsoleUrl': extra.consoleUrl,
  };
  return boundedMap(fields, LIMITS.PRODUCT_FIELDS, LIMITS.PRODUCT_FIELD_KEY, LIMITS.PRODUCT_FIELD_VALUE);
}

// ASFF has dedicated types for these; everything else is `Other` (with the ARN as its Id).
const ASFF_TYPES: Array<[RegExp, string]> = [
  [/^arn:[^:]+:backup:[^:]*:[^:]*:backup-vault:/, 'AwsBackupBackupVault'],
  [/^arn:[^:]+:backup:[^:]*:[^:]*:recovery-point:/, 'AwsBackupRecoveryPoint'],
  [/^arn:[^:]+:backup:[^:]*:[^:]*:backup-plan:/, 'AwsBackupBackupPlan'],
  [/^arn:[^:]+:ec2:[^:]*:[^:]*:instance\//, 'AwsEc2Instance'],
  [/^arn:[^:]+:ec2:[^:]*:[^:]*:volume\//, 'AwsEc2Volume'],
  [/^arn:[^:]+:rds:[^:]*:[^:]*:db:/, 'AwsRdsDbInstance'],
  [/^arn:[^:]+:rds:[^:]*:[^:]*:cluster:/, 'AwsRdsDbCluster'],
  [/^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\//, 'AwsDynamoDbTable'],
  [/^arn:[^:]+:s3:::[^/]+$/, 'AwsS3Bucket'],
];

/** The ASFF resource type for an ARN: a dedicated type where ASFF has one, else `Other`. */
export function asffTypeOf(resourceArn: string): string {
  return ASFF_TYPES.find(([re]) => re.test(resourceArn))?.[1] ?? 'Other';
}

const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'];

function resourcesOf(ev: BackupJobEvent, partition: string): Resource[] {
  const out: Resource[] = [];
  const seen = new Set<string>();
  const add = (id: string | undefined, role: string, type?: string) => {
    if (id === undefined || seen.has(id) || out.length >= LIMITS.MAX_RESOURCES) return;
    seen.add(id);
    const [, arnPartition, , arnRegion] = id.startsWith('arn:') ? id.split(':') : [];
    out.push({
      Type: type ?? (id.startsWith('arn:') ? asffTypeOf(id) : 'Other'),
      Id: id,
      Partition: (PARTITIONS.includes(arnPartition ?? '') ? arnPartition : PARTITIONS.includes(partition) ? partition : undefined) as Partition | undefined,
      Region: arnRegion !== undefined && REGION.test(arnRegion) ? arnRegion : ev.region,
      Details: {
        Other: boundedMap({
          SourceAccount: ev.account,
          SourceRegion: ev.region,
          Role: role,
          JobKind: ev.kind,
          JobId: ev.jobId,
        }, LIMITS.OTHER_FIELDS, LIMITS.OTHER_KEY, LIMITS.OTHER_VALUE),
      },
    });
  };

  // The first resource is the one the finding is about (Security Hub shows it first).
  add(ev.resourceArn, 'protected resource');
  add(ev.backupVaultArn, ev.kind === BackupJobKind.COPY ? 'source backup vault' : 'backup vault', 'AwsBackupBackupVault');
  add(ev.destinationBackupVaultArn, 'destination backup vault', 'AwsBackupBackupVault');
  add(ev.recoveryPointArn, 'recovery point', 'AwsBackupRecoveryPoint');
  add(ev.destinationRecoveryPointArn, 'destination recovery point', 'AwsBackupRecoveryPoint');
  add(ev.createdResourceArn, 'restored resource');
  add(ev.restoreTestingPlanArn, 'restore testing plan', 'Other');
  add(ev.backupPlanArn, 'backup plan', 'AwsBackupBackupPlan');
  for (const r of ev.eventResources) {
    add(r, ev.kind === BackupJobKind.BACKUP && asffTypeOf(r) === 'AwsBackupRecoveryPoint' ? 'recovery point' : 'event resource');
  }
  // A restore FAILED event may name nothing but its job: the job itself is then the resource.
  if (out.length === 0) add(jobKey(ev) ?? `${ev.kind.toLowerCase()}-job/unknown`, 'job', 'Other');
  return out;
}
