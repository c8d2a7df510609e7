#!/usr/bin/env python3
"""Build the small, deterministic image fixtures committed under fixtures/images/.

Standard library only, byte-for-byte reproducible (fixed mtimes, gzip mtime 0,
sorted entries), so `git diff` after re-running shows nothing unless this script
changed.

What it writes:
- fixtures/images/debian-app/        OCI layout, tag `v1`, linux/amd64, three layers
                                     (gzip, gzip with whiteouts, plain tar);
- fixtures/images/multiarch/         OCI layout, tag `v1`: an image index with
                                     linux/amd64 and linux/arm64 manifests;
- fixtures/images/debian-app.docker.tar  the same image as a docker-archive
                                     (skopeo's layout: <diff-id>.tar layers, <config-digest>.json).

The file contents are real formats (dpkg status, os-release, Python METADATA,
npm package.json) with versions that have published advisories, so the SBOM
engine and the offline scanner have something true to find.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

MTIME = 1704067200  # 2024-01-01T00:00:00Z
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "images")

DPKG_STATUS = """\
Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 340
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Multi-Arch: foreign
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files

Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12988
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Depends: libgcc-s1
Description: GNU C Library: Shared libraries

Package: libgcc-s1
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 140
Maintainer: Debian GCC Maintainers <debian-gcc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: gcc-12 (12.2.0-14)
Version: 12.2.0-14
Depends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)
Description: GCC support library

Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 6152
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 3.0.11-1~deb12u2
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries

Package: openssl
Status: install ok installed
Priority: optional
Section: utils
Installed-Size: 2291
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Version: 3.0.11-1~deb12u2
Depends: libc6 (>= 2.34), libssl3 (>= 3.0.9)
Description: Secure Sockets Layer toolkit - cryptographic utility

Package: zlib1g
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 168
Maintainer: Mark Brown <broonie@debian.org>
Architecture: amd64
Multi-Arch: same
Source: zlib
Version: 1:1.2.13.dfsg-1
Depends: libc6 (>= 2.14)
Description: compression library - runtime

"""

OS_RELEASE = """\
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
"""


def metadata(name, version, license_):
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {name}\nLicense: {license_}\n\n"


def tar_bytes(entries):
    """entries: list of (path, kind, payload) with kind in file|dir|symlink."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for path, kind, payload in sorted(entries, key=lambda e: e[0]):
            info = tarfile.TarInfo(path)
            info.mtime = MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tf.addfile(info)
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = payload
                info.mode = 0o777
                tf.addfile(info)
            else:
                data = payload.encode() if isinstance(payload, str) else payload
                info.size = len(data)
                info.mode = 0o644
                tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def gz(data):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=9) as g:
        g.write(data)
    return out.getvalue()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def dirs_for(paths):
    out = set()
    for p in paths:
        parts = p.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            out.add("/".join(parts[:i]))
    return [(d, "dir", None) for d in sorted(out)]


def layers_debian_app(arch):
    py = "usr/local/lib/python3.11/dist-packages"
    l1_files = [
        ("etc/os-release", "file", OS_RELEASE),
        ("etc/debian_version", "file", "12.4\n"),
        ("etc/motd", "file", "Welcome\n"),
        ("var/lib/dpkg/status", "file", DPKG_STATUS.replace("amd64", arch)),
        ("usr/lib/os-release", "file", OS_RELEASE),
        ("bin/sh", "symlink", "dash"),
    ]
    l2_files = [
        (f"{py}/requests-2.19.1.dist-info/METADATA", "file", metadata("requests", "2.19.1", "Apache 2.0")),
        (f"{py}/requests-2.19.1.dist-info/RECORD", "file", "requests/__init__.py,,\n"),
        (f"{py}/urllib3-1.24.1.dist-info/METADATA", "file", metadata("urllib3", "1.24.1", "MIT")),
        (f"{py}/PyYAML-5.3.dist-info/METADATA", "file", metadata("PyYAML", "5.3", "MIT")),
        ("srv/app/package.json", "file", json.dumps({"name": "demo-app", "version": "1.0.0", "private": True, "dependencies": {"lodash": "4.17.15", "minimist": "1.2.0"}}, indent=2) + "\n"),
        ("srv/app/node_modules/lodash/package.json", "file", json.dumps({"name": "lodash", "version": "4.17.15", "license": "MIT"}, indent=2) + "\n"),
        ("srv/app/node_modules/minimist/package.json", "file", json.dumps({"name": "minimist", "version": "1.2.0", "license": "MIT"}, indent=2) + "\n"),
        ("etc/.wh.motd", "file", ""),
    ]
    l3_files = [
        ("usr/share/doc/demo-app/README", "file", "demo application image for sc fixtures\n"),
        ("srv/cache/.wh..wh..opq", "file", ""),
    ]
    out = []
    for files, compress in ((l1_files, True), (l2_files, True), (l3_files, False)):
        raw = tar_bytes(dirs_for([f[0] for f in files]) + files)
        out.append((raw, gz(raw) if compress else raw, compress))
    return out


