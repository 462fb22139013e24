/**
 * The README's "One deployment, from one app" is the example deployment (test/example/deployment.ts), not a
 * look-alike: run as written (only the package import pointed at src/), it synthesizes the same stacks with
 * the same templates. The README's other examples use its names, ids and role names.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ts from 'typescript';
import { buildExample } from './example/deployment';

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

function readmeApp(): App {
  const block = /## One deployment, from one app[\s\S]*?```ts fixture=imports\n([\s\S]*?)```/.exec(README)?.[1];
  expect(block).toBeDefined();
  const source = block!.replace(/from 'cdk-backup-alarms'/g, `from ${JSON.stringify(path.join(__dirname, '..', 'src'))}`) + '\nmodule.exports = app;\n';
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
  const mod = { exports: {} as unknown };
  new Function('require', 'module', 'exports', js)(require, mod, mod.exports);
  return mod.exports as App;
}

test('the README\'s one deployment synthesizes exactly the example deployment', () => {
  const fromReadme = readmeApp().synth();
  const example = new App();
  buildExample(example);
  const expected = example.synth();
  expect(fromReadme.stacks.map((s) => s.stackName).sort()).toEqual(expected.stacks.map((s) => s.stackName).sort());
  for (const stack of expected.stacks) {
    expect(Template.fromJSON(fromReadme.getStackByName(stack.stackName).template).toJSON()).toEqual(stack.template);
  }
});

test.each([
  ['bus name', /event-bus\/([\w-]+)'/g, ['backup-alarms']],
  ['role names', /forwarderRoleName: [`']([\w${}.-]+)[`']/g,
    ['backup-alarms-forwarder-${region}', 'backup-alarms-forwarder-${this.region}', 'backup-alarms-forwarder-policies',
      'backup-alarms-forwarder-tamper-${region}', 'backup-alarms-forwarder-tamper-${this.region}',
      // The Security Hub forwarder's own role (SOURCE_ACCOUNT), which the importer role example trusts.
      'backup-findings-forwarder-eu-west-1']],
  ['central bus construct ids', /new CentralAlarmBus\(\w+, '(\w+)'/g, ['BackupAlarms']],
])('every TypeScript example of the README uses the deployment\'s %s', (_name, re, expected) => {
  const blocks = [...README.matchAll(/```ts[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');
  expect([...new Set([...blocks.matchAll(re)].map((m) => m[1]))].sort()).toEqual([...expected].sort());
});

test('every TypeScript example of the README shows its imports', () => {
  const blocks = [...README.matchAll(/```ts([^\n]*)\n([\s\S]*?)```/g)];
  expect(blocks.length).toBeGreaterThan(5);
  for (const [, info, code] of blocks) {
    // Compiled by jsii-rosetta against rosetta/imports.ts-fixture, which imports nothing the examples use.
    expect(info.trim()).toBe('fixture=imports');
    expect(code.startsWith('import ')).toBe(true);
  }
});
