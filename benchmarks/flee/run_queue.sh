#!/bin/bash
# Runs the Flee reference queue one process at a time (benchmark helper; needs /tmp/flee-venv).
# Usage: nohup setsid bash benchmarks/flee/run_queue.sh > benchmarks/flee/runs/queue.log 2>&1 &
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${FLEE_DATA:-/work/shared/data/flee}
PY=${FLEE_PY:-/tmp/flee-venv/bin/python}
RUNS=$HERE/runs
mkdir -p "$RUNS"
TSV=$RUNS/timings.tsv
[ -s "$TSV" ] || printf 'case\tseed\tdays\twall_s\tpeak_rss_mb\tflee_version\terror_normal\terror_rescaled\tcommand\n' > "$TSV"
VER=$($PY -c 'import importlib.metadata as m; print(m.version("flee"))')
QUEUE=${*:-"mali2012:0 mali2012:1 mali2012:2 burundi2015:0 burundi2015:1 burundi2015:2 mali2012:0:false car2013:0 ssudan2013:0"}
for item in $QUEUE; do
  IFS=: read -r CASE SEED SFC <<< "$item"
  EXTRA=""; TAG=""
  if [ -n "${SFC:-}" ]; then EXTRA="--sum-from-camps $SFC"; TAG="-sfc$SFC"; fi
  OUT=$RUNS/$CASE-seed$SEED$TAG.csv
  CMD="$PY benchmarks/flee/run_flee.py $DATA/$CASE $DATA/simsetting.yml --seed $SEED $EXTRA -o benchmarks/flee/runs/$(basename "$OUT")"
  echo "$(date -Is) start $CASE seed $SEED $EXTRA"
  TF=$(mktemp)
  (cd "$HERE/../.." && /usr/bin/time -v -o "$TF" $PY benchmarks/flee/run_flee.py "$DATA/$CASE" "$DATA/simsetting.yml" --seed "$SEED" $EXTRA -o "$OUT" 2>/dev/null)
  RC=$?
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.1f", s}' "$TF")
  RSS=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$TF")
  rm -f "$TF"
  DAYS=$(($(wc -l < "$OUT") - 1))
  read -r EN ER <<< "$(python3 "$HERE/metric.py" "$OUT" | awk -F'\t' '{print $2, $3}')"
  [ $RC -eq 0 ] || EN="FAILED_rc$RC"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$CASE$TAG" "$SEED" "$DAYS" "$WALL" "$RSS" "$VER" "$EN" "$ER" "$CMD" >> "$TSV"
  echo "$(date -Is) done $CASE seed $SEED rc=$RC wall=$WALL rss=${RSS}MB days=$DAYS err=$EN/$ER"
done
echo "$(date -Is) queue finished"
