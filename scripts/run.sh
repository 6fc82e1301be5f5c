#!/usr/bin/env bash
# One command: install dependencies, build a release tracelake, start the server on
# 127.0.0.1:5000 with its data in ./data, send a few demo traces, and keep the server in the
# foreground (Ctrl-C stops it cleanly).
#
# Environment: TRACELAKE_HOST (default 127.0.0.1), TRACELAKE_PORT (default 5000),
#              TRACELAKE_GRPC_PORT (OTLP/gRPC, default 4317; 0 disables it).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

host=${TRACELAKE_HOST:-127.0.0.1}
port=${TRACELAKE_PORT:-5000}
grpc_port=${TRACELAKE_GRPC_PORT:-4317}
build_dir="$repo/build"
data_dir="$repo/data"
bin="$build_dir/bin/tracelake"

step() { printf '\n==> %s\n' "$*"; }

step "Installing dependencies"
bash "$repo/scripts/install-deps.sh"

step "Building tracelake (Release) in build/"
cmake -S "$repo" -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DTRACELAKE_BUILD_TESTS=OFF \
  -DTRACELAKE_BUILD_BENCHMARKS=OFF >/dev/null
# Everything but tests and benchmarks: the server, the web UI it serves, the SDK and its example.
cmake --build "$build_dir"
if [[ ! -x "$bin" ]]; then
  echo "run.sh: build finished but $bin is missing" >&2
  exit 1
fi

mkdir -p "$data_dir"
# The address the demo and the curl examples use: a wildcard bind is reached via loopback.
client_host=$host
case "$host" in 0.0.0.0|::|"[::]") client_host=127.0.0.1 ;; esac
url="http://$client_host:$port"

if curl -fsS -o /dev/null --max-time 2 "$url/health" 2>/dev/null; then
  echo "run.sh: something already answers on $url (another tracelake?); stop it or set TRACELAKE_PORT" >&2
  exit 1
fi

step "Starting tracelake server on http://$host:$port (data in $data_dir)"
"$bin" server --host "$host" --port "$port" --otlp-grpc-port "$grpc_port" \
  --data-dir "$data_dir" --backend-store-uri "sqlite:///$data_dir/tracelake.db" &
server_pid=$!

stop_server() {
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap 'stop_server; exit 130' INT
trap 'stop_server; exit 143' TERM
trap stop_server EXIT

ready=0
for _ in $(seq 1 150); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid" && rc=0 || rc=$?
    echo "run.sh: the server exited during start-up (exit code $rc); see its messages above" >&2
    trap - EXIT
    exit 1
  fi
  if curl -fsS -o /dev/null --max-time 1 "$url/health" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.2
done
if [[ $ready != 1 ]]; then
  echo "run.sh: the server did not answer $url/health within 30 s" >&2
  exit 1
fi

step "Sending demo traces"
if ! "$bin" demo --endpoint "$url"; then
  echo "run.sh: the demo failed (the server keeps running)" >&2
fi

# The example C++ agent (examples/support_agent) against the bundled OpenAI-compatible stand-in
# model: one AGENT trace with its LLM calls and three tool calls, exported by the C++ SDK.
agent_trace=""
if [[ -x "$build_dir/bin/support_agent" && -x "$build_dir/bin/openai_standin" ]]; then
  step "Running the example agent (build/bin/support_agent) against a stand-in model"
  standin_port=${TRACELAKE_STANDIN_PORT:-8089}
  "$build_dir/bin/openai_standin" --host 127.0.0.1 --port "$standin_port" >/dev/null 2>&1 &
  standin_pid=$!
  for _ in $(seq 1 50); do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$standin_port/v1/models" 2>/dev/null && break
    sleep 0.1
  done
  if agent_out=$(OPENAI_BASE_URL="http://127.0.0.1:$standin_port/v1" OPENAI_API_KEY=demo \
        OPENAI_MODEL=gpt-4o-mini OTEL_EXPORTER_OTLP_ENDPOINT="$url" MLFLOW_TRACKING_URI="$url" \
        MLFLOW_EXPERIMENT_ID=0 OTEL_SERVICE_NAME=support-agent \
        "$build_dir/bin/support_agent" --user demo-user --session demo-session \
        "What were total sales in EMEA, APAC and AMER last quarter?" 2>&1); then
    echo "$agent_out"
    agent_trace=$(grep -oE 'tr-[0-9a-f]{32}' <<<"$agent_out" | tail -1 || true)
  else
    echo "$agent_out"
    echo "run.sh: the example agent failed (the server keeps running)" >&2
  fi
  kill "$standin_pid" 2>/dev/null || true
  wait "$standin_pid" 2>/dev/null || true
fi

cat <<EOF

Open the web UI:                   $url/   (dashboards: Default experiment -> Dashboard)$([[ -n $agent_trace ]] && printf '\nThe example agent'"'"'s trace:         %s' "$url/experiments/0/traces/$agent_trace")

tracelake is running: $url  (OTLP/HTTP at $url/v1/traces$([[ $grpc_port != 0 ]] && echo ", OTLP/gRPC at $client_host:$grpc_port"))

Point an OpenTelemetry SDK at it:  OTEL_EXPORTER_OTLP_ENDPOINT=$url
Point the MLflow client at it:     MLFLOW_TRACKING_URI=$url

Example: search the demo traces in the Default experiment (run in another terminal):
  curl -s -X POST $url/api/3.0/mlflow/traces/search \\
       -H 'Content-Type: application/json' \\
       -d '{"locations":[{"type":"MLFLOW_EXPERIMENT","mlflow_experiment":{"experiment_id":"0"}}],"max_results":10}'

Press Ctrl-C to stop the server.
EOF

# Foreground until the server exits or Ctrl-C (the INT trap forwards SIGTERM and waits).
set +e
wait "$server_pid"
rc=$?
set -e
trap - EXIT
exit "$rc"
