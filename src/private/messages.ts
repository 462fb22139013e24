import { Aws, CfnMapping, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { BackupEvents, BackupJobKind } from '../shared/backup-events';
import { CONSOLE_HOSTS, consoleHostOf } from '../shared/console-links';
import { JOBS, jobConsoleUrl } from '../shared/jobs';

/** A plain-text input transformer: EventBridge fills `<name>` from `paths` and sends the text as is. */
export interface TextTemplate {
  readonly paths: { [name: string]: string };
  readonly template: string;
}

/** The largest input template EventBridge accepts. */
export const MAX_TEMPLATE_LENGTH = 8192;
/** The most variables an input transformer may define. */
export const MAX_TEMPLATE_PATHS = 100;

/**
 * The email text for a failed job of one kind. The first line says what failed and where, so that it reads
 * on a phone's lock screen; every optional field sits on its own labelled line, so that a field the event
 * lacks leaves one empty line value instead of a broken sentence. `consoleHost` is the partition's console
 * host (`emailConsoleHost`), which may hold the `<region>` placeholder.
 */
export function jobFailureMessage(kind: BackupJobKind, consoleHost: string): TextTemplate {
  const w = JOBS[kind];
  const paths: { [name: string]: string } = {
    state: `$.detail.${BackupEvents.stateFieldOf(kind)}`,
    account: '$.account',
    region: '$.region',
    time: '$.time',
    jobId: `$.detail.${w.idField}`,
    resource: '$.detail.resourceArn',
    resourceType: '$.detail.resourceType',
    message: '$.detail.statusMessage',
  };
  const lines = [
    // The resource goes last: restore failures may carry none, and an empty end still reads.
    `${w.noun.charAt(0).toUpperCase()}${w.noun.slice(1)} <state> in account <account>, <region> (job <jobId>): <resource>`,
    '',
    'Status message: <message>',
    'Resource type: <resourceType>',
  ];
  if (kind === BackupJobKind.BACKUP) {
    paths.vault = '$.detail.backupVaultName';
    lines.push('Backup vault: <vault>');
  }
  if (kind === BackupJobKind.COPY) {
    paths.source = '$.detail.sourceBackupVaultArn';
    paths.destination = '$.detail.destinationBackupVaultArn';
    lines.push('From vault: <source>', 'To vault: <destination>');
  }
  if (kind === BackupJobKind.RESTORE) {
    paths.recoveryPoint = '$.detail.recoveryPointArn';
    paths.testingPlan = '$.detail.restoreTestingPlanArn';
    lines.push('Recovery point: <recoveryPoint>', 'Restore testing plan: <testingPlan>');
  }
  if (kind === BackupJobKind.SCAN) {
    paths.scanResult = '$.detail.scanResult.scanResultStatus';
    lines.push('Scan result: <scanResult>');
  }
  lines.push(
    'Time: <time>',
    '',
    `Console: ${jobConsoleUrl(consoleHost, '<region>', kind, '<jobId>')}`,
    '',
    'Sent by cdk-backup-alarms from the central alarm bus.',
  );
  return { paths, template: lines.join('\n') };
}

/** The email text for a change to an organization backup policy (a CloudTrail event from AWS Organizations). */
export function policyChangeMessage(consoleHost: string): TextTemplate {
  return {
    paths: {
      eventName: '$.detail.eventName',
      account: '$.account',
      region: '$.region',
      time: '$.time',
      who: '$.detail.userIdentity.arn',
      policyId: '$.detail.requestParameters.policyId',
      targetId: '$.detail.requestParameters.targetId',
      name: '$.detail.requestParameters.name',
      createdType: '$.detail.requestParameters.type',
      updatedType: '$.detail.responseElements.policy.policySummary.type',
      rootType: '$.detail.requestParameters.policyType',
      errorCode: '$.detail.errorCode',
      validationAccount: '$.detail.serviceEventDetails.accountId',
      validation: '$.detail.serviceEventDetails.state',
    },
    template: [
      'AWS Organizations backup policy change: <eventName> in account <account>, <region>',
      '',
      'By: <who>',
      'Policy id: <policyId>',
      'Policy name: <name>',
      'Target (account, OU or root): <targetId>',
      'Policy type (created / updated / enabled or disabled): <createdType> / <updatedType> / <rootType>',
      'Effective policy of account: <validationAccount>, now <validation>',
      'Error code (if the call failed): <errorCode>',
      'Time: <time>',
      '',
      'DeletePolicy, AttachPolicy and DetachPolicy events carry only a policy id: they may concern another policy type.',
      `Console: https://${consoleHost}/organizations/v2/home/policies/backup-policy`,
      '',
      'Sent by cdk-backup-alarms from the central alarm bus.',
    ].join('\n'),
  };
}

/**
 * The email text for a tampering API call (a CloudTrail record of `backup.amazonaws.com`): who did what to
 * which vault, recovery point, plan, report plan, framework or job, from where, when, and whether it failed
 * (an attempt is news too). `UpdateRegionSettings` shows the requested opt-in map, under either casing of
 * its key (no published CloudTrail record confirms which): the reader sees which types are `false`.
 */
export function tamperCallMessage(consoleHost: string): TextTemplate {
  return {
    paths: {
      eventName: '$.detail.eventName',
      account: '$.account',
      region: '$.region',
      time: '$.detail.eventTime',
      who: '$.detail.userIdentity.arn',
      role: '$.detail.userIdentity.sessionContext.sessionIssuer.arn',
      ip: '$.detail.sourceIPAddress',
      agent: '$.detail.userAgent',
      vault: '$.detail.requestParameters.backupVaultName',
      recoveryPoint: '$.detail.requestParameters.recoveryPointArn',
      plan: '$.detail.requestParameters.backupPlanId',
      selection: '$.detail.requestParameters.selectionId',
      legalHold: '$.detail.requestParameters.legalHoldId',
      job: '$.detail.requestParameters.backupJobId',
      reportPlan: '$.detail.requestParameters.reportPlanName',
      framework: '$.detail.requestParameters.frameworkName',
      optIn: '$.detail.requestParameters.resourceTypeOptInPreference',
      optInApiCase: '$.detail.requestParameters.ResourceTypeOptInPreference',
      globalSettings: '$.detail.requestParameters.globalSettings',
      lockMin: '$.detail.requestParameters.minRetentionDays',
      lockMax: '$.detail.requestParameters.maxRetentionDays',
      lockGrace: '$.detail.requestParameters.changeableForDays',
      errorCode: '$.detail.errorCode',
      eventId: '$.detail.eventID',
    },
    template: [
      'Backup tampering: <eventName> in account <account>, <region>, by <who>',
      '',
      'Vault: <vault>',
      'Recovery point: <recoveryPoint>',
      'Backup plan: <plan>',
      'Selection: <selection>',
      'Legal hold: <legalHold>',
      'Backup job: <job>',
      'Report plan: <reportPlan>',
      'Audit framework: <framework>',
      'Vault lock requested (minimum / maximum retention days, changeable for days): <lockMin> / <lockMax> / <lockGrace>',
      'Resource type opt-in requested (false = no longer backed up): <optIn><optInApiCase>',
      'Global settings requested: <globalSettings>',
      'Caller: <who>',
      'Role: <role>',
      'Source IP: <ip>',
      'User agent: <agent>',
      'Error (the call was refused if set): <errorCode>',
      'Time: <time>',
      'CloudTrail event id: <eventId>',
      '',
      `Console: https://${consoleHost}/backup/home?region=<region>#/backupvaults`,
      '',
      'Sent by cdk-backup-alarms from the central alarm bus.',
    ].join('\n'),
  };
}

/** The email text for an AWS Backup state change that means lost protection (vault or plan deleted, opt-in changed). */
export function tamperStateMessage(consoleHost: string): TextTemplate {
  return {
    paths: {
      detailType: '$.detail-type',
      state: '$.detail.state',
      account: '$.account',
      region: '$.region',
      time: '$.time',
      resources: '$.resources',
      vault: '$.detail.backupVaultName',
      plan: '$.detail.backupPlanId',
      optIn: '$.detail.ResourceTypeOptInPreference',
      id: '$.id',
    },
    template: [
      'Backup tampering: <detailType> <state> in account <account>, <region>: <resources>',
      '',
      'Vault: <vault>',
      'Backup plan: <plan>',
      'Resource type opt-in (false = no longer backed up): <optIn>',
      'Time: <time>',
      'Event id: <id> (AWS Backup does not say who; the CloudTrail call, if a trail logs it, does)',
      '',
      `Console: https://${consoleHost}/backup/home?region=<region>#/`,
      '',
      'Sent by cdk-backup-alarms from the central alarm bus.',
    ].join('\n'),
  };
}

/** The email text for any other forwarded event, for example a CloudTrail tampering signal. */
export function otherEventMessage(): TextTemplate {
  return {
    paths: {
      source: '$.source',
      detailType: '$.detail-type',
      eventName: '$.detail.eventName',
      account: '$.account',
      region: '$.region',
      time: '$.time',
      who: '$.detail.userIdentity.arn',
      id: '$.id',
    },
    template: [
      'Backup alarm: <detailType> <eventName> from <source> in account <account>, <region>',
      '',
      'By: <who>',
      'Time: <time>',
      'Event id: <id> (find the whole event in the central bus archive)',
      '',
      'Sent by cdk-backup-alarms from the central alarm bus.',
    ].join('\n'),
  };
}

/** A `RuleTargetInput` that sends the template as plain text (CDK's `fromText` would JSON-quote it). */
export function plainTextInput(t: TextTemplate): events.RuleTargetInput {
  const names = Object.keys(t.paths);
  if (names.length > MAX_TEMPLATE_PATHS || t.template.length > MAX_TEMPLATE_LENGTH) {
    throw new Error(`internal: input transformer over EventBridge limits (${names.length} paths, ${t.template.length} characters)`);
  }
  return new PlainTextInput(t);
}

class PlainTextInput extends events.RuleTargetInput {
  constructor(private readonly t: TextTemplate) {
    super();
  }

  public bind(_rule: events.IRule): events.RuleTargetInputProperties {
    return { inputPathsMap: { ...this.t.paths }, inputTemplate: this.t.template };
  }
}

/**
 * The console host for the emails of a bus in `scope`'s stack: a literal when the stack's Region is known,
 * otherwise a lazy CloudFormation mapping on `AWS::Partition`. The commercial host keeps EventBridge's
 * `<region>` placeholder, filled from the event, so that the link opens the Region where the job ran.
 */
export function emailConsoleHost(scope: Construct): string {
  const stack = Stack.of(scope);
  const partition = Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
  if (partition !== undefined) return consoleHostOf(partition, '<region>');
  const id = 'CdkBackupAlarmsConsoleHosts';
  const mapping = (stack.node.tryFindChild(id) as CfnMapping | undefined) ?? new CfnMapping(stack, id, {
    mapping: Object.fromEntries(Object.keys(CONSOLE_HOSTS).map((p) => [p, { host: consoleHostOf(p, '<region>') }])),
    lazy: true,
  });
  return mapping.findInMap(Aws.PARTITION, 'host');
}
