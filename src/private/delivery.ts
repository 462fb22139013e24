import { Duration, Names } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** How EventBridge delivers to one target: its retry policy and dead-letter queue. */
export interface DeliveryPolicy {
  readonly deadLetterQueue: sqs.IQueue;
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
}

/**
 * The `RetryPolicy` and `DeadLetterConfig` of a rule target, rendered on public aws-cdk-lib API only (the
 * `events.RuleTargetConfig` fields), not through aws-events-targets' internal helpers.
 */
export function deliveryConfig(policy: DeliveryPolicy): Pick<events.RuleTargetConfig, 'deadLetterConfig' | 'retryPolicy'> {
  return {
    deadLetterConfig: { arn: policy.deadLetterQueue.queueArn },
    retryPolicy: {
      maximumRetryAttempts: policy.retryAttempts,
      maximumEventAgeInSeconds: policy.maxEventAge.toSeconds(),
    },
  };
}

/**
 * Lets EventBridge rules whose ARN matches `ruleArnPattern` send to `queue` (a target or a dead-letter queue),
 * in one statement, whatever the number of rules: SQS refuses a queue policy of more than 20 statements or
 * 8,192 bytes, so one statement per rule (aws-events-targets' way) breaks the deployment at about the 14th
 * target. The statement is the one the EventBridge user guide gives ("Granting permissions to the
 * dead-letter queue", and "Amazon SQS permissions" for a queue target): `sqs:SendMessage` for
 * `events.amazonaws.com`, bound by `aws:SourceArn` to the rule, and nothing more (aws-events-targets'
 * SqsQueue also grants GetQueueAttributes and GetQueueUrl, which EventBridge does not need); `ArnLike` when
 * one statement covers every rule of a bus (`rule/<bus>/*`).
 *
 * An imported queue ignores the statement: its owner must add it (the README says which).
 */
export function allowRulesToSend(scope: Construct, queue: sqs.IQueue, ruleArnPattern: string, ...moreRuleArns: string[]): void {
  const arns = [ruleArnPattern, ...moreRuleArns];
  queue.addToResourcePolicy(new iam.PolicyStatement({
    // Unique per construct, so that several constructs may share one queue.
    sid: `AllowRulesOf${Names.uniqueId(scope).slice(-60)}`,
    principals: [new iam.ServicePrincipal('events.amazonaws.com')],
    actions: ['sqs:SendMessage'],
    resources: [queue.queueArn],
    // ArnEquals for named rules, as the guide shows it; ArnLike only for a pattern.
    conditions: { [arns.some((a) => a.includes('*')) ? 'ArnLike' : 'ArnEquals']: { 'aws:SourceArn': arns.length === 1 ? arns[0] : arns } },
  }));
}
