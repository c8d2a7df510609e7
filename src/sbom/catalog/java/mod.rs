//! Java archives: `.jar`, `.war`, `.ear`, `.par`, `.sar`, `.nar`, `.jpi`,
//! `.hpi`, `.kar`, `.lpkg`, read in the layer's worker thread
//! ([`Capture::Immediate`]) and their bytes dropped afterwards.
//!
//! Per archive, as syft does it:
//! - the archive's own package: from the `pom.properties` whose `artifactId`
//!   matches the file name (`commons-text` for `commons-text-1.10.0.jar`),
//!   else from the file name and `MANIFEST.MF` (`Implementation-Title`/`-Version`,
//!   `Bundle-SymbolicName`, `Specification-*`, ...). It is reported when it has
//!   both a name and a version (syft reports `bundle.ear` as version `UNKNOWN`);
//! - one more package for every other `META-INF/maven/**/pom.properties`
//!   (shaded and fat jars), with `metadata["virtual_path"]` =
//!   `archive:groupId:artifactId`;
//! - the same, recursively, for every archive inside it (`WEB-INF/lib/*.jar`,
//!   `BOOT-INF/lib/*.jar`, an ear's modules), with virtual paths
//!   `outer.war:WEB-INF/lib/x.jar`. Every package's location is the file in
//!   the image (the outermost archive).
//!
//! Namespace (Maven groupId): pom.properties' `groupId`; else the first, in
//! sort order, of the manifest values that look like one (`org.`, `com.`,
//! `net.`, `io.`, `be.` prefixes) among `Extension-Name`,
//! `Specification-Vendor`, `Implementation-Vendor`, `Bundle-SymbolicName`,
//! `Implementation-Vendor-Id`, `Implementation-Title`, `Bundle-Activator`, then
//! `Automatic-Module-Name`, `Main-Class`, `Package`; else the name itself
//! (syft's purl `pkg:maven/nopom-lib/nopom-lib@0.5`).
//!
//! Licenses: `Bundle-License` (each clause's license, without its `link=` and
//! `description=` attributes, which syft keeps) and `Plugin-License-Name`, else
//! the `<licenses>` of the `pom.xml` beside the pom.properties. License files
//! inside the archive are not classified.
//!
//! Hostile archives: nesting is followed [`MAX_DEPTH`] levels deep; an entry is
//! decompressed only up to its limit ([`MAX_META`] for manifests and pom files,
//! [`MAX_NESTED`] for a nested archive) and within a budget of [`BUDGET`]
//! decompressed bytes per archive in the image, whatever sizes the zip headers
//! declare; nested archives stored uncompressed (Spring Boot's) are read in
//! place. Anything refused or unreadable is a warning naming the archive's
//! virtual path.

mod filename;
mod manifest;
mod pom;

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

pub use filename::name_and_version;
pub use manifest::{parse_manifest, Manifest, ManifestError};
pub use pom::{parse_pom_properties, pom_xml_licenses, PomError, PomProperties};

use super::{Capture, CapturedFile, CatalogContext, CatalogOutput, Cataloger, EntryInfo};
use crate::sbom::model::{Location, Package, PackageType};

/// Largest archive read from a layer.
pub const MAX_ARCHIVE: u64 = 256 * 1024 * 1024;
/// Archives inside archives followed this many levels below the image's file.
pub const MAX_DEPTH: usize = 4;
/// Largest nested archive decompressed.
pub const MAX_NESTED: u64 = 64 * 1024 * 1024;
/// Largest manifest, pom.properties or pom.xml read.
pub const MAX_META: u64 = 4 * 1024 * 1024;
/// Decompressed bytes allowed for one archive of the image, nested ones included.
pub const BUDGET: u64 = 512 * 1024 * 1024;

const EXTENSIONS: [&str; 10] = [
    "jar", "war", "ear", "par", "sar", "nar", "jpi", "hpi", "kar", "lpkg",
];

