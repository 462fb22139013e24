/**
 * `npx projen example:synth [architecture|all]`: synthesizes an example deployment offline, with placeholder
 * account ids, into example.out/<architecture>/. Without an argument: the organization with a central alarm
 * account. The architectures are in test/example/architectures.ts and the README's chooser.
 */
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { ARCHITECTURES } from './architectures';

const wanted = process.argv.slice(2).find((a) => a !== '--') ?? 'organization';
const names = wanted === 'all' ? Object.keys(ARCHITECTURES) : [wanted];
for (const name of names) {
  const build = ARCHITECTURES[name];
  if (build === undefined) {
    console.error(`example:synth: unknown architecture '${name}'; expected one of ${Object.keys(ARCHITECTURES).join(', ')} or all`);
    process.exit(2);
  }
  const app = new App({ outdir: path.join('example.out', name) });
  const { stacks } = build(app);
  const assembly = app.synth();
  console.log(`${name}:`);
  for (const stack of assembly.stacks) {
    const resources = Object.keys(stack.template.Resources ?? {}).length;
    console.log(`  ${stack.stackName.padEnd(52)} ${stack.environment.account}/${stack.environment.region}  ${resources} resources`);
  }
  console.log(`  ${stacks.length} stacks synthesized into ${assembly.directory}`);
}
