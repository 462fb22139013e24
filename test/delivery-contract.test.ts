/**
 * The delivery contract: for every service-to-service path the library creates, the synthesized templates
 * carry exactly the permissions and condition keys that the *target* service documents for that path, in
 * each architecture. No AWS account exists here, so the documentation is the oracle: each test names the page
 * it follows. A path that AWS would refuse at run time (a key condition EventBridge does not support, a role
 * ARN principal that does not exist yet, a queue policy over SQS's limits) fails here instead.
 *
 * Architectures:
 * - ONE ACCOUNT: the central bus, its own default-bus rule and the finding forwarder in one account and Region.
 * - ORGANIZATION: the complete example deployment (test/example/deployment.ts): central account, management
 *   account with the policy rule and the member stack set, findings imported as the central account.
 * - ORGANIZATION, SOURCE_ACCOUNT: findings imported in each member account through its importer role.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { BackupFailureRule, BackupFailureRuleStackSet, CentralAlarmBus, FindingAttribution, SecurityHubFindingForwarder, SecurityHubFindingImporterRole } from '../src';
import { buildExample, CentralStack, EXAMPLE } from './example/deployment';

const DOCS = {
  snsKeyPolicy: 'https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services',
  eventBridgeResourcePolicies: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html',
  eventBridgeDlq: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html#eb-dlq-perms',
  sqsPolicyQuotas: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html',
  cloudWatchAlarmToSns: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html#SNS_Confused_Deputy',
  eventBridgeCrossAccount: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html',
  iamRolePrincipal: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles',
  iamPrincipalArn: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn',
  lambdaSqs: 'https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html',
  securityHubImport: 'https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html',
  snsDlq: 'https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html',
  logsKms: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html',
};

type Statement = Record<string, any>;

function statementsOf(template: Template, type: string, field: string): Statement[] {
  return statementsByResource(template, type, field).flat();
}

/** The statements of each resource of `type`, one list per resource (a template may hold two alarm topics and keys). */
function statementsByResource(template: Template, type: string, field: string): Statement[][] {
  return Object.values(template.findResources(type)).map((r: any) => {
    const doc = r.Properties[field];
    return doc === undefined ? [] : [].concat(doc.Statement);
  });
}

const service = (s: Statement) => s.Principal?.Service;

function oneAccount(): { stack: Stack; bus: CentralAlarmBus } {
  const stack = new Stack(new App(), 'OneAccount', { env: { account: '111111111111', region: 'eu-west-1' } });
  const bus = new CentralAlarmBus(stack, 'Alarms', { organizationId: 'o-a1b2c3d4e5', emailAddresses: ['ops@example.com'] });
  new SecurityHubFindingForwarder(stack, 'Findings', { eventBus: bus.eventBus, alarmTopic: bus.topic });
  return { stack, bus };
}

function organization(): { central: Template; management: Template; member: Template; stacks: Stack[] } {
  const app = new App();
  const stacks = buildExample(app);
  const central = stacks.find((s) => s instanceof CentralStack)!;
  const management = stacks.find((s) => s.node.id === 'BackupAlarmsManagement')!;
  const stackSet = management.node.findAll().find((c): c is BackupFailureRuleStackSet => c instanceof BackupFailureRuleStackSet)!;
  return {
    central: Template.fromStack(central),
    management: Template.fromStack(management),
    member: Template.fromJSON(JSON.parse(stackSet.templateBody)),
    stacks,
  };
}

const ARCHITECTURES: Array<[string, () => Template]> = [
  ['one account', () => Template.fromStack(oneAccount().stack)],
  ['organization (central account)', () => organization().central],
];

