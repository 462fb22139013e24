/**
 * test/lint/checkov-report.ts: what counts as an explained checkov finding (issue 19, item 12).
 * checkov's CloudFormation suppressions are `Metadata.checkov.skip: [{ id, comment }]` on the resource
 * ("Suppressing and Skipping Policies": https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html).
 */
import { CheckovResult, countFindings, judgeCheckov, TemplateFile } from './checkov-report';

const FILE = 'example.out/single-account/Stack.template.json';
const REASON = 'Encrypted with SQS-managed server-side encryption; TLS is enforced.';

function template(skip?: unknown): TemplateFile {
  return {
    path: FILE,
    template: { Resources: { Queue: { Type: 'AWS::SQS::Queue', ...(skip === undefined ? {} : { Metadata: { checkov: { skip } } }) } } },
  };
}
function checkResult(result: 'FAILED' | 'SKIPPED', comment?: string): CheckovResult {
  return {
    check_id: 'CKV_AWS_27',
    resource: 'AWS::SQS::Queue.Queue',
    file_path: `/${FILE}`,
    file_abs_path: FILE,
    check_result: { result, suppress_comment: comment },
  };
}
function report(failed: CheckovResult[], skipped: CheckovResult[], parsingErrors: string[] = []) {
  return { check_type: 'cloudformation', results: { failed_checks: failed, skipped_checks: skipped, parsing_errors: parsingErrors } };
}

test.each([
  {
    name: 'a failed check is an unexplained finding, named with its resource type',
    report: report([checkResult('FAILED')], []),
    templates: [template()],
    problems: [`${FILE}: Queue (AWS::SQS::Queue): CKV_AWS_27 failed with no recorded reason`],
    explained: 0,
  },
  {
    name: 'a check skipped through Metadata.checkov.skip with a comment is explained',
    report: report([], [checkResult('SKIPPED', REASON)]),
    templates: [template([{ id: 'CKV_AWS_27', comment: REASON }])],
    problems: [],
    explained: 1,
  },
  {
    name: 'a skip with an empty comment explains nothing',
    report: report([], [checkResult('SKIPPED', '')]),
    templates: [template([{ id: 'CKV_AWS_27', comment: ' ' }])],
    problems: [`${FILE}: Queue: checkov skip of CKV_AWS_27 has an empty comment: record the reason`],
    explained: 1,
  },
  {
    name: 'a skip without a comment explains nothing',
    report: report([], [checkResult('SKIPPED')]),
    templates: [template([{ id: 'CKV_AWS_27' }])],
    problems: [`${FILE}: Queue: checkov skip of CKV_AWS_27 has an empty comment: record the reason`],
    explained: 1,
  },
  {
    name: 'a template checkov could not parse fails',
    report: report([], [], [FILE]),
    templates: [template()],
    problems: [`${FILE}: checkov could not parse it`],
    explained: 0,
  },
  {
    name: 'a run that produced no CloudFormation report fails (nothing was checked)',
    report: {},
    templates: [template()],
    problems: ['checkov produced no cloudformation report (did it scan the templates?)'],
    explained: 0,
  },
  {
    name: 'several frameworks give an array of reports; the CloudFormation one is read',
    report: [{ check_type: 'secrets', results: {} }, report([], [checkResult('SKIPPED', REASON)])],
    templates: [template([{ id: 'CKV_AWS_27', comment: REASON }])],
    problems: [],
    explained: 1,
  },
])('$name', ({ report: r, templates, problems, explained }) => {
  const verdict = judgeCheckov(r, templates);
  expect(verdict.problems).toEqual(problems);
  expect(verdict.explained).toBe(explained);
  // .ci/run counts the templates of the clean summary line only.
  expect(/^checkov: \d+ templates, 0 unexplained findings \(/.test(verdict.summary)).toBe(problems.length === 0);
});

test('the summary counts templates, unexplained and explained findings', () => {
  expect(judgeCheckov(report([], [checkResult('SKIPPED', REASON)]), [template([{ id: 'CKV_AWS_27', comment: REASON }])]).summary)
    .toBe('checkov: 1 templates, 0 unexplained findings (1 explained)');
  expect(judgeCheckov(report([checkResult('FAILED'), checkResult('FAILED')], []), [template()]).summary)
    .toBe('checkov FAILED: 1 templates, 2 unexplained findings, 0 other problems (0 explained)');
});

test('findings are counted by check id and resource type for the report', () => {
  const { problems } = judgeCheckov(report([checkResult('FAILED'), checkResult('FAILED')], []), [template()]);
  expect(countFindings(problems)).toEqual(['CKV_AWS_27 x2 AWS::SQS::Queue']);
});
