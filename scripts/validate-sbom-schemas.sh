#!/usr/bin/env bash
# Validate sc's SBOM documents against the official schemas and SPDX's own validator.
#
#   scripts/validate-sbom-schemas.sh [EXTRA_DOCUMENT...]
#
# Installs, once, into .cache/schemas/ (override with SC_SCHEMA_CACHE):
#   - npm  @cyclonedx/cyclonedx-library  (the CycloneDX project's library; ships
#          bom-1.6 JSON schema + spdx + jsf schemas it references, bom-1.6 XSD + spdx XSD)
#   - PyPI lib4sbom                      (ships the SPDX 2.3 JSON schema, checked
#          below against the SHA-256 of spdx-spec's v2.3 schemas/spdx-schema.json)
#   - PyPI jsonschema[format-nongpl], spdx-tools  (JSON Schema validator with
#          format checks: date-time, iri-reference, ...; pyspdxtools)
# and needs xmllint (Debian package libxml2-utils; installed here when missing
# and running as root).
#
# Then it writes the documents of tests/sbom_formats.rs (synthetic inventory
# modelled on fixtures/images/debian-app), tries `sc sbom generate` on the
# fixture image (skipped while the command is not built), and checks:
#   CycloneDX JSON  python jsonschema (draft-07, $refs resolved from the package)
#   CycloneDX XML   xmllint --schema bom-1.6.xsd
#   SPDX JSON       python jsonschema (SPDX 2.3 schema, draft-07) + pyspdxtools
#   SPDX tag-value  pyspdxtools
#   Rust            cargo test --test sbom_formats with SC_SCHEMA_DIR set
# Extra documents given as arguments are checked by their extension
# (.cdx.json, .cdx.xml, .spdx.json, .spdx).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SC_SCHEMA_CACHE:-$ROOT/.cache/schemas}"

CDX_LIBRARY_VERSION="10.3.0"
LIB4SBOM_VERSION="0.10.4"
JSONSCHEMA_VERSION="4.26.0"
SPDX_TOOLS_VERSION="0.8.5"
SPDX23_SCHEMA_SHA256="239208b7ac287b3cf5d9a9af23f9d69863971102a5e1587a27a398b43490b89b"

STAMP="$CACHE/.installed-cdx$CDX_LIBRARY_VERSION-l4s$LIB4SBOM_VERSION-jsf$JSONSCHEMA_VERSION-st$SPDX_TOOLS_VERSION"
FLAT="$CACHE/flat"
PY="$CACHE/py"

log() { printf '==> %s\n' "$*" >&2; }

install() {
  if [[ -f "$STAMP" ]]; then
    return
  fi
  log "installing schema packages into $CACHE"
  rm -rf "$CACHE/npm" "$PY" "$CACHE/lib4sbom" "$FLAT"
  mkdir -p "$CACHE/npm" "$PY" "$CACHE/lib4sbom" "$FLAT"
  npm install --prefix "$CACHE/npm" --no-save --ignore-scripts --legacy-peer-deps \
    --no-audit --no-fund --loglevel=error "@cyclonedx/cyclonedx-library@$CDX_LIBRARY_VERSION"
  python3 -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --target "$PY" \
    "jsonschema[format-nongpl]==$JSONSCHEMA_VERSION" "spdx-tools==$SPDX_TOOLS_VERSION"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$CACHE/lib4sbom" \
    "lib4sbom==$LIB4SBOM_VERSION"

  local cdx="$CACHE/npm/node_modules/@cyclonedx/cyclonedx-library/res/schema"
  for f in bom-1.6.SNAPSHOT.schema.json spdx.SNAPSHOT.schema.json jsf-0.82.SNAPSHOT.schema.json \
           bom-1.6.SNAPSHOT.xsd spdx.SNAPSHOT.xsd; do
    cp "$cdx/$f" "$FLAT/$f"
  done
  local spdx23="$CACHE/lib4sbom/lib4sbom/schemas/spdx/2.3-schema.json"
  echo "$SPDX23_SCHEMA_SHA256  $spdx23" | sha256sum --check --quiet ||
    { echo "SPDX 2.3 schema in lib4sbom $LIB4SBOM_VERSION is not the official one" >&2; exit 1; }
  cp "$spdx23" "$FLAT/spdx-2.3.schema.json"
  touch "$STAMP"
}

