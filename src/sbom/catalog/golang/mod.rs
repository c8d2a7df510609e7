//! Go binaries: the modules a binary was built from, read from the build
//! information the Go linker embeds (`go version -m` shows the same).
//!
//! **Reads.** Every regular file of at least 1 KiB is streamed through a
//! `probe::BuildInfoProbe` (syft too looks at every file whose content is an
//! executable, with or without an execute bit: Go shared libraries and
//! binaries copied without their mode count). The probe gives up after the
//! first bytes of anything that is not ELF, PE or Mach-O, and otherwise keeps
//! only the build info's two strings: the Go version and the module
//! information (at most 1 MiB). See `probe` for the format and the bounds.
//!
//! **Emits**, per binary (following syft 1.18's Go binary cataloger):
//! - the main module (`mod` line). When its version is `(devel)` (any
//!   `go build` from a source tree), the version is taken, in order, from an
//!   `-X …version=1.2.3`-style linker flag in the `-ldflags` build setting
//!   (syft's two patterns); from the first NUL-delimited semver-looking
//!   string in the binary (syft's "from-contents" guess, which finds the
//!   `-X` strings of builds that did not record `-ldflags`, such as Debian's;
//!   see `contents`: the probe then reads the whole binary); or made into a
//!   pseudo-version `v0.0.0-<vcs.time as YYYYMMDDhhmmss>-<vcs.revision[:12]>`
//!   from the VCS build settings; otherwise it stays `(devel)`. Metadata
//!   `versionSource` says which (`ldflags`, `contents`, `vcs`). A binary
//!   without a `mod` line but with a `path` line (`go build file.go`,
//!   `command-line-arguments`, Debian's GOPATH builds) gets the single
//!   `(devel)` dependency as main module, else the `path` itself, as syft
//!   does;
//! - every `dep`, with its `=>` replacement applied (the replacement's path,
//!   version and sum are reported; the replaced module is kept in metadata
//!   `replaces`). A directory replacement has an empty version, as in syft;
//! - `stdlib` at the Go version (`go1.19.3`; purl `pkg:golang/stdlib@1.19.3`,
//!   CPE `cpe:2.3:a:golang:go:1.19.3:-:*:*:*:*:*:*`, license BSD-3-Clause).
//!   Unlike syft, also for a binary without module information (its Go
//!   version alone is what vulnerability matching needs).
//!
//! The main module `depends_on` every dependency and `stdlib` (build info is a
//! flat list: no deeper edges exist). Metadata follows syft's
//! `GolangBinaryBuildinfoEntry`: `goCompiledVersion`, `architecture` (the
//! `GOARCH` build setting, else the executable header's machine in Go's
//! naming), `mainModule`, `h1Digest`, `goExperiments`, and on the main module
//! each build setting as `goBuildSettings:<key>` (`vcs.revision`,
//! `-ldflags`, `GOOS`, …) plus `mainPackage` (the `path` line). syft's
//! `goCryptoSettings` (boringcrypto detection from symbols) is not produced.
//!
//! purls are set here (the builder may overwrite them): the module path is
//! the purl namespace and name (`pkg:golang/github.com/aws/aws-sdk-go-v2/service/s3@v1.2.0`,
//! per the purl spec; syft moves path segments past the third into the
//! subpath) and versions are percent-encoded (`+incompatible` → `%2Bincompatible`).
//!
//! **Go 1.13–1.17** binaries store pointers to the strings instead of the
//! strings, and the strings lie earlier in the file than the header: the
//! probe keeps the few places that can hold them as the file streams by and
//! resolves the pointers through the address map in the file's first 8 KiB
//! (see `legacy`). When that fails (pointers outside the map, a string
//! passed unkept), the binary yields a warning naming the file and the reason,
//! and no packages.

pub(crate) mod contents;
pub(crate) mod exe;
mod legacy;
pub mod modinfo;
mod probe;

use std::collections::BTreeSet;

