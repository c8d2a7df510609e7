#![no_main]
//! Parsers of identifiers users and documents hand to sc: image references,
//! digests, platforms, image source specs, package URLs, CPEs, OSV records,
//! and ecosystem versions (parse and compare in every ecosystem).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let _ = s.parse::<sc::reference::ImageReference>();
    let _ = s.parse::<sc::digest::Digest>();
    let _ = s.parse::<sc::source::Platform>();
    let _ = s.parse::<sc::source::SourceSpec>();
    if let Ok(p) = s.parse::<sc::sbom::purl::Purl>() {
        let _ = p.to_string().parse::<sc::sbom::purl::Purl>();
    }
    let _ = s.parse::<sc::sbom::cpe::Cpe>();
    let _ = serde_json::from_slice::<sc::vulndb::OsvRecord>(data);
    let (a, b) = s.split_at(s.len() / 2);
    for eco in sc_version::Ecosystem::ALL {
        let _ = sc_version::parse(eco, a);
        let _ = sc_version::compare(eco, a, b);
    }
});
