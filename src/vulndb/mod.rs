//! The local vulnerability database: OSV records imported or synced into one
//! compact file, indexed by (ecosystem, package), and matched against
//! installed packages with OSV's own semantics — no network needed to scan.
//!
//! | module | holds |
//! |---|---|
//! | [`osv`] | the OSV record model (schema 1.6+), strict parsing |
//! | [`ingest`] | reading records: directories, `.json`, zips, osv.dev mirrors; [`Fetcher`]s |
//! | [`store`] | the `vulndb.scdb` file format: writing atomically, opening, lookups |
//! | [`update`] | [`import`], [`sync`], [`export`], [`DbStatus`] |
//! | [`matcher`] | [`PackageQuery`] → [`Finding`]s: ranges, aliases, distro source packages |
//! | [`severity`] | CVSS v3/v4/v2 base scores and qualitative ratings |
//! | [`names`] | ecosystem and package-name normalization (the index keys) |
//! | [`location`] | `--db`, `SC_DB_DIR`, the cache directory, the bundled seed |
//!
//! Version ordering per ecosystem comes from the `sc-version` crate. The file
//! format and conventions are documented for users in `vuln-db/README.md`.
//!
//! ```no_run
//! use sc::vulndb::{open_located, PackageQuery};
//!
//! let (db, from) = open_located(None)?; // --db, SC_DB_DIR, cache, else the seed
//! let q = PackageQuery::new("Debian:12", "libssl3", "3.0.11-1~deb12u2").with_source("openssl", None);
//! for f in db.match_package(&q)?.findings {
//!     println!("{} {} fixed in {:?} ({from})", f.id, f.severity, f.fixed_in());
//! }
//! # Ok::<(), sc::vulndb::DbError>(())
//! ```

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
pub use ingest::{
    fetcher_for, FetchError, Fetcher, FileFetcher, HttpFetcher, IngestError, SourceKind,
};
pub use location::{locate, open_located, open_seed, write_dir, DbLocation};
pub use matcher::{Finding, MatchResult, MatchWarning, MatchedRange, PackageQuery};
pub use osv::OsvRecord;
pub use store::{Database, DbMeta};
pub use update::{
    build_from_dir, export, export_database, import, sync, sync_with, DbStatus, ExportReport,
    ImportReport, SyncMode, SyncOptions, SyncReport,
};
