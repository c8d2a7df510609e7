//! From an image to its [`Inventory`]: resolve the image, stream its layers
//! through the walker, apply the scope, run the catalogers, detect the distro,
//! drop language packages whose files an OS package owns, and link dependencies.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::catalog::{
    self, release, CapturedFile, CatalogContext, CatalogOutput, Cataloger, FileSet,
};
use super::model::{ImageInfo, Inventory, Package, Relationship};
use super::walker::{self, LayerInput, LayerScan, ProgressFn, Stack, RELEASE_FILES};
use crate::config::SbomScope as Scope;
use crate::layers::LayerLimits;
use crate::source::{self, ImageSource, Platform, ResolvedImage, SourceError};

/// Options for [`catalog_image`].
#[derive(Clone)]
pub struct GenerateOptions {
    /// Platform to select from an index.
    pub platform: Platform,
    /// Which files count.
    pub scope: Scope,
    /// Decompression limits.
    pub limits: LayerLimits,
    /// Layers read at once (default: the number of CPUs).
    pub parallelism: usize,
    /// Progress callback.
    pub progress: Option<ProgressFn>,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            platform: Platform::default(),
            scope: Scope::Squashed,
            limits: LayerLimits::default(),
            parallelism: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            progress: None,
        }
    }
}

/// Why an image could not be cataloged.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    /// The image could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A layer could not be read to the end (corrupt, truncated, wrong digest, too large).
    #[error(transparent)]
    Walk(#[from] walker::WalkError),
    /// A worker thread failed.
    #[error("internal: {0}")]
    Task(String),
}

/// Catalog the image `source` names.
pub async fn catalog_image(
    source: &dyn ImageSource,
    opts: &GenerateOptions,
) -> Result<Inventory, SbomError> {
    let image = source.resolve(&opts.platform).await?;
    catalog_resolved(source, &image, opts).await
}

/// Catalog an image already resolved from `source` (no second manifest read).
pub async fn catalog_resolved(
    source: &dyn ImageSource,
    image: &ResolvedImage,
    opts: &GenerateOptions,
) -> Result<Inventory, SbomError> {
    let mut inputs: Vec<LayerInput> = Vec::new();
    for layer in image.layers() {
        let reader = source::open_layer(source, &layer, opts.limits, false).await?;
        inputs.push((layer.index, layer.descriptor.digest.to_string(), reader));
    }
    let catalogers: Arc<Vec<Box<dyn Cataloger>>> = Arc::new(catalog::all());
    let (cats, parallelism, progress) =
        (catalogers.clone(), opts.parallelism, opts.progress.clone());
    let scans = tokio::task::spawn_blocking(move || {
        walker::scan_layers(inputs, &cats, parallelism, progress)
    })
    .await
    .map_err(|e| SbomError::Task(e.to_string()))??;
    Ok(assemble(image, scans, &catalogers, opts.scope))
}

/// Image facts for the inventory.
pub fn image_info(image: &ResolvedImage) -> ImageInfo {
    ImageInfo {
        source: image.source.clone(),
        reference: image.reference.as_ref().map(|r| r.to_string()),
        digest: image.top_digest.to_string(),
        manifest_digest: image.manifest_digest.to_string(),
        image_id: image.image_id().to_string(),
        platform: image.platform.to_string(),
        layers: image
            .manifest
            .layers
            .iter()
            .map(|l| l.digest.to_string())
            .collect(),
    }
}

