#!/usr/bin/env bash
# Runs the worker benchmark (docs/benchmarks.md):
#
#   bash scripts/bench.sh [extra cargo bench args]
#
# 1. starts the test services (tansu, MariaDB, moto) or reuses running ones,
# 2. runs `cargo bench --bench worker`, which builds the release `strait` binary it measures and
#    writes target/bench-results/worker.json.
#
# Environment: STRAIT_BENCH_RECORDS (default 500000), STRAIT_BENCH_PERF=<file> to record a perf
# profile of the worker during the FileStream run. When this script started tansu itself, its pid
# is passed on (STRAIT_BENCH_BROKER_PID) so the broker's CPU time is reported too.
# Exits non-zero on an error, not on a missed target: the figures are a report.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/services.sh up
services_dir="${STRAIT_SERVICES_DIR:-/tmp/strait-services}"
# shellcheck disable=SC1091  # written by `services.sh up`
source "$services_dir/env"

if [ -z "${STRAIT_BENCH_BROKER_PID:-}" ] && [ -f "$services_dir/tansu.pid" ]; then
    pid="$(cat "$services_dir/tansu.pid")"
    if [ -r "/proc/$pid/stat" ]; then
        export STRAIT_BENCH_BROKER_PID="$pid"
    fi
fi

echo "== cargo bench --bench worker $*"
cargo bench --bench worker "$@"
