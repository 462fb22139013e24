/**
 * Test helper: evaluates EventBridge event patterns with AWS's own pattern engine,
 * event-ruler (https://github.com/aws/event-ruler, the engine EventBridge uses),
 * by running test/ruler/RulerCheck.java once per call through the Java source launcher.
 *
 * Needs `java` (17+) on the PATH, and `mvn` the first time: if test/ruler/target/lib
 * holds no jars yet, the helper runs
 *   mvn -q -f test/ruler/pom.xml dependency:copy-dependencies -DoutputDirectory=target/lib
 * itself, so a plain `npx jest` works on a fresh checkout.
 *
 * Any failure (java/mvn missing, invalid pattern, malformed output, a missing cell in
 * the result) throws: the helper never returns an empty or partial matrix.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const RULER_DIR = __dirname;
const POM = path.join(RULER_DIR, 'pom.xml');
const LIB_DIR = path.join(RULER_DIR, 'target', 'lib');
const CHECKER = path.join(RULER_DIR, 'RulerCheck.java');

/** Maven's first run downloads plugins and event-ruler; give it plenty of time. */
const MVN_TIMEOUT_MS = 10 * 60 * 1000;
/** JVM start + in-memory compile of RulerCheck.java + evaluation of the whole matrix. */
const JAVA_TIMEOUT_MS = 3 * 60 * 1000;
const MAX_BUFFER = 64 * 1024 * 1024;

/** pattern name -> event name -> does event-ruler match the event against the pattern? */
export type MatchMatrix = Record<string, Record<string, boolean>>;

function hasJars(): boolean {
  return fs.existsSync(LIB_DIR) && fs.readdirSync(LIB_DIR).some((f) => f.endsWith('.jar'));
}

function describeExecError(what: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException & { status?: number | null; signal?: string | null; stdout?: Buffer | string; stderr?: Buffer | string };
  const parts = [`${what} failed`];
  if (e.code === 'ENOENT') {
    parts.push('(executable not found on PATH)');
  }
  if (e.code === 'ETIMEDOUT' || e.signal) {
    parts.push(`(signal ${e.signal ?? 'n/a'}${e.code === 'ETIMEDOUT' ? ', timed out' : ''})`);
  }
  if (typeof e.status === 'number') {
    parts.push(`(exit code ${e.status})`);
  }
  const stderr = e.stderr?.toString().trim();
  const stdout = e.stdout?.toString().trim();
  if (stderr) parts.push(`\nstderr:\n${stderr}`);
  if (stdout) parts.push(`\nstdout:\n${stdout}`);
  if (!stderr && !stdout && e.message) parts.push(`: ${e.message}`);
  return new Error(parts.join(' '));
}

/** Make sure event-ruler and its dependencies are in test/ruler/target/lib. */
export function ensureRulerJars(): void {
  if (hasJars()) return;
  try {
    execFileSync('mvn', ['-q', '-f', POM, 'dependency:copy-dependencies', '-DoutputDirectory=target/lib'], {
      cwd: RULER_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: MVN_TIMEOUT_MS,
      maxBuffer: MAX_BUFFER,
    });
  } catch (err) {
    throw describeExecError(`mvn -f ${POM} dependency:copy-dependencies`, err);
  }
  if (!hasJars()) {
    throw new Error(`mvn dependency:copy-dependencies succeeded but left no jars in ${LIB_DIR}`);
  }
}

/**
 * Evaluates every pattern against every event with event-ruler, in one JVM run.
 *
 * @param patterns name -> EventBridge event pattern (as in AWS::Events::Rule EventPattern)
 * @param events name -> full EventBridge event (version, id, detail-type, source, ..., detail)
 * @returns name of pattern -> name of event -> matched
 */
export function matchMatrix(patterns: Record<string, unknown>, events: Record<string, unknown>): MatchMatrix {
  ensureRulerJars();

  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ruler-check-'));
  const requestFile = path.join(tmpDir, 'request.json');
  let stdout: string;
  try {
    fs.writeFileSync(requestFile, JSON.stringify({ patterns, events }));
    try {
      stdout = execFileSync('java', ['-cp', path.join(LIB_DIR, '*'), CHECKER, requestFile], {
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
        timeout: JAVA_TIMEOUT_MS,
        maxBuffer: MAX_BUFFER,
      });
    } catch (err) {
      throw describeExecError('java RulerCheck (event-ruler)', err);
    }
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch (err) {
    throw new Error(`RulerCheck printed something that is not JSON: ${(err as Error).message}\nstdout:\n${stdout}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`RulerCheck output is not a JSON object:\n${stdout}`);
  }

  // Never hand back a partial matrix: every pattern x event cell must be a boolean.
  const result = parsed as Record<string, unknown>;
  const matrix: MatchMatrix = {};
  for (const p of Object.keys(patterns)) {
    const row = result[p];
    if (row === null || typeof row !== 'object') {
      throw new Error(`RulerCheck output has no row for pattern "${p}":\n${stdout}`);
    }
    matrix[p] = {};
    for (const e of Object.keys(events)) {
      const cell = (row as Record<string, unknown>)[e];
      if (typeof cell !== 'boolean') {
        throw new Error(`RulerCheck output has no boolean for pattern "${p}" x event "${e}":\n${stdout}`);
      }
      matrix[p][e] = cell;
    }
  }
  return matrix;
}

/**
 * Loads every `*.json` file of a fixtures folder, keyed by file name without `.json`
 * (e.g. `backup-failed.json` -> `backup-failed`). Throws on an empty folder or bad JSON.
 */
export function loadExampleEvents(dir: string): Record<string, any> {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) {
    throw new Error(`no *.json fixture files in ${dir}`);
  }
  const out: Record<string, any> = {};
  for (const file of files) {
    const full = path.join(dir, file);
    try {
      out[path.basename(file, '.json')] = JSON.parse(fs.readFileSync(full, 'utf8'));
    } catch (err) {
      throw new Error(`cannot parse fixture ${full}: ${(err as Error).message}`);
    }
  }
  return out;
}
