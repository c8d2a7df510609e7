//! Package URLs (`pkg:type/namespace/name@version?qualifiers#subpath`), parsed
//! leniently and compared the way VEX and ignore rules need: a purl without a
//! version names every version; qualifiers given must agree.
//!
//! Not a full purl-spec implementation: no validation of type-specific rules,
//! no canonical re-encoding. Names compare case-insensitively, and PyPI names
//! after PEP 503 normalization (`PyYAML` = `pyyaml`, `zope_interface` = `zope-interface`).

use std::collections::BTreeMap;
use std::fmt;

use crate::digest::Digest;

/// A parsed package URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// Type, lower-case (`deb`, `pypi`, `npm`, `oci`, ...).
    pub ty: String,
    /// Namespace (`debian`, `@angular`, `org.apache.logging.log4j`), percent-decoded.
    pub namespace: Option<String>,
    /// Name, percent-decoded.
    pub name: String,
    /// Version, percent-decoded.
    pub version: Option<String>,
    /// Qualifiers, keys lower-case, values percent-decoded.
    pub qualifiers: BTreeMap<String, String>,
    /// Subpath, percent-decoded.
    pub subpath: Option<String>,
}

impl Purl {
    /// Parse `s`; `None` when it is not a package URL.
    pub fn parse(s: &str) -> Option<Purl> {
        let s = s.trim();
        let rest = s.get(..4).filter(|p| p.eq_ignore_ascii_case("pkg:"))?;
        let rest = s[rest.len()..].trim_start_matches('/');
        let (rest, subpath) = match rest.split_once('#') {
            Some((r, sp)) => (r, Some(decode(sp.trim_matches('/')))),
            None => (rest, None),
        };
        let (rest, qualifiers) = match rest.split_once('?') {
            Some((r, q)) => (r, parse_qualifiers(q)),
            None => (rest, BTreeMap::new()),
        };
        let last_slash = rest.rfind('/')?;
        let (path, version) = match rest[last_slash..].rfind('@') {
            Some(at) => {
                let at = last_slash + at;
                (&rest[..at], Some(decode(&rest[at + 1..])))
            }
            None => (rest, None),
        };
        let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if segments.len() < 2 {
            return None;
        }
        let ty = segments.remove(0).to_ascii_lowercase();
        let name = decode(segments.pop()?);
        let namespace = (!segments.is_empty()).then(|| {
            segments
                .iter()
                .map(|s| decode(s))
                .collect::<Vec<_>>()
                .join("/")
        });
        if ty.is_empty() || name.is_empty() {
            return None;
        }
        Some(Purl {
            ty,
            namespace,
            name,
            version: version.filter(|v| !v.is_empty()),
            qualifiers,
            subpath,
        })
    }

    /// Whether this purl, read as a pattern, names `pkg`: same type, namespace
    /// and name; the same version when this one has a version; every qualifier
    /// this one lists present in `pkg` with the same value.
    pub fn matches(&self, pkg: &Purl) -> bool {
        if self.ty != pkg.ty
            || normalize(&self.ty, self.namespace.as_deref().unwrap_or(""))
                != normalize(&pkg.ty, pkg.namespace.as_deref().unwrap_or(""))
            || normalize(&self.ty, &self.name) != normalize(&pkg.ty, &pkg.name)
        {
            return false;
        }
        if let Some(v) = &self.version {
            if pkg.version.as_deref() != Some(v.as_str()) {
                return false;
            }
        }
        self.qualifiers
            .iter()
            .all(|(k, v)| pkg.qualifiers.get(k) == Some(v))
    }

    /// For `pkg:oci/...@sha256:...`, the image digest.
    pub fn oci_digest(&self) -> Option<Digest> {
        if self.ty != "oci" {
            return None;
        }
        self.version.as_deref()?.parse().ok()
    }
}

