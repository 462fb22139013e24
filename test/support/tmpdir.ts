/**
 * One temporary directory per jest run, removed when the run ends (jest's globalSetup / globalTeardown, set
 * in .projenrc.ts).
 *
 * Every `App` the tests build without an `outdir` synthesizes into `fs.mkdtempSync(os.tmpdir() + '/cdk.out')`
 * and nothing removes it: a full run left about 190 `cdk.out*` folders in /tmp. globalSetup points `TMPDIR`
 * at a fresh folder inside the real temporary directory before jest starts its workers (they inherit the
 * environment, and Node's `os.tmpdir()` reads `TMPDIR` on every call); globalTeardown removes that folder.
 * Only the jest run changes: test/consumers, integ-runner and the example synthesis never load this file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Prefix of the per-run folder, the guard that teardown removes only what setup created. */
export const RUN_TMPDIR_PREFIX = 'cdk-backup-alarms-jest-';
/** Environment variable that carries the per-run folder from setup to teardown (same process). */
export const RUN_TMPDIR_ENV = 'CDK_BACKUP_ALARMS_JEST_TMPDIR';

/** Creates the per-run folder and points `TMPDIR` at it. */
export function createRunTmpdir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), RUN_TMPDIR_PREFIX));
  process.env[RUN_TMPDIR_ENV] = dir;
  process.env.TMPDIR = dir;
  return dir;
}

/** Removes the folder `createRunTmpdir` made (and nothing else), with everything the tests left in it. */
export function removeRunTmpdir(): void {
  const dir = process.env[RUN_TMPDIR_ENV];
  if (!dir || !path.basename(dir).startsWith(RUN_TMPDIR_PREFIX)) return;
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env[RUN_TMPDIR_ENV];
}
