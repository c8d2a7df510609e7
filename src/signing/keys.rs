//! Cosign key pairs: ECDSA P-256 keys in the files `cosign generate-key-pair` writes
//! and reads, with no cosign binary.
//!
//! - `cosign.key`: PEM `ENCRYPTED SIGSTORE PRIVATE KEY` (older cosign: `ENCRYPTED
//!   COSIGN PRIVATE KEY`). The PEM body is a JSON document (the format of
//!   go-securesystemslib's `encrypted` package):
//!   `{"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"<b64>"},
//!   "cipher":{"name":"nacl/secretbox","nonce":"<b64>"},"ciphertext":"<b64>"}`.
//!   The key is scrypt(password, salt, N, r, p) → 32 bytes; the ciphertext is
//!   NaCl secretbox (XSalsa20-Poly1305, tag first) of the PKCS#8 DER private key
//!   under a random 24-byte nonce. Decryption accepts exactly the three parameter
//!   sets that implementation accepts (N = 2^15, 2^16, 2^17 with r = 8, p = 1), so a
//!   hostile file cannot ask for an unbounded amount of memory.
//! - `cosign.pub`: PEM `PUBLIC KEY` (PKIX SubjectPublicKeyInfo).
//!
//! Also read: unencrypted PKCS#8 (`PRIVATE KEY`) and SEC1 (`EC PRIVATE KEY`) PEMs, as
//! `cosign import-key-pair` does. Only ECDSA P-256 keys are supported (what cosign
//! generates); RSA and Ed25519 keys are refused with a clear error.
//!
//! Secrets are zeroized on drop: passwords ([`Password`]), derived keys, decrypted
//! PKCS#8 bytes, and the signing key itself. `Debug` never prints them.
//!
//! ```
//! use sc::signing::keys::{generate_key_pair, Password, SigningKey, PublicKey, KdfParams};
//! let pw = Password::new("correct horse");
//! // (LEGACY parameters keep the doctest fast; files use STANDARD.)
//! let pair = generate_key_pair(&pw, KdfParams::LEGACY).unwrap();
//! let key = SigningKey::from_pem(pair.private_pem.as_bytes(), || Ok(pw.clone())).unwrap();
//! let public = PublicKey::from_pem(pair.public_pem.as_bytes()).unwrap();
//! let sig = key.sign(b"payload");
//! assert!(public.verify(b"payload", &sig).is_ok());
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// PEM label of the private keys cosign 2.x and later write.
pub const SIGSTORE_PRIVATE_KEY_PEM_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// PEM label of the private keys cosign 1.x wrote (still read).
pub const COSIGN_PRIVATE_KEY_PEM_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";
/// PEM label of an unencrypted PKCS#8 private key.
pub const PKCS8_PEM_LABEL: &str = "PRIVATE KEY";
/// PEM label of an unencrypted SEC1 EC private key.
pub const SEC1_PEM_LABEL: &str = "EC PRIVATE KEY";
/// PEM label of a PKIX public key.
pub const PUBLIC_KEY_PEM_LABEL: &str = "PUBLIC KEY";

const KDF_NAME: &str = "scrypt";
const CIPHER_NAME: &str = "nacl/secretbox";
const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const BOX_KEY_LEN: usize = 32;
/// Largest key file read (cosign keys are well under 1 KiB).
const MAX_KEY_FILE: u64 = 64 * 1024;

/// Why a key could not be generated, read, written or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Not PEM, or not the PEM block expected.
    #[error("{what}: not a PEM file ({detail})")]
    Pem {
        /// Which input.
        what: String,
        /// What is wrong.
        detail: String,
    },
    /// A PEM block of a kind `sc` does not read.
    #[error("{what}: unsupported PEM type '{label}' (expected {expected})")]
    UnsupportedPem {
        /// Which input.
        what: String,
        /// The PEM label found.
        label: String,
        /// What would be accepted.
        expected: &'static str,
    },
    /// The encrypted key's JSON is malformed or uses parameters we refuse.
    #[error("encrypted private key: {0}")]
    Encrypted(String),
    /// Authentication of the ciphertext failed: wrong password or a corrupted file.
    #[error("decrypting the private key failed: wrong password, or the key file is corrupted")]
    WrongPassword,
    /// The key material is not an ECDSA P-256 key we can use.
    #[error("{what}: {detail}")]
    UnsupportedKey {
        /// Which input.
        what: String,
        /// What is wrong.
        detail: String,
    },
    /// No password could be obtained.
    #[error("{0}")]
    Password(String),
    /// The operating system's random number generator failed.
    #[error("random number generator failed: {0}")]
    Random(String),
    /// A signature does not verify with the key.
    #[error("signature does not verify with the public key")]
    BadSignature,
    /// A key file could not be read or written.
    #[error("{path}: {detail}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
}

