//! CPE 2.3 names for OS packages, in the formatted-string binding
//! (`cpe:2.3:a:openssl:openssl:3.0.11-1\~deb12u2:*:*:*:*:*:*:*`).
//!
//! # Escaping (NISTIR 7695, formatted string binding)
//! A bound value keeps ASCII letters, digits, `_`, `-` and `.` as they are and
//! escapes every other printable ASCII character with a backslash (`\~`, `\+`,
//! `\:`, `\*`, `\?`, `\\`, ...). `*` alone is ANY, `-` alone is NA (the
//! binding cannot tell a literal `-` from NA, so a recorded `-` is NA). CPE
//! values are ASCII without whitespace: spaces become `_` and other characters
//! outside printable ASCII become `_` too.
//! Vendor and product are lowercased (NVD's dictionary is lowercase); the
//! version is kept as recorded (the epoch stays in dpkg versions, as syft does).
//!
//! # Generation ([`for_package`])
//! A simplified form of syft's generator for OS packages (deb, apk, rpm;
//! language packages get none: vulnerability matching uses their purls):
//! - candidates: the binary package name, then the source package name when it
//!   differs (apk `origin`, dpkg `Source:`, the SRPM name) — syft uses the apk
//!   origin the same way; for dpkg and rpm this is our addition, because the
//!   NVD names the upstream project (`libssl3` is built from `openssl`);
//! - for each candidate, vendor = product = the candidate, plus syft's
//!   delimiter variations (`-` ↔ `_`);
//! - all with `part` `a`, the package version, every other field ANY.
//!
//! syft also crosses every vendor candidate with every product candidate and
//! adds sub-selections (`jenkins-ci` → `jenkins`); that multiplies CPEs without
//! helping OS packages, which are matched by distro advisories, so we do not.

use std::fmt;
use std::str::FromStr;

use super::model::Package;

/// One attribute value of a CPE.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum CpeValue {
    /// `*`: any value.
    #[default]
    Any,
    /// `-`: not applicable.
    Na,
    /// A literal value, unescaped.
    Value(String),
}

impl CpeValue {
    /// A literal value, normalized to what a CPE can hold (see the module docs).
    pub fn literal(s: &str) -> CpeValue {
        let s: String = s
            .chars()
            .map(|c| if c.is_ascii_graphic() { c } else { '_' })
            .collect();
        if s.is_empty() {
            CpeValue::Any
        } else if s == "-" {
            // the formatted-string binding writes a lone hyphen unquoted: NA
            CpeValue::Na
        } else {
            CpeValue::Value(s)
        }
    }

    fn bind(&self, out: &mut String) {
        match self {
            CpeValue::Any => out.push('*'),
            CpeValue::Na => out.push('-'),
            CpeValue::Value(v) => {
                for c in v.chars() {
                    if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                        out.push(c);
                    } else if c.is_ascii_graphic() {
                        out.push('\\');
                        out.push(c);
                    } else {
                        out.push('_');
                    }
                }
            }
        }
    }

    fn unbind(s: &str) -> Result<CpeValue, String> {
        match s {
            "*" => return Ok(CpeValue::Any),
            "-" => return Ok(CpeValue::Na),
            "" => return Err("empty attribute value".into()),
            _ => {}
        }
        let mut out = String::with_capacity(s.len());
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(e) if e.is_ascii_graphic() => out.push(e),
                    _ => return Err(format!("dangling escape in '{s}'")),
                },
                c if c.is_ascii_graphic() => out.push(c),
                _ => return Err(format!("invalid character {c:?} in '{s}'")),
            }
        }
        Ok(CpeValue::Value(out))
    }
}

/// A CPE 2.3 name (well-formed name, bound to a formatted string by `Display`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cpe {
    /// `a` (application), `o` (operating system) or `h` (hardware).
    pub part: char,
    /// vendor, product, version, update, edition, language, sw_edition,
    /// target_sw, target_hw, other — in that order.
    pub attributes: [CpeValue; 10],
}

/// Why a string is not a CPE 2.3 formatted string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CPE 2.3 name '{input}': {reason}")]
pub struct CpeError {
    /// The text parsed.
    pub input: String,
    /// What is wrong.
    pub reason: String,
}

impl Cpe {
    /// An application CPE `cpe:2.3:a:<vendor>:<product>:<version>:*:*:*:*:*:*:*`,
    /// vendor and product lowercased, spaces turned into `_`.
    pub fn application(vendor: &str, product: &str, version: &str) -> Cpe {
        let norm = |s: &str| CpeValue::literal(&s.trim().to_lowercase().replace(' ', "_"));
        let mut attributes: [CpeValue; 10] = Default::default();
        attributes[0] = norm(vendor);
        attributes[1] = norm(product);
        attributes[2] = CpeValue::literal(&version.trim().replace(' ', "_"));
        Cpe {
            part: 'a',
            attributes,
        }
    }

