import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * An IAM role whose permissions live in one customer-managed policy attached to it (construct id `Policy`)
 * instead of CDK's inline `DefaultPolicy`: every grant (`addToPrincipalPolicy`, `grant*()`, event sources)
 * lands there. NIST 800-53 rev 5, HIPAA Security and PCI DSS 3.2.1 ask for managed policies over inline ones
 * (cdk-nag IAMNoInlinePolicy: AWS Config `iam-no-inline-policy-check`), and customer-managed policies cost
 * nothing. Resources that need the permissions when they are created (a Lambda event source mapping checks
 * its role) must depend on `policy`, which `policyDependable` hands to CDK's grants.
 */
export class ManagedPolicyRole extends iam.Role {
  private managed?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, props);
  }

  /** The managed policy, once something has been granted. */
  public get policy(): iam.ManagedPolicy | undefined {
    return this.managed;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (this.managed === undefined) {
      this.managed = new iam.ManagedPolicy(this, 'Policy', {
        description: `Permissions of ${this.node.path} (cdk-backup-alarms)`,
        roles: [this],
      });
    }
    this.managed.addStatements(statement);
    return { statementAdded: true, policyDependable: this.managed };
  }
}
