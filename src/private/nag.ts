import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A cdk-nag rule this library knowingly does not follow on one resource, and why. */
export interface NagReason {
  readonly id: string;
  readonly reason: string;
  /** For rules that report findings per item (e.g. IAM5 per wildcard): the items excused. */
  readonly appliesTo?: string[];
  /**
   * The checkov checks (`CKV_AWS_...`) that report the same thing: they get the same reason, recorded where
   * checkov reads it, so that users' pipelines see no unexplained finding.
   */
  readonly checkov?: string[];
}

/**
 * Record cdk-nag suppressions as the `cdk_nag` metadata that cdk-nag reads, so that the library needs no
 * runtime dependency on cdk-nag and users see the reasons in their own cdk-nag reports. Reasons that name
 * checkov checks are also written as the resource's `checkov` metadata (checkov's documented CloudFormation
 * suppression: `Metadata.checkov.skip[{ id, comment }]`).
 */
export function explainNag(construct: IConstruct, reasons: NagReason[]): void {
  const cfn = cfnOf(construct);
  const nag = reasons.map(({ checkov: _checkov, ...rest }) => rest);
  const existing = cfn.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
  cfn.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...nag] });
  const skips = reasons.flatMap((r) => (r.checkov ?? []).map((id) => ({ id, comment: r.reason })));
  if (skips.length > 0) explainCheckov(cfn, skips);
}

/** A checkov check this library knowingly does not follow on one resource, and why. */
export interface CheckovReason {
  readonly id: string;
  readonly comment: string;
}

/** Record checkov suppressions (`Metadata.checkov.skip`), once per check id. */
export function explainCheckov(construct: IConstruct, reasons: CheckovReason[]): void {
  const cfn = cfnOf(construct);
  const existing: CheckovReason[] = cfn.getMetadata('checkov')?.skip ?? [];
  const seen = new Set(existing.map((s) => s.id));
  const added = reasons.filter((r) => !seen.has(r.id) && seen.add(r.id));
  cfn.addMetadata('checkov', { skip: [...existing, ...added] });
}

function cfnOf(construct: IConstruct): CfnResource {
  const cfn = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(cfn instanceof CfnResource)) {
    throw new Error(`internal: ${construct.node.path} has no CloudFormation resource to annotate`);
  }
  return cfn;
}
