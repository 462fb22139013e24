import { Aws, CfnMapping, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { BackupEvents, BackupJobKind } from '../shared/backup-events';
import { ChatTextType, CUSTOM_NOTIFICATION_SOURCE, CUSTOM_NOTIFICATION_VERSION } from '../shared/chat';
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

/** The last line of every email. */
const FOOTER = 'Sent by cdk-backup-alarms from the central alarm bus.';

/** Which message shows a field. */
export enum Medium {
  /** The email and the chat notification. */
  BOTH = 'BOTH',
  /** The email only (a free-text value, or one the title of the email already holds). */
  EMAIL = 'EMAIL',
  /** The chat notification only (the email says it in its first line). */
  CHAT = 'CHAT',
}

/** One labelled value of an alarm: the line `Label: value` (the value may hold several placeholders). */
export interface AlarmField {
  readonly label: string;
  readonly value: string;
  /** @default Medium.BOTH */
  readonly medium?: Medium;
}

/**
 * One alarm class, described once and rendered two ways: as the plain-text email (`emailTemplate`) and as
 * the Amazon Q Developer custom notification (`chatTemplate`).
 */
export interface AlarmDescription {
  /** Every placeholder either rendering uses; each rendering keeps only the paths it refers to. */
  readonly paths: { [name: string]: string };
  /**
   * Placeholders whose value may hold a double quote, a backslash or a line break (free text chosen by a
   * person or an AWS service), or is a JSON object or array. EventBridge does not escape a value it puts into
   * a JSON string, so these never appear inside a string of the chat notification; a field that uses one
   * is left to the email, and the notification says so.
   */
  readonly freeText: readonly string[];
  /** What happened and where: the chat title, and the start of the email's first line. */
  readonly headline: string;
  /** The rest of the email's first line (free text allowed). */
  readonly emailTitleTail?: string;
  readonly fields: readonly AlarmField[];
  /** Sentences after the fields: the email puts them before the console line. */
  readonly notes?: readonly string[];
  /** The console page: the email's `Console:` line, the notification's first next step (`label: url`). */
  readonly console?: { readonly url: string; readonly label: string };
  /** Next steps of the notification when there is no console page. */
  readonly chatNextSteps?: readonly string[];
  /** Keywords of the notification (short; placeholders of values that are always present). */
  readonly keywords: readonly string[];
  /** Notifications with the same thread id thread together: one protection, one vault. */
  readonly threadId: string;
  /** The notification's `eventType` (`[a-zA-Z0-9-]+`). */
  readonly eventType: string;
}

/** `$.id` and `$.resources` are in the envelope of every EventBridge event, so both are always present. */
const ENVELOPE_PATHS = { eventBridgeId: '$.id', eventResources: '$.resources' };

/** The placeholders a text refers to. */
function placeholdersOf(text: string): string[] {
  return [...text.matchAll(/<([A-Za-z0-9_-]+)>/g)].map((m) => m[1]);
}

/** Only the paths `text` refers to, in the description's order. */
function pathsFor(d: AlarmDescription, text: string): { [name: string]: string } {
  const used = new Set(placeholdersOf(text));
  return Object.fromEntries(Object.entries(d.paths).filter(([name]) => used.has(name)));
}

const shows = (f: AlarmField, medium: Medium) => (f.medium ?? Medium.BOTH) === Medium.BOTH || f.medium === medium;

/** The plain-text email of an alarm class. */
export function emailTemplate(d: AlarmDescription): TextTemplate {
  const notes = d.notes ?? [];
  const lines = [
    `${d.headline}${d.emailTitleTail ?? ''}`,
    '',
    ...d.fields.filter((f) => shows(f, Medium.EMAIL)).map((f) => `${f.label}: ${f.value}`),
    '',
    ...notes,
    ...(d.console === undefined ? [] : [`Console: ${d.console.url}`]),
    ...(notes.length > 0 || d.console !== undefined ? [''] : []),
    FOOTER,
  ];
  const template = lines.join('\n');
  return { paths: pathsFor(d, template), template };
}

/** JSON string contents: the template's own text escaped, the placeholders left as they are. */
function jsonText(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/**
 * The Amazon Q Developer custom notification of an alarm class, as a JSON input template. Placeholders sit
 * inside JSON strings only for values whose characters AWS restricts (ids, ARNs, names, states, times), since
 * EventBridge does not escape what it inserts ("Amazon EventBridge input transformation", Common issues).
 * `<eventResources>` is the one placeholder outside a string: the envelope's array, always present, inserted as
 * JSON. Fields with free text stay in the email; the description names them.
 */
export function chatTemplate(d: AlarmDescription): TextTemplate {
  const chatFields = d.fields.filter((f) => shows(f, Medium.CHAT));
  const unsafe = (text: string) => placeholdersOf(text).filter((p) => d.freeText.includes(p));
  const emailOnly = d.fields.filter((f) => shows(f, Medium.EMAIL) && !shows(f, Medium.CHAT) && unsafe(f.value).length > 0);
  for (const text of [d.headline, d.threadId, ...d.keywords, ...chatFields.map((f) => f.value), ...(d.notes ?? []), ...(d.chatNextSteps ?? [])]) {
    if (unsafe(text).length > 0) throw new Error(`internal: free-text placeholder ${unsafe(text).join(', ')} inside a chat JSON string`);
  }
  const description = [
    ...chatFields.map((f) => `${f.label}: ${f.value}`),
    ...(d.notes ?? []),
    ...(emailOnly.length === 0 ? [] : [`In the email only (free text, which could break a chat message): ${emailOnly.map((f) => f.label.toLowerCase()).join(', ')}.`]),
  ].join('\n');
  const nextSteps = d.console === undefined ? d.chatNextSteps ?? [] : [`${d.console.label}: ${d.console.url}`, ...(d.chatNextSteps ?? [])];
  const str = (text: string) => `"${jsonText(text)}"`;
  const template = [
    '{',
    `"version": "${CUSTOM_NOTIFICATION_VERSION}",`,
    `"source": "${CUSTOM_NOTIFICATION_SOURCE}",`,
    '"id": "<eventBridgeId>",',
    '"content": {',
    `"textType": "${ChatTextType.CLIENT_MARKDOWN}",`,
    `"title": ${str(d.headline)},`,
    `"description": ${str(description)},`,
    `"nextSteps": [${nextSteps.map(str).join(', ')}],`,
    `"keywords": [${d.keywords.map(str).join(', ')}]`,
    '},',
    '"metadata": {',
    `"threadId": ${str(d.threadId)},`,
    `"summary": ${str(d.headline)},`,
    `"eventType": ${str(d.eventType)},`,
    '"relatedResources": <eventResources>',
    '}',
    '}',
  ].join('\n');
  return { paths: pathsFor({ ...d, paths: { ...d.paths, ...ENVELOPE_PATHS } }, template), template };
}

/**
 * A failed job of one kind. The email's first line says what failed and where, so that it reads on a
 * phone's lock screen; every optional field sits on its own labelled line, so that a field the event lacks
 * leaves one empty line value instead of a broken sentence. `consoleHost` is the partition's console host
 * (`emailConsoleHost`), which may hold the `<region>` placeholder.
 */
export function jobFailureAlarm(kind: BackupJobKind, consoleHost: string): AlarmDescription {
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
  const fields: AlarmField[] = [
    { label: 'Resource', value: '<resource>', medium: Medium.CHAT },
    { label: 'Job id', value: '<jobId>', medium: Medium.CHAT },
    // AWS's own example messages carry double quotes.
    { label: 'Status message', value: '<message>', medium: Medium.EMAIL },
    { label: 'Resource type', value: '<resourceType>' },
  ];
  if (kind === BackupJobKind.BACKUP) {
    paths.vault = '$.detail.backupVaultName';
    fields.push({ label: 'Backup vault', value: '<vault>' });
  }
  if (kind === BackupJobKind.COPY) {
    paths.source = '$.detail.sourceBackupVaultArn';
    paths.destination = '$.detail.destinationBackupVaultArn';
    fields.push({ label: 'From vault', value: '<source>' }, { label: 'To vault', value: '<destination>' });
  }
  if (kind === BackupJobKind.RESTORE) {
    paths.recoveryPoint = '$.detail.recoveryPointArn';
    paths.testingPlan = '$.detail.restoreTestingPlanArn';
    fields.push({ label: 'Recovery point', value: '<recoveryPoint>' }, { label: 'Restore testing plan', value: '<testingPlan>' });
  }
  if (kind === BackupJobKind.SCAN) {
    paths.scanResult = '$.detail.scanResult.scanResultStatus';
    fields.push({ label: 'Scan result', value: '<scanResult>' });
  }
  fields.push({ label: 'Time', value: '<time>' });
  return {
    paths,
    freeText: ['message'],
    headline: `${w.noun.charAt(0).toUpperCase()}${w.noun.slice(1)} <state> in account <account>, <region>`,
    // The resource goes last: restore failures may carry none, and an empty end still reads.
    emailTitleTail: ' (job <jobId>): <resource>',
    fields,
    console: { url: jobConsoleUrl(consoleHost, '<region>', kind, '<jobId>'), label: 'The job in the AWS Backup console, with its status message' },
    keywords: ['AWS Backup', `${w.title} job`, '<state>'],
    threadId: '<account>#<region>#<resource>',
    eventType: `${w.title}JobFailure`,
  };
}

/** A change to an organization backup policy (a CloudTrail event from AWS Organizations). */
export function policyChangeAlarm(consoleHost: string): AlarmDescription {
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
    // A policy name is free text.
    freeText: ['name'],
    headline: 'AWS Organizations backup policy change: <eventName> in account <account>, <region>',
    fields: [
      { label: 'By', value: '<who>' },
      { label: 'Policy id', value: '<policyId>' },
      { label: 'Policy name', value: '<name>', medium: Medium.EMAIL },
      { label: 'Target (account, OU or root)', value: '<targetId>' },
      { label: 'Policy type (created / updated / enabled or disabled)', value: '<createdType> / <updatedType> / <rootType>' },
      { label: 'Effective policy of account', value: '<validationAccount>, now <validation>' },
      { label: 'Error code (if the call failed)', value: '<errorCode>' },
      { label: 'Time', value: '<time>' },
    ],
    notes: ['DeletePolicy, AttachPolicy and DetachPolicy events carry only a policy id: they may concern another policy type.'],
    console: { url: `https://${consoleHost}/organizations/v2/home/policies/backup-policy`, label: 'Backup policies in the AWS Organizations console' },
    keywords: ['AWS Organizations', 'backup policy', '<eventName>'],
    threadId: '<account>#<region>#<policyId>',
    eventType: 'BackupPolicyChange',
  };
}

/**
 * A tampering API call (a CloudTrail record of `backup.amazonaws.com`): who did what to which vault,
 * recovery point, plan, report plan, framework or job, from where, when, and whether it failed (an attempt
 * is news too). `UpdateRegionSettings` shows the requested opt-in map, under either casing of its key (no
 * published CloudTrail record confirms which): the reader sees which types are `false`.
 */
export function tamperCallAlarm(consoleHost: string): AlarmDescription {
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
    // The caller chooses its user agent; the opt-in map and global settings are JSON objects.
    freeText: ['agent', 'optIn', 'optInApiCase', 'globalSettings'],
    headline: 'Backup tampering: <eventName> in account <account>, <region>, by <who>',
    fields: [
      { label: 'Vault', value: '<vault>' },
      { label: 'Recovery point', value: '<recoveryPoint>' },
      { label: 'Backup plan', value: '<plan>' },
      { label: 'Selection', value: '<selection>', medium: Medium.EMAIL },
      { label: 'Legal hold', value: '<legalHold>', medium: Medium.EMAIL },
      { label: 'Backup job', value: '<job>', medium: Medium.EMAIL },
      { label: 'Report plan', value: '<reportPlan>', medium: Medium.EMAIL },
      { label: 'Audit framework', value: '<framework>', medium: Medium.EMAIL },
      { label: 'Vault lock requested (minimum / maximum retention days, changeable for days)', value: '<lockMin> / <lockMax> / <lockGrace>', medium: Medium.EMAIL },
      { label: 'Resource type opt-in requested (false = no longer backed up)', value: '<optIn><optInApiCase>', medium: Medium.EMAIL },
      { label: 'Global settings requested', value: '<globalSettings>', medium: Medium.EMAIL },
      { label: 'Caller', value: '<who>', medium: Medium.EMAIL },
      { label: 'Role', value: '<role>' },
      { label: 'Source IP', value: '<ip>' },
      { label: 'User agent', value: '<agent>', medium: Medium.EMAIL },
      { label: 'Error (the call was refused if set)', value: '<errorCode>' },
      { label: 'Time', value: '<time>' },
      { label: 'CloudTrail event id', value: '<eventId>' },
    ],
    console: { url: `https://${consoleHost}/backup/home?region=<region>#/backupvaults`, label: 'The vaults in the AWS Backup console' },
    chatNextSteps: ['The email has every request parameter (selection, legal hold, job, report plan, framework, vault lock, opt-in, global settings).'],
    keywords: ['AWS Backup', 'tampering', '<eventName>'],
    threadId: '<account>#<region>#<vault>',
    eventType: 'BackupTamperCall',
  };
}

