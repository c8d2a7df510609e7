#!/usr/bin/env bash
# Install what sc's tests need, idempotently (Debian/Ubuntu, as root or with sudo).
#   - docker-registry: a real OCI registry the tests start on 127.0.0.1
#   - apache2-utils:  htpasswd, for the basic-auth registry
#   - openssl:        a throw-away CA and server certificate for the TLS registry
#   - skopeo:         an independent client that copies fixture images into the registry
#   - umoci:          builds OCI images without Docker (fixture corpus scripts)
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

if [ ${#need[@]} -eq 0 ]; then
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
