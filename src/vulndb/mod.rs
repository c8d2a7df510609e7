//! The local vulnerability database: OSV records ingested, indexed by
//! (ecosystem, package), synced from mirrors or imported for air-gapped runners.
//! Version ordering per ecosystem lives in the `sc-version` crate.
//!
//! Status: not built yet.
