import { Annotations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { CentralBusDeliveryOptions, CentralBusForwardingOptions, CentralBusForwardingRule } from './forwarding';
import { memberTamperPattern, withHeartbeat } from './private/patterns';
import { checkEach, ownerOf } from './private/validate';
import { HEARTBEAT_RULES } from './shared/heartbeat';
import { ROLE_NAME, ROLE_NAME_EXPECTED } from './shared/names';
import { BackupTamperAction, TamperSignals } from './shared/tamper';

/** EventBridge's default quota for the length of an event pattern (it can be raised on request). */
const MAX_PATTERN_LENGTH = 2048;

/**
 * What a `BackupTamperRule` matches, and how it retries: the options that are the same in every account and
 * Region (`BackupFailureRuleStackSet` takes exactly these for its `tamperRule`).
 */
export interface BackupTamperRuleOptions extends CentralBusDeliveryOptions {
  /**
   * The AWS Backup API calls to alarm on.
   * @default - every value of `BackupTamperAction`
   */
  readonly actions?: BackupTamperAction[];

  /**
   * Which signals to forward: AWS Backup's state changes (no trail needed, no caller), the API calls (a
   * CloudTrail trail must log management events in the account and Region), or both.
   * @default TamperSignals.STATE_CHANGES_AND_API_CALLS
   */
  readonly signals?: TamperSignals;

  /**
   * IAM role names whose calls are expected (your organization's automation), in any account. Matched on the
   * role that the caller's session was issued by. AWS Backup's own service-linked role
   * (`AWSServiceRoleForBackup`, lifecycle deletions) and calls AWS Backup itself makes (`invokedBy`
   * backup.amazonaws.com) never alarm; a call another service makes for a person (a CloudFormation stack
   * deleting a vault) does.
   * @default - none: every other caller alarms
   */
  readonly allowedRoleNames?: string[];

  /**
   * A description for the rule.
   * @default - a description of what the rule forwards
   */
  readonly description?: string;
}

/**
 * Properties of a `BackupTamperRule`.
 */
export interface BackupTamperRuleProps extends BackupTamperRuleOptions, CentralBusForwardingOptions {
  /**
   * The bus the rule listens on. AWS Backup's state changes and CloudTrail's API call events arrive on the
   * default bus of the account and Region.
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
}

/**
 * Catches what ransomware operators and careless administrators do to backups first, in one account and
 * Region, and forwards it to the central bus: recovery points, vaults, plans and selections deleted, vault
 * locks removed, set or loosened, vault access policies and notifications deleted or replaced, lifecycles
 * shortened, legal holds cancelled, multi-party approval removed, resource types opted out of the Region,
 * global settings changed, Backup Audit Manager frameworks and report plans deleted, running backup jobs
 * stopped (CloudTrail API calls of `backup.amazonaws.com`, with the caller, source IP and user agent, refused
 * attempts included), and AWS Backup's own state changes that mean lost protection (vault deleted, plan
 * deleted, Region opt-in preferences changed).
 *
 * Deploy it beside `BackupFailureRule` in every account (the central one included) and every Region.
 *
 * @example
 * new BackupTamperRule(this, 'BackupTampering', {
 *   centralBusArn: 'arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms',
 *   allowedRoleNames: ['backup-automation'],
 * });
 */
export class BackupTamperRule extends CentralBusForwardingRule {
  /** The API calls the rule alarms on. */
  public readonly actions: BackupTamperAction[];
  /** The signals the rule forwards. */
  public readonly signals: TamperSignals;

  constructor(scope: Construct, id: string, props: BackupTamperRuleProps) {
    // The props are checked before the base creates anything.
    const owner = ownerOf('BackupTamperRule', scope, id);
    const all = Object.values(BackupTamperAction);
    const actions = [...new Set(props.actions ?? all)];
    if (actions.length === 0) {
      throw new Error(`${owner}: actions is empty; list at least one of ${all.join(', ')}, or leave it unset for all`);
    }
    for (const a of actions) {
      if (!all.includes(a)) throw new Error(`${owner}: actions contains '${a}', expected one of ${all.join(', ')}`);
    }
    const signals = props.signals ?? TamperSignals.STATE_CHANGES_AND_API_CALLS;
    if (!Object.values(TamperSignals).includes(signals)) {
      throw new Error(`${owner}: signals is '${signals}', expected one of ${Object.values(TamperSignals).join(', ')}`);
    }
    checkEach(owner, 'allowedRoleNames', props.allowedRoleNames, ROLE_NAME, ROLE_NAME_EXPECTED);
    if (signals === TamperSignals.STATE_CHANGES && props.allowedRoleNames !== undefined) {
      throw new Error(`${owner}: allowedRoleNames [${props.allowedRoleNames.join(', ')}] applies to API calls, but signals is STATE_CHANGES, `
        + 'whose events name no caller; forward API_CALLS (with a CloudTrail trail) or remove allowedRoleNames');
    }
    const pattern = memberTamperPattern({ actions, signals, allowedRoleNames: props.allowedRoleNames ?? [] });

    super(scope, id, {
      ...props,
      heartbeatRuleId: props.heartbeatRuleId ?? HEARTBEAT_RULES.BACKUP_TAMPER_RULE,
      eventPattern: pattern as events.EventPattern,
      description: props.description ?? 'AWS Backup tampering: deletions, unlocks, policy and notification changes (cdk-backup-alarms)',
    });
    this.actions = actions;
    this.signals = signals;

    // Measured as deployed: with the heartbeat branch where the heartbeat runs.
    const length = JSON.stringify(this.heartbeat ? withHeartbeat(pattern, this.heartbeat.ruleId) : pattern).length;
    if (length > MAX_PATTERN_LENGTH) {
      Annotations.of(this).addWarningV2('cdk-backup-alarms:tamper-pattern-size',
        `the event pattern is ${length} characters, over EventBridge's default quota of ${MAX_PATTERN_LENGTH}: list fewer allowedRoleNames `
        + `(${props.allowedRoleNames?.length ?? 0}) or actions, or have the quota raised before deploying`);
    }
    if (signals !== TamperSignals.STATE_CHANGES) {
      Annotations.of(this).addInfo('AWS Backup API calls reach EventBridge only where a CloudTrail trail logs management events in this account and Region.');
    }
  }
}
