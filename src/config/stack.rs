//! Stack files and security inheritance.
//!
//! A stack lives at `<root>/.sc/stacks/<stack>/client.yaml` ([`StackConfig`]).
//! Its `uses: <parent>` names a parent at `<root>/.sc/parent-stacks/<parent>.yaml`,
//! which holds a `security:` block and may itself have `uses:`. [`load_stack`]
//! follows the chain (refusing cycles), merges the `security:` blocks from the
//! most distant parent down to the stack (see [`super::merge`]: child wins
//! field by field, `scan.tools` merge by name), applies each image's own
//! `security:` on top, and validates every effective configuration.
//!
//! Keys of a stack file that `sc` does not use (`baseDnsZone`, `domain`,
//! `image`, … from the original design) are tolerated; the `security:` block
//! and `environments:` are strict. Only `security:` is inherited from parents.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_yaml_ng::Value;

use super::descriptor::SecurityDescriptor;
use super::error::{ConfigError, Problem};
use super::merge::merge_security;
use super::parse::{from_value, yaml_value};
use super::values::string_or_number_opt;

/// Directory under the project root holding `sc`'s configuration.
pub const SC_DIR: &str = ".sc";

/// A stack file, `.sc/stacks/<stack>/client.yaml`. Unknown top-level keys are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StackConfig {
    /// Version of the stack file format, e.g. `"1.0"`.
    #[serde(
        default,
        deserialize_with = "string_or_number_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub schema_version: Option<String>,
    /// Parent stack whose `security:` block this stack inherits, read from
    /// `.sc/parent-stacks/<uses>.yaml`. This stack's settings win field by field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses: Option<String>,
    /// Security operations for every image of the stack (merged over the parent's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<SecurityDescriptor>,
    /// Release environments (e.g. `staging`, `production`) and their images.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: BTreeMap<String, EnvironmentConfig>,
}

/// One release environment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvironmentConfig {
    /// Images released in this environment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImageEntry>,
    /// Registry (and optional namespace) images are pushed to, e.g. `ghcr.io/myorg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
}

/// One image of an environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageEntry {
    /// Short name of the image within the stack (unique per environment).
    pub name: String,
    /// The image: a registry reference (`ghcr.io/myorg/api:1.2.0`) or a source
    /// such as `oci:DIR:tag` or `docker-archive:FILE`.
    pub image: String,
    /// Overrides for this image, merged over the stack's `security:` block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<SecurityDescriptor>,
}

/// A parent stack file, `.sc/parent-stacks/<name>.yaml`. Other keys are ignored.
#[derive(Debug, Default, Deserialize)]
struct ParentStackFile {
    #[serde(default)]
    uses: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // parsed to report errors with the parent's file and line
    security: Option<SecurityDescriptor>,
}

impl StackConfig {
    /// Parses a stack file's text; `origin` names it in errors.
    pub fn from_yaml_str(text: &str, origin: &str) -> Result<StackConfig, ConfigError> {
        let value = yaml_value(text, origin)?;
        parse_stack_value(&value, text, origin)
    }
}

fn parse_stack_value(value: &Value, text: &str, origin: &str) -> Result<StackConfig, ConfigError> {
    if value.is_null() {
        return Ok(StackConfig::default());
    }
    from_value(value, Some(text), origin, "")
}

/// A stack with inheritance applied: what a release needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedStack {
    /// The stack name.
    pub name: String,
    /// `schemaVersion` of the stack file.
    pub schema_version: Option<String>,
    /// The stack-level security configuration, merged over its parents'.
    /// Empty (nothing runs) when no file has a `security:` block.
    pub security: SecurityDescriptor,
    /// Whether any file in the chain has a `security:` block.
    pub has_security: bool,
    /// Files used, in merge order: the most distant parent first, the stack's
    /// `client.yaml` last.
    pub chain: Vec<PathBuf>,
    /// Environments as written in the stack file (per-image `security` unmerged;
    /// use [`ResolvedStack::security_for`]).
    pub environments: BTreeMap<String, EnvironmentConfig>,
    image_security: BTreeMap<String, BTreeMap<String, SecurityDescriptor>>,
}

