/**
 * Every policy of every template the library synthesizes (the example deployment, every architecture with its
 * StackSet bodies, and every construct with its defaults), read the way IAM, KMS, SNS, SQS and EventBridge
 * would read it:
 *
 * - no Allow statement grants the action `*` or a whole service (`svc:*`), except the key policy statement
 *   that gives the key's own account its administration (the default key policy the KMS developer guide
 *   documents, "Allows access to the AWS account and enables IAM policies");
 * - the only action wildcards are the ones the governing page writes itself;
 * - identity policies name resources as narrowly as AWS allows: `*` only for actions without resource-level
 *   permissions, and every wildcard inside an ARN is one of a reviewed list (each with its nag reason);
 * - every service principal in a key, topic, queue, bus or trust policy is on a path this test knows, bound
 *   by exactly the condition keys the target service documents for that path (no more: a key-policy
 *   condition that AWS does not support for EventBridge-to-SNS silently stops every email);
 * - every account principal in a resource or trust policy is bound by organization or principal ARN;
 * - every topic and queue denies requests without TLS (`aws:SecureTransport` false).
 */
import { App, Stack } from 'aws-cdk-lib';
import { ARCHITECTURES } from './example/architectures';
import { buildExample, EXAMPLE, EXAMPLE_OUS } from './example/deployment';
import { Deployment, deploymentsOf, evaluate } from './support/deployments';
import { everyConstruct } from './support/every-construct';

type Statement = Record<string, any>;
interface Found {
  readonly where: string;
  readonly kind: 'identity' | 'trust' | 'key' | 'topic' | 'queue' | 'bus';
  readonly s: Statement;
  /** A value as deployed in this account and Region (intrinsics evaluated; others left as JSON). */
  readonly text: (v: unknown) => string;
}

const DOCS = {
  kmsDefaultKeyPolicy: 'https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam',
  snsKeyPolicy: 'https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services',
  logsKms: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html',
  eventBridgeSns: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions',
  cloudWatchSns: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html#SNS_Confused_Deputy',
  eventBridgeDlq: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html#eb-dlq-perms',
  snsDlq: 'https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html',
  eventBridgeRole: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html#eb-confused-deputy',
  lambdaRole: 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html',
  // EventBridge Scheduler user guide, "Set up the execution role" (the role trusts scheduler.amazonaws.com,
  // https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role) and
  // "Confused deputy prevention in EventBridge Scheduler": aws:SourceAccount in the execution role's trust policy
  // admits any schedule of that account (the heartbeat's and the heartbeat checker's, issue 20).
  schedulerRole: 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html',
  busPolicy: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html',
  xray: 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html',
  tls: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html#enforce-encryption-data-in-transit',
};

/**
 * The service-principal paths the library creates, and the condition keys the target service documents for
 * each (all of them must be present, and no other aws:Source* key).
 */
const PATHS: ReadonlyArray<{ kind: Found['kind']; service: RegExp; keys: string[]; doc: string }> = [
  { kind: 'key', service: /^events\.amazonaws\.com$/, keys: [], doc: DOCS.snsKeyPolicy },
  { kind: 'key', service: /^cloudwatch\.amazonaws\.com$/, keys: ['aws:SourceAccount'], doc: DOCS.snsKeyPolicy },
  { kind: 'key', service: /^logs\./, keys: ['kms:EncryptionContext:aws:logs:arn'], doc: DOCS.logsKms },
  { kind: 'topic', service: /^events\.amazonaws\.com$/, keys: ['aws:SourceAccount', 'aws:SourceArn'], doc: DOCS.eventBridgeSns },
  { kind: 'topic', service: /^cloudwatch\.amazonaws\.com$/, keys: ['aws:SourceAccount', 'aws:SourceArn'], doc: DOCS.cloudWatchSns },
  { kind: 'queue', service: /^events\.amazonaws\.com$/, keys: ['aws:SourceArn'], doc: DOCS.eventBridgeDlq },
  { kind: 'queue', service: /^sns\.amazonaws\.com$/, keys: ['aws:SourceArn'], doc: DOCS.snsDlq },
  { kind: 'trust', service: /^events\.amazonaws\.com$/, keys: ['aws:SourceAccount'], doc: DOCS.eventBridgeRole },
  { kind: 'trust', service: /^lambda\.amazonaws\.com$/, keys: [], doc: DOCS.lambdaRole },
  { kind: 'trust', service: /^scheduler\.amazonaws\.com$/, keys: ['aws:SourceAccount'], doc: DOCS.schedulerRole },
];

