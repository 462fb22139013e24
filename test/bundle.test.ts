/**
 * The boundary between the constructs and the Lambda runtime, proven on the bundle itself: esbuild's
 * metafile lists every source file the Security Hub forwarder's asset is built from. The eslint rules in
 * .projenrc.ts (import/no-restricted-paths, no-restricted-imports) keep it so file by file.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as esbuild from 'esbuild';
import { BUNDLE, ensureBundle } from './runtime/support';

const ROOT = path.join(__dirname, '..');

test('the bundle is built from src/runtime and src/shared only, with no aws-cdk-lib, constructs or cdk-nag', () => {
  // The same entry and options as projen's bundle task.
  const result = esbuild.buildSync({
    absWorkingDir: ROOT,
    entryPoints: ['src/runtime/security-hub-forwarder.lambda.ts'],
    bundle: true,
    platform: 'node',
    target: 'node24',
    minify: true,
    tsconfig: 'tsconfig.dev.json',
    outfile: 'bundle-check.js',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.filter((i) => /node_modules\/(aws-cdk-lib|constructs|cdk-nag)\//.test(i))).toEqual([]);
  expect(inputs.filter((i) => i.startsWith('src/') && !/^src\/(runtime|shared)\//.test(i))).toEqual([]);
  // What it does hold: the shared vocabulary and the SDK clients it calls.
  expect(inputs).toEqual(expect.arrayContaining(['src/shared/jobs.ts', 'src/shared/contract.ts', 'src/runtime/finding.ts']));
  expect(inputs.some((i) => i.includes('node_modules/@aws-sdk/client-securityhub/'))).toBe(true);
});

test('the asset that ships carries no CDK class either', () => {
  const text = fs.readFileSync(ensureBundle(), 'utf8');
  expect(BUNDLE).toContain(path.join('assets', 'runtime'));
  // Every aws-cdk-lib and constructs class carries its jsii fully qualified name at run time.
  expect(text).not.toMatch(/aws-cdk-lib\.|"constructs\.Construct"|jsii\.rtti/);
});
