/**
 * Integration test (snapshot mode: integ-runner compares the synthesized templates with the committed
 * snapshot; nothing is deployed here). Deploying it for real needs an organization: replace the
 * placeholder ids in test/example/deployment.ts.
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App } from 'aws-cdk-lib';
import { CentralStack, EXAMPLE, MemberStack } from './example/deployment';

const app = new App();
const central = new CentralStack(app, 'BackupAlarmsIntegCentral', {
  env: { account: EXAMPLE.centralAccount, region: EXAMPLE.centralRegion },
});
const member = new MemberStack(app, 'BackupAlarmsIntegMember', {
  env: { account: EXAMPLE.memberAccounts[0], region: 'eu-central-1' },
  centralBusArn: `arn:aws:events:${EXAMPLE.centralRegion}:${EXAMPLE.centralAccount}:event-bus/${EXAMPLE.busName}`,
});
member.addDependency(central);

new IntegTest(app, 'BackupAlarms', {
  testCases: [central, member],
  // Email subscriptions stay pending until confirmed; a real run must not wait for them.
  diffAssets: false,
});
