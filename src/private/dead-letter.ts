import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { explainNag } from './nag';

/**
 * A dead-letter queue for EventBridge targets: a standard queue (EventBridge cannot use FIFO), encrypted
 * with SQS-managed keys (EventBridge can write to it without a KMS grant), TLS only, 14 days retention.
 */
export function createDeadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const reason = 'This queue is itself a dead-letter queue, the end of the line: what it holds waits for a person (14 days), who is told by its alarm.';
  explainNag(queue, [
    { id: 'AwsSolutions-SQS3', reason },
    { id: 'Serverless-SQSRedrivePolicy', reason },
  ]);
  return queue;
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
