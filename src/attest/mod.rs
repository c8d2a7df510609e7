//! in-toto attestations in DSSE envelopes (SBOM and provenance predicates), stored
//! as cosign stores them and as OCI 1.1 referrers.
//!
//! Status: not built yet.
