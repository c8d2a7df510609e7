//! Matching installed packages against the database, with OSV's semantics.
//!
//! For each [`PackageQuery`] the matcher looks up the records indexed under
//! the package's normalized (ecosystem, name) — for distribution packages the
//! *source* package and the release ecosystem (`Debian:12`) — and evaluates
//! every `affected[]` entry for that package exactly as the OSV schema's
//! `IsVulnerable` pseudocode does:
//!
//! * `ECOSYSTEM` ranges use the ecosystem's own version order (`sc-version`);
//!   `SEMVER` ranges use SemVer 2.0 (the ecosystem's order for npm, Go and
//!   crates.io, which are SemVer-compatible);
//! * events are sorted by version (`introduced: "0"` first) and replayed:
//!   `introduced` ≤ v turns the range on, `fixed` ≤ v and `last_affected` < v
//!   turn it off; `limit` events cap the range (`"*"` is infinity);
//! * a version listed in `versions` is affected whatever the ranges say;
//! * `GIT` ranges (and range types this build does not know) are skipped —
//!   the record's other ranges and its `versions` list still count;
//! * withdrawn records never match;
//! * a range with a version the ecosystem rejects (in the record or the
//!   query) is skipped with a [`MatchWarning`]; nothing panics.
//!
//! Records about the same vulnerability are merged into one [`Finding`] per
//! package: records are grouped when one's id appears among another's
//! `aliases` (transitively), or is the single id of a downstream record's
//! `upstream` list (a Debian `DEBIAN-CVE-…` record and its CVE). `related`
//! never merges. The finding's primary id is chosen deterministically:
//! the CVE id if the group has one (the lowest, if several), else a GHSA id,
//! else the smallest record id — so GHSA-x + PYSEC-y + CVE-z report once as
//! CVE-z with the others as aliases. Its severity is the highest among the
//! group's records (see [`severity`](super::severity)); when none has one,
//! a stored package-less record of one of its other ids (the CVE's, with
//! NVD's vector) supplies it.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use sc_version::Ecosystem;
use serde::{Deserialize, Serialize};

use super::error::DbError;
use super::names;
use super::osv::{Affected, Event, OsvRecord, Range, RangeType};
use super::severity::{rate_record, CvssScore, Rating, SeveritySource};
use super::store::Database;
use crate::severity::Severity;

/// One installed package to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PackageQuery {
    /// OSV ecosystem, with the release for distribution packages
    /// (`Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04:LTS`, `PyPI`, `npm`, `Go`).
    /// When empty, it is derived from `purl`.
    pub ecosystem: String,
    /// Package name as the ecosystem spells it (Maven: `groupId:artifactId`;
    /// Go: the module path, `stdlib` for the standard library).
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Source package of a distribution package (dpkg `Source:`, apk origin);
    /// distribution advisories are written against source packages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// Source version, when it differs from the binary version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// Package URL, used when `ecosystem` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

impl PackageQuery {
    /// A query for `name` `version` in `ecosystem`.
    pub fn new(ecosystem: &str, name: &str, version: &str) -> PackageQuery {
        PackageQuery {
            ecosystem: ecosystem.into(),
            name: name.into(),
            version: version.into(),
            ..PackageQuery::default()
        }
    }

    /// Sets the source package (distribution packages).
    pub fn with_source(mut self, name: &str, version: Option<&str>) -> PackageQuery {
        self.source_name = Some(name.into());
        self.source_version = version.map(Into::into);
        self
    }

