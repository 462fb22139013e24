/**
 * The example deployment (test/example/deployment.ts) can be deployed as written: every account and Region of
 * the organization gets exactly one rule that forwards its AWS Backup job events to the central bus (no
 * account left out, none forwarding twice), and no IAM role name is created twice in one account (IAM names
 * are global to an account; CloudFormation fails the second stack). Stack set instances are expanded the
 * way CloudFormation does it: every account of the targeted OUs, every Region, never the management account
 * ("service-managed stack sets do not deploy to the management account", StackSets user guide,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-manage-auto-deployment.html).
 */
import { App } from 'aws-cdk-lib';
import { buildExample, EXAMPLE, EXAMPLE_OUS } from './example/deployment';
import { Deployment, deploymentsOf, evaluate } from './support/deployments';

function deployments(): Deployment[] {
  return deploymentsOf(buildExample(new App()), { managementAccount: EXAMPLE.managementAccount, ous: EXAMPLE_OUS });
}

const CENTRAL_BUS = `arn:aws:events:${EXAMPLE.centralRegion}:${EXAMPLE.centralAccount}:event-bus/${EXAMPLE.busName}`;
const ORGANIZATION = [EXAMPLE.managementAccount, EXAMPLE.centralAccount, ...EXAMPLE.memberAccounts];

/** The rules of a deployment that forward AWS Backup job events to the central bus. */
function jobForwarders(d: Deployment): string[] {
  return Object.entries<any>(d.template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::Events::Rule')
    .filter(([, r]) => JSON.stringify(r.Properties.EventPattern ?? {}).includes('Backup Job State Change'))
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
