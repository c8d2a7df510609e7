//! RFC 3339 timestamps, the form every document sc writes uses.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `t` in RFC 3339 (the Unix epoch for the out-of-range years RFC 3339 cannot write).
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// The current time (UTC) in RFC 3339.
pub(crate) fn now_rfc3339() -> String {
    rfc3339(OffsetDateTime::now_utc())
}
