//! The transparency-log material cosign keeps next to a `.sig` layer, and its
//! conversion to and from Sigstore bundles.
//!
//! cosign writes a Rekor entry as the `dev.sigstore.cosign/bundle` annotation, in
//! its legacy "rekor bundle" form: the signed entry timestamp (SET) and the entry
//! (`body`, `integratedTime`, `logIndex`, `logID` in hex). Together with the
//! layer's signature, payload and certificate (or the verifier's key) that is
//! exactly a Sigstore bundle v0.1 with an inclusion promise, so verification
//! converts the layer into one and lets [`BundleVerifier`](super::bundle::BundleVerifier)
//! check it: one verifier for every signature form.

use serde::{Deserialize, Serialize};

use super::bundle::{Bundle, BundleError};
use super::keyless::b64;

/// cosign's `dev.sigstore.cosign/bundle` annotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RekorBundle {
    /// The log's signature over the entry (base64).
    #[serde(rename = "SignedEntryTimestamp")]
    pub signed_entry_timestamp: String,
    /// The entry.
    #[serde(rename = "Payload")]
    pub payload: RekorPayload,
}

/// The log entry inside a [`RekorBundle`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RekorPayload {
    /// The canonicalized entry body (base64 of its JSON).
    pub body: String,
    /// When the log integrated the entry (Unix seconds).
    #[serde(rename = "integratedTime")]
    pub integrated_time: i64,
    /// Index of the entry in the log.
    #[serde(rename = "logIndex")]
    pub log_index: i64,
    /// The log's ID (hex SHA-256 of its public key).
    #[serde(rename = "logID")]
    pub log_id: String,
}

fn field<'a>(v: &'a serde_json::Value, name: &str) -> Result<&'a serde_json::Value, String> {
    v.get(name)
        .filter(|x| !x.is_null())
        .ok_or_else(|| format!("the log entry has no {name}"))
}

fn int(v: &serde_json::Value, name: &str) -> Result<i64, String> {
    let x = field(v, name)?;
    x.as_i64()
        .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
        .ok_or_else(|| format!("the log entry's {name} is not an integer: {x}"))
}

fn decode_b64(s: &str, what: &str) -> Result<Vec<u8>, String> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| format!("{what} is not base64: {e}"))
}

impl RekorBundle {
    /// From a transparency log entry in the protobuf-specs JSON mapping (a
    /// bundle's `verificationMaterial.tlogEntries[i]`). It must carry a SET.
    pub fn from_tlog_entry(entry: &serde_json::Value) -> Result<Self, String> {
        let set = field(field(entry, "inclusionPromise")?, "signedEntryTimestamp")?
            .as_str()
            .ok_or("the signed entry timestamp is not a string")?
            .to_string();
        let key_id = field(field(entry, "logId")?, "keyId")?
            .as_str()
            .ok_or("the log ID is not a string")?;
        Ok(RekorBundle {
            signed_entry_timestamp: set,
            payload: RekorPayload {
                body: field(entry, "canonicalizedBody")?
                    .as_str()
                    .ok_or("the entry body is not a string")?
                    .to_string(),
                integrated_time: int(entry, "integratedTime")?,
                log_index: int(entry, "logIndex")?,
                log_id: hex::encode(decode_b64(key_id, "the log ID")?),
            },
        })
    }

    /// From the first log entry of a Sigstore bundle's JSON.
    pub fn from_bundle_json(json: &str) -> Result<Self, String> {
        let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let entry = v["verificationMaterial"]["tlogEntries"]
            .get(0)
            .ok_or("the bundle has no transparency log entry")?;
        Self::from_tlog_entry(entry)
    }

    /// Parse the annotation.
    pub fn parse(annotation: &str) -> Result<Self, String> {
        serde_json::from_str(annotation).map_err(|e| format!("malformed cosign bundle: {e}"))
    }

