import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createDeadLetterQueue, explainQueueEncryption } from './dead-letter';
import { createFunctionLogs } from './function-logs';
import { ManagedPolicyRole } from './managed-policy-role';
import { explainCheckov, explainNag } from './nag';

/**
 * The parts the central monitors (HeartbeatMonitor, ProtectionMonitor) are made of, written once: a ledger
 * table, a buffer queue with its dead-letter queue, a function with its own logs and role, the SQS event source,
 * a Scheduler schedule with its role, and the checker's "stopped" alarm.
 */

/** A DynamoDB ledger: key `pk`, on demand, AWS managed key, point-in-time recovery, TTL, kept by default. */
export function ledgerTable(scope: Construct, id: string,
  props: { pk: string; ttl: string; removalPolicy: RemovalPolicy; backupReason: string }): dynamodb.Table {
  const table = new dynamodb.Table(scope, id, {
    partitionKey: { name: props.pk, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: props.ttl,
    removalPolicy: props.removalPolicy,
  });
  explainNag(table, [
    { id: 'NIST.800.53.R5-DynamoDBInBackupPlan', reason: props.backupReason },
    { id: 'HIPAA.Security-DynamoDBInBackupPlan', reason: props.backupReason },
    { id: 'PCI.DSS.321-DynamoDBInBackupPlan', reason: props.backupReason },
  ]);
  explainCheckov(table, [{
    id: 'CKV_AWS_119',
    comment: 'Encrypted at rest with the AWS managed key (aws/dynamodb). The items are account ids, Region names, resource ARNs and times; a '
      + 'customer-managed key would add 1 USD a month and a key policy that can lock the writer out of the ledger.',
  }]);
  return table;
}

/** A buffer queue (SQS-managed encryption, TLS only) for a function with `timeout`, and its dead-letter queue. */
export function bufferQueue(scope: Construct, timeout: Duration, removalPolicy: RemovalPolicy): { queue: sqs.Queue; deadLetterQueue: sqs.Queue } {
  const deadLetterQueue = createDeadLetterQueue(scope, 'DeadLetterQueue', removalPolicy);
  const queue = new sqs.Queue(scope, 'Queue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // Six times the function timeout, as AWS recommends for SQS event sources.
    visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
    retentionPeriod: Duration.days(4),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
  });
  explainQueueEncryption(queue);
  return { queue, deadLetterQueue };
}

const LAMBDA_DLQ_REASON = 'The function is invoked by an SQS event source (records that fail go to the source queue\'s dead-letter queue, '
  + 'which has an alarm) or by the checker\'s schedule (a run that fails is retried by the next run, and its Errors and Invocations alarms tell the pipeline topic); a Lambda DLQ would hold nothing more.';
const LAMBDA_VPC_REASON = 'The function calls only regional AWS APIs (DynamoDB, SNS) and holds no data of its own; a VPC would add NAT or '
  + 'interface endpoint costs in the central account without narrowing what it can reach (its role does that).';
const LAMBDA_CONCURRENCY_REASON = 'Reserving concurrency fails deployments in accounts whose concurrency quota is low (Lambda developer guide, '
  + '"Configuring reserved concurrency"); the SQS event source of the monitor\'s writer or recorder caps it at 2 (MaximumConcurrency) and the checker runs once per period.';
const TRACING_REASON = 'The function logs each run as JSON and publishes its own metrics (CdkBackupAlarms namespace); X-Ray would need Resource "*".';

/** The generated function classes (`*-function.ts`). */
export type FunctionKind = new (scope: Construct, id: string, props: lambda.FunctionOptions) => lambda.Function;

/**
 * A function in its own scope (`<id>/Function`), with its own log group and key (`createFunctionLogs`: named
 * per stack creation, kept by `removalPolicy`), a role that may write exactly there, and the nag reasons every
 * monitor function shares.
 */
