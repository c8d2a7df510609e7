//! Semantic validation of a [`SecurityDescriptor`] (the design's `ValidateConfig`).
//!
//! Parsing already guarantees types and closed value sets; this module checks
//! what depends on several fields: key material for key-based signing,
//! verification identities, threshold order, duplicate tools, URLs, regular
//! expressions and durations. Every problem is collected and returned at once.
//!
//! Requirements (such as `privateKey` when `keyless` is false) apply only to
//! sections that are effectively enabled; malformed values are reported even
//! in disabled sections. Nothing here touches files, the network or the
//! environment: whether a key file exists is checked when it is used.

use super::descriptor::{
    AttachConfig, ProvenanceConfig, SbomConfig, ScanConfig, SecurityDescriptor, SigningConfig,
    VerifyConfig,
};
use super::error::{ConfigError, Problem};
use super::values::{is_env_var_name, parse_duration, KeyRef};

impl SecurityDescriptor {
    /// Checks the configuration's meaning; returns every problem found as
    /// [`ConfigError::Invalid`], with paths starting at `security.`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let problems = self.problems("security");
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid {
                origin: String::new(),
                problems,
            })
        }
    }

    /// Every problem, with paths starting at `root` (e.g.
    /// `environments.prod.images[0].security`).
    pub fn problems(&self, root: &str) -> Vec<Problem> {
        let mut out = Problems {
            root,
            list: Vec::new(),
        };
        let on = self.is_enabled();
        if let Some(s) = &self.signing {
            signing(&mut out, s, on && s.is_enabled());
        }
        let signer = self.signing.is_some();
        if let Some(s) = &self.sbom {
            sbom(&mut out, s, on && s.is_enabled(), signer);
        }
        if let Some(p) = &self.provenance {
            provenance(&mut out, p, on && p.is_enabled(), signer);
        }
        if let Some(s) = &self.scan {
            scan(&mut out, s);
        }
        out.list
    }
}

struct Problems<'a> {
    root: &'a str,
    list: Vec<Problem>,
}

impl Problems<'_> {
    fn add(&mut self, path: &str, message: impl Into<String>) {
        self.list
            .push(Problem::new(format!("{}.{path}", self.root), message));
    }
}

fn set(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.trim().is_empty())
}

fn signing(out: &mut Problems, s: &SigningConfig, enabled: bool) {
    if enabled && !s.is_keyless() && set(&s.private_key).is_none() {
        out.add("signing.privateKey", "required when keyless is false");
    }
    key_ref(out, "signing.privateKey", &s.private_key);
    key_ref(out, "signing.publicKey", &s.public_key);
    if let Some(name) = &s.password_env {
        if !is_env_var_name(name) {
            out.add(
                "signing.passwordEnv",
                format!("invalid environment variable name '{name}' (expected [A-Za-z_][A-Za-z0-9_]*, e.g. COSIGN_PASSWORD)"),
            );
        }
    }
    http_url(out, "signing.fulcioUrl", &s.fulcio_url);
    http_url(out, "signing.rekorUrl", &s.rekor_url);
    if s.trusted_root
        .as_deref()
        .is_some_and(|p| p.trim().is_empty())
    {
        out.add("signing.trustedRoot", "must not be empty");
    }
    if enabled && s.is_keyless() && !s.tlog_upload() {
        out.add(
            "signing.tlogUpload",
            "cannot be false with keyless signing (a short-lived certificate is only verifiable through its transparency-log entry)",
        );
    }
    if let Some(v) = &s.verify {
        verify(out, v, s, enabled && v.is_enabled());
    }
}

