import { Aws, Fn, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ManagedPolicyRole } from './managed-policy-role';
import { explainNag } from './nag';
import { nagAccount, nagIntrinsic, nagRegion } from './nag-names';

/** Options of `createFunctionLogs`. */
export interface FunctionLogsOptions {
  /** The function's role: it gets exactly what Lambda needs to write to the log group. */
  readonly role: ManagedPolicyRole;
  readonly retention: logs.RetentionDays;
  /** What a stack deletion does with the log group (and the key created here). */
  readonly removalPolicy: RemovalPolicy;
  /** The user's key; otherwise one is created. */
  readonly encryptionKey?: kms.IKey;
  /** Names the function in the key's description. */
  readonly description: string;
}

/** The log group of a function, and its key. */
export interface FunctionLogs {
  readonly logGroup: logs.LogGroup;
  readonly key: kms.IKey;
}

/**
 * A function's own log group (construct id `LogGroup`), encrypted with a customer-managed key (`LogKey`,
 * unless the user gives one), and the function's role allowed to write to it and nothing else.
 *
 * The name is known before the log group exists, so that the key policy and the role can name exactly it (a
 * reference to the log group would make a cycle through the key). It ends with the UUID of the stack's id,
 * new for every creation of a stack: a log group kept after the stack is deleted (`RemovalPolicy.RETAIN`)
 * never holds the name the next creation asks for (CloudFormation fails a create whose name exists).
 * `/cdk-backup-alarms/` + at most 200 characters + `-` + 36 stays under CloudWatch Logs' 512.
 */
export function createFunctionLogs(scope: Construct, options: FunctionLogsOptions): FunctionLogs {
  const stack = Stack.of(scope);
  // The fixed name of versions before the UUID: a stack updated from one keeps that log group.
  const legacyName = `/cdk-backup-alarms/${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}`;
  const uuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  const name = `${legacyName}-${uuid}`;
  const key = options.encryptionKey ?? logKey(scope, options, [name, legacyName]);
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    logGroupName: name,
    retention: options.retention,
    encryptionKey: key,
    removalPolicy: options.removalPolicy,
  });

  // Lambda writes the function's logs with its execution role: streams in its own log group, nothing else
  // (the group exists before the function, so no logs:CreateLogGroup). Service Authorization Reference,
  // CloudWatch Logs: CreateLogStream acts on the log-group resource, PutLogEvents on its log-stream
  // resources (`log-group:<name>:log-stream:<stream>`), which `log-group:<name>:*` covers.
  const arn = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${name}`;
  options.role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [arn, `${arn}:*`],
  }));
  explainNag(options.role.policy!, [{
    id: 'AwsSolutions-IAM5',
    reason: 'The function writes its logs only to its own log group, /cdk-backup-alarms/{unique name of the construct}-{stack UUID}, '
      + 'named in full in the resource: the log streams Lambda starts in it (named by date, function, version and execution environment) '
      + 'are the only wildcard (":*"). No logs:CreateLogGroup, no other group.',
    appliesTo: [`Resource::arn:<AWS::Partition>:logs:${nagRegion(stack)}:${nagAccount(stack)}:log-group:${legacyName}-${nagIntrinsic(stack, uuid)}:*`],
  }]);
  return { logGroup, key };
}

/**
 * The log group's key: rotation on, and usable by CloudWatch Logs of this Region only for the named log groups
 * (`kms:EncryptionContext:aws:logs:arn`, as the CloudWatch Logs user guide documents in "Encrypt log data in
 * CloudWatch Logs using AWS KMS", step 2): the log group, and the fixed name it had in earlier versions, whose
 * kept log group CloudWatch Logs can only decrypt for reading while the key admits it.
 */
function logKey(scope: Construct, options: FunctionLogsOptions, names: string[]): kms.Key {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, 'LogKey', {
    description: `Encrypts the logs of ${options.description}`,
    enableKeyRotation: true,
    // Kept as long as the log group it decrypts is kept.
    removalPolicy: options.removalPolicy,
  });
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnEquals: {
        'kms:EncryptionContext:aws:logs:arn': names.map((n) => `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${n}`),
      },
    },
  }));
  return key;
}
