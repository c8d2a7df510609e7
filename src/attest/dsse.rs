//! DSSE envelopes (<https://github.com/secure-systems-lab/dsse/blob/master/envelope.md>):
//! the pre-authentication encoding (PAE), signing with a cosign key, verification.
//!
//! The JSON is written as cosign (Go's `dsse.Envelope`) writes it: `payloadType`,
//! `payload` (standard base64), `signatures` of `{"keyid", "sig"}`, with an empty
//! `keyid` for key-based signatures as cosign leaves it.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::signing::keys::{PublicKey, SigningKey};

/// Why an envelope is unusable or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsseError {
    /// Not a DSSE envelope.
    #[error("not a DSSE envelope: {0}")]
    Malformed(String),
    /// The envelope carries no signature.
    #[error("the envelope carries no signature")]
    Unsigned,
    /// No signature verifies with the key over the PAE.
    #[error("no signature of the envelope verifies with the key (wrong key, or the envelope was altered)")]
    BadSignature,
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// Key id hint (empty as cosign writes it).
    #[serde(default)]
    pub keyid: String,
    /// Signature over the PAE (base64; ECDSA signatures ASN.1 DER).
    pub sig: String,
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// Type of the payload (`application/vnd.in-toto+json`).
    pub payload_type: String,
    /// The payload, base64.
    pub payload: String,
    /// Signatures over `PAE(payloadType, payload)`.
    #[serde(default)]
    pub signatures: Vec<Signature>,
}

/// `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths
/// as ASCII decimal byte counts.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// Decode base64 as DSSE allows it: standard or URL-safe, padded or not.
fn decode_b64(s: &str) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let s = s.trim();
    STANDARD
        .decode(s)
        .or_else(|_| URL_SAFE.decode(s))
        .or_else(|_| STANDARD_NO_PAD.decode(s))
        .or_else(|_| URL_SAFE_NO_PAD.decode(s))
}

impl Envelope {
    /// Sign `payload` of `payload_type` with `key` (ECDSA-P256-SHA256 over the PAE).
    pub fn sign(payload_type: &str, payload: &[u8], key: &SigningKey) -> Self {
        let b64 = base64::engine::general_purpose::STANDARD;
        Envelope {
            payload_type: payload_type.to_string(),
            payload: b64.encode(payload),
            signatures: vec![Signature {
                keyid: String::new(),
                sig: b64.encode(key.sign(&pae(payload_type, payload))),
            }],
        }
    }

    /// Parse an envelope's JSON.
    pub fn parse(bytes: &[u8]) -> Result<Self, DsseError> {
        serde_json::from_slice(bytes).map_err(|e| DsseError::Malformed(e.to_string()))
    }

    /// The envelope's JSON.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an envelope serializes")
    }

    /// The decoded payload (not verified).
    pub fn payload_bytes(&self) -> Result<Vec<u8>, DsseError> {
        decode_b64(&self.payload)
            .map_err(|e| DsseError::Malformed(format!("payload is not base64: {e}")))
    }

    /// Whether the envelope carries at least one non-empty signature.
    pub fn is_signed(&self) -> bool {
        self.signatures.iter().any(|s| !s.sig.trim().is_empty())
    }

    /// Verify that a signature made with `key` covers the PAE; the verified payload.
    pub fn verify(&self, key: &PublicKey) -> Result<Vec<u8>, DsseError> {
        if !self.is_signed() {
            return Err(DsseError::Unsigned);
        }
        let payload = self.payload_bytes()?;
        let message = pae(&self.payload_type, &payload);
        let ok = self.signatures.iter().any(|s| {
            decode_b64(&s.sig)
                .ok()
                .is_some_and(|sig| key.verify(&message, &sig).is_ok())
        });
        if ok {
            Ok(payload)
        } else {
            Err(DsseError::BadSignature)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_spec_example() {
        // The example of the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn sign_verify_and_tamper() {
        let key = SigningKey::generate().unwrap();
        let env = Envelope::sign("application/vnd.in-toto+json", b"{\"a\":1}", &key);
        let json = String::from_utf8(env.to_bytes()).unwrap();
        assert!(
            json.starts_with(r#"{"payloadType":"application/vnd.in-toto+json","payload":""#),
            "{json}"
        );
        assert!(json.contains(r#""keyid":"""#));
        let back = Envelope::parse(json.as_bytes()).unwrap();
        assert_eq!(back.verify(&key.public_key()).unwrap(), b"{\"a\":1}");

        let other = SigningKey::generate().unwrap();
        assert_eq!(
            back.verify(&other.public_key()),
            Err(DsseError::BadSignature)
        );
        let mut tampered = back.clone();
        tampered.payload = base64::engine::general_purpose::STANDARD.encode(b"{\"a\":2}");
        assert_eq!(
            tampered.verify(&key.public_key()),
            Err(DsseError::BadSignature)
        );
        let mut retyped = back.clone();
        retyped.payload_type = "text/plain".into();
        assert_eq!(
            retyped.verify(&key.public_key()),
            Err(DsseError::BadSignature)
        );
        let mut unsigned = back;
        unsigned.signatures.clear();
        assert_eq!(unsigned.verify(&key.public_key()), Err(DsseError::Unsigned));
        assert!(matches!(
            Envelope::parse(b"{}"),
            Err(DsseError::Malformed(_))
        ));
    }
}
