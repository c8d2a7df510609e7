//! Cosign's image-signature formats, as pure functions over bytes: the simple-signing
//! payload, and the signature "image" cosign stores at `<repo>:sha256-<hex>.sig`.
//!
//! No I/O here; [`super::keybased`] moves these documents to and from registries.
//!
//! The payload (containers/image "simple signing", as cosign writes it with Go's
//! `encoding/json`):
//! `{"critical":{"identity":{"docker-reference":"<registry/repo>"},"image":{"docker-manifest-digest":"sha256:..."},"type":"cosign container image signature"},"optional":null}`
//! with `optional` holding the `-a key=value` annotations when there are any.
//! Docker Hub repositories are named `index.docker.io/...` there, as
//! go-containerregistry names them.
//!
//! The signature image: an OCI manifest, config `application/vnd.oci.image.config.v1+json`
//! (go-containerregistry's config of an image built from nothing: zero timestamps, one
//! history entry and one diff_id per layer), one layer per signature with media type
//! `application/vnd.dev.cosign.simplesigning.v1+json` whose blob is the payload and whose
//! annotations carry the base64 signature (`dev.cosignproject.cosign/signature`) and,
//! when there is a transparency log entry, the bundle (`dev.sigstore.cosign/bundle`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::reference::ImageReference;
use crate::source::model::{
    Descriptor, ImageManifest, MEDIA_TYPE_OCI_CONFIG, MEDIA_TYPE_OCI_MANIFEST,
};

/// Media type of a signature layer (the payload blob).
pub const SIMPLESIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Layer annotation holding the base64 signature over the payload.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// Layer annotation holding the Rekor bundle (only with a transparency log entry).
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// Layer annotation holding the signing certificate (keyless).
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// Layer annotation holding the certificate chain (keyless).
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
/// `artifactType` of signature manifests cosign pushes as OCI 1.1 referrers.
pub const SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
/// `critical.type` of a cosign image signature payload.
pub const COSIGN_SIGNATURE_TYPE: &str = "cosign container image signature";
/// Suffix of the signature tag (`sha256-<hex>.sig`).
pub const SIGNATURE_TAG_SUFFIX: &str = "sig";

/// The repository name cosign writes as `docker-reference`: `registry/repository`,
/// with Docker Hub as `index.docker.io` (go-containerregistry's name for it).
pub fn docker_reference(image: &ImageReference) -> String {
    let registry = if image.registry == "docker.io" {
        "index.docker.io"
    } else {
        image.registry.as_str()
    };
    format!("{registry}/{}", image.repository)
}

/// Why a payload is not a cosign image signature payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed signature payload: {0}")]
pub struct PayloadError(pub String);

/// The simple-signing payload of a cosign image signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimpleSigning {
    /// The signed claims.
    pub critical: Critical,
    /// Annotations (`-a key=value`); `null` when there are none, as cosign writes it.
    pub optional: Option<BTreeMap<String, serde_json::Value>>,
}

/// `critical` of the payload. Unknown fields are refused, as the format requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Critical {
    /// The claimed identity.
    pub identity: Identity,
    /// The signed image.
    pub image: SignedImage,
    /// Always [`COSIGN_SIGNATURE_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
}

/// `critical.identity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Repository the signer named (`registry/repository`).
    #[serde(rename = "docker-reference")]
    pub docker_reference: String,
}

/// `critical.image`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedImage {
    /// Digest of the signed manifest.
    #[serde(rename = "docker-manifest-digest")]
    pub docker_manifest_digest: String,
}

impl SimpleSigning {
    /// The payload for `image` (which must be pinned to a digest) with `annotations`.
    pub fn new(image: &ImageReference, annotations: &BTreeMap<String, String>) -> Self {
        let digest = image
            .digest
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        SimpleSigning {
            critical: Critical {
                identity: Identity {
                    docker_reference: docker_reference(image),
                },
                image: SignedImage {
                    docker_manifest_digest: digest,
                },
                kind: COSIGN_SIGNATURE_TYPE.to_string(),
            },
            optional: (!annotations.is_empty()).then(|| {
                annotations
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect()
            }),
        }
    }

    /// The payload bytes, as Go's `json.Marshal` writes them (compact, map keys
    /// sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped), so that `sc` and cosign
    /// write the same bytes for the same claims.
    pub fn to_bytes(&self) -> Vec<u8> {
        let json = serde_json::to_string(self).expect("payload serializes");
        go_json_escape(&json).into_bytes()
    }

