/**
 * Synthesis cost of the organization architecture as the organization grows: wall time and template sizes
 * with 1, 10 and 50 organizational units and 1, 5 and 20 Regions (9 combinations). Prints figures, asserts
 * nothing (tests never time anything); `synthCost()` returns the rows for a wrapper that collects JSON.
 *
 *   export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 TS_NODE_TRANSPILE_ONLY=1
 *   npx ts-node --project tsconfig.dev.json test/bench/synth-cost.ts            # in-process, after a warm-up
 *   npx ts-node --project tsconfig.dev.json test/bench/synth-cost.ts --child    # one fresh Node process per row
 *   npx ts-node --project tsconfig.dev.json test/bench/synth-cost.ts --json out.json
 *
 * The deployment is test/example/deployment.ts with its OUs and Regions as parameters: the central stack
 * (CentralAlarmBus admitting exactly the stack set's forwarder role names, SecurityHubFindingForwarder), the
 * management stack (BackupPolicyChangeRule and BackupFailureRuleStackSet over the OUs and Regions) and the
 * management account's own rule stacks, one per Region (`MemberStack` of the example, reused as it is).
 * OU ids are fake but well formed (`ou-a1b2-` + 8 characters); Regions are commercial Regions, the central
 * Region first. Each row synthesizes a fresh App into a temporary folder that is removed afterwards.
 *
 * What to read in the table: the StackSet body (the member template) must not grow with OUs or Regions:
 * OUs and Regions are deployment targets of the stack set, not resources of its template; the column says
 * whether each body is byte-identical to the 1 OU x 1 Region body. What does grow: one rule stack per Region
 * for the management account (stack sets never reach it) and the central bus policy (two role names per Region).
 *
 * Requires the Lambda asset (`npx projen bundle`, already there after a build): the central stack stages it.
 */
import { fork } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BackupFailureRuleStackSet, BackupPolicyChangeRule, CentralAlarmBus, SecurityHubFindingForwarder } from '../../src';
import { EXAMPLE, MemberStack } from '../example/deployment';

/** The OU counts and Region counts of the study. */
export const OU_COUNTS = [1, 10, 50] as const;
export const REGION_COUNTS = [1, 5, 20] as const;

/**
 * Twenty commercial Regions (partition `aws`), the example's central Region first, so that every prefix of
 * the list contains it.
 */
export const COMMERCIAL_REGIONS: readonly string[] = [
  'eu-west-1', 'eu-central-1', 'us-east-1', 'us-east-2', 'us-west-2',
  'us-west-1', 'ca-central-1', 'eu-west-2', 'eu-west-3', 'eu-north-1',
  'eu-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1',
  'ap-southeast-2', 'ap-south-1', 'sa-east-1', 'me-south-1', 'af-south-1',
];

/** `count` fake OU ids of one root, in the `ou-<root>-<8 characters>` format AWS Organizations uses. */
export function fakeOuIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `ou-a1b2-${(0x5e17c0de + i * 7919).toString(36).padStart(8, '0').slice(-8)}`);
}

/** One row of the study. */
export interface SynthCostRow {
  readonly ous: number;
  readonly regions: number;
  /** Wall time of `new App()` + constructs + `app.synth()`, in milliseconds (median of `runs`). */
  readonly synthMs: number;
  /** The fastest of `runs`. */
  readonly synthMsMin?: number;
  /** How many fresh Apps were synthesized for this row. */
  readonly runs?: number;
  /** In child mode: the child process's whole life (Node and ts-node start-up, imports, synthesis), in ms. */
  readonly processMs?: number;
  readonly stacks: number;
  /** Sum of the bytes of every `*.template.json` the assembly holds. */
  readonly totalTemplateBytes: number;
  /** Bytes of the StackSet's `TemplateBody` (UTF-8). */
  readonly stackSetBodyBytes: number;
  /** Whether the body is byte-identical to the body of the 1 OU x 1 Region row. */
  readonly bodyIdenticalTo1x1?: boolean;
  readonly largestTemplate: string;
  readonly largestTemplateBytes: number;
  /** Bytes of the central bus policy's statement as synthesized (EventBridge allows 10 KB). */
  readonly busPolicyBytes: number;
  /** Resources of the management stack (the StackSet is one resource whatever the OUs and Regions). */
  readonly managementResources: number;
  /** SHA-256 of the StackSet body, to compare rows without carrying the body. */
  readonly stackSetBodySha256: string;
  /** Set when synthesis refused the combination; the sizes are then 0. */
  readonly error?: string;
}

/** A measured row, with the body itself (kept inside this module). */
type MeasuredRow = SynthCostRow & { readonly stackSetBody: string };

/** The central account's stack, parameterised: admits exactly the given forwarder role names. */
class ScaledCentralStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { readonly forwarderRoleNames: string[] }) {
    super(scope, id, props);
    const alarms = new CentralAlarmBus(this, 'BackupAlarms', {
      organizationId: EXAMPLE.organizationId,
      eventBusName: EXAMPLE.busName,
      forwarderRoleNames: props.forwarderRoleNames,
      emailAddresses: [EXAMPLE.email],
      // As in the example: the central account sits in a targeted OU, the stack set gives it its rules.
      forwardLocalBackupEvents: false,
    });
    new SecurityHubFindingForwarder(this, 'BackupFindings', { eventBus: alarms.eventBus, alarmTopic: alarms.topic, createInsight: true });
  }
}