    /// The annotation's JSON, as cosign writes it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("rekor bundle serializes")
    }

    /// `kind` and `apiVersion` of the entry body.
    fn kind_version(&self) -> Result<(String, String), String> {
        let body = decode_b64(&self.payload.body, "the entry body")?;
        let v: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| format!("the entry body is not JSON: {e}"))?;
        match (v["kind"].as_str(), v["apiVersion"].as_str()) {
            (Some(k), Some(a)) => Ok((k.to_string(), a.to_string())),
            _ => Err("the entry body has no kind or apiVersion".into()),
        }
    }
}

/// Who signed a `.sig` layer, as the bundle states it.
#[derive(Debug, Clone)]
pub enum LayerMaterial<'a> {
    /// Fulcio certificates (DER, signing certificate first; no root).
    Certificates(&'a [Vec<u8>]),
    /// A key the verifier supplies; the hint names it.
    PublicKey(&'a str),
}

/// The Sigstore bundle (v0.1: message signature, inclusion promise) that a
/// cosign `.sig` layer amounts to.
pub fn layer_bundle(
    payload: &[u8],
    signature_b64: &str,
    material: LayerMaterial<'_>,
    rekor: &RekorBundle,
) -> Result<Bundle, BundleError> {
    use sha2::Digest;
    let malformed = |e: String| BundleError::Malformed(format!("cosign bundle annotation: {e}"));
    let (kind, version) = rekor.kind_version().map_err(malformed)?;
    let log_id = hex::decode(&rekor.payload.log_id)
        .map_err(|e| malformed(format!("logID is not hex: {e}")))?;
    let material = match material {
        LayerMaterial::Certificates(certs) => serde_json::json!({
            "x509CertificateChain": {
                "certificates": certs.iter().map(|c| serde_json::json!({"rawBytes": b64(c)})).collect::<Vec<_>>()
            }
        }),
        LayerMaterial::PublicKey(hint) => serde_json::json!({"publicKey": {"hint": hint}}),
    };
    let mut vm = material;
    vm["tlogEntries"] = serde_json::json!([{
        "logIndex": rekor.payload.log_index.to_string(),
        "logId": {"keyId": b64(log_id)},
        "kindVersion": {"kind": kind, "version": version},
        "integratedTime": rekor.payload.integrated_time.to_string(),
        "inclusionPromise": {"signedEntryTimestamp": rekor.signed_entry_timestamp},
        "canonicalizedBody": rekor.payload.body,
    }]);
    let json = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": vm,
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": b64(sha2::Sha256::digest(payload))},
            "signature": signature_b64.trim(),
        },
    });
    Bundle::from_json(&json.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_round_trip_and_field_names() {
        let entry = serde_json::json!({
            "logIndex": "0",
            "logId": {"keyId": b64([0xab; 32])},
            "kindVersion": {"kind": "hashedrekord", "version": "0.0.1"},
            "integratedTime": "1700000000",
            "inclusionPromise": {"signedEntryTimestamp": "c2V0"},
            "canonicalizedBody": b64(r#"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}}"#),
        });
        let r = RekorBundle::from_tlog_entry(&entry).unwrap();
        assert_eq!(r.payload.log_index, 0);
        assert_eq!(r.payload.log_id, "ab".repeat(32));
        let json = r.to_json();
        assert!(
            json.starts_with(r#"{"SignedEntryTimestamp":"c2V0","Payload":{"body":"#),
            "{json}"
        );
        assert!(json.contains(r#""integratedTime":1700000000,"logIndex":0,"logID":"#));
        assert_eq!(RekorBundle::parse(&json).unwrap(), r);
        assert_eq!(
            r.kind_version().unwrap(),
            ("hashedrekord".to_string(), "0.0.1".to_string())
        );
        let mut no_set = entry.clone();
        no_set.as_object_mut().unwrap().remove("inclusionPromise");
        assert!(RekorBundle::from_tlog_entry(&no_set).is_err());
    }
}
