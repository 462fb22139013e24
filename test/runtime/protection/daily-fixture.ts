/**
 * One day of an organization, as the daily report reads it: 120 accounts x 3 Regions, ten resources backed up
 * daily in each account-Region plus one cross-account copy, and the day's trouble placed by hand so that every
 * count the report makes is known in advance (`FACTS`). Deterministic: a seeded generator picks resource types
 * and minutes, never Math.random, so the README's example does not change from run to run.
 */
import { DailyReportInput, ReportSource } from '../../../src/runtime/protection/daily-input';
import { ActivityItem, ProtectionItem } from '../../../src/runtime/protection/item';
import { activityKey, hourOf, protectionKey, ProtectionKind, ProtectionState } from '../../../src/shared/protection';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** 07:00 in Berlin (CET) on 2026-12-06: when a report scheduled for the morning runs. */
export const NOW = Date.parse('2026-12-06T06:00:00Z');
/** Today's backup window opens at 01:00 UTC. */
const TODAY = Date.parse('2026-12-06T01:00:00Z');

export const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1'];
export const ACCOUNTS = Array.from({ length: 120 }, (_, i) => String(210_000_000_000 + i * 6_151_617));
/** The management account (backup policies live there). */
const MANAGEMENT = ACCOUNTS[0];
const COPY_VAULT = 'arn:aws:backup:eu-central-1:987654321098:backup-vault:org-copies';
const VAULT = 'org-daily';
const TYPES = ['EC2', 'EBS', 'RDS', 'DynamoDB', 'S3', 'EFS'];
const RESOURCES_PER_PLACE = 10;

/** Park and Miller's minimal standard generator: seeded, exact in doubles, good enough to scatter types and minutes. */
function rng(seed: number): () => number {
  let state = seed % 2_147_483_647;
  return () => {
    state = (state * 48_271) % 2_147_483_647;
    return (state - 1) / 2_147_483_646;
  };
}

function hex(r: () => number, n: number): string {
  return Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
}

function arnOf(type: string, account: string, region: string, j: number, r: () => number): string {
  switch (type) {
    case 'EC2': return `arn:aws:ec2:${region}:${account}:instance/i-0${hex(r, 16)}`;
    case 'EBS': return `arn:aws:ec2:${region}:${account}:volume/vol-0${hex(r, 16)}`;
    case 'RDS': return `arn:aws:rds:${region}:${account}:db:orders-${j}`;
    case 'DynamoDB': return `arn:aws:dynamodb:${region}:${account}:table/sessions-${j}`;
    case 'S3': return `arn:aws:s3:::acme-${account}-${region}-data-${j}`;
    default: return `arn:aws:elasticfilesystem:${region}:${account}:file-system/fs-0${hex(r, 16)}`;
  }
}

/** Status messages as AWS Backup writes them. */
export const MESSAGES = {
  EXPIRED: 'Backup job expired before it could start',
  PRIVILEGES: 'Insufficient privileges to perform this action.',
  RDS_STATE: 'The specified DB instance is not in the available state.',
  COPY_ACCESS: 'Access denied: the destination vault\'s access policy does not allow backup:CopyIntoBackupVault.',
  EBS_LIMIT: 'The maximum number of concurrent snapshot copies has been reached. Retry the job.',
  RESTORE_KMS: 'Access denied to the AWS KMS key that encrypts the recovery point (kms:CreateGrant).',
  SCAN_THREATS: 'Malware scan found 1 threat in recovery point.',
};

/** The places where something happened, by account index and Region. */
const P = {
  burst: { account: ACCOUNTS[7], region: 'eu-west-1' },
  privileges: { account: ACCOUNTS[15], region: 'eu-central-1' },
  rds: { account: ACCOUNTS[42], region: 'us-east-1' },
  copy: { account: ACCOUNTS[88], region: 'eu-west-1' },
  retried: { account: ACCOUNTS[23], region: 'eu-west-1' },
  restore: { account: ACCOUNTS[5], region: 'us-east-1' },
  scan: { account: ACCOUNTS[60], region: 'eu-central-1' },
  deleteRecoveryPoint: { account: ACCOUNTS[33], region: 'eu-west-1' },
  vaultLock: { account: ACCOUNTS[97], region: 'us-east-1' },
  noJob: { account: ACCOUNTS[77], region: 'eu-central-1' },
  silentSeen: { account: ACCOUNTS[50], region: 'eu-central-1' },
  silentNever: { account: ACCOUNTS[111], region: 'us-east-1' },
  overdue: [
    { account: ACCOUNTS[12], region: 'us-east-1', daysAgo: 9 },
    { account: ACCOUNTS[64], region: 'eu-west-1', daysAgo: 5 },
    // The youngest also failed since its last success: it is an open failure as well.
    { account: ACCOUNTS[101], region: 'eu-central-1', daysAgo: 3, failedDaysAgo: 2 },
  ],
  retired: { account: ACCOUNTS[19], region: 'eu-west-1' },
} as const;

