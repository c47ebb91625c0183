#!/usr/bin/env bash
# Run `make test` RUNS times with HOGS cores kept busy by CPU hogs, as a machine with other work on it
# would be; print each run's result and time, then the pass count. Usage: scripts/soak.sh [RUNS] [HOGS]
#   make soak                (RUNS=5 HOGS=2: both cores of a 2-core machine busy; HOGS=0: a quiet machine)
set -u
runs=${1:-5}
hogs=${2:-2}
cd "$(dirname "$0")/.."
make --no-print-directory setup >/dev/null
mkdir -p build/soak
pids=()
for _ in $(seq "$hogs"); do
  python3 -c "while True: pass" &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
passed=0
for i in $(seq "$runs"); do
  start=$(date +%s)
  if make --no-print-directory test >"build/soak/run$i.log" 2>&1; then result=pass; passed=$((passed + 1)); else result=FAIL; fi
  echo "run $i: $result in $(( $(date +%s) - start )) s (load $(cut -d' ' -f1-3 /proc/loadavg))$([ $result = FAIL ] && echo "; see build/soak/run$i.log: $(grep -m3 -E '^FAILED' "build/soak/run$i.log" | tr '\n' ' ')")"
done
echo "$passed/$runs passed with $hogs busy core(s)"
[ "$passed" -eq "$runs" ]
