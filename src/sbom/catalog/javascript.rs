//! npm packages: installed `package.json` files and the lockfiles of npm
//! (`package-lock.json` v1, v2, v3), yarn (`yarn.lock`, v1 text and berry YAML)
//! and pnpm (`pnpm-lock.yaml`, v5 to v9).
//!
//! Installed packages: every `package.json` with a `name` and a `version` is a
//! package, the project's own one included (syft's javascript-package-cataloger
//! does the same); files lacking either (a `{"type": "module"}` marker in a
//! `dist/` folder) are not. Licenses come from `license` (a string, or the
//! legacy `{"type": ...}`) or the legacy `licenses` array (of strings or
//! `{"type": ...}` objects); `dependencies` and `optionalDependencies` names
//! become `depends_on`.
//!
//! Lockfiles: one package per locked name and version. An installed package and
//! a lockfile entry of the same project (the directory holding the lockfile,
//! or holding the topmost `node_modules`) with the same name and version are one
//! package with both locations. Entries a lockfile marks as development-only
//! (`"dev": true`, pnpm `dev: true`) are reported only when the package is also
//! installed (then with `metadata["dev"] = "true"`): `npm ci --omit=dev` images
//! do not hold them. Lockfiles inside `node_modules` (published packages' own
//! development lockfiles) are not read, nor is npm's hidden
//! `node_modules/.package-lock.json`.
//!
//! Differences with syft 1.18: syft reads lockfiles only when scanning a
//! directory, not an image; it reports the berry lockfile's own workspace entry
//! (`demo-app@0.0.0-use.local`), which is not a package; it reads no license
//! from `licenses: ["MIT"]`.

use std::collections::HashMap;

use serde_json::Value;
use serde_yaml_ng::Value as Yaml;

use super::{Capture, CapturedFile, CatalogContext, CatalogOutput, Cataloger, EntryInfo, FileSet};
use crate::sbom::model::{Package, PackageType};

/// Largest `package.json` kept.
const MAX_PACKAGE_JSON: u64 = 4 * 1024 * 1024;
/// Largest lockfile kept (monorepo lockfiles reach tens of MB).
const MAX_LOCKFILE: u64 = 64 * 1024 * 1024;

/// The npm cataloger.
pub struct NpmCataloger;

/// The files the cataloger reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NpmFile {
    PackageJson,
    PackageLock,
    YarnLock,
    PnpmLock,
}

fn classify(path: &str) -> Option<NpmFile> {
    let file = path.rsplit('/').next().unwrap_or(path);
    let kind = match file {
        "package.json" => return Some(NpmFile::PackageJson),
        "package-lock.json" => NpmFile::PackageLock,
        "yarn.lock" => NpmFile::YarnLock,
        "pnpm-lock.yaml" => NpmFile::PnpmLock,
        _ => return None,
    };
    // A published package's own development lockfile says nothing about the image.
    if path.split('/').any(|c| c == "node_modules") {
        return None;
    }
    Some(kind)
}

impl Cataloger for NpmCataloger {
    fn name(&self) -> &'static str {
        "npm"
    }

    fn wants(&self, entry: &EntryInfo<'_>) -> Option<Capture> {
        match classify(entry.path)? {
            NpmFile::PackageJson => Some(Capture::Keep {
                max: MAX_PACKAGE_JSON,
            }),
            _ => Some(Capture::Keep { max: MAX_LOCKFILE }),
        }
    }

    fn catalog(&self, files: &FileSet, _ctx: &CatalogContext) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        let mut index: HashMap<(String, String, String), usize> = HashMap::new();

        // Installed packages first, so that lockfile entries join them.
        for f in files.iter() {
            if classify(&f.path) != Some(NpmFile::PackageJson) {
                continue;
            }
            let pj = match parse_package_json(&f.content) {
                Ok(Some(pj)) => pj,
                Ok(None) => continue,
                Err(e) => {
                    if is_package_root(&f.path) {
                        out.warnings.push(format!("npm: {}: {e}", f.path));
                    }
                    continue;
                }
            };
            let key = (
                project_of_package_json(&f.path),
                pj.name.clone(),
                pj.version.clone(),
            );
            if let Some(&i) = index.get(&key) {
                add_location(&mut out.packages[i], f);
                continue;
            }
            index.insert(key, out.packages.len());
            out.packages.push(pj.into_package(self.name(), f));
        }

        for f in files.iter() {
            let entries = match classify(&f.path) {
                Some(NpmFile::PackageLock) => parse_package_lock(&f.content),
                Some(NpmFile::YarnLock) => parse_yarn_lock(&f.content),
                Some(NpmFile::PnpmLock) => parse_pnpm_lock(&f.content),
                _ => continue,
            };
            let entries = match entries {
                Ok(e) => e,
                Err(e) => {
                    out.warnings.push(format!("npm: {}: {e}", f.path));
                    continue;
                }
            };
            let project = parent_dir(&f.path).to_string();
            for e in entries {
                let key = (project.clone(), e.name.clone(), e.version.clone());
                if let Some(&i) = index.get(&key) {
                    let p = &mut out.packages[i];
                    add_location(p, f);
                    if e.dev {
                        p.metadata.insert("dev".into(), "true".into());
                    }
                    if p.licenses.is_empty() {
                        p.licenses = e.licenses;
                    }
                    if p.depends_on.is_empty() {
                        p.depends_on = e.depends_on;
                    }
                    for (k, v) in [("integrity", e.integrity), ("resolved", e.resolved)] {
                        if let Some(v) = v {
                            p.metadata.entry(k.into()).or_insert(v);
                        }
                    }
                } else if !e.dev {
                    index.insert(key, out.packages.len());
                    out.packages.push(e.into_package(self.name(), f));
                }
            }
        }
        out
    }
}