describe.each(ARCHITECTURES)('%s: EventBridge and CloudWatch to the encrypted alarm topic', (_name, central) => {
  test.each<[string, Record<string, unknown> | undefined, string]>([
    // "Adding the aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID to a AWS KMS policy is not supported for
    // EventBridge-to-encrypted topics." Such a condition silently dead-letters every email.
    ['events.amazonaws.com', undefined, 'no aws:Source* condition'],
    // The same page: aws:SourceAccount against confused deputies for the other services (CloudWatch here).
    ['cloudwatch.amazonaws.com', { StringEquals: { 'aws:SourceAccount': '111111111111' } }, 'aws:SourceAccount'],
  ])(`key policy: %s may use the key, %#: %s (${DOCS.snsKeyPolicy})`, (principal, condition) => {
    // Per key: the alarm topic's key, and the pipeline alarm topic's key where the architecture has one.
    const perKey = statementsByResource(central(), 'AWS::KMS::Key', 'KeyPolicy')
      .map((statements) => statements.filter((s) => service(s) === principal)).filter((statements) => statements.length > 0);
    expect(perKey.length).toBeGreaterThan(0);
    for (const statements of perKey) {
      expect(statements).toEqual([{
        Sid: expect.any(String),
        Effect: 'Allow',
        Principal: { Service: principal },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        ...(condition === undefined ? {} : { Condition: condition }),
      }]);
    }
  });

  test(`topic policy: EventBridge publishes through the topic policy, bound to this account's rules of the bus (${DOCS.eventBridgeResourcePolicies})`, () => {
    const t = central();
    const publish = statementsOf(t, 'AWS::SNS::TopicPolicy', 'PolicyDocument').filter((s) => service(s) === 'events.amazonaws.com');
    expect(publish).toHaveLength(1);
    expect(publish[0]).toMatchObject({ Effect: 'Allow', Action: 'sns:Publish', Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } } });
    expect(JSON.stringify(publish[0].Condition.ArnLike['aws:SourceArn'])).toMatch(/:events:eu-west-1:111111111111:rule\//);
    // "For targets that use resource-based policies (Lambda, Amazon SNS, Amazon SQS ...), do not specify a
    // RoleArn": delivery may fail, particularly to KMS-encrypted SNS topics.
    const topicArns = Object.keys(t.findResources('AWS::SNS::Topic'));
    const snsTargets = Object.values(t.findResources('AWS::Events::Rule')).flatMap((r: any) => r.Properties.Targets ?? [])
      .filter((tg: any) => topicArns.includes(tg.Arn?.Ref));
    expect(snsTargets.length).toBeGreaterThanOrEqual(6);
    for (const tg of snsTargets) expect(tg.RoleArn).toBeUndefined();
  });

  test(`topic policy: CloudWatch publishes only for this account's alarms (${DOCS.cloudWatchAlarmToSns})`, () => {
    // Per topic: the alarm topic, and the pipeline alarm topic where the architecture has one.
    const perTopic = statementsByResource(central(), 'AWS::SNS::TopicPolicy', 'PolicyDocument')
      .map((statements) => statements.filter((s) => service(s) === 'cloudwatch.amazonaws.com'));
    expect(perTopic.length).toBeGreaterThan(0);
    for (const cw of perTopic) {
      expect(cw).toHaveLength(1);
      expect(cw[0].Condition.StringEquals).toEqual({ 'aws:SourceAccount': '111111111111' });
      expect(JSON.stringify(cw[0].Condition.ArnLike['aws:SourceArn'])).toContain(':cloudwatch:eu-west-1:111111111111:alarm:*');
    }
  });

  test('TLS is enforced on the topic and on every queue', () => {
    const t = central();
    for (const [type, field] of [['AWS::SNS::TopicPolicy', 'PolicyDocument'], ['AWS::SQS::QueuePolicy', 'PolicyDocument']]) {
      const policies = Object.values(t.findResources(type));
      expect(policies.length).toBeGreaterThan(0);
      for (const p of policies as any[]) {
        expect([].concat(p.Properties[field].Statement)).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
      }
    }
  });
});

