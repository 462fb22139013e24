/**
 * A Security Hub finding (ASFF) per silence: ACTIVE while the source is silent (or never seen), ARCHIVED once it
 * returns. Imported as the checker's own account and Region (Security Hub accepts a finding only from the account
 * named in it); the silent account, Region and rule are in the title, the resource and the product fields.
 * Pure: no I/O, no clock.
 *
 * One finding per episode (`Id` ends with when the silence began), so a source that goes silent again opens a
 * new finding; `UpdatedAt` is when the checker claimed the change, so the archiving import is strictly later
 * than the one that opened it (Security Hub ignores a re-import that is not).
 */
import { dropBlank, LIMITS, truncate } from '../asff';
import { LedgerItem, reportKindOf } from './checker';
import { HeartbeatReportKind, NEVER_SEEN_CAUSES, SILENCE_CAUSES } from '../../shared/heartbeat';

/** Where the checker runs: the account and Region findings are imported in. */
export interface FindingHome {
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The finding of `item`'s current state, or undefined when there is nothing to say. */
export function heartbeatFinding(item: LedgerItem, home: FindingHome): Record<string, unknown> | undefined {
  const kind = reportKindOf(item);
  if (kind === undefined || item.silentSince === undefined || item.changedAt === undefined) return undefined;
  const where = `account ${item.account}, Region ${item.region}, rule ${item.rule}`;
  const title = kind === HeartbeatReportKind.NEVER_SEEN
    ? `Backup alarm path never reported: ${where}`
    : `Backup alarm path silent: ${where}`;
  const description = kind === HeartbeatReportKind.NEVER_SEEN
    ? `No heartbeat has ever arrived from ${where}, expected since ${iso(item.silentSince)}. Its backup alarms may not reach you. Likely causes: ${NEVER_SEEN_CAUSES.join('; ')}.`
    : `No heartbeat from ${where} since ${iso(item.silentSince)}: its backup failures and tampering may not reach you. Likely causes: ${SILENCE_CAUSES.join('; ')}.`;
  const finding = {
    SchemaVersion: '2018-10-08',
    Id: truncate(`cdk-backup-alarms/heartbeat/${item.account}/${item.region}/${item.rule}/${item.silentSince}`, LIMITS.ID),
    ProductArn: `arn:${home.partition}:securityhub:${home.region}:${home.accountId}:product/${home.accountId}/default`,
    GeneratorId: truncate(`cdk-backup-alarms/heartbeat/${item.rule}`, LIMITS.GENERATOR_ID),
    AwsAccountId: home.accountId,
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    CreatedAt: iso(item.silentSince),
    FirstObservedAt: iso(item.silentSince),
    LastObservedAt: iso(item.changedAt),
    UpdatedAt: iso(item.changedAt),
    Severity: { Label: 'HIGH' },
    Title: truncate(title, LIMITS.TITLE),
    Description: truncate(description, LIMITS.DESCRIPTION),
    ProductFields: {
      'cdk-backup-alarms/source-account': item.account,
      'cdk-backup-alarms/source-region': item.region,
      'cdk-backup-alarms/rule': item.rule,
      'cdk-backup-alarms/last-heartbeat': item.lastSeen === undefined ? 'never' : iso(item.lastSeen),
    },
    Resources: [{
      Type: 'Other',
      Id: `arn:${home.partition}:events:${item.region}:${item.account}:event-bus/default`,
      Partition: home.partition,
      Region: item.region,
    }],
    RecordState: kind === HeartbeatReportKind.RETURNED ? 'ARCHIVED' : 'ACTIVE',
  };
  return dropBlank(finding) as Record<string, unknown>;
}