ensure_xmllint() {
  command -v xmllint >/dev/null && return
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    log "installing libxml2-utils (xmllint)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils >/dev/null
  else
    echo "xmllint is missing: apt-get install -y libxml2-utils" >&2
    exit 1
  fi
}

install
ensure_xmllint

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
log "writing documents to $OUT"
(cd "$ROOT" && SC_SBOM_OUT_DIR="$OUT" cargo test -q --test sbom_formats write_documents >/dev/null)

docs=("$OUT"/synthetic.* "$OUT"/golden.* "$OUT"/edge.*)
fixture_image="$ROOT/fixtures/images/debian-app"
if [[ -d "$fixture_image" ]]; then
  for fmt in cyclonedx-json:cdx.json cyclonedx-xml:cdx.xml spdx-json:spdx.json spdx-tag-value:spdx; do
    out="$OUT/debian-app.${fmt#*:}"
    if (cd "$ROOT" && cargo run -q -- sbom generate "oci:$fixture_image:v1" \
          --format "${fmt%%:*}" --output "$out" >/dev/null 2>"$OUT/generate.err"); then
      docs+=("$out")
    else
      log "SKIPPED fixture image ${fmt%%:*}: sc sbom generate failed: $(tail -n1 "$OUT/generate.err")"
    fi
  done
fi
docs+=("$@")

passed=0
failed=0
check() { # name command...
  local name="$1"
  shift
  if "$@" >"$OUT/check.log" 2>&1; then
    passed=$((passed + 1))
    printf 'ok    %s\n' "$name"
  else
    failed=$((failed + 1))
    printf 'FAIL  %s\n' "$name"
    sed 's/^/      /' "$OUT/check.log" | head -n 40
  fi
}

jsonschema_check() { # schema-file document
  PYTHONPATH="$PY" python3 - "$FLAT" "$1" "$2" <<'EOF'
import json, pathlib, sys
from jsonschema.validators import validator_for
from referencing import Registry, Resource

flat, main, doc_path = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
resources = []
for p in flat.glob("*.schema.json"):
    schema = json.loads(p.read_text())
    res = Resource.from_contents(schema)
    # the CycloneDX schema's relative $refs resolve against its $id
    resources.append((f"http://cyclonedx.org/schema/{p.name}", res))
    if "$id" in schema:
        resources.append((schema["$id"], res))
registry = Registry().with_resources(resources)
schema = json.loads((flat / main).read_text())
cls = validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)
doc = json.loads(pathlib.Path(doc_path).read_text())
errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
for e in errors[:20]:
    print(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}")
sys.exit(1 if errors else 0)
EOF
}

pyspdxtools_check() { # document
  PYTHONPATH="$PY" python3 -m spdx_tools.spdx.clitools.pyspdxtools -i "$1"
}

for d in "${docs[@]}"; do
  name="$(basename "$d")"
  case "$d" in
    *.cdx.json)
      check "$name: CycloneDX 1.6 JSON schema" jsonschema_check bom-1.6.SNAPSHOT.schema.json "$d" ;;
    *.cdx.xml)
      check "$name: CycloneDX 1.6 XSD" xmllint --noout --nonet --schema "$FLAT/bom-1.6.SNAPSHOT.xsd" "$d" ;;
    *.spdx.json)
      check "$name: SPDX 2.3 JSON schema" jsonschema_check spdx-2.3.schema.json "$d"
      check "$name: pyspdxtools" pyspdxtools_check "$d" ;;
    *.spdx)
      check "$name: pyspdxtools" pyspdxtools_check "$d" ;;
  esac
done

check "cargo test --test sbom_formats (SC_SCHEMA_DIR set)" \
  env SC_SCHEMA_DIR="$FLAT" bash -c "cd '$ROOT' && cargo test -q --test sbom_formats documents_validate_against_official_json_schemas"

echo "schemas: $passed passed, $failed failed"
[[ $failed == 0 ]]