/// A password for an encrypted private key; zeroized on drop, never printed.
/// Cosign allows an empty password, and so does `sc`.
#[derive(Clone, Default)]
pub struct Password(Zeroizing<Vec<u8>>);

impl Password {
    /// A password from bytes or a string (moved, not copied, from a `String`/`Vec`).
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Password(Zeroizing::new(secret.into()))
    }

    /// The password bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl PartialEq for Password {
    fn eq(&self, other: &Self) -> bool {
        // Not timing-sensitive: used to compare a typed password with its confirmation.
        self.0.as_slice() == other.0.as_slice()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// scrypt cost parameters of an encrypted key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// CPU/memory cost N (a power of two).
    pub n: u32,
    /// Block size r.
    pub r: u32,
    /// Parallelism p.
    pub p: u32,
}

impl KdfParams {
    /// N = 32768, r = 8, p = 1: what cosign wrote before go-securesystemslib 0.7.
    pub const LEGACY: KdfParams = KdfParams {
        n: 32768,
        r: 8,
        p: 1,
    };
    /// N = 65536, r = 8, p = 1: what current cosign writes, and `sc` too.
    pub const STANDARD: KdfParams = KdfParams {
        n: 65536,
        r: 8,
        p: 1,
    };
    /// N = 131072, r = 8, p = 1: the strongest set cosign reads.
    pub const OWASP: KdfParams = KdfParams {
        n: 131072,
        r: 8,
        p: 1,
    };

    fn is_accepted(&self) -> bool {
        [Self::LEGACY, Self::STANDARD, Self::OWASP].contains(self)
    }

    fn derive(&self, password: &Password, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        let log_n = self.n.trailing_zeros() as u8;
        let params = scrypt::Params::new(log_n, self.r, self.p)
            .map_err(|e| KeyError::Encrypted(format!("scrypt parameters: {e}")))?;
        let mut key = Zeroizing::new([0u8; BOX_KEY_LEN]);
        scrypt::scrypt(password.as_bytes(), salt, &params, key.as_mut_slice())
            .map_err(|e| KeyError::Encrypted(format!("scrypt: {e}")))?;
        Ok(key)
    }
}

#[derive(Serialize, Deserialize)]
struct EncryptedKey {
    kdf: Kdf,
    cipher: Cipher,
    #[serde(with = "b64")]
    ciphertext: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParamsJson,
    #[serde(with = "b64")]
    salt: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct ScryptParamsJson {
    #[serde(rename = "N")]
    n: u32,
    r: u32,
    p: u32,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    #[serde(with = "b64")]
    nonce: Vec<u8>,
}

/// `[]byte` fields as Go's encoding/json writes them: standard base64 with padding.
mod b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

fn random_bytes<const N: usize>() -> Result<[u8; N], KeyError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(buf)
}

/// Encrypt `plaintext` under `password` in cosign's format (the JSON document that
/// is the PEM body of `cosign.key`).
pub fn encrypt(
    plaintext: &[u8],
    password: &Password,
    params: KdfParams,
) -> Result<Vec<u8>, KeyError> {
    use crypto_secretbox::aead::{Aead, KeyInit};
    if !params.is_accepted() {
        return Err(KeyError::Encrypted(format!(
            "unsupported scrypt parameters N={} r={} p={}",
            params.n, params.r, params.p
        )));
    }
    let salt = random_bytes::<SALT_LEN>()?;
    let nonce = random_bytes::<NONCE_LEN>()?;
    let key = params.derive(password, &salt)?;
    let cipher = crypto_secretbox::XSalsa20Poly1305::new(key.as_slice().into());
    let ciphertext = cipher
        .encrypt(nonce.as_slice().into(), plaintext)
        .map_err(|_| KeyError::Encrypted("encryption failed".into()))?;
    let doc = EncryptedKey {
        kdf: Kdf {
            name: KDF_NAME.into(),
            params: ScryptParamsJson {
                n: params.n,
                r: params.r,
                p: params.p,
            },
            salt: salt.to_vec(),
        },
        cipher: Cipher {
            name: CIPHER_NAME.into(),
            nonce: nonce.to_vec(),
        },
        ciphertext,
    };
    serde_json::to_vec(&doc).map_err(|e| KeyError::Encrypted(e.to_string()))
}

