//! CycloneDX 1.6, JSON and XML.
//!
//! - `metadata.tools` in the 1.5+ form (`{"components": [{"type": "application",
//!   "name": "sc", ...}]}`), `metadata.timestamp`, and `metadata.component`: the
//!   image (`type: container`, name = the source as given, version = its
//!   digest, purl `pkg:oci/...`);
//! - one `library` component per package (OS packages too, as syft does) with
//!   `bom-ref`, `group` (Maven groupId), name, version, licenses, `cpe` (the
//!   first; others as `sc:cpe23` properties), purl and `sc:` properties (package
//!   type, cataloger, arch, source package, each location's path, layer index
//!   and layer digest, cataloger metadata);
//! - an `operating-system` component for the distro;
//! - `dependencies` from the inventory's relationships.
//!
//! Licenses: single SPDX identifiers as `license.id`, other valid expressions as
//! `expression`, free text as `license.name` ([`super::license`]). CycloneDX
//! 1.6 allows either a list of licenses or exactly one expression, so when a
//! package records an expression alongside other strings they are joined into
//! one expression with `AND`, free text becoming `LicenseRef-<text>`.
//!
//! The `cyclonedx-bom` crate is not used: its newest release (0.8.1) writes
//! specification 1.3 to 1.5 only.

use serde::Serialize;

use super::license::{self, License};
use super::{Document, FormatError, SbomFormat};
use crate::sbom::model::Package;

const SPEC_VERSION: &str = "1.6";
const SCHEMA_URL: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";
const XML_NAMESPACE: &str = "http://cyclonedx.org/schema/bom/1.6";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<Dependency>,
}

#[derive(Serialize)]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    License { license: LicenseObject },
    Expression { expression: String },
}

#[derive(Serialize)]
struct LicenseObject {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize)]
struct Property {
    name: String,
    value: String,
}

#[derive(Serialize)]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(rename = "dependsOn")]
    depends_on: Vec<String>,
}

/// CycloneDX 1.6 JSON.
pub(crate) fn to_json(doc: &Document<'_>) -> Result<Vec<u8>, FormatError> {
    let mut out = serde_json::to_vec_pretty(&bom(doc)).map_err(|source| FormatError::Json {
        format: SbomFormat::CycloneDxJson,
        source,
    })?;
    out.push(b'\n');
    Ok(out)
}

/// CycloneDX 1.6 XML.
pub(crate) fn to_xml(doc: &Document<'_>) -> Vec<u8> {
    let bom = bom(doc);
    let mut x = Xml::default();
    x.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let version = bom.version.to_string();
    x.open(
        "bom",
        &[
            ("xmlns", XML_NAMESPACE),
            ("serialNumber", &bom.serial_number),
            ("version", &version),
        ],
    );
    x.open("metadata", &[]);
    x.leaf("timestamp", &bom.metadata.timestamp);
    x.open("tools", &[]);
    x.open("components", &[]);
    for c in &bom.metadata.tools.components {
        component_xml(&mut x, c);
    }
    x.close("components");
    x.close("tools");
    component_xml(&mut x, &bom.metadata.component);
    x.close("metadata");
    x.open("components", &[]);
    for c in &bom.components {
        component_xml(&mut x, c);
    }
    x.close("components");
    if !bom.dependencies.is_empty() {
        x.open("dependencies", &[]);
        for d in &bom.dependencies {
            x.open("dependency", &[("ref", &d.reference)]);
            for on in &d.depends_on {
                x.empty("dependency", &[("ref", on)]);
            }
            x.close("dependency");
        }
        x.close("dependencies");
    }
    x.close("bom");
    x.out.into_bytes()
}