export function monitorFunction(scope: Construct, id: string, props: {
  kind: FunctionKind;
  timeout: Duration;
  environment: { [key: string]: string };
  description: string;
  removalPolicy: RemovalPolicy;
  memorySize?: number;
}): { fn: lambda.Function; role: ManagedPolicyRole } {
  const own = new Construct(scope, id);
  const role = new ManagedPolicyRole(own, 'Role', { description: props.description, assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const { logGroup } = createFunctionLogs(own, {
    role, retention: logs.RetentionDays.ONE_YEAR, removalPolicy: props.removalPolicy, description: props.description,
  });
  const fn = new props.kind(own, 'Function', {
    role,
    description: props.description,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    tracing: lambda.Tracing.DISABLED,
    environment: props.environment,
  });
  explainNag(fn, [
    { id: 'NIST.800.53.R5-LambdaDLQ', reason: LAMBDA_DLQ_REASON, checkov: ['CKV_AWS_116'] },
    { id: 'HIPAA.Security-LambdaDLQ', reason: LAMBDA_DLQ_REASON },
    { id: 'Serverless-LambdaDLQ', reason: LAMBDA_DLQ_REASON },
    { id: 'NIST.800.53.R5-LambdaInsideVPC', reason: LAMBDA_VPC_REASON, checkov: ['CKV_AWS_117'] },
    { id: 'HIPAA.Security-LambdaInsideVPC', reason: LAMBDA_VPC_REASON },
    { id: 'PCI.DSS.321-LambdaInsideVPC', reason: LAMBDA_VPC_REASON },
    { id: 'NIST.800.53.R5-LambdaConcurrency', reason: LAMBDA_CONCURRENCY_REASON, checkov: ['CKV_AWS_115'] },
    { id: 'HIPAA.Security-LambdaConcurrency', reason: LAMBDA_CONCURRENCY_REASON },
    { id: 'Serverless-LambdaTracing', reason: TRACING_REASON },
  ]);
  explainCheckov(fn, [{ id: 'CKV_AWS_173', comment: 'The environment holds only table names, topic ARNs and settings: no secret to encrypt with a customer-managed key.' }]);
  return { fn, role };
}

/**
 * Feeds `queue` to `fn` in batches of 100 (by default a 20 s window; storm control waits less, its first alarms
 * are in a hurry), at most 2 at once, reporting failed records one by one.
 */
export function consumeQueue(fn: lambda.Function, role: ManagedPolicyRole, queue: sqs.IQueue,
  maxBatchingWindow: Duration = Duration.seconds(20)): void {
  fn.addEventSource(new sources.SqsEventSource(queue, {
    batchSize: 100, maxBatchingWindow, reportBatchItemFailures: true, maxConcurrency: 2,
  }));
  fn.node.addDependency(role.policy!);
  const mapping = fn.node.children.find((c) => c instanceof lambda.EventSourceMapping) as lambda.EventSourceMapping;
  explainNag(mapping, [{
    id: 'Serverless-LambdaEventSourceMappingDestination',
    reason: 'Lambda offers on-failure destinations only for Kinesis, DynamoDB, Kafka and MSK event sources; for SQS the source queue\'s '
      + 'redrive policy is the mechanism: records that fail 5 times go to the dead-letter queue, which has an alarm.',
  }]);
}

/** The IAM5 reason of a publisher to topics encrypted with a customer-managed key, when one is. */
export function explainTopicKeyGrant(role: ManagedPolicyRole, topics: Array<sns.ITopic | undefined>): void {
  if (!topics.some((t) => t?.masterKey)) return;
  explainNag(role.policy!, [{
    id: 'AwsSolutions-IAM5',
    reason: 'A publisher to an SNS topic encrypted with a customer-managed key needs kms:GenerateDataKey* and kms:Decrypt on that key '
      + '(SNS developer guide, "Configuring server-side encryption"); the resource is the topic\'s own key, nothing else.',
    appliesTo: ['Action::kms:GenerateDataKey*'],
  }]);
}

/** Lets `fn` import Security Hub findings as this account, through its own default product ARN only. */
export function grantImportFindings(fn: lambda.Function): void {
  const here = Stack.of(fn);
  fn.addToRolePolicy(new iam.PolicyStatement({
    actions: ['securityhub:BatchImportFindings'],
    resources: [`arn:${here.partition}:securityhub:${here.region}:${here.account}:product/${here.account}/default`],
  }));
}

/**
 * The role EventBridge Scheduler runs `fn` with: it may invoke exactly this function, and trusts Scheduler for
 * this account only ("Confused deputy prevention in EventBridge Scheduler").
 */
export function scheduleRole(scope: Construct, id: string, fn: lambda.IFunction, description: string): ManagedPolicyRole {
  const role = new ManagedPolicyRole(scope, id, {
    description,
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } } }),
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
  return role;
}

/**
 * A schedule that invokes `fn` with `role`. No retries: a run that did not happen is the next run's work, and
 * the checker's stopped alarm watches.
 */
export function scheduleFunction(scope: Construct, id: string, props: {
  fn: lambda.IFunction; role: ManagedPolicyRole; expression: string; description: string; timeZone?: string; input?: string;
}): scheduler.CfnSchedule {
  const schedule = new scheduler.CfnSchedule(scope, id, {
    description: props.description,
    scheduleExpression: props.expression,
    ...(props.timeZone === undefined ? {} : { scheduleExpressionTimezone: props.timeZone }),
    flexibleTimeWindow: { mode: 'OFF' },
    state: 'ENABLED',
    target: {
      arn: props.fn.functionArn,
      roleArn: props.role.roleArn,
      retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
      ...(props.input === undefined ? {} : { input: props.input }),
    },
  });
  schedule.node.addDependency(props.role.policy!);
  return schedule;
}

/** Fires when `fn` was not invoked for `seconds` (Lambda publishes no Invocations data point then: missing is breaching). */
export function stoppedAlarm(scope: Construct, id: string, fn: lambda.IFunction, seconds: number, description: string): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: description,
    metric: fn.metricInvocations({ period: Duration.seconds(seconds), statistic: 'Sum' }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });
}
