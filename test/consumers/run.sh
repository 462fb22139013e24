#!/usr/bin/env bash
# Cross-language consumers of cdk-backup-alarms (`npx projen test:consumers`, after the TypeScript build).
#
# Builds the jsii packages (Python wheel, Maven repository, Go module; .NET code only) and uses each from a
# small app in that language that synthesizes a stack offline and checks the template. Nothing calls AWS.
#
#   bash test/consumers/run.sh                 # everything: python java go dotnet
#   bash test/consumers/run.sh python go       # only some consumers (each builds its own package first)
#   CONSUMERS_SKIP_PACKAGE=1 bash test/consumers/run.sh java   # reuse what is in dist/
#
# Environment (all optional):
#   CONSUMERS_SKIP_PACKAGE=1      do not rebuild the packages; use dist/ as it is
#   CONSUMERS_STRICT_GO_PACKAGE=1 fail when `npx projen package:go` fails, even for the known module-proxy refusal
#   CONSUMERS_M2_REPO=DIR         Maven local repository of the Java consumer (default ~/.m2/repository)
#   CONSUMERS_KEEP_TMP=1          keep the temporary directory (synthesized cloud assemblies, logs)
#   CONSUMERS_ALLOW_BLOATED_PACKAGE=1  only warn when the npm tarball (embedded in every package) holds files it
#                                 should not (.venv/, test/, ...) or is over 25 MB unpacked
#   GOMODCACHE, GOCACHE, PIP_CACHE_DIR: the usual caches (defaults of each tool)
#
# It installs what it needs itself: Debian packages for a missing python3-venv, JDK, Maven or Go (as root,
# with apt-get); the Python virtualenv (test/consumers/python/.venv, recreated on every run); Maven and Go
# dependencies through their own clients. It does not install node_modules: run `npm ci` first.
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"

STAGE="setup"
declare -a TIMINGS=()
RUN_START=$SECONDS
STAGE_START=$SECONDS

log() { printf '[consumers] %s\n' "$*"; }
warn() {
  printf '\n[consumers] !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
  printf '[consumers] WARNING: %s\n' "$@" >&2
  printf '[consumers] !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' >&2
}
die() {
  printf '\n[consumers] FAILED in stage "%s": %s\n' "$STAGE" "$*" >&2
  exit 1
}
trap 'rc=$?; printf "\n[consumers] FAILED in stage \"%s\": command \"%s\" exited %s (run.sh line %s)\n" "$STAGE" "$BASH_COMMAND" "$rc" "$LINENO" >&2; exit $rc' ERR

stage() {
  STAGE="$1"
  STAGE_START=$SECONDS
  log "=== $STAGE"
}
stage_done() {
  local took=$((SECONDS - STAGE_START))
  TIMINGS+=("$(printf '%-22s %4ds' "$STAGE" "$took")")
  log "TIMING $STAGE ${took}s"
}

