//! YAML text to typed configuration, with errors that point at the field.
//!
//! Text is first parsed into a [`serde_yaml_ng::Value`] (syntax errors carry
//! line and column), then deserialized into the typed structs through
//! `serde_path_to_error`, which yields the field path. When text is available
//! and a field is wrong, the text is deserialized a second time, straight from
//! the YAML parser, only to learn the line and column of the bad value.
//!
//! Messages are rewritten into one style: `path: message`, with unknown
//! fields as `security.sbom.formatt: unknown field (did you mean 'format'?
//! valid: …)`. This module does not merge or validate semantics.

use std::borrow::Borrow;
use std::sync::OnceLock;

use regex::Regex;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_yaml_ng::Value;

use super::descriptor::SecurityDescriptor;
use super::error::{ConfigError, Location, Problem};

/// Parses YAML text into a value, resolving `<<` merge keys. Empty text is `null`.
pub(crate) fn yaml_value(text: &str, origin: &str) -> Result<Value, ConfigError> {
    let mut value: Value = serde_yaml_ng::from_str(text).map_err(|e| syntax(&e, origin))?;
    value.apply_merge().map_err(|e| syntax(&e, origin))?;
    Ok(value)
}

fn syntax(e: &serde_yaml_ng::Error, origin: &str) -> ConfigError {
    let location = yaml_location(e);
    ConfigError::Syntax {
        origin: origin.to_string(),
        location,
        message: strip_mark(&e.to_string(), location),
    }
}

fn yaml_location(e: &serde_yaml_ng::Error) -> Option<Location> {
    e.location().map(|l| Location {
        line: l.line(),
        column: l.column(),
    })
}

/// Removes serde_yaml_ng's ` at line L column C` suffix, since the location is shown up front.
fn strip_mark(message: &str, location: Option<Location>) -> String {
    if let Some(l) = location {
        let suffix = format!(" at line {} column {}", l.line, l.column);
        if let Some(stripped) = message.strip_suffix(&suffix) {
            return stripped.to_string();
        }
        // libyaml: "problem at line L column C, while parsing X at line …"
        if message.contains(&format!("{suffix},")) {
            return message.replacen(&suffix, "", 1);
        }
    }
    message.to_string()
}

/// Deserializes `value` into `T`, reporting the first bad field as
/// [`ConfigError::Field`]. `prefix` is prepended to field paths (`security`
/// for a bare security block). When `text` is the source of `value`, the
/// error carries the line and column of the bad field.
pub(crate) fn from_value<T: DeserializeOwned>(
    value: &Value,
    text: Option<&str>,
    origin: &str,
    prefix: &str,
) -> Result<T, ConfigError> {
    let err = match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(t) => return Ok(t),
        Err(err) => err,
    };
    let raw_path = err.path().to_string();
    let problem = problem_from(prefix, err.path(), &err.inner().to_string());
    let location = text.and_then(|t| locate::<T>(t, &raw_path));
    Err(ConfigError::Field {
        origin: origin.to_string(),
        location,
        problem,
    })
}

/// Re-reads `text` with the streaming parser to find where the error at `raw_path` is.
fn locate<T: DeserializeOwned>(text: &str, raw_path: &str) -> Option<Location> {
    let de = serde_yaml_ng::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(_) => None,
        Err(e) if e.path().to_string() == raw_path => yaml_location(e.inner()),
        Err(_) => None,
    }
}

/// Builds the field path and the message in our style from serde's error.
fn problem_from(prefix: &str, path: &serde_path_to_error::Path, message: &str) -> Problem {
    let mut out = prefix.to_string();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => push_key(&mut out, key),
            serde_path_to_error::Segment::Enum { variant } => push_key(&mut out, variant),
            serde_path_to_error::Segment::Unknown => push_key(&mut out, "?"),
        }
    }
    if let Some((field, expected)) = parse_unknown_field(message) {
        // serde_path_to_error may or may not already include the unknown key.
        if !out.ends_with(&format!(".{field}")) && out != field {
            push_key(&mut out, &field);
        }
        let message = unknown_field_message(&out, &field, &expected);
        return Problem::new(out, message);
    }
    let path = if out.is_empty() { ".".to_string() } else { out };
    Problem::new(path, message.replace('`', "'"))
}

fn push_key(out: &mut String, key: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    out.push_str(key);
}