describe('EventBridge to the dead-letter queues', () => {
  test(`the shared dead-letter queue policy stays one statement with 20 alarm targets: under SQS's 20 statements and 8,192 bytes (${DOCS.sqsPolicyQuotas})`, () => {
    const { stack, bus } = oneAccount();
    for (let i = 0; i < 20; i++) {
      bus.addAlarmTarget(`Queue${i}`, new targets.SqsQueue(new sqs.Queue(stack, `Target${i}`, { enforceSSL: true })));
    }
    const template = Template.fromStack(stack);
    const dlqLogicalId = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) => id.startsWith('AlarmsDeadLetterQueue'))!;
    const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find((p: any) => p.Properties.Queues[0].Ref === dlqLogicalId) as any;
    const statements = [].concat(policy.Properties.PolicyDocument.Statement) as Statement[];
    const allows = statements.filter((s) => s.Effect === 'Allow');
    // One for EventBridge (every rule of the bus), one for SNS (the email subscriptions' redrive).
    expect(allows.map(service).sort()).toEqual(['events.amazonaws.com', 'sns.amazonaws.com']);
    expect(statements.length).toBeLessThanOrEqual(20);
    // Tokens render longer once deployed; measure with them replaced by plausible values.
    const rendered = JSON.stringify(stack.resolve(policy.Properties.PolicyDocument)).replace(/\{"(Ref|Fn::GetAtt)":[^}]*\}/g, '"arn:aws:sqs:eu-west-1:111111111111:' + 'x'.repeat(80) + '"');
    expect(Buffer.byteLength(rendered)).toBeLessThan(8192);
    // Every rule's target dead-letters to that queue.
    const ruleTargets = Object.values(template.findResources('AWS::Events::Rule')).flatMap((r: any) => r.Properties.Targets);
    expect(ruleTargets.filter((tg: any) => tg.DeadLetterConfig?.Arn?.['Fn::GetAtt']?.[0] === dlqLogicalId).length).toBeGreaterThanOrEqual(26);
  });

  test(`every queue statement for EventBridge is the documented one: sqs:SendMessage only, bound by aws:SourceArn to the rules (${DOCS.eventBridgeDlq})`, () => {
    const template = Template.fromStack(oneAccount().stack);
    const allows = statementsOf(template, 'AWS::SQS::QueuePolicy', 'PolicyDocument').filter((s) => s.Effect === 'Allow' && service(s) === 'events.amazonaws.com');
    for (const s of allows) {
      expect(s.Action).toBe('sqs:SendMessage');
      const [op] = Object.keys(s.Condition);
      expect(['ArnEquals', 'ArnLike']).toContain(op);
      expect(Object.keys(s.Condition[op])).toEqual(['aws:SourceArn']);
    }
    // The central bus's queue: rule/<bus name>/* of this account and Region.
    expect(allows.some((s) => JSON.stringify(s.Condition.ArnLike?.['aws:SourceArn'] ?? '').includes(':events:eu-west-1:111111111111:rule/'))).toBe(true);
  });

  test(`member rules: each its own queue, ArnEquals on its exact rule ARN (${DOCS.eventBridgeDlq})`, () => {
    const { member } = organization();
    const allows = statementsOf(member, 'AWS::SQS::QueuePolicy', 'PolicyDocument').filter((s) => s.Effect === 'Allow');
    // The failure rule and the tamper rule of the stack set's member template.
    expect(allows).toHaveLength(2);
    for (const a of allows) {
      expect(a).toEqual(expect.objectContaining({ Action: 'sqs:SendMessage', Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/Rule/), 'Arn'] } } } }));
    }
  });
});