# ---------------------------------------------------------------------------------------------- arguments
ALL=(python java go dotnet)
if (($# == 0)); then SELECTED=("${ALL[@]}"); else SELECTED=("$@"); fi
for s in "${SELECTED[@]}"; do
  [[ " ${ALL[*]} " == *" $s "* ]] || die "unknown consumer '$s' (expected some of: ${ALL[*]})"
done
selected() { [[ " ${SELECTED[*]} " == *" $1 "* ]]; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cdk-consumers.XXXXXX")"
cleanup() {
  if [[ -n "${CONSUMERS_KEEP_TMP:-}" ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# -------------------------------------------------------------------------------------------------- tools
stage "tools"
# jsii prints a banner on every call on an end-of-life Node.js unless told the major version is known.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-$(node -p 'process.versions.node.split(".")[0]')}"
[[ -x node_modules/.bin/jsii-pacmak && -x node_modules/.bin/projen ]] \
  || die "node_modules/.bin/jsii-pacmak or projen is missing: run 'npm ci' first"

APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null && [[ $(id -u) == 0 ]] \
    || die "'$1' is needed and missing, and apt-get cannot install it here (not root or no apt-get): install $*"
  if [[ -z "$APT_UPDATED" ]]; then apt-get update -qq; APT_UPDATED=1; fi
  log "installing Debian packages: $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
if selected python; then
  command -v python3 >/dev/null || apt_install python3 python3-venv
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
fi
if selected java; then
  command -v javac >/dev/null || apt_install default-jdk-headless
  command -v mvn >/dev/null || apt_install maven
fi
if selected go; then
  command -v go >/dev/null || apt_install golang-go
fi
versions="node $(node --version)"
if selected python; then versions+=", $(python3 --version 2>&1)"; fi
if selected java; then versions+=", $(javac -version 2>&1), $(mvn -v 2>/dev/null | sed -n '1s/\x1b\[[0-9;]*m//gp' || true)"; fi
if selected go; then versions+=", $(go version)"; fi
log "$versions"
stage_done

# ------------------------------------------------------------------------------------ 1. build the packages
# The packaging logs are kept after the run (the temporary directory is not), in test-reports/ (git- and
# npm-ignored), so a one-line message can point at them.
LOGS="$ROOT/test-reports/consumers"
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log
run_logged() {
  # Runs a command with its output in $LOGS/NAME.log; on failure prints the log (unless RUN_LOGGED_QUIET is
  # set: the caller decides what to say) and returns its status.
  local name="$1" rc=0
  shift
  log "$* (log: $LOGS/$name.log)"
  "$@" >"$LOGS/$name.log" 2>&1 || rc=$?
  if ((rc != 0)); then
    [[ -n "${RUN_LOGGED_QUIET:-}" ]] || grep -v '^npm warn' "$LOGS/$name.log" >&2 || true
    return "$rc"
  fi
  grep -E '^\[jsii-pacmak\] \[INFO\] Packaged' "$LOGS/$name.log" || true
}
projen_task() { run_logged "$2" npx projen "$1"; }

if [[ -z "${CONSUMERS_SKIP_PACKAGE:-}" ]]; then
  stage "compile"
  if [[ ! -f .jsii || ! -f lib/index.js ]]; then
    log ".jsii or lib/ is missing: npx projen compile"
    npx projen compile
  elif [[ -n "$(find src -name '*.ts' -newer .jsii -print -quit)" ]]; then
    warn "src/ has files newer than .jsii: the packages are built from the last compile." \
      "Run 'npx projen compile' (or the full build) first to test the current sources."
  fi
  stage_done

  # Every jsii package embeds the tarball `npm pack` makes of this directory, as filtered by .npmignore (which
  # replaces .gitignore for npm). Anything left lying at the top, such as a .venv of a test harness, ends up in
  # the wheel, the jar and the Go module, and makes each jsii-pacmak run slow.
  stage "npm-pack-contents"
  npm pack --dry-run --json --ignore-scripts 2>"$WORK/npm-pack.err" >"$WORK/npm-pack.json" \
    || { cat "$WORK/npm-pack.err" >&2; die "npm pack --dry-run failed"; }
  problems="$(node -e '
    const [pack] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const bad = new Set([".venv", "venv", ".tox", "node_modules", "src", "test", "dist", "coverage", "test-reports",
      "example.out", "cdk.out", "target", ".git", ".projen", "projenrc"]);
    const top = {};
    for (const f of pack.files) { const t = f.path.split("/")[0]; top[t] = (top[t] || 0) + f.size; }
    const mb = (n) => (n / 1e6).toFixed(1) + " MB";
    console.error("[consumers] npm tarball: " + pack.entryCount + " files, " + mb(pack.unpackedSize) + " unpacked: " +
      Object.entries(top).map(([t, n]) => t + " " + mb(n)).join(", "));
    const out = Object.keys(top).filter((t) => bad.has(t)).map((t) => t + "/ (" + mb(top[t]) + ")");
    if (pack.unpackedSize > 25e6) out.push("the whole tarball is " + mb(pack.unpackedSize) + " unpacked (limit 25 MB)");
    console.log(out.join("; "));
  ' "$WORK/npm-pack.json")"
  if [[ -n "$problems" ]]; then
    msg=("the npm tarball, which every jsii package embeds, holds what it should not: $problems."
      "Add the paths to .npmignore through .projenrc.ts (npmIgnoreOptions.ignorePatterns, e.g. '/.venv/')"
      "or remove them from the work tree.")
    if [[ -n "${CONSUMERS_ALLOW_BLOATED_PACKAGE:-}" ]]; then warn "${msg[@]}"; else die "${msg[*]} (CONSUMERS_ALLOW_BLOATED_PACKAGE=1 only warns)"; fi
  fi
  stage_done

  if selected python; then
    stage "package:python"
    projen_task package:python package-python || die "npx projen package:python failed (log above)"
    stage_done
  fi
  if selected java; then
    stage "package:java"
    projen_task package:java package-java || die "npx projen package:java failed (log above)"
    stage_done
  fi
  if selected go; then
    stage "package:go"
    if ! RUN_LOGGED_QUIET=1 projen_task package:go package-go; then
      # jsii-pacmak writes the Go code, then runs `go mod tidy` and `go build` on it. Its go.mod requires the
      # CDK asset modules at the versions of their npm packages in node_modules (awscliv1 v2.2.296,
      # nodeproxyagentv6 v2.1.3), which the Go module proxy reachable here refuses (403). The consumer's
      # go.mod works around it; here, regenerate the code alone and let the Go consumer build it. That known
      # refusal is one line; any other failure prints the whole log and fails.
      if [[ -z "${CONSUMERS_STRICT_GO_PACKAGE:-}" ]] \
        && grep -q 'This module version is not available' "$LOGS/package-go.log"; then
        log "package:go: the Go module proxy refused a module version dist/go's generated go.mod requires (403);" \
          "using jsii-pacmak --code-only output, which the Go consumer builds with test/consumers/go/go.mod's" \
          "replacements (log: $LOGS/package-go.log; CONSUMERS_STRICT_GO_PACKAGE=1 makes this fatal)"
        rm -rf dist/go
        run_logged pacmak-go-code-only npx jsii-pacmak --code-only --target go \
          || die "jsii-pacmak --code-only --target go failed (log above)"
      else
        grep -v '^npm warn' "$LOGS/package-go.log" >&2 || true
        die "npx projen package:go failed (log above: $LOGS/package-go.log)"
      fi
    fi
    stage_done
  fi
  if selected dotnet; then
    # No dotnet SDK here: generate the C# code only, the way package:dotnet would before building it.
    stage "package:dotnet(code)"
    rm -rf dist/dotnet-code
    run_logged pacmak-dotnet-code-only npx jsii-pacmak --code-only --target dotnet -o dist/dotnet-code \
      || die "jsii-pacmak --code-only --target dotnet failed (log above)"
    stage_done
  fi
else
  log "CONSUMERS_SKIP_PACKAGE is set: using dist/ as it is"
fi

# -------------------------------------------------------------------------------------------------- .NET
if selected dotnet; then
  stage "dotnet(code)"
  proj="$(find dist/dotnet-code -name 'CdkBackupAlarms.csproj' -print -quit 2>/dev/null || true)"
  [[ -n "$proj" ]] || die "no CdkBackupAlarms.csproj under dist/dotnet-code"
  src="$(dirname "$proj")/CdkBackupAlarms"
  ncs="$(find "$src" -name '*.cs' | wc -l)"
  ((ncs > 0)) || die "no C# files under $src"
  for type in BackupFailureRule BackupFailureRuleProps BackupJobKind BackupJobState BackupEvents; do
    grep -q "class $type\b\|enum $type\b" "$src/$type.cs" 2>/dev/null \
      || die "$src/$type.cs is missing or does not declare $type"
  done
  log "dotnet: $ncs C# files under $src"
  stage_done
fi

# ------------------------------------------------------------------------------------------------ Python
if selected python; then
  stage "python"
  shopt -s nullglob
  wheels=(dist/python/cdk_backup_alarms-*.whl)
  shopt -u nullglob
  ((${#wheels[@]} > 0)) || die "no cdk_backup_alarms-*.whl in dist/python (run without CONSUMERS_SKIP_PACKAGE)"
  wheel="$(ls -t "${wheels[@]}" | head -1)"
  ((${#wheels[@]} == 1)) || warn "several wheels in dist/python; using the newest: $wheel"
  venv="$HERE/python/.venv"
  log "fresh virtualenv $venv; pip install $wheel + test/consumers/python/requirements.txt"
  python3 -m venv --clear "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    -r "$HERE/python/requirements.txt" "$ROOT/$wheel"
  mkdir -p "$WORK/python-cdk.out"
  CDK_OUTDIR="$WORK/python-cdk.out" "$venv/bin/python" "$HERE/python/app.py" \
    || die "the Python consumer failed (test/consumers/python/app.py, output above)"
  stage_done
fi

# -------------------------------------------------------------------------------------------------- Java
if selected java; then
  stage "java"
  meta="dist/java/io/github/cdk-backup-alarms/cdk-backup-alarms/maven-metadata.xml"
  [[ -f "$meta" ]] || die "no $meta (run without CONSUMERS_SKIP_PACKAGE)"
  lib_version="$(sed -n 's:.*<release>\(.*\)</release>.*:\1:p' "$meta" | head -1)"
  [[ -n "$lib_version" ]] || die "no <release> in $meta"
  jar="dist/java/io/github/cdk-backup-alarms/cdk-backup-alarms/$lib_version/cdk-backup-alarms-$lib_version.jar"
  [[ -f "$jar" ]] || die "$meta names $lib_version, but there is no $jar"
  m2="${CONSUMERS_M2_REPO:-$HOME/.m2/repository}"
  # A copy of the library left in the local repository by an earlier run would be used instead of dist/java.
  rm -rf "$m2/io/github/cdk-backup-alarms/cdk-backup-alarms/$lib_version"
  log "mvn compile exec:java with io.github.cdk-backup-alarms:cdk-backup-alarms:$lib_version from file://$ROOT/dist/java"
  # (Debian's Maven 3.8.7 prints colour resets even in batch mode: strip them.)
  (cd "$HERE/java" && CDK_OUTDIR="$WORK/java-cdk.out" mvn -q -B -Dstyle.color=never \
    -Dmaven.repo.local="$m2" -Dlocal.repo="file://$ROOT/dist/java" -Dlib.version="$lib_version" \
    compile exec:java 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g') || die "the Java consumer failed (test/consumers/java, output above)"
  stage_done
fi

# ---------------------------------------------------------------------------------------------------- Go
if selected go; then
  stage "go"
  [[ -f dist/go/cdkbackupalarms/go.mod ]] || die "no dist/go/cdkbackupalarms/go.mod (run without CONSUMERS_SKIP_PACKAGE)"
  log "dist/go/cdkbackupalarms/go.mod requires: $(sed -n 's/^\t\(github.com\/aws\/[^ ]*\) \(v[^ ]*\)$/\1@\2/p' dist/go/cdkbackupalarms/go.mod | tr '\n' ' ')"
  # -o DIR/: `go build ./...` of a single main package would otherwise write the binary into the work tree.
  (cd "$HERE/go" && export GOFLAGS="-mod=mod" && go build -o "$WORK/go-bin/" ./...) \
    || die "go build of the Go consumer failed (test/consumers/go, output above)"
  mkdir -p "$WORK/go-cdk.out"
  CDK_OUTDIR="$WORK/go-cdk.out" "$WORK/go-bin/consumers" | tee "$WORK/go-consumer.out" \
    || die "the Go consumer failed (test/consumers/go/main.go, output above)"
  grep -qx 'rules: 1' "$WORK/go-consumer.out" || die "the Go consumer did not print 'rules: 1'"
  stage_done
fi

# --------------------------------------------------------------------------------------------------- end
STAGE="summary"
log "timings:"
for t in "${TIMINGS[@]}"; do log "  $t"; done
log "$(printf '  %-22s %4ds' total $((SECONDS - RUN_START)))"
log "consumers passed: ${SELECTED[*]}"