fn add_location(p: &mut Package, f: &CapturedFile) {
    let loc = f.location();
    if !p.locations.contains(&loc) {
        p.locations.push(loc);
    }
}

fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// The project an installed `package.json` belongs to: the directory that holds
/// the topmost `node_modules` (or the file's own directory, for a project root).
fn project_of_package_json(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.iter().position(|c| *c == "node_modules") {
        Some(i) => parts[..i].join("/"),
        None => parent_dir(path).to_string(),
    }
}

/// `node_modules/<name>/package.json` or `node_modules/@scope/<name>/package.json`:
/// a package's own manifest (not one of its test fixtures), worth a warning when broken.
fn is_package_root(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let n = parts.len();
    (n >= 3 && parts[n - 3] == "node_modules")
        || (n >= 4 && parts[n - 4] == "node_modules" && parts[n - 3].starts_with('@'))
}

/// Why an npm file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NpmError {
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
    /// Invalid YAML.
    #[error("invalid YAML: {0}")]
    Yaml(String),
    /// A line of a yarn v1 lockfile that fits no rule.
    #[error("line {line}: {what}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// What was expected.
        what: String,
    },
    /// Well-formed, but not the expected structure.
    #[error("{0}")]
    Format(String),
}

impl From<serde_json::Error> for NpmError {
    fn from(e: serde_json::Error) -> Self {
        let msg = e.to_string();
        // serde_json appends " at line L column C"; keep the message only.
        let msg = msg
            .rsplit_once(" at line ")
            .map(|(m, _)| m.to_string())
            .unwrap_or(msg);
        NpmError::Json {
            line: e.line(),
            column: e.column(),
            msg,
        }
    }
}

/// The facts of an installed `package.json`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackageJson {
    /// `name` (with its scope).
    pub name: String,
    /// `version`.
    pub version: String,
    /// Licenses (`license`, or the legacy forms).
    pub licenses: Vec<String>,
    /// `dependencies` and `optionalDependencies` names.
    pub depends_on: Vec<String>,
    /// `author` (a string, or `name <email> (url)` from the object form).
    pub author: Option<String>,
    /// `homepage`.
    pub homepage: Option<String>,
    /// `repository` URL.
    pub repository: Option<String>,
    /// `private: true`.
    pub private: bool,
}