describe('organization: member and management rules to the central bus', () => {
  test(`each forwarding target carries a RoleArn whose role may only PutEvents on the central bus (${DOCS.eventBridgeCrossAccount})`, () => {
    const { member, management } = organization();
    const busArn = `arn:aws:events:${EXAMPLE.centralRegion}:${EXAMPLE.centralAccount}:event-bus/${EXAMPLE.busName}`;
    for (const t of [member, management]) {
      const forwarding = Object.values(t.findResources('AWS::Events::Rule')).flatMap((r: any) => r.Properties.Targets).filter((tg: any) => tg.Arn === busArn);
      expect(forwarding.length).toBeGreaterThan(0);
      for (const tg of forwarding) expect(tg.RoleArn).toBeDefined();
      // The forwarding rules' roles, and (issue 20) their heartbeats' roles, which EventBridge Scheduler assumes
      // to put the heartbeat on this account's default bus, where the rule forwards it like an alarm.
      const roles = Object.entries(t.findResources('AWS::IAM::Role')) as Array<[string, any]>;
      const trusted = (id: string) => roles.find(([r]) => r === id)![1].Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service;
      const forwarders = roles.filter(([id]) => trusted(id) === 'events.amazonaws.com');
      const heartbeats = roles.filter(([id]) => trusted(id) === 'scheduler.amazonaws.com');
      expect(forwarders.length).toBeGreaterThan(0);
      expect(heartbeats).toHaveLength(forwarders.length);
      for (const [, role] of roles) {
        expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: expect.stringMatching(/^(events|scheduler)\.amazonaws\.com$/) },
          Condition: { StringEquals: { 'aws:SourceAccount': expect.anything() } },
        }]);
      }
      const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy')) as any[];
      const grantsOf = (ids: Array<[string, any]>) => policies.filter((p) => p.Properties.Roles.some((r: any) => ids.some(([id]) => id === r.Ref)))
        .flatMap((p) => ([] as any[]).concat(p.Properties.PolicyDocument.Statement));
      const all = policies.flatMap((p) => ([] as any[]).concat(p.Properties.PolicyDocument.Statement));
      expect(grantsOf(forwarders).length + grantsOf(heartbeats).length).toBe(all.length);
      const grants = grantsOf(forwarders);
      expect(grants).toEqual(grants.map(() => ({ Action: 'events:PutEvents', Effect: 'Allow', Resource: busArn })));
      for (const g of grantsOf(heartbeats)) {
        expect(g).toEqual({ Action: 'events:PutEvents', Effect: 'Allow', Resource: expect.anything() });
        expect(JSON.stringify(g.Resource)).toMatch(/:event-bus\/default"?\]*\}*$/);
      }
    }
  });

  test('the central bus admits the organization, narrowed to the forwarding role names', () => {
    const { central } = organization();
    const [statement] = Object.values(central.findResources('AWS::Events::EventBusPolicy')).map((r: any) => r.Properties.Statement);
    expect(statement).toMatchObject({ Action: 'events:PutEvents', Condition: { StringEquals: { 'aws:PrincipalOrgID': EXAMPLE.organizationId } } });
    expect(JSON.stringify(statement.Condition.ArnLike['aws:PrincipalArn'])).toContain(`role/${EXAMPLE.forwarderRoleName}-eu-west-1`);
  });
});

describe.each<[string, FindingAttribution]>([
  ['FORWARDER_ACCOUNT', FindingAttribution.FORWARDER_ACCOUNT],
  ['SOURCE_ACCOUNT', FindingAttribution.SOURCE_ACCOUNT],
])('findings, %s mode: SQS to Lambda, Lambda to Security Hub', (_name, attribution) => {
  function forwarder(): Template {
    const stack = new Stack(new App(), 'Central', { env: { account: '111111111111', region: 'eu-west-1' } });
    const bus = new CentralAlarmBus(stack, 'Alarms', { organizationId: 'o-a1b2c3d4e5', emailAddresses: ['ops@example.com'] });
    new SecurityHubFindingForwarder(stack, 'Findings', { eventBus: bus.eventBus, alarmTopic: bus.topic, attribution, organizationId: 'o-a1b2c3d4e5' });
    return Template.fromStack(stack);
  }

  test(`the function role reads its own queue (${DOCS.lambdaSqs}) and imports only through a default product ARN (${DOCS.securityHubImport})`, () => {
    // Not the monitors' policies (its checker publishes to the KMS-encrypted alarm topic: kms:GenerateDataKey*),
    // which test/heartbeat.test.ts, test/protection-monitor.test.ts and test/policies.test.ts judge.
    const template = forwarder();
    const statements = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(([id]) => !/^Alarms(Heartbeats|Protections)/.test(id))
      .flatMap(([, p]: [string, any]) => [].concat(p.Properties.PolicyDocument.Statement)) as Statement[];
    const actions = statements.flatMap((s) => [].concat(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'securityhub:BatchImportFindings', 'securityhub:GetFindings']));
    expect(actions.some((a: string) => a.endsWith('*') && a !== 'sqs:ChangeMessageVisibility')).toBe(false);
    const imports = statements.filter((s) => s.Action === 'securityhub:BatchImportFindings');
    const region = attribution === FindingAttribution.FORWARDER_ACCOUNT ? 'eu-west-1' : '*';
    expect(JSON.stringify(imports.map((s) => s.Resource))).toContain(`:securityhub:${region}:111111111111:product/111111111111/default`);
    const lookups = statements.filter((s) => s.Action === 'securityhub:GetFindings');
    expect(JSON.stringify(lookups.map((s) => s.Resource))).toContain(`:securityhub:${region}:111111111111:hub/default`);
    const assume = statements.filter((s) => s.Action === 'sts:AssumeRole');
    if (attribution === FindingAttribution.SOURCE_ACCOUNT) {
      expect(assume).toEqual([expect.objectContaining({ Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } } })]);
      expect(JSON.stringify(assume[0].Resource)).toContain(':iam::*:role/cdk-backup-alarms-finding-importer');
    } else {
      expect(assume).toEqual([]);
    }
  });
});