/// The cataloger's name (`found_by`).
const NAME: &str = "java-archive";

/// The java-archive cataloger.
pub struct JavaArchiveCataloger;

/// True for a file name with a Java archive extension.
pub fn is_java_archive(path: &str) -> bool {
    path.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && !stem.ends_with('/')
            && EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e))
    })
}

impl Cataloger for JavaArchiveCataloger {
    fn name(&self) -> &'static str {
        NAME
    }

    fn wants(&self, entry: &EntryInfo<'_>) -> Option<Capture> {
        is_java_archive(entry.path).then_some(Capture::Immediate { max: MAX_ARCHIVE })
    }

    fn catalog_file(&self, file: &CapturedFile, _ctx: &CatalogContext) -> CatalogOutput {
        catalog_archive(&file.content, file.location())
    }
}

/// The packages of one archive's bytes (and of the archives inside it), found
/// in the image at `location`; problems as warnings.
pub fn catalog_archive(bytes: &[u8], location: Location) -> CatalogOutput {
    let path = location.path.clone();
    let mut scan = Scan {
        location,
        budget: BUDGET,
        budget_warned: false,
        out: CatalogOutput::default(),
    };
    scan.archive(bytes, &path, 0);
    scan.out
}

/// One archive of the image being read, with what is left of its budget.
struct Scan {
    location: Location,
    budget: u64,
    budget_warned: bool,
    out: CatalogOutput,
}

/// Why an entry was not read.
#[derive(Debug)]
enum EntryError {
    TooLarge(u64),
    OverBudget,
    Zip(ZipError),
    Io(std::io::Error),
}

impl std::fmt::Display for EntryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EntryError::TooLarge(limit) => {
                write!(f, "more than {limit} bytes uncompressed; skipped")
            }
            EntryError::OverBudget => write!(
                f,
                "the archive's budget of {BUDGET} decompressed bytes is spent; skipped"
            ),
            EntryError::Zip(e) => write!(f, "{e}"),
            EntryError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// An entry's bytes: borrowed from the archive when stored, else decompressed.
enum EntryBytes<'a> {
    InPlace(&'a [u8]),
    Owned(Vec<u8>),
}

impl std::ops::Deref for EntryBytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            EntryBytes::InPlace(b) => b,
            EntryBytes::Owned(v) => v,
        }
    }
}

/// What one archive says about itself.
struct ArchiveFacts {
    manifest: Option<Manifest>,
    /// pom.properties by the directory holding it, in path order.
    poms: BTreeMap<String, PomProperties>,
    /// pom.xml licenses by directory.
    pom_licenses: BTreeMap<String, Vec<String>>,
    /// Nested archives: (entry index, entry name).
    nested: Vec<(usize, String)>,
}

impl Scan {
    fn warn(&mut self, vpath: &str, what: impl std::fmt::Display) {
        self.out
            .warnings
            .push(format!("java-archive: {vpath}: {what}"));
    }

    /// Warn about an entry not read; about the spent budget only once.
    fn warn_entry(&mut self, vpath: &str, entry: &str, e: EntryError) {
        if matches!(e, EntryError::OverBudget) {
            if self.budget_warned {
                return;
            }
            self.budget_warned = true;
        }
        if entry.is_empty() {
            self.warn(vpath, e);
        } else {
            self.warn(vpath, format_args!("{entry}: {e}"));
        }
    }

