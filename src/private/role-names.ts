import { Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { partitionOfRegion } from './partition';

/** One construct's claim on a fixed role name. */
interface Claim {
  /** How messages name the construct, e.g. `SecurityHubFindingForwarder 'Central/Findings'`. */
  readonly owner: string;
  readonly prop: string;
  readonly roleName: string;
  /** The account as messages show it. */
  readonly account: string;
  /** The Region, if known. */
  readonly region?: string;
}

/**
 * The fixed IAM role names the library's constructs create anywhere in one app, by account. IAM names are
 * global to an account (IAM user guide, "IAM object quotas" / "IAM identifiers": a role name is unique
 * within the account, whatever the Region), so two stacks of one app that create a role of the same name
 * in the same account (typically the same construct deployed in two Regions) synthesize fine and the
 * second deployment fails with `EntityAlreadyExists`. One registry per app (a child of the root
 * construct, never a static map) collects every claim and fails synthesis naming both constructs.
 */
class RoleNameRegistry extends Construct {
  public static of(scope: IConstruct): RoleNameRegistry {
    const root = scope.node.root;
    const existing = root.node.tryFindChild(RoleNameRegistry.ID);
    if (existing instanceof RoleNameRegistry) return existing;
    return new RoleNameRegistry(root as Construct, RoleNameRegistry.ID);
  }

  private static readonly ID = 'CdkBackupAlarmsRoleNames';
  private readonly claims = new Map<string, Claim[]>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.node.addValidation({ validate: () => this.collisions() });
  }

  public claim(key: string, claim: Claim): void {
    this.claims.set(key, [...(this.claims.get(key) ?? []), claim]);
  }

  private collisions(): string[] {
    const errors: string[] = [];
    for (const claims of this.claims.values()) {
      const [first, ...others] = claims;
      for (const other of others) {
        errors.push(`role name '${first.roleName}' is created twice in account ${first.account}: by ${describe(first)} and by ${describe(other)}. `
          + 'IAM role names are global to an account, so the second deployment would fail with EntityAlreadyExists: give each its own '
          + `${other.prop}, for example with the Region appended ('${first.roleName}-${other.region ?? '<region>'}'), or create the role once`);
      }
    }
    return errors;
  }
}

/**
 * Claims a fixed role name for `scope` (the construct that creates the role, named `owner` in messages, its
 * prop `prop`). Synthesis fails when another construct of this library claims the same name for the same
 * account anywhere in the app. A name or account that is a token is not judged, except within one stack
 * (one stack is always one account).
 */
export function claimRoleName(scope: Construct, owner: string, prop: string, roleName: string | undefined): void {
  if (roleName === undefined || Token.isUnresolved(roleName)) return;
  const stack = Stack.of(scope);
  // An environment-agnostic stack may go to any account: its names can only collide within itself.
  const account = Token.isUnresolved(stack.account) ? `of stack '${stack.node.path}'` : stack.account;
  const region = Token.isUnresolved(stack.region) ? undefined : stack.region;
  // The same twelve digits in another partition (aws-cn, aws-us-gov) are another account.
  const partition = region === undefined ? '' : partitionOfRegion(region);
  RoleNameRegistry.of(scope).claim(JSON.stringify([partition, account, roleName]), { owner, prop, roleName, account, region });
}

function describe(c: Claim): string {
  return `${c.owner} (${c.prop}${c.region ? `, ${c.region}` : ''})`;
}
