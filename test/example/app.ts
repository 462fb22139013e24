/**
 * `npx projen example:synth`: synthesizes the complete example deployment into example.out/, offline.
 */
import { App } from 'aws-cdk-lib';
import { buildExample } from './deployment';

const app = new App({ outdir: 'example.out' });
const stacks = buildExample(app);
const assembly = app.synth();
for (const stack of assembly.stacks) {
  const resources = Object.keys(stack.template.Resources ?? {}).length;
  console.log(`${stack.stackName.padEnd(48)} ${stack.environment.account}/${stack.environment.region}  ${resources} resources`);
}
console.log(`${stacks.length} stacks synthesized into ${assembly.directory}`);