    /// The vendor.
    pub fn vendor(&self) -> &CpeValue {
        &self.attributes[0]
    }

    /// The product.
    pub fn product(&self) -> &CpeValue {
        &self.attributes[1]
    }

    /// The version.
    pub fn version(&self) -> &CpeValue {
        &self.attributes[2]
    }
}

impl fmt::Display for Cpe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(64);
        s.push_str("cpe:2.3:");
        s.push(self.part);
        for a in &self.attributes {
            s.push(':');
            a.bind(&mut s);
        }
        f.write_str(&s)
    }
}

impl FromStr for Cpe {
    type Err = CpeError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| CpeError {
            input: input.to_string(),
            reason,
        };
        let rest = input
            .strip_prefix("cpe:2.3:")
            .ok_or_else(|| err("must start with 'cpe:2.3:'".into()))?;
        // split on ':' not preceded by an escaping backslash
        let mut fields = Vec::with_capacity(11);
        let mut cur = String::new();
        let mut escaped = false;
        for c in rest.chars() {
            if escaped {
                cur.push(c);
                escaped = false;
            } else if c == '\\' {
                cur.push(c);
                escaped = true;
            } else if c == ':' {
                fields.push(std::mem::take(&mut cur));
            } else {
                cur.push(c);
            }
        }
        fields.push(cur);
        if fields.len() != 11 {
            return Err(err(format!(
                "expected 11 components after 'cpe:2.3:', found {}",
                fields.len()
            )));
        }
        let part = match fields[0].as_str() {
            "a" => 'a',
            "o" => 'o',
            "h" => 'h',
            other => return Err(err(format!("part must be a, o or h, not '{other}'"))),
        };
        let mut attributes: [CpeValue; 10] = Default::default();
        for (slot, raw) in attributes.iter_mut().zip(&fields[1..]) {
            *slot = CpeValue::unbind(raw).map_err(err)?;
        }
        Ok(Cpe { part, attributes })
    }
}