    /// Read entry `index` of `zip` (over `bytes`) up to `limit` bytes.
    fn read_entry<'a>(
        &mut self,
        zip: &mut ZipArchive<Cursor<&'a [u8]>>,
        bytes: &'a [u8],
        index: usize,
        limit: u64,
    ) -> Result<EntryBytes<'a>, EntryError> {
        {
            let raw = zip.by_index_raw(index).map_err(EntryError::Zip)?;
            if raw.compression() == CompressionMethod::Stored && !raw.encrypted() {
                let (start, len) = (raw.data_start(), raw.compressed_size());
                if len > limit {
                    return Err(EntryError::TooLarge(limit));
                }
                // Read in place, but counted: overlapping entries must not multiply the work.
                if len > self.budget {
                    return Err(EntryError::OverBudget);
                }
                self.budget -= len;
                let end = start.checked_add(len).ok_or(EntryError::TooLarge(limit))?;
                return usize::try_from(start)
                    .ok()
                    .zip(usize::try_from(end).ok())
                    .and_then(|(s, e)| bytes.get(s..e))
                    .map(EntryBytes::InPlace)
                    .ok_or(EntryError::Zip(ZipError::InvalidArchive(
                        "stored entry extends past the end of the archive".into(),
                    )));
            }
        }
        let cap = limit.min(self.budget);
        let mut entry = zip.by_index(index).map_err(EntryError::Zip)?;
        let mut buf = Vec::new();
        (&mut entry)
            .take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(EntryError::Io)?;
        self.budget -= (buf.len() as u64).min(self.budget);
        if buf.len() as u64 > cap {
            return Err(if cap < limit {
                EntryError::OverBudget
            } else {
                EntryError::TooLarge(limit)
            });
        }
        Ok(EntryBytes::Owned(buf))
    }

    /// Collect an archive's manifest, Maven files and nested archives.
    fn facts<'a>(
        &mut self,
        zip: &mut ZipArchive<Cursor<&'a [u8]>>,
        bytes: &'a [u8],
        vpath: &str,
    ) -> ArchiveFacts {
        let mut facts = ArchiveFacts {
            manifest: None,
            poms: BTreeMap::new(),
            pom_licenses: BTreeMap::new(),
            nested: Vec::new(),
        };
        let mut manifest_at = None;
        let mut pom_props = Vec::new();
        let mut pom_xmls = Vec::new();
        for i in 0..zip.len() {
            let Some(name) = zip.name_for_index(i) else {
                continue;
            };
            if name.ends_with('/') {
                continue;
            }
            if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
                manifest_at.get_or_insert(i);
            } else if let Some(dir) = maven_dir(name, "pom.properties") {
                pom_props.push((i, dir.to_string()));
            } else if let Some(dir) = maven_dir(name, "pom.xml") {
                pom_xmls.push((i, dir.to_string()));
            } else if is_java_archive(name) {
                facts.nested.push((i, name.to_string()));
            }
        }
        if let Some(i) = manifest_at {
            let entry = "META-INF/MANIFEST.MF";
            match self.read_entry(zip, bytes, i, MAX_META) {
                Ok(b) => match parse_manifest(&b) {
                    Ok(m) => facts.manifest = Some(m),
                    Err(e) => self.warn(vpath, format_args!("{entry}: {e}")),
                },
                Err(e) => self.warn_entry(vpath, entry, e),
            }
        }
        for (i, dir) in pom_props {
            let entry = format!("{dir}/pom.properties");
            match self.read_entry(zip, bytes, i, MAX_META) {
                Ok(b) => match parse_pom_properties(&b) {
                    Ok(p) => {
                        facts.poms.insert(dir, p);
                    }
                    Err(e) => self.warn(vpath, format_args!("{entry}: {e}")),
                },
                Err(e) => self.warn_entry(vpath, &entry, e),
            }
        }
        for (i, dir) in pom_xmls {
            match self.read_entry(zip, bytes, i, MAX_META) {
                Ok(b) => {
                    facts.pom_licenses.insert(dir, pom_xml_licenses(&b));
                }
                Err(e) => self.warn_entry(vpath, &format!("{dir}/pom.xml"), e),
            }
        }
        facts.nested.sort_by(|a, b| a.1.cmp(&b.1));
        facts
    }

    /// Catalog the archive `bytes` found at virtual path `vpath`, `depth` levels down.
    fn archive(&mut self, bytes: &[u8], vpath: &str, depth: usize) {
        let mut zip = match ZipArchive::new(Cursor::new(bytes)) {
            Ok(z) => z,
            Err(e) => {
                self.warn(vpath, format_args!("not a readable zip archive: {e}"));
                return;
            }
        };
        let facts = self.facts(&mut zip, bytes, vpath);
        self.packages_of(&facts, vpath);

        for (index, name) in &facts.nested {
            let nested_path = format!("{vpath}:{name}");
            if depth + 1 > MAX_DEPTH {
                self.warn(
                    &nested_path,
                    format_args!("archive nested more than {MAX_DEPTH} levels deep; skipped"),
                );
                continue;
            }
            match self.read_entry(&mut zip, bytes, *index, MAX_NESTED) {
                Ok(inner) => self.archive(&inner, &nested_path, depth + 1),
                Err(e) => self.warn_entry(&nested_path, "", e),
            }
        }
    }

    /// The archive's own package and those of its other pom.properties.
    fn packages_of(&mut self, facts: &ArchiveFacts, vpath: &str) {
        let (file_name, file_version) = name_and_version(vpath);
        let manifest = facts.manifest.as_ref();

        // The pom.properties that describes the archive itself.
        let own = facts
            .poms
            .iter()
            .filter(|(_, p)| artifact_matches_file_name(&p.artifact_id, &file_name))
            .min_by_key(|(dir, p)| (p.artifact_id != file_name, dir.as_str()))
            .map(|(dir, p)| (dir.clone(), p.clone()));

        let mut main: Option<Package> = None;
        let (name, version) = match &own {
            Some((_, p)) => (p.artifact_id.clone(), p.version.clone()),
            None => (
                select_name(manifest, &file_name),
                select_version(manifest, &file_version),
            ),
        };
        if !name.is_empty() && !version.is_empty() {
            let mut p = self.package(&name, &version, vpath);
            p.licenses = manifest.map(manifest_licenses).unwrap_or_default();
            match &own {
                Some((dir, pom)) => {
                    p.namespace = Some(pom.group_id.clone());
                    if p.licenses.is_empty() {
                        p.licenses = facts.pom_licenses.get(dir).cloned().unwrap_or_default();
                    }
                }
                None => {
                    p.namespace = Some(
                        manifest
                            .and_then(group_from_manifest)
                            .unwrap_or_else(|| name.clone()),
                    )
                }
            }
            main = Some(p);
        }

        let mut others = Vec::new();
        for (dir, pom) in &facts.poms {
            if own.as_ref().is_some_and(|(d, _)| d == dir) {
                continue;
            }
            // The same artifact as the archive's own package: pom.properties is the
            // better source of its coordinates.
            if let Some(m) = main.as_mut().filter(|m| m.name == pom.artifact_id) {
                m.version = pom.version.clone();
                m.namespace = Some(pom.group_id.clone());
                continue;
            }
            let vp = format!("{vpath}:{}:{}", pom.group_id, pom.artifact_id);
            let mut p = self.package(&pom.artifact_id, &pom.version, &vp);
            p.namespace = Some(pom.group_id.clone());
            p.licenses = facts.pom_licenses.get(dir).cloned().unwrap_or_default();
            others.push(p);
        }
        self.out.packages.extend(main);
        self.out.packages.extend(others);
    }

    fn package(&self, name: &str, version: &str, vpath: &str) -> Package {
        let mut p = Package::new(
            PackageType::Java,
            name,
            version,
            NAME,
            self.location.clone(),
        );
        p.metadata.insert("virtual_path".into(), vpath.to_string());
        p
    }
}

