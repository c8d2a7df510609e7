#!/usr/bin/env bash
# Sigstore conformance: run the sigstore-conformance suite's offline verification
# cases (bundle-verify/*, each with the artifact file and with its sha256: digest)
# through sc's protocol adapter, `sc-conformance` (tests/conformance.rs), plus the
# targeted-tampering tests built on the same assets. (The keyless tests against
# the loopback mock run in scripts/test.sh.) Exits non-zero on any failure.
#
# Needs:
#   - the suite's assets (data): $SC_CONFORMANCE_ASSETS, else
#     ../shared/conformance/sigstore-conformance-assets beside the clone;
#   - the public-good trusted_root.json for the cases that bring none: taken from
#     the sigstore PyPI package (sigstore-python ships a copy), installed here into
#     .cache/sigstore-python by scripts/install-test-deps.sh, idempotently.
# The suite's own pytest harness is not on PyPI (it lives in its GitHub
# repository), so the Rust test applies its rules to the asset folders itself.
set -euo pipefail
cd "$(dirname "$0")/.."

assets="${SC_CONFORMANCE_ASSETS:-../shared/conformance/sigstore-conformance-assets}"
if [ ! -d "$assets/bundle-verify" ]; then
  if [ "${CI:-}" = true ]; then
    echo "conformance: no sigstore-conformance assets at $assets" >&2
    exit 1
  fi
  echo "conformance: no sigstore-conformance assets at $assets; skipped (set SC_CONFORMANCE_ASSETS)"
  exit 0
fi
assets="$(cd "$assets" && pwd)"

# sigstore-python (for its public-good trusted root) and the Sigstore mock.
scripts/install-test-deps.sh
venv=.cache/sigstore-python
public_good="$("$venv/bin/python" - <<'PY'
import pathlib, sigstore
store = pathlib.Path(sigstore.__file__).parent / "_store"
# sigstore 4.x names the folder after its TUF URL, older releases "prod".
for name in ("https%3A%2F%2Ftuf-repo-cdn.sigstore.dev", "prod"):
    p = store / name / "trusted_root.json"
    if p.is_file():
        print(p.resolve())
        break
else:
    raise SystemExit(f"no public-good trusted_root.json under {store}")
PY
)"

export SC_CONFORMANCE_ASSETS="$assets"
export SC_PUBLIC_GOOD_TRUSTED_ROOT="$public_good"
echo "conformance: assets $SC_CONFORMANCE_ASSETS"
echo "conformance: public-good trusted root $SC_PUBLIC_GOOD_TRUSTED_ROOT"

mock=.cache/sigstore-mock
export SC_SIGSTORE_MOCK="$PWD/$mock"
export SC_SIGSTORE_PYTHON="$PWD/$venv/bin/sigstore"

cargo test --test conformance -- --nocapture --test-threads 1