    /// Parse payload bytes; the `critical` section must be complete and of cosign's type.
    pub fn parse(bytes: &[u8]) -> Result<Self, PayloadError> {
        let p: SimpleSigning =
            serde_json::from_slice(bytes).map_err(|e| PayloadError(e.to_string()))?;
        if p.critical.kind != COSIGN_SIGNATURE_TYPE {
            return Err(PayloadError(format!(
                "type is '{}', expected '{COSIGN_SIGNATURE_TYPE}'",
                p.critical.kind
            )));
        }
        Ok(p)
    }

    /// The signed digest.
    pub fn digest(&self) -> Result<Digest, PayloadError> {
        self.critical
            .image
            .docker_manifest_digest
            .parse()
            .map_err(|e| PayloadError(format!("docker-manifest-digest: {e}")))
    }

    /// True when the claimed `docker-reference` names the repository of `image`
    /// (`index.docker.io` and `docker.io` are the same registry; a tag or digest in
    /// the claim is ignored).
    pub fn names_repository(&self, image: &ImageReference) -> bool {
        let claimed = &self.critical.identity.docker_reference;
        match ImageReference::parse(claimed) {
            Ok(r) => r.registry == image.registry && r.repository == image.repository,
            Err(_) => claimed == &docker_reference(image),
        }
    }
}

