/**
 * The complete example deployment, used by `npx projen example:synth` (offline, placeholder account ids)
 * and by the integ test: a central account with the alarm bus; the management account with the policy-change
 * rule, the stack set that rolls the failure rule out to every OU account and Region, and the failure rule
 * for its own backups. One rollout path per account: the stack set for OU accounts, plain stacks for the
 * management account only.
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  BackupFailureRule, BackupFailureRuleStackSet, BackupPolicyChangeRule, BackupTamperRule, CentralAlarmBus,
  SecurityHubFindingForwarder, SecurityHubFindingForwarderProps,
} from '../../src';

/**
 * Placeholder ids: nothing here is deployed by the tests. The organization, as the deployment assumes it:
 * the central (security tooling) account sits in the Security OU, the workloads in the Workloads OU; the
 * management account is in no OU that a stack set targets (service-managed stack sets never deploy there).
 */
export const EXAMPLE = {
  organizationId: 'o-a1b2c3d4e5',
  centralAccount: '111111111111',
  managementAccount: '999999999999',
  centralRegion: 'eu-west-1',
  memberAccounts: ['222222222222', '333333333333'],
  memberRegions: ['eu-west-1', 'eu-central-1', 'us-east-1'],
  busName: 'backup-alarms',
  workloadsOu: 'ou-ab12-cdef3456',
  securityOu: 'ou-ab12-secu7890',
  forwarderRoleName: 'backup-alarms-forwarder',
  /** Roles whose AWS Backup calls are expected (lifecycle tooling, restore testing automation). */
  automationRoleNames: ['backup-automation'],
  email: 'backup-team@example.com',
  /** Who hears when the alarm path itself fails (a second topic with its own key, not the alarm topic). */
  pipelineEmail: 'platform-oncall@example.com',
};

/** Which accounts each OU of the example holds (what AWS Organizations would say). */
export const EXAMPLE_OUS: { readonly [ou: string]: readonly string[] } = {
  [EXAMPLE.workloadsOu]: EXAMPLE.memberAccounts,
  [EXAMPLE.securityOu]: [EXAMPLE.centralAccount],
};

/** How the central account imports findings (default: as itself). */
export interface ExampleOptions {
  readonly findings?: Omit<SecurityHubFindingForwarderProps, 'eventBus' | 'alarmTopic' | 'createInsight'>;
}

/** The role name of the policy-change rule. */
export const POLICY_FORWARDER_ROLE = `${EXAMPLE.forwarderRoleName}-policies`;

/** The central account: bus, archive, emails, findings. */
export class CentralStack extends Stack {
  public readonly alarms: CentralAlarmBus;
  constructor(scope: Construct, id: string, props: StackProps & ExampleOptions & { readonly forwarderRoleNames?: string[] }) {
    super(scope, id, props);
    this.alarms = new CentralAlarmBus(this, 'BackupAlarms', {
      organizationId: EXAMPLE.organizationId,
      eventBusName: EXAMPLE.busName,
      // Exactly the forwarding roles of the deployment: the stack set's (which the management account's own
      // rule stacks reuse) and the policy-change rule's. A name missing here fails synthesis.
      forwarderRoleNames: props.forwarderRoleNames ?? [
        ...EXAMPLE.memberRegions.flatMap((r) => [`${EXAMPLE.forwarderRoleName}-${r}`, `${EXAMPLE.forwarderRoleName}-tamper-${r}`]),
        POLICY_FORWARDER_ROLE,
      ],
      emailAddresses: [EXAMPLE.email],
      pipelineAlarmEmailAddresses: [EXAMPLE.pipelineEmail],
      // The stack set below puts the member rule in this account too (it sits in the Security OU), in every
      // Region: a second rule here would send each of its events twice.
      forwardLocalBackupEvents: false,
    });
    new SecurityHubFindingForwarder(this, 'BackupFindings', {
      ...props.findings,
      eventBus: this.alarms.eventBus,
      alarmTopic: this.alarms.topic,
      createInsight: true,
    });
  }
}

/**
 * One account and Region with the failure rule on the default bus, deployed as a plain stack: the management
 * account, which service-managed stack sets never reach (the integ test also uses it for a member's shape).
 */
export class MemberStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { readonly centralBusArn: string }) {
    super(scope, id, props);
    const failures = new BackupFailureRule(this, 'BackupFailures', {
      centralBusArn: props.centralBusArn,
      forwardCompletions: true,
      forwarderRoleName: `${EXAMPLE.forwarderRoleName}-${this.region}`,
    });
    new BackupTamperRule(this, 'BackupTampering', {
      centralBusArn: props.centralBusArn,
      allowedRoleNames: EXAMPLE.automationRoleNames,
      forwarderRoleName: `${EXAMPLE.forwarderRoleName}-tamper-${this.region}`,
      // One dead-letter queue and one alarm per account and Region, as the stack set's member template has.
      deadLetterQueue: failures.deadLetterQueue,
      createDeadLetterAlarm: false,
    });
  }
}

/** The management account, us-east-1: organization backup policy changes, and the member rollout. */
export class ManagementStack extends Stack {
  /** The role names the central bus must admit: the stack set's and the policy-change rule's. */
  public readonly forwarderRoleNames: string[];
  constructor(scope: Construct, id: string, props: StackProps & { readonly centralBusArn: string }) {
    super(scope, id, props);
    new BackupPolicyChangeRule(this, 'BackupPolicyChanges', {
      centralBusArn: props.centralBusArn,
      forwarderRoleName: POLICY_FORWARDER_ROLE,
    });
    // The member rule, rolled out by StackSets to every account of both OUs (the central account included)
    // in every Region, now and when accounts join.
    const rollout = new BackupFailureRuleStackSet(this, 'MemberRollout', {
      centralBusArn: props.centralBusArn,
      organizationalUnitIds: [EXAMPLE.workloadsOu, EXAMPLE.securityOu],
      regions: EXAMPLE.memberRegions,
      forwarderRoleNamePrefix: EXAMPLE.forwarderRoleName,
      // Deletions, unlocks and silenced notifications, by anyone but the organization's automation.
      tamperRule: { allowedRoleNames: EXAMPLE.automationRoleNames },
    });
    this.forwarderRoleNames = [...rollout.forwarderRoleNames, POLICY_FORWARDER_ROLE];
  }
}

/**
 * Builds every stack of the example into an app (the README's "One deployment" section is this app). The
 * management stack is built first so that its role names feed the central bus; the central stack is still
 * the first to deploy (the rules' targets are written-down ARNs, so no stack depends on another).
 */
export function buildExample(app: App, options: ExampleOptions = {}): Stack[] {
  const centralBusArn = `arn:aws:events:${EXAMPLE.centralRegion}:${EXAMPLE.centralAccount}:event-bus/${EXAMPLE.busName}`;
  const management = new ManagementStack(app, 'BackupAlarmsManagement', {
    env: { account: EXAMPLE.managementAccount, region: 'us-east-1' },
    centralBusArn,
  });
  const central = new CentralStack(app, 'BackupAlarmsCentral', {
    env: { account: EXAMPLE.centralAccount, region: EXAMPLE.centralRegion },
    forwarderRoleNames: management.forwarderRoleNames,
    ...options,
  });
  const stacks: Stack[] = [central, management];
  // The management account's own backups: plain stacks, one per Region (the stack set cannot reach it).
  for (const region of EXAMPLE.memberRegions) {
    stacks.push(new MemberStack(app, `BackupAlarmsManagementRules-${region}`, { env: { account: EXAMPLE.managementAccount, region }, centralBusArn }));
  }
  return stacks;
}
