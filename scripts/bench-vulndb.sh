#!/usr/bin/env bash
# Benchmark of the local vulnerability database: builds a 500,000-record
# database from synthesized OSV records (SC_BENCH_RECORDS=N to change), then
# times opening it and matching a 1,000-package inventory in a fresh process
# and prints wall time, peak RSS and the database size against the zipped input.
# Targets: open + match < 250 ms and < 150 MB RSS; database smaller than the zip.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo bench --bench vulndb -- "$@"