impl PackageJson {
    fn into_package(self, found_by: &str, f: &CapturedFile) -> Package {
        let mut p = Package::new(
            PackageType::Npm,
            self.name,
            self.version,
            found_by,
            f.location(),
        );
        p.licenses = self.licenses;
        p.depends_on = self.depends_on;
        for (k, v) in [
            ("author", self.author),
            ("homepage", self.homepage),
            ("repository", self.repository),
        ] {
            if let Some(v) = v {
                p.metadata.insert(k.into(), v);
            }
        }
        if self.private {
            p.metadata.insert("private".into(), "true".into());
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

/// Licenses of a `license` / `licenses` value: a string, `{"type": ...}`, or an array of either.
fn license_values(v: Option<&Value>) -> Vec<String> {
    let one = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Object(o) => o
                .get("type")
                .or_else(|| o.get("name"))
                .and_then(Value::as_str)
                .map(|s| s.trim().to_string()),
            _ => None,
        }
    };
    let mut out: Vec<String> = match v {
        Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(v) => one(v).into_iter().collect(),
        None => Vec::new(),
    };
    out.retain(|s| !s.is_empty());
    out
}

fn dependency_names(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = ["dependencies", "optionalDependencies"]
        .iter()
        .filter_map(|k| v.get(*k).and_then(Value::as_object))
        .flat_map(|m| m.keys().cloned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Parse a `package.json`. `Ok(None)` when it lacks a name or a version.
pub fn parse_package_json(bytes: &[u8]) -> Result<Option<PackageJson>, NpmError> {
    let v: Value = serde_json::from_slice(strip_bom(bytes))?;
    if !v.is_object() {
        return Err(NpmError::Format("not a JSON object".into()));
    }
    let (Some(name), Some(version)) = (str_field(&v, "name"), str_field(&v, "version")) else {
        return Ok(None);
    };
    let mut licenses = license_values(v.get("license"));
    if licenses.is_empty() {
        licenses = license_values(v.get("licenses"));
    }
    let author = match v.get("author") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(a @ Value::Object(_)) => str_field(a, "name").map(|n| {
            let mut s = n;
            if let Some(e) = str_field(a, "email") {
                s.push_str(&format!(" <{e}>"));
            }
            if let Some(u) = str_field(a, "url") {
                s.push_str(&format!(" ({u})"));
            }
            s
        }),
        _ => None,
    };
    let repository = match v.get("repository") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(r @ Value::Object(_)) => str_field(r, "url"),
        _ => None,
    };
    Ok(Some(PackageJson {
        name,
        version,
        licenses,
        depends_on: dependency_names(&v),
        author,
        homepage: str_field(&v, "homepage"),
        repository,
        private: v.get("private").and_then(Value::as_bool).unwrap_or(false),
    }))
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// One package of a lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockEntry {
    /// Package name.
    pub name: String,
    /// Locked version.
    pub version: String,
    /// Development-only.
    pub dev: bool,
    /// Licenses (package-lock v2/v3 only).
    pub licenses: Vec<String>,
    /// Names it depends on.
    pub depends_on: Vec<String>,
    /// `integrity` (SRI hash).
    pub integrity: Option<String>,
    /// `resolved` URL.
    pub resolved: Option<String>,
}

impl LockEntry {
    fn into_package(self, found_by: &str, f: &CapturedFile) -> Package {
        let mut p = Package::new(
            PackageType::Npm,
            self.name,
            self.version,
            found_by,
            f.location(),
        );
        p.licenses = self.licenses;
        p.depends_on = self.depends_on;
        for (k, v) in [("integrity", self.integrity), ("resolved", self.resolved)] {
            if let Some(v) = v {
                p.metadata.insert(k.into(), v);
            }
        }
        p
    }
}

/// The name in `node_modules/a/node_modules/@s/b` (after the last `node_modules/`).
fn name_from_lock_key(key: &str) -> &str {
    key.rsplit_once("node_modules/")
        .map(|(_, n)| n)
        .unwrap_or(key)
}

/// Versions that name a local folder rather than a published package.
fn is_local_version(v: &str) -> bool {
    v.starts_with("file:") || v.starts_with("link:") || v.starts_with("workspace:")
}

/// Parse a `package-lock.json` (`packages` map of v2/v3, else v1's nested `dependencies`).
pub fn parse_package_lock(bytes: &[u8]) -> Result<Vec<LockEntry>, NpmError> {
    let v: Value = serde_json::from_slice(strip_bom(bytes))?;
    let Some(obj) = v.as_object() else {
        return Err(NpmError::Format("not a JSON object".into()));
    };
    let mut out = Vec::new();
    if let Some(packages) = obj.get("packages").and_then(Value::as_object) {
        for (key, e) in packages {
            // "" is the project itself, reported from its package.json.
            if key.is_empty()
                || !e.is_object()
                || e.get("link").and_then(Value::as_bool) == Some(true)
            {
                continue;
            }
            let Some(version) = str_field(e, "version") else {
                continue;
            };
            let name = str_field(e, "name").unwrap_or_else(|| name_from_lock_key(key).to_string());
            if name.is_empty() || is_local_version(&version) {
                continue;
            }
            out.push(LockEntry {
                name,
                version,
                dev: e.get("dev").and_then(Value::as_bool).unwrap_or(false),
                licenses: license_values(e.get("license")),
                depends_on: dependency_names(e),
                integrity: str_field(e, "integrity"),
                resolved: str_field(e, "resolved"),
            });
        }
    } else if let Some(deps) = obj.get("dependencies").and_then(Value::as_object) {
        walk_v1(deps, &mut out, 0)?;
    } else if obj.get("lockfileVersion").is_none() {
        return Err(NpmError::Format(
            "no lockfileVersion, packages or dependencies: not a package-lock.json".into(),
        ));
    }
    Ok(out)
}

/// Nesting limit of v1 `dependencies` (node_modules nesting; deeper is hostile).
const MAX_V1_DEPTH: usize = 64;

fn walk_v1(
    deps: &serde_json::Map<String, Value>,
    out: &mut Vec<LockEntry>,
    depth: usize,
) -> Result<(), NpmError> {
    if depth > MAX_V1_DEPTH {
        return Err(NpmError::Format(format!(
            "dependencies nested deeper than {MAX_V1_DEPTH} levels"
        )));
    }
    for (key, e) in deps {
        let Some(version) = str_field(e, "version") else {
            continue;
        };
        // An alias (`"foo": {"version": "npm:bar@1.0.0"}`) installs bar.
        let (name, version) = match version.strip_prefix("npm:").and_then(split_descriptor) {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => (key.clone(), version),
        };
        if !is_local_version(&version) {
            let mut depends_on: Vec<String> = e
                .get("requires")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            depends_on.sort();
            out.push(LockEntry {
                name,
                version,
                dev: e.get("dev").and_then(Value::as_bool).unwrap_or(false),
                licenses: Vec::new(),
                depends_on,
                integrity: str_field(e, "integrity"),
                resolved: str_field(e, "resolved"),
            });
        }
        if let Some(nested) = e.get("dependencies").and_then(Value::as_object) {
            walk_v1(nested, out, depth + 1)?;
        }
    }
    Ok(())
}

/// Split `name@range` (`@scope/name@^1.0.0`) at the `@` that ends the name.
fn split_descriptor(d: &str) -> Option<(&str, &str)> {
    let at = d.get(1..)?.find('@')? + 1;
    Some((&d[..at], &d[at + 1..]))
}

/// The package name a yarn descriptor installs (`foo@npm:bar@^1` installs `bar`).
fn descriptor_name(d: &str) -> Option<&str> {
    let (name, range) = split_descriptor(d)?;
    match range.strip_prefix("npm:") {
        Some(aliased) if aliased.get(1..).is_some_and(|r| r.contains('@')) => {
            split_descriptor(aliased).map(|(n, _)| n)
        }
        _ => Some(name),
    }
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// Parse a `yarn.lock`: berry (YAML with `__metadata`) or the v1 text format.
pub fn parse_yarn_lock(bytes: &[u8]) -> Result<Vec<LockEntry>, NpmError> {
    let text = String::from_utf8_lossy(bytes);
    if text.lines().any(|l| l.starts_with("__metadata:")) {
        parse_yarn_berry(bytes)
    } else {
        parse_yarn_v1(&text)
    }
}

fn parse_yarn_v1(text: &str) -> Result<Vec<LockEntry>, NpmError> {
    let mut out: Vec<LockEntry> = Vec::new();
    let mut current: Option<LockEntry> = None;
    let mut in_deps = false;
    let finish = |e: Option<LockEntry>, out: &mut Vec<LockEntry>| {
        if let Some(mut e) = e.filter(|e| !e.version.is_empty()) {
            e.depends_on.sort();
            e.depends_on.dedup();
            out.push(e);
        }
    };
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let lineno = i + 1;
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = line.trim();
        match indent {
            0 => {
                finish(current.take(), &mut out);
                in_deps = false;
                let Some(header) = body.strip_suffix(':') else {
                    return Err(NpmError::Syntax {
                        line: lineno,
                        what: "expected `descriptor[, descriptor...]:`".into(),
                    });
                };
                let first = header.split(',').next().map(unquote).unwrap_or("");
                let Some(name) = descriptor_name(first) else {
                    return Err(NpmError::Syntax {
                        line: lineno,
                        what: format!("`{first}` is not a `name@range` descriptor"),
                    });
                };
                // Local folders (`file:`, `link:`) are not published packages.
                let range = split_descriptor(first).map(|(_, r)| r).unwrap_or("");
                current = (!is_local_version(range)).then(|| LockEntry {
                    name: name.to_string(),
                    ..Default::default()
                });
            }
            2 => {
                in_deps = false;
                let (key, value) = body.split_once(' ').unwrap_or((body, ""));
                let Some(e) = current.as_mut() else {
                    continue;
                };
                match key {
                    "version" => e.version = unquote(value).to_string(),
                    "resolved" => e.resolved = Some(unquote(value).to_string()),
                    "integrity" => e.integrity = Some(unquote(value).to_string()),
                    "dependencies:" | "optionalDependencies:" => in_deps = true,
                    _ => {}
                }
            }
            _ if in_deps => {
                if let Some(e) = current.as_mut() {
                    let name = unquote(body.split_once(' ').map(|(n, _)| n).unwrap_or(body));
                    e.depends_on.push(name.to_string());
                }
            }
            _ => {}
        }
    }
    finish(current, &mut out);
    Ok(out)
}

fn yaml_str<'a>(v: &'a Yaml, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Yaml::as_str)
}

