//! SPDX 2.3, JSON and tag-value.
//!
//! One document per image:
//! - the image is a package (`SPDXRef-DocumentRoot-Image-<name>`, purpose
//!   `CONTAINER`, version = digest, SHA256 checksum, `pkg:oci` purl) that the
//!   document `DESCRIBES`;
//! - the distro is a package of purpose `OPERATING_SYSTEM` (`OPERATING-SYSTEM`
//!   in tag-value);
//! - each inventory package is a package of purpose `LIBRARY` with
//!   `supplier`, `downloadLocation`, `licenseConcluded` and `copyrightText`
//!   `NOASSERTION`, `filesAnalyzed: false`, `licenseDeclared` from the recorded
//!   licenses ([`super::license`]; several are joined with `AND`; free text
//!   becomes a `LicenseRef-` declared in `hasExtractedLicensingInfos` with the
//!   recorded text), external references `PACKAGE-MANAGER purl` and
//!   `SECURITY cpe23Type`, and `sourceInfo` naming the cataloger and files;
//! - relationships: image `CONTAINS` every package, `DEPENDS_ON` edges from the
//!   inventory.
//!
//! SPDX ids use only letters, digits, `.` and `-`; see [`spdx_id`].
//!
//! The `spdx-rs` crate is not used: it defaults to SPDX 2.2, cannot write
//! tag-value, and would bring chrono, nom 7, strum 0.24 and thiserror 1 into
//! the build for what is a set of plain serde structs here.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::license::{self, License};
use super::{cyclonedx::type_name, Document, FormatError, SbomFormat};
use crate::sbom::model::Package;

