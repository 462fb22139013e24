import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { explainCheckov, explainNag } from './nag';

/**
 * Why the library's queues use SQS-managed server-side encryption instead of a customer-managed key: the
 * same reason for cdk-nag and checkov (CKV_AWS_27 asks for a KMS key).
 */
export const SQS_MANAGED_ENCRYPTION_REASON = 'Encrypted at rest with SQS-managed server-side encryption (SSE-SQS, AES-256), and TLS is '
  + 'enforced. A customer-managed key would cost 1 USD a month in every account and Region that deploys a queue (17,000 USD a month '
  + 'at 1,000 accounts x 17 Regions), and a key policy that misses one writer (events.amazonaws.com, sns.amazonaws.com) silently '
  + 'drops the undelivered events this queue exists to keep.';

/**
 * A dead-letter queue for EventBridge targets: a standard queue (EventBridge cannot use FIFO), encrypted
 * with SQS-managed keys (EventBridge can write to it without a KMS grant), TLS only, 14 days retention.
 * It holds undelivered alarms: by default a stack deletion keeps it (`RemovalPolicy.RETAIN`); its name is
 * generated, so a kept queue never blocks the next deployment.
 */
export function createDeadLetterQueue(scope: Construct, id: string, removalPolicy: RemovalPolicy = RemovalPolicy.RETAIN): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy,
  });
  const reason = 'This queue is itself a dead-letter queue, the end of the line: what it holds waits for a person (14 days), who is told by its '
    + 'alarm where the construct has a topic for it; a forwarding rule\'s queue without one is vouched for by the rule\'s heartbeat (a path '
    + 'that keeps failing goes silent and is reported centrally), and is to be looked at and redriven after a RETURNED report.';
  explainNag(queue, [
    { id: 'AwsSolutions-SQS3', reason },
    { id: 'Serverless-SQSRedrivePolicy', reason },
  ]);
  explainQueueEncryption(queue);
  return queue;
}

/** Record why a queue with SQS-managed encryption has no customer-managed key (checkov CKV_AWS_27). */
export function explainQueueEncryption(queue: sqs.IQueue): void {
  explainCheckov(queue, [{ id: 'CKV_AWS_27', comment: SQS_MANAGED_ENCRYPTION_REASON }]);
}

/** An alarm that fires as soon as a dead-letter queue holds a message. */
export function deadLetterAlarm(scope: Construct, id: string, queue: sqs.IQueue, description: string): cloudwatch.Alarm {
  return anyOccurrenceAlarm(scope, id, queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), description);
}

/**
 * An alarm that fires on the first occurrence in a five-minute period: for failures of the alarm pipeline
 * itself, one is already one too many. No data means nothing happened.
 */
export function anyOccurrenceAlarm(scope: Construct, id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: description,
    metric,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/**
 * Records why `alarm` has no action: no SNS topic was given and none exists in this account and Region to
 * notify (NIST 800-53 and HIPAA ask for an alarm action; the constructs add one whenever `alarmTopic` is set).
 */
export function explainNoAlarmAction(alarm: cloudwatch.Alarm): void {
  const reason = 'No alarmTopic was given and the construct creates no topic in this account and Region: the alarm state is '
    + 'shown in the CloudWatch console and its metric can be watched centrally. Setting alarmTopic adds the action.';
  explainNag(alarm, [
    { id: 'NIST.800.53.R5-CloudWatchAlarmAction', reason },
    { id: 'HIPAA.Security-CloudWatchAlarmAction', reason },
  ]);
}
