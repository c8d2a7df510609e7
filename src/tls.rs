//! Trust roots for every HTTPS connection `sc` makes (registries, OIDC token
//! requests): the system store when it has certificates (honouring
//! `SSL_CERT_FILE` and `SSL_CERT_DIR`), else the Mozilla roots compiled into the
//! binary — so `sc` in a `FROM scratch` image, which has no CA store, still
//! verifies public registries — plus any extra CA files given (`--registry-ca-file`).
//!
//! Certificates are always passed explicitly (`tls_certs_only`), so the result does
//! not depend on a platform verifier finding a store at run time.

use std::path::Path;
use std::sync::OnceLock;

/// Where the default roots came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootSource {
    /// The system certificate store.
    System,
    /// The bundled Mozilla roots (no usable system store).
    Bundled,
}

fn default_roots() -> &'static (Vec<Vec<u8>>, RootSource) {
    static ROOTS: OnceLock<(Vec<Vec<u8>>, RootSource)> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let native = rustls_native_certs::load_native_certs();
        if !native.certs.is_empty() {
            (
                native
                    .certs
                    .into_iter()
                    .map(|c| c.as_ref().to_vec())
                    .collect(),
                RootSource::System,
            )
        } else {
            tracing::debug!("no system CA certificates found; using the bundled Mozilla roots");
            (
                webpki_root_certs::TLS_SERVER_ROOT_CERTS
                    .iter()
                    .map(|c| c.as_ref().to_vec())
                    .collect(),
                RootSource::Bundled,
            )
        }
    })
}

/// Where the default roots come from on this machine.
pub fn root_source() -> RootSource {
    default_roots().1
}

/// DER certificates of the default trust roots.
pub fn default_root_ders() -> &'static [Vec<u8>] {
    &default_roots().0
}

/// Split a PEM bundle into single-certificate PEM blocks.
pub fn split_pem_bundle(pem: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(pem);
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.starts_with("-----BEGIN CERTIFICATE-----") {
            current.clear();
        }
        current.push_str(line);
        current.push('\n');
        if line.starts_with("-----END CERTIFICATE-----") {
            out.push(std::mem::take(&mut current).into_bytes());
        }
    }
    out
}

/// Read PEM certificates from `path` (one or many), erroring when it holds none.
pub fn read_pem_file(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("CA file {}: {e}", path.display()))?;
    let certs = split_pem_bundle(&pem);
    if certs.is_empty() {
        return Err(format!(
            "CA file {}: no PEM certificate in it",
            path.display()
        ));
    }
    Ok(certs)
}

/// A reqwest client builder trusting the default roots plus `extra_pem` certificates.
pub fn client_builder(extra_pem: &[Vec<u8>]) -> Result<reqwest::ClientBuilder, String> {
    let mut certs = Vec::with_capacity(default_root_ders().len() + extra_pem.len());
    for der in default_root_ders() {
        // A root the TLS stack cannot parse is skipped, as platform verifiers do.
        if let Ok(c) = reqwest::Certificate::from_der(der) {
            certs.push(c);
        }
    }
    for pem in extra_pem {
        certs
            .push(reqwest::Certificate::from_pem(pem).map_err(|e| format!("CA certificate: {e}"))?);
    }
    Ok(reqwest::Client::builder().tls_certs_only(certs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_never_empty_and_clients_build() {
        assert!(!default_root_ders().is_empty());
        assert!(client_builder(&[]).unwrap().build().is_ok());
    }

    #[test]
    fn pem_bundles_split() {
        let pem = b"-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\njunk\n-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n";
        let certs = split_pem_bundle(pem);
        assert_eq!(certs.len(), 2);
        assert!(String::from_utf8_lossy(&certs[1]).contains("BBB"));
    }
}
