//! The layer walker: reads each layer of an image once, as a stream, in
//! parallel across layers, and never extracts anything to disk.
//!
//! For every tar entry it records the path (for whiteout handling) and asks the
//! catalogers whether they want the file ([`Cataloger::wants`]); only wanted files
//! are buffered, each up to its cataloger's limit. OCI whiteouts (`.wh.<name>`)
//! and opaque directories (`.wh..wh..opq`) are applied afterwards so that the
//! squashed scope sees only what the final filesystem holds; the all-layers scope
//! sees every captured file with the layer that introduced it.
//!
//! Hostile layers: paths are normalized lexically; an entry whose path escapes
//! the root (`../x`) is skipped with a warning; symlinks are recorded, never
//! followed; nothing is written anywhere; sizes are bounded by the capture limits
//! and the decompression limit of [`crate::layers`].

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::catalog::{
    release, Capture, CapturedFile, CatalogContext, CatalogOutput, Cataloger, EntryInfo, Probe,
    ProbeState,
};

/// Capture index used for the distribution-detection files (not a cataloger).
pub const RELEASE_FILES: usize = usize::MAX;

/// Largest release file kept (os-release and friends are tiny).
const RELEASE_MAX: u64 = 64 * 1024;

/// Progress events, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// A layer started (index, number of layers).
    LayerStarted(usize, usize),
    /// Uncompressed bytes read since the last event.
    Bytes(u64),
    /// A layer is done.
    LayerDone(usize),
}

/// Callback receiving [`Progress`] events from worker threads.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// What kind of entry a path is in one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum EntryKind {
    Dir,
    File,
    Symlink(String),
    Other,
}

/// Everything one layer contributed.
#[derive(Default)]
pub struct LayerScan {
    /// Layer index.
    pub index: usize,
    entries: HashMap<String, EntryKind>,
    whiteouts: HashSet<String>,
    opaque: HashSet<String>,
    /// Kept files: (capture index, file). Capture index is a cataloger index or [`RELEASE_FILES`].
    pub kept: Vec<(usize, CapturedFile)>,
    /// Results of immediate/probe cataloging: (cataloger index, path, output).
    pub immediate: Vec<(usize, String, CatalogOutput)>,
    /// Problems met.
    pub warnings: Vec<String>,
    /// Uncompressed bytes read.
    pub bytes: u64,
}

/// Why a layer could not be read.
#[derive(Debug, thiserror::Error)]
#[error("layer {index} ({what})")]
pub struct WalkError {
    /// Layer index.
    pub index: usize,
    /// Layer digest or name.
    pub what: String,
    /// Cause (corrupt tar, digest mismatch, truncated stream, decompression bomb...).
    #[source]
    pub source: io::Error,
}

/// Normalize a tar path: no leading `./` or `/`, no `.` or empty components,
/// `..` resolved lexically. `None` when it escapes the root or is empty.
pub fn normalize_path(raw: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for comp in raw.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

fn parent(path: &str) -> Option<&str> {
    path.rsplit_once('/').map(|(p, _)| p)
}

/// Strict ancestors of `path`, nearest first.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut cur = Some(path);
    std::iter::from_fn(move || {
        let p = parent(cur?);
        cur = p;
        p
    })
}

struct CountingReader<R> {
    inner: R,
    pending: u64,
    total: u64,
    progress: Option<ProgressFn>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total += n as u64;
        self.pending += n as u64;
        if self.pending >= 1 << 20 || n == 0 {
            if let Some(p) = &self.progress {
                p(Progress::Bytes(self.pending));
            }
            self.pending = 0;
        }
        Ok(n)
    }
}