/** What the report must find in `organizationDay()`, counted by hand from the placements above. */
export const FACTS = {
  sources: ACCOUNTS.length * REGIONS.length + 1,
  silent: 2,
  noJob: [P.noJob],
  protections: ACCOUNTS.length * REGIONS.length * (RESOURCES_PER_PLACE + 1) + 2,
  protectedResources: ACCOUNTS.length * REGIONS.length * RESOURCES_PER_PLACE,
  learning: 37,
  /** 10 expired + 1 privileges + 1 RDS + 1 retried (then succeeded) + 1 copy + 1 restore + 1 scan with threats. */
  failures: 16,
  failureGroups: 7,
  totals: {
    // 360 places minus the burst and the silent one, 10 each; minus 2 failed and 3 overdue.
    BACKUP: { successes: 358 * 10 - 2 - 3, failures: 13 },
    COPY: { successes: 358 - 1, failures: 1 },
    RESTORE: { successes: 4, failures: 1 },
    SCAN: { successes: 6, failures: 1 },
  },
  tamper: 2,
  policyChanges: 1,
  /** The burst's 10, privileges, RDS, the copy, and the youngest overdue. */
  openFailures: 14,
  overdue: 3,
  retired: 1,
  burst: P.burst,
  places: P,
};

interface DayOptions {
  /** Leave the trouble out: the same organization on a quiet day. */
  readonly quiet?: boolean;
}

function protection(
  kind: ProtectionKind, account: string, region: string, vault: string, resourceArn: string, type: string, rest: Partial<ProtectionItem>,
): ProtectionItem {
  return {
    pk: protectionKey(kind, account, region, vault, resourceArn),
    kind,
    account,
    region,
    vault,
    resourceArn,
    resourceType: type,
    planId: 'org-daily-plan',
    successes: [],
    state: ProtectionState.OK,
    ver: 0,
    notified: {},
    ...rest,
    successCount: rest.successCount ?? rest.successes?.length ?? 0,
  };
}

/** Daily successes ending `lastDaysAgo` days before today, HISTORY_KEEP of them. */
function daily(lastDaysAgo: number, minute: number): number[] {
  return Array.from({ length: 12 }, (_, i) => TODAY + 2 * HOUR + minute * MIN - (lastDaysAgo + 11 - i) * DAY);
}

const same = (a: { account: string; region: string }, b: { account: string; region: string }) => a.account === b.account && a.region === b.region;

