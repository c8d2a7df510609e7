//! Scanning an inventory: each package becomes an OSV query ([`query_for`]:
//! the distro release ecosystem and source package for OS packages, the
//! language ecosystem otherwise), is matched against the local database, and
//! every match becomes a [`Finding`] with the package's identity and location.

use crate::sbom::model::{Distro, Inventory, Package, PackageType};
use crate::scan::{Finding, FixState};
use crate::vulndb::{Database, DbError, PackageQuery};

/// The OSV query for a package, or `None` when no OSV ecosystem covers it
/// (an OS package of an unrecognized distro, an RPM on a non-RPM distro).
pub fn query_for(package: &Package, distro: Option<&Distro>) -> Option<PackageQuery> {
    let (ecosystem, name) = match package.package_type {
        PackageType::Deb | PackageType::Apk | PackageType::Rpm => {
            let eco = distro?.osv_ecosystem()?;
            let family = match eco.split(':').next().unwrap_or("") {
                "Debian" | "Ubuntu" => PackageType::Deb,
                "Alpine" | "Wolfi" | "Chainguard" => PackageType::Apk,
                _ => PackageType::Rpm,
            };
            if family != package.package_type {
                return None;
            }
            (eco, package.name.clone())
        }
        PackageType::Java => (
            "Maven".to_string(),
            match &package.namespace {
                Some(group) => format!("{group}:{}", package.name),
                None => package.name.clone(),
            },
        ),
        PackageType::Composer => (
            "Packagist".to_string(),
            match &package.namespace {
                Some(vendor) => format!("{vendor}/{}", package.name),
                None => package.name.clone(),
            },
        ),
        other => (other.osv_ecosystem()?.to_string(), package.name.clone()),
    };
    let mut version = package.version.clone();
    if package.package_type == PackageType::Go {
        // Go versions in OSV have no `v`; the standard library is `stdlib` at `1.19.3`.
        if let Some(v) = version
            .strip_prefix("go")
            .or_else(|| version.strip_prefix('v'))
        {
            version = v.to_string();
        }
        if version == "(devel)" {
            return None;
        }
    }
    let mut query = PackageQuery::new(&ecosystem, &name, &version);
    query.purl = (!package.purl.is_empty()).then(|| package.purl.clone());
    if let Some(src) = &package.source {
        query = query.with_source(&src.name, src.version.as_deref());
    }
    Some(query)
}

/// What matching an inventory produced.
#[derive(Debug, Default)]
pub struct InventoryMatches {
    /// Findings, one per (vulnerability, package).
    pub findings: Vec<Finding>,
    /// Records or ranges the matcher had to skip, and packages no ecosystem covers.
    pub warnings: Vec<String>,
    /// Packages that were looked up.
    pub queried: usize,
}

/// Match every package of `inventory` against `db`.
pub fn match_inventory(db: &Database, inventory: &Inventory) -> Result<InventoryMatches, DbError> {
    let mut out = InventoryMatches::default();
    let distro = inventory.distro.as_ref();
    let mut pairs: Vec<(&Package, PackageQuery)> = Vec::new();
    for p in &inventory.packages {
        match query_for(p, distro) {
            Some(q) => pairs.push((p, q)),
            None if p.package_type.is_os() => {
                let d = distro
                    .map(|d| format!("{} {}", d.id, d.version_id))
                    .unwrap_or_else(|| "an unrecognized distribution".into());
                out.warnings.push(format!(
                    "{} {} ({}): no vulnerability data for {d}",
                    p.name,
                    p.version,
                    p.package_type.purl_type()
                ));
            }
            None => {}
        }
    }
    let queries: Vec<PackageQuery> = pairs.iter().map(|(_, q)| q.clone()).collect();
    out.queried = queries.len();
    let results = db.match_packages(&queries)?;
    for ((package, _), result) in pairs.iter().zip(results) {
        out.warnings
            .extend(result.warnings.iter().map(|w| w.to_string()));
        for f in result.findings {
            let vulnerability = f.to_vulnerability(&package.name, &package.version);
            let location = package.locations.first();
            out.findings.push(Finding {
                title: f.summary.clone(),
                package_type: Some(package.package_type.purl_type().to_string()),
                purl: (!package.purl.is_empty()).then(|| package.purl.clone()),
                aliases: f.aliases.clone(),
                location: location.map(|l| l.path.clone()),
                layer: location.and_then(|l| l.layer_digest.clone()),
                fix_state: if f.fixed_versions.is_empty() {
                    FixState::NotFixed
                } else {
                    FixState::Fixed
                },
                data_source: Some(f.records.join(", ")),
                vulnerability,
            });
        }
    }
    Ok(out)
}
