//! .NET NuGet packages from `*.deps.json`, the dependency manifest the dotnet
//! SDK writes next to every application and library it builds.
//!
//! `libraries` lists every dependency as `"Name/Version": {"type": ...}`: each
//! `package` (a NuGet package, with its `sha512`, `path` and `hashPath`) is
//! reported; a self-contained app's `runtimepack` (the .NET runtime itself,
//! `runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0`) is reported
//! under the NuGet id it comes from (`Microsoft.NETCore.App.Runtime.linux-x64`),
//! since that is where runtime advisories are filed; `project` entries (the
//! application and its project references) and `reference` assemblies are
//! not packages. Dependency edges come from `targets`: the entry of the same
//! `Name/Version` under the runtime target (else any target) lists its
//! `dependencies`.
//!
//! Differences with syft 1.18: syft reads deps.json only when scanning
//! directories (on images it reads PE files instead); it reports `project`
//! entries as NuGet packages and keeps the `runtimepack.` prefix in the name.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{Capture, CapturedFile, CatalogContext, CatalogOutput, Cataloger, EntryInfo, FileSet};
use crate::sbom::model::{Package, PackageType};

/// Largest deps.json kept.
const MAX_DEPS_JSON: u64 = 16 * 1024 * 1024;

/// Prefix the SDK gives runtime packs in deps.json.
const RUNTIMEPACK: &str = "runtimepack.";

/// The dotnet cataloger.
pub struct DepsJsonCataloger;

impl Cataloger for DepsJsonCataloger {
    fn name(&self) -> &'static str {
        "dotnet"
    }

    fn wants(&self, entry: &EntryInfo<'_>) -> Option<Capture> {
        let file = entry.file_name();
        (file.ends_with(".deps.json") && file.len() > ".deps.json".len())
            .then_some(Capture::Keep { max: MAX_DEPS_JSON })
    }

    fn catalog(&self, files: &FileSet, _ctx: &CatalogContext) -> CatalogOutput {
        let mut out = CatalogOutput::default();
        for f in files.iter() {
            match parse_deps_json(&f.content) {
                Ok(libs) => out
                    .packages
                    .extend(libs.into_iter().map(|l| l.into_package(self.name(), f))),
                Err(e) => out.warnings.push(format!("dotnet: {}: {e}", f.path)),
            }
        }
        out
    }
}

/// Why a deps.json could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepsJsonError {
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
}

impl From<serde_json::Error> for DepsJsonError {
    fn from(e: serde_json::Error) -> Self {
        let msg = e.to_string();
        let msg = msg
            .rsplit_once(" at line ")
            .map(|(m, _)| m.to_string())
            .unwrap_or(msg);
        DepsJsonError::Json {
            line: e.line(),
            column: e.column(),
            msg,
        }
    }
}

/// One NuGet package of a deps.json.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Library {
    /// NuGet package id, as the SDK wrote it (`Newtonsoft.Json`).
    pub name: String,
    /// Version.
    pub version: String,
    /// `type` (`package` or `runtimepack`).
    pub kind: String,
    /// `sha512` of the .nupkg (`sha512-<base64>`), when recorded.
    pub sha512: Option<String>,
    /// `path` in the NuGet cache (`newtonsoft.json/13.0.1`).
    pub path: Option<String>,
    /// Names of the packages it depends on.
    pub depends_on: Vec<String>,
}

impl Library {
    fn into_package(self, found_by: &str, f: &CapturedFile) -> Package {
        let mut p = Package::new(
            PackageType::Nuget,
            self.name,
            self.version,
            found_by,
            f.location(),
        );
        p.depends_on = self.depends_on;
        if self.kind != "package" {
            p.metadata.insert("type".into(), self.kind);
        }
        for (k, v) in [("sha512", self.sha512), ("path", self.path)] {
            if let Some(v) = v {
                p.metadata.insert(k.into(), v);
            }
        }
        p
    }
}

fn strip_runtimepack(name: &str) -> &str {
    name.strip_prefix(RUNTIMEPACK).unwrap_or(name)
}

