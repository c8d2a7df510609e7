//! Normalized ecosystem and package names: the keys of the database index.
//!
//! Records and queries go through the same functions, so `PyYAML`, `pyyaml`
//! and `py_yaml` meet, and `Debian:12.4` finds records written for `Debian:12`.
//!
//! * Ecosystem: the base name is spelled as OSV spells it (`pypi` → `PyPI`).
//!   Distribution ecosystems keep their release (`Debian:12`, `Alpine:v3.19`,
//!   `Ubuntu:22.04:LTS`), normalized to the form OSV uses (`Alpine:3.19.1` →
//!   `Alpine:v3.19`, `Debian:12.4` and `Debian:bookworm` → `Debian:12`).
//!   Language ecosystems drop any suffix (`Maven:https://repo…` → `Maven`).
//! * Package name: PyPI names get PEP 503 normalization; crates.io, NuGet,
//!   Packagist and the Debian/Ubuntu/Alpine source package names are compared
//!   case-insensitively; every other ecosystem compares names exactly.

/// OSV's spelling of every defined ecosystem; a case-insensitive match on
/// input is replaced by this spelling.
const CANONICAL: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CleanStart",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "Debian",
    "Docker Hardened Images",
    "Echo",
    "FreeBSD",
    "GHC",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "opam",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "Root",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "Ubuntu",
    "VSCode",
    "Wolfi",
];

/// Ecosystems whose `:suffix` is not a distribution release (a repository URL
/// or nothing at all): the index keys them by base name only.
const SUFFIX_DROPPED: &[&str] = &[
    "Android",
    "Bioconductor",
    "Bitnami",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "GHC",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Maven",
    "npm",
    "NuGet",
    "opam",
    "OSS-Fuzz",
    "Packagist",
    "Pub",
    "PyPI",
    "RubyGems",
    "SwiftURL",
    "VSCode",
];

const DEBIAN_CODENAMES: &[(&str, &str)] = &[
    ("buzz", "1.1"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
];

/// Splits `Base:release` and spells the base as OSV does.
fn split(ecosystem: &str) -> (&str, Option<&str>) {
    let ecosystem = ecosystem.trim();
    let (base, release) = match ecosystem.split_once(':') {
        Some((b, r)) => (b.trim(), Some(r.trim()).filter(|r| !r.is_empty())),
        None => (ecosystem, None),
    };
    let base = CANONICAL
        .iter()
        .find(|c| c.eq_ignore_ascii_case(base))
        .copied()
        .unwrap_or(base);
    (base, release)
}

/// The ecosystem part of an index key (see the module docs).
pub fn normalize_ecosystem(ecosystem: &str) -> String {
    let (base, release) = split(ecosystem);
    let Some(release) = release else {
        return base.to_string();
    };
    if SUFFIX_DROPPED.contains(&base) {
        return base.to_string();
    }
    let release = match base {
        "Alpine" => alpine_release(release),
        "Debian" => debian_release(release),
        _ => release.to_string(),
    };
    format!("{base}:{release}")
}

fn alpine_release(r: &str) -> String {
    let bare = r.strip_prefix('v').unwrap_or(r);
    let mut parts = bare.split('.');
    match (parts.next(), parts.next()) {
        (Some(maj), Some(min))
            if !maj.is_empty()
                && maj.bytes().all(|b| b.is_ascii_digit())
                && !min.is_empty()
                && min.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("v{maj}.{min}")
        }
        _ => r.to_string(),
    }
}

fn debian_release(r: &str) -> String {
    if let Some((_, n)) = DEBIAN_CODENAMES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(r))
    {
        return (*n).to_string();
    }
    match r.split_once('.') {
        Some((maj, _)) if !maj.is_empty() && maj.bytes().all(|b| b.is_ascii_digit()) => {
            maj.to_string()
        }
        _ => r.to_string(),
    }
}

/// The package-name part of an index key for a package of `ecosystem`.
pub fn normalize_name(ecosystem: &str, name: &str) -> String {
    let (base, _) = split(ecosystem);
    let name = name.trim();
    match base {
        "PyPI" => pep503(name),
        "crates.io" => name.to_ascii_lowercase().replace('_', "-"),
        "NuGet" | "Packagist" | "Debian" | "Ubuntu" | "Alpine" => name.to_ascii_lowercase(),
        _ => name.to_string(),
    }
}

