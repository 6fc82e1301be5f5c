#!/usr/bin/env bash
# Checks that code includes only what its CMake target may depend on (STYLE.md section 1).
#
#   bash scripts/check_layers.sh [repo]      # exit 0 when clean, 1 on violations, 2 on misuse
#
# The allowed edges are read from the build files, never listed here:
#   - every CMakeLists.txt under src/ and proto/ defines a module: its first target
#     (tracelake_library(NAME x), add_library(x) or add_executable(x));
#   - the module's direct dependencies are the tl_* names its CMakeLists.txt mentions outside
#     comments (the DEPS / target_link_libraries lists, and set() lists they expand), minus the
#     targets that file defines itself;
#   - a module may include its own headers and those of every module in the transitive closure
#     of its dependencies.
# A folder without a CMakeLists.txt belongs to the nearest parent folder that has one, so
# src/storage/sqlite/ is part of tl_storage and src/server/http/ part of tl_server.
# An include "a/b/c.h" is resolved the same way when src/a/ exists; "x/y.pb.h" and
# "x/y.grpc.pb.h" belong to the module that builds proto/x/y.proto. Anything else (tracelake/,
# the standard library, third-party headers) is not checked here.
#
# Public headers: include/tracelake/ may include only "tracelake/..." headers and standard
# library headers (<name> with no directory and no extension), so the SDK's API exposes no
# src/ or third-party type.
set -uo pipefail

repo=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$repo" || { echo "check_layers.sh: no such directory: $repo" >&2; exit 2; }
[[ -d src ]] || { echo "check_layers.sh: $repo has no src/ folder" >&2; exit 2; }

declare -A dir_target=()   # src/storage -> tl_storage
declare -A target_file=()  # tl_storage -> src/storage/CMakeLists.txt
declare -A target_deps=()  # tl_storage -> "tl_model tl_query" (direct)
declare -A allowed=()      # tl_storage -> " tl_storage tl_model tl_query tl_common " (closure)