/** The management stack, parameterised over OUs and Regions. */
class ScaledManagementStack extends Stack {
  public readonly rollout: BackupFailureRuleStackSet;
  public readonly policyRoleName = `${EXAMPLE.forwarderRoleName}-policies`;
  constructor(scope: Construct, id: string, props: StackProps & { centralBusArn: string; ous: string[]; regions: string[] }) {
    super(scope, id, props);
    new BackupPolicyChangeRule(this, 'BackupPolicyChanges', { centralBusArn: props.centralBusArn, forwarderRoleName: this.policyRoleName });
    this.rollout = new BackupFailureRuleStackSet(this, 'MemberRollout', {
      centralBusArn: props.centralBusArn,
      organizationalUnitIds: props.ous,
      regions: props.regions,
      forwarderRoleNamePrefix: EXAMPLE.forwarderRoleName,
      tamperRule: { allowedRoleNames: EXAMPLE.automationRoleNames },
    });
  }
}

/** Builds the organization deployment with `ous` OUs and `regions` Regions into `app`. */
export function buildScaledExample(app: App, ous: string[], regions: string[]): Stack[] {
  const centralBusArn = `arn:aws:events:${EXAMPLE.centralRegion}:${EXAMPLE.centralAccount}:event-bus/${EXAMPLE.busName}`;
  const management = new ScaledManagementStack(app, 'BackupAlarmsManagement', {
    env: { account: EXAMPLE.managementAccount, region: 'us-east-1' }, centralBusArn, ous, regions,
  });
  const central = new ScaledCentralStack(app, 'BackupAlarmsCentral', {
    env: { account: EXAMPLE.centralAccount, region: EXAMPLE.centralRegion },
    forwarderRoleNames: [...management.rollout.forwarderRoleNames, management.policyRoleName],
  });
  const stacks: Stack[] = [central, management];
  for (const region of regions) {
    stacks.push(new MemberStack(app, `BackupAlarmsManagementRules-${region}`, { env: { account: EXAMPLE.managementAccount, region }, centralBusArn }));
  }
  return stacks;
}

/** Synthesizes one combination in this process, `repeat` times from a fresh App each time; reports the median time. */
export function measureOne(ouCount: number, regionCount: number, repeat = 1): MeasuredRow {
  const runs = Array.from({ length: Math.max(1, repeat) }, () => measureOnce(ouCount, regionCount));
  const times = runs.map((r) => r.synthMs).sort((a, b) => a - b);
  return { ...runs[0], synthMs: times[Math.floor(times.length / 2)], synthMsMin: times[0], runs: runs.length };
}