const NOASSERTION: &str = "NOASSERTION";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxDocument {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<SpdxPackage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicense>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    license_list_version: String,
    creators: Vec<String>,
    created: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    name: String,
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    supplier: &'static str,
    download_location: &'static str,
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    license_concluded: &'static str,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: &'static str,
    checksum_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicense {
    license_id: String,
    extracted_text: String,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

/// SPDX 2.3 JSON.
pub(crate) fn to_json(doc: &Document<'_>) -> Result<Vec<u8>, FormatError> {
    let mut out =
        serde_json::to_vec_pretty(&document(doc)).map_err(|source| FormatError::Json {
            format: SbomFormat::SpdxJson,
            source,
        })?;
    out.push(b'\n');
    Ok(out)
}

/// SPDX 2.3 tag-value.
pub(crate) fn to_tag_value(doc: &Document<'_>) -> Vec<u8> {
    let d = document(doc);
    let mut o = String::new();
    let tag = |o: &mut String, k: &str, v: &str| {
        let _ = writeln!(o, "{k}: {}", single_line(v));
    };
    tag(&mut o, "SPDXVersion", d.spdx_version);
    tag(&mut o, "DataLicense", d.data_license);
    tag(&mut o, "SPDXID", d.spdx_id);
    tag(&mut o, "DocumentName", &d.name);
    tag(&mut o, "DocumentNamespace", &d.document_namespace);
    tag(
        &mut o,
        "LicenseListVersion",
        &d.creation_info.license_list_version,
    );
    for c in &d.creation_info.creators {
        tag(&mut o, "Creator", c);
    }
    tag(&mut o, "Created", &d.creation_info.created);
    for p in &d.packages {
        let _ = writeln!(o, "\n##### Package: {}\n", single_line(&p.name));
        tag(&mut o, "PackageName", &p.name);
        tag(&mut o, "SPDXID", &p.spdx_id);
        if let Some(v) = &p.version_info {
            tag(&mut o, "PackageVersion", v);
        }
        tag(&mut o, "PackageSupplier", p.supplier);
        tag(&mut o, "PackageDownloadLocation", p.download_location);
        tag(
            &mut o,
            "FilesAnalyzed",
            if p.files_analyzed { "true" } else { "false" },
        );
        for c in &p.checksums {
            tag(
                &mut o,
                "PackageChecksum",
                &format!("{}: {}", c.algorithm, c.checksum_value),
            );
        }
        if let Some(s) = &p.source_info {
            let _ = writeln!(o, "PackageSourceInfo: {}", text(s));
        }
        tag(&mut o, "PackageLicenseConcluded", p.license_concluded);
        tag(&mut o, "PackageLicenseDeclared", &p.license_declared);
        tag(&mut o, "PackageCopyrightText", p.copyright_text);
        if let Some(s) = &p.description {
            let _ = writeln!(o, "PackageDescription: {}", text(s));
        }
        for r in &p.external_refs {
            tag(
                &mut o,
                "ExternalRef",
                &format!(
                    "{} {} {}",
                    r.reference_category, r.reference_type, r.reference_locator
                ),
            );
        }
        // JSON spells the purpose OPERATING_SYSTEM, tag-value OPERATING-SYSTEM
        tag(
            &mut o,
            "PrimaryPackagePurpose",
            &p.primary_package_purpose.replace('_', "-"),
        );
    }
    if !d.relationships.is_empty() {
        o.push_str("\n##### Relationships\n\n");
        for r in &d.relationships {
            tag(
                &mut o,
                "Relationship",
                &format!(
                    "{} {} {}",
                    r.spdx_element_id, r.relationship_type, r.related_spdx_element
                ),
            );
        }
    }
    if !d.has_extracted_licensing_infos.is_empty() {
        o.push_str("\n##### Other licenses\n");
        for l in &d.has_extracted_licensing_infos {
            o.push('\n');
            tag(&mut o, "LicenseID", &l.license_id);
            let _ = writeln!(o, "ExtractedText: {}", text(&l.extracted_text));
            tag(&mut o, "LicenseName", &l.name);
        }
    }
    o.into_bytes()
}

/// A tag-value value on one line: control characters become spaces.
fn single_line(v: &str) -> String {
    v.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A multi-line tag-value text value: newlines kept, other control
/// characters become spaces, a `</text>` inside cannot end it early.
fn text(v: &str) -> String {
    let v: String = v
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    format!("<text>{}</text>", v.replace("</text>", "</ text>"))
}

/// `SPDXRef-<parts joined by '-'>`, every character outside letters, digits,
/// `.` and `-` replaced by `-`.
pub fn spdx_id(parts: &[&str]) -> String {
    let mut id = String::from("SPDXRef");
    for p in parts {
        id.push('-');
        id.extend(p.chars().map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        }));
    }
    id
}

/// Free-text license strings and the `LicenseRef-`s standing for them.
#[derive(Default)]
struct LicenseRefs {
    /// id -> (name, extracted text)
    by_id: BTreeMap<String, (String, String)>,
}

impl LicenseRefs {
    /// The `LicenseRef-` for a free-text license, unique per distinct text.
    fn for_name(&mut self, raw: &str) -> String {
        let base = license::license_ref(raw);
        let mut id = base.clone();
        let mut n = 2;
        loop {
            match self.by_id.get(&id) {
                Some((_, text)) if text == raw => return id,
                Some(_) => {
                    id = format!("{base}-{n}");
                    n += 1;
                }
                None => {
                    self.by_id
                        .insert(id.clone(), (raw.to_string(), raw.to_string()));
                    return id;
                }
            }
        }
    }

    /// Declare `LicenseRef-`s used inside a recorded expression.
    fn note_expression(&mut self, expression: &str, raw: &str) {
        for token in expression.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
            if token.starts_with("LicenseRef-") && !self.by_id.contains_key(token) {
                self.by_id
                    .insert(token.to_string(), (token.to_string(), raw.to_string()));
            }
        }
    }
}

