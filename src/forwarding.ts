import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * Where and how a rule forwards the events it matches to the central event bus.
 *
 * Shared by `BackupFailureRule` and `BackupPolicyChangeRule`: the target goes through an IAM role that may
 * only `events:PutEvents` on the central bus (a bus policy that grants by organization id requires it), with
 * a retry policy and an encrypted SQS dead-letter queue watched by a CloudWatch alarm.
 */
export interface CentralBusForwardingOptions {
  /**
   * The central event bus, as a construct (same app) or imported with `EventBus.fromEventBusArn()`.
   * Give exactly one of `centralBus` and `centralBusArn`.
   * @default - `centralBusArn` is used
   */
  readonly centralBus?: events.IEventBus;

  /**
   * The ARN of the central event bus, for example a StackSets parameter:
   * `arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms`.
   * Give exactly one of `centralBus` and `centralBusArn`.
   * @default - `centralBus` is used
   */
  readonly centralBusArn?: string;

  /**
   * The dead-letter queue for events that could not be delivered after all retries. Must be a standard queue.
   * @default - an SQS queue encrypted with SQS-managed keys, TLS enforced, 14 days retention
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * How many times EventBridge retries a failed delivery (0 to 185).
   * @default 185
   */
  readonly retryAttempts?: number;

  /**
   * How long EventBridge keeps retrying an undelivered event (60 seconds to 24 hours).
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;

  /**
   * An SNS topic (in this account and Region) notified when the dead-letter queue holds messages.
   * @default - the alarm is created without actions
   */
  readonly alarmTopic?: sns.ITopic;
}