fn yaml_keys(v: Option<&Yaml>) -> Vec<String> {
    let mut out: Vec<String> = v
        .and_then(Yaml::as_mapping)
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out.dedup();
    out
}

fn parse_yaml(bytes: &[u8]) -> Result<Yaml, NpmError> {
    serde_yaml_ng::from_slice(bytes).map_err(|e| NpmError::Yaml(e.to_string()))
}

fn parse_yarn_berry(bytes: &[u8]) -> Result<Vec<LockEntry>, NpmError> {
    let doc = parse_yaml(bytes)?;
    let Some(map) = doc.as_mapping() else {
        return Err(NpmError::Format("not a YAML mapping".into()));
    };
    let mut out = Vec::new();
    for (key, e) in map {
        if key.as_str() == Some("__metadata") || !e.is_mapping() {
            continue;
        }
        // Workspaces and local folders are linked, not installed from a registry.
        if yaml_str(e, "linkType") == Some("soft") {
            continue;
        }
        let Some(resolution) = yaml_str(e, "resolution") else {
            continue;
        };
        let Some((name, reference)) = split_descriptor(resolution) else {
            continue;
        };
        if ["workspace:", "link:", "portal:", "file:"]
            .iter()
            .any(|p| reference.starts_with(p))
        {
            continue;
        }
        let version = match e.get("version") {
            Some(Yaml::String(s)) => s.clone(),
            Some(Yaml::Number(n)) => n.to_string(),
            _ => continue,
        };
        let mut depends_on = yaml_keys(e.get("dependencies"));
        depends_on.extend(yaml_keys(e.get("optionalDependencies")));
        out.push(LockEntry {
            name: name.to_string(),
            version,
            depends_on,
            integrity: yaml_str(e, "checksum").map(str::to_string),
            resolved: Some(resolution.to_string()),
            ..Default::default()
        });
    }
    Ok(out)
}