/** An AWS Backup state change that means lost protection (vault or plan deleted, opt-in changed). */
export function tamperStateAlarm(consoleHost: string): AlarmDescription {
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
    // The resources are a JSON array, the opt-in map a JSON object.
    freeText: ['resources', 'optIn'],
    headline: 'Backup tampering: <detailType> <state> in account <account>, <region>',
    emailTitleTail: ': <resources>',
    fields: [
      { label: 'Vault', value: '<vault>' },
      { label: 'Backup plan', value: '<plan>' },
      { label: 'Resource type opt-in (false = no longer backed up)', value: '<optIn>', medium: Medium.EMAIL },
      { label: 'Time', value: '<time>' },
      { label: 'Event id', value: '<id> (AWS Backup does not say who; the CloudTrail call, if a trail logs it, does)' },
    ],
    console: { url: `https://${consoleHost}/backup/home?region=<region>#/`, label: 'The AWS Backup console' },
    keywords: ['AWS Backup', 'tampering', '<state>'],
    threadId: '<account>#<region>#<vault>',
    eventType: 'BackupTamperStateChange',
  };
}

/** Any other forwarded event, for example a CloudTrail tampering signal. */
export function otherEventAlarm(): AlarmDescription {
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
    freeText: [],
    headline: 'Backup alarm: <detailType> <eventName> from <source> in account <account>, <region>',
    fields: [
      { label: 'By', value: '<who>' },
      { label: 'Time', value: '<time>' },
      { label: 'Event id', value: '<id> (find the whole event in the central bus archive)' },
    ],
    chatNextSteps: ['Find the whole event in the central bus archive by its event id.'],
    keywords: ['AWS Backup', '<source>'],
    threadId: '<account>#<region>#<source>',
    eventType: 'BackupAlarm',
  };
}

