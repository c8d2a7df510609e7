//! Rust binaries built with `cargo auditable`: the crates compiled in, read
//! from the dependency list the build embeds.
//!
//! **Reads.** Every regular file of at least 1 KiB is streamed through a
//! `probe::AuditProbe`, which gives up after the first bytes of anything
//! that is not ELF, PE or Mach-O and otherwise keeps only the inflated JSON of
//! the embedded list (≤ 8 MiB); see `probe` for how the section is found in
//! a forward-only stream and what memory that takes. Like syft, files are
//! chosen by content, not by execute bit.
//!
//! **Emits** (as syft 1.18's `cargo-auditable-binary-cataloger`): one package
//! per crate of kind `runtime` (the default when `kind` is absent), the root
//! crate included; crates recorded with `"kind": "build"` (build scripts and
//! proc-macros' dependencies, not linked into the binary) are left out, as
//! syft does. purl `pkg:cargo/<name>@<version>`; metadata `source`
//! (`crates.io`, `local`, `git`, `registry`) and `root` (`true` on the root
//! crate). `depends_on` lists each crate's runtime dependencies by name, or
//! `name@version` when the binary holds two versions of that crate (a bare
//! name would be ambiguous).

mod probe;

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use self::probe::{AuditProbe, Captured, ENVELOPE_TAG};
use super::golang::percent_encode;
use super::{Capture, CapturedFile, CatalogContext, CatalogOutput, Cataloger, EntryInfo};
use crate::sbom::model::{Package, PackageType};

/// Name recorded as `found_by`.
const NAME: &str = "cargo-auditable";
/// Smaller files are not looked at.
const MIN_SIZE: u64 = 1024;

/// The cargo-auditable cataloger.
pub struct CargoAuditableCataloger;

impl Cataloger for CargoAuditableCataloger {
    fn name(&self) -> &'static str {
        NAME
    }

    fn wants(&self, entry: &EntryInfo<'_>) -> Option<Capture> {
        (entry.size >= MIN_SIZE).then(|| Capture::Probe(Box::new(AuditProbe::new())))
    }

    fn catalog_file(&self, file: &CapturedFile, _ctx: &CatalogContext) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        let captured = if file.content.starts_with(ENVELOPE_TAG) {
            match Captured::from_bytes(&file.content) {
                Some(c) => c,
                None => {
                    out.warnings.push(format!(
                        "{}: cargo-auditable capture is unreadable",
                        file.path
                    ));
                    return out;
                }
            }
        } else {
            match AuditProbe::scan(&file.content) {
                Some(c) => c,
                None => return out,
            }
        };
        for p in &captured.problems {
            out.warnings.push(format!("{}: {p}", file.path));
        }
        let mut seen = BTreeSet::new();
        for list in &captured.lists {
            match packages(file, &list.json) {
                Ok(pkgs) => {
                    for p in pkgs {
                        if seen.insert((p.name.clone(), p.version.clone())) {
                            out.packages.push(p);
                        }
                    }
                }
                Err(e) => out.warnings.push(format!(
                    "{}: cargo-auditable dependency list at offset {}: {e}",
                    file.path, list.offset
                )),
            }
        }
        out
    }
}

/// The embedded JSON (auditable-serde's `VersionInfo`).
#[derive(Deserialize)]
struct VersionInfo {
    packages: Vec<AuditPackage>,
}

#[derive(Deserialize)]
struct AuditPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: serde_json::Value,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    dependencies: Vec<u64>,
    #[serde(default)]
    root: bool,
}

impl AuditPackage {
    fn is_runtime(&self) -> bool {
        self.kind.as_deref() != Some("build")
    }
}

fn packages(file: &CapturedFile, json: &str) -> Result<Vec<Package>, String> {
    let info: VersionInfo = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let runtime: Vec<&AuditPackage> = info
        .packages
        .iter()
        .filter(|p| p.is_runtime() && !p.name.is_empty())
        .collect();
    let mut versions_per_name: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in &runtime {
        versions_per_name
            .entry(p.name.as_str())
            .or_default()
            .insert(p.version.as_str());
    }
    let reference = |p: &AuditPackage| {
        if versions_per_name
            .get(p.name.as_str())
            .map_or(0, BTreeSet::len)
            > 1
        {
            format!("{}@{}", p.name, p.version)
        } else {
            p.name.clone()
        }
    };
    let mut out = Vec::new();
    for p in info
        .packages
        .iter()
        .filter(|p| p.is_runtime() && !p.name.is_empty())
    {
        let mut pkg = Package::new(
            PackageType::Rust,
            &p.name,
            &p.version,
            NAME,
            file.location(),
        );
        pkg.purl = format!(
            "pkg:cargo/{}@{}",
            percent_encode(&p.name),
            percent_encode(&p.version)
        );
        let source = match &p.source {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        if !source.is_empty() {
            pkg.metadata.insert("source".into(), source);
        }
        if p.root {
            pkg.metadata.insert("root".into(), "true".into());
        }
        let mut deps = BTreeSet::new();
        for &i in &p.dependencies {
            let Some(dep) = usize::try_from(i).ok().and_then(|i| info.packages.get(i)) else {
                continue;
            };
            if dep.is_runtime() && !dep.name.is_empty() && deps.insert(reference(dep)) {
                pkg.depends_on.push(reference(dep));
            }
        }
        out.push(pkg);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
