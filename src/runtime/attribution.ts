/**
 * Which account a finding is imported into, and with whose credentials.
 *
 * Security Hub lets only the account named in a finding's `AwsAccountId` import it through the default
 * product ARN (`arn:<partition>:securityhub:<region>:<account>:product/<account>/default`); anything else is
 * an AccessDeniedException. A central forwarder therefore has two honest options:
 *
 * - `FORWARDER_ACCOUNT` (default): import every finding as the forwarder's own account, in its own Region.
 *   The source account and Region stay visible in the finding's title, resources and product fields. One
 *   place to look, no roles in member accounts; findings do not show up in the member account's own hub.
 * - `SOURCE_ACCOUNT`: assume `MEMBER_ROLE_NAME` in the source account and import there, in the Region where
 *   the job ran. Member accounts see their own findings, and a Security Hub administrator account
 *   aggregates them as usual; every member account and Region needs the role and Security Hub enabled.
 */
import type { BackupJobEvent } from './event';
import { FindingAttribution } from '../shared/findings';
import { ACCOUNT_ID } from '../shared/names';

/** An account and Region to import into, with the partition of its ARNs. */
export interface ImportTarget {
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
}

/** The key of an import target: Security Hub's quotas and findings are per account and Region. */
export function targetKey(target: ImportTarget): string {
  return `${target.accountId}|${target.region}`;
}

/** The key of a finding in one target. */
export function findingKey(target: ImportTarget, id: string): string {
  return `${targetKey(target)}|${id}`;
}

/** The forwarder's own account, Region and partition, from its function ARN. */
export function forwarderIdentity(invokedFunctionArn: string, region?: string): ImportTarget {
  // arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]
  const parts = (invokedFunctionArn ?? '').split(':');
  const [prefix, partition, service, arnRegion, accountId] = parts;
  if (prefix !== 'arn' || service !== 'lambda' || !partition || !ACCOUNT_ID.test(accountId ?? '') || !arnRegion) {
    throw new Error(`cannot read the forwarder's account from invokedFunctionArn '${invokedFunctionArn}'`);
  }
  return { partition, accountId: accountId!, region: region || arnRegion };
}

/** Where the finding of `ev` is imported. */
export function importTargetFor(mode: FindingAttribution, ev: Pick<BackupJobEvent, 'account' | 'region'>, self: ImportTarget): ImportTarget {
  return mode === FindingAttribution.SOURCE_ACCOUNT
    ? { partition: self.partition, accountId: ev.account, region: ev.region }
    : self;
}

/** The role the forwarder assumes in a member account (SOURCE_ACCOUNT mode). */
export function memberRoleArn(partition: string, accountId: string, roleName: string): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}

/** Temporary credentials, shaped as the SDK's credential identity so a client can take them as they are. */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** The result of an STS AssumeRole call, reduced to what the cache needs. */
export interface AssumedRole {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration: Date;
  /** `AssumedRoleUser.Arn`: `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`. */
  readonly assumedRoleArn?: string;
}

/** Calls STS AssumeRole; injected so the cache is testable without the SDK. */
export type AssumeRoleFn = (roleArn: string, sessionName: string) => Promise<AssumedRole>;

/** Options of a `MemberCredentials` cache. */
export interface MemberCredentialsOptions {
  readonly assumeRole: AssumeRoleFn;
  readonly roleName: string;
  readonly partition: string;
  /** @default Date.now */
  readonly now?: () => number;
  /** Refresh credentials this long before they expire. @default 5 minutes */
  readonly refreshMarginMs?: number;
}

/** The session name member-account CloudTrail shows for the forwarder's calls. */
export const ROLE_SESSION_NAME = 'cdk-backup-alarms-securityhub-forwarder';

/**
 * Member-account credentials, one AssumeRole per account until near expiry. Concurrent requests for the same
 * account share one STS call; a failure is not cached, so the next batch tries again.
 */
export class MemberCredentials {
  private readonly options: MemberCredentialsOptions;
  private readonly now: () => number;
  private readonly margin: number;
  private readonly cache = new Map<string, Promise<TemporaryCredentials>>();

  constructor(options: MemberCredentialsOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.margin = options.refreshMarginMs ?? 5 * 60_000;
  }

  /** Credentials of the member role in `accountId`, checked to belong to that account. */
  public async get(accountId: string): Promise<TemporaryCredentials> {
    const cached = this.cache.get(accountId);
    if (cached !== undefined) {
      const creds = await cached;
      if (creds.expiration === undefined || creds.expiration.getTime() - this.margin > this.now()) return creds;
      if (this.cache.get(accountId) === cached) this.cache.delete(accountId);
      return this.get(accountId);
    }
    const pending = this.assume(accountId);
    this.cache.set(accountId, pending);
    try {
      return await pending;
    } catch (err) {
      if (this.cache.get(accountId) === pending) this.cache.delete(accountId);
      throw err;
    }
  }

  private async assume(accountId: string): Promise<TemporaryCredentials> {
    const roleArn = memberRoleArn(this.options.partition, accountId, this.options.roleName);
    const r = await this.options.assumeRole(roleArn, ROLE_SESSION_NAME);
    // Never import with credentials of another account than the finding names, whatever STS returned.
    const assumedAccount = r.assumedRoleArn?.split(':')[4];
    if (assumedAccount !== undefined && assumedAccount !== accountId) {
      throw new Error(`AssumeRole of ${roleArn} returned credentials of account ${assumedAccount}`);
    }
    return {
      accessKeyId: r.accessKeyId,
      secretAccessKey: r.secretAccessKey,
      sessionToken: r.sessionToken,
      expiration: r.expiration,
    };
  }
}