/** The email text for a failed job of one kind (see `jobFailureAlarm`). */
export function jobFailureMessage(kind: BackupJobKind, consoleHost: string): TextTemplate {
  return emailTemplate(jobFailureAlarm(kind, consoleHost));
}

/** The email text for a change to an organization backup policy. */
export function policyChangeMessage(consoleHost: string): TextTemplate {
  return emailTemplate(policyChangeAlarm(consoleHost));
}

/** The email text for a tampering API call. */
export function tamperCallMessage(consoleHost: string): TextTemplate {
  return emailTemplate(tamperCallAlarm(consoleHost));
}

/** The email text for an AWS Backup state change that means lost protection. */
export function tamperStateMessage(consoleHost: string): TextTemplate {
  return emailTemplate(tamperStateAlarm(consoleHost));
}

/** The email text for any other forwarded event. */
export function otherEventMessage(): TextTemplate {
  return emailTemplate(otherEventAlarm());
}

function checkLimits(t: TextTemplate): void {
  const names = Object.keys(t.paths);
  if (names.length > MAX_TEMPLATE_PATHS || t.template.length > MAX_TEMPLATE_LENGTH) {
    throw new Error(`internal: input transformer over EventBridge limits (${names.length} paths, ${t.template.length} characters)`);
  }
}

/** A `RuleTargetInput` that sends the template as plain text (CDK's `fromText` would JSON-quote it). */
export function plainTextInput(t: TextTemplate): events.RuleTargetInput {
  checkLimits(t);
  return new TemplateInput(t);
}

/**
 * A `RuleTargetInput` that sends a custom notification (`chatTemplate`) as JSON. The template is checked to
 * be JSON whatever safe values fill it (CDK's `fromObject` would quote placeholders its own way).
 */
export function chatInput(t: TextTemplate): events.RuleTargetInput {
  checkLimits(t);
  const probe = t.template
    .replace(/"([^"\\]|\\.)*"/g, (s) => s.replace(/<[A-Za-z0-9_-]+>/g, 'x'))
    .replace(/<[A-Za-z0-9_-]+>/g, '[]');
  try {
    JSON.parse(probe);
  } catch (e) {
    throw new Error(`internal: chat input template is not JSON: ${(e as Error).message}`);
  }
  return new TemplateInput(t);
}

class TemplateInput extends events.RuleTargetInput {
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
