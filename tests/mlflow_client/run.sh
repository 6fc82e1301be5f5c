#!/usr/bin/env bash
# run.sh [--mlflow] [--root ROOT] [--bin TRACELAKE] [--logs DIR] [test_*.py ...]
#
# Runs MLflow's real Python client (tests/mlflow_client/test_*.py, or the scripts named) against
# the tracelake binary TRACELAKE (default build-ci/bin/tracelake), started here on a free port
# with a temporary SQLite store; with --mlflow, against the real MLflow server instead (parity
# check, not needed in CI). The client runs in the Debian 13 root ROOT (default
# build-ci/mlflow-root), built or reused with ../shared/mlflow-client/setup.sh (the shared
# folder sits beside the checkout; $TRACELAKE_MLFLOW_CLIENT_DIR overrides it). Needs root
# (debootstrap, chroot). Exit status 0 only when every script passed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
shared=${TRACELAKE_MLFLOW_CLIENT_DIR:-$repo/../shared/mlflow-client}
root=$repo/build-ci/mlflow-root
bin=$repo/build-ci/bin/tracelake
logs=""
server=tracelake
scripts=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mlflow) server=mlflow ;;
    --root) root=$2; shift ;;
    --bin) bin=$2; shift ;;
    --logs) logs=$2; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) scripts+=("$(basename "$1")") ;;
  esac
  shift
done
if [[ ${#scripts[@]} -eq 0 ]]; then
  for f in "$here"/test_*.py; do scripts+=("$(basename "$f")"); done
fi

die() { echo "mlflow-client: $*" >&2; exit 1; }
[[ -f "$shared/setup.sh" ]] || die "MLflow's client kit is missing: no $shared/setup.sh (set TRACELAKE_MLFLOW_CLIENT_DIR)"
[[ "$(id -u)" == 0 ]] || die "must run as root: setup.sh and mlflow-python.sh use debootstrap and chroot"
[[ $server == mlflow || -x "$bin" ]] || die "no tracelake binary at $bin (build it first, or pass --bin)"

t0=$SECONDS
if ! bash "$shared/setup.sh" "$root"; then
  die "could not build MLflow's client root at $root (setup.sh failed; see above)"
fi
echo "mlflow-client: root $root ready in $((SECONDS - t0)) s"

data=$(mktemp -d /tmp/tracelake-mlflow-client.XXXXXX)
logs=${logs:-$data/logs}
mkdir -p "$logs"
pid=""
keep_data=0
cleanup() {
  if [[ -n $pid ]]; then
    if [[ $server == mlflow ]]; then
      # MLflow's process group (server, job runner, huey consumers) takes a while to stop.
      kill -- "-$pid" 2>/dev/null
      for _ in $(seq 1 300); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null
    else
      kill -TERM "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  fi
  if [[ $keep_data == 1 ]]; then echo "mlflow-client: data and logs kept in $data" >&2; else rm -rf "$data"; fi
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});') \
  || die "no free port (needs python3 or node)"
url=http://127.0.0.1:$port
t1=$SECONDS
if [[ $server == mlflow ]]; then
  pid=$(bash "$shared/start-mlflow.sh" "$root" "$port" "$data/mlflow") || keep_data=1
  [[ $keep_data == 0 ]] || die "the MLflow server did not start; see $data/mlflow/mlflow-server.log"
else
  "$bin" server --host 127.0.0.1 --port "$port" --otlp-grpc-port 0 \
    --backend-store-uri "sqlite:///$data/tracelake.db" >"$logs/tracelake-server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null --max-time 1 "$url/health" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  curl -fsS -o /dev/null --max-time 1 "$url/health" 2>/dev/null \
    || { keep_data=1; cat "$logs/tracelake-server.log" >&2; die "tracelake did not start on $url"; }
fi
echo "mlflow-client: $server on $url (started in $((SECONDS - t1)) s)"

failed=()
cd "$here" || exit 1
for script in "${scripts[@]}"; do
  s0=$SECONDS
  echo "--- $script"
  if PYTHONDONTWRITEBYTECODE=1 PASS_ENV=PYTHONDONTWRITEBYTECODE \
     timeout 300 bash "$shared/mlflow-python.sh" "$root" "$script" "$url"; then
    echo "--- $script: passed in $((SECONDS - s0)) s"
  else
    echo "--- $script: FAILED in $((SECONDS - s0)) s"
    failed+=("$script")
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  keep_data=1
  [[ $server == tracelake ]] && echo "mlflow-client: server log: $logs/tracelake-server.log"
  echo "mlflow-client: MLflow's client failed against $server in: ${failed[*]}" >&2
  exit 1
fi
echo "mlflow-client: ${#scripts[@]} scripts passed against $server in $((SECONDS - t0)) s"
