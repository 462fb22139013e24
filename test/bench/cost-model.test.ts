/**
 * The cost model (test/bench/cost-model.ts) follows the code and keeps its promises: the counts it prices are
 * the synthesized templates' own, fixed member costs scale with accounts x Regions, the cheaper alarm option
 * removes the member alarm line and nothing else, and every price names its page and date. Figures are not
 * asserted (prices change); the structure is.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import {
  alarmMetrics, countsFromTemplates, libraryDesign, monthlyCost, Org, PRICES, publicSampleDesign, TemplateCounts,
  withoutMemberDeadLetterAlarms,
} from './cost-model';
import { BackupFailureRuleStackSet } from '../../src';
import { buildExample, EXAMPLE } from '../example/deployment';

type Template = { Resources: Record<string, { Type: string; Properties?: any }> };

let templates: Record<string, Template>;
let counts: TemplateCounts;
let outdir: string;

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cost-model-test-'));
  const app = new App({ outdir, analyticsReporting: false });
  buildExample(app);
  templates = Object.fromEntries(app.synth().stacks.map((s) => [s.stackName, s.template as Template]));
  counts = countsFromTemplates(templates);
});

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

/** Counted here without the model's helpers: resources of one type. */
function resourcesOf(template: Template, type: string) {
  return Object.values(template.Resources).filter((r) => r.Type === type);
}

function stackSetBody(): Template {
  const [stackSet] = resourcesOf(templates.BackupAlarmsManagement, 'AWS::CloudFormation::StackSet');
  return JSON.parse(stackSet.Properties.TemplateBody);
}

const line = (cost: ReturnType<typeof monthlyCost>, id: string) => cost.lines.find((l) => l.id === id);

describe('counts read from the synthesized example', () => {
  test('the member alarm line prices exactly the alarms of the StackSet body and of the management account\'s rule stacks', () => {
    const bodyAlarms = resourcesOf(stackSetBody(), 'AWS::CloudWatch::Alarm');
    const managementStacks = Object.keys(templates).filter((n) => n.startsWith('BackupAlarmsManagementRules-'));
    expect(managementStacks.length).toBeGreaterThan(0);
    const managementAlarms = resourcesOf(templates[managementStacks[0]], 'AWS::CloudWatch::Alarm');
    expect(bodyAlarms.length).toBeGreaterThan(0);

    const design = libraryDesign(counts);
    // Plain metric alarms: one billed metric each.
    expect(bodyAlarms.every((a) => a.Properties.Metrics === undefined)).toBe(true);
    expect(design.alarmsPerAccountRegion).toBe(bodyAlarms.length);
    expect(design.managementAlarmsPerRegion).toBe(managementAlarms.length);

    const org: Org = { accounts: 7, regions: 3 };
    expect(line(monthlyCost(org, design), 'member-alarms')?.quantity).toBe((7 - 1) * 3 * bodyAlarms.length + 3 * managementAlarms.length);
  });

  test('the central lines price exactly the central stack\'s keys and alarms, and the forwarder as configured', () => {
    const central = templates.BackupAlarmsCentral;
    const cost = monthlyCost({ accounts: 10, regions: 2 }, libraryDesign(counts));
    expect(line(cost, 'central-kms-keys')?.quantity).toBe(resourcesOf(central, 'AWS::KMS::Key').length);
    const centralAlarms = alarmMetrics(central) + resourcesOf(templates.BackupAlarmsManagement, 'AWS::CloudWatch::Alarm').length;
    expect(line(cost, 'central-alarms')?.quantity).toBe(centralAlarms);

    const [fn] = resourcesOf(central, 'AWS::Lambda::Function');
    const [esm] = resourcesOf(central, 'AWS::Lambda::EventSourceMapping');
    expect(counts.forwarderMemoryMb).toBe(fn.Properties.MemorySize);
    expect(counts.forwarderArchitecture).toBe(fn.Properties.Architectures[0]);
    expect(counts.forwarderBatchSize).toBe(esm.Properties.BatchSize);
    expect(line(cost, 'lambda-duration')?.item).toContain(`${fn.Properties.MemorySize} MB`);
    expect(line(cost, 'lambda-duration')?.price).toBe(fn.Properties.Architectures[0] === 'arm64' ? 'lambdaGbSecondArm' : 'lambdaGbSecondX86');
  });
});

