//! How attestations are laid out in a registry, as pure functions over bytes.
//!
//! - cosign's tag schema: `<repo>:sha256-<hex>.att`, an image whose layers are DSSE
//!   envelopes (`application/vnd.dsse.envelope.v1+json`), each annotated with
//!   `predicateType`, an empty `dev.cosignproject.cosign/signature`, and, when
//!   signed keylessly, `dev.sigstore.cosign/certificate` (PEM), `.../chain` (PEM,
//!   when the bundle carries intermediates), `.../bundle` (the Rekor entry as cosign's
//!   "RekorBundle" JSON) and `.../rfc3161timestamp`.
//! - Sigstore bundle referrers (cosign `--new-bundle-format`): an OCI 1.1 artifact
//!   manifest with `artifactType` `application/vnd.dev.sigstore.bundle.v0.3+json`,
//!   the empty config, one layer (the bundle JSON), `subject` = the image manifest,
//!   and the annotations `dev.sigstore.bundle.predicateType`,
//!   `dev.sigstore.bundle.content: dsse-envelope`, `org.opencontainers.image.created`.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Value};

use super::dsse::{Envelope, Signature};
use crate::digest::Digest;
use crate::signing::cosign::{
    BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION, SIGNATURE_ANNOTATION,
};
use crate::source::model::{Descriptor, MEDIA_TYPE_OCI_MANIFEST};

/// Media type of a DSSE envelope layer in a `.att` image.
pub const DSSE_LAYER_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// Layer annotation naming the attestation's predicate type (`.att` images).
pub const PREDICATE_TYPE_ANNOTATION: &str = "predicateType";
/// Layer annotation of cosign's RFC 3161 timestamp.
pub const RFC3161_ANNOTATION: &str = "dev.sigstore.cosign/rfc3161timestamp";
/// Tag suffix of cosign's attestation image.
pub const ATTESTATION_TAG_SUFFIX: &str = "att";
/// Media type (and referrer artifact type) of a Sigstore bundle v0.3.
pub const BUNDLE_V03_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// Referrer annotation naming the bundle's predicate type.
pub const BUNDLE_PREDICATE_TYPE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";
/// Referrer annotation naming what the bundle signs.
pub const BUNDLE_CONTENT_ANNOTATION: &str = "dev.sigstore.bundle.content";
/// Artifact type of cosign's "attestations as referrers" manifests (DSSE layers).
pub const INTOTO_ARTIFACT_TYPE: &str = "application/vnd.in-toto+json";
/// The OCI empty descriptor's media type.
pub const OCI_EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// The OCI empty blob.
pub const OCI_EMPTY_BLOB: &[u8] = b"{}";

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// The `.att` layer descriptor for `envelope` (its JSON bytes), with cosign's annotations.
pub fn attestation_layer(
    envelope: &[u8],
    predicate_type: &str,
    keyless: Option<&KeylessMaterial>,
) -> Descriptor {
    let mut annotations = BTreeMap::new();
    annotations.insert(SIGNATURE_ANNOTATION.to_string(), String::new());
    annotations.insert(
        PREDICATE_TYPE_ANNOTATION.to_string(),
        predicate_type.to_string(),
    );
    if let Some(k) = keyless {
        annotations.insert(
            CERTIFICATE_ANNOTATION.to_string(),
            k.certificate_pem.clone(),
        );
        if !k.chain_pem.is_empty() {
            annotations.insert(CHAIN_ANNOTATION.to_string(), k.chain_pem.clone());
        }
        if let Some(b) = &k.rekor_bundle {
            annotations.insert(BUNDLE_ANNOTATION.to_string(), b.clone());
        }
        if let Some(t) = &k.rfc3161_timestamp {
            annotations.insert(RFC3161_ANNOTATION.to_string(), t.clone());
        }
    }
    let mut d = Descriptor::new(
        DSSE_LAYER_MEDIA_TYPE,
        Digest::sha256_of(envelope),
        envelope.len() as u64,
    );
    d.annotations = Some(annotations);
    d
}

/// The referrer manifest (JSON) holding one bundle blob for `subject`.
pub fn bundle_referrer_manifest(
    bundle: &Descriptor,
    subject: &Descriptor,
    predicate_type: &str,
    created: &str,
) -> Vec<u8> {
    let empty = Digest::sha256_of(OCI_EMPTY_BLOB);
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_TYPE_OCI_MANIFEST,
        "artifactType": BUNDLE_V03_MEDIA_TYPE,
        "config": {"mediaType": OCI_EMPTY_MEDIA_TYPE, "digest": empty.to_string(), "size": OCI_EMPTY_BLOB.len()},
        "layers": [{"mediaType": bundle.media_type, "digest": bundle.digest.to_string(), "size": bundle.size}],
        "subject": {"mediaType": subject.media_type, "digest": subject.digest.to_string(), "size": subject.size},
        "annotations": {
            BUNDLE_CONTENT_ANNOTATION: "dsse-envelope",
            BUNDLE_PREDICATE_TYPE_ANNOTATION: predicate_type,
            "org.opencontainers.image.created": created,
        },
    });
    serde_json::to_vec(&manifest).expect("manifest serializes")
}

