//! Version parsing and ordering, exact to each package ecosystem's own rules.
//!
//! An offline vulnerability scanner decides "is the installed version inside
//! an advisory's affected range?" by ordering version strings.  Getting that
//! order wrong produces false negatives (missed vulnerabilities) or false
//! positives, so every ecosystem here reimplements the algorithm of the tool
//! that *defines* the order for that ecosystem, and is differentially tested
//! against that tool where it can be installed (`tests/native.rs`).
//!
//! | [`Ecosystem`] | module | defined by |
//! |---|---|---|
//! | `Debian`, `Ubuntu` | [`dpkg`] | dpkg `verrevcmp` |
//! | `Alpine` (also Wolfi, Chainguard, …) | [`apk`] | apk-tools `version.c` |
//! | `Rpm` (Red Hat, Rocky, AlmaLinux, SUSE, …) | [`rpm`] | rpm `rpmvercmp` + EVR |
//! | `PyPI` | [`pep440`] | PEP 440 / `packaging.version` |
//! | `Npm` | [`semver`] | node-semver (loose) |
//! | `Go` | [`golang`] | `golang.org/x/mod/semver` |
//! | `Maven` | [`maven`] | Maven 3 `ComparableVersion` |
//! | `RubyGems` | [`rubygems`] | `Gem::Version` |
//! | `NuGet` | [`nuget`] | `NuGet.Versioning` |
//! | `Packagist` | [`packagist`] | composer/semver `VersionParser` + PHP `version_compare` |
//! | `CratesIo` | [`cargo`] | SemVer 2.0 as the `semver` crate parses it |
//!
//! The crate has no dependencies and no parser in it panics, whatever the
//! input: numeric components of any length are compared as digit strings.
//!
//! ```
//! use sc_version::{compare, Ecosystem};
//! use std::cmp::Ordering;
//!
//! let eco = Ecosystem::from_osv("Debian:12");
//! assert_eq!(compare(eco, "1.0~rc1-1", "1.0-1").unwrap(), Ordering::Less);
//! assert_eq!(compare(Ecosystem::PyPI, "1.0.post1", "1.0").unwrap(), Ordering::Greater);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::cmp::Ordering;
use std::fmt;

pub mod apk;
pub mod cargo;
pub mod dpkg;
pub mod golang;
pub mod maven;
pub mod nuget;
pub mod packagist;
pub mod pep440;
pub mod rpm;
pub mod rubygems;
pub mod semver;

mod util;

/// A package ecosystem, as far as version ordering is concerned.
///
/// Several OSV ecosystems share one ordering scheme (every RPM-based
/// distribution orders versions with rpm's algorithm, for instance); they map
/// onto one variant here.  Ecosystems with no ordering implemented map to
/// [`Ecosystem::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    /// Debian (dpkg versions).
    Debian,
    /// Ubuntu (dpkg versions).
    Ubuntu,
    /// Alpine and the other apk-based distributions (Wolfi, Chainguard,
    /// MinimOS, Alpaquita, BellSoft Hardened Containers).
    Alpine,
    /// RPM-based distributions: Red Hat, Rocky Linux, AlmaLinux, SUSE,
    /// openSUSE, Photon OS, Mageia, openEuler, Azure Linux, Oracle Linux.
    Rpm,
    /// The Python Package Index (PEP 440).
    PyPI,
    /// The npm registry (node-semver).
    Npm,
    /// Go modules.
    Go,
    /// Maven repositories.
    Maven,
    /// RubyGems.
    RubyGems,
    /// NuGet.
    NuGet,
    /// Packagist (Composer).
    Packagist,
    /// crates.io.
    CratesIo,
    /// Any ecosystem whose version ordering this crate does not implement
    /// (Hex, Pub, CRAN, Hackage, Android, Linux, GIT, …).
    Other,
}

