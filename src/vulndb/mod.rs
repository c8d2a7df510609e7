//! The local vulnerability database: OSV records ingested, indexed by
//! (ecosystem, package), synced from mirrors or imported for air-gapped runners.
//! Version ordering per ecosystem lives in the `sc-version` crate.

pub mod error;
pub mod ingest;
pub mod location;
pub mod matcher;
pub mod names;
pub mod osv;
pub mod severity;
pub mod store;
pub mod update;

pub use error::DbError;
pub use ingest::{FetchError, Fetcher, FileFetcher, HttpFetcher, IngestError, SourceKind};
pub use location::{locate, open_located, open_seed, write_dir, DbLocation};
pub use matcher::{Finding, MatchResult, MatchWarning, MatchedRange, PackageQuery};
pub use osv::OsvRecord;
pub use store::{Database, DbMeta};
pub use update::{
    build_from_dir, export, export_database, import, sync, sync_with, DbStatus, ExportReport,
    ImportReport, SyncOptions, SyncReport,
};