/// Recognizes serde's `unknown field `x`, expected one of `a`, `b``.
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    static NAME: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^unknown field `([^`]*)`, (?:expected (.*)|there are no fields)$")
            .expect("static regex")
    });
    let name = NAME.get_or_init(|| Regex::new(r"`([^`]*)`").expect("static regex"));
    let caps = re.captures(message)?;
    let expected = caps
        .get(2)
        .map(|m| {
            name.captures_iter(m.as_str())
                .map(|c| c[1].to_string())
                .collect()
        })
        .unwrap_or_default();
    Some((caps[1].to_string(), expected))
}

fn unknown_field_message(path: &str, field: &str, expected: &[String]) -> String {
    if field == "password" && path.ends_with("signing.password") {
        return "unknown field; passwords are never read from configuration: set passwordEnv \
                to the name of the environment variable holding it (default COSIGN_PASSWORD)"
            .to_string();
    }
    if expected.is_empty() {
        return "unknown field (no fields are allowed here)".to_string();
    }
    let valid = expected.join(", ");
    match closest(field, expected) {
        Some(hint) => format!("unknown field (did you mean '{hint}'? valid: {valid})"),
        None => format!("unknown field (valid: {valid})"),
    }
}

/// The expected name closest to `field`, if it is a plausible typo.
fn closest<'a>(field: &str, expected: &'a [String]) -> Option<&'a str> {
    let lower = field.to_ascii_lowercase();
    expected
        .iter()
        .map(|e| (edit_distance(&lower, &e.to_ascii_lowercase()), e))
        .filter(|(d, e)| *d <= 2.max(e.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, e)| e.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A document holding a `security:` key among others (a whole `client.yaml`).
#[derive(Deserialize)]
struct SecurityDocument {
    #[serde(default)]
    security: Option<SecurityDescriptor>,
}

impl SecurityDescriptor {
    /// Parses a security block from YAML text. The text is either the block
    /// itself (`signing: …`, `scan: …`) or a document with a top-level
    /// `security:` key, whose other keys are ignored. Field paths in errors
    /// start with `security.`; `origin` (a file name) and the line and column
    /// are included.
    pub fn from_yaml_str(text: &str, origin: &str) -> Result<SecurityDescriptor, ConfigError> {
        let value = yaml_value(text, origin)?;
        let wrapped = value
            .as_mapping()
            .is_some_and(|m| m.contains_key("security"));
        if wrapped {
            let doc: SecurityDocument = from_value(&value, Some(text), origin, "")?;
            Ok(doc.security.unwrap_or_default())
        } else if value.is_null() {
            Ok(SecurityDescriptor::default())
        } else {
            from_value(&value, Some(text), origin, "security")
        }
    }
}

/// Parses an already-loaded `security:` block (a [`Value`] or `&Value`).
/// Errors name the field path (`security.sbom.format: …`) but no file or line;
/// use [`parse_security_block_in`] to name the origin.
pub fn parse_security_block<V: Borrow<Value>>(value: V) -> Result<SecurityDescriptor, ConfigError> {
    parse_security_block_in(value.borrow(), "")
}

/// [`parse_security_block`] with an origin (file or stack name) for error messages.
pub fn parse_security_block_in(
    value: &Value,
    origin: &str,
) -> Result<SecurityDescriptor, ConfigError> {
    if value.is_null() {
        return Ok(SecurityDescriptor::default());
    }
    from_value(value, None, origin, "security")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{SbomFormat, ScanTool};
    use crate::severity::Severity;

    fn err(text: &str) -> String {
        SecurityDescriptor::from_yaml_str(text, "client.yaml")
            .unwrap_err()
            .to_string()
    }

    /// The YAML example of the design's "Stack Configuration Integration".
    const SEED_CLIENT_YAML: &str = r#"
# .sc/stacks/myapp/client.yaml
schemaVersion: "1.0"
baseDnsZone: example.com
domain: myapp.example.com
image:
  name: myapp
  context: ./
  dockerfile: Dockerfile
  platform: linux/amd64

# NEW: Security configuration
security:
  signing:
    enabled: true
    keyless: true
    verify:
      enabled: true
      oidcIssuer: "https://token.actions.githubusercontent.com"
      identityRegexp: "^https://github.com/myorg/.*$"

  sbom:
    enabled: true
    format: cyclonedx-json
    attach:
      enabled: true
      sign: true

  provenance:
    enabled: true

  scan:
    enabled: true
    tools:
      - name: grype
        required: true
        failOn: critical
"#;

    #[test]
    fn seed_client_yaml_parses() {
        let sd = SecurityDescriptor::from_yaml_str(SEED_CLIENT_YAML, "client.yaml").unwrap();
        let signing = sd.signing.as_ref().unwrap();
        assert!(signing.is_keyless());
        let verify = signing.verify.as_ref().unwrap();
        assert_eq!(
            verify.oidc_issuer.as_deref(),
            Some("https://token.actions.githubusercontent.com")
        );
        assert_eq!(
            verify.identity_regexp.as_deref(),
            Some("^https://github.com/myorg/.*$")
        );
        assert_eq!(
            sd.sbom.as_ref().unwrap().format(),
            SbomFormat::CycloneDxJson
        );
        assert!(sd.sbom.as_ref().unwrap().attach_enabled());
        let scan = sd.scan.as_ref().unwrap();
        assert_eq!(scan.tools[0].name, ScanTool::Grype);
        assert_eq!(scan.effective_fail_on(), Some(Severity::Critical));
        assert!(sd.signing_enabled() && sd.sbom_enabled());
        assert!(sd.provenance_enabled() && sd.scan_enabled());
        assert_eq!(sd.validate().map_err(|e| e.to_string()), Ok(()));
    }

    #[test]
    fn bare_block_parses_and_gradual_adoption_steps() {
        let step1 = "scan:\n  enabled: true\n  tools:\n    - name: grype\n      required: false\n      warnOn: high\n";
        let sd = SecurityDescriptor::from_yaml_str(step1, "s1.yaml").unwrap();
        let scan = sd.scan.as_ref().unwrap();
        assert_eq!(scan.effective_fail_on(), None);
        assert_eq!(scan.effective_warn_on(), Some(Severity::High));
        assert!(!sd.signing_enabled());

        let step3 = "security:\n  sbom:\n    enabled: true\n    format: cyclonedx-json\n";
        let sd = SecurityDescriptor::from_yaml_str(step3, "s3.yaml").unwrap();
        assert!(sd.sbom_enabled() && !sd.scan_enabled());

        assert_eq!(
            SecurityDescriptor::from_yaml_str("", "e.yaml").unwrap(),
            SecurityDescriptor::default()
        );
    }

    #[test]
    fn master_switch_disables_everything() {
        let text = "security:\n  enabled: false\n  signing: {enabled: true, keyless: true}\n  sbom: {enabled: true}\n  provenance: {}\n  scan: {tools: [{name: sc, failOn: high}]}\n";
        let sd = SecurityDescriptor::from_yaml_str(text, "c.yaml").unwrap();
        assert!(!sd.is_enabled());
        assert!(!sd.signing_enabled());
        assert!(!sd.sbom_enabled());
        assert!(!sd.provenance_enabled());
        assert!(!sd.scan_enabled());
        assert!(!sd.any_enabled());
    }

    #[test]
    fn invalid_sbom_format_names_path_line_and_valid_values() {
        let text = "security:\n  sbom:\n    format: x\n";
        assert_eq!(
            err(text),
            "client.yaml:3:13: security.sbom.format: invalid value 'x' (valid: cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value, sc-json)"
        );
    }

    #[test]
    fn syft_json_is_an_alias_of_sc_json() {
        let sd = SecurityDescriptor::from_yaml_str("sbom: {format: syft-json}", "c").unwrap();
        assert_eq!(sd.sbom.unwrap().format, Some(SbomFormat::ScJson));
    }

    #[test]
    fn unknown_severity_in_tool() {
        let text = "security:\n  scan:\n    tools:\n      - name: grype\n        failOn: crit\n";
        assert_eq!(
            err(text),
            "client.yaml:5:17: security.scan.tools[0].failOn: unknown severity 'crit' (valid: critical, high, medium, low, negligible, unknown)"
        );
        let fields = SecurityDescriptor::from_yaml_str(text, "client.yaml").unwrap_err();
        assert_eq!(fields.problems()[0].path, "security.scan.tools[0].failOn");
    }

    #[test]
    fn severities_are_case_insensitive() {
        let sd = SecurityDescriptor::from_yaml_str("scan: {failOn: HIGH, warnOn: Moderate}", "c")
            .unwrap();
        let scan = sd.scan.unwrap();
        assert_eq!(scan.fail_on, Some(Severity::High));
        assert_eq!(scan.warn_on, Some(Severity::Medium));
    }

    #[test]
    fn non_string_enum_value_lists_valid_values() {
        assert_eq!(
            err("sbom:\n  format: 5\n"),
            "client.yaml:2:11: security.sbom.format: invalid value '5' (valid: cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value, sc-json)"
        );
    }

    #[test]
    fn invalid_tool_name_lists_valid_tools() {
        let text = "scan:\n  tools:\n    - name: clair\n";
        assert_eq!(
            err(text),
            "client.yaml:3:13: security.scan.tools[0].name: invalid value 'clair' (valid: sc, grype, trivy)"
        );
    }

    #[test]
    fn unknown_field_names_path_and_valid_fields() {
        let text = "security:\n  sbom:\n    formatt: spdx-json\n";
        assert_eq!(
            err(text),
            "client.yaml:3:5: security.sbom.formatt: unknown field (did you mean 'format'? valid: enabled, format, scope, output, attach, required)"
        );
        let text = "security:\n  colour: blue\n";
        assert_eq!(
            err(text),
            "client.yaml:2:3: security.colour: unknown field (valid: enabled, signing, sbom, provenance, scan)"
        );
    }

    #[test]
    fn password_in_config_is_refused_with_guidance() {
        let text = "signing:\n  keyless: false\n  privateKey: cosign.key\n  password: hunter2\n";
        assert_eq!(
            err(text),
            "client.yaml:4:3: security.signing.password: unknown field; passwords are never read from configuration: set passwordEnv to the name of the environment variable holding it (default COSIGN_PASSWORD)"
        );
    }

    #[test]
    fn wrong_type_is_reported_with_path() {
        let text = "signing:\n  keyless: maybe\n";
        assert_eq!(
            err(text),
            "client.yaml:2:12: security.signing.keyless: invalid type: string \"maybe\", expected a boolean"
        );
    }

    #[test]
    fn missing_tool_name() {
        let text = "scan:\n  tools:\n    - failOn: high\n";
        let e = err(text);
        assert!(
            e.starts_with("client.yaml:3:7: security.scan.tools[0]: missing field 'name'"),
            "{e}"
        );
    }

    #[test]
    fn syntax_error_has_location() {
        let e = SecurityDescriptor::from_yaml_str("signing:\n  keyless: [true\n", "bad.yaml")
            .unwrap_err();
        assert!(matches!(e, ConfigError::Syntax { .. }), "{e:?}");
        assert_eq!(e.location(), Some(Location { line: 3, column: 1 }));
        assert_eq!(
            e.to_string(),
            "bad.yaml:3:1: invalid YAML: did not find expected ',' or ']', while parsing a flow sequence at line 2 column 12"
        );
        let e = SecurityDescriptor::from_yaml_str("a: b: c", "x.yaml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.yaml:1:5: invalid YAML: mapping values are not allowed in this context"
        );
    }

    #[test]
    fn parse_security_block_from_value() {
        let v: Value = serde_yaml_ng::from_str("sbom: {scope: everything}").unwrap();
        assert_eq!(
            parse_security_block(&v).unwrap_err().to_string(),
            "security.sbom.scope: invalid value 'everything' (valid: squashed, all-layers)"
        );
        let v: Value = serde_yaml_ng::from_str("sbom: {scope: all-layers}").unwrap();
        assert!(parse_security_block(v).unwrap().sbom_enabled());
        assert_eq!(
            parse_security_block_in(&Value::Null, "x").unwrap(),
            SecurityDescriptor::default()
        );
    }

    #[test]
    fn serializes_back_to_camel_case() {
        let sd = SecurityDescriptor::from_yaml_str(SEED_CLIENT_YAML, "c").unwrap();
        let json = serde_json::to_value(&sd).unwrap();
        assert_eq!(json["scan"]["tools"][0]["failOn"], "critical");
        assert_eq!(
            json["signing"]["verify"]["identityRegexp"],
            "^https://github.com/myorg/.*$"
        );
        let back: SecurityDescriptor = serde_json::from_value(json).unwrap();
        assert_eq!(back, sd);
    }
}
