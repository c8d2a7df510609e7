//! Image sources on real files: the committed OCI layouts and docker-archive
//! fixtures, plus layouts built here with zstd layers and tampered blobs.

mod support;

use std::io::Read;
use std::path::Path;

use sc::digest::Digest;
use sc::layers::LayerLimits;
use sc::source::{self, ImageSource, OpenOptions, Platform, SourceError, SourceSpec};
use support::{repo_path, sc, stderr, stdout};

fn open(spec: &str) -> Box<dyn ImageSource> {
    source::open(
        &spec.parse::<SourceSpec>().unwrap(),
        &OpenOptions::default(),
    )
    .unwrap()
}

fn fixture(rel: &str) -> String {
    repo_path(&format!("fixtures/images/{rel}"))
        .display()
        .to_string()
}

fn index_digest(layout: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(Path::new(layout).join("index.json")).unwrap())
            .unwrap();
    v["manifests"][0]["digest"].as_str().unwrap().to_string()
}

/// Read every layer to the end (digests and diff IDs checked on the way) and return their sizes.
async fn read_layers(
    src: &dyn ImageSource,
    image: &source::ResolvedImage,
    check_diff: bool,
) -> Result<Vec<u64>, String> {
    let mut sizes = Vec::new();
    for layer in image.layers() {
        let mut r = source::open_layer(src, &layer, LayerLimits::default(), check_diff)
            .await
            .map_err(|e| e.to_string())?;
        let n = tokio::task::spawn_blocking(move || {
            let mut buf = Vec::new();
            r.read_to_end(&mut buf).map(|_| buf.len() as u64)
        })
        .await
        .unwrap()
        .map_err(|e| e.to_string())?;
        sizes.push(n);
    }
    Ok(sizes)
}

#[tokio::test]
async fn oci_layout_resolves_and_streams_verified_layers() {
    let dir = fixture("debian-app");
    let src = open(&format!("oci:{dir}:v1"));
    let img = src.resolve(&Platform::default()).await.unwrap();
    assert_eq!(img.top_digest.to_string(), index_digest(&dir));
    assert_eq!(img.manifest_digest, img.top_digest);
    assert_eq!(img.platform.to_string(), "linux/amd64");
    assert_eq!(img.layers().len(), 3);
    let sizes = read_layers(src.as_ref(), &img, true).await.unwrap();
    assert!(sizes.iter().all(|&s| s > 0));
    // Untagged selection works when the layout holds one image.
    let untagged = open(&format!("oci:{dir}"))
        .resolve(&Platform::default())
        .await
        .unwrap();
    assert_eq!(untagged.manifest_digest, img.manifest_digest);
}

#[tokio::test]
async fn docker_archive_matches_the_oci_layout() {
    let oci = open(&format!("oci:{}:v1", fixture("debian-app")));
    let oci_img = oci.resolve(&Platform::default()).await.unwrap();
    let arc = open(&format!(
        "docker-archive:{}",
        fixture("debian-app.docker.tar")
    ));
    let arc_img = arc.resolve(&Platform::default()).await.unwrap();
    // Same config (image ID) and same uncompressed layers.
    assert_eq!(arc_img.image_id(), oci_img.image_id());
    assert_eq!(
        arc_img.config.rootfs.diff_ids,
        oci_img.config.rootfs.diff_ids
    );
    let a = read_layers(arc.as_ref(), &arc_img, false).await.unwrap();
    let b = read_layers(oci.as_ref(), &oci_img, true).await.unwrap();
    assert_eq!(a, b);
    // Selecting by RepoTags, in short and normalized forms.
    for r in [
        "sc-fixtures/debian-app:v1",
        "docker.io/sc-fixtures/debian-app:v1",
    ] {
        let s = open(&format!(
            "docker-archive:{}:{r}",
            fixture("debian-app.docker.tar")
        ));
        assert_eq!(
            s.resolve(&Platform::default()).await.unwrap().image_id(),
            oci_img.image_id()
        );
    }
    let missing = open(&format!(
        "docker-archive:{}:nope:1",
        fixture("debian-app.docker.tar")
    ));
    let err = missing.resolve(&Platform::default()).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("available: sc-fixtures/debian-app:v1"),
        "{err}"
    );
}