impl fmt::Display for Purl {
    /// Canonical-ish form: components percent-encoded, qualifiers sorted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pkg:{}/", self.ty)?;
        if let Some(ns) = &self.namespace {
            for seg in ns.split('/') {
                write!(f, "{}/", encode(seg))?;
            }
        }
        f.write_str(&encode(&self.name))?;
        if let Some(v) = &self.version {
            write!(f, "@{}", encode(v))?;
        }
        let mut sep = '?';
        for (k, v) in &self.qualifiers {
            write!(f, "{sep}{k}={}", encode_qualifier(v))?;
            sep = '&';
        }
        if let Some(sp) = &self.subpath {
            write!(f, "#{sp}")?;
        }
        Ok(())
    }
}

fn parse_qualifiers(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), decode(v)))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .collect()
}

fn normalize(ty: &str, s: &str) -> String {
    let lower = s.to_lowercase();
    if ty != "pypi" {
        return lower;
    }
    let mut out = String::with_capacity(lower.len());
    let mut in_sep = false;
    for c in lower.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.push(c);
            in_sep = false;
        }
    }
    out
}

/// Percent-decode; invalid escapes are kept as written.
pub(crate) fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Percent-encode everything but the purl-safe characters (`A-Za-z0-9.-_~`, and `:`).
pub(crate) fn encode(s: &str) -> String {
    encode_except(s, b".-_~:")
}

/// Qualifier values also keep `/` readable (`repository_url=ghcr.io/acme/app`).
pub(crate) fn encode_qualifier(s: &str) -> String {
    encode_except(s, b".-_~:/")
}

fn encode_except(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Purl {
        Purl::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn parses_real_purls() {
        let deb = p("pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12");
        assert_eq!(deb.ty, "deb");
        assert_eq!(deb.namespace.as_deref(), Some("debian"));
        assert_eq!(deb.name, "zlib1g");
        assert_eq!(deb.version.as_deref(), Some("1:1.2.13.dfsg-1"));
        assert_eq!(deb.qualifiers["distro"], "debian-12");

        let npm = p("pkg:npm/%40angular/core@16.2.0");
        assert_eq!(npm.namespace.as_deref(), Some("@angular"));
        let raw_at = p("pkg:npm/@angular/core");
        assert_eq!(raw_at.namespace.as_deref(), Some("@angular"));
        assert_eq!(raw_at.version, None);

        let oci = p("pkg:oci/shop-api@sha256%3A3f1c2b9a0d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8?repository_url=ghcr.io/acme/shop-api&tag=1.4.2");
        assert_eq!(
            oci.oci_digest().unwrap().to_string(),
            "sha256:3f1c2b9a0d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"
        );
        assert_eq!(oci.qualifiers["repository_url"], "ghcr.io/acme/shop-api");

        assert!(Purl::parse("CVE-2023-1234").is_none());
        assert!(Purl::parse("pkg:deb").is_none());
        assert!(Purl::parse("pkg:%zz/x").is_some());
    }

    #[test]
    fn pattern_matching() {
        let pkg = p("pkg:pypi/pyyaml@5.3.1");
        assert!(p("pkg:pypi/PyYAML").matches(&pkg));
        assert!(p("pkg:pypi/PyYAML@5.3.1").matches(&pkg));
        assert!(!p("pkg:pypi/PyYAML@5.4").matches(&pkg));
        assert!(!p("pkg:npm/pyyaml").matches(&pkg));
        assert!(p("pkg:pypi/zope_interface").matches(&p("pkg:pypi/zope.interface@6.0")));

        let deb = p("pkg:deb/debian/openssl@3.0.11-1~deb12u1?arch=amd64&distro=debian-12");
        assert!(p("pkg:deb/debian/openssl?distro=debian-12").matches(&deb));
        assert!(!p("pkg:deb/debian/openssl?distro=debian-11").matches(&deb));
        assert!(!p("pkg:deb/ubuntu/openssl").matches(&deb));
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12",
            "pkg:npm/%40angular/core@16.2.0",
            "pkg:oci/shop-api@sha256:abc?repository_url=ghcr.io/acme/shop-api&tag=1.4.2",
        ] {
            assert_eq!(p(s).to_string(), s);
            assert_eq!(p(&p(s).to_string()), p(s));
        }
    }
}