    /// A query from a package URL with a version (`pkg:pypi/requests@2.19.1`,
    /// `pkg:deb/debian/libssl3@3.0.11-1~deb12u2?distro=debian-12&upstream=openssl`,
    /// `pkg:apk/alpine/busybox@1.36.1-r15?distro=3.19.1`). `None` for purl
    /// types with no OSV ecosystem, or without a version.
    pub fn from_purl(purl: &str) -> Option<PackageQuery> {
        let rest = purl.strip_prefix("pkg:")?;
        let rest = rest.split('#').next().unwrap_or(rest);
        let (path, qualifiers) = match rest.split_once('?') {
            Some((p, q)) => (p, q),
            None => (rest, ""),
        };
        let (path, version) = path.rsplit_once('@')?;
        let quals: BTreeMap<String, String> = qualifiers
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_ascii_lowercase(), percent_decode(v)))
            .collect();
        let mut segs: Vec<String> = path.split('/').map(percent_decode).collect();
        let ty = segs.remove(0).to_ascii_lowercase();
        let name = segs.pop()?;
        let ns = segs.join("/");
        let version = percent_decode(version);
        let (ecosystem, name) = match ty.as_str() {
            "pypi" => ("PyPI".to_string(), name),
            "npm" if ns.is_empty() => ("npm".into(), name),
            "npm" => ("npm".into(), format!("{ns}/{name}")),
            "golang" if ns.is_empty() => ("Go".into(), name),
            "golang" => ("Go".into(), format!("{ns}/{name}")),
            "maven" => ("Maven".into(), format!("{ns}:{name}")),
            "cargo" => ("crates.io".into(), name),
            "gem" => ("RubyGems".into(), name),
            "nuget" => ("NuGet".into(), name),
            "composer" => ("Packagist".into(), format!("{ns}/{name}")),
            "deb" | "apk" => {
                let distro = quals.get("distro").map(String::as_str).unwrap_or("");
                let vendor = ns.to_ascii_lowercase();
                let base = match (ty.as_str(), vendor.as_str()) {
                    ("deb", "ubuntu") => "Ubuntu",
                    ("deb", _) => "Debian",
                    ("apk", "wolfi") => "Wolfi",
                    ("apk", "chainguard") => "Chainguard",
                    _ => "Alpine",
                };
                let release = distro.rsplit('-').next().unwrap_or("");
                let eco = if release.is_empty() || base == "Wolfi" || base == "Chainguard" {
                    base.to_string()
                } else {
                    format!("{base}:{release}")
                };
                (eco, name)
            }
            _ => return None,
        };
        let mut q = PackageQuery::new(&ecosystem, &name, &version);
        q.purl = Some(purl.to_string());
        if let Some(up) = quals.get("upstream") {
            // `upstream=openssl` or `upstream=glibc@2.36-9+deb12u4`
            let (n, v) = match up.split_once('@') {
                Some((n, v)) => (n, Some(v)),
                None => (up.as_str(), None),
            };
            q = q.with_source(n, v);
        }
        Some(q)
    }

    /// (ecosystem, name to look up, version to compare) after applying the
    /// distribution source-package rule and the purl fallback.
    fn resolved(&self) -> Option<(String, String, String)> {
        let from_purl;
        let q = if self.ecosystem.trim().is_empty() {
            from_purl = PackageQuery::from_purl(self.purl.as_deref()?)?;
            &from_purl
        } else {
            self
        };
        let eco = names::normalize_ecosystem(&q.ecosystem);
        if is_distro(&eco) {
            let name = q
                .source_name
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| q.name.clone());
            let version = q
                .source_version
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| q.version.clone());
            Some((eco, name, version))
        } else {
            Some((eco, q.name.clone(), q.version.clone()))
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(x) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(x);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_distro(eco: &str) -> bool {
    matches!(
        Ecosystem::from_osv(eco),
        Ecosystem::Debian | Ecosystem::Ubuntu | Ecosystem::Alpine | Ecosystem::Rpm
    )
}

/// The ecosystem's version as a query or event string normalizes it for
/// comparison (Go toolchain versions `go1.21rc2` → `1.21.0-rc.2`).
fn normalize_version(eco: Ecosystem, v: &str) -> String {
    let v = v.trim();
    if eco == Ecosystem::Go {
        if let Some(rest) = v
            .strip_prefix("go")
            .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        {
            // go1.21rc2 → 1.21.0-rc.2 ; go1.19 → 1.19.0
            let split = rest
                .find(|c: char| c.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            let (num, pre) = rest.split_at(split);
            let mut num = num.to_string();
            if num.matches('.').count() == 1 {
                num.push_str(".0");
            }
            if pre.is_empty() {
                return num;
            }
            let digits = pre.find(|c: char| c.is_ascii_digit()).unwrap_or(pre.len());
            let (word, n) = pre.split_at(digits);
            return if n.is_empty() {
                format!("{num}-{word}")
            } else {
                format!("{num}-{word}.{n}")
            };
        }
    }
    v.to_string()
}

/// How one record's range matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedRange {
    /// The record.
    pub record_id: String,
    /// `ECOSYSTEM`, `SEMVER`, or `versions` (listed explicitly).
    pub range_type: String,
    /// The `introduced` event that opened the interval holding the version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    /// The `fixed` event that closes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// The `last_affected` event that closes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
}

/// The package a finding is about, as the record names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRef {
    /// Ecosystem as written in the record (`Debian:12`).
    pub ecosystem: String,
    /// Name as written in the record (the source package for distributions).
    pub name: String,
}

/// One vulnerability of one installed package (records about the same issue merged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Primary id (CVE if known; see the module docs).
    pub id: String,
    /// Every other id of the vulnerability: merged records and their aliases.
    pub aliases: Vec<String>,
    /// Ids of the records that matched.
    pub records: Vec<String>,
    /// The affected package as the records name it.
    pub package: PackageRef,
    /// The version that was compared (the source version for distribution packages).
    pub installed_version: String,
    /// Severity.
    pub severity: Severity,
    /// CVSS score behind the severity, if any.
    pub cvss: Option<CvssScore>,
    /// Where the severity came from.
    pub severity_source: SeveritySource,
    /// Versions that fix it, above the installed one, ascending (smallest upgrade first).
    pub fixed_versions: Vec<String>,
    /// One-line summary.
    pub summary: String,
    /// Longer description.
    pub details: String,
    /// Reference URLs, de-duplicated.
    pub references: Vec<String>,
    /// Which ranges matched, one per matching record.
    pub matched: Vec<MatchedRange>,
    /// Newest `modified` among the records.
    pub modified: String,
}

