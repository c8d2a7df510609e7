#!/usr/bin/env bash
# Release throughput: `sc release create` over 9 images on a loopback registry
# versus the slowest single-image release of the same images (the issue's
# target: the 9-image release takes less than 1.3x the slowest single one).
#
# Each image is a distinct variant of fixtures/images/debian-app (its own
# config, hence its own digest), copied into a local docker-registry with
# skopeo. Every release scans (offline, bundled seed database; warnOn only, so
# nothing is blocked), signs with a cosign key (no transparency log), and
# generates SBOM and provenance. The result cache is off (--no-cache), so
# every run does all the work.
#
# Usage: scripts/bench-release.sh [RUNS]   (default 3; the median is reported)
# Needs: docker-registry, skopeo, python3 (scripts/install-test-deps.sh).
# SC_BIN overrides the binary (default: target/release/sc, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-3}"
images=9
sc="${SC_BIN:-target/release/sc}"
if [ -z "${SC_BIN:-}" ]; then
  cargo build --release --bin sc >/dev/null 2>&1 || cargo build --release --bin sc
fi

work="$(mktemp -d)"
reg_pid=""
cleanup() {
  [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
addr="127.0.0.1:$port"
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/store
http:
  addr: $addr
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

# Nine variants of the fixture: same layers, a distinct config (label) each.
python3 - "$work" "$images" <<'EOF'
import hashlib, json, os, shutil, sys
work, n = sys.argv[1], int(sys.argv[2])
src = "fixtures/images/debian-app"
index = json.load(open(f"{src}/index.json"))
mdesc = index["manifests"][0]
blob = lambda d: f"{src}/blobs/sha256/{d.split(':')[1]}"
manifest = json.load(open(blob(mdesc["digest"])))
config = json.load(open(blob(manifest["config"]["digest"])))
for i in range(n):
    out = f"{work}/images/img{i}"
    os.makedirs(f"{out}/blobs/sha256")
    for layer in manifest["layers"]:
        shutil.copy(blob(layer["digest"]), f"{out}/blobs/sha256/")
    def put(data):
        d = hashlib.sha256(data).hexdigest()
        open(f"{out}/blobs/sha256/{d}", "wb").write(data)
        return f"sha256:{d}", len(data)
    c = json.loads(json.dumps(config))
    c.setdefault("config", {}).setdefault("Labels", {})["bench.variant"] = str(i)
    cd, cs = put(json.dumps(c).encode())
    m = json.loads(json.dumps(manifest))
    m["config"]["digest"], m["config"]["size"] = cd, cs
    md, ms = put(json.dumps(m).encode())
    idx = {"schemaVersion": 2, "manifests": [{"mediaType": m.get("mediaType", "application/vnd.oci.image.manifest.v1+json"),
           "digest": md, "size": ms, "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}
    json.dump(idx, open(f"{out}/index.json", "w"))
    open(f"{out}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
    open(f"{work}/images/img{i}.digest", "w").write(md)
EOF

for i in $(seq 0 $((images - 1))); do
  skopeo copy -q --insecure-policy --preserve-digests --dest-tls-verify=false \
    "oci:$work/images/img$i:v1" "docker://$addr/bench/img$i:v1"
done

export COSIGN_PASSWORD=bench
export XDG_CACHE_HOME="$work/xdg"
"$sc" -q generate-key-pair --output-key-prefix "$work/cosign" 2>/dev/null

project() { # project DIR IMAGE-INDEXES...
  local dir="$1"; shift
  mkdir -p "$dir/.sc/stacks/bench"
  {
    printf 'security:\n  signing:\n    privateKey: %s\n    tlogUpload: false\n' "$work/cosign.key"
    printf '  sbom: {}\n  provenance: {}\n  scan:\n    warnOn: high\n'
    printf 'environments:\n  bench:\n    images:\n'
    for i in "$@"; do
      printf '      - name: img%s\n        image: %s/bench/img%s@%s\n' "$i" "$addr" "$i" "$(cat "$work/images/img$i.digest")"
    done
  } >"$dir/.sc/stacks/bench/client.yaml"
}

now() { date +%s.%N; }
elapsed() { # elapsed DIR -> seconds of one release
  local t0 t1
  t0=$(now)
  "$sc" -q release create -s bench -e bench --version 1 --project-dir "$1" \
    --no-cache --jobs "$images" >/dev/null
  t1=$(now)
  python3 -c "print(f'{$t1 - $t0:.3f}')"
}
median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.3f}")' "$@"; }

load="$(cut -d' ' -f1-3 /proc/loadavg)"
all="$work/all"
project "$all" $(seq 0 $((images - 1)))
for i in $(seq 0 $((images - 1))); do project "$work/one$i" "$i"; done
# Warm-up: first runs push the signatures (later runs find them: idempotent).
elapsed "$all" >/dev/null

slowest=0
slowest_dir="$work/one0"
for i in $(seq 0 $((images - 1))); do
  times=()
  for _ in $(seq "$runs"); do times+=("$(elapsed "$work/one$i")"); done
  m=$(median "${times[@]}")
  if python3 -c "import sys; sys.exit(0 if $m > $slowest else 1)"; then
    slowest=$m
    slowest_dir="$work/one$i"
  fi
done
times=()
for _ in $(seq "$runs"); do times+=("$(elapsed "$all")"); done
nine=$(median "${times[@]}")

# What the runs did (from one more run's JSON): every image scanned, signed, SBOM and provenance.
"$sc" -q release create -s bench -e bench --version 1 --project-dir "$all" --no-cache \
  --jobs "$images" --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
ok = [i for i in r["securityResults"] if i["status"] == "passed" and i["scanned"] and i["signed"]
      and i["sbomGenerated"] and i["provenanceGenerated"]]
findings = sum(len(s["vulnerabilities"]) for i in r["securityResults"] for s in i["scanResults"])
pkgs = sum(i["sbom"]["metadata"]["packageCount"] for i in r["securityResults"])
n = len(r["securityResults"])
print(f"{len(ok)}/{n} images scanned, signed, with SBOM and provenance; {findings} findings, {pkgs} packages in total")
assert len(ok) == n, "not every image went through every step"
'
# CPU spent (sc itself, and the registry serving it) for one more run of each:
# with every core free, the 9-image release cannot take less than
# (its CPU seconds / cores) — the floor the wall-clock ratio is measured against.
reg_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$reg_pid/stat"; }
cpu_of() { # cpu_of DIR -> "sc_cpu registry_cpu"
  local r0 r1 t
  r0=$(reg_cpu)
  t=$( { /usr/bin/time -f "%U %S" "$sc" -q release create -s bench -e bench --version 1 \
        --project-dir "$1" --no-cache --jobs "$images" >/dev/null; } 2>&1 | tail -1)
  r1=$(reg_cpu)
  python3 -c "u, s = map(float, '$t'.split()); print(f'{u + s:.3f} {$r1 - $r0:.3f}')"
}
read -r one_sc one_reg <<<"$(cpu_of "$slowest_dir")"
read -r all_sc all_reg <<<"$(cpu_of "$all")"

echo "cores: $(nproc); load average before: $load; runs per figure: $runs (median)"
echo "CPU seconds, single image: sc $one_sc + registry $one_reg; $images images: sc $all_sc + registry $all_reg"
echo "slowest single-image release: ${slowest}s"
echo "release of $images images (--jobs $images): ${nine}s"
python3 -c "
r = $nine / $slowest
floor = ($all_sc + $all_reg) / $(nproc) / $slowest
print(f'ratio: {r:.2f}x (target < 1.3x); CPU-bound floor on idle cores: {floor:.2f}x')"
