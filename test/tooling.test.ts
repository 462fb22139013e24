/**
 * The development toolchain (issue 19, item 11): what a fresh `npm ci` installs, and what a jest run leaves
 * behind in the temporary directory.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { RUN_TMPDIR_ENV, RUN_TMPDIR_PREFIX } from './support/tmpdir';

// npm's own range semantics (a devDependency; it ships no types, and one function needs none).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require('semver') as { satisfies(version: string, range: string): boolean };

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));

/**
 * The Node.js versions on which `npm ci` of this repository prints no EBADENGINE warning (the README's
 * "Supported Node.js versions"): the first release of each line that every locked package accepts.
 * typescript-eslint's eslint-visitor-keys 5 wants ^20.19.0 || ^22.13.0 || >= 24; the library's own
 * `engines` (what users need) is wider: >= 20.16.0.
 */
const SUPPORTED_DEV_NODE = ['20.19.0', '22.13.0', '24.0.0'];

describe('npm ci prints no engine warning on the supported Node.js versions', () => {
  // Packages npm installs on this platform: optional platform-specific ones (os/cpu) are skipped, not checked.
  const installed = Object.entries<any>(lock.packages).filter(([p, v]) => p !== '' && !(v.optional && (v.os || v.cpu)));

  test.each(SUPPORTED_DEV_NODE)('node %s satisfies the engines of package.json and of every locked package', (node) => {
    expect(semver.satisfies(node, pkg.engines.node)).toBe(true);
    const refused = installed
      .filter(([, v]) => v.engines?.node && !semver.satisfies(node, v.engines.node))
      .map(([p, v]) => `${p.replace(/^.*node_modules\//, '')}@${v.version} wants node ${v.engines.node}`);
    expect(refused).toEqual([]);
  });

  test('the release tasks run the commit-and-tag-version that is installed (no npx download of another)', () => {
    const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen/tasks.json'), 'utf8')).tasks;
    const installedVersion = lock.packages['node_modules/commit-and-tag-version'].version;
    for (const name of ['bump', 'unbump']) {
      expect(tasks[name].env.BUMP_PACKAGE).toBe(`commit-and-tag-version@${installedVersion}`);
    }
  });

  test('unrs-resolver stays pinned to the release whose platform bindings are on the registry', () => {
    expect(pkg.overrides['unrs-resolver']).toBe('1.12.2');
    expect(lock.packages['node_modules/unrs-resolver'].version).toBe('1.12.2');
  });
});

describe('a jest run keeps its temporary files in one folder that globalTeardown removes', () => {
  test('os.tmpdir() is this run\'s folder (set by test/support/global-setup.ts)', () => {
    const dir = process.env[RUN_TMPDIR_ENV];
    expect(dir).toBeDefined();
    expect(path.basename(dir!)).toMatch(new RegExp(`^${RUN_TMPDIR_PREFIX}`));
    expect(os.tmpdir()).toBe(dir);
    expect(fs.statSync(dir!).isDirectory()).toBe(true);
  });

  test('an App without outdir synthesizes inside this run\'s folder', () => {
    const app = new App();
    new Stack(app, 'Probe');
    const outdir = app.synth().directory;
    expect(path.dirname(outdir)).toBe(process.env[RUN_TMPDIR_ENV]);
    expect(path.basename(outdir)).toMatch(/^cdk\.out/);
  });
});
