//! Layer access: turn a verified blob stream into the uncompressed layer tar,
//! without touching disk.
//!
//! Compression is taken from the media type and confirmed by sniffing magic
//! bytes (docker-archive layers carry no media type; some registries mislabel).
//! Supported: uncompressed tar, gzip, zstd. The decompressed stream is bounded by
//! [`LayerLimits::max_uncompressed`] so a decompression bomb ends in a clear
//! error instead of hours of work, and it can be checked against the layer's
//! `diff_id` from the image config.
//!
//! This module does not interpret the tar (whiteouts, file selection): that is
//! the SBOM layer walker's job.

use std::io::{self, BufRead, BufReader, Read};

use crate::digest::{Digest, VerifyingReader};

/// Compression of a layer blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain tar.
    None,
    /// gzip (`+gzip`, `.tar.gzip`).
    Gzip,
    /// zstd (`+zstd`).
    Zstd,
}

impl Compression {
    /// Compression implied by a layer media type, if the media type says.
    pub fn from_media_type(media_type: &str) -> Option<Compression> {
        if media_type.ends_with("+gzip") || media_type.ends_with(".tar.gzip") {
            Some(Compression::Gzip)
        } else if media_type.ends_with("+zstd") {
            Some(Compression::Zstd)
        } else if media_type.ends_with(".tar") || media_type.ends_with("rootfs.diff.tar") {
            Some(Compression::None)
        } else {
            None
        }
    }

    /// Compression recognized from the first bytes of a stream.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Limits applied while decompressing a layer.
#[derive(Debug, Clone, Copy)]
pub struct LayerLimits {
    /// Largest uncompressed size accepted for one layer (default 32 GiB).
    pub max_uncompressed: u64,
}

impl Default for LayerLimits {
    fn default() -> Self {
        Self {
            max_uncompressed: 32 * 1024 * 1024 * 1024,
        }
    }
}

/// Error raised (as an `io::Error` of kind `InvalidData`) when a layer expands past its limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("layer {what} expands past the limit of {limit} bytes (decompression bomb?)")]
pub struct LimitExceeded {
    /// The layer.
    pub what: String,
    /// The limit.
    pub limit: u64,
}

/// A reader that fails once more than `limit` bytes have come through.
pub struct LimitedReader<R> {
    inner: R,
    remaining: u64,
    limit: u64,
    what: String,
}

impl<R: Read> LimitedReader<R> {
    /// Wrap `inner`.
    pub fn new(inner: R, limit: u64, what: impl Into<String>) -> Self {
        Self {
            inner,
            remaining: limit,
            limit,
            what: what.into(),
        }
    }
}

impl<R: Read> Read for LimitedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // Allow one byte beyond the limit so that exactly-at-limit content passes.
        let cap = (self.remaining + 1).min(buf.len() as u64) as usize;
        let n = self.inner.read(&mut buf[..cap])?;
        if n as u64 > self.remaining {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                LimitExceeded {
                    what: self.what.clone(),
                    limit: self.limit,
                },
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Wrap a (compressed) layer blob stream into the uncompressed tar stream.
///
/// `declared` is the compression implied by the media type, if any; the stream's
/// magic bytes win when they disagree with it. `diff_id`, when given, is checked
/// against the uncompressed bytes at end of stream.
///
/// Nothing is read until the first `read` call, so this may be called from async
/// code with a reader that blocks (a registry stream) and consumed on a blocking thread.
pub fn decompress<'a>(
    blob: Box<dyn Read + Send + 'a>,
    declared: Option<Compression>,
    diff_id: Option<Digest>,
    limits: LayerLimits,
    what: &str,
) -> io::Result<Box<dyn Read + Send + 'a>> {
    Ok(Box::new(Lazy::Pending {
        blob,
        declared,
        diff_id,
        limits,
        what: what.to_string(),
    }))
}

/// A decompressor that is set up on first read (sniffing needs to read).
enum Lazy<'a> {
    Pending {
        blob: Box<dyn Read + Send + 'a>,
        declared: Option<Compression>,
        diff_id: Option<Digest>,
        limits: LayerLimits,
        what: String,
    },
    Ready(Box<dyn Read + Send + 'a>),
    Taken,
}

impl Read for Lazy<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Lazy::Pending { .. } = self {
            let Lazy::Pending {
                blob,
                declared,
                diff_id,
                limits,
                what,
            } = std::mem::replace(self, Lazy::Taken)
            else {
                unreachable!("matched above")
            };
            *self = Lazy::Ready(decompress_now(blob, declared, diff_id, limits, &what)?);
        }
        match self {
            Lazy::Ready(r) => r.read(buf),
            _ => Err(io::Error::other("layer stream failed to open earlier")),
        }
    }
}