use self::modinfo::{ModInfo, Module};
use self::probe::{BuildInfoProbe, Captured, RawBuildInfo, ENVELOPE_TAG};
use super::{Capture, CapturedFile, CatalogContext, CatalogOutput, Cataloger, EntryInfo};
use crate::sbom::model::{Package, PackageType};

/// Name recorded as `found_by`.
const NAME: &str = "go-binary";
/// Smaller files are not looked at (the smallest Go binary is about 1 MB).
const MIN_SIZE: u64 = 1024;
/// Version of an unversioned main module.
const DEVEL: &str = "(devel)";
/// Warnings about malformed module information lines, per binary.
const MAX_LINE_WARNINGS: usize = 5;

/// The Go binary cataloger.
pub struct GoBinaryCataloger;

impl Cataloger for GoBinaryCataloger {
    fn name(&self) -> &'static str {
        NAME
    }

    fn wants(&self, entry: &EntryInfo<'_>) -> Option<Capture> {
        (entry.size >= MIN_SIZE).then(|| Capture::Probe(Box::new(BuildInfoProbe::new())))
    }

    fn catalog_file(&self, file: &CapturedFile, _ctx: &CatalogContext) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        let captured = if file.content.starts_with(ENVELOPE_TAG) {
            match Captured::from_bytes(&file.content) {
                Some(c) => c,
                None => {
                    out.warnings.push(format!(
                        "{}: Go build info capture is unreadable",
                        file.path
                    ));
                    return out;
                }
            }
        } else {
            // The whole file (tests, or a walker that kept it).
            match BuildInfoProbe::scan(&file.content) {
                Some(c) => c,
                None => return out,
            }
        };
        let mut seen = BTreeSet::new();
        for info in &captured.infos {
            for p in binary_packages(file, &captured, info, &mut out.warnings) {
                let key = (p.name.clone(), p.version.clone());
                if seen.insert(key) {
                    out.packages.push(p);
                }
            }
        }
        out
    }
}

/// The packages of one build info blob.
fn binary_packages(
    file: &CapturedFile,
    captured: &Captured,
    info: &RawBuildInfo,
    warnings: &mut Vec<String>,
) -> Vec<Package> {
    let path = &file.path;
    if info.pointer_format && info.go_version.is_empty() {
        let why = info.problem.as_deref().unwrap_or("strings not found");
        warnings.push(format!(
            "{path}: Go binary built before Go 1.18 (pointer-format build info at offset {}): its modules could not be read: {why}",
            info.offset
        ));
        return Vec::new();
    }
    if let Some(problem) = &info.problem {
        warnings.push(format!("{path}: Go build info: {problem}"));
    }
    let (go_version, experiments) = split_go_version(&info.go_version);
    let (mut mi, problems) = modinfo::parse(&info.modinfo);
    for p in problems.iter().take(MAX_LINE_WARNINGS) {
        warnings.push(format!("{path}: Go module information {p}"));
    }
    if problems.len() > MAX_LINE_WARNINGS {
        warnings.push(format!(
            "{path}: Go module information: {} more malformed lines",
            problems.len() - MAX_LINE_WARNINGS
        ));
    }
    let arch = mi
        .setting("GOARCH")
        .map(str::to_string)
        .or_else(|| captured.goarch.clone())
        .unwrap_or_default();
    let main = main_module(&mut mi);

    let main_path = main.as_ref().map(|m| m.path.clone()).unwrap_or_default();
    let common = |p: &mut Package| {
        p.metadata
            .insert("goCompiledVersion".into(), go_version.to_string());
        p.metadata.insert("architecture".into(), arch.clone());
        if !main_path.is_empty() {
            p.metadata.insert("mainModule".into(), main_path.clone());
        }
        if !experiments.is_empty() {
            p.metadata
                .insert("goExperiments".into(), experiments.join(","));
        }
    };

    let mut deps = Vec::new();
    for dep in &mi.deps {
        let eff = dep.replace.as_deref().unwrap_or(dep);
        if eff.path.is_empty() {
            continue;
        }
        let mut p = Package::new(
            PackageType::Go,
            &eff.path,
            &eff.version,
            NAME,
            file.location(),
        );
        common(&mut p);
        if !eff.sum.is_empty() {
            p.metadata.insert("h1Digest".into(), eff.sum.clone());
        }
        if dep.replace.is_some() {
            p.metadata
                .insert("replaces".into(), format!("{}@{}", dep.path, dep.version));
        }
        p.purl = purl(&p.name, &p.version);
        deps.push(p);
    }

    let mut packages = Vec::new();
    if let Some(m) = &main {
        let (version, source) = main_version(m, &mi, captured.contents_version.as_deref());
        let mut p = Package::new(PackageType::Go, &m.path, &version, NAME, file.location());
        common(&mut p);
        if !m.sum.is_empty() {
            p.metadata.insert("h1Digest".into(), m.sum.clone());
        }
        if let Some(source) = source {
            p.metadata.insert("versionSource".into(), source.into());
        }
        if !mi.path.is_empty() {
            p.metadata.insert("mainPackage".into(), mi.path.clone());
        }
        for (k, v) in &mi.settings {
            p.metadata.insert(format!("goBuildSettings:{k}"), v.clone());
        }
        p.depends_on = deps.iter().map(|d| d.name.clone()).collect();
        if !go_version.is_empty() {
            p.depends_on.push("stdlib".into());
        }
        p.purl = purl(&p.name, &p.version);
        packages.push(p);
    }
    packages.extend(deps);
    if !go_version.is_empty() {
        packages.push(stdlib_package(file, go_version));
    }
    packages
}

