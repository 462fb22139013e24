/**
 * Every construct of the library with its defaults (and the options that add resources: SOURCE_ACCOUNT
 * attribution, the StackSet's tamper rule, the heartbeat monitor's expectations and Security Hub findings, a standalone
 * protection monitor with findings, an alarm route), one
 * stack per kind of account, for the compliance and policy tests. The forwarding rules and CentralAlarmBus bring
 * their heartbeats and monitor by default; a standalone BackupHeartbeat and HeartbeatMonitor are here too.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import {
  BackupFailureRule, BackupFailureRuleStackSet, BackupHeartbeat, BackupPolicyChangeRule, BackupTamperRule, CentralAlarmBus, FindingAttribution,
  FindingSeverity, HeartbeatMonitor, ProtectionMonitor, SecurityHubFindingForwarder, SecurityHubFindingImporterRole,
} from '../../src';

const BUS_ARN = 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms';

/** The central, member and management stacks. */
export function everyConstruct(app: App): Stack[] {
  const central = new Stack(app, 'Central', { env: { account: '111111111111', region: 'eu-west-1' } });
  const alarms = new CentralAlarmBus(central, 'Alarms', {
    organizationId: 'o-a1b2c3d4e5',
    emailAddresses: ['ops@example.com'],
    pipelineAlarmEmailAddresses: ['oncall@example.com'],
    // Issue 22's resources: the chat topic and its key, storm control.
    chat: true,
    stormControl: {},
  });
  new SecurityHubFindingForwarder(central, 'Findings', { eventBus: alarms.eventBus });
  // A team's route (issue 22): its own rules, key, topic, dead-letter queue and alarms.
  alarms.addRoute('TeamA', { accounts: ['222222222222'], minimumSeverity: FindingSeverity.HIGH, emailAddresses: ['team-a@example.com'] });
  const otherBus = new events.EventBus(central, 'OtherBus');
  // The options that add permissions: Security Hub findings of overdue protections.
  new ProtectionMonitor(central, 'Protections', {
    eventBus: otherBus, alarmTopic: alarms.topic, securityHubFindings: true, heartbeatTable: alarms.heartbeats!.table,
  });
  new SecurityHubFindingForwarder(central, 'SourceAccountFindings', {
    eventBus: otherBus, attribution: FindingAttribution.SOURCE_ACCOUNT, organizationId: 'o-a1b2c3d4e5',
  });
  // The options that add permissions: PutItem for expected sources, BatchImportFindings for findings.
  new HeartbeatMonitor(central, 'Heartbeats', {
    eventBus: otherBus,
    alarmTopic: alarms.topic,
    pipelineAlarmTopic: alarms.pipelineAlarmTopic,
    expectedAccounts: ['222222222222'],
    expectedRegions: ['eu-central-1'],
    securityHubFindings: true,
  });
  const member = new Stack(app, 'Member', { env: { account: '222222222222', region: 'eu-central-1' } });
  new BackupFailureRule(member, 'Failures', { centralBusArn: BUS_ARN });
  new BackupTamperRule(member, 'Tampering', { centralBusArn: BUS_ARN });
  // The heartbeat of a forwarding rule of the user's own.
  new BackupHeartbeat(member, 'OwnRuleHeartbeat', { ruleId: 'my-forwarding-rule' });
  new SecurityHubFindingImporterRole(member, 'Importer', { forwarderRoleArn: 'arn:aws:iam::111111111111:role/forwarder', organizationId: 'o-a1b2c3d4e5' });
  const management = new Stack(app, 'Management', { env: { account: '999999999999', region: 'us-east-1' } });
  new BackupPolicyChangeRule(management, 'Policies', { centralBusArn: BUS_ARN });
  new BackupFailureRuleStackSet(management, 'Rollout', {
    centralBusArn: BUS_ARN, organizationalUnitIds: ['ou-ab12-cdef3456'], regions: ['eu-west-1'], tamperRule: {},
  });
  return [central, member, management];
}