/** The organization's day: the input of the daily report, and what it must say (`FACTS`). */
export function organizationDay(options: DayOptions = {}): DailyReportInput {
  const quiet = options.quiet === true;
  const r = rng(21);
  const protections: ProtectionItem[] = [];
  const activity: ActivityItem[] = [];
  const act = (hour: number, place: { account: string; region: string }, parts: Partial<Pick<ActivityItem, 'jobs' | 'messages' | 'tamper' | 'policy'>>) => {
    activity.push({
      pk: activityKey(hour, place.account, place.region),
      hour: hourOf(hour),
      account: place.account,
      region: place.region,
      jobs: parts.jobs ?? {},
      messages: parts.messages ?? {},
      tamper: parts.tamper ?? {},
      policy: parts.policy ?? {},
    });
  };

  for (const account of ACCOUNTS) {
    for (const region of REGIONS) {
      const place = { account, region };
      const burst = !quiet && same(place, P.burst);
      const noJob = !quiet && same(place, P.noJob);
      const overdue = quiet ? undefined : P.overdue.find((o) => same(o, place));
      let completed = 0;
      let failed = 0;
      for (let j = 0; j < RESOURCES_PER_PLACE; j++) {
        let type = TYPES[Math.floor(r() * TYPES.length)];
        const minute = Math.floor(r() * 110);
        // The first resource of a troubled place has the type its trouble needs.
        if (j === 0 && !quiet && same(place, P.rds)) type = 'RDS';
        if (j === 0 && !quiet && same(place, P.privileges)) type = 'S3';
        if (j === 0 && !quiet && same(place, P.retried)) type = 'EBS';
        const arn = arnOf(type, account, region, j, r);
        let rest: Partial<ProtectionItem> = { successes: daily(0, minute) };
        if (burst || noJob) {
          rest = { successes: daily(1, minute) };
          if (burst) rest = { ...rest, lastFailureAt: TODAY + 90 * MIN, lastFailureState: 'EXPIRED', lastFailureMessage: MESSAGES.EXPIRED, lastFailureJob: `job-${hex(r, 8)}` };
        } else if (j === 0 && !quiet && (same(place, P.privileges) || same(place, P.rds))) {
          const message = same(place, P.rds) ? MESSAGES.RDS_STATE : MESSAGES.PRIVILEGES;
          rest = { successes: daily(1, minute), lastFailureAt: TODAY + 2 * HOUR + 5 * MIN, lastFailureState: 'FAILED', lastFailureMessage: message };
          failed++;
        } else if (j === 0 && !quiet && same(place, P.retried)) {
          // Failed at 02:10, retried and succeeded at 03:40: not an open failure.
          rest = { successes: [...daily(1, minute), TODAY + 160 * MIN], lastFailureAt: TODAY + 70 * MIN, lastFailureState: 'FAILED', lastFailureMessage: MESSAGES.EBS_LIMIT };
          failed++;
          completed++;
        } else if (j === 1 && overdue !== undefined) {
          rest = {
            successes: daily(overdue.daysAgo, minute),
            state: ProtectionState.OVERDUE,
            ver: 1,
            overdueSince: daily(overdue.daysAgo, minute)[11],
            changedAt: daily(overdue.daysAgo, minute)[11] + 26 * HOUR,
            ...('failedDaysAgo' in overdue ? { lastFailureAt: TODAY - overdue.failedDaysAgo * DAY + 2 * HOUR, lastFailureState: 'EXPIRED', lastFailureMessage: MESSAGES.EXPIRED } : {}),
          };
        } else {
          completed++;
        }
        protections.push(protection(ProtectionKind.BACKUP, account, region, VAULT, arn, type, rest));
        if (j === 0) {
          // Each place copies its first resource to the central backup account.
          const copyFailed = !quiet && same(place, P.copy);
          const copyRest: Partial<ProtectionItem> = burst || noJob
            ? { successes: daily(1, minute + 60) }
            : copyFailed
              ? { successes: daily(1, minute + 60), lastFailureAt: TODAY + 4 * HOUR, lastFailureState: 'FAILED', lastFailureMessage: MESSAGES.COPY_ACCESS }
              : { successes: daily(0, minute + 60) };
          protections.push(protection(ProtectionKind.COPY, account, region, COPY_VAULT, arn, type, copyRest));
        }
      }
      if (noJob) continue;
      if (burst) {
        act(TODAY + HOUR, place, { jobs: { BACKUP_EXPIRED: 10 }, messages: { BACKUP_EXPIRED: MESSAGES.EXPIRED } });
        continue;
      }
      const jobs: { [k: string]: number } = { BACKUP_COMPLETED: completed };
      const messages: { [k: string]: string } = {};
      if (failed > 0) {
        jobs.BACKUP_FAILED = failed;
        messages.BACKUP_FAILED = same(place, P.rds) ? MESSAGES.RDS_STATE : same(place, P.retried) ? MESSAGES.EBS_LIMIT : MESSAGES.PRIVILEGES;
      }
      act(TODAY + 2 * HOUR, place, { jobs, messages });
      const copyFailed = !quiet && same(place, P.copy);
      act(TODAY + 3 * HOUR, place, copyFailed
        ? { jobs: { COPY_FAILED: 1 }, messages: { COPY_FAILED: MESSAGES.COPY_ACCESS } }
        : { jobs: { COPY_COMPLETED: 1 } });
    }
  }

  // Restore tests and malware scans: a few places, once a day.
  for (const i of [6, 30, 45, 90]) act(TODAY + 4 * HOUR, { account: ACCOUNTS[i], region: 'us-east-1' }, { jobs: { RESTORE_COMPLETED: 1 } });
  for (const i of [59, 61, 62, 63, 64, 65]) act(TODAY + 4 * HOUR, { account: ACCOUNTS[i], region: 'eu-central-1' }, { jobs: { SCAN_COMPLETED: 1 } });
  // Yesterday's failures before the window: not counted.
  act(NOW - DAY - 2 * HOUR, P.rds, { jobs: { BACKUP_FAILED: 5 }, messages: { BACKUP_FAILED: 'stale: before the window' } });

  if (!quiet) {
    act(TODAY + 4 * HOUR, P.restore, { jobs: { RESTORE_FAILED: 1 }, messages: { RESTORE_FAILED: MESSAGES.RESTORE_KMS } });
    act(TODAY + 4 * HOUR, P.scan, { jobs: { SCAN_THREATS_FOUND: 1 }, messages: { SCAN_THREATS_FOUND: MESSAGES.SCAN_THREATS } });
    act(NOW - 14 * HOUR, P.deleteRecoveryPoint, { tamper: { DeleteRecoveryPoint: 1 } });
    act(NOW - 9 * HOUR, P.vaultLock, { tamper: { DeleteBackupVaultLockConfiguration: 1 } });
    act(NOW - 20 * HOUR, { account: MANAGEMENT, region: 'us-east-1' }, { policy: { UpdatePolicy: 1 } });
  }

  // A database deleted last month, retired this morning after 30 days overdue; and one retired a week ago.
  const retiredArn = `arn:aws:rds:${P.retired.region}:${P.retired.account}:db:legacy-billing`;
  protections.push(protection(ProtectionKind.BACKUP, P.retired.account, P.retired.region, VAULT, retiredArn, 'RDS', {
    successes: daily(31, 12), state: ProtectionState.RETIRED, ver: 2, changedAt: quiet ? NOW - 7 * DAY : NOW - 5 * HOUR,
  }));
  const oldArn = `arn:aws:dynamodb:${P.retired.region}:${P.retired.account}:table/migration-2025`;
  protections.push(protection(ProtectionKind.BACKUP, P.retired.account, P.retired.region, VAULT, oldArn, 'DynamoDB', {
    successes: daily(40, 3), state: ProtectionState.RETIRED, ver: 2, changedAt: NOW - 7 * DAY, retiredAt: NOW - 7 * DAY,
  }));

  const sources: ReportSource[] = ACCOUNTS.flatMap((account) => REGIONS.map((region) => {
    const place = { account, region };
    if (!quiet && same(place, P.silentSeen)) return { account, region, rule: 'backup-failure-rule', lastSeen: NOW - 30 * HOUR, silent: true };
    if (!quiet && same(place, P.silentNever)) return { account, region, rule: 'backup-failure-rule', silent: true };
    return { account, region, rule: 'backup-failure-rule', lastSeen: NOW - Math.floor(r() * 8 * 60) * MIN, silent: false };
  }));
  sources.push({ account: MANAGEMENT, region: 'us-east-1', rule: 'backup-policy-change-rule', lastSeen: NOW - 3 * HOUR, silent: false });

  return {
    now: NOW,
    timeZone: 'Europe/Berlin',
    partition: 'aws',
    activity,
    protections,
    learning: FACTS.learning,
    sources,
    tableName: 'central-ProtectionLedger-1X2Y3Z',
  };
}

