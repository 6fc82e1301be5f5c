#!/usr/bin/env bash
# scripts/check_layers.sh on a small made-up repository: allowed includes pass, each kind of
# violation is reported with its file:line, and subfolders belong to their parent's module.
set -uo pipefail

script="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/check_layers.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mkdir -p "$work"/src/{base,mid,top/sub,stray} "$work"/proto/pkg "$work"/include/tracelake
cat >"$work/src/base/CMakeLists.txt" <<'CML'
tracelake_library(NAME tl_base SRCS base.cc DEPS Threads::Threads)
CML
cat >"$work/src/mid/CMakeLists.txt" <<'CML'
# A comment naming tl_top is not an edge.
set(MID_DEPS tl_base tl_pb)
tracelake_library(NAME tl_mid SRCS mid.cc DEPS ${MID_DEPS})
tracelake_library(NAME tl_mid_testing SRCS fake.cc DEPS tl_mid)
CML
cat >"$work/src/top/CMakeLists.txt" <<'CML'
tracelake_library(NAME tl_top
  SRCS top.cc sub/leaf.cc
  DEPS tl_mid)
CML
cat >"$work/proto/CMakeLists.txt" <<'CML'
add_library(tl_pb STATIC gen.cc)
CML
touch "$work/proto/pkg/msg.proto"
printf '#include "base/base.h"\n#include "mid/mid.h"\n' >"$work/src/top/sub/leaf.cc"  # transitive: ok
printf '#include <vector>\n#include "pkg/msg.pb.h"\n#include "base/base.h"\n' >"$work/src/mid/mid.cc"
printf '#include "mid/mid.h"\n' >"$work/src/base/base.cc"                 # upward: violation
printf '#include "pkg/msg.grpc.pb.h"\n#include "top/sub/leaf.h"\n' >"$work/src/base/base.h"
printf '#include "base/base.h"\n' >"$work/src/stray/x.cc"                # no module
printf '#include <string>\n#include "tracelake/a.h"\n' >"$work/include/tracelake/ok.h"
printf '#include <absl/status.h>\n#include "common/ids.h"\n' >"$work/include/tracelake/bad.h"

out=$(bash "$script" "$work" 2>&1)
rc=$?
[[ $rc == 1 ]] || fail "exit code $rc, want 1"
expect() { grep -qF -- "$1" <<<"$out" || fail "missing in output: $1"; }
expect 'src/base/base.cc:1: #include "mid/mid.h" reaches tl_mid, which tl_base may not depend on'
expect 'src/base/base.h:1: #include "pkg/msg.grpc.pb.h" reaches tl_pb'
expect 'src/base/base.h:2: #include "top/sub/leaf.h" reaches tl_top'
expect 'src/stray/x.cc:1: file is in no CMake target'
expect 'include/tracelake/bad.h:1: public header includes <absl/status.h>'
expect 'include/tracelake/bad.h:2: public header includes "common/ids.h"'
expect 'check_layers.sh: 6 include(s) break the module dependencies'
if grep -qE 'src/top/|src/mid/|ok\.h' <<<"$out"; then fail "allowed includes reported"; fi

# Without the violations it passes.
rm "$work/src/base/base.cc" "$work/src/base/base.h" "$work/src/stray/x.cc" "$work/include/tracelake/bad.h"
out2=$(bash "$script" "$work" 2>&1) || fail "clean tree rejected: $out2"

if ((failures > 0)); then
  echo "--- check_layers.sh output:"
  echo "$out"
  exit 1
fi
echo "check_layers_test: ok"