describe('scaling', () => {
  test('fixed member cost grows linearly in accounts x Regions; the central fixed cost does not move', () => {
    const design = libraryDesign(counts);
    const perAlarm = PRICES.alarmMetric.usd;
    const cost = (accounts: number, regions: number) => monthlyCost({ accounts, regions }, design);
    for (const [a, r] of [[10, 1], [100, 5], [1000, 17]]) {
      // Exactly proportional to the Regions ...
      expect(cost(a, 3 * r).fixedPerAccountRegion).toBeCloseTo(3 * cost(a, r).fixedPerAccountRegion, 9);
      // ... and each further account adds the member template's alarms in every Region.
      const added = cost(a + 50, r).fixedPerAccountRegion - cost(a, r).fixedPerAccountRegion;
      expect(added).toBeCloseTo(50 * r * design.alarmsPerAccountRegion * perAlarm, 9);
      expect(cost(a, r).fixedCentral).toBeCloseTo(cost(10, 1).fixedCentral, 9);
    }
  });
});

describe('the cheaper alarm option', () => {
  test('removes exactly the member dead-letter alarm line', () => {
    for (const org of [{ accounts: 10, regions: 1 }, { accounts: 1000, regions: 17 }]) {
      const full = monthlyCost(org, libraryDesign(counts));
      const cheaper = monthlyCost(org, withoutMemberDeadLetterAlarms(counts));
      const alarms = line(full, 'member-alarms');
      expect(alarms?.usd).toBeGreaterThan(0);
      expect(cheaper.lines.map((l) => l.id)).toEqual(full.lines.filter((l) => l.id !== 'member-alarms').map((l) => l.id));
      for (const l of cheaper.lines) expect(l).toEqual(line(full, l.id));
      expect(full.total - cheaper.total).toBeCloseTo(alarms!.usd, 9);
    }
  });

  test('is what the library synthesizes with createDeadLetterAlarm: false: a member template without alarm, the queue kept', () => {
    const app = new App({ outdir, analyticsReporting: false });
    const stack = new Stack(app, 'Management', { env: { account: EXAMPLE.managementAccount, region: 'us-east-1' } });
    const rollout = new BackupFailureRuleStackSet(stack, 'MemberRollout', {
      centralBusArn: `arn:aws:events:${EXAMPLE.centralRegion}:${EXAMPLE.centralAccount}:event-bus/${EXAMPLE.busName}`,
      organizationalUnitIds: [EXAMPLE.workloadsOu],
      regions: EXAMPLE.memberRegions,
      ruleProps: { createDeadLetterAlarm: false },
      tamperRule: { allowedRoleNames: EXAMPLE.automationRoleNames },
    });
    const body: Template = JSON.parse(rollout.templateBody);
    expect(resourcesOf(body, 'AWS::CloudWatch::Alarm')).toHaveLength(0);
    expect(resourcesOf(body, 'AWS::SQS::Queue').length).toBeGreaterThan(0);
    expect(withoutMemberDeadLetterAlarms(counts).alarmsPerAccountRegion).toBe(resourcesOf(body, 'AWS::CloudWatch::Alarm').length);
  });

  test('one alarm per account instead adds a per-account line, independent of the Regions', () => {
    const a = monthlyCost({ accounts: 100, regions: 1 }, withoutMemberDeadLetterAlarms(counts, 1));
    const b = monthlyCost({ accounts: 100, regions: 17 }, withoutMemberDeadLetterAlarms(counts, 1));
    expect(line(a, 'account-alarms')?.usd).toBeCloseTo(100 * PRICES.alarmMetric.usd, 9);
    expect(line(b, 'account-alarms')?.usd).toBeCloseTo(100 * PRICES.alarmMetric.usd, 9);
    expect(line(b, 'member-alarms')).toBeUndefined();
  });

  test('the public sample has no fixed line: everything it costs is per event', () => {
    const sample = monthlyCost({ accounts: 100, regions: 5 }, publicSampleDesign(counts));
    expect(sample.lines.every((l) => l.category === 'per event')).toBe(true);
    expect(sample.total).toBeGreaterThan(0);
  });
});

describe('prices', () => {
  test('every price names an https page, the date it was read and the Region', () => {
    for (const [key, p] of Object.entries(PRICES)) {
      expect({ key, ok: p.url.startsWith('https://') && p.url.length > 'https://'.length }).toEqual({ key, ok: true });
      expect(p.readOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(p.region).toBe('us-east-1');
      expect(p.evidence.trim().length).toBeGreaterThan(0);
      expect(['aws-page', 'third-party', 'unconfirmed']).toContain(p.confirmed);
      expect(p.usd).toBeGreaterThan(0);
    }
  });

  test('every line is priced by a cited price', () => {
    const cost = monthlyCost({ accounts: 100, regions: 5 }, libraryDesign(counts));
    for (const l of cost.lines) {
      expect(PRICES[l.price].url).toMatch(/^https:\/\//);
      expect(l.usd).toBeCloseTo(l.quantity * PRICES[l.price].usd, 12);
    }
  });
});