fn declared_license(raw: &[String], refs: &mut LicenseRefs) -> String {
    let mut parts: Vec<String> = Vec::new();
    for r in raw {
        let part = match license::classify(r) {
            None => continue,
            Some(License::Id(id)) => id,
            Some(License::Expression(e)) => {
                refs.note_expression(&e, r);
                e
            }
            Some(License::Name(n)) => refs.for_name(&n),
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    if parts.is_empty() {
        NOASSERTION.to_string()
    } else {
        super::cyclonedx::join_and(&parts)
    }
}

fn purl_ref(purl: &str) -> ExternalRef {
    ExternalRef {
        reference_category: "PACKAGE-MANAGER",
        reference_type: "purl",
        reference_locator: purl.to_string(),
    }
}

fn document(doc: &Document<'_>) -> SpdxDocument {
    let inv = &doc.inventory;
    let image = &doc.image;
    let mut refs = LicenseRefs::default();
    let mut packages = Vec::with_capacity(inv.packages.len() + 2);
    let mut relationships = Vec::with_capacity(inv.packages.len() + doc.edges.len() + 2);

    let image_id = spdx_id(&["DocumentRoot", "Image", &image.name]);
    let checksums = image
        .digest
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|h| {
            vec![Checksum {
                algorithm: "SHA256",
                checksum_value: h.to_ascii_lowercase(),
            }]
        })
        .unwrap_or_default();
    packages.push(SpdxPackage {
        name: image.name.clone(),
        spdx_id: image_id.clone(),
        version_info: (!image.digest.is_empty()).then(|| image.digest.clone()),
        supplier: NOASSERTION,
        download_location: NOASSERTION,
        files_analyzed: false,
        checksums,
        source_info: None,
        license_concluded: NOASSERTION,
        license_declared: NOASSERTION.to_string(),
        copyright_text: NOASSERTION,
        description: None,
        external_refs: image.purl.iter().map(|p| purl_ref(p)).collect(),
        primary_package_purpose: "CONTAINER",
    });
    relationships.push(Relationship {
        spdx_element_id: "SPDXRef-DOCUMENT".into(),
        relationship_type: "DESCRIBES",
        related_spdx_element: image_id.clone(),
    });

    if let Some(d) = inv.distro.as_ref().filter(|d| !d.id.is_empty()) {
        let id = spdx_id(&["OperatingSystem", &d.id, &d.version_id]);
        packages.push(SpdxPackage {
            name: d.id.clone(),
            spdx_id: id.clone(),
            version_info: (!d.version_id.is_empty()).then(|| d.version_id.clone()),
            supplier: NOASSERTION,
            download_location: NOASSERTION,
            files_analyzed: false,
            checksums: Vec::new(),
            source_info: Some("found by sc from the image's os-release".into()),
            license_concluded: NOASSERTION,
            license_declared: NOASSERTION.to_string(),
            copyright_text: NOASSERTION,
            description: d.pretty_name.clone(),
            external_refs: Vec::new(),
            primary_package_purpose: "OPERATING_SYSTEM",
        });
        relationships.push(Relationship {
            spdx_element_id: image_id.clone(),
            relationship_type: "CONTAINS",
            related_spdx_element: id,
        });
    }

    let ids: Vec<String> = doc
        .packages()
        .map(|(p, id)| spdx_id(&["Package", &type_name(p), &p.name, id]))
        .collect();
    for ((p, _), id) in doc.packages().zip(&ids) {
        packages.push(package(p, id.clone(), &mut refs));
        relationships.push(Relationship {
            spdx_element_id: image_id.clone(),
            relationship_type: "CONTAINS",
            related_spdx_element: id.clone(),
        });
    }
    for &(from, to) in &doc.edges {
        relationships.push(Relationship {
            spdx_element_id: ids[from].clone(),
            relationship_type: "DEPENDS_ON",
            related_spdx_element: ids[to].clone(),
        });
    }

    let namespace_name: String = image
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    SpdxDocument {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: image.name.clone(),
        document_namespace: format!(
            "https://sc.dev/spdxdocs/{namespace_name}-{}",
            doc.uuid("spdx")
        ),
        creation_info: CreationInfo {
            license_list_version: license::license_list_version(),
            creators: vec![format!("Tool: sc-{}", doc.opts.tool_version)],
            created: doc.opts.timestamp(),
        },
        packages,
        has_extracted_licensing_infos: refs
            .by_id
            .into_iter()
            .map(|(license_id, (name, extracted_text))| ExtractedLicense {
                license_id,
                extracted_text,
                name,
            })
            .collect(),
        relationships,
    }
}

fn package(p: &Package, spdx_id: String, refs: &mut LicenseRefs) -> SpdxPackage {
    let mut external_refs: Vec<ExternalRef> = p
        .cpes
        .iter()
        .map(|c| ExternalRef {
            reference_category: "SECURITY",
            reference_type: "cpe23Type",
            reference_locator: c.clone(),
        })
        .collect();
    if !p.purl.is_empty() {
        external_refs.push(purl_ref(&p.purl));
    }
    let paths: Vec<String> = p
        .locations
        .iter()
        .map(|l| format!("/{}", l.path.trim_start_matches('/')))
        .collect();
    SpdxPackage {
        name: p.name.clone(),
        spdx_id,
        version_info: (!p.version.is_empty()).then(|| p.version.clone()),
        supplier: NOASSERTION,
        download_location: NOASSERTION,
        files_analyzed: false,
        checksums: Vec::new(),
        source_info: Some(format!(
            "found by sc's {} cataloger in: {}",
            p.found_by,
            paths.join(", ")
        )),
        license_concluded: NOASSERTION,
        license_declared: declared_license(&p.licenses, refs),
        copyright_text: NOASSERTION,
        description: None,
        external_refs,
        primary_package_purpose: "LIBRARY",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_ids_are_sanitized() {
        assert_eq!(
            spdx_id(&["Package", "npm", "@types/node", "0123abcd"]),
            "SPDXRef-Package-npm--types-node-0123abcd"
        );
        assert_eq!(
            spdx_id(&["Package", "go", "github.com/spf13/cobra", "x"]),
            "SPDXRef-Package-go-github.com-spf13-cobra-x"
        );
        assert_eq!(
            spdx_id(&["DocumentRoot", "Image", "oci:fixtures/x:v1 é"]),
            "SPDXRef-DocumentRoot-Image-oci-fixtures-x-v1--"
        );
        let re = regex::Regex::new(r"^SPDXRef-[A-Za-z0-9.\-]+$").unwrap();
        assert!(re.is_match(&spdx_id(&["a b", "c_d", "ü"])));
    }

    #[test]
    fn declared_licenses() {
        let mut refs = LicenseRefs::default();
        let d = |raw: &[&str], refs: &mut LicenseRefs| {
            let v: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
            declared_license(&v, refs)
        };
        assert_eq!(d(&[], &mut refs), "NOASSERTION");
        assert_eq!(d(&["MIT"], &mut refs), "MIT");
        assert_eq!(d(&["GPL-2.0+"], &mut refs), "GPL-2.0-or-later");
        assert_eq!(
            d(&["Apache-2.0 OR MIT", "BSD-3-Clause"], &mut refs),
            "(Apache-2.0 OR MIT) AND BSD-3-Clause"
        );
        assert_eq!(d(&["Apache 2.0"], &mut refs), "LicenseRef-Apache-2.0");
        // a different text that sanitizes to the same id gets its own
        assert_eq!(d(&["Apache (2.0)"], &mut refs), "LicenseRef-Apache-2.0-2");
        assert_eq!(d(&["Apache 2.0"], &mut refs), "LicenseRef-Apache-2.0");
        assert_eq!(
            d(&["MIT OR LicenseRef-acme"], &mut refs),
            "MIT OR LicenseRef-acme"
        );
        let ids: Vec<&String> = refs.by_id.keys().collect();
        assert_eq!(
            ids,
            [
                "LicenseRef-Apache-2.0",
                "LicenseRef-Apache-2.0-2",
                "LicenseRef-acme"
            ]
        );
    }
}