describe('findings, SOURCE_ACCOUNT mode: STS AssumeRole across accounts', () => {
  test(`the importer role trusts the forwarder's account with aws:PrincipalArn, never the role ARN as principal (${DOCS.iamRolePrincipal}, ${DOCS.iamPrincipalArn})`, () => {
    // A role ARN as principal must exist when the policy is written, and is stored as that role's unique id:
    // re-creating the forwarder role would break the trust silently. The account plus aws:PrincipalArn does not.
    const stack = new Stack(new App(), 'Member', { env: { account: '222222222222', region: 'eu-central-1' } });
    new SecurityHubFindingImporterRole(stack, 'Importer', { forwarderRoleArn: 'arn:aws:iam::111111111111:role/backup-findings-forwarder', organizationId: 'o-a1b2c3d4e5' });
    const trust = (Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'))[0] as any).Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } },
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
        ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/backup-findings-forwarder' },
      },
    }]);
    expect(JSON.stringify(trust)).not.toContain('"AWS":"arn:aws:iam::111111111111:role/');
  });

  test('so the member role can be deployed before the central forwarder exists, in any order', () => {
    const app = new App();
    const member = new Stack(app, 'Member', { env: { account: '222222222222', region: 'eu-central-1' } });
    new SecurityHubFindingImporterRole(member, 'Importer', { forwarderRoleArn: 'arn:aws:iam::111111111111:role/backup-findings-forwarder', organizationId: 'o-a1b2c3d4e5' });
    // Nothing in the member template refers to a resource of another stack.
    expect(JSON.stringify(Template.fromStack(member).toJSON())).not.toMatch(/Fn::ImportValue|Fn::GetAtt":\["Findings/);
    expect(member.dependencies).toEqual([]);
  });
});

describe('partitions', () => {
  const CONSOLE = {
    // The sign-in pages of each partition: docs.amazonaws.cn IAM user guide ("https://console.amazonaws.cn/"),
    // AWS GovCloud (US) user guide ("https://console.amazonaws-us-gov.com/").
    'aws': 'https://docs.aws.amazon.com/IAM/latest/UserGuide/console.html',
    'aws-cn': 'https://docs.amazonaws.cn/en_us/IAM/latest/UserGuide/id_users_sign-in.html',
    'aws-us-gov': 'https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/configure-account.html',
  };

  test.each<[string, string, string]>([
    ['eu-west-1', '<region>.console.aws.amazon.com', CONSOLE.aws],
    ['cn-north-1', 'console.amazonaws.cn', CONSOLE['aws-cn']],
    ['us-gov-west-1', 'console.amazonaws-us-gov.com', CONSOLE['aws-us-gov']],
  ])('emails from a bus in %s link to %s (%s)', (region, host) => {
    const stack = new Stack(new App(), 'Central', { env: { account: '111111111111', region } });
    new CentralAlarmBus(stack, 'Alarms', { organizationId: 'o-a1b2c3d4e5', emailAddresses: ['ops@example.com'] });
    const templates = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))
      .flatMap((r: any) => r.Properties.Targets ?? []).map((tg: any) => tg.InputTransformer?.InputTemplate).filter((x: unknown) => typeof x === 'string' && x.includes('Console: '));
    expect(templates.length).toBe(7); // four job kinds, the policy changes, two tampering families
    for (const t of templates) expect(t).toMatch(new RegExp(`Console: https://${host.replace(/[.<>]/g, '\\$&')}/(backup|organizations)/`));
  });

  test('an environment-agnostic bus picks the console host from AWS::Partition at deployment', () => {
    const stack = new Stack(new App(), 'Central');
    new CentralAlarmBus(stack, 'Alarms', { organizationId: 'o-a1b2c3d4e5', emailAddresses: ['ops@example.com'] });
    const t = Template.fromStack(stack).toJSON();
    expect(t.Mappings.CdkBackupAlarmsConsoleHosts).toEqual({
      'aws': { host: '<region>.console.aws.amazon.com' },
      'aws-cn': { host: 'console.amazonaws.cn' },
      'aws-us-gov': { host: 'console.amazonaws-us-gov.com' },
    });
    expect(JSON.stringify(t.Resources)).toContain('{"Fn::FindInMap":["CdkBackupAlarmsConsoleHosts",{"Ref":"AWS::Partition"},"host"]}');
  });

  test('China: a member rule refuses a bus in another Region; GovCloud: allowed between its two Regions', () => {
    // The last AWS statement on the partitions (AWS Compute Blog, "Expanding cross-Region event routing with
    // Amazon EventBridge", 2021): "route events between any AWS Regions, except AWS GovCloud (US) and China";
    // What's New, June 2022: cross-Region routing between us-gov-east-1 and us-gov-west-1. The current
    // cross-Region page (eb-cross-region.html) names no China Region support, so China stays refused.
    const rule = (region: string, busArn: string) => () => {
      const stack = new Stack(new App(), 'Member', { env: { account: '222222222222', region } });
      new BackupFailureRule(stack, 'Failures', { centralBusArn: busArn });
    };
    expect(rule('cn-northwest-1', 'arn:aws-cn:events:cn-north-1:111111111111:event-bus/central')).toThrow(/aws-cn partition cannot send events to a bus in another Region/);
    expect(rule('us-gov-east-1', 'arn:aws-us-gov:events:us-gov-west-1:111111111111:event-bus/central')).not.toThrow();
  });
});

