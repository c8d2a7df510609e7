//! [`DbError`]: everything that can go wrong opening, reading, importing,
//! syncing or exporting the database, each variant naming the file, URL or
//! record a user has to look at.

use std::path::PathBuf;

/// An error of the vulnerability database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The directory holds no database file.
    #[error("no vulnerability database in {}: run `sc db sync --mirror URL` or `sc db import FILE` to create one", dir.display())]
    NotFound {
        /// The directory that was searched.
        dir: PathBuf,
    },
    /// A file or directory could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done (`reading`, `writing`, `renaming`, …).
        action: &'static str,
        /// Which path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The database file is damaged or not a database at all.
    #[error("{} is not a usable sc vulnerability database: {reason}; delete it and run `sc db sync` or `sc db import` again", path.display())]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What check failed.
        reason: String,
    },
    /// The database file was written by an incompatible version of sc.
    #[error("{} has database format {found}, but this sc reads format {supported}: rebuild it with `sc db sync` or `sc db import`", path.display())]
    UnsupportedFormat {
        /// The database file.
        path: PathBuf,
        /// Format version in the file.
        found: u32,
        /// Format version this build reads.
        supported: u32,
    },
    /// One stored record could not be decoded.
    #[error("record {id} in {} is damaged: {reason}; delete the database and run `sc db sync` or `sc db import` again", path.display())]
    CorruptRecord {
        /// The database file.
        path: PathBuf,
        /// The record's id.
        id: String,
        /// What failed.
        reason: String,
    },
    /// A zip archive of OSV records could not be read at all.
    #[error("cannot read zip archive {origin}: {reason}")]
    Zip {
        /// File path or URL of the archive.
        origin: String,
        /// What failed.
        reason: String,
    },
    /// A bundle's checksum file is missing.
    #[error("refusing to import {}: its checksum file {} is missing (copy both files from `sc db export`)", bundle.display(), checksum_file.display())]
    ChecksumMissing {
        /// The bundle.
        bundle: PathBuf,
        /// Where the checksum file was expected.
        checksum_file: PathBuf,
    },
    /// A bundle does not match its checksum.
    #[error("refusing to import {}: sha256 is {actual} but {} says {expected}; the bundle is damaged or was altered, export it again", bundle.display(), checksum_file.display())]
    ChecksumMismatch {
        /// The bundle.
        bundle: PathBuf,
        /// The checksum file.
        checksum_file: PathBuf,
        /// Digest recorded in the checksum file.
        expected: String,
        /// Digest of the bundle as read.
        actual: String,
    },
    /// The checksum file is not in `sha256sum` format.
    #[error("{} is not a sha256sum checksum file: {reason}", checksum_file.display())]
    ChecksumFormat {
        /// The checksum file.
        checksum_file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Fetching from a mirror failed.
    #[error("fetching {url} failed: {reason}")]
    Fetch {
        /// The URL.
        url: String,
        /// What failed (HTTP status, I/O error, …).
        reason: String,
    },
    /// A mirror's index files are malformed or the URL is unusable.
    #[error("mirror {url}: {reason}")]
    Mirror {
        /// The mirror URL or file.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// An import path holds nothing importable.
    #[error("nothing to import from {}: no OSV .json record, .zip archive or sc database bundle found", path.display())]
    NothingToImport {
        /// The path given.
        path: PathBuf,
    },
}

impl DbError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        DbError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn corrupt(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        DbError::Corrupt {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
