import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** What may publish to an encrypted topic the library creates. */
export interface EncryptedTopicOptions {
  readonly displayName: string;
  readonly keyDescription: string;
  /** A key to use instead of creating one (a key of the same stack gets the statements). */
  readonly key?: kms.IKey;
  /** The ARN pattern of the EventBridge rules that publish (`rule/<bus>/*`); none: only CloudWatch alarms publish. */
  readonly ruleArnPattern?: string;
  /** The removal policy of a created key. */
  readonly removalPolicy: RemovalPolicy;
}

/** A created topic and its key. */
export interface EncryptedTopic {
  readonly topic: sns.Topic;
  readonly key: kms.IKey;
}

/**
 * An SNS topic encrypted with a customer-managed key, TLS enforced, publishable only by this account's
 * CloudWatch alarms and, when `ruleArnPattern` is given, this account's EventBridge rules that match it. Child
 * ids: `Key` (when created) and `Topic`, under `scope`.
 */
export function createEncryptedTopic(scope: Construct, keyId: string, topicId: string, options: EncryptedTopicOptions): EncryptedTopic {
  const stack = Stack.of(scope);
  const key = options.key ?? new kms.Key(scope, keyId, {
    description: options.keyDescription,
    enableKeyRotation: true,
    removalPolicy: options.removalPolicy,
  });
  // A key of this stack gets the statements; an imported key ignores them, and the README says so.
  admitKeyUsers(stack, key, options.ruleArnPattern !== undefined);
  const topic = new sns.Topic(scope, topicId, {
    displayName: options.displayName,
    masterKey: key,
    enforceSSL: true,
  });
  if (options.ruleArnPattern !== undefined) {
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowRulesOfTheAlarmBus',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': options.ruleArnPattern },
      },
    }));
  }
  topic.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowAlarmsOfThisAccount',
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
    },
  }));
  return { topic, key };
}

/**
 * The key statements the SNS developer guide gives for AWS services that publish to an encrypted topic
 * ("Enable compatibility between event sources from AWS services and encrypted topics"): `kms:Decrypt` and
 * `kms:GenerateDataKey*` for the service principal. The guide adds `aws:SourceAccount`/`aws:SourceArn`
 * against confused deputies, except for EventBridge: "Adding the aws:SourceAccount, aws:SourceArn, and
 * aws:SourceOrgID to a AWS KMS policy is not supported for EventBridge-to-encrypted topics"; such a
 * condition makes every delivery fail. EventBridge's confused-deputy protection sits on the topic policy.
 */
function admitKeyUsers(stack: Stack, key: kms.IKey, eventBridge: boolean) {
  const statement = (service: string, conditions?: { [op: string]: unknown }) => new iam.PolicyStatement({
    sid: `Allow${service.split('.')[0]}ToUseTheKey`,
    principals: [new iam.ServicePrincipal(service)],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    // In a key policy "*" means this key.
    resources: ['*'],
    conditions,
  });
  if (eventBridge) key.addToResourcePolicy(statement('events.amazonaws.com'));
  key.addToResourcePolicy(statement('cloudwatch.amazonaws.com', { StringEquals: { 'aws:SourceAccount': stack.account } }));
}
