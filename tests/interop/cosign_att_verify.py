#!/usr/bin/env python3
"""Read and verify key-based attestations in cosign's `.att` layout, independently
of sc (used by tests/attest.rs): plain HTTP to the registry's v2 API, DSSE
verification with securesystemslib (PAE + ECDSA P-256 over cryptography).

    cosign_att_verify.py REGISTRY REPOSITORY IMAGE_DIGEST PUBLIC_KEY_PEM

Prints the verified predicate types as a JSON array; exits 1 with the reason
when anything does not hold: the `.att` tag, the layer media type and
annotations, blob digests, the DSSE signature, the payload type, the statement
subject (the image digest) and its predicate type (the annotation's).
"""
import base64
import hashlib
import json
import sys
import urllib.request

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

DSSE_LAYER = "application/vnd.dsse.envelope.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def get(url, accept=None):
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req) as r:
        return r.read()


def main(registry, repo, digest, pem_path):
    algo, hexd = digest.split(":")
    base = f"http://{registry}/v2/{repo}"
    manifest = json.loads(get(f"{base}/manifests/{algo}-{hexd}.att", OCI_MANIFEST))
    with open(pem_path, "rb") as f:
        # cosign writes an empty keyid; securesystemslib matches keys by keyid.
        k = SSlibKey.from_crypto(load_pem_public_key(f.read()), scheme="ecdsa-sha2-nistp256")
    key = SSlibKey("", k.keytype, k.scheme, k.keyval)
    verified = []
    for layer in manifest["layers"]:
        if layer["mediaType"] != DSSE_LAYER:
            raise ValueError(f"layer media type {layer['mediaType']}")
        ann = layer.get("annotations", {})
        if ann.get("dev.cosignproject.cosign/signature") != "":
            raise ValueError("no empty dev.cosignproject.cosign/signature annotation")
        ptype = ann["predicateType"]
        blob = get(f"{base}/blobs/{layer['digest']}")
        if "sha256:" + hashlib.sha256(blob).hexdigest() != layer["digest"]:
            raise ValueError("blob digest mismatch")
        env = Envelope.from_dict(json.loads(blob))
        if env.payload_type != "application/vnd.in-toto+json":
            raise ValueError(f"payload type {env.payload_type}")
        env.verify([key], 1)
        st = json.loads(env.payload)
        if not any(s["digest"].get(algo) == hexd for s in st["subject"]):
            raise ValueError("statement subject is not the image digest")
        if st["predicateType"] != ptype:
            raise ValueError("statement predicate type differs from the annotation")
        verified.append(ptype)
    print(json.dumps(verified))


if __name__ == "__main__":
    try:
        main(*sys.argv[1:5])
    except Exception as e:  # noqa: BLE001 - any failure is a verification failure
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
