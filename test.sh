#!/usr/bin/env bash
# The tests: installs what they need beyond the .NET SDK where it can, says exactly what is missing otherwise,
# then builds and runs 'dotnet test' (extra arguments go to dotnet test, e.g. ./test.sh tests/Qianru.Tests --filter Quantization).
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# What the tests need beyond the .NET SDK (never needed by users at run time), one line each:
#   Debian package | a shell check that passes when it is there | the tests that need it
needs=(
  "chromium|test -x /usr/bin/chromium|the browser test of the server's playground page (tests/Qianru.Server.Tests/PlaygroundTests.cs)"
  "fonts-noto-cjk|dpkg -s fonts-noto-cjk >/dev/null 2>&1 || fc-list :lang=zh 2>/dev/null | grep -q .|the check that plots draw Chinese labels (tests/Qianru.Cli.Tests/Demo/DemoTests.cs)"
  "nginx|test -x /usr/sbin/nginx || command -v nginx|the three replicas behind a load balancer (tests/Qianru.Cli.Tests/Server/ReplicasBehindNginxTests.cs)"
  "nodejs|command -v node|PGlite, the PostgreSQL + pgvector server of the collection tests (tests/pglite; tests/Qianru.Tests/Collections/Postgres*)"
  "npm|command -v npm|installing PGlite from tests/pglite/package-lock.json (npm ci, once, from the npm registry)"
)

missing_packages() {
  local line package check
  for line in "${needs[@]}"; do
    IFS='|' read -r package check _ <<<"$line"
    bash -c "$check" >/dev/null 2>&1 || echo "$package"
  done
}

mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n); else sudo=(none); fi
  fi
  if [ "${sudo[0]:-}" != none ]; then
    echo "test.sh: installing ${missing[*]} (apt-get)"
    "${sudo[@]}" apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    mapfile -t missing < <(missing_packages)
  fi
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: some tests will fail because these are missing:" >&2
  for line in "${needs[@]}"; do
    IFS='|' read -r package _ why <<<"$line"
    if printf '%s\n' "${missing[@]}" | grep -qx "$package"; then echo "  - $package: needed by $why" >&2; fi
  done
  echo "  Install them as root: apt-get install -y ${missing[*]}   (Debian/Ubuntu; other systems: the same packages by their names there)" >&2
fi

# Build once, then test with the tests' temporary files (model caches, damaged copies of fixtures, hub caches) in
# one folder of this run, removed afterwards: a run leaves nothing in /tmp. The build runs outside it so that the
# build servers it starts never hold a folder that is about to go.
dotnet build Qianru.slnx || exit $?
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/qianru-test-run.XXXXXX")
trap 'rm -rf "$run_tmp"' EXIT
TMPDIR="$run_tmp" dotnet test --no-build "$@"