/// `go1.22.0 X:nocoverageredesign` → (`go1.22.0`, [`nocoverageredesign`]).
fn split_go_version(raw: &str) -> (&str, Vec<String>) {
    let mut parts = raw.split(' ');
    let version = parts.next().unwrap_or("");
    let experiments = parts
        .filter_map(|chunk| chunk.strip_prefix("X:"))
        .flat_map(|csv| csv.split(','))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    (version, experiments)
}

/// The main module, with syft's fallbacks when the `mod` line is missing or
/// names `command-line-arguments`.
fn main_module(mi: &mut ModInfo) -> Option<Module> {
    let missing = match &mi.main {
        None => !mi.path.is_empty(),
        Some(m) => m.path == "command-line-arguments" && m.version.is_empty() && m.sum.is_empty(),
    };
    if !missing {
        return mi.main.clone();
    }
    let devel: Vec<usize> = (0..mi.deps.len())
        .filter(|&i| mi.deps[i].version == DEVEL)
        .collect();
    if let [i] = devel[..] {
        return Some(mi.deps.remove(i));
    }
    let path = if mi.path.is_empty() {
        mi.main.as_ref().map(|m| m.path.clone()).unwrap_or_default()
    } else {
        mi.path.clone()
    };
    Some(Module {
        path,
        version: DEVEL.into(),
        ..Module::default()
    })
}

/// Whether the main module of this module information gets its version
/// from syft's contents guess: it is `(devel)` and no `-ldflags` version is
/// recorded. The probe then keeps streaming until it has a guess.
pub(super) fn needs_contents_version(modinfo: &str) -> bool {
    let (mut mi, _) = modinfo::parse(modinfo);
    let Some(main) = main_module(&mut mi) else {
        return false;
    };
    main.version == DEVEL
        && mi
            .setting("-ldflags")
            .and_then(|flags| version_from_ldflags(flags, &main.path))
            .is_none()
}

