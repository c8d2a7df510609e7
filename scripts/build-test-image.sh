#!/usr/bin/env bash
# Build a realistic multi-layer OCI test image without Docker, and record what
# the build installed (the ground truth for SBOM accuracy).
#
# Usage: scripts/build-test-image.sh OUTDIR [bookworm|bullseye|trixie]
# Needs root, network access to a Debian mirror (MIRROR=..., default: the one
# apt uses), and: debootstrap umoci skopeo rpm (apt), pip, npm.
# Takes 1-3 minutes; the debootstrap base is cached in OUTDIR.
#
# Writes in OUTDIR:
#   oci/                             OCI layout, tag sc-test:SUITE (5 layers)
#   sc-test-SUITE.docker.tar         the same image as a docker-archive
#   truth-SUITE.tsv                  type<TAB>name<TAB>version of every package
#                                    the final filesystem holds, from the tools
#                                    that installed them (dpkg-query, dist-info
#                                    dirs, npm ls, rpm -qa, the Go binary's
#                                    build info read by an independent parser)
# Layers: L1 debootstrap minbase; L2 apt-get install python3 nodejs java libs
# docker-registry openssl curl; L3 old PyPI releases (pip --target); L4 an npm
# app with lockfile + esbuild (a Go binary); L5 an rpmdb (sqlite) with one
# package, a deleted pip package and a purged deb (whiteouts).
set -euo pipefail
OUT=${1:?usage: build-test-image.sh OUTDIR [suite]}; SUITE=${2:-bookworm}
MIRROR=${MIRROR:-$(grep -rh '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep '/debian$' | head -1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
for t in debootstrap umoci skopeo rpm rpmbuild pip npm python3; do
  command -v "$t" >/dev/null || { echo "build-test-image: missing $t (apt-get install debootstrap umoci skopeo rpm; pip and npm)" >&2; exit 1; }
done
mkdir -p "$OUT"; OUT=$(readlink -f "$OUT"); cd "$OUT"
IMG=oci:sc-test:$SUITE; B=bundle; R=$B/rootfs
t0=$(date +%s); lap(){ echo "[$(( $(date +%s)-t0 ))s] $*"; }

if [ ! -d base-$SUITE ]; then
  debootstrap --variant=minbase "$SUITE" base-$SUITE.tmp "$MIRROR" >debootstrap-$SUITE.log 2>&1
  rm -f base-$SUITE.tmp/var/cache/apt/archives/*.deb
  mv base-$SUITE.tmp base-$SUITE
fi
lap "debootstrap done"
rm -rf oci $B
umoci init --layout oci
umoci new --image $IMG
umoci config --image $IMG --os linux --architecture amd64 \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --config.cmd /bin/bash
umoci unpack --image $IMG $B
trap 'umount $R/proc 2>/dev/null || true' EXIT
scrub(){ echo "# apt sources removed after build" > $R/etc/apt/sources.list; : > $R/etc/resolv.conf; rm -f $R/var/log/bootstrap.log; }
cp -a base-$SUITE/. $R/
scrub
umoci repack --refresh-bundle --image $IMG --history.created_by "debootstrap --variant=minbase $SUITE" $B
lap "L1 base"

cp /etc/resolv.conf $R/etc/resolv.conf
mount -t proc proc $R/proc
echo "deb $MIRROR $SUITE main" > $R/etc/apt/sources.list
chroot $R /bin/bash -c 'export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null &&
  apt-get install -y -q --no-install-recommends python3 nodejs libyaml-snake-java libcommons-text-java \
    docker-registry openssl curl ca-certificates >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/*'
umount $R/proc
scrub
umoci repack --refresh-bundle --image $IMG --history.created_by "apt-get install python3 nodejs java-libs docker-registry" $B
lap "L2 apt"

PY=$R/usr/local/lib/python3.$(chroot $R python3 -c 'import sys;print(sys.version_info[1])')/dist-packages
mkdir -p $PY
pip install -q --no-deps --no-compile --disable-pip-version-check --target $PY \
  requests==2.19.1 urllib3==1.24.1 Django==2.2.0 PyYAML==5.3 Jinja2==2.10 MarkupSafe==1.1.1 \
  idna==2.7 chardet==3.0.4 certifi==2018.4.16 sqlparse==0.2.4 pytz==2019.1
umoci repack --refresh-bundle --image $IMG --history.created_by "pip install --target (old releases)" $B
lap "L3 pip"

mkdir -p $R/srv/app
cat > $R/srv/app/package.json <<'JSON'
{"name":"demo-app","version":"1.0.0","private":true,
 "dependencies":{"lodash":"4.17.15","minimist":"1.2.0","node-fetch":"2.6.0","express":"4.16.0","handlebars":"4.5.2"}}
JSON
(cd $R/srv/app && npm install -s --no-audit --no-fund --ignore-scripts >/dev/null 2>&1)
tmp=$(mktemp -d); (cd $tmp && npm init -y >/dev/null && npm install -s --no-audit --no-fund @esbuild/linux-x64@0.15.18 >/dev/null 2>&1)
install -m755 $tmp/node_modules/@esbuild/linux-x64/bin/esbuild $R/usr/local/bin/esbuild
rm -rf $tmp
umoci repack --refresh-bundle --image $IMG --history.created_by "npm install; add esbuild (Go)" $B
lap "L4 npm+go"

spec=$(mktemp -d); mkdir -p $spec/SPECS
cat > $spec/SPECS/hello.spec <<'SPEC'
Name: hello-sc
Version: 1.2.3
Release: 4
Summary: test package
License: MIT
BuildArch: noarch
%description
test
%install
mkdir -p %{buildroot}/usr/share/hello-sc && echo hi > %{buildroot}/usr/share/hello-sc/README
%files
/usr/share/hello-sc/README
SPEC
rpmbuild -bb --define "_topdir $spec" $spec/SPECS/hello.spec >/dev/null 2>&1
rpm --root $PWD/$R --dbpath /var/lib/rpm --initdb 2>/dev/null
rpm --root $PWD/$R --dbpath /var/lib/rpm -i --nodeps --ignoreos $spec/RPMS/noarch/*.rpm 2>/dev/null
rm -rf $spec $R/var/lib/rpm/.rpm.lock
rm -rf $PY/chardet $PY/chardet-3.0.4.dist-info
chroot $R dpkg --purge curl >/dev/null
umoci repack --refresh-bundle --image $IMG --history.created_by "rpmdb; rm chardet; dpkg --purge curl" $B
lap "L5 rpm+whiteouts"

# Ground truth from the tools that installed the packages (final filesystem).
{
  chroot $R dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\n' | awk -F'\t' '$1 ~ /^ii/ {print "deb\t"$2"\t"$3}'
  for d in $PY/*.dist-info; do
    python3 - "$d/METADATA" <<'PYEOF'
import sys, email.parser
m = email.parser.Parser().parse(open(sys.argv[1], encoding="utf-8", errors="replace"))
print(f"python\t{m['Name']}\t{m['Version']}")
PYEOF
  done
  (cd $R/srv/app && npm ls --all --json 2>/dev/null) | python3 -c '
import json, sys
seen = set()
def walk(deps):
    for name, d in (deps or {}).items():
        if "version" in d and (name, d["version"]) not in seen:
            seen.add((name, d["version"])); print("npm\t" + name + "\t" + d["version"])
        walk(d.get("dependencies"))
walk(json.load(sys.stdin).get("dependencies"))'
  rpm --root $PWD/$R --dbpath /var/lib/rpm -qa --qf 'rpm\t%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n' | grep -v '^rpm\tgpg-pubkey'
  python3 - $R/usr/local/bin/esbuild <<'PYEOF'
# Independent reader of Go build info (Go >= 1.18 inline format).
import sys
data = open(sys.argv[1], "rb").read()
i = data.find(b"\xff Go buildinf:")
flags = data[i + 15]
assert flags & 2, "only the inline build info format is handled here"
def varint(pos):
    n = shift = 0
    while True:
        b = data[pos]; pos += 1
        n |= (b & 0x7f) << shift; shift += 7
        if b < 0x80: return n, pos
pos = i + 32
n, pos = varint(pos); gover = data[pos:pos + n].decode(); pos += n
n, pos = varint(pos); mod = data[pos:pos + n][16:-16].decode()
print(f"go\tstdlib\t{gover}")
last = None
for line in mod.splitlines():
    f = line.split("\t")
    if f[0] == "mod": print(f"go\t{f[1]}\t{f[2]}")
    elif f[0] == "dep": last = (f[1], f[2]); print(f"go\t{f[1]}\t{f[2]}")
PYEOF
} | sort -u > truth-$SUITE.tsv
lap "truth: $(wc -l < truth-$SUITE.tsv) packages"

umoci gc --layout oci
rm -f sc-test-$SUITE.docker.tar
skopeo copy -q oci:oci:sc-test:$SUITE docker-archive:sc-test-$SUITE.docker.tar:sc-test:$SUITE
lap "docker-archive written"
du -sh oci sc-test-$SUITE.docker.tar
