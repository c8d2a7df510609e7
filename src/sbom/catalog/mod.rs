//! Catalogers: each one recognizes the files of one package database or
//! artifact type and turns them into [`Package`]s.
//!
//! The layer walker ([`crate::sbom::walker`]) streams every layer once and asks
//! each cataloger, for every regular file, whether it wants it
//! ([`Cataloger::wants`]). Nothing else is buffered. A cataloger asks for one of:
//! - [`Capture::Keep`]: keep the file's bytes (up to a limit) until all layers
//!   are read; [`Cataloger::catalog`] then sees every kept file that is visible
//!   in the chosen scope (for databases spread over several files: dpkg, python,
//!   npm, ...);
//! - [`Capture::Immediate`]: parse the file right away in the layer's worker
//!   thread with [`Cataloger::catalog_file`] and drop its bytes (archives, big
//!   files: jars);
//! - [`Capture::Probe`]: stream the file through a [`Probe`] that keeps only the
//!   bytes it needs (a Go binary's build info), then `catalog_file` on those.
//!
//! Catalogers never fail the whole SBOM: a corrupt database yields a warning
//! naming the file in [`CatalogOutput::warnings`].

pub mod apk;
pub mod dotnet;
pub mod dpkg;
pub mod golang;
pub mod java;
pub mod javascript;
pub mod php;
pub mod python;
pub mod release;
pub mod rpm;
pub mod ruby;
pub mod rust;

use std::collections::HashMap;

use super::model::{Distro, Location, Package};

/// A regular file entry of a layer, as the walker sees it.
#[derive(Debug, Clone, Copy)]
pub struct EntryInfo<'a> {
    /// Normalized path, no leading `/` (`usr/lib/python3/dist-packages/x.dist-info/METADATA`).
    pub path: &'a str,
    /// Size in bytes.
    pub size: u64,
    /// Unix mode bits.
    pub mode: u32,
}

impl EntryInfo<'_> {
    /// File name (last path component).
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }

    /// True when any execute bit is set.
    pub fn is_executable(&self) -> bool {
        self.mode & 0o111 != 0
    }
}

/// Whether a [`Probe`] wants more bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeState {
    /// Feed more.
    Continue,
    /// Seen enough (found or given up); stop feeding.
    Done,
}

/// A bounded-memory scanner fed a file's bytes in order.
pub trait Probe: Send {
    /// Feed the next chunk.
    fn feed(&mut self, chunk: &[u8]) -> ProbeState;
    /// The bytes to hand to [`Cataloger::catalog_file`], if the probe found anything.
    fn finish(self: Box<Self>) -> Option<Vec<u8>>;
}

/// What a cataloger wants of a file.
pub enum Capture {
    /// Keep up to `max` bytes until all layers are read (larger files: a warning, skipped).
    Keep {
        /// Size limit.
        max: u64,
    },
    /// Parse now with `catalog_file` (up to `max` bytes), then drop the bytes.
    Immediate {
        /// Size limit.
        max: u64,
    },
    /// Stream through this probe.
    Probe(Box<dyn Probe>),
}

/// A file's bytes as captured from a layer.
#[derive(Debug, Clone)]
pub struct CapturedFile {
    /// Normalized path.
    pub path: String,
    /// Layer it came from.
    pub layer_index: usize,
    /// Unix mode bits.
    pub mode: u32,
    /// Content (complete for Keep/Immediate, the probe's output for Probe).
    pub content: Vec<u8>,
}

impl CapturedFile {
    /// The location of this file (layer digest filled in later).
    pub fn location(&self) -> Location {
        Location {
            path: self.path.clone(),
            layer_index: self.layer_index,
            layer_digest: None,
        }
    }

    /// Content as UTF-8, lossily.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.content)
    }
}

/// The kept files one cataloger sees, after squashing (or all of them, for the all-layers scope).
#[derive(Debug, Default)]
pub struct FileSet {
    files: Vec<CapturedFile>,
    by_path: HashMap<String, Vec<usize>>,
    symlinks: HashMap<String, String>,
}