impl Finding {
    /// The smallest version that fixes this finding, if any.
    pub fn fixed_in(&self) -> Option<&str> {
        self.fixed_versions.first().map(String::as_str)
    }

    /// The scan-result form of this finding for the installed package
    /// `package_name` at `version` (the binary package and version, for
    /// distribution packages).
    pub fn to_vulnerability(
        &self,
        package_name: &str,
        version: &str,
    ) -> crate::scan::Vulnerability {
        let description = if self.summary.is_empty() {
            self.details.clone()
        } else {
            self.summary.clone()
        };
        crate::scan::Vulnerability {
            id: self.id.clone(),
            severity: self.severity,
            package: package_name.to_string(),
            version: version.to_string(),
            fixed_in: self.fixed_in().map(str::to_string),
            description,
            urls: self.references.clone(),
            cvss: self.cvss.as_ref().map(|c| crate::scan::Cvss {
                version: c.version.clone(),
                score: c.score,
                vector: c.vector.clone(),
            }),
        }
    }
}

/// Something the matcher skipped, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchWarning {
    /// The record concerned, if any.
    pub record_id: Option<String>,
    /// The package (`ecosystem/name`).
    pub package: String,
    /// What was skipped and why.
    pub message: String,
}

impl std::fmt::Display for MatchWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.record_id {
            Some(id) => write!(f, "{} ({}): {}", self.package, id, self.message),
            None => write!(f, "{}: {}", self.package, self.message),
        }
    }
}

/// Result of matching one package.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MatchResult {
    /// Findings, most severe first, then by id.
    pub findings: Vec<Finding>,
    /// What had to be skipped.
    pub warnings: Vec<MatchWarning>,
}

/// A version bound in a sorted event list.
#[derive(Debug, Clone)]
enum Bound {
    Zero,
    At(sc_version::Version),
    Infinity,
}

impl Bound {
    fn cmp_version(&self, v: &sc_version::Version) -> Ordering {
        // self compared to v
        match self {
            Bound::Zero => Ordering::Less,
            Bound::Infinity => Ordering::Greater,
            Bound::At(b) => sc_version::compare_parsed(b, v).unwrap_or(Ordering::Equal),
        }
    }
}

fn bound_cmp(a: &Bound, b: &Bound) -> Ordering {
    match (a, b) {
        (Bound::Zero, Bound::Zero) | (Bound::Infinity, Bound::Infinity) => Ordering::Equal,
        (Bound::Zero, _) | (_, Bound::Infinity) => Ordering::Less,
        (_, Bound::Zero) | (Bound::Infinity, _) => Ordering::Greater,
        (Bound::At(x), Bound::At(y)) => sc_version::compare_parsed(x, y).unwrap_or(Ordering::Equal),
    }
}

/// The ordering used for a range of `kind` in ecosystem `eco`, or why none.
fn ordering_for(kind: &RangeType, eco: Ecosystem) -> Result<Ecosystem, String> {
    match kind {
        RangeType::Ecosystem if eco.is_supported() => Ok(eco),
        RangeType::Ecosystem => Err("no version ordering is implemented for this ecosystem".into()),
        RangeType::Semver => Ok(match eco {
            Ecosystem::Npm | Ecosystem::Go | Ecosystem::CratesIo => eco,
            _ => Ecosystem::CratesIo,
        }),
        RangeType::Git => Err("GIT range (needs the repository's commit graph)".into()),
        RangeType::Other(t) => Err(format!("unknown range type {t:?}")),
    }
}

fn parse_for(
    order: Ecosystem,
    kind: &RangeType,
    s: &str,
) -> Result<sc_version::Version, sc_version::VersionError> {
    let s = normalize_version(order, s);
    let s = if *kind == RangeType::Semver {
        s.strip_prefix('v').unwrap_or(&s).to_string()
    } else {
        s
    };
    match sc_version::parse(order, &s) {
        Ok(v) => Ok(v),
        // Advisories write SemVer versions short (`"introduced": "1.0"` in
        // GHSA-r683-j2x4-v87g): read `1` and `1.0` as `1.0.0`, as node-semver's
        // coerce does, rather than drop the range.
        Err(e) if matches!(order, Ecosystem::Npm | Ecosystem::CratesIo) => {
            let parts = s.split('.').count();
            let numeric = !s.is_empty()
                && s.split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            if numeric && parts < 3 {
                let padded = format!("{s}{}", ".0".repeat(3 - parts));
                sc_version::parse(order, &padded).map_err(|_| e)
            } else {
                Err(e)
            }
        }
        Err(e) => Err(e),
    }
}

