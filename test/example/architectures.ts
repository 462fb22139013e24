/**
 * Every architecture the README describes, as a synthesizable example with placeholder ids (nothing here is
 * deployed by the tests). `npx projen example:synth <name>` synthesizes one; the test task checks each
 * (test/architectures.test.ts) and keeps an integ-runner snapshot of each (test/integ.*.ts).
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { buildExample, EXAMPLE, EXAMPLE_OUS } from './deployment';
import {
  BackupFailureRule, CentralAlarmBus, FindingAttribution, SecurityHubFindingForwarder, SecurityHubFindingImporterRole,
} from '../../src';
import type { Organization } from '../support/deployments';

/** An architecture: its stacks, where AWS Backup runs, and the organization if there is one. */
export interface Architecture {
  readonly stacks: Stack[];
  /** Every account and Region where backups run: each must reach an email, and a finding where there are findings. */
  readonly sources: ReadonlyArray<{ readonly account: string; readonly region: string }>;
  readonly organization?: Organization;
  /** How findings are attributed, if the architecture imports findings. */
  readonly findings?: FindingAttribution;
}

const BUS = 'backup-alarms';
const EMAIL = 'backup-team@example.com';
/** Who hears when the alarm path itself fails (a second topic with its own key, not the alarm topic). */
const PIPELINE_EMAIL = 'platform-oncall@example.com';
const busArn = (partition: string, region: string, account: string) => `arn:${partition}:events:${region}:${account}:event-bus/${BUS}`;
const everywhere = (accounts: readonly string[], regions: readonly string[]) =>
  accounts.flatMap((account) => regions.map((region) => ({ account, region })));

// ---------------------------------------------------------------------------------------------------------
// 1. One account, several Regions, no AWS Organizations
// ---------------------------------------------------------------------------------------------------------

export const SINGLE = { account: '111111111111', homeRegion: 'eu-west-1', regions: ['eu-west-1', 'eu-central-1', 'us-east-1'] };

/** The home Region: the alarm bus (no organization, no bus policy), its own default-bus rule, findings. */
class SingleAccountHomeStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    const alarms = new CentralAlarmBus(this, 'BackupAlarms', { eventBusName: BUS, emailAddresses: [EMAIL], pipelineAlarmEmailAddresses: [PIPELINE_EMAIL] });
    new SecurityHubFindingForwarder(this, 'BackupFindings', { eventBus: alarms.eventBus, alarmTopic: alarms.topic });
  }
}

/** Every other Region: the failure rule, forwarding across Regions to the home bus of the same account. */
class RegionRuleStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { readonly centralBusArn: string }) {
    super(scope, id, props);
    new BackupFailureRule(this, 'BackupFailures', { centralBusArn: props.centralBusArn, forwardCompletions: true });
  }
}

function singleAccount(app: App): Architecture {
  const env = (region: string) => ({ account: SINGLE.account, region });
  const stacks: Stack[] = [new SingleAccountHomeStack(app, 'BackupAlarmsSingleHome', { env: env(SINGLE.homeRegion) })];
  for (const region of SINGLE.regions.filter((r) => r !== SINGLE.homeRegion)) {
    stacks.push(new RegionRuleStack(app, `BackupAlarmsSingle-${region}`, { env: env(region), centralBusArn: busArn('aws', SINGLE.homeRegion, SINGLE.account) }));
  }
  return { stacks, sources: everywhere([SINGLE.account], SINGLE.regions), findings: FindingAttribution.FORWARDER_ACCOUNT };
}

// ---------------------------------------------------------------------------------------------------------
// 2. Organization with a central alarm account (test/example/deployment.ts), both attribution modes
// ---------------------------------------------------------------------------------------------------------

const ORGANIZATION: Organization = { managementAccount: EXAMPLE.managementAccount, ous: EXAMPLE_OUS };
const ORG_SOURCES = everywhere([EXAMPLE.managementAccount, EXAMPLE.centralAccount, ...EXAMPLE.memberAccounts], EXAMPLE.memberRegions);
/**
 * The fixed name of the central forwarder function's role, which member importer roles trust. With the
 * Region: IAM role names are global to an account, so a forwarder in another Region needs its own.
 */
export const FINDINGS_FORWARDER_ROLE = `backup-findings-forwarder-${EXAMPLE.centralRegion}`;

function organization(app: App): Architecture {
  return { stacks: buildExample(app), sources: ORG_SOURCES, organization: ORGANIZATION, findings: FindingAttribution.FORWARDER_ACCOUNT };
}

/** Findings imported in the account whose backup failed: an importer role in every other account. */
class ImporterRoleStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    new SecurityHubFindingImporterRole(this, 'FindingImporter', {
      forwarderRoleArn: `arn:aws:iam::${EXAMPLE.centralAccount}:role/${FINDINGS_FORWARDER_ROLE}`,
      organizationId: EXAMPLE.organizationId,
    });
  }
}

