/**
 * All five cdk-nag rule packs that auditors ask for (AwsSolutions, NIST 800-53 rev 5, HIPAA Security,
 * PCI DSS 3.2.1, Serverless) on the complete example deployment, on every architecture, and on stacks that
 * use every construct with its defaults: zero unsuppressed errors and warnings.
 *
 * Every suppression the library itself records (the `cdk_nag` metadata of src/private/nag.ts) carries its
 * reason; the README's table of them is written by this test (test/support/generated-block.ts).
 */
import { App, Stack } from 'aws-cdk-lib';
import { ARCHITECTURES } from './example/architectures';
import { buildExample } from './example/deployment';
import { NAG_PACKS, nagFindings } from './support/assertions';
import { everyConstruct } from './support/every-construct';
import { expectGeneratedBlock, markdownTable } from './support/generated-block';


const findings = (app: App, stacks: Stack[]) => nagFindings(app, stacks, NAG_PACKS);

test('the complete example deployment: all five packs, nothing unsuppressed', () => {
  const app = new App();
  expect(findings(app, buildExample(app))).toEqual([]);
});

test.each(Object.keys(ARCHITECTURES))('architecture %s: all five packs, nothing unsuppressed', (name) => {
  const app = new App();
  expect(findings(app, ARCHITECTURES[name](app).stacks)).toEqual([]);
});

test('every construct with its defaults: all five packs, nothing unsuppressed; the README lists every suppression and its reason', () => {
  const app = new App();
  const stacks = everyConstruct(app);
  expect(findings(app, stacks)).toEqual([]);

  // The library's own suppressions, by rule and resource type, with the reason (from the cdk_nag metadata).
  const rows = new Map<string, string[]>();
  const assembly = app.synth();
  for (const stack of stacks) {
    const template = assembly.getStackByName(stack.stackName).template;
    for (const resource of Object.values(template.Resources) as any[]) {
      for (const rule of resource.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
        expect(rule.reason.length).toBeGreaterThan(40);
        const row = [rule.id, `\`${resource.Type}\``, rule.reason];
        rows.set(row.join('|'), row);
      }
    }
  }
  const sorted = [...rows.values()].sort((a, b) => a.join('|').localeCompare(b.join('|')));
  expect(sorted.length).toBeGreaterThan(5);
  expectGeneratedBlock('nag', markdownTable(['Rule', 'Resource type', 'Why it does not apply, or what replaces it'], sorted));
});