/// PEP 503: lower case, runs of `-`, `_`, `.` become one `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The index key of a package: normalized ecosystem, a NUL, normalized name.
pub fn index_key(ecosystem: &str, name: &str) -> String {
    let eco = normalize_ecosystem(ecosystem);
    let name = normalize_name(&eco, name);
    let mut k = String::with_capacity(eco.len() + 1 + name.len());
    k.push_str(&eco);
    k.push('\0');
    k.push_str(&name);
    k
}

/// The normalized ecosystems to look a query up under, most specific first:
/// the ecosystem itself, `Ubuntu:22.04` also as `Ubuntu:22.04:LTS`, and a
/// distribution release also under its bare base name (records written for
/// every release of a distribution).
pub fn query_ecosystems(ecosystem: &str) -> Vec<String> {
    let eco = normalize_ecosystem(ecosystem);
    let mut out = vec![eco.clone()];
    let (base, release) = split(&eco);
    if let Some(release) = release {
        if base == "Ubuntu" && !release.ends_with(":LTS") && is_ubuntu_lts(release) {
            out.push(format!("{eco}:LTS"));
        }
        out.push(base.to_string());
    }
    out
}

fn is_ubuntu_lts(release: &str) -> bool {
    // LTS releases are the .04 of even years.
    let release = release.strip_prefix("Pro:").unwrap_or(release);
    match release.split_once('.') {
        Some((y, "04")) => y.parse::<u32>().is_ok_and(|y| y % 2 == 0),
        _ => false,
    }
}

/// The ecosystem base name (`Debian` for `Debian:12`), spelled as OSV does.
pub fn ecosystem_base(ecosystem: &str) -> &str {
    split(ecosystem).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems() {
        assert_eq!(normalize_ecosystem("pypi"), "PyPI");
        assert_eq!(normalize_ecosystem("Debian:12"), "Debian:12");
        assert_eq!(normalize_ecosystem("debian:12.4"), "Debian:12");
        assert_eq!(normalize_ecosystem("Debian:bookworm"), "Debian:12");
        assert_eq!(normalize_ecosystem("Alpine:3.19.1"), "Alpine:v3.19");
        assert_eq!(normalize_ecosystem("Alpine:v3.19"), "Alpine:v3.19");
        assert_eq!(normalize_ecosystem("Alpine:edge"), "Alpine:edge");
        assert_eq!(normalize_ecosystem("Ubuntu:22.04:LTS"), "Ubuntu:22.04:LTS");
        assert_eq!(
            normalize_ecosystem("Maven:https://maven.google.com"),
            "Maven"
        );
        assert_eq!(normalize_ecosystem("Rocky Linux:9"), "Rocky Linux:9");
        assert_eq!(normalize_ecosystem("SomethingNew:1"), "SomethingNew:1");
    }

    #[test]
    fn names() {
        assert_eq!(normalize_name("PyPI", "PyYAML"), "pyyaml");
        assert_eq!(normalize_name("PyPI", "Foo__Bar.baz-"), "foo-bar-baz");
        assert_eq!(normalize_name("npm", "JSONStream"), "JSONStream");
        assert_eq!(normalize_name("crates.io", "Serde_JSON"), "serde-json");
        assert_eq!(normalize_name("Debian:12", "OpenSSL"), "openssl");
        assert_eq!(
            normalize_name("Go", "github.com/BurntSushi/toml"),
            "github.com/BurntSushi/toml"
        );
        assert_eq!(index_key("pypi", "Py_YAML"), "PyPI\0py-yaml");
    }

    #[test]
    fn query_candidates() {
        assert_eq!(
            query_ecosystems("Ubuntu:22.04"),
            ["Ubuntu:22.04", "Ubuntu:22.04:LTS", "Ubuntu"]
        );
        assert_eq!(query_ecosystems("Ubuntu:23.10"), ["Ubuntu:23.10", "Ubuntu"]);
        assert_eq!(query_ecosystems("Debian:12"), ["Debian:12", "Debian"]);
        assert_eq!(query_ecosystems("PyPI"), ["PyPI"]);
    }
}
