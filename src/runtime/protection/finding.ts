/**
 * A Security Hub finding (ASFF) per overdue episode: ACTIVE while the protection is overdue, ARCHIVED on its
 * next success or its retirement. Imported as the checker's own account and Region (Security Hub accepts a
 * finding only from the account named in it); the resource's account and Region are in the resource, the title
 * and the product fields. Pure: no I/O, no clock.
 *
 * One finding per episode (`Id` ends with the success the episode started after), `UpdatedAt` when the checker
 * claimed the change, so the archiving import is strictly later than the one that opened it.
 */
import { lastSuccessOf, ProtectionItem } from './item';
import { reportKindOf } from './overdue';
import { OVERDUE_CAUSES, OverdueReportKind, ProtectionKind } from '../../shared/protection';
import { dropBlank, LIMITS, truncate } from '../asff';
import { FindingHome } from '../heartbeat/finding';

const iso = (ms: number) => new Date(ms).toISOString();

/** The finding of `item`'s current state, or undefined when there is nothing to say. */
export function overdueFinding(item: ProtectionItem, home: FindingHome): Record<string, unknown> | undefined {
  const kind = reportKindOf(item);
  if (kind === undefined || item.overdueSince === undefined || item.changedAt === undefined) return undefined;
  const noun = item.kind === ProtectionKind.COPY ? 'copy' : 'backup';
  const where = `${item.resourceArn} (account ${item.account}, Region ${item.region})`;
  const last = lastSuccessOf(item);
  const finding = {
    SchemaVersion: '2018-10-08',
    Id: truncate(`cdk-backup-alarms/overdue/${item.kind}/${item.account}/${item.region}/${item.vault}/${item.resourceArn}/${item.overdueSince}`, LIMITS.ID),
    ProductArn: `arn:${home.partition}:securityhub:${home.region}:${home.accountId}:product/${home.accountId}/default`,
    GeneratorId: truncate(`cdk-backup-alarms/overdue/${item.kind}`, LIMITS.GENERATOR_ID),
    AwsAccountId: home.accountId,
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    CreatedAt: iso(item.overdueSince),
    FirstObservedAt: iso(item.overdueSince),
    LastObservedAt: iso(item.changedAt),
    UpdatedAt: iso(item.changedAt),
    Severity: { Label: 'HIGH' },
    Title: truncate(`Backup overdue: no successful ${noun} of ${where} since ${iso(item.overdueSince)}`, LIMITS.TITLE),
    Description: truncate(`No successful ${noun} job into ${item.vault} since ${iso(item.overdueSince)}, longer than its history or recovery point `
      + `objective allows. Likely causes: ${OVERDUE_CAUSES.join('; ')}.`, LIMITS.DESCRIPTION),
    ProductFields: {
      'cdk-backup-alarms/resource-account': item.account,
      'cdk-backup-alarms/resource-region': item.region,
      'cdk-backup-alarms/vault': item.vault,
      'cdk-backup-alarms/plan-id': item.planId ?? '',
      'cdk-backup-alarms/last-success': last === undefined ? 'never' : iso(last),
      'cdk-backup-alarms/last-failure': item.lastFailureAt === undefined ? '' : `${item.lastFailureState ?? 'FAILED'} ${iso(item.lastFailureAt)}`,
    },
    Resources: [{
      Type: 'Other',
      Id: item.resourceArn,
      Partition: home.partition,
      Region: item.region,
    }],
    RecordState: kind === OverdueReportKind.OVERDUE ? 'ACTIVE' : 'ARCHIVED',
  };
  return dropBlank(finding) as Record<string, unknown>;
}
