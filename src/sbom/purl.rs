//! Package URLs (purl): building them for inventory packages, printing them in
//! canonical form and parsing them back.
//!
//! Canonical form follows the package-url specification (ECMA-427 text in
//! `package-url/purl-spec`):
//! - `pkg:type/namespace/name@version?qualifiers#subpath`;
//! - the type is lowercase ASCII (letters, digits, `.`, `-`, `+`), starting with a letter;
//! - namespace and subpath segments, name, version and qualifier values are
//!   percent-encoded (UTF-8, uppercase hex): everything except ASCII letters,
//!   digits, `.`, `-`, `_`, `~` and the colon `:` is encoded, so `@` is `%40`,
//!   `+` is `%2B`, a space is `%20` and a `/` inside a qualifier value is `%2F`;
//! - qualifier keys are lowercase, sorted, unique; empty values are dropped;
//! - empty, `.` and `..` subpath segments are dropped.
//!
//! Type rules applied when building and when parsing: `pypi` names are
//! lowercased with `_` replaced by `-`; `composer`, `github`, `gitlab` and
//! `bitbucket` namespaces and names are lowercased (they are case-insensitive
//! there); every other type keeps its case (`pkg:nuget/Newtonsoft.Json`).
//!
//! The parser accepts what the specification says a parser must accept
//! (`pkg://`, upper-case types and qualifier keys, unencoded `@` in an npm
//! scope, leading/trailing slashes) and returns the decoded components;
//! printing a parsed purl gives the canonical form. It does not enforce a
//! type's namespace requirement (`pkg:rpm/curl@7` is accepted): SBOMs written by
//! other tools carry such purls.
//!
//! [`Purl::for_package`] applies syft's conventions for OS packages:
//! `distro=<ID>-<VERSION_ID>`, `upstream=<source>[@<source version>]` when the
//! source package differs from the binary one, the RPM epoch as an `epoch`
//! qualifier.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::str::FromStr;

use super::model::{Distro, Package, PackageType};

/// A package URL, components decoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Purl {
    ty: String,
    namespace: Vec<String>,
    name: String,
    version: Option<String>,
    qualifiers: BTreeMap<String, String>,
    subpath: Vec<String>,
}

/// Why a purl could not be built or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid package URL '{input}': {reason}")]
pub struct PurlError {
    /// The text (or component) rejected.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl PurlError {
    fn new(input: &str, reason: impl Into<String>) -> Self {
        PurlError {
            input: input.to_string(),
            reason: reason.into(),
        }
    }
}

impl Purl {
    /// A purl of `ty` (case-insensitive) named `name`, with the type's name rules applied.
    pub fn new(ty: &str, name: &str) -> Result<Self, PurlError> {
        let ty = ty.to_ascii_lowercase();
        validate_type(&ty).map_err(|r| PurlError::new(&ty, r))?;
        let name = normalize_name(&ty, name.trim_matches('/'));
        if name.is_empty() {
            return Err(PurlError::new(&ty, "a name is required"));
        }
        Ok(Purl {
            ty,
            namespace: Vec::new(),
            name,
            version: None,
            qualifiers: BTreeMap::new(),
            subpath: Vec::new(),
        })
    }

