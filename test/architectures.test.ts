/**
 * Every architecture of the README (test/example/architectures.ts), deployed on paper: each template in its
 * account and Region, stack sets expanded as CloudFormation would (test/support/deployments.ts). For each:
 * - every account and Region where backups run reaches a bus that emails, exactly once;
 * - no rule targets the bus it sits on ("Source EventBus and Target EventBus must not be the same");
 * - no second hop: a bus that receives events from another account or Region never sends them on to a bus in
 *   a third place (EventBridge dead-letters them: THIRD_ACCOUNT_HOP_DETECTED / THIRD_REGION_HOP_DETECTED);
 * - where findings are imported, every source's failures and completions reach a forwarder, and each finding
 *   is imported by the account it names (Security Hub refuses any other: BatchImportFindings user guide).
 */
import { App } from 'aws-cdk-lib';
import { FindingAttribution } from '../src';
import { Architecture, ARCHITECTURES } from './example/architectures';
import { matchMatrix } from './ruler/ruler';
import { Deployment, deploymentsOf, evaluate, partitionOf, resourcesOf } from './support/deployments';

interface Bus { readonly arn: string; readonly account: string; readonly region: string }
interface RuleInfo {
  readonly deployment: Deployment;
  readonly id: string;
  readonly busArn: string;
  readonly pattern: any;
  /** Target ARNs, evaluated; a reference to a resource of the same template is `ref:<logical id>`. */
  readonly targets: string[];
}

function busArnOf(d: Deployment, name: string): string {
  return `arn:${d.partition}:events:${d.region}:${d.account}:event-bus/${name}`;
}

function analyse(arch: Architecture) {
  const deployments = deploymentsOf(arch.stacks, arch.organization);
  const buses = new Map<string, Bus>();
  const rules: RuleInfo[] = [];
  for (const d of deployments) {
    const localBus = new Map<string, string>();
    for (const [id, r] of resourcesOf(d, 'AWS::Events::EventBus')) {
      const arn = busArnOf(d, String(evaluate(r.Properties.Name, d)));
      localBus.set(id, arn);
      buses.set(arn, { arn, account: d.account, region: d.region });
    }
    for (const [id, r] of resourcesOf(d, 'AWS::Events::Rule')) {
      const on = r.Properties.EventBusName;
      const busArn = on === undefined ? busArnOf(d, 'default') : typeof on === 'string' ? busArnOf(d, on) : localBus.get(on.Ref)!;
      const targets = (r.Properties.Targets ?? []).map((t: any) => {
        if (t.Arn?.Ref && localBus.has(t.Arn.Ref)) return localBus.get(t.Arn.Ref)!;
        if (t.Arn?.['Fn::GetAtt'] && localBus.has(t.Arn['Fn::GetAtt'][0])) return localBus.get(t.Arn['Fn::GetAtt'][0])!;
        const ref = t.Arn?.Ref ?? t.Arn?.['Fn::GetAtt']?.[0];
        return ref !== undefined ? `ref:${ref}` : String(evaluate(t.Arn, d));
      });
      rules.push({ deployment: d, id, busArn, pattern: r.Properties.EventPattern, targets });
    }
  }
  return { deployments, buses, rules };
}

const placeOf = (arn: string) => {
  const [, , , region, account] = arn.split(':');
  return { region, account };
};
const isBus = (arn: string) => arn.includes(':event-bus/');
const matchesJobs = (pattern: any) => JSON.stringify(pattern ?? {}).includes('"aws.backup"') && JSON.stringify(pattern).includes('Backup Job State Change');
const forwardsCompletions = (pattern: any) => JSON.stringify(pattern).includes('"COMPLETED"');

/** The buses whose rules send email: a rule on them targets a topic of the same template with an email subscription. */
function emailBuses(a: ReturnType<typeof analyse>): Set<string> {
  const out = new Set<string>();
  for (const rule of a.rules) {
    const topics = new Set(resourcesOf(rule.deployment, 'AWS::SNS::Subscription')
      .filter(([, s]) => s.Properties.Protocol === 'email').map(([, s]) => s.Properties.TopicArn.Ref));
    if (rule.targets.some((t) => t.startsWith('ref:') && topics.has(t.slice(4)))) out.add(rule.busArn);
  }
  return out;
}

/** The buses with a Security Hub forwarder on them: a rule targets a queue that a Lambda event source reads. */
function findingBuses(a: ReturnType<typeof analyse>): Map<string, Deployment> {
  const out = new Map<string, Deployment>();
  for (const rule of a.rules) {
    const queues = new Set(resourcesOf(rule.deployment, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties.EventSourceArn['Fn::GetAtt'][0]));
    if (rule.targets.some((t) => t.startsWith('ref:') && queues.has(t.slice(4)))) out.set(rule.busArn, rule.deployment);
  }
  return out;
}

