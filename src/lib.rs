//! `sc` secures container images end to end: it reads images from registries,
//! OCI layouts and docker archives, builds SBOMs, scans them against a local
//! vulnerability database, signs and attests them, verifies all of it, and runs
//! the whole sequence as one release step.
//!
//! The crate is library first: the `sc` binary only parses arguments, calls the
//! functions here and renders their results. See `docs/architecture.md` for the
//! module map and the data flow.
//!
//! ```no_run
//! use sc::reference::ImageReference;
//! let r: ImageReference = "nginx:1.27".parse().unwrap();
//! assert_eq!(r.to_string(), "docker.io/library/nginx:1.27");
//! ```

pub mod admission;
pub mod attest;
pub mod cli;
pub mod config;
pub mod context;
pub mod digest;
pub mod error;
pub mod executor;
pub mod layers;
pub mod policy;
pub mod provenance;
pub mod reference;
pub mod registry;
pub mod release;
pub mod sbom;
pub mod scan;
pub mod severity;
pub mod signing;
pub mod source;
mod timefmt;
pub mod tls;
pub mod vulndb;

pub use config::SecurityDescriptor;
pub use context::ExecutionContext;
pub use error::{ErrorKind, SecurityError};
pub use executor::{Executor, SecurityResult};
pub use reference::ImageReference;
pub use severity::Severity;

/// Name and version of this tool, as written into SBOMs, attestations and reports.
pub const TOOL_NAME: &str = "sc";
/// Version of this tool (from Cargo.toml).
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