function organizationSourceAccount(app: App): Architecture {
  const stacks = buildExample(app, {
    findings: { attribution: FindingAttribution.SOURCE_ACCOUNT, organizationId: EXAMPLE.organizationId, forwarderRoleName: FINDINGS_FORWARDER_ROLE },
  });
  // IAM is global: one importer role per account, in any Region (the role imports in every Region).
  for (const account of [EXAMPLE.managementAccount, ...EXAMPLE.memberAccounts]) {
    stacks.push(new ImporterRoleStack(app, `BackupFindingsImporter-${account}`, { env: { account, region: EXAMPLE.centralRegion } }));
  }
  return { stacks, sources: ORG_SOURCES, organization: ORGANIZATION, findings: FindingAttribution.SOURCE_ACCOUNT };
}

// ---------------------------------------------------------------------------------------------------------
// 3. Findings kept in each member account; emails from the central account
// ---------------------------------------------------------------------------------------------------------

export const MEMBER_FINDINGS = {
  organizationId: 'o-a1b2c3d4e5',
  centralAccount: '111111111111',
  centralRegion: 'eu-west-1',
  memberAccounts: ['222222222222', '333333333333'],
  regions: ['eu-west-1', 'eu-central-1'],
};

class EmailOnlyCentralStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    new CentralAlarmBus(this, 'BackupAlarms', {
      organizationId: MEMBER_FINDINGS.organizationId,
      eventBusName: BUS,
      forwarderRoleNames: MEMBER_FINDINGS.regions.map((r) => `backup-alarms-forwarder-${r}`),
      emailAddresses: [EMAIL],
      pipelineAlarmEmailAddresses: [PIPELINE_EMAIL],
    });
  }
}

/** A member account and Region: its own findings from its default bus, its failures to the central emails. */
class MemberFindingsStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    new BackupFailureRule(this, 'BackupFailures', {
      centralBusArn: busArn('aws', MEMBER_FINDINGS.centralRegion, MEMBER_FINDINGS.centralAccount),
      forwarderRoleName: `backup-alarms-forwarder-${this.region}`,
    });
    // AWS Backup's events arrive on this default bus, completions included: no member rule needed for them.
    new SecurityHubFindingForwarder(this, 'BackupFindings', { eventBus: events.EventBus.fromEventBusName(this, 'DefaultBus', 'default') });
  }
}

function memberFindings(app: App): Architecture {
  const m = MEMBER_FINDINGS;
  const stacks: Stack[] = [new EmailOnlyCentralStack(app, 'BackupAlarmsEmailCentral', { env: { account: m.centralAccount, region: m.centralRegion } })];
  for (const account of m.memberAccounts) {
    for (const region of m.regions) {
      stacks.push(new MemberFindingsStack(app, `BackupAlarmsMemberFindings-${account}-${region}`, { env: { account, region } }));
    }
  }
  return { stacks, sources: everywhere(m.memberAccounts, m.regions), findings: FindingAttribution.FORWARDER_ACCOUNT };
}

// ---------------------------------------------------------------------------------------------------------
// 4. China: a bus and a forwarder per Region (no cross-Region bus targets there)
// ---------------------------------------------------------------------------------------------------------

export const CHINA = {
  organizationId: 'o-c1n2a3b4c5',
  centralAccount: '111111111111',
  memberAccounts: ['222222222222'],
  regions: ['cn-north-1', 'cn-northwest-1'],
};

class ChinaRegionalCentralStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    const alarms = new CentralAlarmBus(this, 'BackupAlarms', {
      organizationId: CHINA.organizationId,
      eventBusName: BUS,
      forwarderRoleNames: [`backup-alarms-forwarder-${this.region}`],
      emailAddresses: [EMAIL],
      pipelineAlarmEmailAddresses: [PIPELINE_EMAIL],
    });
    new SecurityHubFindingForwarder(this, 'BackupFindings', { eventBus: alarms.eventBus, alarmTopic: alarms.topic });
  }
}

function china(app: App): Architecture {
  const stacks: Stack[] = [];
  for (const region of CHINA.regions) {
    stacks.push(new ChinaRegionalCentralStack(app, `BackupAlarmsChinaCentral-${region}`, { env: { account: CHINA.centralAccount, region } }));
    for (const account of CHINA.memberAccounts) {
      const member = new Stack(app, `BackupAlarmsChinaMember-${account}-${region}`, { env: { account, region } });
      new BackupFailureRule(member, 'BackupFailures', {
        centralBusArn: busArn('aws-cn', region, CHINA.centralAccount),
        forwardCompletions: true,
        forwarderRoleName: `backup-alarms-forwarder-${region}`,
      });
      stacks.push(member);
    }
  }
  const sources = everywhere([CHINA.centralAccount, ...CHINA.memberAccounts], CHINA.regions);
  return { stacks, sources, findings: FindingAttribution.FORWARDER_ACCOUNT };
}

/** Every architecture by the name `example:synth` takes. */
export const ARCHITECTURES: { readonly [name: string]: (app: App) => Architecture } = {
  'organization': organization,
  'organization-source-account': organizationSourceAccount,
  'single-account': singleAccount,
  'member-findings': memberFindings,
  'china': china,
};
