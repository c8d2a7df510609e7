#!/usr/bin/env bash
# Image signing speed and registry round trips, on loopback:
#   - a Debian docker-registry (distribution 2.8) on 127.0.0.1, its access log
#     counting the HTTP requests each `sc` command makes;
#   - key-based signing (--tlog-upload=false) and verification (--key);
#   - keyless signing against the loopback Fulcio/Rekor (npm @sigstore/mock, from
#     SC_SIGSTORE_MOCK; skipped when unset) and verification by identity, offline
#     against the mock's trusted_root.json.
# Each signing signs a fresh repository (a first signature, not an idempotent
# re-sign); each verification checks the one signature of the first one.
# Usage: scripts/bench-sign.sh [RUNS=11]
# Prints, per operation, the median wall time of the whole `sc` process (start-up
# included) and the registry requests it made (the `GET /v2/` version check included).
# Target from the signing issue: verify of one signature < 50 ms on loopback.
set -euo pipefail
RUNS=${1:-11}
cd "$(dirname "$0")/.."
SC=${SC_BIN:-target/release/sc}
[ -x "$SC" ] || cargo build --release --bin sc >/dev/null
for t in docker-registry skopeo; do
  command -v "$t" >/dev/null || { echo "needs $t (scripts/install-test-deps.sh)"; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "port $1 did not open"; exit 1; }

port=$(free_port)
reg=127.0.0.1:$port
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/store
http:
  addr: $reg
EOF
# distribution writes its access log (one combined-log line per request) to stdout.
docker-registry serve "$work/registry.yml" >"$work/access.log" 2>"$work/registry.err" &
pids+=($!)
wait_port "$port"

requests() { grep -cE '"(GET|HEAD|PUT|POST|PATCH|DELETE) /v2/' "$work/access.log" || true; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

push_image() { # repo
  skopeo copy -q --dest-tls-verify=false "oci:fixtures/images/debian-app:v1" "docker://$reg/$1:v1" >/dev/null
}

# Run "$@" RUNS times; the command may use $i (run number). Prints the median
# milliseconds and the median request count.
measure() { # label cmd...
  local label=$1; shift
  local ms=() rq=()
  for i in $(seq "$RUNS"); do
    export i
    [ -n "${PREPARE:-}" ] && eval "$PREPARE"
    local r0 t0 t1
    r0=$(requests); t0=$(now_ms)
    "$@" >/dev/null 2>"$work/last.err" || { echo "$label failed:"; cat "$work/last.err"; exit 1; }
    t1=$(now_ms)
    sleep 0.05 # the access log line is written after the response
    ms+=($((t1 - t0))); rq+=($(( $(requests) - r0 )))
  done
  printf '%-34s median %5d ms   registry requests %3d\n' "$label" \
    "$(printf '%s\n' "${ms[@]}" | median)" "$(printf '%s\n' "${rq[@]}" | median)"
}

echo "sc: $SC   registry: $reg   runs: $RUNS"
export COSIGN_PASSWORD=bench
"$SC" generate-key-pair --output-key-prefix "$work/cosign" >/dev/null 2>&1

sign_key() { "$SC" image sign "$reg/bench-key-$i:v1" --key "$work/cosign.key" --tlog-upload=false; }
PREPARE='push_image bench-key-$i' measure "sign --key (no tlog)" sign_key
resign_key() { "$SC" image sign "$reg/bench-key-1:v1" --key "$work/cosign.key" --tlog-upload=false; }
measure "re-sign --key (already signed)" resign_key
verify_key() { "$SC" image verify "$reg/bench-key-1:v1" --key "$work/cosign.pub"; }
measure "verify --key (1 signature)" verify_key

if [ -n "${SC_SIGSTORE_MOCK:-}" ]; then
  command -v node >/dev/null || { echo "needs node for the Sigstore mock"; exit 1; }
  mport=$(free_port)
  mkdir -p "$work/mock"
  (cd "$SC_SIGSTORE_MOCK" && exec node mock-server.js "$work/mock" "$mport") >"$work/mock.log" 2>&1 &
  pids+=($!)
  wait_port "$mport"
  for _ in $(seq 100); do [ -f "$work/mock/trust_config.json" ] && break; sleep 0.1; done
  mock=http://127.0.0.1:$mport
  b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
  now=$(date +%s)
  # An unsigned token for the mock (it does not check token signatures).
  token="$(printf '{"alg":"none"}' | b64url).$(printf '{"iss":"https://oidc.mock.example","sub":"ci@example.com","email":"ci@example.com","email_verified":true,"aud":"sigstore","iat":%d,"nbf":%d,"exp":%d}' "$now" "$now" $((now + 3600)) | b64url).c2ln"
  export SIGSTORE_ID_TOKEN=$token
  sign_keyless() {
    "$SC" image sign "$reg/bench-keyless-$i:v1" --fulcio-url "$mock" --rekor-url "$mock" \
      --trusted-root "$work/mock/trusted_root.json"
  }
  PREPARE='push_image bench-keyless-$i' measure "sign keyless (Fulcio+Rekor, 2 forms)" sign_keyless
  unset SIGSTORE_ID_TOKEN
  verify_keyless() {
    "$SC" image verify "$reg/bench-keyless-1:v1" --certificate-identity ci@example.com \
      --certificate-oidc-issuer https://oidc.mock.example \
      --trusted-root "$work/mock/trusted_root.json" --offline
  }
  measure "verify keyless (1 .sig signature)" verify_keyless
  sign_keyed_rekor() {
    "$SC" image sign "$reg/bench-rekor-$i:v1" --key "$work/cosign.key" --rekor-url "$mock" \
      --trusted-root "$work/mock/trusted_root.json"
  }
  PREPARE='push_image bench-rekor-$i' measure "sign --key with Rekor" sign_keyed_rekor
  verify_keyed_rekor() {
    "$SC" image verify "$reg/bench-rekor-1:v1" --key "$work/cosign.pub" \
      --trusted-root "$work/mock/trusted_root.json"
  }
  measure "verify --key + SET (trusted root)" verify_keyed_rekor
else
  echo "(SC_SIGSTORE_MOCK is not set: keyless figures skipped)"
fi