impl ResolvedStack {
    /// The effective security configuration for `image_name` in `env`: the
    /// image's overrides merged over the stack's configuration. Images
    /// without overrides, and unknown environments or images, get the stack's.
    pub fn security_for(&self, env: &str, image_name: &str) -> SecurityDescriptor {
        self.image_security
            .get(env)
            .and_then(|images| images.get(image_name))
            .unwrap_or(&self.security)
            .clone()
    }

    /// The images of `env`, empty when the environment is unknown.
    pub fn images(&self, env: &str) -> &[ImageEntry] {
        self.environments
            .get(env)
            .map(|e| e.images.as_slice())
            .unwrap_or_default()
    }
}

/// One file of the inheritance chain.
struct Layer {
    path: PathBuf,
    security: Option<Value>,
}

/// Loads `<root>/.sc/stacks/<stack>/client.yaml`, follows `uses:` through
/// `<root>/.sc/parent-stacks/`, merges the `security:` blocks and per-image
/// overrides, and validates the results.
pub fn load_stack(root: &Path, stack: &str) -> Result<ResolvedStack, ConfigError> {
    check_name(stack, "stack argument", "stack")?;
    let sc = root.join(SC_DIR);
    let client_path = sc.join("stacks").join(stack).join("client.yaml");
    if !client_path.is_file() {
        return Err(ConfigError::StackNotFound {
            stack: stack.to_string(),
            path: client_path,
        });
    }
    let (client_text, client_value) = read_yaml(&client_path)?;
    let origin = client_path.display().to_string();
    let config = parse_stack_value(&client_value, &client_text, &origin)?;

    // Follow `uses:` from the stack towards the most distant parent.
    let mut layers = vec![Layer {
        path: client_path.clone(),
        security: security_value(&client_value),
    }];
    let mut names = vec![stack.to_string()];
    let mut uses = config.uses.clone();
    while let Some(parent) = uses.take() {
        let used_by = layers.last().map(|l| l.path.clone()).unwrap_or_default();
        check_name(
            &parent,
            &format!("{}: uses", used_by.display()),
            "parent stack",
        )?;
        if names[1..].contains(&parent) {
            names.push(parent);
            return Err(ConfigError::Cycle {
                origin: used_by,
                chain: names,
            });
        }
        let path = sc.join("parent-stacks").join(format!("{parent}.yaml"));
        if !path.is_file() {
            return Err(ConfigError::ParentNotFound {
                parent,
                path,
                used_by,
            });
        }
        let (text, value) = read_yaml(&path)?;
        let file: ParentStackFile = if value.is_null() {
            ParentStackFile::default()
        } else {
            from_value(&value, Some(&text), &path.display().to_string(), "")?
        };
        uses = file.uses;
        names.push(parent);
        layers.push(Layer {
            security: security_value(&value),
            path,
        });
    }
    layers.reverse();

    let has_security = layers.iter().any(|l| l.security.is_some());
    let merged = layers
        .iter()
        .filter_map(|l| l.security.clone())
        .fold(Value::Null, merge_security);
    let parents: Vec<String> = layers[..layers.len() - 1]
        .iter()
        .map(|l| file_name(&l.path))
        .collect();
    let merged_origin = if parents.is_empty() {
        origin.clone()
    } else {
        format!("{origin} (merged with {})", parents.join(", "))
    };
    let security = deserialize_security(&merged, &merged_origin, "security")?;

    let stack_problems = security.problems("security");
    let mut problems = stack_problems.clone();
    let mut image_security = BTreeMap::new();
    for (env, env_config) in &config.environments {
        let mut per_image = BTreeMap::new();
        for (i, entry) in env_config.images.iter().enumerate() {
            let at = format!("environments.{env}.images[{i}]");
            if let Some(j) = env_config.images[..i]
                .iter()
                .position(|e| e.name == entry.name)
            {
                problems.push(Problem::new(
                    format!("{at}.name"),
                    format!("duplicate image '{}' (also at images[{j}])", entry.name),
                ));
                continue;
            }
            let Some(own) = image_security_value(&client_value, env, i) else {
                continue;
            };
            let root = format!("{at}.security");
            let effective = merge_security(merged.clone(), own);
            let resolved = deserialize_security(&effective, &merged_origin, &root)?;
            // Problems inherited unchanged from the stack level are reported once, there.
            for problem in resolved.problems("security") {
                if !stack_problems.contains(&problem) {
                    let rest = &problem.path["security".len()..];
                    problems.push(Problem::new(format!("{root}{rest}"), problem.message));
                }
            }
            per_image.insert(entry.name.clone(), resolved);
        }
        if !per_image.is_empty() {
            image_security.insert(env.clone(), per_image);
        }
    }
    if !problems.is_empty() {
        return Err(ConfigError::Invalid {
            origin: merged_origin,
            problems,
        });
    }

    Ok(ResolvedStack {
        name: stack.to_string(),
        schema_version: config.schema_version,
        security,
        has_security,
        chain: layers.into_iter().map(|l| l.path).collect(),
        environments: config.environments,
        image_security,
    })
}