/** Action wildcards, each written by the page that governs its path. */
const ACTION_WILDCARDS: Record<string, string> = {
  'kms:GenerateDataKey*': DOCS.snsKeyPolicy,
  'kms:Encrypt*': DOCS.logsKms,
  'kms:Decrypt*': DOCS.logsKms,
  'kms:ReEncrypt*': DOCS.logsKms,
  'kms:Describe*': DOCS.logsKms,
};

/** Actions that have no resource-level permissions: `Resource: "*"` is what AWS requires. */
const NO_RESOURCE_LEVEL = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);

/** ARN wildcards in identity policies, reviewed: each has its AwsSolutions-IAM5 reason in the template. */
const ARN_WILDCARDS = [
  /^arn:aws(-cn)?:securityhub:\*:\d{12}:product\/\d{12}\/default$/, // SOURCE_ACCOUNT: the Region of the job
  /^arn:aws(-cn)?:securityhub:\*:\d{12}:hub\/default$/, // the same, for the look-up
  /^arn:aws(-cn)?:iam::\*:role\/[\w+=,.@-]+$/, // the importer role of whichever member account
  /^arn:aws(-cn)?:logs:[a-z0-9-]+:\d{12}:log-group:\/cdk-backup-alarms\/[\w.-]+-[0-9a-f-]{36}:\*$/, // the streams of the forwarder's own log group
];

const list = (v: unknown): unknown[] => (v === undefined ? [] : ([] as unknown[]).concat(v));
const conditionKeys = (s: Statement): string[] => Object.values<Record<string, unknown>>(s.Condition ?? {}).flatMap((o) => Object.keys(o));

function statements(d: Deployment): Found[] {
  const out: Found[] = [];
  for (const [id, r] of Object.entries<any>(d.template.Resources ?? {})) {
    const where = `${d.source} ${d.account}/${d.region} ${id}`;
    const text = (v: unknown) => {
      const e = evaluate(v, d);
      return typeof e === 'string' ? e : JSON.stringify(e);
    };
    const add = (kind: Found['kind'], doc: any) => list(doc?.Statement).forEach((s) => out.push({ where, kind, s: s as Statement, text }));
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::IAM::ManagedPolicy': case 'AWS::IAM::Policy': add('identity', p.PolicyDocument); break;
      case 'AWS::IAM::Role':
        add('trust', p.AssumeRolePolicyDocument);
        list(p.Policies).forEach((x: any) => add('identity', x.PolicyDocument));
        break;
      case 'AWS::KMS::Key': add('key', p.KeyPolicy); break;
      case 'AWS::SNS::TopicPolicy': add('topic', p.PolicyDocument); break;
      case 'AWS::SQS::QueuePolicy': add('queue', p.PolicyDocument); break;
      case 'AWS::Events::EventBusPolicy': if (p.Statement) out.push({ where, kind: 'bus', s: p.Statement, text }); break;
      case 'AWS::Events::EventBus': add('bus', p.Policy); break;
    }
  }
  return out;
}

function allDeployments(): Array<[string, Deployment[]]> {
  const out: Array<[string, Deployment[]]> = [];
  const example = new App();
  out.push(['example', deploymentsOf(buildExample(example), { managementAccount: EXAMPLE.managementAccount, ous: EXAMPLE_OUS })]);
  for (const [name, build] of Object.entries(ARCHITECTURES)) {
    const arch = build(new App());
    out.push([name, deploymentsOf(arch.stacks, arch.organization)]);
  }
  const defaults: Stack[] = everyConstruct(new App());
  out.push(['every construct', deploymentsOf(defaults, { managementAccount: '999999999999', ous: { 'ou-ab12-cdef3456': ['333333333333'] } })]);
  return out;
}

const DEPLOYMENTS = allDeployments();

