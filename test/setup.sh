#!/usr/bin/env bash
# Test prerequisites outside npm, installed once and reused (`npx projen test:setup`, run by the test task):
# - event-ruler (Maven Central), AWS's EventBridge pattern engine, for the pattern tests (test/ruler/);
# - moto's server (PyPI) in .venv/moto, the third-party Security Hub emulator of the round-trip test;
# - cfn-lint (PyPI) in .venv/cfn-lint, and checkov (PyPI) in .venv/checkov, for test/lint/templates.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! ls test/ruler/target/lib/*.jar >/dev/null 2>&1; then
  echo "test:setup: event-ruler jars -> test/ruler/target/lib"
  mvn -q -B -f test/ruler/pom.xml dependency:copy-dependencies -DoutputDirectory=target/lib
fi

if ! .venv/moto/bin/python -c 'import moto.server, moto.securityhub' >/dev/null 2>&1; then
  echo "test:setup: moto server -> .venv/moto"
  rm -rf .venv/moto
  python3 -m venv .venv/moto
  .venv/moto/bin/pip install --quiet --disable-pip-version-check -r test/runtime/moto-requirements.txt
fi

if ! .venv/cfn-lint/bin/cfn-lint --version 2>/dev/null | grep -q "$(sed -n 's/^cfn-lint==//p' test/lint/requirements.txt)"; then
  echo "test:setup: cfn-lint -> .venv/cfn-lint"
  rm -rf .venv/cfn-lint
  python3 -m venv .venv/cfn-lint
  .venv/cfn-lint/bin/pip install --quiet --disable-pip-version-check -r test/lint/requirements.txt
fi

if ! .venv/checkov/bin/checkov --version 2>/dev/null | grep -qx "$(sed -n 's/^checkov==//p' test/lint/checkov-requirements.txt)"; then
  echo "test:setup: checkov -> .venv/checkov"
  rm -rf .venv/checkov
  python3 -m venv .venv/checkov
  .venv/checkov/bin/pip install --quiet --disable-pip-version-check -r test/lint/checkov-requirements.txt
fi