fn read_yaml(path: &Path) -> Result<(String, Value), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let value = yaml_value(&text, &path.display().to_string())?;
    Ok((text, value))
}

/// The `security:` value of a file; `null` counts as absent.
fn security_value(doc: &Value) -> Option<Value> {
    doc.get("security").filter(|v| !v.is_null()).cloned()
}

fn image_security_value(doc: &Value, env: &str, index: usize) -> Option<Value> {
    doc.get("environments")?
        .get(env)?
        .get("images")?
        .get(index)?
        .get("security")
        .filter(|v| !v.is_null())
        .cloned()
}

fn deserialize_security(
    value: &Value,
    origin: &str,
    root: &str,
) -> Result<SecurityDescriptor, ConfigError> {
    if value.is_null() {
        return Ok(SecurityDescriptor::default());
    }
    from_value(value, None, origin, root)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Stack and parent names become file names: letters, digits, `.`, `_`, `-`,
/// starting with a letter or digit (so no `..` or `/`).
fn check_name(name: &str, context: &str, what: &'static str) -> Result<(), ConfigError> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::InvalidName {
            context: context.to_string(),
            what,
            name: name.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ScanTool;
    use crate::severity::Severity;

    struct Project(tempfile::TempDir);

    impl Project {
        fn new() -> Self {
            Project(tempfile::tempdir().unwrap())
        }
        fn root(&self) -> &Path {
            self.0.path()
        }
        fn stack(&self, name: &str, text: &str) -> PathBuf {
            self.write(&format!(".sc/stacks/{name}/client.yaml"), text)
        }
        fn parent(&self, name: &str, text: &str) -> PathBuf {
            self.write(&format!(".sc/parent-stacks/{name}.yaml"), text)
        }
        fn write(&self, rel: &str, text: &str) -> PathBuf {
            let path = self.root().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            path
        }
    }

    const SEED_PARENT: &str = "\
security:
  signing:
    enabled: true
    keyless: true
  sbom:
    enabled: true
  scan:
    enabled: true
    tools:
      - name: grype
        failOn: critical
";

    const SEED_CHILD: &str = "\
uses: security

# Optional overrides
security:
  scan:
    tools:
      - name: grype
        failOn: high   # Override
";

    const SEED_MERGED: &str = "\
signing:
  enabled: true
  keyless: true
sbom:
  enabled: true
scan:
  enabled: true
  tools:
    - name: grype
      failOn: high
";

    #[test]
    fn seed_inheritance_example_merges_to_the_documented_result() {
        let p = Project::new();
        let parent = p.parent("security", SEED_PARENT);
        let child = p.stack("myapp", SEED_CHILD);
        let r = load_stack(p.root(), "myapp").unwrap();
        let expected = SecurityDescriptor::from_yaml_str(SEED_MERGED, "expected").unwrap();
        assert_eq!(r.security, expected);
        assert_eq!(r.chain, vec![parent, child]);
        assert!(r.has_security);
        let scan = r.security.scan.as_ref().unwrap();
        assert_eq!(scan.tools[0].name, ScanTool::Grype);
        assert_eq!(scan.effective_fail_on(), Some(Severity::High));
        assert!(r.security.signing.as_ref().unwrap().is_keyless());
    }

    #[test]
    fn multi_level_uses() {
        let p = Project::new();
        p.parent("org", "security:\n  signing: {keyless: true}\n  sbom: {format: spdx-json}\n  scan: {failOn: critical, tools: [{name: grype, required: true}]}\n");
        p.parent("team", "uses: org\nsecurity:\n  sbom: {scope: all-layers}\n  scan: {tools: [{name: trivy, required: false, failOn: high}]}\n");
        p.stack(
            "api",
            "uses: team\nsecurity:\n  scan: {tools: [{name: grype, failOn: medium}]}\n",
        );
        let r = load_stack(p.root(), "api").unwrap();
        assert_eq!(r.chain.len(), 3);
        assert!(r.chain[0].ends_with(".sc/parent-stacks/org.yaml"));
        assert!(r.chain[2].ends_with(".sc/stacks/api/client.yaml"));
        let sbom = r.security.sbom.as_ref().unwrap();
        assert_eq!(sbom.format(), crate::config::SbomFormat::SpdxJson);
        assert_eq!(sbom.scope(), crate::config::SbomScope::AllLayers);
        let scan = r.security.scan.as_ref().unwrap();
        let names: Vec<_> = scan.tools.iter().map(|t| t.name).collect();
        assert_eq!(names, [ScanTool::Grype, ScanTool::Trivy]);
        assert_eq!(scan.tools[0].required, Some(true));
        assert_eq!(scan.tools[0].fail_on, Some(Severity::Medium));
        assert_eq!(scan.effective_fail_on(), Some(Severity::Medium));
        assert_eq!(scan.effective_warn_on(), Some(Severity::High));
    }

    #[test]
    fn cycles_are_detected() {
        let p = Project::new();
        p.parent("a", "uses: b\nsecurity: {sbom: {}}\n");
        let b = p.parent("b", "uses: a\n");
        p.stack("app", "uses: a\n");
        let err = load_stack(p.root(), "app").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: uses: inheritance cycle: app -> a -> b -> a",
                b.display()
            )
        );

        let s = p.parent("self", "uses: self\n");
        p.stack("loop", "uses: self\n");
        assert_eq!(
            load_stack(p.root(), "loop").unwrap_err().to_string(),
            format!(
                "{}: uses: inheritance cycle: loop -> self -> self",
                s.display()
            )
        );
    }

    #[test]
    fn missing_parent_names_the_expected_path() {
        let p = Project::new();
        let child = p.stack("app", "uses: baseline\n");
        let err = load_stack(p.root(), "app").unwrap_err();
        let expected = p.root().join(".sc/parent-stacks/baseline.yaml");
        assert_eq!(
            err.to_string(),
            format!(
                "{}: uses: parent stack 'baseline' not found: {} does not exist",
                child.display(),
                expected.display()
            )
        );
    }

    #[test]
    fn missing_stack_and_bad_names() {
        let p = Project::new();
        let err = load_stack(p.root(), "nope").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "stack 'nope' not found: {} does not exist",
                p.root().join(".sc/stacks/nope/client.yaml").display()
            )
        );
        assert_eq!(
            load_stack(p.root(), "../etc").unwrap_err().to_string(),
            "stack argument: invalid stack name '../etc' (use letters, digits, '.', '_' and '-', starting with a letter or digit)"
        );
        let child = p.stack("app", "uses: ../../secrets\n");
        assert_eq!(
            load_stack(p.root(), "app").unwrap_err().to_string(),
            format!("{}: uses: invalid parent stack name '../../secrets' (use letters, digits, '.', '_' and '-', starting with a letter or digit)", child.display())
        );
    }

    #[test]
    fn errors_in_parent_name_the_parent_file_and_line() {
        let p = Project::new();
        let parent = p.parent(
            "base",
            "security:\n  scan:\n    tools:\n      - name: grype\n        failOn: crit\n",
        );
        p.stack("app", "uses: base\n");
        assert_eq!(
            load_stack(p.root(), "app").unwrap_err().to_string(),
            format!("{}:5:17: security.scan.tools[0].failOn: unknown severity 'crit' (valid: critical, high, medium, low, negligible, unknown)", parent.display())
        );
    }

    #[test]
    fn stack_file_tolerates_unknown_top_level_keys_but_not_in_security() {
        let p = Project::new();
        let child = p.stack(
            "app",
            "schemaVersion: 1.0\nbaseDnsZone: example.com\ndomain: app.example.com\nimage: {name: app, context: ./}\nsecurity:\n  sbom: {enabled: true, formt: spdx-json}\n",
        );
        assert_eq!(
            load_stack(p.root(), "app").unwrap_err().to_string(),
            format!("{}:6:25: security.sbom.formt: unknown field (did you mean 'format'? valid: enabled, format, scope, output, attach, required)", child.display())
        );
        p.stack(
            "ok",
            "schemaVersion: 1.0\nbaseDnsZone: example.com\nimage: {name: app}\n",
        );
        let r = load_stack(p.root(), "ok").unwrap();
        assert_eq!(r.schema_version.as_deref(), Some("1.0"));
        assert!(!r.has_security);
        assert_eq!(r.security, SecurityDescriptor::default());
        assert!(!r.security.any_enabled());
    }

    #[test]
    fn per_image_overrides_merge_over_the_stack() {
        let p = Project::new();
        p.parent("security", SEED_PARENT);
        p.stack(
            "shop",
            "uses: security\nenvironments:\n  production:\n    registry: ghcr.io/myorg\n    images:\n      - name: api\n        image: ghcr.io/myorg/api:1.2.0\n        security:\n          sbom: {format: spdx-json}\n          scan:\n            tools: [{name: grype, failOn: medium}]\n      - name: worker\n        image: oci:./build/worker:1.2.0\n      - name: legacy\n        image: docker-archive:legacy.tar\n        security: {enabled: false}\n",
        );
        let r = load_stack(p.root(), "shop").unwrap();
        let api = r.security_for("production", "api");
        assert_eq!(
            api.sbom.as_ref().unwrap().format(),
            crate::config::SbomFormat::SpdxJson
        );
        assert_eq!(
            api.scan.as_ref().unwrap().effective_fail_on(),
            Some(Severity::Medium)
        );
        assert!(api.signing.as_ref().unwrap().is_keyless());
        assert_eq!(r.security_for("production", "worker"), r.security);
        assert!(!r.security_for("production", "legacy").any_enabled());
        assert_eq!(r.security_for("staging", "api"), r.security);
        assert_eq!(r.images("production").len(), 3);
        assert_eq!(
            r.environments["production"].registry.as_deref(),
            Some("ghcr.io/myorg")
        );
    }

    #[test]
    fn semantic_problems_from_all_levels_are_reported_together() {
        let p = Project::new();
        p.parent("base", "security:\n  signing: {enabled: true}\n");
        let child = p.stack(
            "app",
            "uses: base\nenvironments:\n  prod:\n    images:\n      - name: api\n        image: r.example/api:1\n        security:\n          scan: {failOn: low, warnOn: high}\n      - name: api\n        image: r.example/api:2\n",
        );
        let err = load_stack(p.root(), "app").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} (merged with base.yaml): invalid configuration (3 problems):\n  \
                 security.signing.privateKey: required when keyless is false\n  \
                 environments.prod.images[0].security.scan.warnOn: 'high' is more severe than failOn 'low' (warnings must start at or below the failure threshold)\n  \
                 environments.prod.images[1].name: duplicate image 'api' (also at images[0])",
                child.display()
            )
        );
    }

    #[test]
    fn child_null_unsets_inherited_key() {
        let p = Project::new();
        p.parent(
            "base",
            "security:\n  signing: {privateKey: cosign.key}\n  scan: {failOn: critical}\n",
        );
        p.stack(
            "app",
            "uses: base\nsecurity:\n  signing: {keyless: true, privateKey: null}\n  scan: null\n",
        );
        let r = load_stack(p.root(), "app").unwrap();
        let signing = r.security.signing.as_ref().unwrap();
        assert_eq!(signing.private_key, None);
        assert!(signing.is_keyless());
        assert!(r.security.scan.is_none());
    }

    #[test]
    fn child_master_switch_disables_inherited_security() {
        let p = Project::new();
        p.parent("security", SEED_PARENT);
        p.stack("app", "uses: security\nsecurity:\n  enabled: false\n");
        let r = load_stack(p.root(), "app").unwrap();
        assert!(r.has_security);
        assert!(r.security.signing.is_some());
        assert!(!r.security.any_enabled());
        assert!(!r.security_for("prod", "api").scan_enabled());
    }

    #[test]
    fn image_entries_are_strict() {
        let p = Project::new();
        let child = p.stack(
            "app",
            "environments:\n  prod:\n    images:\n      - name: api\n        img: x\n",
        );
        let e = load_stack(p.root(), "app").unwrap_err().to_string();
        assert_eq!(
            e,
            format!("{}:5:9: environments.prod.images[0].img: unknown field (did you mean 'image'? valid: name, image, security)", child.display())
        );
    }
}