describe('SNS to the dead-letter queue (undeliverable emails)', () => {
  test(`each email subscription has a redrive policy to the bus's dead-letter queue, which admits SNS only for this topic (${DOCS.snsDlq})`, () => {
    const template = Template.fromStack(oneAccount().stack);
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')) as any[];
    expect(subscriptions).toHaveLength(1);
    const dlq = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) => id.startsWith('AlarmsDeadLetterQueue'))!;
    expect(subscriptions[0].Properties).toMatchObject({ Protocol: 'email', RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } } });
    const sns = statementsOf(template, 'AWS::SQS::QueuePolicy', 'PolicyDocument').filter((s) => service(s) === 'sns.amazonaws.com');
    expect(sns).toEqual([{
      Action: 'sqs:SendMessage',
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Resource: { 'Fn::GetAtt': [dlq, 'Arn'] },
      Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0] } } },
    }]);
  });
});

describe('CloudWatch Logs to the forwarder\'s log key', () => {
  test(`the key admits logs.<region> only for the forwarder's log group, by kms:EncryptionContext:aws:logs:arn (${DOCS.logsKms})`, () => {
    const template = Template.fromStack(oneAccount().stack);
    // The forwarder's; the monitors' functions have their own groups and keys (test/heartbeat.test.ts, test/protection-monitor.test.ts).
    const monitor = (id: string) => /^Alarms(Heartbeats|Protections)/.test(id);
    const groups = Object.entries(template.findResources('AWS::Logs::LogGroup')).filter(([id]) => !monitor(id)).map(([, g]) => g) as any[];
    expect(groups).toHaveLength(1);
    // The name ends with the stack's UUID (new for every creation of the stack): [literal prefix, Fn::Select of AWS::StackId].
    const [prefix, uuid] = groups[0].Properties.LogGroupName['Fn::Join'][1];
    expect(uuid).toEqual({ 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] });
    expect(groups[0].Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FindingsLogKey/), 'Arn'] });
    const logs = Object.entries(template.findResources('AWS::KMS::Key')).filter(([id]) => !monitor(id))
      .flatMap(([, k]: [string, any]) => [].concat(k.Properties.KeyPolicy.Statement) as Statement[]).filter((s) => JSON.stringify(s.Principal).includes('logs.'));
    expect(logs).toHaveLength(1);
    expect(logs[0].Principal.Service).toEqual({ 'Fn::Join': ['', ['logs.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] });
    // The log group, and the fixed name it had before (a stack updated from such a version keeps that group: its logs stay readable).
    expect(logs[0].Condition).toEqual({
      ArnEquals: {
        'kms:EncryptionContext:aws:logs:arn': [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:eu-west-1:111111111111:log-group:${prefix}`, uuid]] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:eu-west-1:111111111111:log-group:${prefix.replace(/-$/, '')}`]] },
        ],
      },
    });
  });
});