fn verify(out: &mut Problems, v: &VerifyConfig, s: &SigningConfig, enabled: bool) {
    either(
        out,
        "signing.verify",
        ("oidcIssuer", &v.oidc_issuer),
        ("oidcIssuerRegexp", &v.oidc_issuer_regexp),
    );
    either(
        out,
        "signing.verify",
        ("identity", &v.identity),
        ("identityRegexp", &v.identity_regexp),
    );
    regexp(
        out,
        "signing.verify.oidcIssuerRegexp",
        &v.oidc_issuer_regexp,
    );
    regexp(out, "signing.verify.identityRegexp", &v.identity_regexp);
    key_ref(out, "signing.verify.publicKey", &v.public_key);
    if enabled && s.is_keyless() && set(&v.public_key).is_none() {
        if set(&v.identity).is_none() && set(&v.identity_regexp).is_none() {
            out.add(
                "signing.verify.identity",
                "required for keyless verification (set identity or identityRegexp)",
            );
        }
        if set(&v.oidc_issuer).is_none() && set(&v.oidc_issuer_regexp).is_none() {
            out.add(
                "signing.verify.oidcIssuer",
                "required for keyless verification (set oidcIssuer or oidcIssuerRegexp)",
            );
        }
    }
}

/// Exactly-one-of check for an exact value and its regexp form.
fn either(
    out: &mut Problems,
    base: &str,
    exact: (&str, &Option<String>),
    re: (&str, &Option<String>),
) {
    if set(exact.1).is_some() && set(re.1).is_some() {
        out.add(
            &format!("{base}.{}", re.0),
            format!("set either {} or {}, not both", exact.0, re.0),
        );
    }
}

fn key_ref(out: &mut Problems, path: &str, value: &Option<String>) {
    let Some(v) = value else { return };
    if v.contains("-----BEGIN") {
        out.add(
            path,
            "must be a file path or env://NAME, not the key itself (keys never belong in configuration)",
        );
        return;
    }
    match KeyRef::parse(v) {
        KeyRef::Env(name) if !is_env_var_name(&name) => out.add(
            path,
            format!("invalid environment variable name '{name}' in '{v}' (expected env://NAME with NAME matching [A-Za-z_][A-Za-z0-9_]*)"),
        ),
        // An empty privateKey is reported as "required" where one is needed.
        KeyRef::Path(_) if v.trim().is_empty() && !path.ends_with("signing.privateKey") => {
            out.add(path, "must not be empty");
        }
        _ => {}
    }
}

fn http_url(out: &mut Problems, path: &str, value: &Option<String>) {
    let Some(v) = value else { return };
    match url::Url::parse(v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => {}
        Ok(_) | Err(_) => out.add(
            path,
            format!("invalid URL '{v}' (expected http:// or https:// with a host)"),
        ),
    }
}

fn regexp(out: &mut Problems, path: &str, value: &Option<String>) {
    let Some(v) = value else { return };
    if let Err(e) = regex::Regex::new(v) {
        let first = e.to_string();
        let detail = first
            .lines()
            .last()
            .unwrap_or("")
            .trim()
            .trim_start_matches("error: ");
        out.add(path, format!("invalid regular expression '{v}': {detail}"));
    }
}

fn attach(out: &mut Problems, base: &str, a: &AttachConfig, enabled: bool, signer: bool) {
    if enabled && a.is_enabled() && a.sign() && !signer {
        out.add(
            &format!("{base}.attach.sign"),
            "signing the attestation needs a security.signing block (keyless: true or a privateKey); configure one or set sign: false",
        );
    }
}

fn sbom(out: &mut Problems, s: &SbomConfig, enabled: bool, signer: bool) {
    if let Some(a) = &s.attach {
        attach(out, "sbom", a, enabled, signer);
    }
    if let Some(o) = &s.output {
        if o.path.as_deref().is_some_and(|p| p.trim().is_empty()) {
            out.add("sbom.output.path", "must not be empty");
        }
    }
}

fn provenance(out: &mut Problems, p: &ProvenanceConfig, enabled: bool, signer: bool) {
    if let Some(id) = &p.builder_id {
        if url::Url::parse(id).is_err() {
            out.add(
                "provenance.builderId",
                format!("invalid builder id '{id}' (expected a URI, e.g. https://github.com/actions/runner)"),
            );
        }
    }
    if let Some(a) = &p.attach {
        attach(out, "provenance", a, enabled, signer);
    }
}

