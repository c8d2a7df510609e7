//! License strings as catalogers record them, turned into what the SBOM
//! formats accept.
//!
//! Each recorded string is one of:
//! - a single SPDX license identifier (`MIT`): CycloneDX `license.id`;
//! - any other valid SPDX expression (`Apache-2.0 OR MIT`, `GPL-2.0-or-later`,
//!   `LicenseRef-foo`, `Apache-2.0 WITH LLVM-exception`): CycloneDX `expression`;
//! - anything else (`Apache 2.0`, `BSD`, `GPL`): CycloneDX `license.name`, and
//!   in SPDX a `LicenseRef-` whose extracted text is the recorded string.
//!
//! Expressions are checked against the SPDX license list of the `spdx` crate
//! (strict mode). Before giving up on a string we accept, and rewrite to the
//! current form, only unambiguous legacy syntax: deprecated GNU identifiers
//! (`GPL-2.0` → `GPL-2.0-only`, `GPL-2.0+` → `GPL-2.0-or-later`), `+` after a
//! GNU identifier, and `/` used for `OR` (`MIT/Apache-2.0`). Imprecise names
//! (`apache`, `BSD`) are not guessed at: they stay names.

use spdx::{Expression, LicenseItem, ParseMode};

/// A recorded license string, classified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum License {
    /// A single identifier from the SPDX license list.
    Id(String),
    /// A valid SPDX expression that is not a single listed identifier.
    Expression(String),
    /// Free text.
    Name(String),
}

/// Parse mode for legacy syntax we rewrite (see the module docs).
const LEGACY: ParseMode = ParseMode {
    allow_slash_as_or_operator: true,
    allow_imprecise_license_names: false,
    allow_postfix_plus_on_gpl: true,
    allow_deprecated: true,
    allow_unknown: false,
};

/// Classify one recorded license string; `None` for an empty one.
pub fn classify(raw: &str) -> Option<License> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let Some((text, expr)) = normalize(raw) else {
        return Some(License::Name(raw.to_string()));
    };
    let mut reqs = expr.requirements();
    let single = match (reqs.next(), reqs.next()) {
        (Some(r), None) => match &r.req.license {
            LicenseItem::Spdx { id, or_later } => {
                !*or_later && r.req.addition.is_none() && id.name == text
            }
            LicenseItem::Other(_) => false,
        },
        _ => false,
    };
    Some(if single {
        License::Id(text)
    } else {
        License::Expression(text)
    })
}

/// The valid SPDX expression for `raw` (rewritten from legacy syntax when needed).
fn normalize(raw: &str) -> Option<(String, Expression)> {
    if let Ok(e) = Expression::parse(raw) {
        return Some((raw.to_string(), e));
    }
    Expression::parse_mode(raw, LEGACY).ok()?;
    let canonical = Expression::canonicalize(raw)
        .ok()?
        .unwrap_or_else(|| raw.to_string());
    // Deprecated non-GNU identifiers stay deprecated, yet are still on the list.
    let e = Expression::parse(&canonical)
        .or_else(|_| Expression::parse_mode(&canonical, LEGACY))
        .ok()?;
    Some((canonical, e))
}

/// `LicenseRef-` identifier for a free-text license: letters, digits, `.` and `-` only.
pub fn license_ref(name: &str) -> String {
    let mut id = String::from("LicenseRef-");
    let mut last_dash = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            id.push(c);
            last_dash = false;
        } else if !last_dash {
            id.push('-');
            last_dash = true;
        }
    }
    while id.ends_with('-') && id.len() > "LicenseRef-".len() {
        id.pop();
    }
    if id.len() == "LicenseRef-".len() {
        id.push_str("unknown");
    }
    id
}

/// The SPDX license list version used (`3.29`), as SPDX `licenseListVersion` wants it (`M.N`).
pub fn license_list_version() -> String {
    spdx::license_version()
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let id = |s: &str| Some(License::Id(s.into()));
        let ex = |s: &str| Some(License::Expression(s.into()));
        let name = |s: &str| Some(License::Name(s.into()));
        assert_eq!(classify("MIT"), id("MIT"));
        assert_eq!(classify("  Apache-2.0 "), id("Apache-2.0"));
        assert_eq!(classify("Apache-2.0 OR MIT"), ex("Apache-2.0 OR MIT"));
        assert_eq!(
            classify("(MIT AND BSD-3-Clause) OR Apache-2.0"),
            ex("(MIT AND BSD-3-Clause) OR Apache-2.0")
        );
        assert_eq!(
            classify("Apache-2.0 WITH LLVM-exception"),
            ex("Apache-2.0 WITH LLVM-exception")
        );
        assert_eq!(classify("GPL-2.0-or-later"), id("GPL-2.0-or-later"));
        // legacy GNU forms are rewritten
        assert_eq!(classify("GPL-2.0+"), id("GPL-2.0-or-later"));
        assert_eq!(classify("GPL-2.0"), id("GPL-2.0-only"));
        assert_eq!(classify("LGPL-2.1+ OR MIT"), ex("LGPL-2.1-or-later OR MIT"));
        assert_eq!(classify("MIT/Apache-2.0"), ex("MIT OR Apache-2.0"));
        // a non-GNU '+' is an expression, not a listed identifier
        assert_eq!(classify("Apache-1.0+"), ex("Apache-1.0+"));
        assert_eq!(classify("LicenseRef-acme"), ex("LicenseRef-acme"));
        // free text is not guessed at
        assert_eq!(classify("Apache 2.0"), name("Apache 2.0"));
        assert_eq!(classify("BSD"), name("BSD"));
        assert_eq!(classify("mit"), name("mit"));
        assert_eq!(classify("MIT OR"), name("MIT OR"));
        assert_eq!(classify("Public Domain"), name("Public Domain"));
        assert_eq!(classify(""), None);
        assert_eq!(classify("   "), None);
    }

    #[test]
    fn license_refs() {
        assert_eq!(license_ref("Apache 2.0"), "LicenseRef-Apache-2.0");
        assert_eq!(
            license_ref("BSD (3 clause) / Custom"),
            "LicenseRef-BSD-3-clause-Custom"
        );
        assert_eq!(license_ref("©®"), "LicenseRef-unknown");
        assert_eq!(license_ref("GPL+"), "LicenseRef-GPL");
        assert!(license_list_version().split('.').count() == 2);
    }
}
