#!/usr/bin/env bash
# Runs the libFuzzer targets built in BUILD_DIR (cmake -DREDWIRE_FUZZ=ON, see
# docs/fuzzing.md) for SECONDS each, PARALLEL at a time, at the lowest CPU
# priority. Before fuzzing, every committed input in fuzz/regressions/<target>/
# is replayed, so a crash once fixed stays fixed. Fails when any target
# crashes, leaks, times out (10 s per input) or runs out of memory (2 GiB).
#
#   fuzz/run.sh BUILD_DIR SECONDS PARALLEL [TARGET...]
#
# The corpus each target grows is kept in fuzz/corpus/<target>/ and crash
# inputs in fuzz/artifacts/<target>/ (both ignored by git); logs go to
# BUILD_DIR/fuzz-logs/<target>.log.
set -uo pipefail

cd "$(dirname "$0")/.."
if [ $# -lt 3 ]; then
  echo "usage: fuzz/run.sh BUILD_DIR SECONDS PARALLEL [TARGET...]" >&2
  exit 2
fi
build=$1 seconds=$2 parallel=$3
shift 3
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(feed scrape date config classify sanitize http_request websub)
fi

# Longest input per target: large enough for the documents each reads,
# small enough that the fuzzer spends its time on shapes, not sizes.
declare -A max_len=([feed]=16384 [scrape]=16384 [date]=128 [config]=8192 [classify]=4096
                    [sanitize]=8192 [http_request]=8192 [websub]=2048)
limits=(-timeout=10 -rss_limit_mb=2048)
logs=$build/fuzz-logs
seeds=$build/fuzz-seeds
mkdir -p "$logs"
rm -rf "$seeds"
python3 fuzz/seeds.py "$seeds" || exit 1

# Replays the target's regression inputs, then fuzzes it. Output to its log.
run_target() {
  local t=$1 bin=$build/fuzz/$1_fuzz log=$logs/$1.log
  if [ ! -x "$bin" ]; then
    echo "$bin is missing: build the fuzzers first (make fuzz-build)" >"$log"
    return 1
  fi
  : >"$log"
  local regressions=(fuzz/regressions/"$t"/*)
  if [ -e "${regressions[0]}" ]; then
    echo "== replaying ${#regressions[@]} regression inputs" >>"$log"
    nice -n 19 "$bin" "${limits[@]}" "${regressions[@]}" >>"$log" 2>&1 || return 1
  fi
  mkdir -p fuzz/corpus/"$t" fuzz/artifacts/"$t"
  local corpora=(fuzz/corpus/"$t")
  [ -d "$seeds/$t" ] && corpora+=("$seeds/$t")
  [ -d fuzz/seeds/"$t" ] && corpora+=(fuzz/seeds/"$t")
  local dict=()
  [ -f fuzz/dict/"$t".dict ] && dict=(-dict=fuzz/dict/"$t".dict)
  echo "== fuzzing for ${seconds}s" >>"$log"
  nice -n 19 "$bin" "${limits[@]}" -max_total_time="$seconds" -max_len="${max_len[$t]:-4096}" \
    -print_final_stats=1 -artifact_prefix=fuzz/artifacts/"$t"/ "${dict[@]}" "${corpora[@]}" >>"$log" 2>&1
}

# One line per target from its log: the final status line and statistics.
summarise() {
  local t=$1 status=$2 log=$logs/$1.log
  local line execs rate
  line=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  printf '%-13s %-4s execs=%s exec/s=%s cov=%s ft=%s corpus=%s\n' "$t" "$status" "${execs:--}" "${rate:--}" \
    "$(grep -o 'cov: [0-9]*' <<<"$line" | cut -d' ' -f2)" "$(grep -o 'ft: [0-9]*' <<<"$line" | cut -d' ' -f2)" \
    "$(grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' <<<"$line" | cut -d' ' -f2)"
}

declare -A pids=()
failed=()
finish_one() {
  local pid= status t
  wait -n -p pid "${!pids[@]}"
  status=$?
  t=${pids[$pid]}
  unset "pids[$pid]"
  if [ "$status" -eq 0 ]; then
    summarise "$t" ok
  else
    summarise "$t" FAIL
    failed+=("$t")
    echo "---- $logs/$t.log (tail)" && tail -n 40 "$logs/$t.log"
  fi
}

for t in "${targets[@]}"; do
  while [ ${#pids[@]} -ge "$parallel" ]; do finish_one; done
  run_target "$t" &
  pids[$!]=$t
done
while [ ${#pids[@]} -gt 0 ]; do finish_one; done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing failed: ${failed[*]} (inputs in fuzz/artifacts/<target>/)" >&2
  exit 1
fi
echo "fuzzing clean: ${targets[*]}"
