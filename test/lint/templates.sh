#!/usr/bin/env bash
# cfn-lint over every template this repository synthesizes: every example architecture (example.out/*/), the
# StackSet member templates embedded in them (as CloudFormation would deploy them), and the integ snapshots.
# Fails on any cfn-lint error; warnings are printed. Run by `npx projen lint:templates` (part of test:all).
set -euo pipefail
cd "$(dirname "$0")/../.."
lint=.venv/cfn-lint/bin/cfn-lint
[ -x "$lint" ] || bash test/setup.sh

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
        const body = path.join(work, `${f.replace(/\.template\.json$/, "")}-${id}.stackset-body.json`);
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