    /// Set the namespace: `/`-separated segments, empty segments dropped.
    pub fn with_namespace(mut self, namespace: &str) -> Self {
        self.namespace = namespace
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| normalize_namespace(&self.ty, s))
            .collect();
        self
    }

    /// Set the version (an empty string clears it).
    pub fn with_version(mut self, version: &str) -> Self {
        self.version = (!version.is_empty()).then(|| version.to_string());
        self
    }

    /// Add a qualifier; the key is lowercased, an empty value removes the key.
    pub fn with_qualifier(mut self, key: &str, value: &str) -> Result<Self, PurlError> {
        let key = key.to_ascii_lowercase();
        validate_qualifier_key(&key).map_err(|r| PurlError::new(&key, r))?;
        if value.is_empty() {
            self.qualifiers.remove(&key);
        } else {
            self.qualifiers.insert(key, value.to_string());
        }
        Ok(self)
    }

    /// Set the subpath: `/`-separated, empty, `.` and `..` segments dropped.
    pub fn with_subpath(mut self, subpath: &str) -> Self {
        self.subpath = clean_subpath(subpath.split('/').map(str::to_string));
        self
    }

    /// The type (`deb`, `npm`, ...), lowercase.
    pub fn purl_type(&self) -> &str {
        &self.ty
    }

    /// The namespace, segments joined with `/`, decoded (`@types`, `github.com/spf13`).
    pub fn namespace(&self) -> Option<String> {
        (!self.namespace.is_empty()).then(|| self.namespace.join("/"))
    }

    /// The name, decoded.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version, decoded.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The qualifiers, keys sorted.
    pub fn qualifiers(&self) -> &BTreeMap<String, String> {
        &self.qualifiers
    }

    /// One qualifier's value.
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers.get(key).map(String::as_str)
    }

    /// The subpath, segments joined with `/`, decoded.
    pub fn subpath(&self) -> Option<String> {
        (!self.subpath.is_empty()).then(|| self.subpath.join("/"))
    }

    /// The same purl without qualifiers and subpath: the package identity
    /// (`pkg:deb/debian/openssl@3.0.11-1~deb12u2`), as accuracy comparisons use.
    pub fn without_qualifiers(&self) -> Purl {
        Purl {
            qualifiers: BTreeMap::new(),
            subpath: Vec::new(),
            ..self.clone()
        }
    }

    /// The purl of an inventory package, with syft's qualifier conventions for
    /// OS packages (see the module documentation). `distro` is the image's.
    pub fn for_package(pkg: &Package, distro: Option<&Distro>) -> Purl {
        let ty = pkg.package_type.purl_type();
        let (mut namespace, name) = split_name(pkg);
        if pkg.package_type.is_os() && namespace.is_none() {
            namespace = os_namespace(pkg.package_type, distro);
        }
        // purl_type() is a valid type and names are never empty in practice; a
        // nameless package still gets a syntactically valid purl.
        let name = if name.trim_matches('/').is_empty() {
            "unknown"
        } else {
            name
        };
        let mut purl = Purl::new(ty, name).expect("valid purl type and non-empty name");
        if let Some(ns) = namespace {
            purl = purl.with_namespace(&ns);
        }
        let mut version = pkg.version.as_str();
        let mut q: Vec<(&str, String)> = Vec::new();
        if pkg.package_type.is_os() {
            if let Some(arch) = pkg.arch.as_deref() {
                q.push(("arch", arch.to_string()));
            }
            if let Some(d) = distro.filter(|d| !d.id.is_empty()) {
                let value = if d.version_id.is_empty() {
                    d.id.clone()
                } else {
                    format!("{}-{}", d.id, d.version_id)
                };
                q.push(("distro", value));
            }
            if let Some(src) = pkg.source.as_ref().filter(|s| !s.name.is_empty()) {
                let other_version = src.version.as_deref().filter(|v| *v != pkg.version);
                match other_version {
                    Some(v) => q.push(("upstream", format!("{}@{v}", src.name))),
                    None if src.name != pkg.name => q.push(("upstream", src.name.clone())),
                    None => {}
                }
            }
            if pkg.package_type == PackageType::Rpm {
                let epoch = pkg.metadata.get("epoch").cloned();
                match version.split_once(':') {
                    Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
                        version = rest;
                        q.push(("epoch", e.to_string()));
                    }
                    _ => {
                        if let Some(e) = epoch.filter(|e| !e.is_empty() && e != "0") {
                            q.push(("epoch", e));
                        }
                    }
                }
            }
        }
        purl = purl.with_version(version);
        for (k, v) in q {
            purl = purl
                .with_qualifier(k, &v)
                .expect("qualifier keys used here are valid");
        }
        purl
    }
}