fn scan(out: &mut Problems, s: &ScanConfig) {
    if let (Some(w), Some(f)) = (s.warn_on, s.fail_on) {
        if w > f {
            out.add(
                "scan.warnOn",
                format!("'{w}' is more severe than failOn '{f}' (warnings must start at or below the failure threshold)"),
            );
        }
    }
    for (i, t) in s.tools.iter().enumerate() {
        if let Some(j) = s.tools[..i].iter().position(|u| u.name == t.name) {
            out.add(
                &format!("scan.tools[{i}].name"),
                format!("duplicate tool '{}' (also at tools[{j}])", t.name),
            );
        }
        if t.warn_on.is_none() && t.fail_on.is_none() {
            continue;
        }
        let (w, f) = (t.warn_on.or(s.warn_on), t.fail_on.or(s.fail_on));
        if let (Some(w), Some(f)) = (w, f) {
            if w > f {
                let (field, own) = if t.warn_on.is_some() {
                    ("warnOn", "")
                } else {
                    ("failOn", " (the block's warnOn applies)")
                };
                out.add(
                    &format!("scan.tools[{i}].{field}"),
                    format!("warnOn '{w}' is more severe than failOn '{f}'{own} (warnings must start at or below the failure threshold)"),
                );
            }
        }
    }
    if let Some(age) = &s.max_db_age {
        if let Err(msg) = parse_duration(age) {
            out.add("scan.maxDbAge", msg);
        }
    }
    for (i, v) in s.vex.iter().enumerate() {
        if v.trim().is_empty() {
            out.add(&format!("scan.vex[{i}]"), "must not be empty");
        }
    }
    if s.ignore_file
        .as_deref()
        .is_some_and(|p| p.trim().is_empty())
    {
        out.add("scan.ignoreFile", "must not be empty");
    }
    if s.db_path.as_deref().is_some_and(|p| p.trim().is_empty()) {
        out.add("scan.dbPath", "must not be empty");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        SecurityDescriptor::from_yaml_str(text, "c.yaml")
            .unwrap()
            .problems("security")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn key_based_signing_needs_a_private_key() {
        let sd = SecurityDescriptor::from_yaml_str("signing: {enabled: true}", "c").unwrap();
        assert_eq!(
            sd.validate().unwrap_err().to_string(),
            "security.signing.privateKey: required when keyless is false"
        );
        assert_eq!(
            problems("signing: {enabled: true, privateKey: ''}"),
            ["security.signing.privateKey: required when keyless is false"]
        );
        assert!(problems("signing: {privateKey: env://COSIGN_KEY}").is_empty());
        assert!(problems("signing: {enabled: false}").is_empty());
        assert!(problems("enabled: false\nsigning: {enabled: true}").is_empty());
    }

    #[test]
    fn key_material_and_env_names() {
        assert_eq!(
            problems("signing:\n  privateKey: \"-----BEGIN PRIVATE KEY-----\\nabc\"\n  passwordEnv: my-pass\n  publicKey: env://1x\n"),
            [
                "security.signing.privateKey: must be a file path or env://NAME, not the key itself (keys never belong in configuration)",
                "security.signing.publicKey: invalid environment variable name '1x' in 'env://1x' (expected env://NAME with NAME matching [A-Za-z_][A-Za-z0-9_]*)",
                "security.signing.passwordEnv: invalid environment variable name 'my-pass' (expected [A-Za-z_][A-Za-z0-9_]*, e.g. COSIGN_PASSWORD)",
            ]
        );
    }

    #[test]
    fn identity_and_regexp_are_exclusive() {
        let text = "signing:\n  keyless: true\n  verify:\n    oidcIssuer: https://token.actions.githubusercontent.com\n    identity: https://github.com/o/r/.github/workflows/release.yml@refs/heads/main\n    identityRegexp: ^https://github.com/o/.*$\n";
        assert_eq!(
            problems(text),
            ["security.signing.verify.identityRegexp: set either identity or identityRegexp, not both"]
        );
    }

    #[test]
    fn keyless_verify_needs_identity_and_issuer() {
        assert_eq!(
            problems("signing: {keyless: true, verify: {}}"),
            [
                "security.signing.verify.identity: required for keyless verification (set identity or identityRegexp)",
                "security.signing.verify.oidcIssuer: required for keyless verification (set oidcIssuer or oidcIssuerRegexp)",
            ]
        );
        assert!(problems("signing: {keyless: true, verify: {enabled: false}}").is_empty());
    }

    #[test]
    fn bad_regexp_url_and_tlog() {
        let p = problems("signing:\n  keyless: true\n  tlogUpload: false\n  rekorUrl: rekor.local\n  verify:\n    oidcIssuerRegexp: '^https://('\n    identity: me@example.com\n");
        assert_eq!(p.len(), 3, "{p:?}");
        assert_eq!(p[0], "security.signing.rekorUrl: invalid URL 'rekor.local' (expected http:// or https:// with a host)");
        assert_eq!(p[1], "security.signing.tlogUpload: cannot be false with keyless signing (a short-lived certificate is only verifiable through its transparency-log entry)");
        assert!(
            p[2].starts_with("security.signing.verify.oidcIssuerRegexp: invalid regular expression '^https://(': "),
            "{}",
            p[2]
        );
    }

    #[test]
    fn warn_on_above_fail_on() {
        assert_eq!(
            problems("scan: {failOn: high, warnOn: critical}"),
            ["security.scan.warnOn: 'critical' is more severe than failOn 'high' (warnings must start at or below the failure threshold)"]
        );
        assert_eq!(
            problems("scan:\n  tools:\n    - {name: grype, failOn: medium, warnOn: high}\n"),
            ["security.scan.tools[0].warnOn: warnOn 'high' is more severe than failOn 'medium' (warnings must start at or below the failure threshold)"]
        );
        assert_eq!(
            problems("scan:\n  warnOn: critical\n  tools:\n    - {name: sc, failOn: high}\n"),
            ["security.scan.tools[0].failOn: warnOn 'critical' is more severe than failOn 'high' (the block's warnOn applies) (warnings must start at or below the failure threshold)"]
        );
        assert!(problems("scan: {failOn: high, warnOn: high}").is_empty());
    }

    #[test]
    fn all_problems_are_returned_together() {
        let text = "signing: {enabled: true}\nsbom: {attach: {enabled: true}}\nprovenance: {builderId: 'not a uri', attach: {sign: false}}\nscan:\n  maxDbAge: 7days\n  tools:\n    - name: grype\n    - name: trivy\n    - name: grype\n";
        let sd = SecurityDescriptor::from_yaml_str(text, "c.yaml").unwrap();
        let err = sd.validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid configuration (4 problems):\n  \
             security.signing.privateKey: required when keyless is false\n  \
             security.provenance.builderId: invalid builder id 'not a uri' (expected a URI, e.g. https://github.com/actions/runner)\n  \
             security.scan.tools[2].name: duplicate tool 'grype' (also at tools[0])\n  \
             security.scan.maxDbAge: invalid duration '7days' (use a number and a unit s, m, h, d or w: 30m, 24h, 7d)"
        );
        assert_eq!(err.problems().len(), 4);
    }

    #[test]
    fn attestation_signing_needs_a_signer() {
        assert_eq!(
            problems("sbom: {attach: {enabled: true}}"),
            ["security.sbom.attach.sign: signing the attestation needs a security.signing block (keyless: true or a privateKey); configure one or set sign: false"]
        );
        assert!(problems("sbom: {attach: {sign: false}}").is_empty());
        assert!(problems("signing: {keyless: true}\nsbom: {attach: {}}").is_empty());
    }

    #[test]
    fn durations_are_accepted() {
        assert!(problems("scan: {maxDbAge: 24h}").is_empty());
        let sd = SecurityDescriptor::from_yaml_str("scan: {maxDbAge: 7d}", "c").unwrap();
        assert_eq!(
            sd.scan.unwrap().max_db_age(),
            Some(std::time::Duration::from_secs(7 * 86_400))
        );
    }
}