/** Where the job events of a source end up: its default bus, and every bus a job rule there forwards to. */
function reach(a: ReturnType<typeof analyse>, source: { account: string; region: string }) {
  const forwarding = a.rules.filter((r) => r.deployment.account === source.account && r.deployment.region === source.region
    && r.busArn.endsWith(':event-bus/default') && matchesJobs(r.pattern));
  const defaultBus = forwarding[0]?.busArn ?? `arn:${partitionOf(source.region)}:events:${source.region}:${source.account}:event-bus/default`;
  return { defaultBus, forwarding };
}

describe.each(Object.entries(ARCHITECTURES))('architecture %s', (_name, build) => {
  const arch = build(new App());
  const a = analyse(arch);

  test('every account and Region where backups run reaches an email, exactly once', () => {
    const emails = emailBuses(a);
    expect(emails.size).toBeGreaterThan(0);
    for (const source of arch.sources) {
      const { forwarding } = reach(a, source);
      const toEmail = forwarding.flatMap((r) => r.targets).filter((t) => emails.has(t));
      expect({ ...source, routes: toEmail.length }).toEqual({ ...source, routes: 1 });
    }
  });

  // Issue 20: an alarm without an action tells nobody ("Using Amazon CloudWatch alarms", alarm actions:
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html). StackSet bodies
  // are expanded per account and Region like the stacks.
  test('every CloudWatch alarm the library creates has an action: an SNS topic of its own template or account and Region', () => {
    const alarms = a.deployments.flatMap((d) => resourcesOf(d, 'AWS::CloudWatch::Alarm').map(([id, r]) => {
      const topics = new Set(resourcesOf(d, 'AWS::SNS::Topic').map(([t]) => t));
      const actions: unknown[] = r.Properties.AlarmActions ?? [];
      const reaching = actions.filter((x: any) => (x?.Ref !== undefined && topics.has(x.Ref))
        || String(evaluate(x, d)).startsWith(`arn:${d.partition}:sns:${d.region}:${d.account}:`));
      return { alarm: `${d.source} ${d.account}/${d.region} ${id}`, actions: actions.length, reaching: reaching.length };
    }));
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms.filter((x) => x.actions === 0 || x.reaching !== x.actions)).toEqual([]);
  });

  // Issue 20, judged by AWS's event-ruler: each heartbeat, as its schedule puts it on its account's default bus,
  // is forwarded by exactly one rule there (its own) to a bus where exactly one rule takes it: the ledger's queue,
  // never a topic (email) or the Security Hub forwarder. "Amazon EventBridge event patterns":
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
  test('a heartbeat from every source reaches the ledger, through its own rule, and no email rule or finding', () => {
    const beats: Record<string, { d: Deployment; rule: string; event: object }> = {};
    for (const d of a.deployments) {
      for (const [id, s] of resourcesOf(d, 'AWS::Scheduler::Schedule')) {
        if (!JSON.stringify(s.Properties.Target.Arn).includes('event-bus/default')) continue;
        const p = s.Properties.Target.EventBridgeParameters;
        const detail = JSON.parse(s.Properties.Target.Input);
        beats[`${d.source} ${d.account}/${d.region} ${id}`] = {
          d,
          rule: detail.rule,
          event: { 'version': '0', 'id': id, 'detail-type': p.DetailType, 'source': p.Source, 'account': d.account, 'time': '2026-12-01T00:00:00Z', 'region': d.region, 'resources': [], detail },
        };
      }
    }
    // Every account and Region where backups run sends at least one.
    for (const source of arch.sources) {
      expect({ ...source, heartbeats: Object.values(beats).some((b) => b.d.account === source.account && b.d.region === source.region) })
        .toEqual({ ...source, heartbeats: true });
    }
    const key = (r: RuleInfo) => `${r.deployment.source} ${r.deployment.account}/${r.deployment.region} ${r.id}`;
    const m = matchMatrix(Object.fromEntries(a.rules.map((r) => [key(r), r.pattern])),
      Object.fromEntries(Object.entries(beats).map(([n, b]) => [n, b.event])));
    const isLedger = (r: RuleInfo) => r.targets.some((t) => {
      const queue = t.slice(4);
      return t.startsWith('ref:') && resourcesOf(r.deployment, 'AWS::Lambda::EventSourceMapping').some(([, esm]) => esm.Properties.EventSourceArn['Fn::GetAtt']?.[0] === queue
        && resourcesOf(r.deployment, 'AWS::Lambda::Function').some(([fid, f]) => fid === esm.Properties.FunctionName.Ref && f.Properties.Environment?.Variables?.HEARTBEAT_TABLE_NAME));
    });
    for (const [name, b] of Object.entries(beats)) {
      const defaultBus = `arn:${b.d.partition}:events:${b.d.region}:${b.d.account}:event-bus/default`;
      const forwarding = a.rules.filter((r) => r.busArn === defaultBus && r.deployment.account === b.d.account && m[key(r)][name]);
      expect({ name, forwarding: forwarding.length }).toEqual({ name, forwarding: 1 });
      expect({ name, sameTemplate: forwarding[0].deployment.source }).toEqual({ name, sameTemplate: b.d.source });
      const buses = forwarding[0].targets.filter(isBus);
      expect({ name, buses: buses.length }).toEqual({ name, buses: 1 });
      const taking = a.rules.filter((r) => r.busArn === buses[0] && m[key(r)][name]);
      expect({ name, taking: taking.map(key), ledger: taking.every(isLedger) }).toEqual({ name, taking: [expect.any(String)], ledger: true });
    }
  });

  test('every event pattern fits EventBridge\'s default quota of 2,048 characters', () => {
    for (const rule of a.rules) expect([rule.id, JSON.stringify(rule.pattern).length <= 2048]).toEqual([rule.id, true]);
  });

  test('no rule targets the bus it sits on', () => {
    for (const rule of a.rules) expect(rule.targets).not.toContain(rule.busArn);
  });

  test('no second hop: a bus that receives from another account or Region sends nothing on to a third place', () => {
    const receivers = new Set(a.rules.flatMap((r) => r.targets.filter(isBus).filter((t) => {
      const to = placeOf(t);
      return to.account !== r.deployment.account || to.region !== r.deployment.region;
    })));
    expect(receivers.size).toBeGreaterThan(0);
    for (const rule of a.rules.filter((r) => receivers.has(r.busArn))) {
      const here = placeOf(rule.busArn);
      for (const t of rule.targets.filter((x) => !x.startsWith('ref:'))) {
        expect({ rule: rule.id, target: placeOf(t) }).toEqual({ rule: rule.id, target: here });
      }
    }
  });

  test('failures and completions of every source reach a Security Hub forwarder, which imports as the account the finding names', () => {
    const forwarders = findingBuses(a);
    expect(forwarders.size).toBeGreaterThan(0);
    for (const source of arch.sources) {
      const { defaultBus, forwarding } = reach(a, source);
      const withCompletions = forwarding.filter((r) => forwardsCompletions(r.pattern)).flatMap((r) => r.targets);
      const reached = [defaultBus, ...withCompletions].filter((b) => forwarders.has(b));
      expect({ ...source, forwarders: reached.length }).toEqual({ ...source, forwarders: 1 });
      const forwarder = forwarders.get(reached[0])!;
      const fn = resourcesOf(forwarder, 'AWS::Lambda::Function').find(([, f]) => f.Properties.Environment?.Variables?.ATTRIBUTION_MODE)![1];
      const mode = fn.Properties.Environment.Variables.ATTRIBUTION_MODE;
      expect(mode).toBe(arch.findings);
      const grants = resourcesOf(forwarder, 'AWS::IAM::ManagedPolicy').flatMap(([, p]) => [].concat(p.Properties.PolicyDocument.Statement))
        .filter((s: any) => s.Action === 'securityhub:BatchImportFindings').map((s: any) => String(evaluate(s.Resource, forwarder)));
      // The forwarder's own account imports only through its own product (the Region is its own, or any in
      // SOURCE_ACCOUNT mode, where its own account's events are imported in the job's Region).
      expect(grants.every((g) => g.endsWith(`:${forwarder.account}:product/${forwarder.account}/default`))).toBe(true);
      if (mode === FindingAttribution.SOURCE_ACCOUNT && source.account !== forwarder.account) {
        const roleName = fn.Properties.Environment.Variables.MEMBER_ROLE_NAME;
        const importer = a.deployments.filter((d) => d.account === source.account).flatMap((d) => resourcesOf(d, 'AWS::IAM::Role').map(([, r]) => ({ d, r })))
          .find(({ r }) => r.Properties.RoleName === roleName);
        expect({ account: source.account, importer: importer !== undefined }).toEqual({ account: source.account, importer: true });
        const policy = resourcesOf(importer!.d, 'AWS::IAM::ManagedPolicy').flatMap(([, p]) => [].concat(p.Properties.PolicyDocument.Statement))
          .filter((s: any) => s.Action === 'securityhub:BatchImportFindings').map((s: any) => String(evaluate(s.Resource, importer!.d)));
        expect(policy).toEqual([`arn:aws:securityhub:*:${source.account}:product/${source.account}/default`]);
      } else {
        // Imported as the forwarder's own account: the finding names that account (and carries the source's).
        expect(mode === FindingAttribution.FORWARDER_ACCOUNT || source.account === forwarder.account).toBe(true);
      }
    }
  });
});

test('the China architecture never forwards across Regions (no cross-Region bus targets there)', () => {
  const a = analyse(ARCHITECTURES.china(new App()));
  for (const rule of a.rules) {
    for (const t of rule.targets.filter(isBus)) expect(placeOf(t).region).toBe(rule.deployment.region);
  }
});
