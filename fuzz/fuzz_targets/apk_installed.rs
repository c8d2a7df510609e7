#![no_main]
//! apk `lib/apk/db/installed`, through the whole cataloger (dependency resolution included).
use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use sc::sbom::catalog::apk::{self, ApkCataloger};
use sc::sbom::catalog::{CapturedFile, CatalogContext, Cataloger, FileSet};

fuzz_target!(|data: &[u8]| {
    let _ = apk::parse_installed(data);
    let files = FileSet::new(
        vec![CapturedFile {
            path: "lib/apk/db/installed".into(),
            layer_index: 0,
            mode: 0o644,
            content: data.to_vec(),
        }],
        HashMap::new(),
    );
    let _ = ApkCataloger.catalog(&files, &CatalogContext::default());
});