impl Ecosystem {
    /// Every variant, in declaration order.
    pub const ALL: [Ecosystem; 13] = [
        Ecosystem::Debian,
        Ecosystem::Ubuntu,
        Ecosystem::Alpine,
        Ecosystem::Rpm,
        Ecosystem::PyPI,
        Ecosystem::Npm,
        Ecosystem::Go,
        Ecosystem::Maven,
        Ecosystem::RubyGems,
        Ecosystem::NuGet,
        Ecosystem::Packagist,
        Ecosystem::CratesIo,
        Ecosystem::Other,
    ];

    /// Maps an OSV `affected[].package.ecosystem` string to the ordering it
    /// uses.
    ///
    /// OSV ecosystem names may carry a release suffix after a colon
    /// (`Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04:LTS`, `Ubuntu:Pro:18.04:LTS`,
    /// `Red Hat:enterprise_linux:9::appstream`, `SUSE:Linux Enterprise Server 15 SP5`,
    /// `openSUSE:Tumbleweed`, `AlmaLinux:8`, `Rocky Linux:9`); only the part
    /// before the first colon decides.  Matching is ASCII case-insensitive and
    /// ignores surrounding whitespace.  Unknown names give [`Ecosystem::Other`].
    pub fn from_osv(name: &str) -> Ecosystem {
        let base = name.split(':').next().unwrap_or("").trim();
        let eq = |s: &str| base.eq_ignore_ascii_case(s);
        if eq("Debian") {
            Ecosystem::Debian
        } else if eq("Ubuntu") {
            Ecosystem::Ubuntu
        } else if [
            "Alpine",
            "Wolfi",
            "Chainguard",
            "MinimOS",
            "Alpaquita",
            "BellSoft Hardened Containers",
        ]
        .iter()
        .any(|s| eq(s))
        {
            Ecosystem::Alpine
        } else if [
            "Red Hat",
            "RedHat",
            "Rocky Linux",
            "AlmaLinux",
            "SUSE",
            "openSUSE",
            "Photon OS",
            "Mageia",
            "openEuler",
            "Azure Linux",
            "CBL-Mariner",
            "Oracle Linux",
            "Fedora",
            "CentOS",
            "Amazon Linux",
        ]
        .iter()
        .any(|s| eq(s))
        {
            Ecosystem::Rpm
        } else if eq("PyPI") {
            Ecosystem::PyPI
        } else if eq("npm") {
            Ecosystem::Npm
        } else if eq("Go") {
            Ecosystem::Go
        } else if eq("Maven") {
            Ecosystem::Maven
        } else if eq("RubyGems") {
            Ecosystem::RubyGems
        } else if eq("NuGet") {
            Ecosystem::NuGet
        } else if eq("Packagist") {
            Ecosystem::Packagist
        } else if eq("crates.io") {
            Ecosystem::CratesIo
        } else {
            Ecosystem::Other
        }
    }

