//! Sigstore trust material: `trusted_root.json` (what verification trusts:
//! Fulcio CAs, Rekor and CT log keys, timestamp authorities, each with its
//! validity window) and `signing_config.json` (which Fulcio, Rekor, TSA and
//! OIDC services a signer uses).
//!
//! Both are the protobuf-specs JSON documents every Sigstore client reads; the
//! parsing is `sigstore-trust-root`'s, wrapped so that callers see our types
//! and one error enum. Nothing here touches the network: a trusted root comes
//! from a file, or from the snapshots of the public-good and staging instances
//! compiled into the library.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why trust material could not be loaded.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TrustError {
    /// The file could not be read.
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The document is not a valid trusted root.
    #[error("invalid trusted root{}: {detail}", origin(.path))]
    TrustedRoot {
        /// Where it came from, when it was a file.
        path: Option<PathBuf>,
        /// What is wrong with it.
        detail: String,
    },
    /// The document is not a valid signing config.
    #[error("invalid signing config{}: {detail}", origin(.path))]
    SigningConfig {
        /// Where it came from, when it was a file.
        path: Option<PathBuf>,
        /// What is wrong with it.
        detail: String,
    },
}

fn origin(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!(" {}", p.display()))
        .unwrap_or_default()
}

fn read(path: &Path) -> Result<String, TrustError> {
    std::fs::read_to_string(path).map_err(|source| TrustError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// A well-known Sigstore deployment whose trust material ships with `sc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigstoreInstance {
    /// The public-good production instance (fulcio.sigstore.dev, rekor.sigstore.dev).
    PublicGood,
    /// The public-good staging instance.
    Staging,
}

impl SigstoreInstance {
    fn upstream(self) -> sigstore_verify::trust_root::SigstoreInstance {
        match self {
            SigstoreInstance::PublicGood => {
                sigstore_verify::trust_root::SigstoreInstance::PublicGood
            }
            SigstoreInstance::Staging => sigstore_verify::trust_root::SigstoreInstance::Staging,
        }
    }
}

/// Media types of the trusted root versions sc reads.
pub const TRUSTED_ROOT_MEDIA_TYPES: &[&str] = &[
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    "application/vnd.dev.sigstore.trustedroot.v0.2+json",
];

/// A parsed `trusted_root.json` (media type
/// `application/vnd.dev.sigstore.trustedroot+json;version=0.1`).
#[derive(Debug, Clone)]
pub struct TrustedRoot {
    inner: sigstore_verify::trust_root::TrustedRoot,
}

impl TrustedRoot {
    /// Parse a trusted root from its JSON text.
    pub fn from_json(json: &str) -> Result<Self, TrustError> {
        Self::parse(json, None)
    }

    /// Read and parse a `trusted_root.json` file.
    pub fn from_file(path: &Path) -> Result<Self, TrustError> {
        Self::parse(&read(path)?, Some(path))
    }

    fn parse(json: &str, path: Option<&Path>) -> Result<Self, TrustError> {
        let invalid = |detail: String| TrustError::TrustedRoot {
            path: path.map(Path::to_path_buf),
            detail,
        };
        let inner = sigstore_verify::trust_root::TrustedRoot::from_json(json)
            .map_err(|e| invalid(e.to_string()))?;
        // The upstream parser takes any media type; a document of another kind
        // (a signing config, a bundle) must not pass for an empty trusted root.
        if !TRUSTED_ROOT_MEDIA_TYPES.contains(&inner.media_type.as_str()) {
            return Err(invalid(format!(
                "media type {:?} is not a trusted root's ({})",
                inner.media_type,
                TRUSTED_ROOT_MEDIA_TYPES.join(", ")
            )));
        }
        Ok(TrustedRoot { inner })
    }

    /// The snapshot of an instance's trusted root compiled into `sc` (from
    /// `sigstore-trust-root`). Snapshots go stale when the instance rotates
    /// keys; pass a current `trusted_root.json` for production verification.
    pub fn embedded(instance: SigstoreInstance) -> Result<Self, TrustError> {
        Self::parse(instance.upstream().embedded_trusted_root_json(), None)
    }

    /// Number of Fulcio certificate authorities it trusts.
    pub fn certificate_authority_count(&self) -> usize {
        self.inner.certificate_authorities.len()
    }

    /// Number of transparency logs (Rekor) it trusts.
    pub fn transparency_log_count(&self) -> usize {
        self.inner.tlogs.len()
    }

    /// Number of certificate transparency logs it trusts.
    pub fn ct_log_count(&self) -> usize {
        self.inner.ctlogs.len()
    }

    /// Number of RFC 3161 timestamp authorities it trusts.
    pub fn timestamp_authority_count(&self) -> usize {
        self.inner.timestamp_authorities.len()
    }

    pub(crate) fn upstream(&self) -> &sigstore_verify::trust_root::TrustedRoot {
        &self.inner
    }
}

/// One service a signing config names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUrl {
    /// Base URL of the service.
    pub url: String,
    /// Major API version it speaks (Rekor: 1 or 2).
    pub api_version: u32,
}