/// Parse a `*.deps.json`.
pub fn parse_deps_json(bytes: &[u8]) -> Result<Vec<Library>, DepsJsonError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let v: Value = serde_json::from_slice(bytes)?;
    let Some(doc) = v.as_object() else {
        return Err(DepsJsonError::Format("not a JSON object".into()));
    };
    let Some(libraries) = doc.get("libraries").and_then(Value::as_object) else {
        return Err(DepsJsonError::Format("no libraries object".into()));
    };
    let targets: Vec<&Map<String, Value>> = {
        let runtime = doc
            .get("runtimeTarget")
            .and_then(|t| t.get("name"))
            .and_then(Value::as_str);
        let all = doc.get("targets").and_then(Value::as_object);
        let mut t: Vec<&Map<String, Value>> = Vec::new();
        if let (Some(all), Some(rt)) = (all, runtime) {
            t.extend(all.get(rt).and_then(Value::as_object));
        }
        t.extend(
            all.into_iter()
                .flat_map(|a| a.values().filter_map(Value::as_object)),
        );
        t
    };
    let mut out = Vec::new();
    for (key, lib) in libraries {
        let kind = lib.get("type").and_then(Value::as_str).unwrap_or("");
        if kind != "package" && kind != "runtimepack" {
            continue;
        }
        let Some((name, version)) = key.rsplit_once('/') else {
            continue;
        };
        if name.is_empty() || version.is_empty() {
            continue;
        }
        let deps: BTreeSet<String> = targets
            .iter()
            .find_map(|t| t.get(key))
            .and_then(|e| e.get("dependencies"))
            .and_then(Value::as_object)
            .map(|d| d.keys().map(|n| strip_runtimepack(n).to_string()).collect())
            .unwrap_or_default();
        let text = |k: &str| {
            lib.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        out.push(Library {
            name: strip_runtimepack(name).to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
            sha512: text("sha512"),
            path: text("path"),
            depends_on: deps.into_iter().collect(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::python::fixtures;
    use super::*;

    const PYTHONNET: &str =
        "usr/local/lib/python3.11/site-packages/pythonnet/runtime/Python.Runtime.deps.json";

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(fixtures::dir("dotnet").join(rel)).unwrap()
    }

    #[test]
    fn wants_deps_json() {
        let w = |p: &str| {
            DepsJsonCataloger
                .wants(&EntryInfo {
                    path: p,
                    size: 1,
                    mode: 0o644,
                })
                .is_some()
        };
        assert!(w("app/WebApp.deps.json"));
        assert!(w(PYTHONNET));
        assert!(!w("app/WebApp.runtimeconfig.json"));
        assert!(!w("app/.deps.json"));
    }

    #[test]
    fn sdk_written_deps_json() {
        let libs = parse_deps_json(&fixture(PYTHONNET)).unwrap();
        assert_eq!(
            libs.len(),
            18,
            "every `package` library, not the Python.Runtime project"
        );
        let emit = libs
            .iter()
            .find(|l| l.name == "System.Reflection.Emit")
            .unwrap();
        assert_eq!(emit.version, "4.3.0");
        assert_eq!(
            emit.depends_on,
            vec![
                "System.IO",
                "System.Reflection",
                "System.Reflection.Emit.ILGeneration",
                "System.Reflection.Primitives",
                "System.Runtime"
            ]
        );
        assert!(emit.sha512.as_deref().unwrap().starts_with("sha512-"));
        assert_eq!(emit.path.as_deref(), Some("system.reflection.emit/4.3.0"));
    }

    #[test]
    fn self_contained_app_with_runtime_pack_and_projects() {
        let libs = parse_deps_json(&fixture("app/WebApp.deps.json")).unwrap();
        let mut brief: Vec<String> = libs
            .iter()
            .map(|l| format!("{} {} {} {:?}", l.name, l.version, l.kind, l.depends_on))
            .collect();
        brief.sort();
        assert_eq!(
            brief,
            vec![
                "Microsoft.NETCore.App.Runtime.linux-x64 8.0.0 runtimepack []",
                "Newtonsoft.Json 13.0.1 package []",
                "Serilog 2.10.0 package []",
                "Serilog.Sinks.Console 4.0.1 package [\"Serilog\"]",
            ]
        );
    }

    #[test]
    fn fixture_tree_matches_syft_but_for_projects_and_runtime_packs() {
        let out = fixtures::scan(&DepsJsonCataloger, "dotnet");
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let mut syft = fixtures::syft("dotnet", "directory");
        assert!(fixtures::syft("dotnet", "image").is_empty());
        let app = "app/WebApp.deps.json".to_string();
        for project in [
            ("pkg:nuget/WebApp@1.0.0", app.as_str()),
            ("pkg:nuget/WebApp.Core@1.0.0", app.as_str()),
            ("pkg:nuget/Python.Runtime@3.0.3", PYTHONNET),
            (
                "pkg:nuget/runtimepack.Microsoft.NETCore.App.Runtime.linux-x64@8.0.0",
                app.as_str(),
            ),
        ] {
            assert!(
                syft.remove(&(project.0.to_string(), project.1.to_string())),
                "{project:?}"
            );
        }
        syft.insert((
            "pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@8.0.0".into(),
            app,
        ));
        assert_eq!(fixtures::ours(&out), syft);
    }

    #[test]
    fn errors_and_garbage() {
        assert_eq!(
            parse_deps_json(b"{\"targets\": {}}"),
            Err(DepsJsonError::Format("no libraries object".into()))
        );
        assert_eq!(
            parse_deps_json(b"[1]"),
            Err(DepsJsonError::Format("not a JSON object".into()))
        );
        assert!(matches!(
            parse_deps_json(b"{\n\n  \"libraries\": {,}\n}"),
            Err(DepsJsonError::Json { line: 3, .. })
        ));
        // Odd keys and types are skipped, not fatal.
        let libs = parse_deps_json(
            br#"{"targets": 5, "libraries": {"NoVersion": {"type": "package"}, "/1.0": {"type": "package"}, "A/": {"type": "package"}, "B/2.0": {"type": 7}, "C/3.0": {"type": "package", "sha512": 9}}}"#,
        )
        .unwrap();
        assert_eq!(libs.len(), 1);
        assert_eq!(
            (libs[0].name.as_str(), libs[0].sha512.as_ref()),
            ("C", None)
        );
        let out = DepsJsonCataloger.catalog(
            &FileSet::new(
                vec![CapturedFile {
                    path: "app/x.deps.json".into(),
                    layer_index: 0,
                    mode: 0o644,
                    content: b"".to_vec(),
                }],
                Default::default(),
            ),
            &CatalogContext::default(),
        );
        assert_eq!(out.warnings.len(), 1);
        assert!(
            out.warnings[0].starts_with("dotnet: app/x.deps.json: line 1, column 0: invalid JSON")
        );
        let real = fixture(PYTHONNET);
        let mut seed = 0x5851f42d4c957f2du64;
        for cut in (0..real.len()).step_by(3) {
            let _ = parse_deps_json(&real[..cut]);
        }
        for _ in 0..1000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut b = real.clone();
            let i = (seed as usize) % b.len();
            b[i] = (seed >> 40) as u8;
            let _ = parse_deps_json(&b);
        }
    }
}
