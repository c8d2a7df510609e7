#!/usr/bin/env python3
"""Independent validation of sc's attestations (used by tests/attest.rs).

    attest_validate.py statement FILE   in-toto Statement v1, with the official
                                        in-toto-attestation bindings (protobuf
                                        JSON parsing + Statement.validate()); an
                                        SLSA v1 predicate is also parsed strictly
                                        into the official provenance v1 proto and
                                        checked for the fields the spec requires.
    attest_validate.py spdx FILE        SPDX 2.3 JSON schema (lib4sbom's copy,
                                        checked against the official schema digest).
    attest_validate.py cyclonedx FILE   CycloneDX 1.6 JSON, cyclonedx-python-lib's
                                        strict validator.
Exit 0 when valid; otherwise the reason on stderr and exit 1.
"""
import hashlib
import json
import os
import sys

SPDX23_SCHEMA_SHA256 = "239208b7ac287b3cf5d9a9af23f9d69863971102a5e1587a27a398b43490b89b"


def statement(path):
    from google.protobuf import json_format
    from in_toto_attestation.v1 import statement_pb2
    from in_toto_attestation.v1.statement import Statement

    with open(path) as f:
        doc = json.load(f)
    pb = json_format.ParseDict(doc, statement_pb2.Statement())
    Statement.copy_from_pb(pb).validate()
    if doc["predicateType"] == "https://slsa.dev/provenance/v1":
        from in_toto_attestation.predicates.provenance.v1 import provenance_pb2

        prov = json_format.ParseDict(doc["predicate"], provenance_pb2.Provenance())
        bd, rd = prov.build_definition, prov.run_details
        if not bd.build_type:
            raise ValueError("buildDefinition.buildType is required")
        if not bd.HasField("external_parameters"):
            raise ValueError("buildDefinition.externalParameters is required")
        if not rd.builder.id:
            raise ValueError("runDetails.builder.id is required")
        for i, dep in enumerate(bd.resolved_dependencies):
            if not (dep.name or dep.uri or dep.digest):
                raise ValueError(f"resolvedDependencies[{i}] names nothing")


def spdx(path):
    import jsonschema
    import lib4sbom

    schema_path = os.path.join(os.path.dirname(lib4sbom.__file__), "schemas", "spdx", "2.3-schema.json")
    with open(schema_path, "rb") as f:
        raw = f.read()
    if hashlib.sha256(raw).hexdigest() != SPDX23_SCHEMA_SHA256:
        raise ValueError("lib4sbom's SPDX 2.3 schema is not the official one")
    with open(path) as f:
        jsonschema.validate(json.load(f), json.loads(raw), cls=jsonschema.Draft7Validator)


def cyclonedx(path):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    with open(path) as f:
        error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(f.read())
    if error is not None:
        raise ValueError(str(error))


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    try:
        {"statement": statement, "spdx": spdx, "cyclonedx": cyclonedx}[kind](path)
    except Exception as e:  # noqa: BLE001 - any failure is a validation failure
        # jsonschema's str() holds the whole schema: report the message and where.
        where = "/".join(str(p) for p in getattr(e, "absolute_path", []))
        reason = getattr(e, "message", None) or str(e)
        print(f"{kind} {path}: {type(e).__name__}: {reason[:2000]} (at /{where})", file=sys.stderr)
        sys.exit(1)