/// Read one layer's tar stream, capturing what the catalogers want.
pub fn scan_layer(
    index: usize,
    reader: Box<dyn Read + Send>,
    catalogers: &[Box<dyn Cataloger>],
    progress: Option<ProgressFn>,
) -> Result<LayerScan, io::Error> {
    let counting = CountingReader {
        inner: reader,
        pending: 0,
        total: 0,
        progress,
    };
    let mut archive = tar::Archive::new(counting);
    let mut scan = LayerScan {
        index,
        ..Default::default()
    };
    let ctx = CatalogContext::default();
    // Same-layer duplicates: the last entry for a path wins.
    let mut kept_at: HashMap<(usize, String), usize> = HashMap::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(path) = normalize_path(&raw) else {
            if !matches!(raw.as_str(), "." | "./" | "/" | "") {
                scan.warnings.push(format!(
                    "layer {index}: skipped entry '{raw}': path escapes the image root"
                ));
            }
            continue;
        };
        let name = path.rsplit('/').next().unwrap_or(&path);
        if let Some(hidden) = name.strip_prefix(".wh.") {
            let dir = parent(&path).unwrap_or("");
            if hidden == ".wh..opq" {
                scan.opaque.insert(dir.to_string());
            } else if !hidden.is_empty() {
                let target = if dir.is_empty() {
                    hidden.to_string()
                } else {
                    format!("{dir}/{hidden}")
                };
                scan.whiteouts.insert(target);
            }
            continue;
        }
        let header = entry.header();
        let kind = header.entry_type();
        let mode = header.mode().unwrap_or(0o644);
        if kind.is_dir() {
            scan.entries.insert(path, EntryKind::Dir);
            continue;
        }
        if kind.is_symlink() {
            let target = entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            scan.entries.insert(path, EntryKind::Symlink(target));
            continue;
        }
        if kind.is_hard_link() {
            // The content lives at the link target, earlier in this layer.
            let target = entry
                .link_name_bytes()
                .and_then(|b| normalize_path(&String::from_utf8_lossy(&b)));
            scan.entries.insert(path.clone(), EntryKind::File);
            if let Some(target) = target {
                let copies: Vec<(usize, CapturedFile)> = scan
                    .kept
                    .iter()
                    .filter(|(_, f)| f.path == target)
                    .map(|(ci, f)| {
                        (
                            *ci,
                            CapturedFile {
                                path: path.clone(),
                                ..f.clone()
                            },
                        )
                    })
                    .collect();
                for (ci, f) in copies {
                    kept_at.insert((ci, path.clone()), scan.kept.len());
                    scan.kept.push((ci, f));
                }
            }
            continue;
        }
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            scan.entries.insert(path, EntryKind::Other);
            continue;
        }
        scan.entries.insert(path.clone(), EntryKind::File);
        let size = entry.size();
        let info = EntryInfo {
            path: &path,
            size,
            mode,
        };

        // Who wants this file, and how.
        let mut keep: Vec<(usize, u64)> = Vec::new();
        let mut immediate: Vec<(usize, u64)> = Vec::new();
        let mut probes: Vec<(usize, Box<dyn Probe>)> = Vec::new();
        if release::wants(&path) {
            keep.push((RELEASE_FILES, RELEASE_MAX));
        }
        for (ci, c) in catalogers.iter().enumerate() {
            match c.wants(&info) {
                Some(Capture::Keep { max }) => keep.push((ci, max)),
                Some(Capture::Immediate { max }) => immediate.push((ci, max)),
                Some(Capture::Probe(p)) => probes.push((ci, p)),
                None => {}
            }
        }
        if keep.is_empty() && immediate.is_empty() && probes.is_empty() {
            continue;
        }
        let whole_limit = keep
            .iter()
            .chain(immediate.iter())
            .map(|(_, m)| *m)
            .filter(|m| *m >= size)
            .max();
        for (ci, max) in keep.iter().chain(immediate.iter()) {
            if size > *max {
                let who = catalogers.get(*ci).map(|c| c.name()).unwrap_or("release");
                scan.warnings.push(format!("layer {index}: {path}: {size} bytes exceeds the {max}-byte limit of the {who} cataloger; skipped"));
            }
        }
        let content = if let Some(limit) = whole_limit {
            let mut buf = Vec::with_capacity(size.min(limit) as usize);
            (&mut entry).take(limit).read_to_end(&mut buf)?;
            for (_, p) in probes.iter_mut() {
                p.feed(&buf);
            }
            Some(buf)
        } else {
            // Stream through the probes only, in bounded chunks.
            let mut chunk = vec![0u8; 64 * 1024];
            let mut active: Vec<bool> = vec![true; probes.len()];
            loop {
                let n = entry.read(&mut chunk)?;
                if n == 0 {
                    break;
                }
                for (i, (_, p)) in probes.iter_mut().enumerate() {
                    if active[i] && p.feed(&chunk[..n]) == ProbeState::Done {
                        active[i] = false;
                    }
                }
                if !active.iter().any(|a| *a) {
                    break; // the rest of the entry is skipped by the tar reader
                }
            }
            None
        };
        let file = |bytes: Vec<u8>| CapturedFile {
            path: path.clone(),
            layer_index: index,
            mode,
            content: bytes,
        };
        if let Some(buf) = &content {
            for (ci, max) in &keep {
                if size <= *max {
                    let slot = scan.kept.len();
                    if let Some(old) = kept_at.insert((*ci, path.clone()), slot) {
                        // Replace the earlier copy of this path in the same layer.
                        scan.kept[old].1.content = Vec::new();
                        scan.kept[old].0 = usize::MAX - 1;
                    }
                    scan.kept.push((*ci, file(buf.clone())));
                }
            }
            for (ci, max) in &immediate {
                if size <= *max {
                    let out = catalogers[*ci].catalog_file(&file(buf.clone()), &ctx);
                    scan.immediate.push((*ci, path.clone(), out));
                }
            }
        }
        for (ci, p) in probes {
            if let Some(bytes) = p.finish() {
                let out = catalogers[ci].catalog_file(&file(bytes), &ctx);
                scan.immediate.push((ci, path.clone(), out));
            }
        }
    }
    // Drop replaced same-layer duplicates.
    scan.kept.retain(|(ci, _)| *ci != usize::MAX - 1);
    let counting = archive.into_inner();
    scan.bytes = counting.total;
    Ok(scan)
}

