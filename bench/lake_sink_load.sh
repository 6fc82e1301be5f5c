#!/usr/bin/env bash
# Ingest with and without the lake sink (docs/lake.md): the same OTLP load against a fresh server
# twice per round, once plain and once with --lake-location, alternating so both see the same
# machine; then how long the sink takes to catch up after the load stops, and the lake's size.
# Prints one line per run and the medians. Nothing is asserted (bench/README.md).
#
#   bench/lake_sink_load.sh [BUILD_DIR] [SECONDS] [ROUNDS] [PROFILE]
#   bench/lake_sink_load.sh build 15 3 A
set -euo pipefail
build=${1:-build}
seconds=${2:-15}
rounds=${3:-3}
profile=${4:-A}
bin="$build/bin/tracelake"
loadgen="$build/bench/tracelake_loadgen"
[[ -x "$bin" && -x "$loadgen" ]] || {
  echo "needs $bin and $loadgen (configure with -DTRACELAKE_BUILD_BENCHMARKS=ON)" >&2
  exit 2
}
work=$(mktemp -d /tmp/tracelake-lake-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

port=5391
run() {  # run plain|lake
  local label=$1
  local dir="$work/$label-$RANDOM"
  mkdir -p "$dir"
  local flags=()
  [[ $label == lake ]] && flags=(--lake-location "$dir/lake" --lake-interval 5)
  "$bin" server --port $port --otlp-grpc-port 0 --data-dir "$dir" "${flags[@]}" >"$dir/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  local out
  out=$("$loadgen" --endpoint "http://127.0.0.1:$port" --protocol http-proto --profile "$profile" \
    --connections 4 --seconds "$seconds")
  local rate p99
  rate=$(grep -oE "throughput: [0-9.]+" <<<"$out" | grep -oE "[0-9.]+$")
  p99=$(grep -oE "p99=[0-9.]+" <<<"$out" | grep -oE "[0-9.]+$")
  local catchup=""
  if [[ $label == lake ]]; then
    local t0 lag=1
    t0=$(date +%s.%N)
    while [[ "$lag" != "0" ]]; do
      lag=$(curl -sf "http://127.0.0.1:$port/api/2.0/tracelake/lake" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["lag_changes"])')
      [[ "$lag" == "0" ]] || sleep 0.2
    done
    catchup=$(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')")
    local lake_mb
    lake_mb=$(du -sm "$dir/lake" | cut -f1)
    catchup="catch-up ${catchup}s, lake ${lake_mb} MB"
  fi
  kill -TERM $pid
  wait $pid || true
  echo "$label: $rate spans/s, p99 ${p99:-?} ms ${catchup}"
  echo "$label $rate" >>"$work/results"
}

for r in $(seq "$rounds"); do
  run plain
  run lake
done
python3 - "$work/results" <<'EOF'
import statistics, sys
by = {}
for line in open(sys.argv[1]):
    label, rate = line.split()
    by.setdefault(label, []).append(float(rate))
plain, lake = statistics.median(by['plain']), statistics.median(by['lake'])
print(f"median: plain {plain:.0f} spans/s, with lake sink {lake:.0f} spans/s, ratio {lake / plain:.3f}")
EOF