fn bom(doc: &Document<'_>) -> Bom {
    let inv = &doc.inventory;
    let image = &doc.image;
    let image_ref = image
        .purl
        .clone()
        .unwrap_or_else(|| format!("image:{}", image.digest));
    let metadata = Metadata {
        timestamp: doc.opts.timestamp(),
        tools: Tools {
            components: vec![Component {
                kind: "application",
                name: crate::TOOL_NAME.to_string(),
                version: Some(doc.opts.tool_version.clone()),
                ..Default::default()
            }],
        },
        component: Component {
            bom_ref: Some(image_ref),
            kind: "container",
            name: image.name.clone(),
            version: non_empty(&image.digest),
            purl: image.purl.clone(),
            ..Default::default()
        },
    };
    let mut components: Vec<Component> = doc.packages().map(|(p, id)| component(p, id)).collect();
    if let Some(d) = inv.distro.as_ref().filter(|d| !d.id.is_empty()) {
        let mut properties = vec![prop("sc:distro:id", &d.id)];
        if !d.version_id.is_empty() {
            properties.push(prop("sc:distro:versionID", &d.version_id));
        }
        if let Some(c) = &d.version_codename {
            properties.push(prop("sc:distro:versionCodename", c));
        }
        if !d.id_like.is_empty() {
            properties.push(prop("sc:distro:idLike", &d.id_like.join(" ")));
        }
        components.push(Component {
            bom_ref: Some(os_ref(&d.id, &d.version_id)),
            kind: "operating-system",
            name: d.id.clone(),
            version: non_empty(&d.version_id),
            description: d.pretty_name.clone(),
            properties,
            ..Default::default()
        });
    }
    let refs: Vec<String> = doc.packages().map(|(p, id)| bom_ref(p, id)).collect();
    let mut dependencies: Vec<Dependency> = Vec::new();
    for &(from, to) in &doc.edges {
        match dependencies.last_mut() {
            Some(d) if d.reference == refs[from] => d.depends_on.push(refs[to].clone()),
            _ => dependencies.push(Dependency {
                reference: refs[from].clone(),
                depends_on: vec![refs[to].clone()],
            }),
        }
    }
    Bom {
        schema: SCHEMA_URL,
        bom_format: "CycloneDX",
        spec_version: SPEC_VERSION,
        serial_number: format!("urn:uuid:{}", doc.uuid("cyclonedx")),
        version: 1,
        metadata,
        components,
        dependencies,
    }
}

/// `bom-ref` of a package: `<purl>?package-id=<id>` (syft's form).
pub(crate) fn bom_ref(p: &Package, id: &str) -> String {
    if p.purl.is_empty() {
        return format!("package-id:{id}");
    }
    let sep = if p.purl.contains('?') { '&' } else { '?' };
    format!("{}{sep}package-id={id}", p.purl)
}

