//! Ignore files: vulnerability IDs a team has decided not to report, each with
//! a reason and, usually, an expiry date.
//!
//! Two formats, told apart by name (`.yaml`/`.yml`) or by a first key
//! `vulnerabilities:`:
//!
//! ```yaml
//! # .sc-ignore.yaml
//! vulnerabilities:
//!   - id: CVE-2023-5678            # or a GHSA/OSV ID; aliases match too
//!     package: openssl             # optional: a package name or a purl (pkg:deb/debian/openssl)
//!     reason: DH parameters are never read from untrusted peers
//!     expires: 2026-12-31          # optional: from this day on the entry no longer suppresses
//! ```
//!
//! and Trivy's plain `.trivyignore`, one ID per line, `exp:YYYY-MM-DD` to
//! expire; the reason is the comment after the ID or the comment block above it:
//!
//! ```text
//! # pyyaml is only used with yaml.safe_load
//! CVE-2020-14343  exp:2026-12-31
//! CVE-2023-5678   # DH parameters are never read from untrusted peers
//! ```
//!
//! Every entry must give a reason: an entry without one is an error naming the
//! file and the entry, so suppressions stay reviewable. An expired entry is not
//! an error: it stops suppressing and the policy warns about it.

use std::fmt;

use serde_yaml_ng::{Mapping, Value};
use time::Date;

use super::date_opt;
use super::purl::Purl;
use crate::scan::Finding;

/// One parsed ignore file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreFile {
    /// The file as given (for messages and suppression records).
    pub source: String,
    /// Its entries, in file order.
    pub rules: Vec<IgnoreRule>,
}

/// One entry of an ignore file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    /// Vulnerability ID (matches a finding's ID or one of its aliases, case-insensitively).
    pub id: String,
    /// Only for this package: a name (case-insensitive), or a purl (without version: any version).
    pub package: Option<String>,
    /// Why the finding is safe to ignore.
    pub reason: String,
    /// From this day on the entry no longer suppresses.
    pub expires: Option<Date>,
    /// Where it is: `vulnerabilities[2]` or `line 7`.
    pub entry: String,
}

/// An invalid ignore file: every problem found, each naming its entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct IgnoreFileError {
    /// The file as given.
    pub file: String,
    /// One message per problem, e.g. `vulnerabilities[1] (CVE-2023-5678): missing reason: ...`.
    pub problems: Vec<String>,
}

impl fmt::Display for IgnoreFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{}: {one}", self.file),
            many => {
                write!(f, "{}: {} problems:", self.file, many.len())?;
                for p in many {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
        }
    }
}

const MISSING_REASON: &str = "missing reason: every ignore entry must say why the finding is safe to ignore (reason: \"...\")";

impl IgnoreFile {
    /// Parse `text`, read from `source`: YAML when `source` ends in `.yaml`/`.yml`
    /// or the text starts with a `vulnerabilities:` key, `.trivyignore` otherwise.
    pub fn parse(source: &str, text: &str) -> Result<IgnoreFile, IgnoreFileError> {
        let lower = source.to_ascii_lowercase();
        let yaml_name = lower.ends_with(".yaml") || lower.ends_with(".yml");
        let yaml_text = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#') && l != &"---")
            .is_some_and(|l| l.starts_with("vulnerabilities:"));
        if yaml_name || yaml_text {
            Self::parse_yaml(source, text)
        } else {
            Self::parse_trivyignore(source, text)
        }
    }

