#!/usr/bin/env bash
# The project's one test command (the README's, and what CI runs through .ci/run):
#
#   bash scripts/test.sh [extra cargo test args]
#
# 1. starts the test services (tansu, MariaDB, moto) or reuses running ones,
# 2. runs the whole Rust test suite against them.
# Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/services.sh up
# shellcheck disable=SC1091  # written by `services.sh up`
source "${STRAIT_SERVICES_DIR:-/tmp/strait-services}/env"

echo "== cargo test --workspace --all-targets $*"
cargo test --workspace --all-targets "$@"

# == Python checker tests ======================================================================
# Later: the Python checkers (kafka-connect-py, confluent-kafka, fastavro; installed by
# services.sh) run here against a Strait worker. When adding them, remember that pytest exits 5
# when it collects no tests, which must not count as a pass or be silently ignored.
# ==============================================================================================