/// What a keyless bundle contributes to a `.att` layer's annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeylessMaterial {
    /// Leaf certificate, PEM.
    pub certificate_pem: String,
    /// Intermediate certificates, PEM (empty when the bundle has none).
    pub chain_pem: String,
    /// cosign's RekorBundle JSON, when the log entry has a signed entry timestamp.
    pub rekor_bundle: Option<String>,
    /// cosign's RFC 3161 timestamp annotation JSON, when the bundle has one.
    pub rfc3161_timestamp: Option<String>,
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = b64().encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if line == "-----BEGIN CERTIFICATE-----" {
            body = Some(String::new());
        } else if line == "-----END CERTIFICATE-----" {
            let b = body.take().ok_or("END without BEGIN")?;
            out.push(b64().decode(b).map_err(|e| e.to_string())?);
        } else if let Some(b) = body.as_mut() {
            b.push_str(line);
        }
    }
    Ok(out)
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// Split a Sigstore bundle (JSON) into the DSSE envelope and the keyless material
/// cosign stores as `.att` annotations.
pub fn bundle_parts(bundle_json: &str) -> Result<(Envelope, Option<KeylessMaterial>), String> {
    let v: Value = serde_json::from_str(bundle_json).map_err(|e| e.to_string())?;
    let env = v
        .get("dsseEnvelope")
        .ok_or("the bundle has no DSSE envelope")?;
    let envelope = Envelope {
        payload_type: str_at(env, &["payloadType"]).unwrap_or_default().into(),
        payload: str_at(env, &["payload"]).unwrap_or_default().into(),
        signatures: env
            .get("signatures")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|s| Signature {
                        keyid: str_at(s, &["keyid"]).unwrap_or_default().into(),
                        sig: str_at(s, &["sig"]).unwrap_or_default().into(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    let vm = v
        .get("verificationMaterial")
        .ok_or("no verificationMaterial")?;
    let mut certs: Vec<&str> = Vec::new();
    if let Some(c) = str_at(vm, &["certificate", "rawBytes"]) {
        certs.push(c);
    } else if let Some(chain) = vm
        .pointer("/x509CertificateChain/certificates")
        .and_then(Value::as_array)
    {
        certs.extend(chain.iter().filter_map(|c| str_at(c, &["rawBytes"])));
    }
    if certs.is_empty() {
        return Ok((envelope, None));
    }
    let der = |s: &str| b64().decode(s).map_err(|e| format!("certificate: {e}"));
    let certificate_pem = pem("CERTIFICATE", &der(certs[0])?);
    let mut chain_pem = String::new();
    for c in &certs[1..] {
        chain_pem.push_str(&pem("CERTIFICATE", &der(c)?));
    }
    let rekor_bundle = vm
        .pointer("/tlogEntries/0")
        .and_then(|e| {
            let set = str_at(e, &["inclusionPromise", "signedEntryTimestamp"])?;
            let log_id = b64().decode(str_at(e, &["logId", "keyId"])?).ok()?;
            let num = |k: &str| -> Option<i64> {
                match e.get(k)? {
                    Value::String(s) => s.parse().ok(),
                    Value::Number(n) => n.as_i64(),
                    _ => None,
                }
            };
            Some(json!({
                "SignedEntryTimestamp": set,
                "Payload": {
                    "body": str_at(e, &["canonicalizedBody"])?,
                    "integratedTime": num("integratedTime")?,
                    "logIndex": num("logIndex").unwrap_or(0),
                    "logID": hex::encode(log_id),
                }
            }))
        })
        .map(|b| b.to_string());
    let rfc3161_timestamp = vm
        .pointer("/timestampVerificationData/rfc3161Timestamps/0/signedTimestamp")
        .and_then(Value::as_str)
        .map(|t| json!({ "SignedRFC3161Timestamp": t }).to_string());
    Ok((
        envelope,
        Some(KeylessMaterial {
            certificate_pem,
            chain_pem,
            rekor_bundle,
            rfc3161_timestamp,
        }),
    ))
}

/// Rebuild a Sigstore bundle (v0.1, the version that allows a log entry proven by
/// its signed entry timestamp alone) from a keyless `.att` layer: the envelope,
/// the certificate and chain annotations, and cosign's RekorBundle annotation.
pub fn bundle_from_annotations(
    envelope: &Envelope,
    certificate_pem: &str,
    chain_pem: Option<&str>,
    rekor_bundle: &str,
    rfc3161_timestamp: Option<&str>,
) -> Result<String, String> {
    let mut certs = pem_certificates(certificate_pem)?;
    if certs.is_empty() {
        return Err("the certificate annotation holds no certificate".into());
    }
    if let Some(chain) = chain_pem {
        certs.extend(pem_certificates(chain)?);
    }
    let rb: Value =
        serde_json::from_str(rekor_bundle).map_err(|e| format!("Rekor bundle annotation: {e}"))?;
    let payload = rb.get("Payload").ok_or("Rekor bundle without Payload")?;
    let body_b64 = str_at(payload, &["body"]).ok_or("Rekor bundle without body")?;
    let body: Value = serde_json::from_slice(
        &b64()
            .decode(body_b64)
            .map_err(|e| format!("Rekor body: {e}"))?,
    )
    .map_err(|e| format!("Rekor body: {e}"))?;
    let kind = str_at(&body, &["kind"]).ok_or("Rekor body without kind")?;
    let version = str_at(&body, &["apiVersion"]).ok_or("Rekor body without apiVersion")?;
    let log_id = hex::decode(str_at(payload, &["logID"]).ok_or("Rekor bundle without logID")?)
        .map_err(|e| format!("logID: {e}"))?;
    let int = |k: &str| payload.get(k).and_then(Value::as_i64).unwrap_or(0);
    let mut vm = json!({
        "x509CertificateChain": {"certificates": certs.iter().map(|c| json!({"rawBytes": b64().encode(c)})).collect::<Vec<_>>()},
        "tlogEntries": [{
            "logIndex": int("logIndex").to_string(),
            "logId": {"keyId": b64().encode(log_id)},
            "kindVersion": {"kind": kind, "version": version},
            "integratedTime": int("integratedTime").to_string(),
            "inclusionPromise": {"signedEntryTimestamp": str_at(&rb, &["SignedEntryTimestamp"]).ok_or("Rekor bundle without SignedEntryTimestamp")?},
            "canonicalizedBody": body_b64,
        }],
    });
    if let Some(ts) = rfc3161_timestamp {
        let t: Value = serde_json::from_str(ts).map_err(|e| format!("RFC 3161 annotation: {e}"))?;
        if let Some(signed) = str_at(&t, &["SignedRFC3161Timestamp"]) {
            vm["timestampVerificationData"] =
                json!({"rfc3161Timestamps": [{"signedTimestamp": signed}]});
        }
    }
    let bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": vm,
        "dsseEnvelope": {
            "payload": envelope.payload,
            "payloadType": envelope.payload_type,
            "signatures": envelope.signatures.iter().map(|s| json!({"sig": s.sig, "keyid": s.keyid})).collect::<Vec<_>>(),
        },
    });
    Ok(bundle.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_annotations_as_cosign_writes_them() {
        let d = attestation_layer(b"{}", "https://cyclonedx.org/bom", None);
        assert_eq!(d.media_type, DSSE_LAYER_MEDIA_TYPE);
        assert_eq!(d.annotation(SIGNATURE_ANNOTATION), Some(""));
        assert_eq!(
            d.annotation(PREDICATE_TYPE_ANNOTATION),
            Some("https://cyclonedx.org/bom")
        );
        assert_eq!(d.annotation(CERTIFICATE_ANNOTATION), None);
    }

    #[test]
    fn keyless_parts_round_trip_through_annotations() {
        let cert = b"not really DER but bytes";
        let bundle = json!({
            "mediaType": BUNDLE_V03_MEDIA_TYPE,
            "verificationMaterial": {
                "certificate": {"rawBytes": b64().encode(cert)},
                "tlogEntries": [{
                    "logIndex": "7", "logId": {"keyId": b64().encode([1u8, 2, 3])},
                    "kindVersion": {"kind": "dsse", "version": "0.0.1"},
                    "integratedTime": "1700000000",
                    "inclusionPromise": {"signedEntryTimestamp": "U0VU"},
                    "canonicalizedBody": b64().encode(br#"{"apiVersion":"0.0.1","kind":"dsse","spec":{}}"#),
                }],
            },
            "dsseEnvelope": {"payload": "e30=", "payloadType": "application/vnd.in-toto+json", "signatures": [{"sig": "c2ln"}]},
        });
        let (env, material) = bundle_parts(&bundle.to_string()).unwrap();
        assert_eq!(env.payload, "e30=");
        assert_eq!(env.signatures[0].keyid, "");
        let m = material.unwrap();
        assert!(m
            .certificate_pem
            .starts_with("-----BEGIN CERTIFICATE-----\n"));
        let rb: Value = serde_json::from_str(m.rekor_bundle.as_deref().unwrap()).unwrap();
        assert_eq!(rb["Payload"]["logID"], "010203");
        assert_eq!(rb["Payload"]["logIndex"], 7);
        let rebuilt = bundle_from_annotations(
            &env,
            &m.certificate_pem,
            None,
            m.rekor_bundle.as_deref().unwrap(),
            None,
        )
        .unwrap();
        let r: Value = serde_json::from_str(&rebuilt).unwrap();
        assert_eq!(
            r["verificationMaterial"]["x509CertificateChain"]["certificates"][0]["rawBytes"],
            b64().encode(cert)
        );
        assert_eq!(
            r["verificationMaterial"]["tlogEntries"][0]["logId"]["keyId"],
            b64().encode([1u8, 2, 3])
        );
        assert_eq!(
            r["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["kind"],
            "dsse"
        );
        assert_eq!(r["dsseEnvelope"]["payload"], "e30=");
    }
}