/// Namespace and name of a package as its purl type wants them.
fn split_name(pkg: &Package) -> (Option<String>, &str) {
    match pkg.package_type {
        // `@scope/name`, Go module paths, `vendor/name`: the last path element is the name.
        PackageType::Npm | PackageType::Go | PackageType::Composer => {
            if let Some(ns) = pkg.namespace.as_deref().filter(|n| !n.is_empty()) {
                return (Some(ns.to_string()), pkg.name.as_str());
            }
            match pkg.name.trim_end_matches('/').rsplit_once('/') {
                Some((ns, name)) if !ns.is_empty() => (Some(ns.to_string()), name),
                _ => (None, pkg.name.as_str()),
            }
        }
        _ => (
            pkg.namespace.clone().filter(|n| !n.is_empty()),
            pkg.name.as_str(),
        ),
    }
}

/// Namespace of an OS package's purl: the vendor, from the distro ID (`rhel` is `redhat`).
pub fn os_namespace(package_type: PackageType, distro: Option<&Distro>) -> Option<String> {
    let id = distro.map(|d| d.id.as_str()).filter(|id| !id.is_empty());
    match (package_type, id) {
        (PackageType::Rpm, Some("rhel")) => Some("redhat".into()),
        (_, Some(id)) => Some(id.to_ascii_lowercase()),
        (PackageType::Deb, None) => Some("debian".into()),
        (PackageType::Apk, None) => Some("alpine".into()),
        _ => None,
    }
}

fn lowercases(ty: &str) -> bool {
    matches!(ty, "pypi" | "composer" | "github" | "gitlab" | "bitbucket")
}

fn normalize_name(ty: &str, name: &str) -> String {
    let mut name = if lowercases(ty) {
        name.to_lowercase()
    } else {
        name.to_string()
    };
    if ty == "pypi" {
        name = name.replace('_', "-");
    }
    name
}

fn normalize_namespace(ty: &str, segment: &str) -> String {
    if lowercases(ty) {
        segment.to_lowercase()
    } else {
        segment.to_string()
    }
}

fn clean_subpath(segments: impl Iterator<Item = String>) -> Vec<String> {
    segments
        .filter(|s| !s.is_empty() && s != "." && s != "..")
        .collect()
}

fn validate_type(ty: &str) -> Result<(), &'static str> {
    let mut chars = ty.chars();
    match chars.next() {
        None => return Err("a type is required"),
        Some(c) if !c.is_ascii_alphabetic() => return Err("the type must start with a letter"),
        _ => {}
    }
    if ty
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
    {
        Ok(())
    } else {
        Err("the type may contain only ASCII letters, digits, '.', '-' and '+'")
    }
}

fn validate_qualifier_key(key: &str) -> Result<(), &'static str> {
    match key.chars().next() {
        None => return Err("a qualifier key must not be empty"),
        Some(c) if !c.is_ascii_alphabetic() => {
            return Err("a qualifier key must start with a letter")
        }
        _ => {}
    }
    if key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
    {
        Ok(())
    } else {
        Err("a qualifier key may contain only ASCII letters, digits, '.', '-' and '_'")
    }
}