/// Evaluates one range. `Ok(None)`: not affected; `Ok(Some)`: affected, with
/// the interval; `Err`: the range cannot be evaluated (warning).
fn eval_range(
    range: &Range,
    order: Ecosystem,
    v: &sc_version::Version,
) -> Result<(Option<MatchedRange>, Vec<sc_version::Version>), String> {
    let mut events: Vec<(Bound, &Event)> = Vec::with_capacity(range.events.len());
    for e in &range.events {
        let s = e.version();
        let bound = match e {
            Event::Introduced(_) if sc_version::is_zero_introduced(s) => Bound::Zero,
            Event::Limit(_) if s.contains('*') => Bound::Infinity,
            _ => Bound::At(
                parse_for(order, &range.kind, s)
                    .map_err(|err| format!("{} event: {err}", e.kind()))?,
            ),
        };
        events.push((bound, e));
    }
    let limits: Vec<&Bound> = events
        .iter()
        .filter(|(_, e)| matches!(e, Event::Limit(_)))
        .map(|(b, _)| b)
        .collect();
    // v < limit for some limit (an implicit "*" when there is none)
    let before_limits =
        limits.is_empty() || limits.iter().any(|b| b.cmp_version(v) == Ordering::Greater);
    // fixed versions above v are upgrade targets whether or not v is affected
    let fixes: Vec<sc_version::Version> = events
        .iter()
        .filter_map(|(b, e)| match (b, e) {
            (Bound::At(f), Event::Fixed(_))
                if sc_version::compare_parsed(f, v) == Some(Ordering::Greater) =>
            {
                Some(f.clone())
            }
            _ => None,
        })
        .collect();
    if !before_limits {
        return Ok((None, fixes));
    }
    events.sort_by(|a, b| bound_cmp(&a.0, &b.0)); // stable: ties keep the record's order
    let mut affected = false;
    let mut opened_at = None;
    for (i, (b, e)) in events.iter().enumerate() {
        let c = b.cmp_version(v); // bound vs v
        match e {
            Event::Introduced(_) if c != Ordering::Greater => {
                affected = true;
                opened_at = Some(i);
            }
            Event::Fixed(_) if c != Ordering::Greater => affected = false,
            Event::LastAffected(_) if c == Ordering::Less => affected = false,
            _ => {}
        }
    }
    if !affected {
        return Ok((None, fixes));
    }
    let i = opened_at.expect("affected implies an introduced event");
    let mut m = MatchedRange {
        record_id: String::new(),
        range_type: range.kind.as_str().to_string(),
        introduced: Some(events[i].1.version().to_string()),
        fixed: None,
        last_affected: None,
    };
    for (_, e) in &events[i + 1..] {
        match e {
            Event::Fixed(f) => {
                m.fixed = Some(f.clone());
                break;
            }
            Event::LastAffected(l) => {
                m.last_affected = Some(l.clone());
                break;
            }
            _ => {}
        }
    }
    Ok((Some(m), fixes))
}

/// One record's verdict for one package.
struct RecordHit {
    record: OsvRecord,
    affected_idx: usize,
    matched: MatchedRange,
    fixes: Vec<sc_version::Version>,
    rating: Rating,
}

/// Evaluates `affected` (one entry of a record) for `version`.
fn eval_affected(
    record: &OsvRecord,
    affected: &Affected,
    eco: Ecosystem,
    version: &str,
    pkg_label: &str,
    warnings: &mut Vec<MatchWarning>,
) -> (Option<MatchedRange>, Vec<sc_version::Version>) {
    let warn = |warnings: &mut Vec<MatchWarning>, message: String| {
        warnings.push(MatchWarning {
            record_id: Some(record.id.clone()),
            package: pkg_label.to_string(),
            message,
        })
    };
    let mut hit: Option<MatchedRange> = None;
    let mut fixes = Vec::new();
    for (j, range) in affected.ranges.iter().enumerate() {
        let order = match ordering_for(&range.kind, eco) {
            Ok(o) => o,
            Err(why) => {
                if range.kind != RangeType::Git {
                    warn(warnings, format!("skipped range {j}: {why}"));
                }
                continue;
            }
        };
        let v = match parse_for(order, &range.kind, version) {
            Ok(v) => v,
            Err(e) => {
                warn(
                    warnings,
                    format!("skipped range {j}: installed version: {e}"),
                );
                continue;
            }
        };
        match eval_range(range, order, &v) {
            Ok((m, f)) => {
                fixes.extend(f);
                if hit.is_none() {
                    hit = m;
                }
            }
            Err(e) => warn(warnings, format!("skipped {} range {j}: {e}", range.kind)),
        }
    }
    if hit.is_none() && !affected.versions.is_empty() {
        let parsed = eco
            .is_supported()
            .then(|| parse_for(eco, &RangeType::Ecosystem, version).ok())
            .flatten();
        let listed = affected.versions.iter().any(|lv| {
            lv == version
                || parsed.as_ref().is_some_and(|p| {
                    parse_for(eco, &RangeType::Ecosystem, lv)
                        .ok()
                        .and_then(|l| sc_version::compare_parsed(&l, p))
                        == Some(Ordering::Equal)
                })
        });
        if listed {
            hit = Some(MatchedRange {
                record_id: String::new(),
                range_type: "versions".into(),
                introduced: None,
                fixed: None,
                last_affected: None,
            });
        }
    }
    let hit = hit.map(|mut m| {
        m.record_id = record.id.clone();
        m
    });
    (hit, fixes)
}