/// Build the inventory from scanned layers (pure: no I/O).
pub fn assemble(
    image: &ResolvedImage,
    mut scans: Vec<LayerScan>,
    catalogers: &[Box<dyn Cataloger>],
    scope: Scope,
) -> Inventory {
    let info = image_info(image);
    let mut warnings: Vec<String> = scans
        .iter_mut()
        .flat_map(|s| std::mem::take(&mut s.warnings))
        .collect();
    let stack = Stack::new(&scans);
    let visible =
        |layer: usize, path: &str| scope == Scope::AllLayers || stack.visible(layer, path);

    // Kept files per capture index, filtered by scope.
    let mut kept: BTreeMap<usize, Vec<CapturedFile>> = BTreeMap::new();
    for s in &scans {
        for (ci, f) in &s.kept {
            if visible(f.layer_index, &f.path) {
                kept.entry(*ci).or_default().push(f.clone());
            }
        }
    }
    let symlinks = stack.visible_symlinks();
    let release_files = FileSet::new(
        kept.remove(&RELEASE_FILES).unwrap_or_default(),
        symlinks.clone(),
    );
    let distro = release::detect(&release_files);
    let ctx = CatalogContext {
        distro: distro.clone(),
    };

    let mut out = CatalogOutput::default();
    for (ci, c) in catalogers.iter().enumerate() {
        let files = FileSet::new(kept.remove(&ci).unwrap_or_default(), symlinks.clone());
        if !files.is_empty() {
            out.extend(c.catalog(&files, &ctx));
        }
    }
    for s in &scans {
        for (_, path, o) in &s.immediate {
            if visible(s.index, path) {
                out.extend(o.clone());
            }
        }
    }
    warnings.append(&mut out.warnings);

    // Language packages inside files an OS package owns are the OS package's content.
    let owned: HashSet<&str> = out.owned_files.iter().map(String::as_str).collect();
    let mut packages: Vec<Package> = out
        .packages
        .into_iter()
        .filter(|p| {
            p.package_type.is_os()
                || !p
                    .locations
                    .iter()
                    .any(|l| owned.contains(l.path.as_str()) || owned_dir(&owned, &l.path))
        })
        .collect();

    // Layer digests on locations.
    for p in &mut packages {
        for l in &mut p.locations {
            l.layer_digest = info.layers.get(l.layer_index).cloned();
        }
    }
    let packages = merge_duplicates(packages);
    let relationships = link(&packages);
    let mut inventory = Inventory {
        image: info,
        distro,
        packages,
        relationships,
        warnings,
    };
    super::format::fill_identifiers(&mut inventory);
    inventory
}

/// True when the directory holding a metadata file (e.g. `x.dist-info/METADATA`) is owned.
fn owned_dir(owned: &HashSet<&str>, path: &str) -> bool {
    path.rsplit_once('/')
        .is_some_and(|(dir, _)| owned.contains(dir))
}

/// Merge packages with the same identity (the same package seen in several layers or files).
fn merge_duplicates(packages: Vec<Package>) -> Vec<Package> {
    type Key = (String, Option<String>, String, String, Option<String>);
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut out: Vec<Package> = Vec::new();
    for p in packages {
        // Arch is part of the identity: libc6:amd64 and libc6:i386 are two packages.
        let key = {
            let (t, ns, name, version, arch) = p.identity();
            (
                t.purl_type().to_string(),
                ns.map(str::to_string),
                name.to_string(),
                version.to_string(),
                arch.map(str::to_string),
            )
        };
        match index.get(&key) {
            Some(&i) => {
                for l in p.locations {
                    if !out[i].locations.contains(&l) {
                        out[i].locations.push(l);
                    }
                }
            }
            None => {
                index.insert(key, out.len());
                out.push(p);
            }
        }
    }
    for p in &mut out {
        p.locations.sort();
    }
    out.sort_by(|a, b| {
        (
            a.package_type,
            &a.namespace,
            &a.name,
            &a.version,
            &a.locations,
        )
            .cmp(&(
                b.package_type,
                &b.namespace,
                &b.name,
                &b.version,
                &b.locations,
            ))
    });
    out
}