/// Percent-encode a purl component (see the module documentation for the set kept as is).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b':') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Decode `%XX` escapes; malformed escapes and invalid UTF-8 are errors.
pub fn percent_decode(s: &str) -> Result<String, String> {
    if !s.contains('%') {
        return Ok(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("malformed percent-encoding in '{s}'"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("percent-encoded bytes in '{s}' are not UTF-8"))
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pkg:{}/", self.ty)?;
        for seg in &self.namespace {
            write!(f, "{}/", percent_encode(seg))?;
        }
        f.write_str(&percent_encode(&self.name))?;
        if let Some(v) = &self.version {
            write!(f, "@{}", percent_encode(v))?;
        }
        for (i, (k, v)) in self.qualifiers.iter().enumerate() {
            let sep = if i == 0 { '?' } else { '&' };
            write!(f, "{sep}{k}={}", percent_encode(v))?;
        }
        for (i, seg) in self.subpath.iter().enumerate() {
            let sep = if i == 0 { '#' } else { '/' };
            write!(f, "{sep}{}", percent_encode(seg))?;
        }
        Ok(())
    }
}

impl FromStr for Purl {
    type Err = PurlError;

    /// Parse a purl as the specification's parsing procedure describes.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| PurlError::new(input, reason);
        let decode = |s: &str| percent_decode(s).map_err(|r| PurlError::new(input, r));
        if input.trim() != input {
            return Err(err("leading or trailing whitespace"));
        }
        // subpath
        let (rest, subpath) = match input.split_once('#') {
            Some((r, s)) => (r, Some(s)),
            None => (input, None),
        };
        // qualifiers
        let (rest, qualifiers) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        // scheme
        let (scheme, rest) = rest
            .split_once(':')
            .ok_or_else(|| err("missing the 'pkg:' scheme"))?;
        if !scheme.eq_ignore_ascii_case("pkg") {
            return Err(err("the scheme must be 'pkg'"));
        }
        let rest = rest.trim_matches('/');
        // type
        let (ty, rest) = rest
            .split_once('/')
            .ok_or_else(|| err("a type and a name are required"))?;
        let ty = ty.to_ascii_lowercase();
        validate_type(&ty).map_err(err)?;
        // version: after the first '@' of the last path segment
        let (path, version) = {
            let last_start = rest.rfind('/').map_or(0, |i| i + 1);
            match rest[last_start..].find('@') {
                Some(at) => (&rest[..last_start + at], Some(&rest[last_start + at + 1..])),
                None => (rest, None),
            }
        };
        let path = path.trim_matches('/');
        let (ns, name) = match path.rsplit_once('/') {
            Some((ns, name)) => (Some(ns), name),
            None => (None, path),
        };
        let name = decode(name)?;
        if name.is_empty() {
            return Err(err("a name is required"));
        }
        let mut purl = Purl::new(&ty, &name).map_err(|e| err(&e.reason))?;
        if let Some(ns) = ns {
            let mut segs = Vec::new();
            for s in ns.split('/').filter(|s| !s.is_empty()) {
                let s = decode(s)?;
                if s.contains('/') {
                    return Err(err("a namespace segment must not contain '/'"));
                }
                segs.push(normalize_namespace(&ty, &s));
            }
            purl.namespace = segs;
        }
        if let Some(v) = version {
            purl.version = Some(decode(v)?).filter(|v| !v.is_empty());
        }
        if let Some(q) = qualifiers {
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair
                    .split_once('=')
                    .ok_or_else(|| err("a qualifier must be key=value"))?;
                let key = k.to_ascii_lowercase();
                validate_qualifier_key(&key).map_err(err)?;
                if purl.qualifiers.contains_key(&key) {
                    return Err(err("duplicate qualifier key"));
                }
                let value = decode(v)?;
                if !value.is_empty() {
                    purl.qualifiers.insert(key, value);
                }
            }
        }
        if let Some(s) = subpath {
            let mut segs = Vec::new();
            for seg in s.split('/') {
                segs.push(decode(seg)?);
            }
            purl.subpath = clean_subpath(segs.into_iter());
        }
        Ok(purl)
    }
}