def write_blob(layout, data):
    d = sha(data)
    path = os.path.join(layout, "blobs", "sha256", d.split(":")[1])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": d, "size": len(data)}


def build_image(layout, arch):
    layers = layers_debian_app(arch)
    config = {
        "created": "2024-01-01T00:00:00Z",
        "architecture": arch,
        "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["/bin/sh"], "Labels": {"org.opencontainers.image.source": "https://example.com/sc/fixtures"}},
        "rootfs": {"type": "layers", "diff_ids": [sha(raw) for raw, _, _ in layers]},
        "history": [
            {"created": "2024-01-01T00:00:00Z", "created_by": "debootstrap bookworm (trimmed)"},
            {"created": "2024-01-01T00:00:00Z", "created_by": "pip install requests==2.19.1 urllib3==1.24.1 PyYAML==5.3; npm install; rm /etc/motd"},
            {"created": "2024-01-01T00:00:00Z", "created_by": "add docs; clear /srv/cache"},
        ],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    cdesc = write_blob(layout, config_bytes)
    ldescs = []
    for raw, blob, compressed in layers:
        d = write_blob(layout, blob)
        d["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip" if compressed else "application/vnd.oci.image.layer.v1.tar"
        ldescs.append(d)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **cdesc},
        "layers": [{"mediaType": d["mediaType"], "digest": d["digest"], "size": d["size"]} for d in ldescs],
    }
    mbytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    mdesc = write_blob(layout, mbytes)
    return mdesc, config_bytes, layers


def write_layout(layout, entries):
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}, f, sort_keys=True, separators=(",", ":"))


def clean(path):
    if os.path.isdir(path):
        for root, dirs, files in os.walk(path, topdown=False):
            for n in files:
                os.remove(os.path.join(root, n))
            for n in dirs:
                os.rmdir(os.path.join(root, n))
        os.rmdir(path)


def main():
    os.makedirs(ROOT, exist_ok=True)
    # 1. single-platform OCI layout
    layout = os.path.join(ROOT, "debian-app")
    clean(layout)
    os.makedirs(layout)
    mdesc, config_bytes, layers = build_image(layout, "amd64")
    write_layout(layout, [{"mediaType": "application/vnd.oci.image.manifest.v1+json", **mdesc, "annotations": {"org.opencontainers.image.ref.name": "v1"}}])

    # 2. multi-platform index
    multi = os.path.join(ROOT, "multiarch")
    clean(multi)
    os.makedirs(multi)
    entries = []
    for arch, variant in (("amd64", None), ("arm64", "v8")):
        md, _, _ = build_image(multi, arch)
        plat = {"os": "linux", "architecture": arch}
        if variant:
            plat["variant"] = variant
        entries.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", **md, "platform": plat})
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}
    ibytes = json.dumps(index, sort_keys=True, separators=(",", ":")).encode()
    idesc = write_blob(multi, ibytes)
    write_layout(multi, [{"mediaType": "application/vnd.oci.image.index.v1+json", **idesc, "annotations": {"org.opencontainers.image.ref.name": "v1"}}])

    # 3. docker-archive (skopeo's naming: <diff-id hex>.tar, <config hex>.json)
    archive = os.path.join(ROOT, "debian-app.docker.tar")
    cfg_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    members = [(cfg_name, config_bytes)]
    layer_names = []
    for raw, _, _ in layers:
        n = hashlib.sha256(raw).hexdigest() + ".tar"
        layer_names.append(n)
        members.append((n, raw))
    manifest = [{"Config": cfg_name, "RepoTags": ["sc-fixtures/debian-app:v1"], "Layers": layer_names}]
    members.append(("manifest.json", json.dumps(manifest, separators=(",", ":")).encode()))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = MTIME
            info.size = len(data)
            info.mode = 0o644
            tf.addfile(info, io.BytesIO(data))
    with open(archive, "wb") as f:
        f.write(buf.getvalue())
    print(f"wrote {layout}, {multi}, {archive}")


if __name__ == "__main__":
    sys.exit(main())