/// Decrypt a document written by [`encrypt`] or by cosign / go-securesystemslib.
pub fn decrypt(document: &[u8], password: &Password) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    use crypto_secretbox::aead::{Aead, KeyInit};
    let doc: EncryptedKey = serde_json::from_slice(document)
        .map_err(|e| KeyError::Encrypted(format!("malformed JSON: {e}")))?;
    if doc.kdf.name != KDF_NAME {
        return Err(KeyError::Encrypted(format!(
            "unknown kdf name '{}' (expected '{KDF_NAME}')",
            doc.kdf.name
        )));
    }
    if doc.cipher.name != CIPHER_NAME {
        return Err(KeyError::Encrypted(format!(
            "unknown cipher name '{}' (expected '{CIPHER_NAME}')",
            doc.cipher.name
        )));
    }
    let params = KdfParams {
        n: doc.kdf.params.n,
        r: doc.kdf.params.r,
        p: doc.kdf.params.p,
    };
    if !params.is_accepted() {
        return Err(KeyError::Encrypted(format!(
            "unsupported scrypt parameters N={} r={} p={} (accepted: N=32768, 65536 or 131072 with r=8, p=1)",
            params.n, params.r, params.p
        )));
    }
    if doc.cipher.nonce.len() != NONCE_LEN {
        return Err(KeyError::Encrypted(format!(
            "nonce is {} bytes, expected {NONCE_LEN}",
            doc.cipher.nonce.len()
        )));
    }
    let key = params.derive(password, &doc.kdf.salt)?;
    let cipher = crypto_secretbox::XSalsa20Poly1305::new(key.as_slice().into());
    cipher
        .decrypt(
            doc.cipher.nonce.as_slice().into(),
            doc.ciphertext.as_slice(),
        )
        .map(Zeroizing::new)
        .map_err(|_| KeyError::WrongPassword)
}

/// One PEM block: its label and decoded body.
struct PemBlock {
    label: String,
    body: Zeroizing<Vec<u8>>,
}

/// The first PEM block of `text` (as Go's `pem.Decode` takes the first block).
fn pem_decode(text: &[u8], what: &str) -> Result<PemBlock, KeyError> {
    let err = |detail: &str| KeyError::Pem {
        what: what.to_string(),
        detail: detail.to_string(),
    };
    let text = std::str::from_utf8(text).map_err(|_| err("not UTF-8 text"))?;
    let mut lines = text.lines().map(str::trim);
    let label = lines
        .by_ref()
        .find_map(|l| {
            l.strip_prefix("-----BEGIN ")
                .and_then(|r| r.strip_suffix("-----"))
        })
        .ok_or_else(|| err("no -----BEGIN line"))?
        .to_string();
    let end = format!("-----END {label}-----");
    let mut b64 = Zeroizing::new(String::new());
    let mut closed = false;
    for line in lines {
        if line == end {
            closed = true;
            break;
        }
        if line.contains(':') {
            return Err(err(
                "PEM headers (legacy OpenSSL encryption) are not supported; convert the key to PKCS#8",
            ));
        }
        b64.push_str(line);
    }
    if !closed {
        return Err(err(&format!("no '{end}' line")));
    }
    let body = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|e| err(&format!("invalid base64: {e}")))?;
    Ok(PemBlock {
        label,
        body: Zeroizing::new(body),
    })
}

/// PEM as Go's `pem.EncodeToMemory` writes it: 64-character lines, LF endings.
fn pem_encode(label: &str, body: &[u8]) -> String {
    let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(body));
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str(&format!("-----BEGIN {label}-----\n"));
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// An ECDSA P-256 private key (zeroized on drop; `Debug` shows only its public key's fingerprint).
#[derive(Clone)]
pub struct SigningKey {
    inner: p256::ecdsa::SigningKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("public_key", &self.public_key().fingerprint())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Result<Self, KeyError> {
        use p256::elliptic_curve::Generate as _;
        let inner =
            p256::ecdsa::SigningKey::try_generate().map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(SigningKey { inner })
    }

