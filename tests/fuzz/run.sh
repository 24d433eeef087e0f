#!/usr/bin/env bash
# Runs the libFuzzer targets of a fuzz build (./dev fuzz calls this after building).
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [PARALLEL] [TARGET...]
#
# Each target runs SECONDS on its corpus BUILD_DIR/corpus/<target> (seeded by make_corpus.py,
# grown by every run), with its dictionary, at most PARALLEL (default 1) at a time. Findings go
# to BUILD_DIR/artifacts/<target>-{crash,leak,timeout,oom}-*, logs to BUILD_DIR/logs/. Prints
# executions, speed and corpus size per target; exits 1 if any target found something.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
seconds=$2
parallel=${3:-1}
shift 3 2>/dev/null || shift $#
targets=("$@")
((${#targets[@]})) || targets=(fuzz_csv_locations fuzz_csv_routes fuzz_flee_case
                                fuzz_flee_settings fuzz_scenario_toml fuzz_ogr_geojson)
mkdir -p "$build/logs" "$build/artifacts"
python3 "$here/make_corpus.py" "$build/corpus" 2>/dev/null

dict_of() {
  case $1 in
    fuzz_csv_*) echo csv ;; fuzz_flee_case) echo flee_case ;; fuzz_flee_settings) echo yaml ;;
    fuzz_scenario_toml) echo toml ;; fuzz_ogr_geojson) echo geojson ;;
  esac
}

run_one() {
  local t=$1
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb/-malloc_limit_mb: a reader must
  # refuse an input before allocating 2 GB for it. ASan's leak check runs at exit (detect_leaks).
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1 \
  "$build/tests/fuzz/$t" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 \
    -dict="$here/$(dict_of "$t").dict" -artifact_prefix="$build/artifacts/$t-" \
    "$build/corpus/$t" >"$build/logs/$t.log" 2>&1
}
export -f run_one dict_of
export build seconds here
printf '%s\n' "${targets[@]}" | xargs -P "$parallel" -I{} bash -c 'run_one {} || echo "{}: FAILED"' |
  tee "$build/logs/failed.txt"

status=0
printf '%-20s %8s %12s %10s %8s %s\n' target seconds executions exec/s corpus result
for t in "${targets[@]}"; do
  log=$build/logs/$t.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  time_s=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  files=$(find "$build/corpus/$t" -type f | wc -l)
  result=clean
  if grep -q "^$t: FAILED" "$build/logs/failed.txt"; then result="FOUND: see $log"; status=1; fi
  printf '%-20s %8s %12s %10s %8s %s\n' "$t" "${time_s:-?}" "${execs:-?}" \
    "$(( ${execs:-0} / (${time_s:-1} > 0 ? ${time_s:-1} : 1) ))" "$files" "$result"
done
exit $status