    /// Parse the YAML format.
    pub fn parse_yaml(source: &str, text: &str) -> Result<IgnoreFile, IgnoreFileError> {
        let fail = |problems: Vec<String>| IgnoreFileError {
            file: source.to_string(),
            problems,
        };
        let value: Value =
            serde_yaml_ng::from_str(text).map_err(|e| fail(vec![format!("invalid YAML: {e}")]))?;
        let entries = match &value {
            Value::Null => return Ok(IgnoreFile::empty(source)),
            Value::Mapping(top) => {
                let mut problems = Vec::new();
                for key in top.keys() {
                    if key.as_str() != Some("vulnerabilities") {
                        problems.push(format!(
                            "unknown key `{}` (an ignore file has one key: vulnerabilities)",
                            key_text(key)
                        ));
                    }
                }
                if !problems.is_empty() {
                    return Err(fail(problems));
                }
                match top.get("vulnerabilities") {
                    None | Some(Value::Null) => return Ok(IgnoreFile::empty(source)),
                    Some(Value::Sequence(seq)) => seq,
                    Some(_) => {
                        return Err(fail(vec![
                            "vulnerabilities: expected a list of entries (- id: CVE-...)".into(),
                        ]))
                    }
                }
            }
            _ => {
                return Err(fail(vec![
                    "expected a mapping with a `vulnerabilities:` list".into(),
                ]))
            }
        };

        let mut rules = Vec::new();
        let mut problems = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let at = format!("vulnerabilities[{i}]");
            match entry.as_mapping() {
                Some(m) => match yaml_rule(m, &at) {
                    Ok(rule) => rules.push(rule),
                    Err(mut p) => problems.append(&mut p),
                },
                None => problems.push(format!(
                    "{at}: expected a mapping with id, reason and optionally package, expires"
                )),
            }
        }
        if problems.is_empty() {
            Ok(IgnoreFile {
                source: source.to_string(),
                rules,
            })
        } else {
            Err(fail(problems))
        }
    }

    /// Parse Trivy's plain `.trivyignore` format.
    pub fn parse_trivyignore(source: &str, text: &str) -> Result<IgnoreFile, IgnoreFileError> {
        let mut rules = Vec::new();
        let mut problems = Vec::new();
        let mut block: Vec<String> = Vec::new();
        let mut last_was_entry = false;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() {
                block.clear();
                last_was_entry = false;
                continue;
            }
            if let Some(comment) = line.strip_prefix('#') {
                if last_was_entry {
                    block.clear();
                }
                let comment = comment.trim();
                if !comment.is_empty() {
                    block.push(comment.to_string());
                }
                last_was_entry = false;
                continue;
            }
            last_was_entry = true;
            let entry = format!("line {}", n + 1);
            let (body, inline) = match line.split_once(" #").or_else(|| line.split_once("\t#")) {
                Some((b, c)) => (b, Some(c.trim().trim_start_matches('#').trim())),
                None => (line, None),
            };
            let mut fields = body.split_whitespace();
            let id = fields.next().unwrap_or_default().to_string();
            let mut expires = None;
            let mut ok = true;
            for field in fields {
                match field.strip_prefix("exp:") {
                    Some(d) => match date_opt::parse(d) {
                        Some(d) => expires = Some(d),
                        None => {
                            ok = false;
                            problems.push(format!(
                                "{entry} ({id}): invalid expiry '{field}' (use exp:YYYY-MM-DD)"
                            ));
                        }
                    },
                    None => {
                        ok = false;
                        problems.push(format!(
                            "{entry} ({id}): unexpected '{field}' (a line is an ID, optionally exp:YYYY-MM-DD, then # reason)"
                        ));
                    }
                }
            }
            let reason = inline
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .or_else(|| (!block.is_empty()).then(|| block.join(" ")));
            let Some(reason) = reason else {
                problems.push(format!(
                    "{entry} ({id}): missing reason: write why the finding is safe to ignore as a comment after the ID (`{id}  # reason`) or on the line above"
                ));
                continue;
            };
            if ok {
                rules.push(IgnoreRule {
                    id,
                    package: None,
                    reason,
                    expires,
                    entry,
                });
            }
        }
        if problems.is_empty() {
            Ok(IgnoreFile {
                source: source.to_string(),
                rules,
            })
        } else {
            Err(IgnoreFileError {
                file: source.to_string(),
                problems,
            })
        }
    }

    fn empty(source: &str) -> IgnoreFile {
        IgnoreFile {
            source: source.to_string(),
            rules: Vec::new(),
        }
    }

    /// The first entry that suppresses `finding` on `today` (expired entries never do).
    pub fn matching(&self, finding: &Finding, today: Date) -> Option<&IgnoreRule> {
        self.rules
            .iter()
            .find(|r| !r.is_expired(today) && r.matches(finding))
    }
}

impl IgnoreRule {
    /// Whether the entry has expired on `today` (it suppresses until the day before `expires`).
    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|e| today >= e)
    }

    /// Whether the entry names `finding`, ignoring expiry.
    pub fn matches(&self, finding: &Finding) -> bool {
        if !finding.is_known_as(&self.id) {
            return false;
        }
        let Some(package) = &self.package else {
            return true;
        };
        match Purl::parse(package) {
            Some(pattern) => finding
                .purl
                .as_deref()
                .and_then(Purl::parse)
                .is_some_and(|p| pattern.matches(&p)),
            None => finding.vulnerability.package.eq_ignore_ascii_case(package),
        }
    }

    /// `CVE-2023-5678` or `CVE-2023-5678 in openssl`.
    pub fn describe_target(&self) -> String {
        match &self.package {
            Some(p) => format!("{} in {p}", self.id),
            None => self.id.clone(),
        }
    }
}

fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_yaml_ng::to_string(other)
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "?".into()),
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn yaml_rule(m: &Mapping, at: &str) -> Result<IgnoreRule, Vec<String>> {
    let id = m.get("id").and_then(scalar_text).filter(|s| !s.is_empty());
    let label = match &id {
        Some(id) => format!("{at} ({id})"),
        None => at.to_string(),
    };
    let mut problems = Vec::new();
    for key in m.keys() {
        let k = key_text(key);
        let hint = match k.as_str() {
            "id" | "package" | "reason" | "expires" => continue,
            "statement" => " (sc calls it `reason`)",
            "expired_at" | "expiry" | "expiration" | "until" => " (sc calls it `expires`)",
            "purls" | "purl" | "paths" | "packages" => {
                " (sc matches one `package`: a name or a purl; write one entry per package)"
            }
            _ => " (valid: id, package, reason, expires)",
        };
        problems.push(format!("{label}: unknown field `{k}`{hint}"));
    }
    if id.is_none() {
        problems.push(format!(
            "{label}: missing id (the vulnerability ID to ignore, e.g. CVE-2023-5678)"
        ));
    } else if id
        .as_deref()
        .is_some_and(|i| i.contains(char::is_whitespace))
    {
        problems.push(format!("{label}: id must be one vulnerability ID"));
    }
    let reason = m
        .get("reason")
        .and_then(scalar_text)
        .filter(|s| !s.is_empty());
    if reason.is_none() {
        problems.push(format!("{label}: {MISSING_REASON}"));
    }
    let package = match m.get("package") {
        None | Some(Value::Null) => None,
        Some(v) => match scalar_text(v).filter(|s| !s.is_empty()) {
            Some(p) => Some(p),
            None => {
                problems.push(format!("{label}: package must be a package name or a purl"));
                None
            }
        },
    };
    let expires = match m.get("expires") {
        None | Some(Value::Null) => None,
        Some(v) => match scalar_text(v).as_deref().and_then(date_opt::parse) {
            Some(d) => Some(d),
            None => {
                problems.push(format!(
                    "{label}: expires must be a date YYYY-MM-DD, got '{}'",
                    scalar_text(v).unwrap_or_else(|| key_text(v))
                ));
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(IgnoreRule {
        id: id.unwrap_or_default(),
        package,
        reason: reason.unwrap_or_default(),
        expires,
        entry: at.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Vulnerability;
    use crate::Severity;
    use time::macros::date;

    fn finding(id: &str, package: &str, purl: Option<&str>, aliases: &[&str]) -> Finding {
        Finding {
            vulnerability: Vulnerability {
                id: id.into(),
                severity: Severity::High,
                package: package.into(),
                version: "1".into(),
                ..Default::default()
            },
            purl: purl.map(Into::into),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn yaml_entries_with_package_scope_and_expiry() {
        let f = IgnoreFile::parse(
            ".sc-ignore.yaml",
            r#"
# accepted risks, reviewed 2026-04
vulnerabilities:
  - id: CVE-2023-5678
    package: openssl
    reason: DH parameters are never read from untrusted peers
    expires: 2026-12-31
  - id: GHSA-j8r2-6x86-q33q
    package: pkg:pypi/requests
    reason: "no proxies are configured in production"
  - id: CVE-2020-14343
    reason: only yaml.safe_load is used
    expires: 2025-01-01
"#,
        )
        .unwrap();
        assert_eq!(f.rules.len(), 3);
        assert_eq!(f.rules[0].expires, Some(date!(2026 - 12 - 31)));
        assert_eq!(f.rules[1].entry, "vulnerabilities[1]");
        let today = date!(2026 - 05 - 01);

        let openssl = finding("CVE-2023-5678", "openssl", None, &[]);
        let libssl = finding("CVE-2023-5678", "libssl3", None, &[]);
        assert_eq!(
            f.matching(&openssl, today).unwrap().entry,
            "vulnerabilities[0]"
        );
        assert!(f.matching(&libssl, today).is_none());
        let upper = finding("CVE-2023-5678", "OpenSSL", None, &[]);
        assert!(f.matching(&upper, today).is_some());
        // The day of expiry no longer suppresses.
        assert!(f.matching(&openssl, date!(2026 - 12 - 31)).is_none());
        assert!(f.matching(&openssl, date!(2026 - 12 - 30)).is_some());

        // By alias and by purl without version.
        let requests = finding(
            "CVE-2023-32681",
            "requests",
            Some("pkg:pypi/requests@2.25.1"),
            &["GHSA-j8r2-6x86-q33q"],
        );
        assert!(f.matching(&requests, today).is_some());
        let no_purl = finding("CVE-2023-32681", "requests", None, &["GHSA-j8r2-6x86-q33q"]);
        assert!(f.matching(&no_purl, today).is_none());

        // Expired.
        let pyyaml = finding("CVE-2020-14343", "pyyaml", None, &[]);
        assert!(f.rules[2].is_expired(today));
        assert!(f.matching(&pyyaml, today).is_none());
    }

    #[test]
    fn missing_reason_names_file_and_entry() {
        let err = IgnoreFile::parse(
            "security/.sc-ignore.yaml",
            "vulnerabilities:\n  - id: CVE-2023-5363\n    reason: fixed upstream, image rebuild pending\n  - id: CVE-2023-5678\n    package: openssl\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "security/.sc-ignore.yaml: vulnerabilities[1] (CVE-2023-5678): missing reason: every ignore entry must say why the finding is safe to ignore (reason: \"...\")"
        );
    }

    #[test]
    fn all_problems_at_once_with_hints() {
        let err = IgnoreFile::parse(
            "ignore.yml",
            "vulnerabilities:\n  - id: CVE-1\n    statement: accepted\n    expired_at: 2026-01-01\n  - reason: x\n  - id: CVE-3\n    reason: y\n    expires: next year\n  - CVE-4\n",
        )
        .unwrap_err();
        assert_eq!(
            err.problems,
            [
                "vulnerabilities[0] (CVE-1): unknown field `statement` (sc calls it `reason`)",
                "vulnerabilities[0] (CVE-1): unknown field `expired_at` (sc calls it `expires`)",
                "vulnerabilities[0] (CVE-1): missing reason: every ignore entry must say why the finding is safe to ignore (reason: \"...\")",
                "vulnerabilities[1]: missing id (the vulnerability ID to ignore, e.g. CVE-2023-5678)",
                "vulnerabilities[2] (CVE-3): expires must be a date YYYY-MM-DD, got 'next year'",
                "vulnerabilities[3]: expected a mapping with id, reason and optionally package, expires",
            ]
        );
        assert!(err
            .to_string()
            .starts_with("ignore.yml: 6 problems:\n  vulnerabilities[0]"));

        let top = IgnoreFile::parse("i.yaml", "misconfigurations: []\n").unwrap_err();
        assert_eq!(
            top.to_string(),
            "i.yaml: unknown key `misconfigurations` (an ignore file has one key: vulnerabilities)"
        );
        assert!(IgnoreFile::parse("i.yaml", "").unwrap().rules.is_empty());
        assert!(IgnoreFile::parse("i.yaml", "vulnerabilities:\n")
            .unwrap()
            .rules
            .is_empty());
    }

    #[test]
    fn trivyignore_format() {
        let f = IgnoreFile::parse(
            ".trivyignore",
            "# pyyaml is only used with yaml.safe_load\n# (reviewed by security)\nCVE-2020-14343\nCVE-2017-18342  exp:2027-01-01\n\nCVE-2023-5678   # DH parameters are never read from peers\nCVE-2023-5363 exp:2026-06-01 # rebuild pending\n",
        )
        .unwrap();
        let got: Vec<_> = f
            .rules
            .iter()
            .map(|r| {
                (
                    r.id.as_str(),
                    r.reason.as_str(),
                    r.expires,
                    r.entry.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "CVE-2020-14343",
                    "pyyaml is only used with yaml.safe_load (reviewed by security)",
                    None,
                    "line 3"
                ),
                (
                    "CVE-2017-18342",
                    "pyyaml is only used with yaml.safe_load (reviewed by security)",
                    Some(date!(2027 - 01 - 01)),
                    "line 4"
                ),
                (
                    "CVE-2023-5678",
                    "DH parameters are never read from peers",
                    None,
                    "line 6"
                ),
                (
                    "CVE-2023-5363",
                    "rebuild pending",
                    Some(date!(2026 - 06 - 01)),
                    "line 7"
                ),
            ]
        );
    }

    #[test]
    fn trivyignore_without_reason_or_with_bad_expiry() {
        let err = IgnoreFile::parse(
            ".trivyignore",
            "CVE-2020-14343\n# ok\nCVE-2023-5678 exp:2026-13-01\n",
        )
        .unwrap_err();
        assert_eq!(
            err.problems,
            [
                "line 1 (CVE-2020-14343): missing reason: write why the finding is safe to ignore as a comment after the ID (`CVE-2020-14343  # reason`) or on the line above",
                "line 3 (CVE-2023-5678): invalid expiry 'exp:2026-13-01' (use exp:YYYY-MM-DD)",
            ]
        );
    }

    #[test]
    fn a_yaml_file_without_yaml_name_is_recognized() {
        let f = IgnoreFile::parse(
            "ignores",
            "# team ignores\nvulnerabilities:\n  - {id: CVE-1, reason: test}\n",
        )
        .unwrap();
        assert_eq!(f.rules[0].id, "CVE-1");
    }
}