    /// Read a private key PEM: cosign's encrypted format (the password is asked
    /// for, through `password`, only then), or unencrypted PKCS#8 / SEC1.
    pub fn from_pem(
        pem: &[u8],
        password: impl FnOnce() -> Result<Password, KeyError>,
    ) -> Result<Self, KeyError> {
        let what = "private key";
        let block = pem_decode(pem, what)?;
        let unsupported = |detail: String| KeyError::UnsupportedKey {
            what: what.to_string(),
            detail,
        };
        let inner = match block.label.as_str() {
            SIGSTORE_PRIVATE_KEY_PEM_LABEL | COSIGN_PRIVATE_KEY_PEM_LABEL => {
                let der = decrypt(&block.body, &password()?)?;
                pkcs8_key(&der).map_err(unsupported)?
            }
            PKCS8_PEM_LABEL => pkcs8_key(&block.body).map_err(unsupported)?,
            SEC1_PEM_LABEL => p256::SecretKey::from_sec1_der(&block.body)
                .map(p256::ecdsa::SigningKey::from)
                .map_err(|e| unsupported(format!("not an ECDSA P-256 SEC1 key: {e}")))?,
            "RSA PRIVATE KEY" => {
                return Err(unsupported(
                    "RSA keys are not supported (sc signs with ECDSA P-256, as cosign generates)"
                        .into(),
                ))
            }
            other => {
                return Err(KeyError::UnsupportedPem {
                    what: what.into(),
                    label: other.into(),
                    expected: "ENCRYPTED SIGSTORE PRIVATE KEY, ENCRYPTED COSIGN PRIVATE KEY, PRIVATE KEY or EC PRIVATE KEY",
                })
            }
        };
        Ok(SigningKey { inner })
    }

    /// Read a private key file (see [`SigningKey::from_pem`]).
    pub fn from_file(
        path: &Path,
        password: impl FnOnce() -> Result<Password, KeyError>,
    ) -> Result<Self, KeyError> {
        let bytes = read_small(path)?;
        Self::from_pem(&bytes, password).map_err(|e| match e {
            KeyError::Io { .. } | KeyError::WrongPassword | KeyError::Password(_) => e,
            other => KeyError::Io {
                path: path.to_path_buf(),
                detail: other.to_string(),
            },
        })
    }

    /// This key in cosign's encrypted PEM (`ENCRYPTED SIGSTORE PRIVATE KEY`).
    pub fn to_encrypted_pem(
        &self,
        password: &Password,
        params: KdfParams,
    ) -> Result<Zeroizing<String>, KeyError> {
        let der = self
            .inner
            .to_pkcs8_der()
            .map_err(|e| KeyError::Encrypted(format!("PKCS#8 encoding: {e}")))?;
        let doc = encrypt(der.as_bytes(), password, params)?;
        Ok(Zeroizing::new(pem_encode(
            SIGSTORE_PRIVATE_KEY_PEM_LABEL,
            &doc,
        )))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            inner: *self.inner.verifying_key(),
        }
    }

    /// ECDSA-P256-SHA256 signature of `message`, ASN.1 DER (what cosign stores, base64'd).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: p256::ecdsa::Signature = self.inner.sign(message);
        sig.to_der().as_bytes().to_vec()
    }
}

fn pkcs8_key(der: &[u8]) -> Result<p256::ecdsa::SigningKey, String> {
    p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|e| {
        format!(
            "not an ECDSA P-256 PKCS#8 key ({e}); sc signs with ECDSA P-256, as cosign generates"
        )
    })
}

fn read_small(path: &Path) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    use std::io::Read;
    let io = |e: std::io::Error| KeyError::Io {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_KEY_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        return Err(KeyError::Io {
            path: path.to_path_buf(),
            detail: format!("larger than {MAX_KEY_FILE} bytes: not a key file"),
        });
    }
    Ok(bytes)
}

/// An ECDSA P-256 public key.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    inner: p256::ecdsa::VerifyingKey,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.fingerprint())
    }
}

