//! Small value types used by the configuration: the closed sets of names
//! (`sbom.format`, `sbom.scope`, `provenance.format`, scan tool names), key
//! references (`path` or `env://VAR`) and durations (`maxDbAge: 7d`).
//!
//! The enums parse case-insensitively; an unknown name is an error that lists
//! the valid ones, e.g. `invalid value 'x' (valid: cyclonedx-json, …)`.
//! They serialize, and appear in the JSON Schema, under their canonical names.

use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use schemars::JsonSchema;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// Error for a name that is not one of an enum's valid values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value '{value}' (valid: {})", .valid.join(", "))]
pub struct InvalidValue {
    /// The rejected text.
    pub value: String,
    /// The canonical names accepted.
    pub valid: &'static [&'static str],
}

/// Declares a configuration enum with canonical names, aliases, `FromStr`,
/// `Display` and a `Deserialize` that reports [`InvalidValue`].
macro_rules! config_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $canon:literal $(| $alias:literal)*
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $canon)]
                $variant,
            )+
        }

        impl $name {
            /// Canonical names, in declaration order.
            pub const VALID: &'static [&'static str] = &[$($canon),+];

            /// The canonical name, as written in configuration.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $canon,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let lower = s.trim().to_ascii_lowercase();
                $(
                    if lower == $canon $(|| lower == $alias)* {
                        return Ok($name::$variant);
                    }
                )+
                Err(InvalidValue { value: s.to_string(), valid: Self::VALID })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(ParseVisitor::<$name>::new())
            }
        }
    };
}

config_enum! {
    /// SBOM document format.
    pub enum SbomFormat {
        /// CycloneDX 1.6 JSON (the default).
        CycloneDxJson = "cyclonedx-json",
        /// CycloneDX 1.6 XML.
        CycloneDxXml = "cyclonedx-xml",
        /// SPDX 2.3 JSON.
        SpdxJson = "spdx-json",
        /// SPDX 2.3 tag-value.
        SpdxTagValue = "spdx-tag-value",
        /// sc's own JSON catalog. `syft-json` is accepted as an alias for
        /// configurations written for the original design.
        ScJson = "sc-json" | "syft-json",
    }
}

config_enum! {
    /// Which filesystem view of the image is catalogued.
    pub enum SbomScope {
        /// The final filesystem, after all layers are applied (the default).
        Squashed = "squashed",
        /// Every layer, including files deleted by later layers.
        AllLayers = "all-layers",
    }
}

config_enum! {
    /// Provenance predicate format.
    pub enum ProvenanceFormat {
        /// SLSA Provenance v1.0 in an in-toto statement (the default and only format).
        SlsaV1 = "slsa-v1.0",
    }
}

config_enum! {
    /// Vulnerability scanner. All names run sc's built-in scanner: `grype` and
    /// `trivy` are accepted so configurations written for the original,
    /// tool-driven design keep working.
    pub enum ScanTool {
        /// sc's built-in scanner.
        Sc = "sc",
        /// Accepted for compatibility; runs sc's built-in scanner.
        Grype = "grype",
        /// Accepted for compatibility; runs sc's built-in scanner.
        Trivy = "trivy",
    }
}

/// Where key material comes from: a file, or an environment variable
/// holding the PEM text (`env://NAME`, as in cosign).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    /// A PEM file on disk, relative paths against the working directory.
    Path(PathBuf),
    /// An environment variable holding the PEM text.
    Env(String),
}

impl KeyRef {
    /// The prefix that marks an environment-variable reference.
    pub const ENV_PREFIX: &'static str = "env://";

    /// Parses `env://NAME` or a path. Does not check that either exists.
    pub fn parse(s: &str) -> KeyRef {
        match s.strip_prefix(Self::ENV_PREFIX) {
            Some(name) => KeyRef::Env(name.to_string()),
            None => KeyRef::Path(PathBuf::from(s)),
        }
    }
}

/// True for a portable environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_env_var_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses a duration written as numbers with units: `30m`, `24h`, `7d`, `2w`,
/// `1d12h`. Units: `s`, `m`, `h`, `d`, `w`. Returns the message to show on error.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || {
        format!("invalid duration '{s}' (use a number and a unit s, m, h, d or w: 30m, 24h, 7d)")
    };
    let text = s.trim();
    if text.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

/// Deserializes a scalar through `T`'s `FromStr`, reporting its error. The
/// error is raised inside the deserializer's call, so the YAML parser attaches
/// the scalar's own line and column. Numbers and booleans are parsed as text,
/// so `format: 5` reads `invalid value '5' (valid: …)`.
struct ParseVisitor<T>(PhantomData<T>);

impl<T> ParseVisitor<T> {
    fn new() -> Self {
        ParseVisitor(PhantomData)
    }
}

impl<T> Visitor<'_> for ParseVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        self.visit_str(&v.to_string())
    }
}

/// `Option` around [`ParseVisitor`].
struct OptionVisitor<T>(PhantomData<T>);

impl<'de, T> Visitor<'de> for OptionVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(ParseVisitor::new()).map(Some)
    }
}

/// `deserialize_with` for `Option<Severity>`: case-insensitive, accepts the
/// aliases of [`crate::severity::Severity`]'s `FromStr`, and reports
/// `unknown severity 'x' (valid: …)`.
pub(crate) fn severity_opt<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<crate::severity::Severity>, D::Error> {
    d.deserialize_option(OptionVisitor(PhantomData))
}

/// `deserialize_with` for an optional string that may be written as a bare
/// YAML number (`schemaVersion: 1.0`).
pub(crate) fn string_or_number_opt<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        S(String),
        I(i64),
        F(f64),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        None => None,
        Some(Raw::S(s)) => Some(s),
        Some(Raw::I(i)) => Some(i.to_string()),
        Some(Raw::F(f)) => Some(format!("{f:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_parse_canonical_alias_and_case() {
        assert_eq!("spdx-json".parse::<SbomFormat>(), Ok(SbomFormat::SpdxJson));
        assert_eq!("SYFT-JSON".parse::<SbomFormat>(), Ok(SbomFormat::ScJson));
        assert_eq!(SbomFormat::ScJson.to_string(), "sc-json");
        assert_eq!("all-layers".parse::<SbomScope>(), Ok(SbomScope::AllLayers));
        assert_eq!("trivy".parse::<ScanTool>(), Ok(ScanTool::Trivy));
        assert_eq!(
            "x".parse::<SbomFormat>().unwrap_err().to_string(),
            "invalid value 'x' (valid: cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value, sc-json)"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("1d12h"), Ok(Duration::from_secs(129_600)));
        assert!(parse_duration("7").is_err());
        assert!(parse_duration("7days").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("99999999999999999999w").is_err());
    }

    #[test]
    fn key_refs_and_env_names() {
        assert_eq!(
            KeyRef::parse("env://COSIGN_KEY"),
            KeyRef::Env("COSIGN_KEY".into())
        );
        assert_eq!(
            KeyRef::parse("keys/cosign.key"),
            KeyRef::Path("keys/cosign.key".into())
        );
        assert!(is_env_var_name("COSIGN_PASSWORD"));
        assert!(is_env_var_name("_x1"));
        assert!(!is_env_var_name("1X"));
        assert!(!is_env_var_name("A-B"));
        assert!(!is_env_var_name(""));
    }
}
