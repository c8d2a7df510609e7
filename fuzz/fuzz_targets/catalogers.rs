#![no_main]
//! Every cataloger on arbitrary bytes, presented at each of the paths that make
//! catalogers want a file (metadata files, lockfiles, archives, binaries), the
//! way the layer walker presents them: Keep → catalog, Immediate → catalog_file,
//! Probe → feed in chunks, then catalog_file.
use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use sc::sbom::catalog::{self, Capture, CapturedFile, CatalogContext, EntryInfo, FileSet};

const PATHS: &[&str] = &[
    "usr/lib/python3/dist-packages/x-1.0.dist-info/METADATA",
    "usr/lib/python3/dist-packages/x-1.0.egg-info/PKG-INFO",
    "srv/app/node_modules/x/package.json",
    "srv/app/package-lock.json",
    "srv/app/yarn.lock",
    "srv/app/pnpm-lock.yaml",
    "usr/local/bundle/specifications/x-1.0.gemspec",
    "srv/app/Gemfile.lock",
    "srv/app/vendor/composer/installed.json",
    "srv/app/composer.lock",
    "srv/app/app.deps.json",
    "opt/app/x-1.0.jar",
    "usr/local/bin/tool",
    "var/lib/dpkg/status",
    "lib/apk/db/installed",
    "var/lib/rpm/rpmdb.sqlite",
];

fuzz_target!(|data: &[u8]| {
    let ctx = CatalogContext::default();
    for c in catalog::all() {
        for path in PATHS {
            let entry = EntryInfo { path, size: data.len() as u64, mode: 0o755 };
            let file = |content: Vec<u8>| CapturedFile { path: path.to_string(), layer_index: 0, mode: 0o755, content };
            match c.wants(&entry) {
                Some(Capture::Keep { max }) if data.len() as u64 <= max => {
                    let _ = c.catalog(&FileSet::new(vec![file(data.to_vec())], HashMap::new()), &ctx);
                }
                Some(Capture::Immediate { max }) if data.len() as u64 <= max => {
                    let _ = c.catalog_file(&file(data.to_vec()), &ctx);
                }
                Some(Capture::Probe(mut probe)) => {
                    for chunk in data.chunks(7) {
                        if probe.feed(chunk) == catalog::ProbeState::Done {
                            break;
                        }
                    }
                    if let Some(bytes) = probe.finish() {
                        let _ = c.catalog_file(&file(bytes), &ctx);
                    }
                }
                _ => {}
            }
        }
    }
});