impl Database {
    /// Matches one installed package. Errors only for a damaged database;
    /// anything wrong with a record or the query becomes a warning.
    pub fn match_package(&self, query: &PackageQuery) -> Result<MatchResult, DbError> {
        let mut result = MatchResult::default();
        let Some((eco_name, name, version)) = query.resolved() else {
            result.warnings.push(MatchWarning {
                record_id: None,
                package: format!("{}/{}", query.ecosystem, query.name),
                message: "no ecosystem given and none derivable from the purl; not matched".into(),
            });
            return Ok(result);
        };
        let eco = Ecosystem::from_osv(&eco_name);
        let version = normalize_version(eco, &version);
        let label = format!("{eco_name}/{name}");
        let candidates: Vec<String> = names::query_ecosystems(&eco_name)
            .into_iter()
            .map(|e| names::index_key(&e, &name))
            .collect();
        let mut refs = Vec::new();
        for k in &candidates {
            refs.extend(self.refs_for_key(k)?);
        }
        if refs.is_empty() {
            return Ok(result);
        }
        let mut hits: Vec<RecordHit> = Vec::new();
        for (i, json) in self.raw_records(refs)? {
            let record = self.parse_record(i, &json)?;
            if record.is_withdrawn() {
                continue;
            }
            let mut best: Option<(usize, MatchedRange)> = None;
            let mut fixes = Vec::new();
            for (ai, a) in record.affected.iter().enumerate() {
                let key = names::index_key(&a.package.ecosystem, &a.package.name);
                if !candidates.contains(&key) {
                    continue;
                }
                let (hit, f) =
                    eval_affected(&record, a, eco, &version, &label, &mut result.warnings);
                // Fixes of every entry for the package are upgrade targets
                // (Django's per-branch entries), matched or not.
                fixes.extend(f);
                if let (None, Some(m)) = (&best, hit) {
                    best = Some((ai, m));
                }
            }
            if let Some((ai, matched)) = best {
                let mut w = Vec::new();
                let rating = rate_record(&record, record.affected.get(ai), &mut w);
                result
                    .warnings
                    .extend(w.into_iter().map(|message| MatchWarning {
                        record_id: Some(record.id.clone()),
                        package: label.clone(),
                        message,
                    }));
                hits.push(RecordHit {
                    record,
                    affected_idx: ai,
                    matched,
                    fixes,
                    rating,
                });
            }
        }
        result.findings = merge(hits, &version);
        for f in &mut result.findings {
            if f.severity == Severity::Unknown {
                self.enrich_severity(f)?;
            }
        }
        result
            .findings
            .sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        for w in &result.warnings {
            tracing::warn!("{w}");
        }
        Ok(result)
    }