/// `META-INF/maven/<g>/<a>/<file>` anywhere in the archive: the directory.
fn maven_dir<'a>(name: &'a str, file: &str) -> Option<&'a str> {
    let dir = name.strip_suffix(file)?.strip_suffix('/')?;
    (dir.starts_with("META-INF/maven/") || dir.contains("/META-INF/maven/")).then_some(dir)
}

/// syft's test of a pom.properties belonging to the archive it is in.
fn artifact_matches_file_name(artifact_id: &str, file_name: &str) -> bool {
    !artifact_id.is_empty()
        && !file_name.is_empty()
        && (artifact_id.starts_with(file_name) || file_name.ends_with(artifact_id))
}

/// Name when no pom.properties gives it: the bundle plugin's symbolic name, the
/// file name (its last `.` part: `org.example.thing` → `thing`), then manifest titles.
fn select_name(manifest: Option<&Manifest>, file_name: &str) -> String {
    if let Some(m) = manifest {
        let bundle_plugin = m
            .get("Created-By")
            .is_some_and(|c| c.contains("Apache Maven Bundle Plugin"));
        if let Some(bsn) = m.get("Bundle-SymbolicName").filter(|_| bundle_plugin) {
            let bsn = strip_directives(bsn);
            let last = bsn.rsplit('.').next().unwrap_or(bsn);
            if !last.is_empty() {
                return last.to_string();
            }
        }
    }
    if !file_name.is_empty() {
        return file_name
            .rsplit('.')
            .next()
            .unwrap_or(file_name)
            .to_string();
    }
    manifest
        .and_then(|m| {
            [
                "Name",
                "Bundle-Name",
                "Short-Name",
                "Extension-Name",
                "Implementation-Title",
            ]
            .iter()
            .find_map(|k| m.get(k))
        })
        .unwrap_or("")
        .to_string()
}