function measureOnce(ouCount: number, regionCount: number): MeasuredRow {
  if (regionCount > COMMERCIAL_REGIONS.length) throw new Error(`at most ${COMMERCIAL_REGIONS.length} Regions, got ${regionCount}`);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-backup-alarms-synth-cost-'));
  try {
    const started = process.hrtime.bigint();
    let assemblyDir: string;
    try {
      const app = new App({ outdir, analyticsReporting: false });
      buildScaledExample(app, fakeOuIds(ouCount), COMMERCIAL_REGIONS.slice(0, regionCount));
      assemblyDir = app.synth().directory;
    } catch (err) {
      return {
        ous: ouCount,
        regions: regionCount,
        synthMs: Number(process.hrtime.bigint() - started) / 1e6,
        stacks: 0,
        totalTemplateBytes: 0,
        stackSetBodyBytes: 0,
        largestTemplate: '',
        largestTemplateBytes: 0,
        busPolicyBytes: 0,
        managementResources: 0,
        stackSetBody: '',
        stackSetBodySha256: '',
        error: (err as Error).message,
      };
    }
    const synthMs = Number(process.hrtime.bigint() - started) / 1e6;
    const templates = fs.readdirSync(assemblyDir).filter((f) => f.endsWith('.template.json'));
    let total = 0;
    let largest = { name: '', bytes: 0 };
    for (const file of templates) {
      const bytes = fs.statSync(path.join(assemblyDir, file)).size;
      total += bytes;
      if (bytes > largest.bytes) largest = { name: file.replace(/\.template\.json$/, ''), bytes };
    }
    const read = (name: string) => JSON.parse(fs.readFileSync(path.join(assemblyDir, `${name}.template.json`), 'utf8'));
    const management = read('BackupAlarmsManagement');
    const stackSet = Object.values<any>(management.Resources).find((r) => r.Type === 'AWS::CloudFormation::StackSet');
    const body: string = stackSet.Properties.TemplateBody;
    const central = read('BackupAlarmsCentral');
    const busPolicy = Object.values<any>(central.Resources).find((r) => r.Type === 'AWS::Events::EventBusPolicy');
    return {
      ous: ouCount,
      regions: regionCount,
      synthMs,
      stacks: templates.length,
      totalTemplateBytes: total,
      stackSetBodyBytes: Buffer.byteLength(body),
      largestTemplate: largest.name,
      largestTemplateBytes: largest.bytes,
      busPolicyBytes: busPolicy === undefined ? 0 : Buffer.byteLength(JSON.stringify(busPolicy.Properties.Statement)),
      managementResources: Object.keys(management.Resources).length,
      stackSetBody: body,
      stackSetBodySha256: createHash('sha256').update(body).digest('hex'),
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Runs `measureOne` in a fresh Node process (ts-node, transpile only) and returns its row. */
function measureInChild(ouCount: number, regionCount: number): Promise<MeasuredRow> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--one', String(ouCount), String(regionCount)], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '..', '..', 'tsconfig.dev.json'), JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let row: MeasuredRow | undefined;
    child.on('message', (m) => { row = m as MeasuredRow; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (row === undefined) return reject(new Error(`synth-cost child (${ouCount} OUs, ${regionCount} Regions) exited with ${code} and no result`));
      resolve({ ...row, processMs: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

/** Options of `synthCost`. */
export interface SynthCostOptions {
  /** One fresh Node process per row (honest cold timing, slower). Default: in this process, after a warm-up. */
  readonly child?: boolean;
  /** In-process mode: fresh Apps per row, the median is reported. Default 3. */
  readonly repeat?: number;
  readonly ouCounts?: readonly number[];
  readonly regionCounts?: readonly number[];
}

/**
 * Every combination of OU count and Region count, each synthesized from a fresh App. In-process mode first
 * synthesizes the 1 x 1 combination once, unmeasured, so that module loading and JIT warm-up do not land on
 * the first row. Rows carry `bodyIdenticalTo1x1`.
 */
export async function synthCost(options: SynthCostOptions = {}): Promise<SynthCostRow[]> {
  const ouCounts = options.ouCounts ?? OU_COUNTS;
  const regionCounts = options.regionCounts ?? REGION_COUNTS;
  if (!options.child) measureOne(1, 1);
  const rows: MeasuredRow[] = [];
  for (const ous of ouCounts) {
    for (const regions of regionCounts) {
      rows.push(options.child ? await measureInChild(ous, regions) : measureOne(ous, regions, options.repeat ?? 3));
    }
  }
  const reference = rows.find((r) => r.ous === 1 && r.regions === 1 && r.error === undefined)?.stackSetBody
    ?? (options.child ? (await measureInChild(1, 1)).stackSetBody : measureOne(1, 1).stackSetBody);
  return rows.map(({ stackSetBody, ...r }) => ({ ...r, bodyIdenticalTo1x1: r.error === undefined ? stackSetBody === reference : undefined }));
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** The rows as a Markdown table. */
export function synthCostTable(rows: readonly SynthCostRow[]): string {
  const child = rows.some((r) => r.processMs !== undefined);
  const head = ['OUs', 'Regions', child ? 'synth (ms)' : 'synth median (min) ms', ...(child ? ['process (ms)'] : []), 'stacks', 'all templates', 'StackSet body',
    'body = 1x1 body', 'largest template', 'bus policy', 'mgmt resources'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of rows) {
    if (r.error !== undefined) {
      lines.push(`| ${r.ous} | ${r.regions} | ${r.synthMs.toFixed(0)} | refused at synthesis: ${r.error.replace(/\|/g, '\\|')} |`);
      continue;
    }
    const synth = r.synthMsMin === undefined || r.runs === 1 ? r.synthMs.toFixed(0) : `${r.synthMs.toFixed(0)} (${r.synthMsMin.toFixed(0)})`;
    lines.push(`| ${[r.ous, r.regions, synth, ...(child ? [(r.processMs ?? 0).toFixed(0)] : []), r.stacks, kb(r.totalTemplateBytes),
      `${r.stackSetBodyBytes} B`, r.bodyIdenticalTo1x1 ? 'yes' : 'NO', `${r.largestTemplate} (${kb(r.largestTemplateBytes)})`,
      `${r.busPolicyBytes} B`, r.managementResources].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Prints the table; with `--json FILE` also writes the rows to FILE. Returns the rows. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<SynthCostRow[]> {
  const child = argv.includes('--child');
  const rows = await synthCost({ child });
  console.log(`Synthesis cost of the organization example (${child ? 'one Node process per row' : 'in-process, after one warm-up synthesis, 3 fresh Apps per row'}; `
    + `${os.cpus().length} CPUs, Node ${process.version})\n`);
  console.log(synthCostTable(rows));
  const jsonAt = argv.indexOf('--json');
  if (jsonAt >= 0 && argv[jsonAt + 1] !== undefined) fs.writeFileSync(argv[jsonAt + 1], JSON.stringify(rows, undefined, 2));
  return rows;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--one') {
    // Child mode: one measurement, sent back over IPC.
    const row = measureOne(Number(argv[1]), Number(argv[2]));
    process.send?.(row, () => process.exit(0));
  } else {
    main(argv).catch((err) => {
      console.error(err);
      process.exit(1);
    });
  }
}
