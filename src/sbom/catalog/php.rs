//! PHP Composer packages: `vendor/composer/installed.json` (what Composer
//! installed; the array of Composer 1 or the `{"packages": [...]}` object of
//! Composer 2, any vendor-dir name) and `composer.lock`.
//!
//! A package named `vendor/package` has `namespace = "vendor"` and
//! `name = "package"`, so its purl is `pkg:composer/vendor/package@version`
//! (syft spells the name `vendor/package`; the purl is the same). Its
//! `require` entries that are packages (`vendor/package`, not the platform's
//! `php`, `ext-*`, `lib-*`, `composer-*-api`) become `depends_on` as
//! `vendor/package`; the inventory links them by namespace and name.
//! Versions are kept as recorded (`v1.3.1` stays `v1.3.1`, as syft does):
//! Composer records the tag name and Packagist's advisories use the same.
//!
//! Development packages: installed ones are reported (Composer 2 marks them in
//! `dev-package-names`: `metadata["dev"] = "true"`); a lockfile's
//! `packages-dev` entry is only joined to an installed package of the same
//! project, never reported on its own (syft's lock reader skips them too). An
//! installed package and a lockfile entry of the same project (the directory
//! holding `composer.lock`, two levels above `composer/installed.json`) and
//! version are one package with both locations.

use std::collections::HashMap;

use serde_json::Value;

use super::{Capture, CapturedFile, CatalogContext, CatalogOutput, Cataloger, EntryInfo, FileSet};
use crate::sbom::model::{Package, PackageType};

/// Largest installed.json / composer.lock kept.
const MAX_FILE: u64 = 32 * 1024 * 1024;

/// The composer cataloger.
pub struct ComposerCataloger;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ComposerFile {
    Installed,
    Lock,
}

fn classify(path: &str) -> Option<ComposerFile> {
    if path == "composer/installed.json" || path.ends_with("/composer/installed.json") {
        Some(ComposerFile::Installed)
    } else if path == "composer.lock" || path.ends_with("/composer.lock") {
        Some(ComposerFile::Lock)
    } else {
        None
    }
}

/// The project a file belongs to: the lockfile's directory, or the directory
/// holding the vendor dir of an installed.json.
fn project_of(path: &str, kind: ComposerFile) -> String {
    let mut parts: Vec<&str> = path.split('/').collect();
    let up = match kind {
        ComposerFile::Installed => 3,
        ComposerFile::Lock => 1,
    };
    parts.truncate(parts.len().saturating_sub(up));
    parts.join("/")
}

impl Cataloger for ComposerCataloger {
    fn name(&self) -> &'static str {
        "composer"
    }

    fn wants(&self, entry: &EntryInfo<'_>) -> Option<Capture> {
        classify(entry.path).map(|_| Capture::Keep { max: MAX_FILE })
    }

    fn catalog(&self, files: &FileSet, _ctx: &CatalogContext) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        let mut index: HashMap<(String, String, String), usize> = HashMap::new();
        // Installed first, so that lockfile entries join them.
        for pass in [ComposerFile::Installed, ComposerFile::Lock] {
            for f in files.iter().filter(|f| classify(&f.path) == Some(pass)) {
                let parsed = match pass {
                    ComposerFile::Installed => parse_installed_json(&f.content),
                    ComposerFile::Lock => parse_composer_lock(&f.content),
                };
                let entries = match parsed {
                    Ok(e) => e,
                    Err(e) => {
                        out.warnings.push(format!("composer: {}: {e}", f.path));
                        continue;
                    }
                };
                let project = project_of(&f.path, pass);
                for e in entries {
                    let key = (project.clone(), e.name.clone(), e.version.clone());
                    match index.get(&key) {
                        Some(&i) => {
                            let p = &mut out.packages[i];
                            let loc = f.location();
                            if !p.locations.contains(&loc) {
                                p.locations.push(loc);
                            }
                            if e.dev {
                                p.metadata.insert("dev".into(), "true".into());
                            }
                        }
                        // A development package known only from the lockfile.
                        None if e.dev && pass == ComposerFile::Lock => {}
                        None => {
                            index.insert(key, out.packages.len());
                            out.packages.push(e.into_package(self.name(), f));
                        }
                    }
                }
            }
        }
        out
    }
}

/// Why a Composer file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposerError {
    /// Invalid JSON.
    #[error("line {line}, column {column}: invalid JSON: {msg}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        msg: String,
    },
    /// Valid JSON of another shape.
    #[error("{0}")]
    Format(String),
    /// A package entry without a name or version.
    #[error("package {index}: no {field}")]
    Missing {
        /// 0-based index in the packages array.
        index: usize,
        /// `name` or `version`.
        field: &'static str,
    },
}