/// A layer to scan: its index, a name for messages (its digest), and its uncompressed tar stream.
pub type LayerInput = (usize, String, Box<dyn Read + Send>);

/// Scan all layers, at most `parallelism` at a time.
pub fn scan_layers(
    layers: Vec<LayerInput>,
    catalogers: &[Box<dyn Cataloger>],
    parallelism: usize,
    progress: Option<ProgressFn>,
) -> Result<Vec<LayerScan>, WalkError> {
    let total = layers.len();
    let queue: Vec<Mutex<Option<LayerInput>>> =
        layers.into_iter().map(|l| Mutex::new(Some(l))).collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Result<LayerScan, WalkError>>> = Mutex::new(Vec::with_capacity(total));
    let workers = parallelism.clamp(1, total.max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= total {
                    break;
                }
                let Some((index, what, reader)) = queue[i].lock().expect("queue lock").take()
                else {
                    continue;
                };
                if let Some(p) = &progress {
                    p(Progress::LayerStarted(index, total));
                }
                let r = scan_layer(index, reader, catalogers, progress.clone()).map_err(|source| {
                    WalkError {
                        index,
                        what,
                        source,
                    }
                });
                if let Some(p) = &progress {
                    p(Progress::LayerDone(index));
                }
                let failed = r.is_err();
                results.lock().expect("results lock").push(r);
                if failed {
                    // Stop handing out work; other workers finish their current layer.
                    next.store(total, Ordering::SeqCst);
                }
            });
        }
    });
    let mut scans = Vec::with_capacity(total);
    for r in results.into_inner().expect("results lock") {
        scans.push(r?);
    }
    scans.sort_by_key(|s| s.index);
    Ok(scans)
}

/// The image's filesystem as the layers stack up: decides which captured files are visible.
pub struct Stack<'a> {
    layers: &'a [LayerScan],
}

impl<'a> Stack<'a> {
    /// A stack of scanned layers (in order, base first).
    pub fn new(layers: &'a [LayerScan]) -> Self {
        Self { layers }
    }

    /// True when the file `path` from layer `index` is in the final filesystem:
    /// no later layer replaces it, deletes it or an ancestor, makes an ancestor
    /// opaque, or replaces an ancestor with a non-directory.
    pub fn visible(&self, index: usize, path: &str) -> bool {
        self.layers.iter().filter(|l| l.index > index).all(|l| {
            if l.entries.contains_key(path) || l.whiteouts.contains(path) {
                return false;
            }
            ancestors(path).all(|a| {
                !l.whiteouts.contains(a)
                    && !l.opaque.contains(a)
                    && !matches!(l.entries.get(a), Some(k) if *k != EntryKind::Dir)
            }) && !l.opaque.contains("")
        })
    }

