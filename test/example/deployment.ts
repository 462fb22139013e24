/**
 * The complete example deployment, used by `npx projen example:synth` (offline, placeholder account ids)
 * and by the integ test: a central account with the alarm bus, member accounts in several Regions with
 * the failure rule, forwarding to the central bus by ARN as StackSets would.
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BackupFailureRule, BackupFailureRuleStackSet, BackupPolicyChangeRule, CentralAlarmBus, SecurityHubFindingForwarder } from '../../src';

/** Placeholder ids: nothing here is deployed by the tests. */
export const EXAMPLE = {
  organizationId: 'o-a1b2c3d4e5',
  centralAccount: '111111111111',
  managementAccount: '999999999999',
  centralRegion: 'eu-west-1',
  memberAccounts: ['222222222222', '333333333333'],
  memberRegions: ['eu-west-1', 'eu-central-1', 'us-east-1'],
  busName: 'backup-alarms',
  workloadsOu: 'ou-ab12-cdef3456',
  forwarderRoleName: 'backup-alarms-forwarder',
  email: 'backup-team@example.com',
};

/** The central account: bus, archive, emails. */
export class CentralStack extends Stack {
  public readonly alarms: CentralAlarmBus;
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.alarms = new CentralAlarmBus(this, 'BackupAlarms', {
      organizationId: EXAMPLE.organizationId,
      eventBusName: EXAMPLE.busName,
      forwarderRoleNames: [
        ...EXAMPLE.memberRegions.map((r) => `${EXAMPLE.forwarderRoleName}-${r}`),
        `${EXAMPLE.forwarderRoleName}-policies`,
      ],
      emailAddresses: [EXAMPLE.email],
    });
    new SecurityHubFindingForwarder(this, 'BackupFindings', {
      eventBus: this.alarms.eventBus,
      alarmTopic: this.alarms.topic,
      createInsight: true,
    });
  }
}

/** One member account and Region: the failure rule on the default bus. */
export class MemberStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { readonly centralBusArn: string }) {
    super(scope, id, props);
    new BackupFailureRule(this, 'BackupFailures', {
      centralBusArn: props.centralBusArn,
      forwardCompletions: true,
      forwarderRoleName: `${EXAMPLE.forwarderRoleName}-${this.region}`,
    });
  }
}

/** The management account, us-east-1: organization backup policy changes. */
export class ManagementStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { readonly centralBusArn: string }) {
    super(scope, id, props);
    new BackupPolicyChangeRule(this, 'BackupPolicyChanges', {
      centralBusArn: props.centralBusArn,
      forwarderRoleName: `${EXAMPLE.forwarderRoleName}-policies`,
    });
    // The same member rule, rolled out to every account of the workloads OU by StackSets.
    new BackupFailureRuleStackSet(this, 'MemberRollout', {
      centralBusArn: props.centralBusArn,
      organizationalUnitIds: [EXAMPLE.workloadsOu],
      regions: EXAMPLE.memberRegions,
      forwarderRoleNamePrefix: EXAMPLE.forwarderRoleName,
    });
  }
}

/** Builds every stack of the example into an app. */
export function buildExample(app: App): Stack[] {
  const central = new CentralStack(app, 'BackupAlarmsCentral', {
    env: { account: EXAMPLE.centralAccount, region: EXAMPLE.centralRegion },
  });
  const centralBusArn = `arn:aws:events:${EXAMPLE.centralRegion}:${EXAMPLE.centralAccount}:event-bus/${EXAMPLE.busName}`;
  const stacks: Stack[] = [central];
  stacks.push(new ManagementStack(app, 'BackupAlarmsManagement', {
    env: { account: EXAMPLE.managementAccount, region: 'us-east-1' },
    centralBusArn,
  }));
  for (const account of EXAMPLE.memberAccounts) {
    for (const region of EXAMPLE.memberRegions) {
      stacks.push(new MemberStack(app, `BackupAlarmsMember-${account}-${region}`, { env: { account, region }, centralBusArn }));
    }
  }
  return stacks;
}