impl PublicKey {
    /// Read a `PUBLIC KEY` PEM (PKIX), as `cosign.pub`.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let what = "public key";
        let block = pem_decode(pem, what)?;
        if block.label != PUBLIC_KEY_PEM_LABEL {
            return Err(KeyError::UnsupportedPem {
                what: what.into(),
                label: block.label,
                expected: "PUBLIC KEY",
            });
        }
        let inner = p256::ecdsa::VerifyingKey::from_public_key_der(&block.body).map_err(|e| {
            KeyError::UnsupportedKey {
                what: what.into(),
                detail: format!("not an ECDSA P-256 public key ({e})"),
            }
        })?;
        Ok(PublicKey { inner })
    }

    /// Read a public key file (see [`PublicKey::from_pem`]).
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        let bytes = read_small(path)?;
        Self::from_pem(&bytes).map_err(|e| KeyError::Io {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })
    }

    /// DER SubjectPublicKeyInfo.
    pub fn to_der(&self) -> Vec<u8> {
        self.inner
            .to_public_key_der()
            .expect("a P-256 point always encodes")
            .into_vec()
    }

    /// `PUBLIC KEY` PEM, as cosign writes `cosign.pub`.
    pub fn to_pem(&self) -> String {
        pem_encode(PUBLIC_KEY_PEM_LABEL, &self.to_der())
    }

    /// `sha256:<hex>` of the DER SubjectPublicKeyInfo: names the key in results and logs.
    pub fn fingerprint(&self) -> String {
        crate::digest::Digest::sha256_of(&self.to_der()).to_string()
    }

    /// Check an ASN.1 DER ECDSA-P256-SHA256 signature over `message`.
    pub fn verify(&self, message: &[u8], signature_der: &[u8]) -> Result<(), KeyError> {
        let sig =
            p256::ecdsa::Signature::from_der(signature_der).map_err(|_| KeyError::BadSignature)?;
        self.inner
            .verify(message, &sig)
            .map_err(|_| KeyError::BadSignature)
    }
}

/// A freshly generated key pair, as file contents.
pub struct KeyPair {
    /// `cosign.key` content (encrypted PEM).
    pub private_pem: Zeroizing<String>,
    /// `cosign.pub` content.
    pub public_pem: String,
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("public_pem", &self.public_pem)
            .finish_non_exhaustive()
    }
}

/// Generate an ECDSA P-256 key pair and encode it as cosign does
/// ([`KdfParams::STANDARD`] is what cosign writes).
pub fn generate_key_pair(password: &Password, params: KdfParams) -> Result<KeyPair, KeyError> {
    let key = SigningKey::generate()?;
    Ok(KeyPair {
        private_pem: key.to_encrypted_pem(password, params)?,
        public_pem: key.public_key().to_pem(),
    })
}