/// Version when no pom.properties gives it: the file name's, then the manifest's.
fn select_version(manifest: Option<&Manifest>, file_version: &str) -> String {
    if !file_version.is_empty() {
        return file_version.to_string();
    }
    manifest
        .and_then(|m| {
            [
                "Implementation-Version",
                "Specification-Version",
                "Plugin-Version",
                "Bundle-Version",
            ]
            .iter()
            .find_map(|k| m.get(k))
        })
        .unwrap_or("")
        .to_string()
}

/// An OSGi header value without its `;directive:=x` / `;attr=x` parts.
fn strip_directives(v: &str) -> &str {
    v.split(';').next().unwrap_or(v).trim()
}

/// A groupId guessed from manifest values that start like a reversed domain.
fn group_from_manifest(m: &Manifest) -> Option<String> {
    const PRIMARY: [&str; 7] = [
        "Extension-Name",
        "Specification-Vendor",
        "Implementation-Vendor",
        "Bundle-SymbolicName",
        "Implementation-Vendor-Id",
        "Implementation-Title",
        "Bundle-Activator",
    ];
    const SECONDARY: [&str; 3] = ["Automatic-Module-Name", "Main-Class", "Package"];
    let domain_like = |v: &str| {
        ["com.", "org.", "net.", "io.", "be."]
            .iter()
            .any(|d| v.starts_with(d))
    };
    [&PRIMARY[..], &SECONDARY[..]].iter().find_map(|fields| {
        let mut found: Vec<&str> = fields
            .iter()
            .flat_map(|f| m.all(f))
            .map(strip_directives)
            .filter(|v| domain_like(v))
            .collect();
        found.sort();
        found.first().map(|s| s.to_string())
    })
}

/// `Bundle-License` clauses (`Apache-2.0;link="..."` → `Apache-2.0`; commas inside
/// quotes do not split) and `Plugin-License-Name`.
fn manifest_licenses(m: &Manifest) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = m.get("Bundle-License") {
        let mut clause = String::new();
        let mut quoted = false;
        for c in v.chars().chain(std::iter::once(',')) {
            match c {
                '"' => {
                    quoted = !quoted;
                    clause.push(c);
                }
                ',' if !quoted => {
                    let l = strip_directives(&clause);
                    if !l.is_empty() {
                        out.push(l.to_string());
                    }
                    clause.clear();
                }
                c => clause.push(c),
            }
        }
    }
    out.extend(m.get("Plugin-License-Name").map(str::to_string));
    out
}

#[cfg(test)]
mod tests;
