#!/usr/bin/env bash
# cfn-lint and checkov over every template this repository synthesizes: every example architecture
# (example.out/*/), the StackSet member templates embedded in them (as CloudFormation would deploy them), and
# the integ snapshots. Run by `npx projen lint:templates` (part of test:all).
# - cfn-lint: fails on any error; warnings are printed.
# - checkov (one run over all of them, CloudFormation checks only): fails on any failed check, that is any
#   finding without a reason recorded in the resource's Metadata.checkov.skip, and on a skip whose comment is
#   empty (test/lint/checkov-report.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
lint=.venv/cfn-lint/bin/cfn-lint
checkov=.venv/checkov/bin/checkov
[ -x "$lint" ] && [ -x "$checkov" ] || bash test/setup.sh

npx projen example:synth all >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Every synthesized template, and every TemplateBody of an AWS::CloudFormation::StackSet written out as its
# own template. integ-tests-alpha's assertion stack has no resources when a test makes no assertion: it is
# never deployed as such, and cfn-lint rightly calls a template without Resources invalid, so it is skipped.
node -e '
const fs = require("fs"), path = require("path");
const [work, ...dirs] = process.argv.slice(1);
const list = [];
for (const dir of dirs) {
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".template.json"))) {
    const file = path.join(dir, f);
    const t = JSON.parse(fs.readFileSync(file, "utf8"));
    if (Object.keys(t.Resources || {}).length === 0) { console.error(`skipped (no resources): ${file}`); continue; }
    list.push(file);
    for (const [id, r] of Object.entries(t.Resources)) {
      if (r.Type === "AWS::CloudFormation::StackSet" && typeof r.Properties.TemplateBody === "string") {
        // Named after its directory too: two architectures have a BackupAlarmsManagement stack with the same
        // StackSet id, and one body would overwrite the other.
        const body = path.join(work, `${path.basename(dir)}-${f.replace(/\.template\.json$/, "")}-${id}.stackset-body.json`);
        fs.writeFileSync(body, r.Properties.TemplateBody);
        list.push(body);
      }
    }
  }
}
fs.writeFileSync(path.join(work, "list"), list.join("\n") + "\n");
' "$work" example.out/* test/integ.*.snapshot

mapfile -t templates < "$work/list"
echo "cfn-lint $("$lint" --version | awk '{print $2}') over ${#templates[@]} templates ($(grep -c stackset-body "$work/list") StackSet bodies)"
"$lint" --non-zero-exit-code error -- "${templates[@]}"
echo "cfn-lint: ${#templates[@]} templates, 0 errors"

# --skip-download: no call to the vendor's platform (no API key; guideline links are not needed here).
# --soft-fail: checkov's exit code would not tell a finding from a crash; checkov-report.ts judges the report.
echo "checkov $("$checkov" --version) over the same ${#templates[@]} templates"
if ! "$checkov" --framework cloudformation --skip-download --soft-fail --output json --file "${templates[@]}" \
  >"$work/checkov.json" 2>"$work/checkov.err"; then
  cat "$work/checkov.err" >&2
  echo "checkov did not run (output above)" >&2
  exit 1
fi
TS_NODE_TRANSPILE_ONLY=1 npx ts-node --project tsconfig.dev.json test/lint/checkov-report.ts "$work/checkov.json" "${templates[@]}"
