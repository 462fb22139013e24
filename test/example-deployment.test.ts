/**
 * The example deployment (test/example/deployment.ts) can be deployed as written: every account and Region of
 * the organization gets exactly one rule that forwards its AWS Backup job events to the central bus (no
 * account left out, none forwarding twice), and no IAM role name is created twice in one account (IAM names
 * are global to an account; CloudFormation fails the second stack). Stack set instances are expanded the
 * way CloudFormation does it: every account of the targeted OUs, every Region, never the management account
 * ("service-managed stack sets do not deploy to the management account", StackSets user guide,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-manage-auto-deployment.html).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BackupFailureRuleStackSet } from '../src';
import { buildExample, EXAMPLE, EXAMPLE_OUS } from './example/deployment';

interface Deployment {
  readonly source: string;
  readonly account: string;
  readonly region: string;
  readonly template: Record<string, any>;
}

/** Evaluates the few intrinsics a role name or an ARN uses here. */
function evaluate(value: unknown, d: { account: string; region: string }): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, any>;
  if (v.Ref === 'AWS::Region') return d.region;
  if (v.Ref === 'AWS::AccountId') return d.account;
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map((x) => evaluate(x, d)).join(v['Fn::Join'][0]);
  return value;
}

function deployments(): Deployment[] {
  const app = new App();
  const stacks = buildExample(app);
  const out: Deployment[] = [];
  for (const stack of stacks) {
    out.push({ source: stack.stackName, account: stack.account, region: stack.region, template: Template.fromStack(stack).toJSON() });
    for (const set of stack.node.findAll().filter((c): c is BackupFailureRuleStackSet => c instanceof BackupFailureRuleStackSet)) {
      const cfn = Stack.of(set).resolve(set.stackSet._toCloudFormation()) as any;
      const groups = Object.values(cfn.Resources)[0] as any;
      for (const group of groups.Properties.StackInstancesGroup) {
        const accounts = group.DeploymentTargets.OrganizationalUnitIds.flatMap((ou: string) => EXAMPLE_OUS[ou] ?? [])
          .filter((a: string) => a !== EXAMPLE.managementAccount);
        for (const account of accounts) {
          for (const region of group.Regions) {
            out.push({ source: `stack set ${set.node.path}`, account, region, template: JSON.parse(set.templateBody) });
          }
        }
      }
    }
  }
  return out;
}

const CENTRAL_BUS = `arn:aws:events:${EXAMPLE.centralRegion}:${EXAMPLE.centralAccount}:event-bus/${EXAMPLE.busName}`;
const ORGANIZATION = [EXAMPLE.managementAccount, EXAMPLE.centralAccount, ...EXAMPLE.memberAccounts];

/** The rules of a deployment that forward AWS Backup job events to the central bus. */
function jobForwarders(d: Deployment): string[] {
  return Object.entries<any>(d.template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::Events::Rule')
    .filter(([, r]) => (r.Properties.EventPattern?.source ?? []).includes('aws.backup'))
    .filter(([, r]) => (r.Properties.Targets ?? []).some((t: any) => {
      const arn = evaluate(t.Arn, d);
      // The central stack's own default-bus rule targets the bus by reference.
      return arn === CENTRAL_BUS || (d.account === EXAMPLE.centralAccount && typeof t.Arn === 'object' && JSON.stringify(t.Arn).includes('EventBus'));
    }))
    .map(([id]) => `${d.source}/${id}`);
}

test('every account and Region of the organization forwards its job events to the central bus exactly once', () => {
  const all = deployments();
  for (const account of ORGANIZATION) {
    for (const region of EXAMPLE.memberRegions) {
      const forwarders = all.filter((d) => d.account === account && d.region === region).flatMap(jobForwarders);
      expect({ account, region, forwarders: forwarders.length }).toEqual({ account, region, forwarders: 1 });
    }
  }
});

test('no IAM role name is created twice in one account', () => {
  const names = new Map<string, string[]>();
  for (const d of deployments()) {
    for (const r of Object.values<any>(d.template.Resources ?? {})) {
      if (r.Type !== 'AWS::IAM::Role' || r.Properties.RoleName === undefined) continue;
      const key = `${d.account}:${evaluate(r.Properties.RoleName, d)}`;
      names.set(key, [...(names.get(key) ?? []), d.source]);
    }
  }
  const twice = [...names.entries()].filter(([, sources]) => sources.length > 1);
  expect(twice).toEqual([]);
  expect(names.size).toBeGreaterThan(ORGANIZATION.length); // the check saw the rollout's roles
});

test('the stack set never targets the management account, which deploys its own rules', () => {
  for (const accounts of Object.values(EXAMPLE_OUS)) expect(accounts).not.toContain(EXAMPLE.managementAccount);
  const own = deployments().filter((d) => d.account === EXAMPLE.managementAccount && !d.source.startsWith('stack set'));
  expect(own.map((d) => d.region).sort()).toEqual(expect.arrayContaining([...EXAMPLE.memberRegions].sort()));
});