/// The main module's version and where it came from (`None`: as recorded).
fn main_version(
    main: &Module,
    mi: &ModInfo,
    contents: Option<&str>,
) -> (String, Option<&'static str>) {
    let main = main.replace.as_deref().unwrap_or(main);
    if main.version != DEVEL {
        return (main.version.clone(), None);
    }
    if let Some(v) = mi
        .setting("-ldflags")
        .and_then(|flags| version_from_ldflags(flags, &main.path))
    {
        return (v, Some("ldflags"));
    }
    if let Some(v) = contents {
        let v = if v.starts_with('v') {
            v.to_string()
        } else {
            format!("v{v}")
        };
        return (v, Some("contents"));
    }
    if let (Some(rev), Some(time)) = (mi.setting("vcs.revision"), mi.setting("vcs.time")) {
        return (pseudo_version(rev, time), Some("vcs"));
    }
    (main.version.clone(), None)
}

/// A version set with `-X <pkg>.version=1.2.3`-like linker flags, where
/// `<pkg>` is `main` or a package of the main module (syft's patterns).
fn version_from_ldflags(ldflags: &str, main_module: &str) -> Option<String> {
    const PATTERNS: [&str; 2] = [
        r"(?m)\.[a-zA-Z0-9]*([rR]elease)?([gG]it)?([bB]uild)?[vV]er(sion)?=(\S+/)*(?P<version>v?[0-9]+.[0-9]+.[0-9]+[-0-9A-Za-z_]*)",
        r"(?m)\.[a-zA-Z0-9]*([tT]ag)=(\S+/)*(?P<version>v?[0-9]+.[0-9]+.[0-9]+[-0-9A-Za-z_]*)",
    ];
    let module = regex::escape(main_module);
    for pattern in PATTERNS {
        let re = regex::Regex::new(&format!(r"(main|{module}/\S*){pattern}")).ok()?;
        if let Some(v) = re.captures(ldflags).and_then(|c| c.name("version")) {
            let v = v.as_str();
            return Some(if v.starts_with('v') {
                v.to_string()
            } else {
                format!("v{v}")
            });
        }
    }
    None
}

/// Go's pseudo-version for an untagged commit: `v0.0.0-<UTC time>-<rev[:12]>`.
/// An unparsable time gives the zero time, as in syft.
fn pseudo_version(revision: &str, vcs_time: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let stamp = time::OffsetDateTime::parse(vcs_time, &Rfc3339)
        .map(|t| {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}{:02}{:02}{:02}{:02}{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_else(|_| "00010101000000".into());
    let rev: String = revision.chars().take(12).collect();
    format!("v0.0.0-{stamp}-{rev}")
}

fn stdlib_package(file: &CapturedFile, go_version: &str) -> Package {
    let mut p = Package::new(PackageType::Go, "stdlib", go_version, NAME, file.location());
    let bare = go_version.strip_prefix("go").unwrap_or(go_version);
    p.purl = purl("stdlib", bare);
    p.licenses = vec!["BSD-3-Clause".into()];
    p.metadata
        .insert("goCompiledVersion".into(), go_version.to_string());
    if let Some(cpe) = stdlib_cpe(bare) {
        p.cpes = vec![cpe];
    }
    p
}

/// `1.21.5` → `cpe:2.3:a:golang:go:1.21.5:-:…`; `1.21rc2` → `…:go:1.21:rc2:…`.
fn stdlib_cpe(version: &str) -> Option<String> {
    let digits_end = version
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.'))
        .map_or(version.len(), |(i, _)| i);
    let (num, rest) = version.split_at(digits_end);
    let num = num.trim_end_matches('.');
    if num.is_empty() || !num.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let candidate: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let update = if candidate.is_empty() {
        "-"
    } else {
        &candidate
    };
    Some(format!("cpe:2.3:a:golang:go:{num}:{update}:*:*:*:*:*:*"))
}

/// `pkg:golang/<module path>@<version>`, each path segment and the version
/// percent-encoded.
fn purl(module_path: &str, version: &str) -> String {
    let path: Vec<String> = module_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_encode)
        .collect();
    let mut s = format!("pkg:golang/{}", path.join("/"));
    if !version.is_empty() {
        s.push('@');
        s.push_str(&percent_encode(version));
    }
    s
}

/// Percent-encode all but the purl spec's unreserved characters.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