    /// The canonical OSV spelling of the ecosystem (`"RPM"` for the RPM family
    /// and `"Other"` for [`Ecosystem::Other`], which have no single OSV name).
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Debian => "Debian",
            Ecosystem::Ubuntu => "Ubuntu",
            Ecosystem::Alpine => "Alpine",
            Ecosystem::Rpm => "RPM",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Npm => "npm",
            Ecosystem::Go => "Go",
            Ecosystem::Maven => "Maven",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Other => "Other",
        }
    }

    /// Whether this crate can order versions of this ecosystem (everything
    /// but [`Ecosystem::Other`]).
    pub fn is_supported(self) -> bool {
        self != Ecosystem::Other
    }

    /// The ordering scheme; ecosystems with equal schemes order versions the
    /// same way and their parsed versions are comparable with each other.
    fn scheme(self) -> Scheme {
        match self {
            Ecosystem::Debian | Ecosystem::Ubuntu => Scheme::Dpkg,
            Ecosystem::Alpine => Scheme::Apk,
            Ecosystem::Rpm => Scheme::Rpm,
            Ecosystem::PyPI => Scheme::Pep440,
            Ecosystem::Npm => Scheme::Npm,
            Ecosystem::Go => Scheme::Go,
            Ecosystem::Maven => Scheme::Maven,
            Ecosystem::RubyGems => Scheme::RubyGems,
            Ecosystem::NuGet => Scheme::NuGet,
            Ecosystem::Packagist => Scheme::Packagist,
            Ecosystem::CratesIo => Scheme::Cargo,
            Ecosystem::Other => Scheme::None,
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Scheme {
    Dpkg,
    Apk,
    Rpm,
    Pep440,
    Npm,
    Go,
    Maven,
    RubyGems,
    NuGet,
    Packagist,
    Cargo,
    None,
}

/// A version string that is not valid in its ecosystem, or an ecosystem with
/// no ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionError {
    ecosystem: Ecosystem,
    input: String,
    reason: String,
}

impl VersionError {
    pub(crate) fn new(ecosystem: Ecosystem, input: &str, reason: impl Into<String>) -> Self {
        VersionError {
            ecosystem,
            input: input.to_owned(),
            reason: reason.into(),
        }
    }

    /// The ecosystem whose rules rejected the input.
    pub fn ecosystem(&self) -> Ecosystem {
        self.ecosystem
    }

    /// The rejected version string, verbatim.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// Why it was rejected.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Inputs can be arbitrarily long; keep messages readable.
        const MAX: usize = 120;
        let shown: String = self.input.chars().take(MAX).collect();
        let ellipsis = if self.input.chars().nth(MAX).is_some() {
            "…"
        } else {
            ""
        };
        write!(
            f,
            "invalid {} version {:?}{}: {}",
            self.ecosystem, shown, ellipsis, self.reason
        )
    }
}

impl std::error::Error for VersionError {}

/// Module-level parse error: just the reason; [`parse`] adds ecosystem and
/// input.
pub(crate) type Reason = String;

#[derive(Debug, Clone)]
enum Repr {
    Dpkg(dpkg::Version),
    Apk(apk::Version),
    Rpm(rpm::Version),
    Pep440(pep440::Version),
    Npm(semver::Version),
    Go(golang::Version),
    Maven(maven::Version),
    RubyGems(rubygems::Version),
    NuGet(nuget::Version),
    Packagist(packagist::Version),
    Cargo(cargo::Version),
}

impl Repr {
    fn scheme(&self) -> Scheme {
        match self {
            Repr::Dpkg(_) => Scheme::Dpkg,
            Repr::Apk(_) => Scheme::Apk,
            Repr::Rpm(_) => Scheme::Rpm,
            Repr::Pep440(_) => Scheme::Pep440,
            Repr::Npm(_) => Scheme::Npm,
            Repr::Go(_) => Scheme::Go,
            Repr::Maven(_) => Scheme::Maven,
            Repr::RubyGems(_) => Scheme::RubyGems,
            Repr::NuGet(_) => Scheme::NuGet,
            Repr::Packagist(_) => Scheme::Packagist,
            Repr::Cargo(_) => Scheme::Cargo,
        }
    }

    fn cmp_same_scheme(&self, other: &Repr) -> Option<Ordering> {
        Some(match (self, other) {
            (Repr::Dpkg(a), Repr::Dpkg(b)) => a.cmp(b),
            (Repr::Apk(a), Repr::Apk(b)) => a.cmp(b),
            (Repr::Rpm(a), Repr::Rpm(b)) => a.cmp(b),
            (Repr::Pep440(a), Repr::Pep440(b)) => a.cmp(b),
            (Repr::Npm(a), Repr::Npm(b)) => a.cmp(b),
            (Repr::Go(a), Repr::Go(b)) => a.cmp(b),
            (Repr::Maven(a), Repr::Maven(b)) => a.cmp(b),
            (Repr::RubyGems(a), Repr::RubyGems(b)) => a.cmp(b),
            (Repr::NuGet(a), Repr::NuGet(b)) => a.cmp(b),
            (Repr::Packagist(a), Repr::Packagist(b)) => a.cmp(b),
            (Repr::Cargo(a), Repr::Cargo(b)) => a.cmp(b),
            _ => return None,
        })
    }
}

