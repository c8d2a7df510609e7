#!/usr/bin/env python3
"""Precision and recall of sc's SBOM against the ground truth that
scripts/build-test-image.sh records, and (optionally) syft's.

Usage: sbom-accuracy.py TRUTH.tsv SC.json [SYFT.json]
  SC.json: `sc sbom generate ... --format sc-json`
  SYFT.json: `syft ... -o syft-json` (optional, for the side-by-side)
Identities compared: (type, name, version); PyPI names normalized per PEP 503.
"""
import json
import re
import sys

TYPES = {"deb": "deb", "python": "python", "npm": "npm", "go": "go", "rpm": "rpm",
         "go-module": "go", "java-archive": "java", "java": "java", "rust-crate": "rust", "rust": "rust"}


def norm(t, name, version):
    if t == "python":
        name = re.sub(r"[-_.]+", "-", name).lower()
    return (t, name, version)


def load_truth(path):
    out = set()
    for line in open(path):
        t, name, version = line.rstrip("\n").split("\t")
        out.add(norm(t, name, version))
    return out


def load_sc(path):
    d = json.load(open(path))
    return {norm(TYPES.get(p["type"], p["type"]), p["name"], p["version"]) for p in d["packages"]}


def load_syft(path):
    d = json.load(open(path))
    out = set()
    for a in d["artifacts"]:
        t = TYPES.get(a["type"], a["type"])
        out.add(norm(t, a["name"], a["version"]))
    return out


def report(label, found, truth):
    tp = found & truth
    p = len(tp) / len(found) if found else 0.0
    r = len(tp) / len(truth) if truth else 0.0
    print(f"{label}: {len(found)} packages, precision {p:.4f}, recall {r:.4f}")
    extra, missing = sorted(found - truth), sorted(truth - found)
    if extra:
        print(f"  not in truth ({len(extra)}): " + ", ".join("/".join(x) for x in extra[:15]))
    if missing:
        print(f"  missed ({len(missing)}): " + ", ".join("/".join(x) for x in missing[:15]))
    return p, r


def main():
    truth = load_truth(sys.argv[1])
    print(f"truth: {len(truth)} packages")
    p, r = report("sc", load_sc(sys.argv[2]), truth)
    if len(sys.argv) > 3:
        report("syft", load_syft(sys.argv[3]), truth)
    return 0 if p >= 0.99 and r >= 0.99 else 1


if __name__ == "__main__":
    sys.exit(main())
