/**
 * The example deployment (test/example/deployment.ts) can be deployed as written: no IAM role name is created
 * twice in one account (IAM names are global to an account; CloudFormation fails the second stack), and the
 * management account, which stack sets never reach, has rules of its own. Stack set instances are expanded the
 * way CloudFormation does it: every account of the targeted OUs, every Region, never the management account
 * ("service-managed stack sets do not deploy to the management account", StackSets user guide,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-manage-auto-deployment.html).
 */
import { App } from 'aws-cdk-lib';
import { buildExample, EXAMPLE, EXAMPLE_OUS, MemberStack } from './example/deployment';
import { Deployment, deploymentsOf, evaluate } from './support/deployments';

function deployments(): Deployment[] {
  return deploymentsOf(buildExample(new App()), { managementAccount: EXAMPLE.managementAccount, ous: EXAMPLE_OUS });
}

const ORGANIZATION = [EXAMPLE.managementAccount, EXAMPLE.centralAccount, ...EXAMPLE.memberAccounts];

// That every account and Region forwards its job events exactly once is checked, for this example and the
// other architectures, by test/architectures.test.ts.

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

test('the central bus admits every role that forwards to it from another account, and no other (the README\'s one deployment)', () => {
  const all = deployments();
  const central = all.find((d) => d.source === 'BackupAlarmsCentral')!;
  const [policy] = Object.values<any>(central.template.Resources).filter((r) => r.Type === 'AWS::Events::EventBusPolicy');
  const admitted = new Set((policy.Properties.Statement.Condition.ArnLike['aws:PrincipalArn'] as unknown[])
    .map((arn) => String(evaluate(arn, central)).replace(/^arn:aws:iam::\*:role\//, '')));
  const forwarding = new Set<string>();
  for (const d of all.filter((x) => x.account !== EXAMPLE.centralAccount)) {
    for (const r of Object.values<any>(d.template.Resources ?? {})) {
      // The roles EventBridge assumes to put events on the central bus.
      if (r.Type === 'AWS::IAM::Role' && JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('events.amazonaws.com')) {
        forwarding.add(String(evaluate(r.Properties.RoleName, d)));
      }
    }
  }
  expect([...forwarding].sort()).toEqual([...admitted].sort());
});

test('synthesis refuses the deployment if the bus stops admitting one of its forwarding roles', () => {
  const app = new App();
  const stacks = buildExample(app);
  // What a copy-paste slip would do: a member rule stack with a role name of its own.
  const slip = new MemberStack(app, 'Slip', { env: { account: '444444444444', region: 'eu-west-2' }, centralBusArn: `arn:aws:events:${EXAMPLE.centralRegion}:${EXAMPLE.centralAccount}:event-bus/${EXAMPLE.busName}` });
  expect(stacks).not.toContain(slip);
  expect(() => app.synth()).toThrow(/BackupFailureRule 'Slip\/BackupFailures' forwards with the role name 'backup-alarms-forwarder-eu-west-2', which the policy of CentralAlarmBus 'BackupAlarmsCentral\/BackupAlarms' does not admit/);
});
