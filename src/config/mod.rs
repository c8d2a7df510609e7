//! Configuration: the `security:` block ([`SecurityDescriptor`]), stack files
//! with inheritance ([`load_stack`]), and their JSON Schema.
//!
//! Data comes from YAML written by users: a stack's
//! `.sc/stacks/<stack>/client.yaml`, the parents it `uses:` in
//! `.sc/parent-stacks/`, or a standalone block given on the command line.
//!
//! ```
//! use sc::config::SecurityDescriptor;
//! let sd = SecurityDescriptor::from_yaml_str(
//!     "scan:\n  tools:\n    - name: grype\n      failOn: critical\n",
//!     "client.yaml",
//! ).unwrap();
//! assert!(sd.scan_enabled() && !sd.signing_enabled());
//! sd.validate().unwrap();
//! ```
//!
//! Inside: `descriptor` (the types, their defaults and accessors), `values`
//! (closed name sets, key references, durations), `parse` (YAML to types, with
//! errors naming file, line, column and field path), `validate` (checks across
//! fields, returning every problem at once), [`merge`] (child-over-parent
//! merging of YAML values) and `stack` (stack files, `uses:` chains and
//! per-image overrides).
//!
//! What this module does not do: read keys, contact registries or Sigstore,
//! look at the environment, or decide what to run — the executor does, using
//! the accessors here (`signing_enabled()`, `effective_fail_on()`, …).

mod descriptor;
mod error;
pub mod merge;
mod parse;
mod stack;
mod validate;
mod values;

pub use descriptor::{
    AttachConfig, OutputConfig, ProvenanceConfig, SbomConfig, ScanConfig, ScanToolConfig,
    SecurityDescriptor, SigningConfig, VerifyConfig, DEFAULT_PASSWORD_ENV,
};
pub use error::{ConfigError, Location, Problem};
pub use parse::{parse_security_block, parse_security_block_in};
pub use stack::{load_stack, EnvironmentConfig, ImageEntry, ResolvedStack, StackConfig, SC_DIR};
pub use values::{
    is_env_var_name, parse_duration, InvalidValue, KeyRef, ProvenanceFormat, SbomFormat, SbomScope,
    ScanTool,
};

/// JSON Schema of a stack file ([`StackConfig`], including the `security:` block).
pub fn json_schema() -> serde_json::Value {
    schemars::schema_for!(StackConfig).to_value()
}

/// JSON Schema of the `security:` block ([`SecurityDescriptor`]).
pub fn security_json_schema() -> serde_json::Value {
    schemars::schema_for!(SecurityDescriptor).to_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(v: &'a serde_json::Value, pointer: &str) -> &'a serde_json::Value {
        v.pointer(pointer)
            .unwrap_or_else(|| panic!("no {pointer} in {v:#}"))
    }

    fn enum_values(schema: &serde_json::Value, def: &str) -> Vec<String> {
        let d = find(schema, &format!("/$defs/{def}"));
        if let Some(e) = d.get("enum") {
            return e
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
        }
        find(d, "/oneOf")
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|v| {
                v.get("const")
                    .map(|c| vec![c.clone()])
                    .or_else(|| v.get("enum").and_then(|e| e.as_array().cloned()))
                    .unwrap_or_default()
            })
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn security_schema_has_descriptions_and_enum_values() {
        let s = security_json_schema();
        let desc = find(&s, "/properties/enabled/description")
            .as_str()
            .unwrap();
        assert!(desc.starts_with("Master switch."), "{desc}");
        assert_eq!(find(&s, "/additionalProperties"), &serde_json::json!(false));
        let fail_on = find(&s, "/$defs/ScanToolConfig/properties/failOn/description");
        assert!(fail_on.as_str().unwrap().contains("severity"));
        assert_eq!(
            enum_values(&s, "SbomFormat"),
            [
                "cyclonedx-json",
                "cyclonedx-xml",
                "spdx-json",
                "spdx-tag-value",
                "sc-json"
            ]
        );
        assert_eq!(enum_values(&s, "ScanTool"), ["sc", "grype", "trivy"]);
        assert_eq!(enum_values(&s, "SbomScope"), ["squashed", "all-layers"]);
        assert_eq!(
            enum_values(&s, "Severity"),
            ["unknown", "negligible", "low", "medium", "high", "critical"]
        );
        let text = s.to_string();
        assert!(text.contains("passwordEnv") && text.contains("COSIGN_PASSWORD"));
        assert!(!text.contains("\"password\""));
    }

    #[test]
    fn stack_schema_includes_security_and_environments() {
        let s = json_schema();
        assert!(find(&s, "/properties/uses/description")
            .as_str()
            .unwrap()
            .contains("parent-stacks"));
        assert!(find(&s, "/properties/security").is_object());
        assert!(find(&s, "/$defs/ImageEntry/properties/image/description")
            .as_str()
            .unwrap()
            .contains("docker-archive:FILE"));
        // Unknown top-level keys are allowed in stack files.
        assert_ne!(
            s.get("additionalProperties"),
            Some(&serde_json::json!(false))
        );
    }
}
