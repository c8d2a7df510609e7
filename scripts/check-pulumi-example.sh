#!/usr/bin/env bash
# Type-check the Pulumi TypeScript program in docs/deploy-integration.md
# (tsc --strict) against the real @pulumi packages, installed with npm into a
# temporary directory. Needs node and npm, and network access to the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
python3 - "$dir/index.ts" <<'PY'
import re, sys
doc = open("docs/deploy-integration.md").read()
open(sys.argv[1], "w").write(re.search(r"```typescript\n(.*?)```", doc, re.S).group(1))
PY
cat >"$dir/tsconfig.json" <<'JSON'
{"compilerOptions": {"strict": true, "target": "es2020", "module": "commonjs",
  "moduleResolution": "node", "noEmit": true, "skipLibCheck": true}, "files": ["index.ts"]}
JSON
(cd "$dir" && npm install --silent --no-audit --no-fund \
  @pulumi/pulumi@3 @pulumi/docker@4 @pulumi/command@1 @pulumi/kubernetes@4 typescript@5 >/dev/null)
(cd "$dir" && npx tsc -p .)
echo "docs/deploy-integration.md: the Pulumi program type-checks"