# ---- Modules and their direct dependencies, from the CMakeLists.txt files.
while IFS= read -r cml; do
  dir=${cml%/CMakeLists.txt}
  # One line, no comments, parentheses spaced out, so the target names are plain words.
  text=$(sed 's/#.*$//' "$cml" | tr '\n' ' ' | sed 's/[()]/ & /g')
  defined=$(grep -oE '(tracelake_library \( NAME|add_library \(|add_executable \() +[A-Za-z0-9_]+' \
              <<<"$text" | awk '{print $NF}')
  [[ -n "$defined" ]] || continue
  # The module is named after its tracelake_library when it has one (src/sdk builds an object
  # library first), else after its first target.
  primary=$(grep -oE "tracelake_library \\( NAME +[A-Za-z0-9_]+" <<<"$text" | awk "NR == 1 {print \$NF}")
  [[ -n "$primary" ]] || primary=${defined%%$'\n'*}
  dir_target[$dir]=$primary
  target_file[$primary]=$cml
  deps=""
  for tok in $(grep -oE '(^|[^A-Za-z0-9_])tl_[A-Za-z0-9_]+' <<<"$text" | grep -oE 'tl_[A-Za-z0-9_]+' | sort -u); do
    grep -qxF "$tok" <<<"$defined" || deps+=" $tok"
  done
  target_deps[$primary]=${deps# }
done < <(find src proto -name CMakeLists.txt 2>/dev/null | sort)

if [[ ${#dir_target[@]} == 0 ]]; then
  echo "check_layers.sh: no module found (no target in src/*/CMakeLists.txt)" >&2
  exit 2
fi

# ---- Transitive closure per module.
for t in "${!target_file[@]}"; do
  seen=" $t "
  todo=(${target_deps[$t]:-})
  while ((${#todo[@]} > 0)); do
    d=${todo[0]}
    todo=("${todo[@]:1}")
    [[ "$seen" == *" $d "* ]] && continue
    seen+="$d "
    todo+=(${target_deps[$d]:-})
  done
  allowed[$t]=$seen
done

# module_of <dir>: sets $module to the target owning dir (nearest ancestor with a module).
module_of() {
  local d=$1
  module=""
  while [[ -n "$d" && "$d" != "." ]]; do
    if [[ -n "${dir_target[$d]:-}" ]]; then
      module=${dir_target[$d]}
      return 0
    fi
    [[ "$d" == */* ]] || return 1
    d=${d%/*}
  done
  return 1
}

violations=0
report() {  # report <file:line> <message>
  echo "$1: $2"
  violations=$((violations + 1))
}

# ---- Every #include in src/ against the including module's closure.
declare -A file_module=()
while IFS= read -r hit; do
  file=${hit%%:*}
  rest=${hit#*:}
  line=${rest%%:*}
  text=${rest#*:}
  [[ "$text" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"\<]([^\"\>]+)[\"\>] ]] || continue
  inc=${BASH_REMATCH[1]}

  # The included header's module.
  first=${inc%%/*}
  [[ "$inc" == */* ]] || continue  # "foo.h": a sibling header of the same folder
  if [[ -d "src/$first" ]]; then
    module_of "src/${inc%/*}" || { report "$file:$line" "#include \"$inc\": src/${inc%/*} belongs to no CMake target"; continue; }
    to=$module
  elif [[ "$inc" == *.pb.h ]]; then
    proto="proto/${inc%.pb.h}"
    proto="${proto%.grpc}.proto"
    [[ -f "$proto" ]] || continue
    module_of "${proto%/*}" || continue
    to=$module
  else
    continue
  fi

  # The including file's module.
  from=${file_module[$file]:-}
  if [[ -z "$from" ]]; then
    if ! module_of "${file%/*}"; then
      report "$file:$line" "file is in no CMake target (no CMakeLists.txt in its folder or above)"
      file_module[$file]="-"
      continue
    fi
    from=$module
    file_module[$file]=$from
  fi
  [[ "$from" == "-" ]] && continue

  if [[ "${allowed[$from]}" != *" $to "* ]]; then
    deps=${target_deps[$from]:-}
    report "$file:$line" "#include \"$inc\" reaches $to, which $from may not depend on (${target_file[$from]} lists: ${deps:-nothing}; allowed with their dependencies:${allowed[$from]% })"
  fi
done < <(grep -rnE --include='*.h' --include='*.cc' --include='*.hpp' --include='*.cpp' \
           '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]' src | sort -t: -k1,1 -k2,2n)

# ---- Public headers: tracelake/ and the standard library only.
if [[ -d include ]]; then
  while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    line=${rest%%:*}
    text=${rest#*:}
    if [[ "$text" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
      inc=${BASH_REMATCH[1]}
      [[ "$inc" == tracelake/* ]] ||
        report "$file:$line" "public header includes \"$inc\": only \"tracelake/...\" headers may be included from include/ (no src/ or third-party types in the SDK's API)"
    elif [[ "$text" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<([^\>]+)\> ]]; then
      inc=${BASH_REMATCH[1]}
      [[ "$inc" =~ ^[a-z_]+$ ]] ||
        report "$file:$line" "public header includes <$inc>: only standard library headers (<string>, <cstdint>, ...) may be included from include/"
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include' include | sort -t: -k1,1 -k2,2n)
fi

if ((violations > 0)); then
  echo "check_layers.sh: $violations include(s) break the module dependencies; add the edge to the" \
       "module's CMakeLists.txt DEPS only if the design allows it (STYLE.md section 1)" >&2
  exit 1
fi
modules=""
for d in $(printf '%s\n' "${!dir_target[@]}" | sort); do modules+=" ${dir_target[$d]}"; done
echo "check_layers.sh: includes follow the CMake dependencies of${modules}"
