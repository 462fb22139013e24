import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A cdk-nag rule this library knowingly does not follow on one resource, and why. */
export interface NagReason {
  readonly id: string;
  readonly reason: string;
  /** For rules that report findings per item (e.g. IAM5 per wildcard): the items excused. */
  readonly appliesTo?: string[];
}

/**
 * Record cdk-nag suppressions as the `cdk_nag` metadata that cdk-nag reads, so that the library needs no
 * runtime dependency on cdk-nag and users see the reasons in their own cdk-nag reports.
 */
export function explainNag(construct: IConstruct, reasons: NagReason[]): void {
  const cfn = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(cfn instanceof CfnResource)) {
    throw new Error(`internal: ${construct.node.path} has no CloudFormation resource to annotate`);
  }
  const existing = cfn.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
  cfn.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...reasons] });
}
