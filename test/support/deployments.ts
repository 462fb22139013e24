/**
 * What a CDK app deploys, account by account and Region by Region, the way CloudFormation would: every
 * stack in its environment, and every service-managed StackSet expanded to an instance per account of its
 * OUs (never the management account: "service-managed stack sets do not deploy to the management account",
 * StackSets user guide) and per Region, each with its embedded template.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BackupFailureRuleStackSet } from '../../src';

/** One template in one account and Region. */
export interface Deployment {
  /** The stack's name, or `stack set <path>`. */
  readonly source: string;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly template: Record<string, any>;
}

/** The organization as AWS Organizations would describe it. */
export interface Organization {
  readonly managementAccount: string;
  /** The accounts in each OU. */
  readonly ous: { readonly [ou: string]: readonly string[] };
}

/** Every deployment of `stacks`. */
export function deploymentsOf(stacks: Stack[], org?: Organization): Deployment[] {
  const out: Deployment[] = [];
  for (const stack of stacks) {
    const partition = partitionOf(stack.region);
    out.push({ source: stack.stackName, account: stack.account, region: stack.region, partition, template: Template.fromStack(stack).toJSON() });
    for (const set of stack.node.findAll().filter((c): c is BackupFailureRuleStackSet => c instanceof BackupFailureRuleStackSet)) {
      type Group = { deploymentTargets: { organizationalUnitIds: string[] }; regions: string[] };
      const groups = (stack.resolve(set.stackSet.stackInstancesGroup) ?? []) as Group[];
      for (const group of groups) {
        const accounts = group.deploymentTargets.organizationalUnitIds.flatMap((ou) => org?.ous[ou] ?? [])
          .filter((a) => a !== org?.managementAccount);
        for (const account of accounts) {
          for (const region of group.regions) {
            out.push({ source: `stack set ${set.node.path}`, account, region, partition: partitionOf(region), template: JSON.parse(set.templateBody) });
          }
        }
      }
    }
  }
  return out;
}

/** The UUID that `evaluate` gives every stack id. */
export const EXAMPLE_STACK_UUID = '1c2fa620-982a-11e3-aff7-50e2416294e0';

/** Evaluates the few intrinsics that names and ARNs use here, in a deployment's environment. */
export function evaluate(value: unknown, d: { account: string; region: string; partition?: string }): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, any>;
  if (v.Ref === 'AWS::Region') return d.region;
  if (v.Ref === 'AWS::AccountId') return d.account;
  if (v.Ref === 'AWS::Partition') return d.partition ?? partitionOf(d.region);
  if (v.Ref === 'AWS::URLSuffix') return partitionOf(d.region) === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  // A stack id as CloudFormation makes it: arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>.
  if (v.Ref === 'AWS::StackId') return `arn:${d.partition ?? partitionOf(d.region)}:cloudformation:${d.region}:${d.account}:stack/Stack/${EXAMPLE_STACK_UUID}`;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map((x) => evaluate(x, d)).join(v['Fn::Join'][0]);
  if (v['Fn::Split']) {
    const source = evaluate(v['Fn::Split'][1], d);
    return typeof source === 'string' ? source.split(v['Fn::Split'][0]) : value;
  }
  if (v['Fn::Select']) {
    const list = evaluate(v['Fn::Select'][1], d);
    return Array.isArray(list) ? list[v['Fn::Select'][0]] : value;
  }
  return value;
}

/** The partition of a Region. */
export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** The resources of a deployment of one type, with their logical ids. */
export function resourcesOf(d: Deployment, type: string): Array<[string, any]> {
  return Object.entries<any>(d.template.Resources ?? {}).filter(([, r]) => r.Type === type);
}
