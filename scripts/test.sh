#!/usr/bin/env bash
# The one command that runs all of sc's tests on a fresh machine: installs the
# test tools (idempotent), checks formatting and lints, builds the static release
# binary (tests run it in an empty root), and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build --release --bin sc --target x86_64-unknown-linux-gnu --target-dir target/static
export SC_STATIC_BINARY="$PWD/target/static/x86_64-unknown-linux-gnu/release/sc"
export SC_NODE_SEMVER_DIR="$PWD/.cache/node-semver"
export SC_REQUIRE_SCHEMA_VALIDATION=1   # schema checks fail instead of skipping
# in-toto-attestation's Python bindings and the SPDX schema for the attestation tests
export SC_INTOTO_PYTHON="$PWD/.cache/in-toto-attestation/bin/python"
# the loopback Sigstore (Fulcio/Rekor mock) and sigstore-python for keyless tests
export SC_SIGSTORE_MOCK="$PWD/.cache/sigstore-mock"
export SC_SIGSTORE_PYTHON="$PWD/.cache/sigstore-python/bin/sigstore"
export SC_REQUIRE_SIGSTORE_MOCK=1
export SC_REQUIRE_CHROMIUM=1            # the HTML report test fails instead of skipping
cargo test --workspace --all-targets
cargo test --workspace --doc
