#!/usr/bin/env bash
# Installs what tracelake needs on Debian 12 (bookworm). Idempotent: when every package is
# already installed it returns without touching apt (fast path, no network).
#
#   bash scripts/install-deps.sh          # build dependencies (node + npm build the web UI)
#   bash scripts/install-deps.sh --test   # plus what the test suite needs (clang/libFuzzer,
#                                         # clang-format/clang-tidy, chromium)
#
# Runs apt-get as root, or through sudo when not root.
set -euo pipefail

with_test=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test=1 ;;
    -h|--help)
      sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) echo "install-deps.sh: unknown argument '$arg' (use --test)" >&2; exit 2 ;;
  esac
done

build_packages=(
  build-essential cmake ninja-build pkg-config
  libprotobuf-dev protobuf-compiler protobuf-compiler-grpc libgrpc++-dev
  libsqlite3-dev libzstd-dev zlib1g-dev libcurl4-openssl-dev
  nlohmann-json3-dev libsimdjson-dev libcpp-httplib-dev libre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

test_packages=(
  clang-14 libfuzzer-14-dev libclang-rt-14-dev curl
  clang-format-14 clang-tidy-14  # the lint step of scripts/test.sh
  # ---- Later issues add their test dependencies here (keep this marker) ----
  # PostgreSQL store contract tests:  postgresql postgresql-client libpq-dev
  chromium  # web UI end-to-end tests (playwright-core drives /usr/bin/chromium)
  # ---------------------------------------------------------------------------
)

wanted=("${build_packages[@]}")
# Node.js and npm build the web UI (web/, npm ci + esbuild) and drive the end-to-end tests. Keep
# whatever node is already there (for example node 20 from NodeSource, which bundles npm);
# Debian's nodejs/npm only when node is absent.
if ! command -v node >/dev/null 2>&1; then
  wanted+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
  if command -v node >/dev/null 2>&1 && dpkg-query -W -f='${Version}' nodejs 2>/dev/null \
      | grep -q nodesource; then
    echo "install-deps.sh: node is installed from NodeSource but npm is missing;" \
         "reinstall the NodeSource nodejs package (it bundles npm)" >&2
    exit 1
  fi
  wanted+=(npm)
fi
if [[ $with_test == 1 ]]; then
  wanted+=("${test_packages[@]}")
fi

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps.sh: all ${#wanted[@]} packages already installed"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps.sh: missing packages (${missing[*]}) and not root; run as root" >&2
  exit 1
fi

echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