fn os_ref(id: &str, version: &str) -> String {
    if version.is_empty() {
        format!("os:{id}")
    } else {
        format!("os:{id}@{version}")
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn prop(name: &str, value: &str) -> Property {
    Property {
        name: name.to_string(),
        value: value.to_string(),
    }
}

/// The model's name for a package type (`deb`, `python`, `java`, ...).
pub(crate) fn type_name(p: &Package) -> String {
    serde_json::to_value(p.package_type)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn component(p: &Package, id: &str) -> Component {
    let mut properties = vec![
        prop("sc:package:type", &type_name(p)),
        prop("sc:package:foundBy", &p.found_by),
    ];
    if let Some(a) = &p.arch {
        properties.push(prop("sc:package:arch", a));
    }
    if let Some(s) = &p.source {
        properties.push(prop("sc:package:sourceName", &s.name));
        if let Some(v) = &s.version {
            properties.push(prop("sc:package:sourceVersion", v));
        }
    }
    for c in p.cpes.iter().skip(1) {
        properties.push(prop("sc:cpe23", c));
    }
    for (i, l) in p.locations.iter().enumerate() {
        properties.push(prop(
            &format!("sc:location:{i}:path"),
            &format!("/{}", l.path.trim_start_matches('/')),
        ));
        properties.push(prop(
            &format!("sc:location:{i}:layerIndex"),
            &l.layer_index.to_string(),
        ));
        if let Some(d) = &l.layer_digest {
            properties.push(prop(&format!("sc:location:{i}:layerID"), d));
        }
    }
    for (k, v) in &p.metadata {
        properties.push(prop(&format!("sc:metadata:{k}"), v));
    }
    Component {
        bom_ref: Some(bom_ref(p, id)),
        kind: "library",
        group: if p.package_type == crate::sbom::model::PackageType::Java {
            p.namespace.clone().filter(|n| !n.is_empty())
        } else {
            None
        },
        name: p.name.clone(),
        version: non_empty(&p.version),
        description: None,
        licenses: licenses(&p.licenses),
        cpe: p.cpes.first().cloned(),
        purl: non_empty(&p.purl),
        properties,
    }
}

fn licenses(raw: &[String]) -> Vec<LicenseChoice> {
    let mut classified: Vec<License> = Vec::new();
    for l in raw.iter().filter_map(|r| license::classify(r)) {
        if !classified.contains(&l) {
            classified.push(l);
        }
    }
    let has_expression = classified
        .iter()
        .any(|l| matches!(l, License::Expression(_)));
    if !has_expression {
        return classified
            .into_iter()
            .map(|l| match l {
                License::Id(id) => LicenseChoice::License {
                    license: LicenseObject {
                        id: Some(id),
                        name: None,
                    },
                },
                License::Name(n) | License::Expression(n) => LicenseChoice::License {
                    license: LicenseObject {
                        id: None,
                        name: Some(n),
                    },
                },
            })
            .collect();
    }
    let parts: Vec<String> = classified
        .iter()
        .map(|l| match l {
            License::Id(id) => id.clone(),
            License::Expression(e) => e.clone(),
            License::Name(n) => license::license_ref(n),
        })
        .collect();
    vec![LicenseChoice::Expression {
        expression: join_and(&parts),
    }]
}

/// Join expressions with `AND`, parenthesizing compound ones.
pub(crate) fn join_and(parts: &[String]) -> String {
    if parts.len() == 1 {
        return parts[0].clone();
    }
    parts
        .iter()
        .map(|p| {
            if p.contains(' ') {
                format!("({p})")
            } else {
                p.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

fn component_xml(x: &mut Xml, c: &Component) {
    let mut attrs = vec![("type", c.kind)];
    if let Some(r) = &c.bom_ref {
        attrs.push(("bom-ref", r));
    }
    x.open("component", &attrs);
    if let Some(g) = &c.group {
        x.leaf("group", g);
    }
    x.leaf("name", &c.name);
    if let Some(v) = &c.version {
        x.leaf("version", v);
    }
    if let Some(d) = &c.description {
        x.leaf("description", d);
    }
    if !c.licenses.is_empty() {
        x.open("licenses", &[]);
        for l in &c.licenses {
            match l {
                LicenseChoice::License { license } => {
                    x.open("license", &[]);
                    if let Some(id) = &license.id {
                        x.leaf("id", id);
                    }
                    if let Some(n) = &license.name {
                        x.leaf("name", n);
                    }
                    x.close("license");
                }
                LicenseChoice::Expression { expression } => x.leaf("expression", expression),
            }
        }
        x.close("licenses");
    }
    if let Some(cpe) = &c.cpe {
        x.leaf("cpe", cpe);
    }
    if let Some(purl) = &c.purl {
        x.leaf("purl", purl);
    }
    if !c.properties.is_empty() {
        x.open("properties", &[]);
        for p in &c.properties {
            x.leaf_with("property", &[("name", &p.name)], &p.value);
        }
        x.close("properties");
    }
    x.close("component");
}

/// A minimal, indenting XML writer: elements, attributes, escaped text.
#[derive(Default)]
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape_into(&mut self.out, v, true);
            self.out.push('"');
        }
    }

    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push_str("/>\n");
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.leaf_with(name, &[], text);
    }

    fn leaf_with(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.start_tag(name, attrs);
        self.out.push('>');
        escape_into(&mut self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }
}

/// Escape for XML 1.0 text or attribute values; characters XML 1.0 cannot
/// carry at all (most C0 controls, U+FFFE, U+FFFF) become U+FFFD.
pub(crate) fn escape_into(out: &mut String, s: &str, attribute: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping() {
        let mut s = String::new();
        escape_into(&mut s, "a<b>&\"c\"\u{1}\td\ne\r", false);
        assert_eq!(s, "a&lt;b&gt;&amp;\"c\"\u{FFFD}\td\ne&#13;");
        let mut s = String::new();
        escape_into(&mut s, "x=\"1\"\n\t", true);
        assert_eq!(s, "x=&quot;1&quot;&#10;&#9;");
    }

    #[test]
    fn license_choices() {
        let j = |raw: &[&str]| {
            let v: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
            serde_json::to_string(&licenses(&v)).unwrap()
        };
        assert_eq!(j(&["MIT"]), r#"[{"license":{"id":"MIT"}}]"#);
        assert_eq!(
            j(&["MIT", "Apache 2.0", "MIT"]),
            r#"[{"license":{"id":"MIT"}},{"license":{"name":"Apache 2.0"}}]"#
        );
        assert_eq!(
            j(&["Apache-2.0 OR MIT"]),
            r#"[{"expression":"Apache-2.0 OR MIT"}]"#
        );
        assert_eq!(
            j(&["GPL-2.0+"]),
            r#"[{"license":{"id":"GPL-2.0-or-later"}}]"#
        );
        assert_eq!(
            j(&["Apache-2.0 OR MIT", "BSD-3-Clause", "Custom thing"]),
            r#"[{"expression":"(Apache-2.0 OR MIT) AND BSD-3-Clause AND LicenseRef-Custom-thing"}]"#
        );
        assert_eq!(j(&[]), "[]");
    }
}
