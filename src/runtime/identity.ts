/**
 * A finding's identity: one finding per (source account, source Region, job kind, protected thing), so SQS
 * redeliveries, EventBridge retries and repeated failures update one finding instead of piling up duplicates,
 * and the next success of the same protection closes it. Pure: no I/O, no clock, no SDK.
 */
import { createHash } from 'crypto';
import { LIMITS } from './asff';
import { BackupJobEvent, MalformedEventError } from './event';
import { BackupJobKind } from '../shared/backup-events';

/** Prefix of every finding `Id` and `GeneratorId`; findings of this library are easy to filter on. */
export const ID_PREFIX = 'cdk-backup-alarms';

/**
 * The resource a finding is about, which with account, Region and job kind makes its identity. A copy job is
 * keyed on its destination vault as well: a resource copied to two places (another Region and another
 * account) has two independent protections, and one's success must not archive the other's failure.
 * A restore's resource is the one it restores from (`sourceResourceArn`, read into `resourceArn`), so that a
 * later successful restore (test) of the same resource archives the failure; restore events often carry no
 * resource ARN at all (the documented FAILED example), hence the fall-backs: created resource, recovery
 * point, restore testing plan, and finally the job itself. A scan is keyed on the recovery point it scanned. A
 * backup job is keyed on its vault as well, for the same reason as a copy: two plans may back up one resource
 * into two vaults.
 */
export function resourceKeyOf(ev: BackupJobEvent): string {
  let key: string | undefined;
  switch (ev.kind) {
    case BackupJobKind.RESTORE:
      key = ev.resourceArn ?? ev.createdResourceArn ?? ev.recoveryPointArn ?? ev.restoreTestingPlanArn ?? jobKey(ev);
      break;
    case BackupJobKind.SCAN:
      // A scan judges one recovery point: a clean scan of a newer one must not close the finding of an
      // infected one, which would still bring the malware back if restored.
      key = ev.recoveryPointArn ?? ev.resourceArn ?? jobKey(ev);
      break;
    case BackupJobKind.COPY:
      key = ev.resourceArn === undefined ? ev.recoveryPointArn ?? jobKey(ev)
        : ev.destinationBackupVaultArn === undefined ? ev.resourceArn : `${ev.resourceArn}|${ev.destinationBackupVaultArn}`;
      break;
    default: {
      // A resource may be protected by several plans into several vaults: a success into one vault must not
      // archive the failure of another. The vault's name keys it (events carry the name, the ARN or both).
      const vault = vaultNameOf(ev);
      key = ev.resourceArn === undefined ? ev.recoveryPointArn ?? jobKey(ev)
        : vault === undefined ? ev.resourceArn : `${ev.resourceArn}|vault/${vault}`;
    }
  }
  if (key === undefined) {
    throw new MalformedEventError('NO_RESOURCE_OR_JOB_ID', `the ${ev.kind} event names neither a resource nor a job id`);
  }
  return key;
}

function vaultNameOf(ev: BackupJobEvent): string | undefined {
  return ev.backupVaultName ?? (ev.backupVaultArn === undefined ? undefined : /:backup-vault:(.+)$/.exec(ev.backupVaultArn)?.[1]);
}

export function jobKey(ev: BackupJobEvent): string | undefined {
  return ev.jobId === undefined ? undefined : `${ev.kind.toLowerCase()}-job/${ev.jobId}`;
}

/**
 * The finding `Id`: `cdk-backup-alarms/<account>/<region>/<KIND>/<resource key>`, or, when that would exceed
 * 512 characters, the same with the resource key replaced by `sha256/<hex>` (still deterministic).
 */
export function findingIdOf(ev: BackupJobEvent): string {
  const head = `${ID_PREFIX}/${ev.account}/${ev.region}/${ev.kind}/`;
  const key = resourceKeyOf(ev);
  const id = head + key;
  if (id.length <= LIMITS.ID) return id;
  return `${head}sha256/${createHash('sha256').update(key).digest('hex')}`;
}

/** `GeneratorId`: one stable value per job kind, so insights and automation rules can group on it. */
export function generatorIdOf(kind: BackupJobKind): string {
  return `${ID_PREFIX}/aws-backup/${kind.toLowerCase()}-job-state`;
}

/** The default product ARN of an account, the only one through which that account may import. */
export function productArnOf(partition: string, region: string, accountId: string): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}