impl From<serde_json::Error> for ComposerError {
    fn from(e: serde_json::Error) -> Self {
        let msg = e.to_string();
        let msg = msg
            .rsplit_once(" at line ")
            .map(|(m, _)| m.to_string())
            .unwrap_or(msg);
        ComposerError::Json {
            line: e.line(),
            column: e.column(),
            msg,
        }
    }
}

/// One package of installed.json or composer.lock.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ComposerPackage {
    /// `vendor/package`.
    pub name: String,
    /// Version as recorded.
    pub version: String,
    /// `license` entries.
    pub licenses: Vec<String>,
    /// Required package names (`vendor/package`), platform requirements left out.
    pub requires: Vec<String>,
    /// A development package.
    pub dev: bool,
    /// `homepage`.
    pub homepage: Option<String>,
    /// Composer package `type` (`library`, `symfony-bundle`, ...).
    pub kind: Option<String>,
    /// `dist.shasum` when Composer recorded one.
    pub shasum: Option<String>,
}

impl ComposerPackage {
    fn into_package(self, found_by: &str, f: &CapturedFile) -> Package {
        let (vendor, package) = match self.name.split_once('/') {
            Some((v, p)) => (Some(v.to_string()), p.to_string()),
            None => (None, self.name.clone()),
        };
        let mut p = Package::new(
            PackageType::Composer,
            package,
            self.version,
            found_by,
            f.location(),
        );
        p.namespace = vendor;
        p.licenses = self.licenses;
        p.depends_on = self.requires.iter().map(|r| r.to_string()).collect();
        for (k, v) in [
            ("homepage", self.homepage),
            ("type", self.kind),
            ("shasum", self.shasum),
        ] {
            if let Some(v) = v {
                p.metadata.insert(k.into(), v);
            }
        }
        if self.dev {
            p.metadata.insert("dev".into(), "true".into());
        }
        p
    }
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn packages(
    list: &Value,
    dev_names: &[String],
    all_dev: bool,
) -> Result<Vec<ComposerPackage>, ComposerError> {
    let Some(items) = list.as_array() else {
        return Err(ComposerError::Format("packages is not an array".into()));
    };
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let name = str_field(item, "name").ok_or(ComposerError::Missing {
            index,
            field: "name",
        })?;
        let version = str_field(item, "version").ok_or(ComposerError::Missing {
            index,
            field: "version",
        })?;
        let licenses = match item.get("license") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|l| l.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let mut requires: Vec<String> = item
            .get("require")
            .and_then(Value::as_object)
            .map(|m| m.keys().filter(|k| k.contains('/')).cloned().collect())
            .unwrap_or_default();
        requires.sort();
        out.push(ComposerPackage {
            dev: all_dev || dev_names.contains(&name),
            name,
            version,
            licenses,
            requires,
            homepage: str_field(item, "homepage"),
            kind: str_field(item, "type"),
            shasum: item.get("dist").and_then(|d| str_field(d, "shasum")),
        });
    }
    Ok(out)
}

/// Parse `vendor/composer/installed.json` (Composer 1 array or Composer 2 object).
pub fn parse_installed_json(bytes: &[u8]) -> Result<Vec<ComposerPackage>, ComposerError> {
    let v: Value = serde_json::from_slice(bytes)?;
    match &v {
        Value::Array(_) => packages(&v, &[], false),
        Value::Object(o) => {
            let list = o
                .get("packages")
                .ok_or_else(|| ComposerError::Format("no packages array".into()))?;
            let dev: Vec<String> = o
                .get("dev-package-names")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|n| n.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            packages(list, &dev, false)
        }
        _ => Err(ComposerError::Format("not a JSON array or object".into())),
    }
}

