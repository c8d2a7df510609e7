//! PLACEHOLDER (being written): the cargo-auditable cataloger.

use super::{Capture, Cataloger, EntryInfo};

/// The cargo-auditable cataloger.
pub struct CargoAuditableCataloger;

impl Cataloger for CargoAuditableCataloger {
    fn name(&self) -> &'static str {
        "cargo-auditable"
    }

    fn wants(&self, _entry: &EntryInfo<'_>) -> Option<Capture> {
        None
    }
}