impl serde::Serialize for Purl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Purl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sbom::model::{Location, SourcePackage};

    fn loc() -> Location {
        Location {
            path: "var/lib/dpkg/status".into(),
            layer_index: 0,
            layer_digest: None,
        }
    }

    fn distro(id: &str, v: &str) -> Distro {
        Distro {
            id: id.into(),
            version_id: v.into(),
            ..Default::default()
        }
    }

    fn pkg(ty: PackageType, name: &str, version: &str) -> Package {
        Package::new(ty, name, version, "test", loc())
    }

    #[test]
    fn debian_package_with_source() {
        // no namespace recorded: the distro ID is the vendor
        let mut p = pkg(PackageType::Deb, "openssl", "3.0.11-1~deb12u2");
        p.arch = Some("amd64".into());
        p.source = Some(SourcePackage {
            name: "openssl".into(),
            version: None,
        });
        let d = distro("debian", "12");
        assert_eq!(
            Purl::for_package(&p, Some(&d)).to_string(),
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"
        );
        p.name = "libssl3".into();
        assert_eq!(
            Purl::for_package(&p, Some(&d)).to_string(),
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"
        );
        p.name = "libgcc-s1".into();
        p.version = "12.2.0-14".into();
        p.source = Some(SourcePackage {
            name: "gcc-12".into(),
            version: Some("12.2.0-14+b1".into()),
        });
        assert_eq!(
            Purl::for_package(&p, Some(&d)).to_string(),
            "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&distro=debian-12&upstream=gcc-12%4012.2.0-14%2Bb1"
        );
    }

    #[test]
    fn debian_epoch_stays_in_version_with_unencoded_colon() {
        let mut p = pkg(PackageType::Deb, "zlib1g", "1:1.2.13.dfsg-1");
        p.namespace = Some("debian".into());
        p.arch = Some("amd64".into());
        assert_eq!(
            Purl::for_package(&p, None).to_string(),
            "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64"
        );
    }

    #[test]
    fn alpine_and_rpm() {
        let mut p = pkg(PackageType::Apk, "musl", "1.2.4-r2");
        p.namespace = Some("alpine".into());
        p.arch = Some("x86_64".into());
        p.source = Some(SourcePackage {
            name: "musl".into(),
            version: None,
        });
        assert_eq!(
            Purl::for_package(&p, Some(&distro("alpine", "3.19.1"))).to_string(),
            "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1"
        );

        let d = distro("rhel", "9.3");
        let mut r = pkg(PackageType::Rpm, "openssl", "1:3.0.7-24.el9");
        r.namespace = os_namespace(PackageType::Rpm, Some(&d));
        r.arch = Some("x86_64".into());
        // qualifiers sorted by key, as the specification requires
        assert_eq!(
            Purl::for_package(&r, Some(&d)).to_string(),
            "pkg:rpm/redhat/openssl@3.0.7-24.el9?arch=x86_64&distro=rhel-9.3&epoch=1"
        );
        // epoch given as metadata instead
        r.version = "3.0.7-24.el9".into();
        r.metadata.insert("epoch".into(), "1".into());
        assert_eq!(
            Purl::for_package(&r, Some(&d)).to_string(),
            "pkg:rpm/redhat/openssl@3.0.7-24.el9?arch=x86_64&distro=rhel-9.3&epoch=1"
        );
    }

    #[test]
    fn os_namespaces() {
        let d = distro("ubuntu", "22.04");
        assert_eq!(
            os_namespace(PackageType::Deb, Some(&d)).as_deref(),
            Some("ubuntu")
        );
        assert_eq!(
            os_namespace(PackageType::Deb, None).as_deref(),
            Some("debian")
        );
        assert_eq!(
            os_namespace(PackageType::Apk, None).as_deref(),
            Some("alpine")
        );
        assert_eq!(
            os_namespace(PackageType::Rpm, Some(&distro("rocky", "9.3"))).as_deref(),
            Some("rocky")
        );
        assert_eq!(os_namespace(PackageType::Rpm, None), None);
    }

    #[test]
    fn language_packages() {
        let cases: &[(PackageType, Option<&str>, &str, &str, &str)] = &[
            (
                PackageType::Python,
                None,
                "Requests_Toolbelt",
                "2.19.1",
                "pkg:pypi/requests-toolbelt@2.19.1",
            ),
            (
                PackageType::Python,
                None,
                "requests",
                "2.19.1",
                "pkg:pypi/requests@2.19.1",
            ),
            (
                PackageType::Npm,
                None,
                "@types/node",
                "20.1.0",
                "pkg:npm/%40types/node@20.1.0",
            ),
            (
                PackageType::Npm,
                None,
                "lodash",
                "4.17.15",
                "pkg:npm/lodash@4.17.15",
            ),
            (
                PackageType::Go,
                None,
                "github.com/spf13/cobra",
                "v1.8.0",
                "pkg:golang/github.com/spf13/cobra@v1.8.0",
            ),
            (
                PackageType::Go,
                None,
                "github.com/Azure/go-autorest/v14",
                "v14.2.0+incompatible",
                "pkg:golang/github.com/Azure/go-autorest/v14@v14.2.0%2Bincompatible",
            ),
            (
                PackageType::Go,
                None,
                "stdlib",
                "1.22.1",
                "pkg:golang/stdlib@1.22.1",
            ),
            (
                PackageType::Java,
                Some("org.apache.commons"),
                "commons-text",
                "1.10.0",
                "pkg:maven/org.apache.commons/commons-text@1.10.0",
            ),
            (
                PackageType::Rust,
                None,
                "serde",
                "1.0.200",
                "pkg:cargo/serde@1.0.200",
            ),
            (
                PackageType::Gem,
                None,
                "rails",
                "7.1.3",
                "pkg:gem/rails@7.1.3",
            ),
            (
                PackageType::Composer,
                None,
                "laravel/framework",
                "v10.0.0",
                "pkg:composer/laravel/framework@v10.0.0",
            ),
            (
                PackageType::Composer,
                None,
                "Laravel/Framework",
                "v10.0.0",
                "pkg:composer/laravel/framework@v10.0.0",
            ),
            (
                PackageType::Nuget,
                None,
                "Newtonsoft.Json",
                "13.0.3",
                "pkg:nuget/Newtonsoft.Json@13.0.3",
            ),
        ];
        for (ty, ns, name, version, want) in cases {
            let mut p = pkg(*ty, name, version);
            p.namespace = ns.map(str::to_string);
            let got = Purl::for_package(&p, Some(&distro("debian", "12")));
            assert_eq!(&got.to_string(), want, "{name}");
            // language packages never carry OS qualifiers
            assert!(got.qualifiers().is_empty());
            // and every one of them parses back to itself
            assert_eq!(want.parse::<Purl>().unwrap(), got, "{want}");
        }
    }

    #[test]
    fn builder_encoding_rules() {
        let p = Purl::new("maven", "myartifact")
            .unwrap()
            .with_namespace("mygroup")
            .with_version("1.0.0 Final")
            .with_qualifier("mykey", "my value")
            .unwrap();
        assert_eq!(
            p.to_string(),
            "pkg:maven/mygroup/myartifact@1.0.0%20Final?mykey=my%20value"
        );
        let p = Purl::new("generic", "openssl")
            .unwrap()
            .with_version("1.1.10g")
            .with_qualifier(
                "download_url",
                "https://openssl.org/source/openssl-1.1.0g.tar.gz",
            )
            .unwrap()
            .with_qualifier("checksum", "sha256:de4d501267da")
            .unwrap();
        assert_eq!(
            p.to_string(),
            "pkg:generic/openssl@1.1.10g?checksum=sha256:de4d501267da&download_url=https:%2F%2Fopenssl.org%2Fsource%2Fopenssl-1.1.0g.tar.gz"
        );
        let p = Purl::new("oci", "debian")
            .unwrap()
            .with_version("sha256:244fd47e07d10")
            .with_qualifier("repository_url", "docker.io/library/debian")
            .unwrap()
            .with_qualifier("tag", "latest")
            .unwrap()
            .with_qualifier("arch", "amd64")
            .unwrap()
            .with_qualifier("empty", "")
            .unwrap();
        assert_eq!(
            p.to_string(),
            "pkg:oci/debian@sha256:244fd47e07d10?arch=amd64&repository_url=docker.io%2Flibrary%2Fdebian&tag=latest"
        );
        let p = Purl::new("golang", "genproto")
            .unwrap()
            .with_namespace("/google.golang.org/")
            .with_subpath("/googleapis/./api/../annotations/");
        assert_eq!(
            p.to_string(),
            "pkg:golang/google.golang.org/genproto#googleapis/api/annotations"
        );
        // unicode is UTF-8 percent-encoded
        let p = Purl::new("generic", "café").unwrap();
        assert_eq!(p.to_string(), "pkg:generic/caf%C3%A9");
        assert!(Purl::new("3d", "x").is_err());
        assert!(Purl::new("n&g", "x").is_err());
        assert!(Purl::new("npm", "").is_err());
        assert!(Purl::new("npm", "x")
            .unwrap()
            .with_qualifier("in production", "true")
            .is_err());
        assert!(Purl::new("npm", "x")
            .unwrap()
            .with_qualifier("1key", "v")
            .is_err());
    }

    /// Canonicalization cases from the package-url test suite, restated.
    #[test]
    fn parse_and_canonicalize() {
        let cases = [
            (
                "pkg:PYPI/Django_package@1.11.1.dev1",
                "pkg:pypi/django-package@1.11.1.dev1",
            ),
            (
                "pkg:GOLANG/google.golang.org/genproto@abcdedf#/googleapis/api/annotations/",
                "pkg:golang/google.golang.org/genproto@abcdedf#googleapis/api/annotations",
            ),
            (
                "pkg:composer/Laravel/Laravel@5.5.0",
                "pkg:composer/laravel/laravel@5.5.0",
            ),
            (
                "pkg:github/Package-url/purl-Spec@244fd47e07d1004f0aed9c",
                "pkg:github/package-url/purl-spec@244fd47e07d1004f0aed9c",
            ),
            (
                "pkg:npm/@babel/core#/googleapis/api/annotations/",
                "pkg:npm/%40babel/core#googleapis/api/annotations",
            ),
            (
                "pkg:npm/core@2.0.1#/googleapis/api/annotations/",
                "pkg:npm/core@2.0.1#googleapis/api/annotations",
            ),
            (
                "pkg:npm/%40angular/animation@12.3.1",
                "pkg:npm/%40angular/animation@12.3.1",
            ),
            (
                "pkg:npm/mypackage@12.4.5?vcs_url=git://host.com/path/to/repo.git%404345abcd34343",
                "pkg:npm/mypackage@12.4.5?vcs_url=git:%2F%2Fhost.com%2Fpath%2Fto%2Frepo.git%404345abcd34343",
            ),
            (
                "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64",
                "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64",
            ),
            (
                "pkg:rpm/fedora/curl@7.50.3-1.fc25?Arch=i386&Distro=fedora-25",
                "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25",
            ),
            (
                "pkg:rpm/fedora/centerim@4.22.10-1.el6?arch=i686&epoch=1&distro=fedora-25",
                "pkg:rpm/fedora/centerim@4.22.10-1.el6?arch=i686&distro=fedora-25&epoch=1",
            ),
            (
                "pkg:oci/debian@sha256%3A244fd47e07d10?repository_url=docker.io/library/debian&arch=amd64&tag=latest",
                "pkg:oci/debian@sha256:244fd47e07d10?arch=amd64&repository_url=docker.io%2Flibrary%2Fdebian&tag=latest",
            ),
            (
                "pkg:generic/bitwarderl?vcs_url=git%2Bhttps://git.fsfe.org/dxtr/bitwarderl%40cc55108da32",
                "pkg:generic/bitwarderl?vcs_url=git%2Bhttps:%2F%2Fgit.fsfe.org%2Fdxtr%2Fbitwarderl%40cc55108da32",
            ),
            (
                "pkg:generic/openssl@1.1.10g?download_url=https://openssl.org/source/openssl-1.1.0g.tar.gz&checksum=sha256:de4d501267da",
                "pkg:generic/openssl@1.1.10g?checksum=sha256:de4d501267da&download_url=https:%2F%2Fopenssl.org%2Fsource%2Fopenssl-1.1.0g.tar.gz",
            ),
            (
                "pkg:cocoapods/GoogleUtilities@7.5.2#NSData+zlib",
                "pkg:cocoapods/GoogleUtilities@7.5.2#NSData%2Bzlib",
            ),
            (
                "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&repositorY_url=repo.spring.io/release",
                "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&repository_url=repo.spring.io%2Frelease",
            ),
            (
                "pkg://maven/org.apache.commons/io",
                "pkg:maven/org.apache.commons/io",
            ),
            (
                "pkg:///maven///org.apache.commons///io",
                "pkg:maven/org.apache.commons/io",
            ),
            (
                "pkg:nuget/EnterpriseLibrary.Common@6.0.1304",
                "pkg:nuget/EnterpriseLibrary.Common@6.0.1304",
            ),
            (
                "pkg:gem/jruby-launcher@1.1.2?Platform=java",
                "pkg:gem/jruby-launcher@1.1.2?platform=java",
            ),
            ("pkg:npm/foo@1.0?empty=", "pkg:npm/foo@1.0"),
            (
                "pkg:generic/caf%C3%A9@1%2E0",
                "pkg:generic/caf%C3%A9@1.0",
            ),
        ];
        for (input, canonical) in cases {
            let p: Purl = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(p.to_string(), canonical, "{input}");
            // canonical forms are fixed points
            assert_eq!(canonical.parse::<Purl>().unwrap().to_string(), canonical);
        }
    }

    #[test]
    fn parsed_components_are_decoded() {
        let p: Purl =
            "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&upstream=gcc-12%4012.2.0-14%2Bb1"
                .parse()
                .unwrap();
        assert_eq!(p.purl_type(), "deb");
        assert_eq!(p.namespace().as_deref(), Some("debian"));
        assert_eq!(p.name(), "libgcc-s1");
        assert_eq!(p.version(), Some("12.2.0-14"));
        assert_eq!(p.qualifier("upstream"), Some("gcc-12@12.2.0-14+b1"));
        assert_eq!(
            p.without_qualifiers().to_string(),
            "pkg:deb/debian/libgcc-s1@12.2.0-14"
        );
        let p: Purl = "pkg:npm/%40types/node@20.1.0".parse().unwrap();
        assert_eq!(p.namespace().as_deref(), Some("@types"));
        let p: Purl = "pkg:golang/github.com/spf13/cobra@v1.8.0".parse().unwrap();
        assert_eq!(p.namespace().as_deref(), Some("github.com/spf13"));
        assert_eq!(p.name(), "cobra");
        assert_eq!(p.subpath(), None);
    }

    #[test]
    fn invalid_purls() {
        for bad in [
            "EnterpriseLibrary.Common@6.0.1304",
            "pkg:EnterpriseLibrary.Common@6.0.1304",
            "pkg:n&g?inx/nginx@0.8.9",
            "pkg:3nginx/nginx@0.8.9",
            "pkg:nginx:a/nginx@0.8.9",
            "pkg:npm/myartifact@1.0.0?in%20production=true",
            "pkg:maven/@1.3.4",
            "pkg%3Amaven/org.apache.commons/io",
            "http:npm/foo@1",
            "pkg:npm/foo@1?a=1&a=2",
            "pkg:npm/foo@1?novalue",
            "pkg:npm/fo%zzo@1",
            "pkg:npm/fo%FFo@1",
            "pkg:npm",
        ] {
            assert!(bad.parse::<Purl>().is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn serde_as_string() {
        let p: Purl = serde_json::from_str("\"pkg:cargo/serde@1.0.200\"").unwrap();
        assert_eq!(p.name(), "serde");
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            "\"pkg:cargo/serde@1.0.200\""
        );
    }
}
