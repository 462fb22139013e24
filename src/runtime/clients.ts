/**
 * The forwarder's AWS clients and pacers, created once per container and reused by every invocation: one
 * Security Hub client per account and Region (with the member role's credentials in SOURCE_ACCOUNT mode),
 * one STS client, and one pacer per quota (imports and look-ups have their own), account and Region.
 */
// The runtime dependencies below are bundled into the Lambda asset by esbuild; the library never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import { BatchImportFindingsCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
// eslint-disable-next-line import/no-extraneous-dependencies
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ImportTarget, MemberCredentials, targetKey } from './attribution';
import type { ForwarderConfig } from './config';
import type { SendBatch } from './importer';
import type { LookupOpenFindings } from './lifecycle';
import { Pacer } from './pacer';
import { RATE_BUDGET } from '../shared/contract';
import { FindingAttribution } from '../shared/findings';

const CLIENT_OPTIONS = {
  // The importer retries with pacing and the Lambda's deadline in mind; SDK retries would multiply them.
  maxAttempts: 1,
  // Without throwOnRequestTimeout, @smithy/node-http-handler only logs a warning at requestTimeout and keeps
  // waiting (test/runtime/faults.test.ts, fault d): a hung call would hold the batch until the Lambda timeout.
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 20_000, throwOnRequestTimeout: true },
};

/**
 * A signal that aborts a call still in flight at `hardStop` (epoch ms): a call started just before the
 * handler's deadline must not outlive the function, or Lambda fails the whole batch and delivers it again.
 */
function until(hardStop: number | undefined): { abortSignal?: AbortSignal } {
  return hardStop === undefined ? {} : { abortSignal: AbortSignal.timeout(Math.max(1, hardStop - Date.now())) };
}

/** Clients and pacers of one container. */
export class SecurityHubClients {
  private readonly securityHub = new Map<string, SecurityHubClient>();
  private readonly pacers = new Map<string, Pacer>();
  private members?: MemberCredentials;

  constructor(private readonly config: ForwarderConfig) {}

  /**
   * BatchImportFindings with the credentials of the target's account; a call still running at `hardStop`
   * (epoch ms) is aborted.
   */
  public sender(self: ImportTarget, hardStop?: number): SendBatch {
    return async (target, findings) => {
      const client = await this.securityHubFor(target, self);
      return client.send(new BatchImportFindingsCommand({ Findings: findings }), until(hardStop));
    };
  }

  /** GetFindings of the open findings among `ids`, with the credentials of the target's account; aborted at `hardStop`. */
  public lookup(self: ImportTarget, hardStop?: number): LookupOpenFindings {
    return async (target, ids) => {
      const client = await this.securityHubFor(target, self);
      const out = await client.send(new GetFindingsCommand({
        Filters: {
          Id: ids.map((Value) => ({ Value, Comparison: 'EQUALS' })),
          RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
        },
        MaxResults: 100,
      }), until(hardStop));
      return (out.Findings ?? [])
        .filter((f) => f.Id !== undefined && f.CreatedAt !== undefined && f.RecordState === 'ACTIVE')
        .map((f) => ({ id: f.Id!, createdAt: f.CreatedAt!, firstObservedAt: f.FirstObservedAt, lastObservedAt: f.LastObservedAt }));
    };
  }

  /** The BatchImportFindings pacer of a target (its quota is per account and Region). */
  public importPacer(target: ImportTarget): Pacer {
    return this.pacer(`import|${targetKey(target)}`, { requestsPerSecond: this.config.requestsPerSecond, burst: this.config.burst });
  }

  /** The GetFindings pacer of a target (a quota of its own). */
  public lookupPacer(target: ImportTarget): Pacer {
    return this.pacer(`lookup|${targetKey(target)}`, { requestsPerSecond: RATE_BUDGET.LOOKUPS_PER_SECOND, burst: RATE_BUDGET.LOOKUP_BURST });
  }

  private pacer(key: string, options: { requestsPerSecond: number; burst: number }): Pacer {
    let pacer = this.pacers.get(key);
    if (pacer === undefined) {
      pacer = new Pacer(options);
      this.pacers.set(key, pacer);
    }
    return pacer;
  }

  private async securityHubFor(target: ImportTarget, self: ImportTarget): Promise<SecurityHubClient> {
    const key = targetKey(target);
    let members: MemberCredentials | undefined;
    // The forwarder's own account needs no member role: its own credentials are that account's.
    if (this.config.attributionMode === FindingAttribution.SOURCE_ACCOUNT && target.accountId !== self.accountId) {
      members = this.membersOf(target.partition);
      // Cached after the first call; an AssumeRole failure surfaces here as the error of this call.
      await members.get(target.accountId);
    }
    let client = this.securityHub.get(key);
    if (client === undefined) {
      const m = members;
      client = new SecurityHubClient({
        ...CLIENT_OPTIONS,
        region: target.region,
        // The function's own role, or the member role of exactly this account: never another account's.
        ...(m === undefined ? {} : { credentials: () => m.get(target.accountId) }),
      });
      this.securityHub.set(key, client);
    }
    return client;
  }

  private membersOf(partition: string): MemberCredentials {
    if (this.members === undefined) {
      const sts = new STSClient({ region: process.env.AWS_REGION });
      this.members = new MemberCredentials({
        partition,
        roleName: this.config.memberRoleName!,
        assumeRole: async (roleArn, sessionName) => {
          const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 3600 }));
          const c = out.Credentials;
          if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.Expiration === undefined) {
            throw new Error(`AssumeRole of ${roleArn} returned no credentials`);
          }
          return {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            sessionToken: c.SessionToken,
            expiration: c.Expiration,
            assumedRoleArn: out.AssumedRoleUser?.Arn,
          };
        },
      });
    }
    return this.members;
  }
}