describe.each(DEPLOYMENTS)('%s', (_name, deployments) => {
  const found = deployments.flatMap(statements);
  const allows = found.filter((f) => f.s.Effect === 'Allow');

  test('there are policies to check, from every template (StackSet bodies included)', () => {
    expect(found.length).toBeGreaterThan(10);
    const kinds = new Set(found.map((f) => f.kind));
    for (const kind of ['identity', 'trust', 'queue'] as const) expect({ kind, present: kinds.has(kind) }).toEqual({ kind, present: true });
  });

  test(`no Allow grants "*" or a whole service, except the key's own account administering it (${DOCS.kmsDefaultKeyPolicy})`, () => {
    const broad = allows.filter((f) => list(f.s.Action).some((a) => a === '*' || /^[a-z0-9-]+:\*$/.test(String(a))));
    const rootAdmin = (f: Found) => f.kind === 'key' && list(f.s.Action).join() === 'kms:*'
      && f.text(f.s.Principal?.AWS) === `arn:${f.text({ Ref: 'AWS::Partition' })}:iam::${f.text({ Ref: 'AWS::AccountId' })}:root`;
    expect(broad.filter((f) => !rootAdmin(f)).map((f) => `${f.where}: ${JSON.stringify(f.s.Action)}`)).toEqual([]);
  });

  test('every other action wildcard is one the governing page writes', () => {
    const wild = allows.flatMap((f) => list(f.s.Action).map(String).filter((a) => a.includes('*') && a !== 'kms:*'));
    expect(wild.filter((a) => ACTION_WILDCARDS[a] === undefined)).toEqual([]);
  });

  test(`identity policies: "*" only for actions without resource-level permissions (${DOCS.xray}), ARN wildcards only the reviewed ones`, () => {
    const problems: string[] = [];
    for (const f of allows.filter((x) => x.kind === 'identity')) {
      for (const resource of list(f.s.Resource).map(f.text)) {
        const scoped = list(f.s.Action).filter((a) => !NO_RESOURCE_LEVEL.has(String(a)));
        if (resource === '*' && scoped.length > 0) problems.push(`${f.where}: Resource * for ${scoped.join(', ')}`);
        if (resource !== '*' && resource.includes('*') && !ARN_WILDCARDS.some((re) => re.test(resource))) problems.push(`${f.where}: ${resource}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('every service principal is on a known path, bound by exactly the condition keys its target service documents', () => {
    const problems: string[] = [];
    for (const f of allows.filter((x) => x.s.Principal?.Service !== undefined)) {
      for (const service of list(f.s.Principal.Service).map(f.text)) {
        const path = PATHS.find((p) => p.kind === f.kind && p.service.test(service));
        if (path === undefined) {
          problems.push(`${f.where}: ${service} in a ${f.kind} policy is a path this test does not know`);
          continue;
        }
        const keys = conditionKeys(f.s);
        const missing = path.keys.filter((k) => !keys.includes(k));
        const extra = keys.filter((k) => k.startsWith('aws:Source') && !path.keys.includes(k));
        if (missing.length > 0 || extra.length > 0) {
          problems.push(`${f.where}: ${service} in a ${f.kind} policy: missing ${missing.join(',') || '-'}, unsupported ${extra.join(',') || '-'} (${path.doc})`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test(`every account principal outside a key's own administration is bound by organization or principal ARN (${DOCS.busPolicy})`, () => {
    const loose = allows.filter((f) => f.s.Principal?.AWS !== undefined && f.kind !== 'key' && f.kind !== 'identity')
      .filter((f) => !conditionKeys(f.s).some((k) => ['aws:PrincipalOrgID', 'aws:PrincipalArn'].includes(k)));
    expect(loose.map((f) => `${f.where}: ${f.text(f.s.Principal.AWS)}`)).toEqual([]);
  });

  test(`every topic and queue denies requests without TLS (${DOCS.tls})`, () => {
    for (const d of deployments) {
      const resources = Object.entries<any>(d.template.Resources ?? {});
      for (const [id, r] of resources.filter(([, x]) => x.Type === 'AWS::SNS::Topic' || x.Type === 'AWS::SQS::Queue')) {
        const policyType = r.Type === 'AWS::SNS::Topic' ? 'AWS::SNS::TopicPolicy' : 'AWS::SQS::QueuePolicy';
        const field = r.Type === 'AWS::SNS::Topic' ? 'Topics' : 'Queues';
        const denies = resources.filter(([, x]) => x.Type === policyType && list(x.Properties[field]).some((q: any) => q.Ref === id))
          .flatMap(([, x]) => list(x.Properties.PolicyDocument.Statement) as Statement[])
          .filter((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
        expect({ resource: `${d.source} ${id}`, tlsDenied: denies.length === 1 }).toEqual({ resource: `${d.source} ${id}`, tlsDenied: true });
      }
    }
  });
});