/// Parse a `composer.lock`: `packages`, then `packages-dev` marked dev.
pub fn parse_composer_lock(bytes: &[u8]) -> Result<Vec<ComposerPackage>, ComposerError> {
    let v: Value = serde_json::from_slice(bytes)?;
    if !v.is_object() {
        return Err(ComposerError::Format("not a JSON object".into()));
    }
    let mut out = match v.get("packages") {
        Some(list) => packages(list, &[], false)?,
        None => return Err(ComposerError::Format("no packages array".into())),
    };
    if let Some(dev) = v.get("packages-dev").filter(|d| !d.is_null()) {
        out.extend(packages(dev, &[], true)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::python::fixtures;
    use super::*;

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(fixtures::dir("php").join(rel)).unwrap()
    }

    fn brief(pkgs: &[ComposerPackage]) -> Vec<String> {
        pkgs.iter()
            .map(|p| {
                format!(
                    "{}@{}{} {:?} {:?}",
                    p.name,
                    p.version,
                    if p.dev { " dev" } else { "" },
                    p.licenses,
                    p.requires
                )
            })
            .collect()
    }

    #[test]
    fn wants_installed_json_and_lockfiles() {
        assert_eq!(
            classify("var/www/app/vendor/composer/installed.json"),
            Some(ComposerFile::Installed)
        );
        assert_eq!(
            classify("srv/lib/composer/installed.json"),
            Some(ComposerFile::Installed)
        );
        assert_eq!(
            classify("var/www/app/composer.lock"),
            Some(ComposerFile::Lock)
        );
        assert_eq!(classify("var/www/app/vendor/composer/installed.php"), None);
        assert_eq!(classify("var/www/app/installed.json"), None);
        assert_eq!(
            project_of(
                "var/www/app/vendor/composer/installed.json",
                ComposerFile::Installed
            ),
            "var/www/app"
        );
        assert_eq!(
            project_of("var/www/app/composer.lock", ComposerFile::Lock),
            "var/www/app"
        );
    }

    #[test]
    fn composer2_installed_json_and_lock() {
        let installed =
            parse_installed_json(&fixture("var/www/app/vendor/composer/installed.json")).unwrap();
        assert_eq!(
            brief(&installed),
            vec![
                "acme/devtool@0.4.0 dev [\"BSD-3-Clause\"] []",
                "acme/dual@v3.0.0 [\"GPL-2.0-only\", \"MIT\"] [\"psr/log\"]",
                "monolog/monolog@2.9.1 [\"MIT\"] [\"psr/log\"]",
                "psr/log@1.1.4 [\"MIT\"] []",
            ]
        );
        let lock = parse_composer_lock(&fixture("var/www/app/composer.lock")).unwrap();
        assert_eq!(lock.len(), 4);
        assert!(lock.iter().any(|p| p.name == "acme/devtool" && p.dev));
    }

    #[test]
    fn composer1_installed_json() {
        let installed =
            parse_installed_json(&fixture("opt/legacy/vendor/composer/installed.json")).unwrap();
        assert_eq!(
            brief(&installed),
            vec![
                "guzzlehttp/guzzle@6.3.3 [\"MIT\"] [\"guzzlehttp/promises\", \"guzzlehttp/psr7\"]",
                "guzzlehttp/promises@v1.3.1 [\"MIT\"] []",
            ]
        );
    }

    #[test]
    fn fixture_tree_matches_syft() {
        let out = fixtures::scan(&ComposerCataloger, "php");
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let mut syft = fixtures::syft("php", "image");
        syft.extend(fixtures::syft("php", "directory"));
        // The installed dev package gets the lockfile's location too.
        syft.insert((
            "pkg:composer/acme/devtool@0.4.0".into(),
            "var/www/app/composer.lock".into(),
        ));
        assert_eq!(fixtures::ours(&out), syft);
        let monolog = out.packages.iter().find(|p| p.name == "monolog").unwrap();
        assert_eq!(monolog.namespace.as_deref(), Some("monolog"));
        assert_eq!(monolog.depends_on, vec!["psr/log"]);
        assert_eq!(monolog.locations.len(), 2);
        let dev = out.packages.iter().find(|p| p.name == "devtool").unwrap();
        assert_eq!(dev.metadata["dev"], "true");
    }

    #[test]
    fn errors_and_garbage() {
        assert_eq!(
            parse_installed_json(br#"{"packages": [{"name": "a/b"}]}"#),
            Err(ComposerError::Missing {
                index: 0,
                field: "version"
            })
        );
        assert_eq!(
            parse_installed_json(b"42"),
            Err(ComposerError::Format("not a JSON array or object".into()))
        );
        assert_eq!(
            parse_composer_lock(b"{}"),
            Err(ComposerError::Format("no packages array".into()))
        );
        assert!(matches!(
            parse_composer_lock(b"{\n\"packages\": [\n,]}"),
            Err(ComposerError::Json { line: 3, .. })
        ));
        let out = ComposerCataloger.catalog(
            &FileSet::new(
                vec![CapturedFile {
                    path: "app/vendor/composer/installed.json".into(),
                    layer_index: 0,
                    mode: 0o644,
                    content: br#"{"packages": "x"}"#.to_vec(),
                }],
                Default::default(),
            ),
            &CatalogContext::default(),
        );
        assert_eq!(
            out.warnings,
            vec!["composer: app/vendor/composer/installed.json: packages is not an array"]
        );
        let real = fixture("var/www/app/vendor/composer/installed.json");
        let mut seed = 0xda942042e4dd58b5u64;
        for cut in (0..real.len()).step_by(5) {
            let _ = parse_installed_json(&real[..cut]);
            let _ = parse_composer_lock(&real[..cut]);
        }
        for _ in 0..1000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut b = real.clone();
            let i = (seed as usize) % b.len();
            b[i] = (seed >> 40) as u8;
            let _ = parse_installed_json(&b);
            let _ = parse_composer_lock(&b);
        }
    }
}