    /// A finding whose records carry no usable severity (Debian's, Go's)
    /// takes it from a stored package-less record of one of its other ids —
    /// typically the CVE record with NVD's CVSS vector. Those records are
    /// indexed by id, so this costs one more index lookup.
    fn enrich_severity(&self, f: &mut Finding) -> Result<(), DbError> {
        let mut ids: Vec<&str> = std::iter::once(f.id.as_str())
            .chain(f.aliases.iter().map(String::as_str))
            .filter(|id| !f.records.iter().any(|r| r == id))
            .collect();
        ids.sort_by(|a, b| primary_rank(a).cmp(&primary_rank(b)));
        for id in ids {
            let refs = self.refs_for_key(&super::store::id_key(id))?;
            for (i, json) in self.raw_records(refs)? {
                let record = self.parse_record(i, &json)?;
                if record.is_withdrawn() || record.id != id {
                    continue;
                }
                let rating = rate_record(&record, None, &mut Vec::new());
                if rating.severity != Severity::Unknown {
                    f.severity = rating.severity;
                    f.cvss = rating.cvss;
                    f.severity_source = rating.source;
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Matches many packages, on up to four threads; results are in the
    /// order of `queries`.
    pub fn match_packages(&self, queries: &[PackageQuery]) -> Result<Vec<MatchResult>, DbError> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4)
            .min(queries.len().div_ceil(64));
        if threads <= 1 {
            return queries.iter().map(|q| self.match_package(q)).collect();
        }
        let per = queries.len().div_ceil(threads);
        let parts: Vec<Result<Vec<MatchResult>, DbError>> = std::thread::scope(|s| {
            let handles: Vec<_> = queries
                .chunks(per)
                .map(|chunk| s.spawn(move || chunk.iter().map(|q| self.match_package(q)).collect()))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("matcher thread panicked"))
                .collect()
        });
        let mut out = Vec::with_capacity(queries.len());
        for p in parts {
            out.extend(p?);
        }
        Ok(out)
    }
}

/// Orders ids for choosing the primary one: CVEs (by year, then number), then
/// GHSA, then everything else, each by string.
fn primary_rank(id: &str) -> (u8, u64, u64, &str) {
    if let Some(rest) = id.strip_prefix("CVE-") {
        if let Some((y, n)) = rest.split_once('-') {
            if let (Ok(y), Ok(n)) = (y.parse(), n.parse()) {
                return (0, y, n, id);
            }
        }
        return (0, u64::MAX, u64::MAX, id);
    }
    if id.starts_with("GHSA-") {
        return (1, 0, 0, id);
    }
    (2, 0, 0, id)
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

fn merge(hits: Vec<RecordHit>, installed: &str) -> Vec<Finding> {
    // Union-find over ids.
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut id_of = |s: &str, parent: &mut Vec<usize>| -> usize {
        if let Some(&i) = ids.get(s) {
            return i;
        }
        let i = parent.len();
        parent.push(i);
        ids.insert(s.to_string(), i);
        i
    };
    let mut record_node = Vec::with_capacity(hits.len());
    for h in &hits {
        let a = id_of(&h.record.id, &mut parent);
        record_node.push(a);
        let mut linked: Vec<&str> = h.record.aliases.iter().map(String::as_str).collect();
        if h.record.upstream.len() == 1 {
            linked.push(&h.record.upstream[0]);
        }
        for other in linked {
            let b = id_of(other, &mut parent);
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            if ra != rb {
                parent[rb] = ra;
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (hi, &node) in record_node.iter().enumerate() {
        let root = find(&mut parent, node);
        groups.entry(root).or_default().push(hi);
    }
    // Advisory-level records listing several upstream CVEs (a Debian DSA)
    // whose every CVE already has its own group are folded into those groups
    // as aliases, instead of reporting the same issues a second time.
    let mut folded: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let roots: Vec<usize> = groups.keys().copied().collect();
    for root in roots {
        let members = &groups[&root];
        if !members.iter().all(|&i| hits[i].record.upstream.len() > 1) {
            continue;
        }
        let mut covering = Vec::new();
        let all_covered = members
            .iter()
            .flat_map(|&i| hits[i].record.upstream.iter())
            .all(
                |up| match ids.get(up.as_str()).map(|&n| find(&mut parent, n)) {
                    Some(r) if r != root && groups.contains_key(&r) => {
                        covering.push(r);
                        true
                    }
                    _ => false,
                },
            );
        if all_covered {
            let ids_here: Vec<String> =
                members.iter().map(|&i| hits[i].record.id.clone()).collect();
            for r in covering {
                folded
                    .entry(r)
                    .or_default()
                    .extend(ids_here.iter().cloned());
            }
            groups.remove(&root);
        }
    }
    let mut findings: Vec<Finding> = groups
        .into_iter()
        .map(|(root, members)| {
            let mut f = finding_of(&hits, &members, installed);
            if let Some(extra) = folded.remove(&root) {
                f.aliases.extend(extra);
                f.aliases.sort();
                f.aliases.dedup();
            }
            f
        })
        .collect();
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    findings
}

fn finding_of(hits: &[RecordHit], members: &[usize], installed: &str) -> Finding {
    let group: Vec<&RecordHit> = members.iter().map(|&i| &hits[i]).collect();
    let mut all_ids: BTreeSet<&str> = BTreeSet::new();
    for h in &group {
        all_ids.extend(h.record.ids());
        if h.record.upstream.len() == 1 {
            all_ids.insert(&h.record.upstream[0]);
        }
    }
    let primary = all_ids
        .iter()
        .min_by(|a, b| primary_rank(a).cmp(&primary_rank(b)))
        .expect("a group has at least one id")
        .to_string();
    // Text from the most descriptive record: GHSA first, then any with a summary.
    let text = group
        .iter()
        .min_by_key(|h| {
            (
                h.record.summary.is_none(),
                !h.record.id.starts_with("GHSA-"),
                h.record.id.clone(),
            )
        })
        .expect("non-empty group");
    let rated = group
        .iter()
        .max_by(|a, b| {
            a.rating
                .severity
                .cmp(&b.rating.severity)
                .then_with(|| a.rating.cvss.is_some().cmp(&b.rating.cvss.is_some()))
                .then_with(|| b.record.id.cmp(&a.record.id))
        })
        .expect("non-empty group");
    let mut fixes: Vec<&sc_version::Version> = group.iter().flat_map(|h| h.fixes.iter()).collect();
    fixes.sort_by(|a, b| sc_version::compare_parsed(a, b).unwrap_or(Ordering::Equal));
    let mut fixed_versions: Vec<String> = Vec::new();
    for f in fixes {
        if !fixed_versions.iter().any(|x| x == f.as_str()) {
            fixed_versions.push(f.as_str().to_string());
        }
    }
    let mut references = Vec::new();
    for h in std::iter::once(text).chain(group.iter()) {
        for r in &h.record.references {
            if !references.contains(&r.url) {
                references.push(r.url.clone());
            }
        }
    }
    let affected = &text.record.affected[text.affected_idx];
    let summary = text.record.summary.clone().unwrap_or_else(|| {
        let d = text.record.details.as_deref().unwrap_or("");
        super::osv::truncate(d.lines().next().unwrap_or(""), 120)
    });
    let mut records: Vec<String> = group.iter().map(|h| h.record.id.clone()).collect();
    records.sort();
    let mut matched: Vec<MatchedRange> = group.iter().map(|h| h.matched.clone()).collect();
    matched.sort_by(|a, b| a.record_id.cmp(&b.record_id));
    Finding {
        aliases: all_ids
            .into_iter()
            .filter(|i| *i != primary)
            .map(str::to_string)
            .collect(),
        id: primary,
        records,
        package: PackageRef {
            ecosystem: affected.package.ecosystem.clone(),
            name: affected.package.name.clone(),
        },
        installed_version: installed.to_string(),
        severity: rated.rating.severity,
        cvss: rated.rating.cvss.clone(),
        severity_source: rated.rating.source,
        fixed_versions,
        summary,
        details: text.record.details.clone().unwrap_or_default(),
        references,
        matched,
        modified: group
            .iter()
            .map(|h| h.record.modified.as_str())
            .max()
            .unwrap_or("")
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(kind: &str, events: &str) -> Range {
        serde_json::from_str(&format!(r#"{{"type":"{kind}","events":{events}}}"#)).unwrap()
    }

    fn affected(eco: Ecosystem, kind: &str, events: &str, v: &str) -> Option<MatchedRange> {
        let r = range(kind, events);
        let order = ordering_for(&r.kind, eco).unwrap();
        let v = parse_for(order, &r.kind, v).unwrap();
        eval_range(&r, order, &v).unwrap().0
    }

    #[test]
    fn introduced_fixed() {
        let ev = r#"[{"introduced":"0"},{"fixed":"5.4"}]"#;
        assert!(affected(Ecosystem::PyPI, "ECOSYSTEM", ev, "5.3").is_some());
        assert!(affected(Ecosystem::PyPI, "ECOSYSTEM", ev, "5.4").is_none());
        assert!(affected(Ecosystem::PyPI, "ECOSYSTEM", ev, "5.4b1").is_some());
        assert!(affected(Ecosystem::PyPI, "ECOSYSTEM", ev, "6.0").is_none());
    }

    #[test]
    fn last_affected_is_inclusive() {
        let ev = r#"[{"introduced":"4.1.0"},{"last_affected":"4.1.99"}]"#;
        assert!(affected(Ecosystem::Npm, "SEMVER", ev, "4.1.99").is_some());
        assert!(affected(Ecosystem::Npm, "SEMVER", ev, "4.1.100").is_none());
        assert!(affected(Ecosystem::Npm, "SEMVER", ev, "4.0.9").is_none());
    }

    #[test]
    fn multiple_introduced_and_unsorted_events() {
        // Django-style branches, listed out of order.
        let ev = r#"[{"introduced":"3.0"},{"fixed":"3.0.3"},{"introduced":"0"},{"fixed":"2.2.10"},{"introduced":"3.1"},{"fixed":"3.1.1"}]"#;
        let m = affected(Ecosystem::PyPI, "ECOSYSTEM", ev, "2.2.0").unwrap();
        assert_eq!(
            (m.introduced.as_deref(), m.fixed.as_deref()),
            (Some("0"), Some("2.2.10"))
        );
        assert!(affected(Ecosystem::PyPI, "ECOSYSTEM", ev, "2.2.10").is_none());
        assert!(affected(Ecosystem::PyPI, "ECOSYSTEM", ev, "2.9").is_none());
        let m = affected(Ecosystem::PyPI, "ECOSYSTEM", ev, "3.0.2").unwrap();
        assert_eq!(m.fixed.as_deref(), Some("3.0.3"));
        assert!(affected(Ecosystem::PyPI, "ECOSYSTEM", ev, "3.0.5").is_none());
    }

    #[test]
    fn limit_events() {
        let ev = r#"[{"introduced":"0"},{"limit":"2.0.0"}]"#;
        assert!(affected(Ecosystem::Npm, "SEMVER", ev, "1.9.9").is_some());
        assert!(affected(Ecosystem::Npm, "SEMVER", ev, "2.0.0").is_none());
        let ev = r#"[{"introduced":"1.0.0"},{"limit":"*"}]"#;
        assert!(affected(Ecosystem::Npm, "SEMVER", ev, "99.0.0").is_some());
    }

    #[test]
    fn dpkg_and_go_versions() {
        let ev = r#"[{"introduced":"0"},{"fixed":"3.0.13-1~deb12u1"}]"#;
        assert!(affected(Ecosystem::Debian, "ECOSYSTEM", ev, "3.0.11-1~deb12u2").is_some());
        assert!(affected(Ecosystem::Debian, "ECOSYSTEM", ev, "3.0.13-1~deb12u1").is_none());
        let ev = r#"[{"introduced":"0"},{"fixed":"1.18.9"},{"introduced":"1.19.0-0"},{"fixed":"1.19.4"}]"#;
        let r = range("SEMVER", ev);
        let order = ordering_for(&r.kind, Ecosystem::Go).unwrap();
        let v = parse_for(
            order,
            &r.kind,
            &normalize_version(Ecosystem::Go, "go1.19.3"),
        )
        .unwrap();
        assert!(eval_range(&r, order, &v).unwrap().0.is_some());
        assert_eq!(normalize_version(Ecosystem::Go, "go1.21rc2"), "1.21.0-rc.2");
        assert_eq!(normalize_version(Ecosystem::Go, "go1.19"), "1.19.0");
    }

    #[test]
    fn short_semver_versions_are_padded() {
        let ev = r#"[{"introduced":"1.0"},{"fixed":"3.1.1"}]"#;
        assert!(affected(Ecosystem::Npm, "ECOSYSTEM", ev, "3.0.0").is_some());
        assert!(affected(Ecosystem::Npm, "ECOSYSTEM", ev, "0.9.0").is_none());
        assert!(parse_for(Ecosystem::Npm, &RangeType::Ecosystem, "1.x").is_err());
    }

    #[test]
    fn invalid_event_version_is_an_error_not_a_panic() {
        let r = range(
            "ECOSYSTEM",
            r#"[{"introduced":"0"},{"fixed":"not a version!!"}]"#,
        );
        let v = parse_for(Ecosystem::Npm, &r.kind, "1.0.0").unwrap();
        assert!(eval_range(&r, Ecosystem::Npm, &v).is_err());
    }

    #[test]
    fn purls() {
        let q = PackageQuery::from_purl("pkg:pypi/requests@2.19.1").unwrap();
        assert_eq!(
            (q.ecosystem.as_str(), q.name.as_str(), q.version.as_str()),
            ("PyPI", "requests", "2.19.1")
        );
        let q = PackageQuery::from_purl("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(q.name, "@babel/core");
        let q = PackageQuery::from_purl(
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
        )
        .unwrap();
        assert_eq!(q.ecosystem, "Debian:12");
        assert_eq!(q.source_name.as_deref(), Some("openssl"));
        let q = PackageQuery::from_purl("pkg:maven/org.yaml/snakeyaml@1.33").unwrap();
        assert_eq!(
            (q.ecosystem.as_str(), q.name.as_str()),
            ("Maven", "org.yaml:snakeyaml")
        );
        let q = PackageQuery::from_purl("pkg:apk/alpine/busybox@1.36.1-r15?distro=alpine-3.19.1")
            .unwrap();
        assert_eq!(names::normalize_ecosystem(&q.ecosystem), "Alpine:v3.19");
        assert!(PackageQuery::from_purl("pkg:generic/thing@1").is_none());
        assert!(PackageQuery::from_purl("pkg:pypi/requests").is_none());
    }

    #[test]
    fn primary_id_prefers_cve_then_ghsa() {
        let mut ids = ["PYSEC-2021-142", "GHSA-8q59-q68h-6hv4", "CVE-2020-14343"];
        ids.sort_by(|a, b| primary_rank(a).cmp(&primary_rank(b)));
        assert_eq!(ids[0], "CVE-2020-14343");
        let mut ids = ["CVE-2021-9", "CVE-2020-100", "CVE-2020-99"];
        ids.sort_by(|a, b| primary_rank(a).cmp(&primary_rank(b)));
        assert_eq!(ids, ["CVE-2020-99", "CVE-2020-100", "CVE-2021-9"]);
        let mut ids = ["PYSEC-1", "GHSA-b", "GHSA-a"];
        ids.sort_by(|a, b| primary_rank(a).cmp(&primary_rank(b)));
        assert_eq!(ids[0], "GHSA-a");
    }
}