/** The same organization on a day with nothing to act on. */
export function quietDay(): DailyReportInput {
  return organizationDay({ quiet: true });
}

/**
 * A large ledger for the size bound: `count` protections in 1,000 accounts x 10 Regions, the first `overdue` of
 * them overdue, each with a long status message.
 */
export function largeDay(count: number, overdue: number): DailyReportInput {
  const accounts = Array.from({ length: 1000 }, (_, i) => String(300_000_000_000 + i * 7_919));
  const regions = ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'us-east-1', 'us-east-2', 'us-west-2', 'ap-southeast-2', 'ap-northeast-1'];
  const long = 'The specified DB instance is not in the available state. '.repeat(20);
  const protections: ProtectionItem[] = [];
  const activity: ActivityItem[] = [];
  for (let i = 0; i < count; i++) {
    const account = accounts[i % accounts.length];
    const region = regions[Math.floor(i / accounts.length) % regions.length];
    const arn = `arn:aws:rds:${region}:${account}:db:a-rather-long-database-identifier-for-the-size-bound-${i}`;
    const late = i < overdue;
    protections.push(protection(ProtectionKind.BACKUP, account, region, VAULT, arn, 'RDS', {
      successes: daily(late ? 3 + (i % 20) : 0, i % 60),
      state: late ? ProtectionState.OVERDUE : ProtectionState.OK,
      ...(late ? { lastFailureAt: TODAY, lastFailureState: 'FAILED', lastFailureMessage: long } : {}),
    }));
  }
  for (const account of accounts) {
    for (const region of regions) {
      activity.push({
        pk: activityKey(TODAY, account, region),
        hour: TODAY,
        account,
        region,
        jobs: { BACKUP_COMPLETED: 9, BACKUP_FAILED: 1, COPY_PARTIAL: 1 },
        messages: { BACKUP_FAILED: long, COPY_PARTIAL: long },
        tamper: { DeleteRecoveryPoint: 1 },
        policy: {},
      });
    }
  }
  const sources = accounts.flatMap((account) => regions.map((region, k) => ({ account, region, rule: 'backup-failure-rule', silent: k === 0 })));
  return { now: NOW, timeZone: 'Europe/Berlin', partition: 'aws', activity, protections, learning: 0, sources, tableName: 'large' };
}
