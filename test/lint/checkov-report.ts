/**
 * Judges one checkov run over the synthesized templates (test/lint/templates.sh, part of `lint:templates`).
 *
 * checkov reads a suppression from the resource itself: `Metadata.checkov.skip: [{ id, comment }]` (checkov
 * documentation, "Suppressing and Skipping Policies", CloudFormation:
 * https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html). The library writes them
 * through `explainNag` / `explainCheckov` (src/private/nag.ts) with the same reason as the cdk-nag suppression.
 * A skipped check is therefore "explained"; a failed check is an unexplained finding. A skip without a
 * reason explains nothing, so an empty comment fails too (checkov itself accepts it).
 *
 *   ts-node test/lint/checkov-report.ts CHECKOV_JSON TEMPLATE...
 *
 * prints `checkov: N templates, 0 unexplained findings (M explained)` and exits 0, or lists every problem and
 * exits 1. .ci/run counts the templates of that line.
 */
import * as fs from 'fs';

/** One result of checkov's JSON report (the fields read here). */
export interface CheckovResult {
  readonly check_id: string;
  readonly resource: string;
  readonly file_path: string;
  readonly file_abs_path?: string;
  readonly check_result: { readonly result: string; readonly suppress_comment?: string };
}

/** checkov's JSON report for one framework (`-o json`); several frameworks give an array of them. */
export interface CheckovFrameworkReport {
  readonly check_type: string;
  readonly results: {
    readonly failed_checks?: readonly CheckovResult[];
    readonly skipped_checks?: readonly CheckovResult[];
    readonly parsing_errors?: readonly string[];
  };
  readonly summary?: { readonly parsing_errors?: number };
}

/** A template, by the path checkov was given and its parsed JSON. */
export interface TemplateFile {
  readonly path: string;
  readonly template: { readonly Resources?: Record<string, { Type?: string; Metadata?: any }> };
}

/** The verdict: problems (empty when clean), the explained count, and the one summary line. */
export interface CheckovVerdict {
  readonly problems: string[];
  readonly explained: number;
  readonly unexplained: number;
  readonly summary: string;
}

/**
 * `report` is checkov's parsed JSON output (`{}` when checkov found nothing to scan, an object for one
 * framework, an array for several); `templates` are the files it was given.
 */
export function judgeCheckov(report: unknown, templates: readonly TemplateFile[]): CheckovVerdict {
  const problems: string[] = [];
  const reports = (Array.isArray(report) ? report : [report]) as CheckovFrameworkReport[];
  const cfn = reports.filter((r) => r && r.check_type === 'cloudformation');
  if (templates.length > 0 && cfn.length === 0) problems.push('checkov produced no cloudformation report (did it scan the templates?)');

  const typeOf = new Map<string, string>();
  for (const { path, template } of templates) {
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      typeOf.set(`${path}#${id}`, resource.Type ?? '?');
      // A skip must say why: checkov accepts `{ id }` alone, a reader of the template cannot.
      const skips: unknown = resource.Metadata?.checkov?.skip;
      if (skips === undefined) continue;
      if (!Array.isArray(skips)) { problems.push(`${path}: ${id}: Metadata.checkov.skip is not a list`); continue; }
      for (const skip of skips) {
        if (typeof skip?.id !== 'string' || !/^CKV2?_AWS_\d+$/.test(skip.id)) problems.push(`${path}: ${id}: checkov skip without a check id: ${JSON.stringify(skip)}`);
        if (typeof skip?.comment !== 'string' || skip.comment.trim() === '') problems.push(`${path}: ${id}: checkov skip of ${skip?.id} has an empty comment: record the reason`);
      }
    }
  }

  let explained = 0, unexplained = 0;
  for (const r of cfn) {
    for (const e of r.results.parsing_errors ?? []) problems.push(`${e}: checkov could not parse it`);
    explained += (r.results.skipped_checks ?? []).length;
    for (const f of r.results.failed_checks ?? []) {
      unexplained++;
      const logicalId = f.resource.split('.').slice(1).join('.');
      // file_abs_path is the path as given (relative or absolute); file_path is rooted at the working directory.
      const file = f.file_abs_path ?? f.file_path;
      const type = typeOf.get(`${file}#${logicalId}`) ?? f.resource.split('.')[0];
      problems.push(`${file}: ${logicalId} (${type}): ${f.check_id} failed with no recorded reason`);
    }
  }
  // .ci/run counts the templates of the clean line only; a failing run says so in other words.
  const summary = problems.length === 0
    ? `checkov: ${templates.length} templates, 0 unexplained findings (${explained} explained)`
    : `checkov FAILED: ${templates.length} templates, ${unexplained} unexplained findings, ${problems.length - unexplained} other problems (${explained} explained)`;
  return { problems, explained, unexplained, summary };
}

/** Failed checks counted by check id and resource type, e.g. `CKV_AWS_27 x44 AWS::SQS::Queue`. */
export function countFindings(problems: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const p of problems) {
    const m = / \(([^)]+)\): (CKV2?_AWS_\d+) failed/.exec(p);
    if (m) counts.set(`${m[2]} ${m[1]}`, (counts.get(`${m[2]} ${m[1]}`) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => { const [id, type] = k.split(' '); return `${id} x${n} ${type}`; });
}

if (require.main === module) {
  const [reportFile, ...files] = process.argv.slice(2);
  const raw = fs.readFileSync(reportFile, 'utf8').trim();
  const templates = files.map((path) => ({ path, template: JSON.parse(fs.readFileSync(path, 'utf8')) }));
  const verdict = judgeCheckov(raw === '' ? {} : JSON.parse(raw), templates);
  for (const p of verdict.problems) console.log(`checkov: ${p}`);
  if (verdict.unexplained > 0) console.log(`checkov: unexplained by check: ${countFindings(verdict.problems).join(', ')}`);
  console.log(verdict.summary);
  process.exitCode = verdict.problems.length === 0 ? 0 : 1;
}