/// A parsed `signing_config.json` (media type
/// `application/vnd.dev.sigstore.signingconfig.v0.2+json`): the services a
/// signer uses, each with its validity window.
#[derive(Debug, Clone)]
pub struct SigningConfig {
    inner: sigstore_verify::trust_root::SigningConfig,
}

impl SigningConfig {
    /// Parse a signing config from its JSON text.
    pub fn from_json(json: &str) -> Result<Self, TrustError> {
        Self::parse(json, None)
    }

    /// Read and parse a `signing_config.json` file.
    pub fn from_file(path: &Path) -> Result<Self, TrustError> {
        Self::parse(&read(path)?, Some(path))
    }

    fn parse(json: &str, path: Option<&Path>) -> Result<Self, TrustError> {
        sigstore_verify::trust_root::SigningConfig::from_json(json)
            .map(|inner| SigningConfig { inner })
            .map_err(|e| TrustError::SigningConfig {
                path: path.map(Path::to_path_buf),
                detail: e.to_string(),
            })
    }

    /// The snapshot of an instance's signing config compiled into `sc`.
    pub fn embedded(instance: SigstoreInstance) -> Result<Self, TrustError> {
        match instance.upstream().embedded_signing_config_json() {
            Some(json) => Self::parse(json, None),
            None => Err(TrustError::SigningConfig {
                path: None,
                detail: format!("no signing config is embedded for {instance:?}"),
            }),
        }
    }

    /// The Fulcio CA to use: the first one currently valid.
    pub fn fulcio(&self) -> Option<ServiceUrl> {
        self.inner.fulcio_url().map(service)
    }

    /// The Rekor log to use: the currently valid one with the highest API
    /// version, or only `version` when given.
    pub fn rekor(&self, version: Option<u32>) -> Option<ServiceUrl> {
        self.inner.rekor_url(version).map(service)
    }

    /// The RFC 3161 timestamp authority to use, if the config names one.
    pub fn tsa(&self) -> Option<ServiceUrl> {
        self.inner.tsa_url().map(service)
    }

    /// The OIDC provider to use, if the config names one.
    pub fn oidc(&self) -> Option<ServiceUrl> {
        self.inner.oidc_url().map(service)
    }
}

fn service(e: &sigstore_verify::trust_root::ServiceEndpoint) -> ServiceUrl {
    ServiceUrl {
        url: e.url.clone(),
        api_version: e.major_api_version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_instances_parse() {
        for instance in [SigstoreInstance::PublicGood, SigstoreInstance::Staging] {
            let root = TrustedRoot::embedded(instance).unwrap();
            assert!(root.certificate_authority_count() > 0, "{instance:?}");
            assert!(root.transparency_log_count() > 0, "{instance:?}");
            let config = SigningConfig::embedded(instance).unwrap();
            assert!(config.fulcio().is_some(), "{instance:?}");
            assert!(config.rekor(None).is_some(), "{instance:?}");
        }
    }

    #[test]
    fn malformed_documents_are_rejected_with_their_origin() {
        let e = TrustedRoot::from_json("{").unwrap_err();
        assert!(matches!(e, TrustError::TrustedRoot { .. }), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("trusted_root.json");
        std::fs::write(&p, r#"{"mediaType":"nope"}"#).unwrap();
        let e = TrustedRoot::from_file(&p).unwrap_err();
        assert!(e.to_string().contains("trusted_root.json"), "{e}");
        let e = TrustedRoot::from_file(&dir.path().join("missing.json")).unwrap_err();
        assert!(matches!(e, TrustError::Read { .. }), "{e}");
        let e = SigningConfig::from_json(r#"{"mediaType":"application/x"}"#).unwrap_err();
        assert!(matches!(e, TrustError::SigningConfig { .. }), "{e}");
    }
}
