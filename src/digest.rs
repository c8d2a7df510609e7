//! Content digests (`sha256:<hex>`, `sha512:<hex>`): the one type for "the hash
//! that names a blob or manifest", plus a reader that verifies a stream against
//! its expected digest as it is consumed.
//!
//! Every blob `sc` pulls goes through [`VerifyingReader`] (sync) or is hashed
//! with [`Digester`] before use, so a wrong or truncated download is an error,
//! never silently accepted.

use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256, Sha512};

/// Hash algorithms `sc` can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// SHA-256, 64 hex digits (the OCI default).
    Sha256,
    /// SHA-512, 128 hex digits.
    Sha512,
}

impl Algorithm {
    /// Name as written before the colon.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }
}

/// A validated content digest such as `sha256:2cf24d...`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

/// Why a string is not a digest we accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// No `algorithm:` prefix.
    #[error("invalid digest '{0}': expected <algorithm>:<hex>")]
    Format(String),
    /// An algorithm we do not implement.
    #[error(
        "unsupported digest algorithm '{algorithm}' in '{digest}' (supported: sha256, sha512)"
    )]
    Algorithm {
        /// The algorithm named.
        algorithm: String,
        /// The whole digest.
        digest: String,
    },
    /// Wrong length or non-lowercase-hex characters.
    #[error("invalid digest '{digest}': {algorithm} needs {expected} lowercase hex digits")]
    Encoded {
        /// The algorithm named.
        algorithm: &'static str,
        /// Required number of hex digits.
        expected: usize,
        /// The whole digest.
        digest: String,
    },
}

impl Digest {
    /// The algorithm part.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The lowercase hex part.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// SHA-256 digest of `data`.
    pub fn sha256_of(data: &[u8]) -> Digest {
        Digest {
            algorithm: Algorithm::Sha256,
            hex: hex::encode(Sha256::digest(data)),
        }
    }

    /// Digest of `data` with the same algorithm as `self`.
    pub fn compute_like(&self, data: &[u8]) -> Digest {
        let mut d = Digester::new(self.algorithm);
        d.update(data);
        d.finish()
    }

    /// True when `data` hashes to this digest.
    pub fn matches(&self, data: &[u8]) -> bool {
        &self.compute_like(data) == self
    }

    /// The cosign tag form of this digest: `sha256-<hex>` (suffixes `.sig`, `.att`, `.sbom` are added by callers).
    pub fn tag_form(&self) -> String {
        format!("{}-{}", self.algorithm.as_str(), self.hex)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.as_str(), self.hex)
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (alg, hex) = s
            .split_once(':')
            .ok_or_else(|| DigestError::Format(s.to_string()))?;
        let algorithm = match alg {
            "sha256" => Algorithm::Sha256,
            "sha512" => Algorithm::Sha512,
            other => {
                // The OCI grammar allows other algorithms; name it clearly rather than "invalid".
                let grammar_ok = !other.is_empty()
                    && other.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || "+._-".contains(c)
                    });
                if !grammar_ok || hex.is_empty() {
                    return Err(DigestError::Format(s.to_string()));
                }
                return Err(DigestError::Algorithm {
                    algorithm: other.to_string(),
                    digest: s.to_string(),
                });
            }
        };
        if hex.len() != algorithm.hex_len()
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(DigestError::Encoded {
                algorithm: algorithm.as_str(),
                expected: algorithm.hex_len(),
                digest: s.to_string(),
            });
        }
        Ok(Digest {
            algorithm,
            hex: hex.to_string(),
        })
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Incremental hasher for one [`Algorithm`].
#[derive(Clone)]
pub enum Digester {
    /// SHA-256 state.
    Sha256(Sha256),
    /// SHA-512 state.
    Sha512(Sha512),
}

impl Digester {
    /// A fresh hasher.
    pub fn new(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Sha256 => Digester::Sha256(Sha256::new()),
            Algorithm::Sha512 => Digester::Sha512(Sha512::new()),
        }
    }

    /// Feed bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Digester::Sha256(h) => h.update(data),
            Digester::Sha512(h) => h.update(data),
        }
    }

    /// The digest of everything fed so far.
    pub fn finish(self) -> Digest {
        match self {
            Digester::Sha256(h) => Digest {
                algorithm: Algorithm::Sha256,
                hex: hex::encode(h.finalize()),
            },
            Digester::Sha512(h) => Digest {
                algorithm: Algorithm::Sha512,
                hex: hex::encode(h.finalize()),
            },
        }
    }
}