#[tokio::test]
async fn multiarch_index_selects_platform() {
    let dir = fixture("multiarch");
    let src = open(&format!("oci:{dir}:v1"));
    let amd = src.resolve(&Platform::default()).await.unwrap();
    let arm = src.resolve(&"linux/arm64".parse().unwrap()).await.unwrap();
    assert_eq!(amd.top_digest.to_string(), index_digest(&dir));
    assert_eq!(amd.top_digest, arm.top_digest);
    assert_ne!(amd.manifest_digest, arm.manifest_digest);
    assert_eq!(arm.platform.architecture, "arm64");
    let err = src
        .resolve(&"linux/s390x".parse().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::NoPlatform { .. }));
    assert!(
        err.to_string().contains("linux/amd64, linux/arm64/v8"),
        "{err}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

#[tokio::test]
async fn tampered_or_truncated_blobs_fail_with_digest_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("img");
    copy_dir(Path::new(&fixture("debian-app")), &layout);
    let src = open(&format!("oci:{}:v1", layout.display()));
    let img = src.resolve(&Platform::default()).await.unwrap();
    let layer = &img.layers()[0];
    let blob = layout
        .join("blobs/sha256")
        .join(layer.descriptor.digest.hex());
    let good = std::fs::read(&blob).unwrap();

    // Same length, one byte flipped: digest mismatch.
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0xff;
    std::fs::write(&blob, &bad).unwrap();
    let err = read_layers(src.as_ref(), &img, false).await.unwrap_err();
    assert!(
        err.contains("digest mismatch") || err.contains("corrupt") || err.contains("invalid"),
        "{err}"
    );

    // Truncated: size mismatch or decompression error, never success.
    std::fs::write(&blob, &good[..good.len() - 10]).unwrap();
    let err = read_layers(src.as_ref(), &img, false).await.unwrap_err();
    assert!(!err.is_empty());

    // A tampered manifest is refused at resolve time.
    std::fs::write(&blob, &good).unwrap();
    let manifest = layout.join("blobs/sha256").join(img.manifest_digest.hex());
    let mut m = std::fs::read(&manifest).unwrap();
    m.push(b' ');
    std::fs::write(&manifest, &m).unwrap();
    let err = src.resolve(&Platform::default()).await.unwrap_err();
    let chain = format!("{:#}", anyhow::Error::new(err));
    assert!(
        chain.contains("size mismatch") || chain.contains("digest mismatch"),
        "{chain}"
    );
}

/// Write a one-layer OCI layout whose layer is zstd-compressed.
fn zstd_layout(dir: &Path) -> Digest {
    let mut tar = tar::Builder::new(Vec::new());
    let data = b"zstd layer content\n";
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, "etc/zstd.txt", &data[..]).unwrap();
    let raw = tar.into_inner().unwrap();
    let diff_id = Digest::sha256_of(&raw);
    let blob = zstd::encode_all(&raw[..], 3).unwrap();
    let write = |bytes: &[u8]| -> Digest {
        let d = Digest::sha256_of(bytes);
        let p = dir.join("blobs/sha256").join(d.hex());
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
        d
    };
    let layer_digest = write(&blob);
    let config = serde_json::json!({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[diff_id.to_string()]}});
    let config_bytes = serde_json::to_vec(&config).unwrap();
    let config_digest = write(&config_bytes);
    let manifest = serde_json::json!({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
        "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":config_digest.to_string(),"size":config_bytes.len()},
        "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":layer_digest.to_string(),"size":blob.len()}]});
    let mb = serde_json::to_vec(&manifest).unwrap();
    let md = write(&mb);
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&serde_json::json!({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":md.to_string(),"size":mb.len(),"annotations":{"org.opencontainers.image.ref.name":"z"}}]})).unwrap(),
    )
    .unwrap();
    md
}

#[tokio::test]
async fn zstd_layers_stream_and_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let md = zstd_layout(tmp.path());
    let src = open(&format!("oci:{}:z", tmp.path().display()));
    let img = src.resolve(&Platform::default()).await.unwrap();
    assert_eq!(img.manifest_digest, md);
    let sizes = read_layers(src.as_ref(), &img, true).await.unwrap();
    assert_eq!(sizes.len(), 1);
    assert!(sizes[0] >= 512);
}

#[test]
fn cli_digest_of_fixtures() {
    let dir = fixture("debian-app");
    let out = sc(&["image", "digest", &format!("oci:{dir}:v1")], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), index_digest(&dir));

    let multi = fixture("multiarch");
    let out = sc(
        &[
            "image",
            "digest",
            &format!("oci:{multi}:v1"),
            "--platform",
            "linux/arm64",
            "--platform-manifest",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(stdout(&out), index_digest(&multi));

    let out = sc(&["image", "digest", &format!("oci:{dir}:nope")], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no image named 'nope' (available: v1)"),
        "{}",
        stderr(&out)
    );

    let out = sc(&["image", "digest", "UPPER/case"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("invalid image reference"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn compressed_docker_archive_is_refused_clearly() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let gz = tmp.path().join("img.tar.gz");
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    e.write_all(&std::fs::read(fixture("debian-app.docker.tar")).unwrap())
        .unwrap();
    e.finish().unwrap();
    let err = source::open(
        &format!("docker-archive:{}", gz.display()).parse().unwrap(),
        &OpenOptions::default(),
    )
    .err()
    .expect("must fail");
    assert!(
        err.to_string().contains("Gzip-compressed")
            && err.to_string().contains("decompress it first"),
        "{err}"
    );

    let out = sc(
        &[
            "image",
            "digest",
            &format!(
                "docker-archive:{}",
                tmp.path().join("missing.tar").display()
            ),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(3));
    // The cause is printed once, after the path.
    assert_eq!(
        stderr(&out).matches("No such file or directory").count(),
        1,
        "{}",
        stderr(&out)
    );
}
