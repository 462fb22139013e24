/**
 * The vocabulary of AWS Organizations backup-policy events (CloudTrail events on EventBridge, us-east-1 only).
 * Dependency-free.
 */

/** The `source` of AWS Organizations CloudTrail events. */
export const ORGANIZATIONS_SOURCE = 'aws.organizations';

/**
 * AWS Organizations events about backup policies. The values are the CloudTrail event names.
 */
export enum BackupPolicyEvent {
  /** A policy was created (`requestParameters.type` tells the policy type). */
  CREATE_POLICY = 'CreatePolicy',
  /** A policy was changed (`responseElements.policy.policySummary.type` tells the type). */
  UPDATE_POLICY = 'UpdatePolicy',
  /** A policy was deleted. The event carries only the policy id. */
  DELETE_POLICY = 'DeletePolicy',
  /** A policy was attached to a root, OU or account. The event carries only the policy id. */
  ATTACH_POLICY = 'AttachPolicy',
  /** A policy was detached from a root, OU or account. The event carries only the policy id. */
  DETACH_POLICY = 'DetachPolicy',
  /** A policy type was enabled in a root. */
  ENABLE_POLICY_TYPE = 'EnablePolicyType',
  /** A policy type was disabled in a root: every backup policy stops applying. */
  DISABLE_POLICY_TYPE = 'DisablePolicyType',
  /** An account's effective backup policy became invalid (it keeps its last valid plan) or valid again. */
  EFFECTIVE_POLICY_VALIDATION = 'EffectivePolicyValidation',
}

/**
 * What to do with the events that carry only a policy id, so that a pattern cannot tell a backup policy
 * from another type: DeletePolicy, AttachPolicy, DetachPolicy, and UpdatePolicy calls that failed.
 */
export enum PolicyIdOnlyEvents {
  /**
   * Forward them all, whatever the policy type: nothing about a backup policy is lost, at the price of
   * also hearing about other policy types (service control, tag, ... policies).
   */
  FORWARD_UNFILTERED = 'FORWARD_UNFILTERED',
  /** Do not forward them: only events whose policy type is visible and is BACKUP_POLICY are forwarded. */
  IGNORE = 'IGNORE',
}