    /// Symlinks in the final filesystem (path → target as stored).
    pub fn visible_symlinks(&self) -> HashMap<String, String> {
        let mut out = HashMap::new();
        for l in self.layers {
            for (p, k) in &l.entries {
                if let EntryKind::Symlink(t) = k {
                    if self.visible(l.index, p) {
                        out.insert(p.clone(), t.clone());
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data) in entries {
            let mut h = tar::Header::new_gnu();
            if path.ends_with('/') {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                h.set_mode(0o755);
                h.set_cksum();
                b.append_data(&mut h, path, &[][..]).unwrap();
            } else {
                h.set_size(data.len() as u64);
                h.set_mode(0o644);
                h.set_cksum();
                b.append_data(&mut h, path, *data).unwrap();
            }
        }
        b.into_inner().unwrap()
    }

    /// Keeps every file under `keep/`.
    struct KeepAll;
    impl Cataloger for KeepAll {
        fn name(&self) -> &'static str {
            "test"
        }
        fn wants(&self, e: &EntryInfo<'_>) -> Option<Capture> {
            e.path
                .starts_with("keep/")
                .then_some(Capture::Keep { max: 1024 })
        }
    }

    fn scan(i: usize, entries: &[(&str, &[u8])]) -> LayerScan {
        let cats: Vec<Box<dyn Cataloger>> = vec![Box::new(KeepAll)];
        scan_layer(i, Box::new(io::Cursor::new(tar_of(entries))), &cats, None).unwrap()
    }

    #[test]
    fn normalizes_paths() {
        assert_eq!(
            normalize_path("./etc/os-release").as_deref(),
            Some("etc/os-release")
        );
        assert_eq!(
            normalize_path("/usr//lib/./x").as_deref(),
            Some("usr/lib/x")
        );
        assert_eq!(normalize_path("a/b/../c").as_deref(), Some("a/c"));
        assert_eq!(normalize_path("../etc/passwd"), None);
        assert_eq!(normalize_path("a/../../etc"), None);
        assert_eq!(normalize_path("./"), None);
    }

    #[test]
    fn whiteouts_and_opaque_dirs_hide_lower_files() {
        let l0 = scan(
            0,
            &[
                ("keep/a", b"1"),
                ("keep/dir/b", b"2"),
                ("keep/dir/c", b"3"),
                ("keep/x/y", b"4"),
                ("keep/z", b"5"),
            ],
        );
        let l1 = scan(
            1,
            &[
                ("keep/.wh.a", b""),
                ("keep/dir/.wh..wh..opq", b""),
                ("keep/dir/c", b"3b"),
                ("keep/x", b"file now"),
            ],
        );
        let layers = vec![l0, l1];
        let st = Stack::new(&layers);
        assert!(!st.visible(0, "keep/a"), "whited out");
        assert!(
            !st.visible(0, "keep/dir/b"),
            "opaque dir hides lower content"
        );
        assert!(!st.visible(0, "keep/dir/c"), "replaced in the upper layer");
        assert!(st.visible(1, "keep/dir/c"), "the upper copy is visible");
        assert!(!st.visible(0, "keep/x/y"), "ancestor replaced by a file");
        assert!(st.visible(0, "keep/z"));
    }

    #[test]
    fn hostile_paths_are_skipped_with_a_warning() {
        let s = scan(0, &[("keep/ok", b"fine")]);
        assert_eq!(s.kept.len(), 1);
        // tar::Builder refuses '..' paths, so write the header bytes by hand.
        let mut h = tar::Header::new_old();
        h.as_old_mut().name[..13].copy_from_slice(b"../keep/evil\0");
        h.set_size(4);
        h.set_mode(0o644);
        h.set_cksum();
        let mut raw = h.as_bytes().to_vec();
        raw.extend_from_slice(b"evil");
        raw.resize(1024, 0);
        raw.extend_from_slice(&[0u8; 1024]);
        let cats: Vec<Box<dyn Cataloger>> = vec![Box::new(KeepAll)];
        let s = scan_layer(0, Box::new(io::Cursor::new(raw)), &cats, None).unwrap();
        assert!(s.kept.is_empty());
        assert!(
            s.warnings[0].contains("escapes the image root"),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn oversized_files_are_skipped_not_buffered() {
        let big = vec![b'x'; 4096];
        let s = scan(0, &[("keep/big", &big)]);
        assert!(s.kept.is_empty());
        assert!(
            s.warnings[0].contains("exceeds the 1024-byte limit"),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn truncated_tar_is_an_error() {
        let mut t = tar_of(&[("keep/a", &[b'a'; 3000])]);
        t.truncate(1500);
        let cats: Vec<Box<dyn Cataloger>> = vec![Box::new(KeepAll)];
        assert!(scan_layer(0, Box::new(io::Cursor::new(t)), &cats, None).is_err());
    }

    #[test]
    fn parallel_scan_keeps_layer_order() {
        let layers: Vec<LayerInput> = (0..5)
            .map(|i| {
                let data = format!("layer {i}");
                let t = tar_of(&[("keep/f", data.as_bytes())]);
                (
                    i,
                    format!("l{i}"),
                    Box::new(io::Cursor::new(t)) as Box<dyn Read + Send>,
                )
            })
            .collect();
        let cats: Vec<Box<dyn Cataloger>> = vec![Box::new(KeepAll)];
        let scans = scan_layers(layers, &cats, 3, None).unwrap();
        let idx: Vec<usize> = scans.iter().map(|s| s.index).collect();
        assert_eq!(idx, vec![0, 1, 2, 3, 4]);
        let st = Stack::new(&scans);
        assert!(st.visible(4, "keep/f") && !st.visible(3, "keep/f"));
    }
}