fn decompress_now<'a>(
    blob: Box<dyn Read + Send + 'a>,
    declared: Option<Compression>,
    diff_id: Option<Digest>,
    limits: LayerLimits,
    what: &str,
) -> io::Result<Box<dyn Read + Send + 'a>> {
    let mut buffered = BufReader::with_capacity(256 * 1024, blob);
    let head = buffered.fill_buf()?;
    let sniffed = Compression::sniff(head);
    let compression = match (declared, sniffed) {
        // A plain tar never starts with gzip/zstd magic, so trust the bytes.
        (_, Compression::Gzip | Compression::Zstd) => sniffed,
        (Some(Compression::Gzip | Compression::Zstd), Compression::None) if head.is_empty() => {
            Compression::None
        }
        (Some(c @ (Compression::Gzip | Compression::Zstd)), Compression::None) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("layer {what} is declared {c:?}-compressed but its content is not"),
            ))
        }
        _ => Compression::None,
    };
    let plain: Box<dyn Read + Send + 'a> = match compression {
        Compression::None => Box::new(buffered),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
        Compression::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::with_buffer(buffered)?;
            // Accept long-distance-matching windows up to 2 GiB (zstd --long=31).
            decoder.window_log_max(31)?;
            Box::new(decoder)
        }
    };
    let limited = LimitedReader::new(plain, limits.max_uncompressed, what);
    Ok(match diff_id {
        Some(d) => Box::new(VerifyingReader::new(
            limited,
            d,
            None,
            format!("uncompressed layer {what}"),
        )),
        None => Box::new(limited),
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read_all(r: io::Result<Box<dyn Read + Send + '_>>) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        r?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn media_types() {
        assert_eq!(
            Compression::from_media_type("application/vnd.oci.image.layer.v1.tar+gzip"),
            Some(Compression::Gzip)
        );
        assert_eq!(
            Compression::from_media_type("application/vnd.oci.image.layer.v1.tar+zstd"),
            Some(Compression::Zstd)
        );
        assert_eq!(
            Compression::from_media_type("application/vnd.docker.image.rootfs.diff.tar.gzip"),
            Some(Compression::Gzip)
        );
        assert_eq!(
            Compression::from_media_type("application/vnd.oci.image.layer.v1.tar"),
            Some(Compression::None)
        );
        assert_eq!(
            Compression::from_media_type("application/octet-stream"),
            None
        );
    }

    #[test]
    fn gzip_zstd_plain_roundtrip_with_diff_id() {
        let data = b"layer-bytes".repeat(1000);
        let diff = Digest::sha256_of(&data);
        let z = zstd::encode_all(&data[..], 3).unwrap();
        for (blob, declared) in [
            (gzip(&data), Some(Compression::Gzip)),
            (z, Some(Compression::Zstd)),
            (data.clone(), Some(Compression::None)),
            (gzip(&data), None),
        ] {
            let out = read_all(decompress(
                Box::new(io::Cursor::new(blob)),
                declared,
                Some(diff.clone()),
                LayerLimits::default(),
                "l",
            ))
            .unwrap();
            assert_eq!(out, data);
        }
    }

    #[test]
    fn wrong_diff_id_is_an_error() {
        let data = b"abc".repeat(10);
        let wrong = Digest::sha256_of(b"other");
        let err = read_all(decompress(
            Box::new(io::Cursor::new(gzip(&data))),
            None,
            Some(wrong),
            LayerLimits::default(),
            "l1",
        ))
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("digest mismatch for uncompressed layer l1"),
            "{err}"
        );
    }

    #[test]
    fn bomb_is_stopped_at_limit() {
        let data = vec![0u8; 4 * 1024 * 1024];
        let limits = LayerLimits {
            max_uncompressed: 1024 * 1024,
        };
        let err = read_all(decompress(
            Box::new(io::Cursor::new(gzip(&data))),
            None,
            None,
            limits,
            "bomb",
        ))
        .unwrap_err();
        assert!(err.to_string().contains("decompression bomb"), "{err}");
        // Exactly at the limit passes.
        let exact = vec![1u8; 1024 * 1024];
        assert_eq!(
            read_all(decompress(
                Box::new(io::Cursor::new(gzip(&exact))),
                None,
                None,
                limits,
                "ok"
            ))
            .unwrap()
            .len(),
            exact.len()
        );
    }

    #[test]
    fn truncated_gzip_is_an_error() {
        let data = b"0123456789".repeat(10_000);
        let mut blob = gzip(&data);
        blob.truncate(blob.len() / 2);
        assert!(read_all(decompress(
            Box::new(io::Cursor::new(blob)),
            Some(Compression::Gzip),
            None,
            LayerLimits::default(),
            "t"
        ))
        .is_err());
    }

    #[test]
    fn declared_gzip_but_plain_is_an_error() {
        let err = read_all(decompress(
            Box::new(io::Cursor::new(b"plain tar".to_vec())),
            Some(Compression::Gzip),
            None,
            LayerLimits::default(),
            "x",
        ))
        .unwrap_err();
        assert!(
            err.to_string().contains("declared Gzip-compressed"),
            "{err}"
        );
    }
}