/// A version parsed under one ecosystem's rules.
///
/// `Version` implements [`Ord`], but an order is only *meaningful* between
/// versions of the same ordering scheme (Debian and Ubuntu share one; so do
/// all RPM distributions).  Comparing versions of different schemes with
/// `cmp` gives a defined, total, but meaningless order (by scheme first);
/// use [`compare_parsed`], which returns `None` in that case.
///
/// Equality is the ecosystem's notion of equality, not string equality:
/// `1.0` and `1.0.0` are equal PyPI versions.  Because of that `Version` does
/// not implement `Hash`.
///
/// rpm's `rpmvercmp` is not a strict total order for some pathological
/// inputs mixing separators, and apk orders some invalid versions as equal
/// (exactly as apk-tools does); everything else is a total order.
#[derive(Debug, Clone)]
pub struct Version {
    ecosystem: Ecosystem,
    original: String,
    repr: Repr,
}

impl Version {
    /// The ecosystem this version was parsed for.
    pub fn ecosystem(&self) -> Ecosystem {
        self.ecosystem
    }

    /// The input string, verbatim.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// The ecosystem's normalized spelling where the ecosystem defines one
    /// (PEP 440 normal form, Composer's normalized version, Maven's canonical
    /// form, …); otherwise the input string.
    pub fn normalized(&self) -> String {
        match &self.repr {
            Repr::Pep440(v) => v.to_string(),
            Repr::Packagist(v) => v.normalized().to_owned(),
            Repr::Maven(v) => v.canonical(),
            Repr::Npm(v) => v.to_string(),
            Repr::NuGet(v) => v.to_string(),
            _ => self.original.clone(),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match self.repr.cmp_same_scheme(&other.repr) {
            Some(o) => o,
            None => self.repr.scheme().cmp(&other.repr.scheme()),
        }
    }
}

/// Parses `s` under `eco`'s rules.
///
/// Fails for strings the ecosystem's own tool rejects, and always for
/// [`Ecosystem::Other`].  Alpine never fails: apk-tools orders even invalid
/// versions (see [`apk`]).
pub fn parse(eco: Ecosystem, s: &str) -> Result<Version, VersionError> {
    let err = |r: Reason| VersionError::new(eco, s, r);
    let repr = match eco.scheme() {
        Scheme::Dpkg => Repr::Dpkg(dpkg::parse_inner(s).map_err(err)?),
        Scheme::Apk => Repr::Apk(apk::Version::new(s)),
        Scheme::Rpm => Repr::Rpm(rpm::parse_inner(s).map_err(err)?),
        Scheme::Pep440 => Repr::Pep440(pep440::parse_inner(s).map_err(err)?),
        Scheme::Npm => Repr::Npm(semver::parse_inner(s).map_err(err)?),
        Scheme::Go => Repr::Go(golang::parse_inner(s).map_err(err)?),
        Scheme::Maven => Repr::Maven(maven::parse_inner(s).map_err(err)?),
        Scheme::RubyGems => Repr::RubyGems(rubygems::parse_inner(s).map_err(err)?),
        Scheme::NuGet => Repr::NuGet(nuget::parse_inner(s).map_err(err)?),
        Scheme::Packagist => Repr::Packagist(packagist::parse_inner(s).map_err(err)?),
        Scheme::Cargo => Repr::Cargo(cargo::parse_inner(s).map_err(err)?),
        Scheme::None => {
            return Err(err(
                "no version ordering is implemented for this ecosystem".into()
            ))
        }
    };
    Ok(Version {
        ecosystem: eco,
        original: s.to_owned(),
        repr,
    })
}

/// Orders two version strings under `eco`'s rules.
///
/// Fails if either string is invalid in the ecosystem (the error names the
/// first invalid one) or the ecosystem is [`Ecosystem::Other`].
pub fn compare(eco: Ecosystem, a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = parse(eco, a)?;
    let b = parse(eco, b)?;
    Ok(a.cmp(&b))
}

/// Orders two parsed versions if they share an ordering scheme (for example
/// both Debian, or one Debian and one Ubuntu); `None` otherwise.
pub fn compare_parsed(a: &Version, b: &Version) -> Option<Ordering> {
    a.repr.cmp_same_scheme(&b.repr)
}

/// Whether an OSV `introduced` event value means "from the very first
/// version".
///
/// OSV uses the literal string `"0"` for that, in every ecosystem — including
/// those where `0` is not itself a valid version (Alpine's `0` is valid; Go's
/// `0` is not even valid semver).  Range evaluation must treat such an event
/// as "everything before the next `fixed`/`last_affected` is affected" rather
/// than parse and compare it.
pub fn is_zero_introduced(s: &str) -> bool {
    s.trim() == "0"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_osv_names() {
        let cases: &[(&str, Ecosystem)] = &[
            ("Debian", Ecosystem::Debian),
            ("Debian:12", Ecosystem::Debian),
            ("Ubuntu:22.04:LTS", Ecosystem::Ubuntu),
            ("Ubuntu:Pro:18.04:LTS", Ecosystem::Ubuntu),
            ("Alpine:v3.19", Ecosystem::Alpine),
            ("Wolfi", Ecosystem::Alpine),
            ("Chainguard", Ecosystem::Alpine),
            ("MinimOS", Ecosystem::Alpine),
            ("Alpaquita:stream", Ecosystem::Alpine),
            ("BellSoft Hardened Containers:23", Ecosystem::Alpine),
            ("Red Hat", Ecosystem::Rpm),
            ("Red Hat:enterprise_linux:9::appstream", Ecosystem::Rpm),
            ("Rocky Linux:9", Ecosystem::Rpm),
            ("AlmaLinux:8", Ecosystem::Rpm),
            ("SUSE:Linux Enterprise Server 15 SP5", Ecosystem::Rpm),
            ("openSUSE:Tumbleweed", Ecosystem::Rpm),
            ("Photon OS:5.0", Ecosystem::Rpm),
            ("Mageia:9", Ecosystem::Rpm),
            ("openEuler:22.03-LTS", Ecosystem::Rpm),
            ("Azure Linux:3", Ecosystem::Rpm),
            ("PyPI", Ecosystem::PyPI),
            ("npm", Ecosystem::Npm),
            ("Go", Ecosystem::Go),
            ("Maven", Ecosystem::Maven),
            ("RubyGems", Ecosystem::RubyGems),
            ("NuGet", Ecosystem::NuGet),
            ("Packagist", Ecosystem::Packagist),
            ("crates.io", Ecosystem::CratesIo),
            ("Hex", Ecosystem::Other),
            ("Pub", Ecosystem::Other),
            ("GIT", Ecosystem::Other),
            ("Linux", Ecosystem::Other),
            ("", Ecosystem::Other),
            ("  debian:11 ", Ecosystem::Debian),
            ("PYPI", Ecosystem::PyPI),
        ];
        for (name, eco) in cases {
            assert_eq!(Ecosystem::from_osv(name), *eco, "{name}");
        }
    }

    #[test]
    fn round_trip_names() {
        for eco in Ecosystem::ALL {
            if eco != Ecosystem::Rpm {
                assert_eq!(Ecosystem::from_osv(eco.as_str()), eco, "{eco}");
            }
            assert_eq!(eco.is_supported(), eco != Ecosystem::Other);
        }
    }

    #[test]
    fn zero_introduced() {
        assert!(is_zero_introduced("0"));
        assert!(is_zero_introduced(" 0 "));
        assert!(!is_zero_introduced("0.0"));
        assert!(!is_zero_introduced("00"));
        assert!(!is_zero_introduced(""));
        assert!(!is_zero_introduced("0:0"));
    }

    #[test]
    fn other_is_an_error() {
        let e = compare(Ecosystem::Other, "1", "2").unwrap_err();
        assert_eq!(e.ecosystem(), Ecosystem::Other);
        assert_eq!(e.input(), "1");
        assert!(e.to_string().contains("no version ordering"));
    }

    #[test]
    fn error_is_precise() {
        let e = parse(Ecosystem::PyPI, "1.0-foo").unwrap_err();
        assert_eq!(e.ecosystem(), Ecosystem::PyPI);
        assert_eq!(e.input(), "1.0-foo");
        assert!(!e.reason().is_empty());
        let shown = e.to_string();
        assert!(
            shown.starts_with("invalid PyPI version \"1.0-foo\": "),
            "{shown}"
        );
        // The second argument is named when it is the invalid one.
        let e = compare(Ecosystem::CratesIo, "1.0.0", "1.0").unwrap_err();
        assert_eq!(e.input(), "1.0");
        // Long inputs are elided in messages but kept whole in the error.
        let long = "x".repeat(1000);
        let e = parse(Ecosystem::Npm, &long).unwrap_err();
        assert_eq!(e.input().len(), 1000);
        assert!(e.to_string().len() < 400);
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert!(boxed.source().is_none());
    }

    #[test]
    fn parsed_comparison_across_schemes() {
        let d = parse(Ecosystem::Debian, "1.0-1").unwrap();
        let u = parse(Ecosystem::Ubuntu, "1.0-2").unwrap();
        let p = parse(Ecosystem::PyPI, "1.0").unwrap();
        assert_eq!(compare_parsed(&d, &u), Some(Ordering::Less));
        assert_eq!(compare_parsed(&d, &p), None);
        // Defined but meaningless: by scheme.
        assert_eq!(d.cmp(&p), Ordering::Less);
        assert_eq!(p.cmp(&d), Ordering::Greater);
        assert_ne!(d, p);
    }

    #[test]
    fn equality_is_ecosystem_equality() {
        let a = parse(Ecosystem::PyPI, "1.0").unwrap();
        let b = parse(Ecosystem::PyPI, "1.0.0").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "1.0");
        assert_eq!(b.normalized(), "1.0.0");
        assert_eq!(b.to_string(), "1.0.0");
        let m = parse(Ecosystem::Maven, "1.0.0-GA").unwrap();
        assert_eq!(m.normalized(), "1");
        assert_eq!(m.ecosystem(), Ecosystem::Maven);
    }