/// Error raised by [`VerifyingReader`] at end of stream when the content does not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Content hashed to something else.
    #[error("digest mismatch for {what}: expected {expected}, got {actual}")]
    Mismatch {
        /// What was read (a blob descriptor, a file path).
        what: String,
        /// The digest the content was supposed to have.
        expected: Digest,
        /// The digest it had.
        actual: Digest,
    },
    /// Content had another length than its descriptor said (truncated or padded).
    #[error("size mismatch for {what}: expected {expected} bytes, got {actual}")]
    Size {
        /// What was read.
        what: String,
        /// Size from the descriptor.
        expected: u64,
        /// Bytes actually read.
        actual: u64,
    },
}

/// A reader that hashes what passes through it and, at end of stream, fails with
/// an [`io::ErrorKind::InvalidData`] error wrapping [`VerifyError`] unless the
/// content matches the expected digest (and size, when known). It also refuses to
/// read past the expected size, so an oversized blob cannot exhaust the consumer.
pub struct VerifyingReader<R> {
    inner: R,
    expected: Digest,
    expected_size: Option<u64>,
    digester: Option<Digester>,
    read: u64,
    what: String,
}

impl<R: Read> VerifyingReader<R> {
    /// Wrap `inner`; `what` names the content in error messages.
    pub fn new(
        inner: R,
        expected: Digest,
        expected_size: Option<u64>,
        what: impl Into<String>,
    ) -> Self {
        let digester = Some(Digester::new(expected.algorithm()));
        Self {
            inner,
            expected,
            expected_size,
            digester,
            read: 0,
            what: what.into(),
        }
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    fn fail(&self, e: VerifyError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let Some(digester) = self.digester.as_mut() else {
            return Ok(0); // already verified at EOF
        };
        // Never hand out more than the descriptor promised: read one byte past the
        // limit at most, to detect oversized content.
        let limit = match self.expected_size {
            Some(size) => (size.saturating_sub(self.read) + 1).min(buf.len() as u64) as usize,
            None => buf.len(),
        };
        let n = self.inner.read(&mut buf[..limit])?;
        if n > 0 {
            self.read += n as u64;
            if let Some(size) = self.expected_size {
                if self.read > size {
                    return Err(self.fail(VerifyError::Size {
                        what: self.what.clone(),
                        expected: size,
                        actual: self.read,
                    }));
                }
            }
            digester.update(&buf[..n]);
            return Ok(n);
        }
        // EOF: check size and digest.
        if let Some(size) = self.expected_size {
            if self.read != size {
                return Err(self.fail(VerifyError::Size {
                    what: self.what.clone(),
                    expected: size,
                    actual: self.read,
                }));
            }
        }
        let actual = self.digester.take().expect("checked above").finish();
        if actual != self.expected {
            return Err(self.fail(VerifyError::Mismatch {
                what: self.what.clone(),
                expected: self.expected.clone(),
                actual,
            }));
        }
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: &str = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    #[test]
    fn parses_and_displays() {
        let d: Digest = HELLO.parse().unwrap();
        assert_eq!(d.to_string(), HELLO);
        assert_eq!(d.algorithm(), Algorithm::Sha256);
        assert_eq!(d.tag_form(), format!("sha256-{}", &HELLO[7..]));
        assert!(d.matches(b"hello"));
        assert_eq!(Digest::sha256_of(b"hello"), d);
    }

    #[test]
    fn rejects_bad_digests() {
        assert!(matches!(
            "abc".parse::<Digest>(),
            Err(DigestError::Format(_))
        ));
        assert!(matches!(
            "sha256:abc".parse::<Digest>(),
            Err(DigestError::Encoded { .. })
        ));
        let upper = HELLO.to_uppercase().replace("SHA256", "sha256");
        assert!(matches!(
            upper.parse::<Digest>(),
            Err(DigestError::Encoded { .. })
        ));
        assert!(matches!(
            "md5:d41d8cd98f00b204e9800998ecf8427e".parse::<Digest>(),
            Err(DigestError::Algorithm { .. })
        ));
    }

    #[test]
    fn verifying_reader_accepts_and_rejects() {
        let d: Digest = HELLO.parse().unwrap();
        let mut out = Vec::new();
        VerifyingReader::new(&b"hello"[..], d.clone(), Some(5), "blob")
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"hello");

        let err = VerifyingReader::new(&b"hellO"[..], d.clone(), None, "blob")
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(
            err.to_string().contains("digest mismatch for blob"),
            "{err}"
        );

        let err = VerifyingReader::new(&b"hell"[..], d.clone(), Some(5), "blob")
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("size mismatch"), "{err}");

        let err = VerifyingReader::new(&b"hello world"[..], d, Some(5), "blob")
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("expected 5 bytes"), "{err}");
    }
}