/// Write `PREFIX.key` (mode 0600) and `PREFIX.pub`. Existing files are refused
/// unless `overwrite`. Returns both paths.
pub fn write_key_pair(
    pair: &KeyPair,
    prefix: &str,
    overwrite: bool,
) -> Result<(PathBuf, PathBuf), KeyError> {
    use std::io::Write;
    let key_path = PathBuf::from(format!("{prefix}.key"));
    let pub_path = PathBuf::from(format!("{prefix}.pub"));
    if !overwrite {
        for p in [&key_path, &pub_path] {
            if p.exists() {
                return Err(KeyError::Io {
                    path: p.clone(),
                    detail: "already exists (use --force to overwrite)".into(),
                });
            }
        }
    }
    let write = |path: &Path, data: &[u8], mode: u32| -> Result<(), KeyError> {
        let io = |e: std::io::Error| KeyError::Io {
            path: path.to_path_buf(),
            detail: e.to_string(),
        };
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true);
        if overwrite {
            opts.create(true).truncate(true);
        } else {
            opts.create_new(true);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(mode);
        }
        #[cfg(not(unix))]
        let _ = mode;
        let mut f = opts.open(path).map_err(io)?;
        #[cfg(unix)]
        {
            // An overwritten file keeps its old mode: set it.
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(io)?;
        }
        f.write_all(data).and_then(|_| f.sync_all()).map_err(io)
    };
    write(&key_path, pair.private_pem.as_bytes(), 0o600)?;
    write(&pub_path, pair.public_pem.as_bytes(), 0o644)?;
    Ok((key_path, pub_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// go-securesystemslib's own test vectors (encrypted/encrypted_test.go), all under
    /// the password "supersecret": `TestDecrypt`'s document (plaintext
    /// "reallyimportant"), and `kdfVectors` for each of the three parameter sets
    /// (written with its `Marshal`, so the plaintext is the JSON string of the
    /// base64 of "reallyimportant"). Decrypting them proves the KDF, cipher and JSON
    /// layout against the implementation cosign uses.
    const GO_DECRYPT_VECTOR: &str = r#"{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"N9a7x5JFGbrtB2uBR81jPwp0eiLR4A7FV3mjVAQrg1g="},"cipher":{"name":"nacl/secretbox","nonce":"2h8HxMmgRfuYdpswZBQaU3xJ1nkA/5Ik"},"ciphertext":"SEW6sUh0jf2wfdjJGPNS9+bkk2uB+Cxamf32zR8XkQ=="}"#;
    const GO_VECTORS: &[(&str, u32)] = &[
        (
            r#"{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"WO3mVvyTwJ9vwT5/Tk5OW5WPIBUofMjcpEfrLnfY4uA="},"cipher":{"name":"nacl/secretbox","nonce":"tCy7HcTFr4uxv4Nrg/DWmncuZ148U1MX"},"ciphertext":"08n43p5G5yviPEZpO7tPPF4aZQkWiWjkv4taFdhDBA0tamKH4nw="}"#,
            32768,
        ),
        (
            r#"{"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"FhzPOt9/bJG4PTq6lQ6ecG6GzaOuOy/ynG5+yRiFlNs="},"cipher":{"name":"nacl/secretbox","nonce":"aw1ng1jHaDz/tQ7V2gR9O2+IGQ8xJEuE"},"ciphertext":"HycvuLZL4sYH0BrYTh4E/H20VtAW6u5zL5Pr+IBjYLYnCPzDkq8="}"#,
            65536,
        ),
        (
            r#"{"kdf":{"name":"scrypt","params":{"N":131072,"r":8,"p":1},"salt":"m38E3kouJTtiheLQN22NQ8DTito5hrjpUIskqcd375k="},"cipher":{"name":"nacl/secretbox","nonce":"Y6PM13yA+o44pE/W1ZBwczeGnTV/m9Zc"},"ciphertext":"6H8sqj1K6B6yDjtH5AQ6lbFigg/C2yDDJc4rYJ79w9aVPImFIPI="}"#,
            131072,
        ),
    ];

    /// A key written by `cosign generate-key-pair` with an empty password (from
    /// sigstore-rs's test data, `cosign_generated_encrypted_empty_private.key`).
    const COSIGN_GENERATED_EMPTY_PASSWORD: &str = "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----
eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwiciI6
OCwicCI6MX0sInNhbHQiOiJFY3pJR3Z0bnpFcCsxaEpudERnbGI1UnoxN3gwQVMy
YklvWGRNcDQrU1NJPSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94
Iiwibm9uY2UiOiJtSVVKbG1OMzNINExvZ0dhaG5MamdmK3R4SmJwci93MCJ9LCJj
aXBoZXJ0ZXh0IjoiM3FtS2FidXRuYm1WT1IvTkZGM2NDaUErTXp1WWQ5L0VERDVI
MVlUSGhQVzZsSzAvdjVqdDZCQzlsME12NGV5am9qZkl0d3B6a2JJOXQrZGx5VXZ3
VUgvMWZjbkFZT2dEdXRLQzkvSkNiOE02SVY2VHpVaDF5c0ZFWDFzeG9xb1FzeUpL
bjM0UVlldFNlaVdDaGtmUHUyZXByQjFEV0pwekdzTGZIakxNVTkzOEdmNk1xM1A0
N0ZSd2syZzY1cFZnSGMwVWV1L1N1OUs0Zmc9PSJ9
-----END ENCRYPTED SIGSTORE PRIVATE KEY-----
";

    /// An older-format key (`ENCRYPTED COSIGN PRIVATE KEY`, N = 32768) with the
    /// password "123" (sigstore-rs's `ecdsa_encrypted_private.key`).
    const COSIGN_V1_PASSWORD_123: &str = "-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----
eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjozMjc2OCwiciI6
OCwicCI6MX0sInNhbHQiOiIrRFJrTXNRZmNUNTNKNCs1Y3VkUnlnWTUyWUMrK0RW
TmxaSTN4VnlwWFlvPSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94
Iiwibm9uY2UiOiJnNTFORnBqQUxlemhvbGVWTWVjUFJUNUErMVhMcDAxeiJ9LCJj
aXBoZXJ0ZXh0Ijoib0YvN09mOGlQRDlkNlc2Mk5SWGVibEszWXZmNFFucTZORm16
Q0VyV2FTVUJOZTNXSFJiRVNYK2dJOCszejg4TDBDVXlWdm9LTHhuR0xhVnhnczVD
YUdyekcrMWxFTEI1cGRMVmZXd1VlQzlLelNab0hxZHZLaUsvUmNodVhpS0VqYmdv
ajNGd2pMcmhEYkY5a2lVWk93REpuT01kUkoxNnI3emxjRHdwT3htOXFrbWFDWDlB
VjQ4b1RXVG0rQXExOHlDZE50MDYybGdudVE9PSJ9
-----END ENCRYPTED COSIGN PRIVATE KEY-----
";

    #[test]
    fn decrypts_go_securesystemslib_vectors() {
        let pw = Password::new("supersecret");
        let plain = decrypt(GO_DECRYPT_VECTOR.as_bytes(), &pw).unwrap();
        assert_eq!(plain.as_slice(), b"reallyimportant");
        for (doc, n) in GO_VECTORS {
            let plain = decrypt(doc.as_bytes(), &pw).unwrap_or_else(|e| panic!("N={n}: {e}"));
            // `"cmVhbGx5aW1wb3J0YW50"`: Go's JSON for the bytes "reallyimportant".
            assert_eq!(plain.as_slice(), br#""cmVhbGx5aW1wb3J0YW50""#, "N={n}");
            assert!(matches!(
                decrypt(doc.as_bytes(), &Password::new("supersecreT")),
                Err(KeyError::WrongPassword)
            ));
        }
    }

    #[test]
    fn refuses_parameters_go_refuses() {
        // go-securesystemslib's TestUnsupportedKDFParameters vector.
        let doc = r#"{"kdf":{"name":"scrypt","params":{"N":99,"r":99,"p":99},"salt":"cZFcQJdwPhPyhU1R4qkl0qVOIjZd4V/7LYYAavq166k="},"cipher":{"name":"nacl/secretbox","nonce":"7vhRS7j0hEPBWV05skAdgLj81AkGeE7U"},"ciphertext":"6WYU/YSXVbYzl/NzaeAzmjLyfFhOOjLc0d8/GFV0aBFdJvyCcXc="}"#;
        let err = decrypt(doc.as_bytes(), &Password::new("supersecret")).unwrap_err();
        assert!(
            err.to_string().contains("unsupported scrypt parameters"),
            "{err}"
        );
        // A huge N is refused before any work is done.
        let huge = GO_VECTORS[0].0.replace("32768", "1073741824");
        assert!(decrypt(huge.as_bytes(), &Password::default()).is_err());
        let other_cipher = GO_VECTORS[0].0.replace("nacl/secretbox", "aes-gcm");
        assert!(
            decrypt(other_cipher.as_bytes(), &Password::new("supersecret"))
                .unwrap_err()
                .to_string()
                .contains("unknown cipher")
        );
    }

    #[test]
    fn reads_a_key_cosign_generated() {
        let key = SigningKey::from_pem(COSIGN_GENERATED_EMPTY_PASSWORD.as_bytes(), || {
            Ok(Password::default())
        })
        .unwrap();
        let sig = key.sign(b"hello");
        key.public_key().verify(b"hello", &sig).unwrap();
        assert!(matches!(
            SigningKey::from_pem(COSIGN_GENERATED_EMPTY_PASSWORD.as_bytes(), || Ok(
                Password::new("x")
            )),
            Err(KeyError::WrongPassword)
        ));
        let old = SigningKey::from_pem(COSIGN_V1_PASSWORD_123.as_bytes(), || {
            Ok(Password::new("123"))
        })
        .unwrap();
        assert_ne!(old.public_key(), key.public_key());
    }

    #[test]
    fn round_trip_and_format() {
        let pw = Password::new("pw");
        let pair = generate_key_pair(&pw, KdfParams::LEGACY).unwrap();
        assert!(pair
            .private_pem
            .starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        assert!(pair.public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(pair
            .private_pem
            .lines()
            .all(|l| l.len() <= 64 || l.starts_with("-----")));
        // The body is the JSON document, fields in Go's order.
        let block = pem_decode(pair.private_pem.as_bytes(), "t").unwrap();
        let json = std::str::from_utf8(&block.body).unwrap();
        assert!(
            json.starts_with(
                r#"{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":""#
            ),
            "{json}"
        );
        assert!(json.contains(r#""cipher":{"name":"nacl/secretbox","nonce":""#));
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["kdf"]["salt"].as_str().unwrap().len(), 44); // 32 bytes
        assert_eq!(v["cipher"]["nonce"].as_str().unwrap().len(), 32); // 24 bytes
        let key = SigningKey::from_pem(pair.private_pem.as_bytes(), || Ok(pw.clone())).unwrap();
        let public = PublicKey::from_pem(pair.public_pem.as_bytes()).unwrap();
        assert_eq!(key.public_key(), public);
        assert_eq!(public.to_pem(), pair.public_pem);
        // Empty passwords work, as in cosign.
        let empty = generate_key_pair(&Password::default(), KdfParams::LEGACY).unwrap();
        SigningKey::from_pem(empty.private_pem.as_bytes(), || Ok(Password::default())).unwrap();
    }

    #[test]
    fn plain_pkcs8_and_sec1_keys() {
        let key = SigningKey::generate().unwrap();
        let der = key.inner.to_pkcs8_der().unwrap();
        let pkcs8 = pem_encode(PKCS8_PEM_LABEL, der.as_bytes());
        let never = || -> Result<Password, KeyError> { panic!("no password for plain keys") };
        assert_eq!(
            SigningKey::from_pem(pkcs8.as_bytes(), never)
                .unwrap()
                .public_key(),
            key.public_key()
        );
        let sec1 = p256::SecretKey::from(key.inner.as_nonzero_scalar())
            .to_sec1_der()
            .unwrap();
        let sec1 = pem_encode(SEC1_PEM_LABEL, &sec1);
        assert_eq!(
            SigningKey::from_pem(sec1.as_bytes(), never)
                .unwrap()
                .public_key(),
            key.public_key()
        );
        let rsa = pem_encode("RSA PRIVATE KEY", b"x");
        assert!(SigningKey::from_pem(rsa.as_bytes(), never)
            .unwrap_err()
            .to_string()
            .contains("RSA keys are not supported"));
        let cert = pem_encode("CERTIFICATE", b"x");
        assert!(matches!(
            SigningKey::from_pem(cert.as_bytes(), never),
            Err(KeyError::UnsupportedPem { .. })
        ));
    }

    #[test]
    fn signatures_verify_only_with_the_right_key_and_message() {
        let a = SigningKey::generate().unwrap();
        let b = SigningKey::generate().unwrap();
        let sig = a.sign(b"payload");
        assert_eq!(sig[0], 0x30, "ASN.1 DER SEQUENCE");
        a.public_key().verify(b"payload", &sig).unwrap();
        assert!(b.public_key().verify(b"payload", &sig).is_err());
        assert!(a.public_key().verify(b"payload!", &sig).is_err());
        assert!(a.public_key().verify(b"payload", b"\x30\x00").is_err());
    }

    #[test]
    fn secrets_never_in_debug_output() {
        let pw = Password::new("hunter2-secret");
        assert_eq!(format!("{pw:?}"), "Password(<redacted>)");
        let key = SigningKey::generate().unwrap();
        let der = key.inner.to_pkcs8_der().unwrap();
        let dbg = format!("{key:?}");
        assert!(dbg.contains("sha256:"), "{dbg}");
        let secret_hex = hex::encode(key.inner.to_bytes());
        assert!(!dbg.contains(&secret_hex));
        assert!(!dbg.contains(&base64::engine::general_purpose::STANDARD.encode(der.as_bytes())));
        let pair = generate_key_pair(&pw, KdfParams::LEGACY).unwrap();
        assert!(!format!("{pair:?}").contains("ENCRYPTED"));
    }

    #[test]
    fn write_refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("cosign");
        let prefix = prefix.to_str().unwrap();
        let pair = generate_key_pair(&Password::default(), KdfParams::LEGACY).unwrap();
        let (k, p) = write_key_pair(&pair, prefix, false).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&k).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let err = write_key_pair(&pair, prefix, false).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        write_key_pair(&pair, prefix, true).unwrap();
        assert_eq!(std::fs::read_to_string(p).unwrap(), pair.public_pem);
    }
}