/// Resolve `depends_on` entries to edges within the same package type. An entry
/// is a name, a namespace-qualified name (`vendor/package`), or `name@version`
/// (exact). Among several packages of that name, the one found in the same file
/// as the dependent wins (two Go binaries each have their own `stdlib`), else the
/// one found in the same directory tree, else the first.
fn link(packages: &[Package]) -> Vec<Relationship> {
    let mut by_name: HashMap<(super::model::PackageType, String), Vec<usize>> = HashMap::new();
    for (i, p) in packages.iter().enumerate() {
        let mut keys = vec![p.name.clone(), format!("{}@{}", p.name, p.version)];
        if let Some(ns) = &p.namespace {
            keys.push(format!("{ns}/{}", p.name));
        }
        for k in keys {
            by_name.entry((p.package_type, k)).or_default().push(i);
        }
    }
    let first_path = |p: &Package| {
        p.locations
            .first()
            .map(|l| l.path.clone())
            .unwrap_or_default()
    };
    let shared_prefix = |a: &str, b: &str| {
        a.split('/')
            .zip(b.split('/'))
            .take_while(|(x, y)| x == y)
            .count()
    };
    let mut edges = Vec::new();
    for (i, p) in packages.iter().enumerate() {
        let here = first_path(p);
        for d in &p.depends_on {
            let Some(candidates) = by_name.get(&(p.package_type, d.clone())) else {
                continue;
            };
            let best = candidates
                .iter()
                .copied()
                .filter(|&j| j != i)
                .max_by_key(|&j| {
                    let there = first_path(&packages[j]);
                    (
                        there == here,
                        shared_prefix(&here, &there),
                        std::cmp::Reverse(j),
                    )
                });
            if let Some(j) = best {
                edges.push(Relationship { from: i, to: j });
            }
        }
    }
    edges.sort();
    edges.dedup();
    edges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sbom::model::{Location, PackageType};

    fn pkg(t: PackageType, name: &str, version: &str, path: &str, deps: &[&str]) -> Package {
        let mut p = Package::new(
            t,
            name,
            version,
            "test",
            Location {
                path: path.into(),
                layer_index: 0,
                layer_digest: None,
            },
        );
        p.depends_on = deps.iter().map(|d| d.to_string()).collect();
        p
    }

    #[test]
    fn links_prefer_the_same_file_and_exact_versions() {
        let packages = vec![
            pkg(
                PackageType::Go,
                "github.com/evanw/esbuild",
                "v0.15.18",
                "usr/local/bin/esbuild",
                &["stdlib"],
            ),
            pkg(
                PackageType::Go,
                "stdlib",
                "go1.19.3",
                "usr/local/bin/esbuild",
                &[],
            ),
            pkg(
                PackageType::Go,
                "github.com/docker/distribution",
                "v2.8.2",
                "usr/bin/registry",
                &["stdlib"],
            ),
            pkg(
                PackageType::Go,
                "stdlib",
                "go1.19.8",
                "usr/bin/registry",
                &[],
            ),
            pkg(
                PackageType::Rust,
                "app",
                "1.0.0",
                "usr/bin/app",
                &["serde@1.0.1"],
            ),
            pkg(PackageType::Rust, "serde", "1.0.0", "usr/bin/app", &[]),
            pkg(PackageType::Rust, "serde", "1.0.1", "usr/bin/app", &[]),
            pkg(
                PackageType::Npm,
                "a",
                "1.0.0",
                "srv/x/node_modules/a/package.json",
                &["b"],
            ),
            pkg(PackageType::Python, "b", "1.0.0", "srv/x/b/METADATA", &[]),
        ];
        let edges = link(&packages);
        assert!(edges.contains(&Relationship { from: 0, to: 1 }));
        assert!(
            edges.contains(&Relationship { from: 2, to: 3 }),
            "each binary links its own stdlib: {edges:?}"
        );
        assert!(
            edges.contains(&Relationship { from: 4, to: 6 }),
            "name@version is exact: {edges:?}"
        );
        assert_eq!(edges.len(), 3, "no edges across package types: {edges:?}");
    }
}