    #[test]
    fn every_scheme_through_the_public_api() {
        let cases: &[(Ecosystem, &str, &str, Ordering)] = &[
            (Ecosystem::Debian, "1:0.1", "2.0", Ordering::Greater),
            (Ecosystem::Ubuntu, "1.0~beta", "1.0", Ordering::Less),
            (
                Ecosystem::Alpine,
                "1.2.3_rc1-r0",
                "1.2.3-r0",
                Ordering::Less,
            ),
            (Ecosystem::Rpm, "1.0^git1", "1.0", Ordering::Greater),
            (Ecosystem::PyPI, "1.0.dev1", "1.0a1", Ordering::Less),
            (Ecosystem::Npm, "v1.2.3", "=1.2.3", Ordering::Equal),
            (Ecosystem::Go, "0.0.0-2019-abc", "0.0.0", Ordering::Less),
            (Ecosystem::Maven, "1.0-SNAPSHOT", "1.0", Ordering::Less),
            (Ecosystem::RubyGems, "1.0.a", "1.0", Ordering::Less),
            (
                Ecosystem::NuGet,
                "1.0.0-Beta",
                "1.0.0-beta",
                Ordering::Equal,
            ),
            (
                Ecosystem::Packagist,
                "v1.0.0-RC1",
                "1.0.0-beta2",
                Ordering::Greater,
            ),
            (
                Ecosystem::CratesIo,
                "1.0.0-alpha.1",
                "1.0.0-alpha.beta",
                Ordering::Less,
            ),
        ];
        for (eco, a, b, want) in cases {
            assert_eq!(compare(*eco, a, b).unwrap(), *want, "{eco}: {a} vs {b}");
            assert_eq!(
                compare(*eco, b, a).unwrap(),
                want.reverse(),
                "{eco}: {b} vs {a}"
            );
        }
    }