/// Name and version of a pnpm `packages` key: `/name/1.0.0_peer` (v5),
/// `/name@1.0.0(peer)` (v6), `name@1.0.0` (v9); scopes included.
fn pnpm_key(key: &str) -> Option<(&str, &str)> {
    let k = key.strip_prefix('/').unwrap_or(key);
    let k = k.split('(').next().unwrap_or(k);
    let (name, version) = match split_descriptor(k) {
        Some((n, v)) if !n.contains('/') || (n.starts_with('@') && n.matches('/').count() == 1) => {
            (n, v)
        }
        _ => {
            let (n, v) = k.rsplit_once('/')?;
            (n, v.split('_').next().unwrap_or(v))
        }
    };
    (!name.is_empty() && !version.is_empty()).then_some((name, version))
}

/// Parse a `pnpm-lock.yaml` (`packages`, and v9's `snapshots` for dependencies).
pub fn parse_pnpm_lock(bytes: &[u8]) -> Result<Vec<LockEntry>, NpmError> {
    let doc = parse_yaml(bytes)?;
    if !doc.is_mapping() {
        return Err(NpmError::Format("not a YAML mapping".into()));
    }
    let Some(packages) = doc.get("packages").and_then(Yaml::as_mapping) else {
        return Ok(Vec::new());
    };
    // v9 keeps dependencies in `snapshots`, keyed like `packages` plus peer suffixes.
    let mut snapshot_deps: HashMap<&str, Vec<String>> = HashMap::new();
    if let Some(snapshots) = doc.get("snapshots").and_then(Yaml::as_mapping) {
        for (k, v) in snapshots {
            if let Some(k) = k.as_str() {
                let base = k.split('(').next().unwrap_or(k);
                let deps = snapshot_deps.entry(base).or_default();
                deps.extend(yaml_keys(v.get("dependencies")));
                deps.extend(yaml_keys(v.get("optionalDependencies")));
            }
        }
    }
    let mut out = Vec::new();
    for (key, e) in packages {
        let Some(key) = key.as_str() else { continue };
        let from_key = pnpm_key(key);
        let name = yaml_str(e, "name").or(from_key.map(|(n, _)| n));
        let version = yaml_str(e, "version").or(from_key.map(|(_, v)| v));
        let (Some(name), Some(version)) = (name, version) else {
            continue;
        };
        if is_local_version(version) || !version.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let mut depends_on = yaml_keys(e.get("dependencies"));
        depends_on.extend(yaml_keys(e.get("optionalDependencies")));
        if let Some(d) = snapshot_deps.get(key.split('(').next().unwrap_or(key)) {
            depends_on.extend(d.iter().cloned());
        }
        depends_on.sort();
        depends_on.dedup();
        out.push(LockEntry {
            name: name.to_string(),
            version: version.to_string(),
            dev: e.get("dev").and_then(Yaml::as_bool).unwrap_or(false),
            depends_on,
            integrity: e
                .get("resolution")
                .and_then(|r| yaml_str(r, "integrity"))
                .map(str::to_string),
            ..Default::default()
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::python::fixtures;
    use super::*;
    use std::collections::BTreeSet;

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(fixtures::dir("npm").join(rel)).unwrap()
    }

    fn names(entries: &[LockEntry]) -> BTreeSet<String> {
        entries
            .iter()
            .map(|e| {
                format!(
                    "{}@{}{}",
                    e.name,
                    e.version,
                    if e.dev { " dev" } else { "" }
                )
            })
            .collect()
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// What every lockfile of the fixture project locks (npm's mark dev entries).
    const LOCKED: &[&str] = &[
        "@sindresorhus/is@0.7.0",
        "debug@2.6.8",
        "eyes@0.1.8",
        "isarray@0.0.1",
        "json-schema@0.2.3",
        "lodash@4.17.4",
        "mime@1.2.11",
        "ms@2.0.0",
        "ms@2.1.3",
    ];

    #[test]
    fn wants_manifests_and_project_lockfiles() {
        let w = |p: &str| {
            NpmCataloger
                .wants(&EntryInfo {
                    path: p,
                    size: 1,
                    mode: 0o644,
                })
                .is_some()
        };
        assert!(w("usr/src/app/package.json"));
        assert!(w("usr/src/app/node_modules/@a/b/package.json"));
        assert!(w("usr/src/app/package-lock.json"));
        assert!(w("app/yarn.lock"));
        assert!(w("pnpm-lock.yaml"));
        assert!(!w("usr/src/app/node_modules/.package-lock.json"));
        assert!(!w("usr/src/app/node_modules/foo/package-lock.json"));
        assert!(!w("usr/src/app/node_modules/foo/yarn.lock"));
        assert!(!w("usr/src/app/package.json5"));
    }

    #[test]
    fn package_lock_v1_v2_v3() {
        let mut with_dev = set(LOCKED);
        with_dev.insert("left-pad@1.3.0 dev".into());
        for rel in [
            "srv/lock-v1/package-lock.json",
            "srv/lock-v2/package-lock.json",
            "usr/src/app/package-lock.json",
        ] {
            let entries = parse_package_lock(&fixture(rel)).unwrap();
            assert_eq!(names(&entries), with_dev, "{rel}");
            let debug = entries.iter().find(|e| e.name == "debug").unwrap();
            assert_eq!(debug.depends_on, vec!["ms"], "{rel}");
            assert!(debug.integrity.as_deref().unwrap().starts_with("sha512-"));
        }
        // v2/v3 record `license` strings (not the legacy `licenses` arrays).
        let v3 = parse_package_lock(&fixture("usr/src/app/package-lock.json")).unwrap();
        let debug = v3.iter().find(|e| e.name == "debug").unwrap();
        assert_eq!(debug.licenses, vec!["MIT"]);
        assert!(v3
            .iter()
            .find(|e| e.name == "json-schema")
            .unwrap()
            .licenses
            .is_empty());
    }

    #[test]
    fn yarn_v1_berry_and_pnpm() {
        let mut all = set(LOCKED);
        all.insert("left-pad@1.3.0".into());
        let v1 = parse_yarn_lock(&fixture("srv/yarn-v1/yarn.lock")).unwrap();
        assert_eq!(names(&v1), all);
        assert_eq!(
            v1.iter().find(|e| e.name == "debug").unwrap().depends_on,
            vec!["ms"]
        );
        let berry = parse_yarn_lock(&fixture("srv/yarn-berry/yarn.lock")).unwrap();
        // The workspace's own entry (demo-app@workspace:.) is not a package.
        assert_eq!(names(&berry), all);
        assert_eq!(
            berry.iter().find(|e| e.name == "debug").unwrap().depends_on,
            vec!["ms"]
        );
        let pnpm = parse_pnpm_lock(&fixture("srv/pnpm/pnpm-lock.yaml")).unwrap();
        assert_eq!(names(&pnpm), all);
        assert_eq!(
            pnpm.iter().find(|e| e.name == "debug").unwrap().depends_on,
            vec!["ms"]
        );
    }

    #[test]
    fn yarn_v1_descriptors() {
        let text = r#"# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
  version "7.12.13"
  resolved "https://registry.example/@babel/code-frame/-/code-frame-7.12.13.tgz#abc"
  integrity sha512-x
  dependencies:
    "@babel/highlight" "^7.12.13"

my-alias@npm:string-width@^4.2.0:
  version "4.2.3"

local@file:../local:
  version "1.0.0"
"#;
        let e = parse_yarn_v1(text).unwrap();
        assert_eq!(
            names(&e),
            set(&["@babel/code-frame@7.12.13", "string-width@4.2.3"])
        );
        assert_eq!(e[0].depends_on, vec!["@babel/highlight"]);
        assert_eq!(
            parse_yarn_v1("foo@1.0.0\n  version \"1\"\n"),
            Err(NpmError::Syntax {
                line: 1,
                what: "expected `descriptor[, descriptor...]:`".into()
            })
        );
    }

    #[test]
    fn pnpm_keys_of_every_version() {
        assert_eq!(pnpm_key("/debug/2.6.8"), Some(("debug", "2.6.8")));
        assert_eq!(
            pnpm_key("/@babel/core/7.0.0_react@18.0.0"),
            Some(("@babel/core", "7.0.0"))
        );
        assert_eq!(pnpm_key("/debug@2.6.8"), Some(("debug", "2.6.8")));
        assert_eq!(
            pnpm_key("/@babel/core@7.0.0(react@18.0.0)"),
            Some(("@babel/core", "7.0.0"))
        );
        assert_eq!(
            pnpm_key("@sindresorhus/is@0.7.0"),
            Some(("@sindresorhus/is", "0.7.0"))
        );
        assert_eq!(pnpm_key("ms@2.1.3"), Some(("ms", "2.1.3")));
        assert_eq!(pnpm_key(""), None);
        let v5 = b"lockfileVersion: 5.4\npackages:\n  /ms/2.1.3:\n    resolution: {integrity: sha512-x}\n    dev: false\n  /left-pad/1.3.0:\n    resolution: {integrity: sha512-y}\n    dev: true\n  /debug/2.6.8:\n    dependencies:\n      ms: 2.0.0\n    dev: false\n";
        let e = parse_pnpm_lock(v5).unwrap();
        assert_eq!(
            names(&e),
            set(&["ms@2.1.3", "left-pad@1.3.0 dev", "debug@2.6.8"])
        );
        assert_eq!(e[2].depends_on, vec!["ms"]);
    }

    #[test]
    fn package_json_license_forms() {
        let lic = |json: &str| {
            parse_package_json(json.as_bytes())
                .unwrap()
                .unwrap()
                .licenses
        };
        assert_eq!(
            lic(r#"{"name":"a","version":"1","license":"MIT"}"#),
            vec!["MIT"]
        );
        assert_eq!(
            lic(r#"{"name":"a","version":"1","license":{"type":"ISC","url":"x"}}"#),
            vec!["ISC"]
        );
        assert_eq!(
            lic(r#"{"name":"a","version":"1","licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]}"#),
            vec!["MIT", "Apache-2.0"]
        );
        assert_eq!(
            lic(r#"{"name":"a","version":"1","licenses":["BSD"]}"#),
            vec!["BSD"]
        );
        assert!(lic(r#"{"name":"a","version":"1","license":42}"#).is_empty());
        assert_eq!(parse_package_json(br#"{"type":"module"}"#), Ok(None));
        assert_eq!(parse_package_json(br#"{"name":"a","version":2}"#), Ok(None));
        assert_eq!(
            parse_package_json(b"[]"),
            Err(NpmError::Format("not a JSON object".into()))
        );
        assert!(matches!(
            parse_package_json(b"{\n  \"name\": \"a\",\n}"),
            Err(NpmError::Json { line: 3, .. })
        ));
    }

    #[test]
    fn installed_and_locked_are_one_package_with_both_locations() {
        let out = fixtures::scan(&NpmCataloger, "npm");
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let find = |name: &str, version: &str, under: &str| -> &Package {
            out.packages
                .iter()
                .find(|p| {
                    p.name == name && p.version == version && p.locations[0].path.starts_with(under)
                })
                .unwrap_or_else(|| panic!("{name}@{version} under {under}"))
        };
        let paths = |p: &Package| {
            p.locations
                .iter()
                .map(|l| l.path.clone())
                .collect::<Vec<_>>()
        };
        let ms = find("ms", "2.0.0", "usr/src/app");
        assert_eq!(
            paths(ms),
            vec![
                "usr/src/app/node_modules/debug/node_modules/ms/package.json",
                "usr/src/app/package-lock.json"
            ]
        );
        // A dev dependency that is installed: reported, marked dev.
        let left_pad = find("left-pad", "1.3.0", "usr/src/app");
        assert_eq!(left_pad.metadata["dev"], "true");
        assert_eq!(left_pad.licenses, vec!["WTFPL"]);
        // ... but not from a lockfile alone.
        assert!(!out
            .packages
            .iter()
            .any(|p| p.name == "left-pad"
                && p.locations.iter().any(|l| l.path.starts_with("srv/lock-"))));
        let app = find("demo-app", "1.0.0", "usr/src/app/package.json");
        assert_eq!(app.metadata["private"], "true");
        assert_eq!(app.depends_on.len(), 8);
        let debug = find("debug", "2.6.8", "usr/src/app");
        assert_eq!(debug.depends_on, vec!["ms"]);
        assert_eq!(find("eyes", "0.1.8", "usr/src/app").licenses, vec!["MIT"]);
        assert_eq!(
            find("json-schema", "0.2.3", "usr/src/app").licenses,
            vec!["AFLv2.1", "BSD"]
        );
        assert_eq!(
            find("@sindresorhus/is", "0.7.0", "usr/src/app").licenses,
            vec!["MIT"]
        );
    }

    #[test]
    fn fixture_tree_matches_syft_image_and_directory_reports() {
        let out = fixtures::scan(&NpmCataloger, "npm");
        let ours = fixtures::ours(&out);
        let mut syft = fixtures::syft("npm", "image");
        // syft's lock cataloger runs on directories only; ours on images too.
        // It reports the root "" entry of package-lock v2/v3 and berry's workspace entry;
        // we report the project from its package.json.
        for row in fixtures::syft("npm", "directory") {
            let root =
                row.0 == "pkg:npm/demo-app@1.0.0" || row.0 == "pkg:npm/demo-app@0.0.0-use.local";
            if !root {
                syft.insert(row);
            }
        }
        // Where we differ, on purpose:
        let extra = [
            // syft 1.18 does not descend into v1's nested `dependencies` (debug's own ms).
            ("pkg:npm/ms@2.0.0", "srv/lock-v1/package-lock.json"),
            // An installed dev dependency gets its lockfile location too (marked dev).
            ("pkg:npm/left-pad@1.3.0", "usr/src/app/package-lock.json"),
        ];
        for (purl, path) in extra {
            assert!(
                syft.insert((purl.to_string(), path.to_string())),
                "{purl} {path}"
            );
        }
        assert_eq!(ours, syft);
    }

    #[test]
    fn errors_become_warnings_naming_the_file() {
        let file = |path: &str, content: &[u8]| CapturedFile {
            path: path.into(),
            layer_index: 0,
            mode: 0o644,
            content: content.to_vec(),
        };
        let files = FileSet::new(
            vec![
                file(
                    "app/node_modules/a/package.json",
                    b"{\"name\": \"a\", \"version\": ",
                ),
                file(
                    "app/node_modules/a/test/fixtures/bad/package.json",
                    b"{oops",
                ),
                file(
                    "app/package-lock.json",
                    b"{\"lockfileVersion\": 3, \"packages\": {",
                ),
                file("app/yarn.lock", b"foo@^1:\n  version \"1.0.0\"\nbar\n"),
                file("app/pnpm-lock.yaml", b"packages: [unclosed"),
            ],
            Default::default(),
        );
        let out = NpmCataloger.catalog(&files, &CatalogContext::default());
        assert_eq!(out.warnings.len(), 4, "{:?}", out.warnings);
        assert!(out.warnings[0].starts_with("npm: app/node_modules/a/package.json: line 1, column"));
        assert!(out.warnings[1].starts_with("npm: app/package-lock.json: line 1"));
        assert_eq!(
            out.warnings[2],
            "npm: app/yarn.lock: line 3: expected `descriptor[, descriptor...]:`"
        );
        assert!(out.warnings[3].starts_with("npm: app/pnpm-lock.yaml: invalid YAML"));
    }

    #[test]
    fn garbage_and_truncated_input_never_panics() {
        let inputs = [
            fixture("usr/src/app/package-lock.json"),
            fixture("srv/lock-v1/package-lock.json"),
            fixture("srv/yarn-v1/yarn.lock"),
            fixture("srv/yarn-berry/yarn.lock"),
            fixture("srv/pnpm/pnpm-lock.yaml"),
            fixture("usr/src/app/node_modules/debug/package.json"),
        ];
        let mut seed = 0x2545f4914f6cdd1du64;
        for real in &inputs {
            for cut in (0..real.len()).step_by(7) {
                let b = &real[..cut];
                let _ = parse_package_lock(b);
                let _ = parse_yarn_lock(b);
                let _ = parse_pnpm_lock(b);
                let _ = parse_package_json(b);
            }
            for _ in 0..300 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let mut b = real.clone();
                let i = (seed as usize) % b.len();
                b[i] = (seed >> 40) as u8;
                let _ = parse_package_lock(&b);
                let _ = parse_yarn_lock(&b);
                let _ = parse_pnpm_lock(&b);
                let _ = parse_package_json(&b);
            }
        }
        // Hostile nesting of v1 dependencies.
        let mut deep = String::from("{\"lockfileVersion\":1,\"dependencies\":");
        for _ in 0..100 {
            deep.push_str("{\"a\":{\"version\":\"1.0.0\",\"dependencies\":");
        }
        deep.push_str("{}");
        for _ in 0..100 {
            deep.push_str("}}");
        }
        deep.push('}');
        assert!(parse_package_lock(deep.as_bytes()).is_err());
        for s in ["@", "@@", "a@", "@a", "/", "(", "/@/", "@a/b@", "_"] {
            let _ = pnpm_key(s);
            let _ = descriptor_name(s);
            let _ = split_descriptor(s);
        }
    }
}