impl FileSet {
    /// A set of files; `symlinks` maps visible symlink paths to their targets.
    pub fn new(files: Vec<CapturedFile>, symlinks: HashMap<String, String>) -> Self {
        let mut by_path: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            by_path.entry(f.path.clone()).or_default().push(i);
        }
        Self {
            files,
            by_path,
            symlinks,
        }
    }

    /// All files, in layer then path order.
    pub fn iter(&self) -> impl Iterator<Item = &CapturedFile> {
        self.files.iter()
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The file at `path` (the one from the highest layer when the scope keeps several).
    pub fn get(&self, path: &str) -> Option<&CapturedFile> {
        self.by_path
            .get(path)
            .and_then(|v| v.last())
            .map(|&i| &self.files[i])
    }

    /// Every copy of `path` (several only in the all-layers scope).
    pub fn get_all(&self, path: &str) -> impl Iterator<Item = &CapturedFile> {
        self.by_path
            .get(path)
            .into_iter()
            .flatten()
            .map(|&i| &self.files[i])
    }

    /// Files whose path starts with `prefix`.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a CapturedFile> + 'a {
        self.files
            .iter()
            .filter(move |f| f.path.starts_with(prefix))
    }

    /// Target of a visible symlink at `path`, as stored in the layer.
    pub fn symlink(&self, path: &str) -> Option<&str> {
        self.symlinks.get(path).map(String::as_str)
    }
}

/// What cataloging needs to know about the image.
#[derive(Debug, Clone, Default)]
pub struct CatalogContext {
    /// The distribution, when detected (not yet known for `catalog_file`).
    pub distro: Option<Distro>,
}

/// What a cataloger found.
#[derive(Debug, Clone, Default)]
pub struct CatalogOutput {
    /// Packages.
    pub packages: Vec<Package>,
    /// Paths owned by OS packages (from dpkg `.list`, rpm file lists, apk `R:` lines):
    /// language packages found at these paths are not reported twice.
    pub owned_files: Vec<String>,
    /// Problems, each naming the file.
    pub warnings: Vec<String>,
}

impl CatalogOutput {
    /// Append another output.
    pub fn extend(&mut self, other: CatalogOutput) {
        self.packages.extend(other.packages);
        self.owned_files.extend(other.owned_files);
        self.warnings.extend(other.warnings);
    }
}

/// A recognizer of one kind of package database or artifact.
pub trait Cataloger: Send + Sync {
    /// Short name, recorded as `found_by` (`dpkg`, `python`, ...).
    fn name(&self) -> &'static str;

    /// Whether, and how, to capture this regular file. Called for every file of
    /// every layer: keep it cheap (path checks only).
    fn wants(&self, entry: &EntryInfo<'_>) -> Option<Capture>;

    /// Catalog the kept files visible in the scope.
    fn catalog(&self, _files: &FileSet, _ctx: &CatalogContext) -> CatalogOutput {
        CatalogOutput::default()
    }

    /// Catalog one file captured with [`Capture::Immediate`] or [`Capture::Probe`].
    fn catalog_file(&self, _file: &CapturedFile, _ctx: &CatalogContext) -> CatalogOutput {
        CatalogOutput::default()
    }
}

/// Every cataloger, in reporting order (OS databases first).
pub fn all() -> Vec<Box<dyn Cataloger>> {
    vec![
        Box::new(dpkg::DpkgCataloger),
        Box::new(apk::ApkCataloger),
        Box::new(rpm::RpmCataloger),
        Box::new(python::PythonCataloger),
        Box::new(javascript::NpmCataloger),
        Box::new(golang::GoBinaryCataloger),
        Box::new(rust::CargoAuditableCataloger),
        Box::new(java::JavaArchiveCataloger),
        Box::new(ruby::GemspecCataloger),
        Box::new(php::ComposerCataloger),
        Box::new(dotnet::DepsJsonCataloger),
    ]
}