/// CPEs for an OS package (none for language packages, and none without a
/// version: a CPE with version ANY would match every advisory of the product).
pub fn for_package(pkg: &Package) -> Vec<Cpe> {
    if !pkg.package_type.is_os() || pkg.name.is_empty() || pkg.version.trim().is_empty() {
        return Vec::new();
    }
    let mut candidates = vec![pkg.name.as_str()];
    if let Some(src) = pkg.source.as_ref() {
        if !src.name.is_empty() && src.name != pkg.name {
            candidates.push(src.name.as_str());
        }
    }
    let mut out: Vec<Cpe> = Vec::new();
    for c in candidates {
        let mut variations = vec![c.to_string()];
        if c.contains('-') {
            variations.push(c.replace('-', "_"));
        }
        if c.contains('_') {
            variations.push(c.replace('_', "-"));
        }
        for v in variations {
            let cpe = Cpe::application(&v, &v, &pkg.version);
            if !out.contains(&cpe) {
                out.push(cpe);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sbom::model::{Location, PackageType, SourcePackage};

    /// The CPE 2.3 formatted-string pattern from the CPE naming specification
    /// (as SPDX tools validate `cpe23Type` references).
    const CPE23_FS: &str = r##"^cpe:2\.3:[aho\*\-](:(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!"#$%&'\(\)\+,/:;<=>@\[\]\^`\{\|\}~]))+(\?*|\*?))|[\*\-])){5}(:(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[\*\-]))(:(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!"#$%&'\(\)\+,/:;<=>@\[\]\^`\{\|\}~]))+(\?*|\*?))|[\*\-])){4}$"##;

    fn pkg(name: &str, version: &str, source: Option<&str>) -> Package {
        let mut p = Package::new(
            PackageType::Deb,
            name,
            version,
            "dpkg",
            Location {
                path: "var/lib/dpkg/status".into(),
                layer_index: 0,
                layer_digest: None,
            },
        );
        p.source = source.map(|s| SourcePackage {
            name: s.into(),
            version: None,
        });
        p
    }

    #[test]
    fn escaping_in_formatted_strings() {
        let cases = [
            (
                Cpe::application("openssl", "openssl", "3.0.11-1~deb12u2"),
                r"cpe:2.3:a:openssl:openssl:3.0.11-1\~deb12u2:*:*:*:*:*:*:*",
            ),
            (
                Cpe::application("zlib1g", "zlib1g", "1:1.2.13.dfsg-1"),
                r"cpe:2.3:a:zlib1g:zlib1g:1\:1.2.13.dfsg-1:*:*:*:*:*:*:*",
            ),
            (
                Cpe::application("libc6", "libc6", "2.36-9+deb12u4"),
                r"cpe:2.3:a:libc6:libc6:2.36-9\+deb12u4:*:*:*:*:*:*:*",
            ),
            (
                Cpe::application("Red Hat", "Some*Product?", "1.0 (beta)"),
                r"cpe:2.3:a:red_hat:some\*product\?:1.0_\(beta\):*:*:*:*:*:*:*",
            ),
            (
                Cpe::application("a\\b", "x!\"#$%&'", "@[]^`{|}"),
                r##"cpe:2.3:a:a\\b:x\!\"\#\$\%\&\':\@\[\]\^\`\{\|\}:*:*:*:*:*:*:*"##,
            ),
            (
                Cpe::application("vendor", "product", ""),
                "cpe:2.3:a:vendor:product:*:*:*:*:*:*:*:*",
            ),
            (
                Cpe::application("vendor", "product", "-"),
                "cpe:2.3:a:vendor:product:-:*:*:*:*:*:*:*",
            ),
            (
                Cpe::application("vendör", "pro/duct", "1,2;3<4>=5"),
                r"cpe:2.3:a:vend_r:pro\/duct:1\,2\;3\<4\>\=5:*:*:*:*:*:*:*",
            ),
        ];
        let re = regex::Regex::new(CPE23_FS).unwrap();
        for (cpe, want) in cases {
            let s = cpe.to_string();
            assert_eq!(s, want);
            assert!(re.is_match(&s), "{s} does not match the CPE 2.3 pattern");
            let back: Cpe = s.parse().unwrap();
            assert_eq!(back, cpe, "{s}");
        }
    }

    #[test]
    fn parse_formatted_strings() {
        let c: Cpe = r"cpe:2.3:o:debian:debian_linux:12.0:*:*:*:*:*:*:-"
            .parse()
            .unwrap();
        assert_eq!(c.part, 'o');
        assert_eq!(c.vendor(), &CpeValue::Value("debian".into()));
        assert_eq!(c.attributes[9], CpeValue::Na);
        for bad in [
            "cpe:/a:openssl:openssl:1.0",
            "cpe:2.3:a:openssl:openssl:1.0",
            "cpe:2.3:x:openssl:openssl:1.0:*:*:*:*:*:*:*",
            "cpe:2.3:a:openssl::1.0:*:*:*:*:*:*:*",
            r"cpe:2.3:a:openssl:openssl:1.0:*:*:*:*:*:*:*\",
            "cpe:2.3:a:open ssl:openssl:1.0:*:*:*:*:*:*:*",
        ] {
            assert!(bad.parse::<Cpe>().is_err(), "{bad}");
        }
    }

    #[test]
    fn os_package_candidates() {
        let got: Vec<String> = for_package(&pkg("libssl3", "3.0.11-1~deb12u2", Some("openssl")))
            .iter()
            .map(Cpe::to_string)
            .collect();
        assert_eq!(
            got,
            [
                r"cpe:2.3:a:libssl3:libssl3:3.0.11-1\~deb12u2:*:*:*:*:*:*:*",
                r"cpe:2.3:a:openssl:openssl:3.0.11-1\~deb12u2:*:*:*:*:*:*:*",
            ]
        );
        let got: Vec<String> = for_package(&pkg("libgcc-s1", "12.2.0-14", Some("gcc-12")))
            .iter()
            .map(Cpe::to_string)
            .collect();
        assert_eq!(
            got,
            [
                "cpe:2.3:a:libgcc-s1:libgcc-s1:12.2.0-14:*:*:*:*:*:*:*",
                "cpe:2.3:a:libgcc_s1:libgcc_s1:12.2.0-14:*:*:*:*:*:*:*",
                "cpe:2.3:a:gcc-12:gcc-12:12.2.0-14:*:*:*:*:*:*:*",
                "cpe:2.3:a:gcc_12:gcc_12:12.2.0-14:*:*:*:*:*:*:*",
            ]
        );
        // same source name: no duplicate
        assert_eq!(
            for_package(&pkg("openssl", "3.0.11", Some("openssl"))).len(),
            1
        );
        // no version, no CPE
        assert!(for_package(&pkg("openssl", "", Some("openssl"))).is_empty());
        // language packages get none
        let mut py = pkg("requests", "2.19.1", None);
        py.package_type = PackageType::Python;
        assert!(for_package(&py).is_empty());
    }
}
