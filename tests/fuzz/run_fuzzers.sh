#!/usr/bin/env bash
# Runs every fuzzer built in <build-dir>/fuzz for <seconds> each, on a COPY of its seed corpus
# (tests/fuzz/corpus/<target>/), and fails if any of them finds a crash, leak, timeout or
# sanitizer report. Crash inputs and logs are kept under <build-dir>/fuzz-artifacts/ (replaced
# on the next run) for a regression test: copy them to tests/data/otlp/regressions/.
#
#   tests/fuzz/run_fuzzers.sh build-fuzz 60
set -u -o pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <build-dir> <seconds-per-target>" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd) || exit 2
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
artifacts="$build_dir/fuzz-artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"

targets=(otlp_traces_proto_fuzzer otlp_traces_json_fuzzer otlp_logs_proto_fuzzer
         otlp_logs_json_fuzzer otlp_answers_fuzzer filter_fuzzer)
failed=()
ran=0
for target in "${targets[@]}"; do
  binary="$build_dir/fuzz/$target"
  [[ -x "$binary" ]] || { echo "skip  $target (not built)"; continue; }
  corpus="$work/corpus-$target"
  mkdir -p "$corpus"
  if [[ -d "$here/corpus/$target" ]]; then cp -r "$here/corpus/$target/." "$corpus/"; fi
  extra=()
  [[ "$target" == *json* ]] && extra+=("-dict=$here/otlp_json.dict")
  log="$artifacts/$target.log"
  rm -f "$artifacts/$target-"*  # findings of an earlier run must not fail this one
  "$binary" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
      "${extra[@]}" >"$log" 2>&1
  status=$?
  ran=$((ran + 1))
  runs=$(grep -a -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  cov=$(grep -a -oE 'cov: [0-9]+' "$log" | tail -1)
  if [[ $status -ne 0 ]] || ls "$artifacts/$target-"* >/dev/null 2>&1; then
    echo "FAIL  $target (exit $status; log $log)"
    grep -a -E 'ERROR|SUMMARY|fuzz check failed|runtime error' "$log" | head -5
    failed+=("$target")
  else
    echo "ok    $target: ${runs:-?} runs, ${cov:-cov ?} in ${seconds}s"
  fi
done

if [[ $ran -eq 0 ]]; then
  echo "no fuzzers found in $build_dir/fuzz (build with -DTRACELAKE_BUILD_FUZZERS=ON)" >&2
  exit 2
fi
if [[ ${#failed[@]} -ne 0 ]]; then
  echo "crashes in: ${failed[*]} (inputs in $artifacts)" >&2
  exit 1
fi