    /// Strings chosen to break naive parsers: none may panic, in any
    /// ecosystem, whether they parse or not.
    #[test]
    fn no_panic_on_nasty_input() {
        let huge_num = "9".repeat(5000);
        let zeros = format!("0000{}", "0".repeat(300));
        let deep_maven = "1-".repeat(20_000);
        let many_dots = ".".repeat(10_000);
        let long_mixed = "1a.".repeat(10_000);
        let nasty: Vec<String> = vec![
            String::new(),
            " ".into(),
            "\0".into(),
            "1\0".into(),
            "\u{feff}1.0".into(),
            "\u{a0}1.0\u{3000}".into(),
            "\u{1c}1.0".into(),
            "İ".into(),
            "1.0-İ".into(),
            "ǅ1".into(),
            "١٢٣".into(),
            "１.２.３".into(),
            "💥".into(),
            "1.💥".into(),
            "-".into(),
            "--".into(),
            "~".into(),
            "^".into(),
            ":".into(),
            "::".into(),
            "1:".into(),
            ":1".into(),
            "-1:1".into(),
            "99999999999999999999999:1".into(),
            "+".into(),
            "+1".into(),
            "1+".into(),
            "1++".into(),
            "1.0.0-".into(),
            "1.0.0+".into(),
            "1.0.0-+".into(),
            ".".into(),
            "..".into(),
            "1..".into(),
            "v".into(),
            "V".into(),
            "vv1".into(),
            "=".into(),
            "_".into(),
            "_p".into(),
            "1_".into(),
            "1-r".into(),
            "1-r-r".into(),
            "1~".into(),
            "1~g".into(),
            "!".into(),
            "1!".into(),
            "1!1!1".into(),
            "dev-".into(),
            "dev".into(),
            "1.x-dev".into(),
            "1.0 as 2.0".into(),
            "@dev".into(),
            "#".into(),
            "#N#".into(),
            "1#2".into(),
            huge_num.clone(),
            format!("{huge_num}.{huge_num}.{huge_num}"),
            format!("1.0.0-{huge_num}"),
            format!("1.0.0-a.{huge_num}"),
            format!("{huge_num}:{huge_num}-{huge_num}"),
            format!("1!{huge_num}.post{huge_num}.dev{huge_num}+{huge_num}"),
            format!("1.0_rc{huge_num}-r{huge_num}"),
            zeros.clone(),
            format!("{zeros}.{zeros}"),
            deep_maven,
            many_dots,
            long_mixed,
            "a".repeat(100_000),
            "1.2.3-alpha.1+build.2".into(),
            "1.0.0-0A.is.legal".into(),
            "2147483648.0.0".into(),
            "18446744073709551616.0.0".into(),
            "9007199254740992.0.0".into(),
            "1.0.0-9007199254740993".into(),
            "1.0.0--1".into(),
            "1.0.0.0.0".into(),
            "0".into(),
            "00".into(),
            "1.0-\u{7f}".into(),
            "1.0\u{80}".into(),
            "\t\n\r\u{b}\u{c}".into(),
        ];
        for eco in Ecosystem::ALL {
            let parsed: Vec<Option<Version>> = nasty.iter().map(|s| parse(eco, s).ok()).collect();
            for (i, a) in parsed.iter().enumerate() {
                let Some(a) = a else { continue };
                let _ = a.normalized();
                let _ = a.to_string();
                for b in parsed.iter().skip(i).flatten() {
                    let x = a.cmp(b);
                    let y = b.cmp(a);
                    assert_eq!(
                        x,
                        y.reverse(),
                        "{eco}: {:?} vs {:?}",
                        a.as_str(),
                        b.as_str()
                    );
                }
            }
            for s in &nasty {
                if let Err(e) = parse(eco, s) {
                    let _ = e.to_string();
                }
            }
        }
    }
}
