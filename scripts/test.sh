#!/usr/bin/env bash
# The project's one test command (the README's, and what CI runs through .ci/run):
#
#   bash scripts/test.sh                 # everything
#   bash scripts/test.sh --test kafka    # narrow the cargo run (args replace --workspace --all-targets)
#
# 1. starts the test services (tansu, MariaDB, moto) or reuses running ones,
# 2. runs the whole Rust test suite against them,
# 3. runs the Python checker tests (tests/python) against a real worker.
# Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/services.sh up
# shellcheck disable=SC1091  # written by `services.sh up`
source "${STRAIT_SERVICES_DIR:-/tmp/strait-services}/env"

if [ "$#" -gt 0 ]; then
    cargo_args=("$@")
else
    cargo_args=(--workspace --all-targets)
fi
echo "== cargo test ${cargo_args[*]}"
cargo test "${cargo_args[@]}"

# == Python checker tests ======================================================================
# Third-party Python clients (kafka-connect-py, confluent-kafka; installed by services.sh) drive a
# real `strait` worker started by tests/python/conftest.py. pytest exits 5 when it collects no
# tests: that is a failure here, not a pass.
echo "== cargo build --bin strait"
cargo build --bin strait
echo "== pytest tests/python"
pytest_status=0
"${PYTHON:-python3}" -m pytest -q -p no:cacheprovider tests/python || pytest_status=$?
if [ "$pytest_status" = 5 ]; then
    echo "test.sh: pytest collected no tests in tests/python" >&2
fi
if [ "$pytest_status" != 0 ]; then
    echo "test.sh: Python checker tests failed (pytest exit status $pytest_status)" >&2
    exit 1
fi
# ==============================================================================================