/// Go's `encoding/json` HTML-safe escaping applied to serde_json's output. Inside
/// JSON these characters can only occur in strings, so replacing them everywhere is
/// exact.
fn go_json_escape(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A signature layer descriptor: the payload blob and its signature annotation
/// (plus the bundle annotation when there is one).
pub fn signature_layer(payload: &[u8], signature_b64: &str, bundle: Option<&str>) -> Descriptor {
    let mut annotations = BTreeMap::new();
    annotations.insert(SIGNATURE_ANNOTATION.to_string(), signature_b64.to_string());
    if let Some(b) = bundle {
        annotations.insert(BUNDLE_ANNOTATION.to_string(), b.to_string());
    }
    let mut d = Descriptor::new(
        SIMPLESIGNING_MEDIA_TYPE,
        Digest::sha256_of(payload),
        payload.len() as u64,
    );
    d.annotations = Some(annotations);
    d
}

/// The config blob go-containerregistry writes for a signature image with these
/// layers (the payloads are stored uncompressed, so each diff_id is the layer digest).
pub fn signature_config(layers: &[Descriptor]) -> Vec<u8> {
    let history = vec![r#"{"created":"0001-01-01T00:00:00Z"}"#; layers.len()].join(",");
    let diff_ids = layers
        .iter()
        .map(|l| format!("\"{}\"", l.digest))
        .collect::<Vec<_>>()
        .join(",");
    let history = if layers.is_empty() {
        String::new()
    } else {
        format!(r#""history":[{history}],"#)
    };
    format!(
        r#"{{"architecture":"","created":"0001-01-01T00:00:00Z",{history}"os":"","rootfs":{{"type":"layers","diff_ids":[{diff_ids}]}},"config":{{}}}}"#
    )
    .into_bytes()
}

/// go-containerregistry's descriptor field order (mediaType, size, digest, ...).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GgcrDescriptor<'a> {
    media_type: &'a str,
    size: u64,
    digest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    urls: Option<&'a Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<&'a BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact_type: Option<&'a str>,
}

impl<'a> From<&'a Descriptor> for GgcrDescriptor<'a> {
    fn from(d: &'a Descriptor) -> Self {
        GgcrDescriptor {
            media_type: &d.media_type,
            size: d.size,
            digest: d.digest.to_string(),
            urls: d.urls.as_ref(),
            annotations: d.annotations.as_ref(),
            artifact_type: d.artifact_type.as_deref(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GgcrManifest<'a> {
    schema_version: u32,
    media_type: &'a str,
    config: GgcrDescriptor<'a>,
    layers: Vec<GgcrDescriptor<'a>>,
}

/// A signature manifest ready to push: the manifest bytes and its config blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureManifest {
    /// The OCI manifest (JSON).
    pub manifest: Vec<u8>,
    /// The config blob it names.
    pub config: Vec<u8>,
}

/// Build the signature manifest for `layers` (existing signatures first, then new ones).
pub fn signature_manifest(layers: &[Descriptor]) -> SignatureManifest {
    let config = signature_config(layers);
    let config_desc = Descriptor::new(
        MEDIA_TYPE_OCI_CONFIG,
        Digest::sha256_of(&config),
        config.len() as u64,
    );
    let manifest = GgcrManifest {
        schema_version: 2,
        media_type: MEDIA_TYPE_OCI_MANIFEST,
        config: (&config_desc).into(),
        layers: layers.iter().map(Into::into).collect(),
    };
    SignatureManifest {
        manifest: serde_json::to_vec(&manifest).expect("manifest serializes"),
        config,
    }
}

/// Parse a signature manifest (ours, cosign's, or any OCI/Docker image manifest).
pub fn parse_signature_manifest(bytes: &[u8]) -> Result<ImageManifest, String> {
    match crate::source::model::ManifestKind::parse(bytes, None) {
        Ok(crate::source::model::ManifestKind::Image(m)) => Ok(*m),
        Ok(crate::source::model::ManifestKind::Index(_)) => {
            Err("an image index where a signature manifest was expected".into())
        }
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pinned(s: &str) -> ImageReference {
        s.parse().unwrap()
    }

    const D: &str = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    #[test]
    fn payload_bytes_are_cosigns() {
        let img = pinned(&format!("localhost:5000/sc/app@{D}"));
        let p = SimpleSigning::new(&img, &BTreeMap::new());
        assert_eq!(
            String::from_utf8(p.to_bytes()).unwrap(),
            format!(
                r#"{{"critical":{{"identity":{{"docker-reference":"localhost:5000/sc/app"}},"image":{{"docker-manifest-digest":"{D}"}},"type":"cosign container image signature"}},"optional":null}}"#
            )
        );
        let mut ann = BTreeMap::new();
        ann.insert("z".to_string(), "last".to_string());
        ann.insert("a".to_string(), "<b>&</b>".to_string());
        let p = SimpleSigning::new(&img, &ann);
        let text = String::from_utf8(p.to_bytes()).unwrap();
        assert!(
            text.ends_with(r#""optional":{"a":"\u003cb\u003e\u0026\u003c/b\u003e","z":"last"}}"#),
            "{text}"
        );
        // Escaped or not, it parses back to the same claims.
        assert_eq!(SimpleSigning::parse(text.as_bytes()).unwrap(), p);
    }

    #[test]
    fn docker_hub_is_index_docker_io() {
        let img = pinned(&format!("nginx@{D}"));
        assert_eq!(docker_reference(&img), "index.docker.io/library/nginx");
        let p = SimpleSigning::new(&img, &BTreeMap::new());
        assert!(p.names_repository(&img));
        assert!(!p.names_repository(&pinned(&format!("ghcr.io/library/nginx@{D}"))));
    }

    #[test]
    fn parse_is_strict_about_critical() {
        let good = format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"r/x"}},"image":{{"docker-manifest-digest":"{D}"}},"type":"cosign container image signature"}},"optional":{{"n":1}}}}"#
        );
        let p = SimpleSigning::parse(good.as_bytes()).unwrap();
        assert_eq!(p.digest().unwrap().to_string(), D);
        for bad in [
            good.replace(
                "cosign container image signature",
                "atomic container signature",
            ),
            good.replace(r#""type""#, r#""extra":1,"type""#),
            good.replace("docker-manifest-digest", "digest"),
            "not json".to_string(),
            good[..good.len() - 1].to_string(),
        ] {
            assert!(SimpleSigning::parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn config_and_manifest_match_ggcr() {
        let payload = b"payload";
        let layer = signature_layer(payload, "c2ln", None);
        let config = String::from_utf8(signature_config(std::slice::from_ref(&layer))).unwrap();
        assert_eq!(
            config,
            format!(
                r#"{{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{{"created":"0001-01-01T00:00:00Z"}}],"os":"","rootfs":{{"type":"layers","diff_ids":["{}"]}},"config":{{}}}}"#,
                layer.digest
            )
        );
        let m = signature_manifest(&[layer.clone(), layer.clone()]);
        let text = String::from_utf8(m.manifest.clone()).unwrap();
        assert!(text.starts_with(r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":"#), "{text}");
        assert!(text.contains(&format!(
            r#"{{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":7,"digest":"{}","annotations":{{"dev.cosignproject.cosign/signature":"c2ln"}}}}"#,
            layer.digest
        )));
        let parsed = parse_signature_manifest(&m.manifest).unwrap();
        assert_eq!(parsed.layers.len(), 2);
        assert_eq!(parsed.config.digest, Digest::sha256_of(&m.config));
        assert_eq!(
            parsed.layers[0].annotation(SIGNATURE_ANNOTATION),
            Some("c2ln")
        );
        assert!(String::from_utf8(m.config).unwrap().contains(
            r#""history":[{"created":"0001-01-01T00:00:00Z"},{"created":"0001-01-01T00:00:00Z"}]"#
        ));
    }
}
