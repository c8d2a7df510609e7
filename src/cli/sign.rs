//! `sc generate-key-pair`, `sc image sign`, `sc image verify`: argument handling,
//! passwords, and output. The work is done by [`crate::signing`].
//!
//! Passwords for `cosign.key` come from `COSIGN_PASSWORD` when it is set (an empty
//! value is an empty password, as in cosign), otherwise from a prompt on the
//! terminal (`/dev/tty`), never from standard input and never echoed or logged.

use std::collections::BTreeMap;
use std::path::Path;

use super::args::{GenerateKeyPairArgs, ImageAccessArgs, SigningArgs, VerifyArgs};
use super::{registry_client, CliError};
use crate::context::{ExecutionContext, SIGSTORE_AUDIENCE};
use crate::error::ErrorKind;
use crate::reference::ImageReference;
use crate::signing::image::{self, ImagePolicy, ImageSigner, RekorLog, SignerPolicy};
use crate::signing::keyless::{IdentityToken, SigningServices};
use crate::signing::keys::{self, KdfParams, KeyError, Password, PublicKey};
use crate::signing::trust::{SigningConfig, SigstoreInstance, TrustedRoot};
use crate::signing::{SignOptions, VerifyOptions};
use crate::source::SourceSpec;

/// Environment variable cosign reads the key password from.
pub const PASSWORD_ENV: &str = "COSIGN_PASSWORD";

fn env_password() -> Option<Password> {
    let v = std::env::var_os(PASSWORD_ENV)?;
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(Password::new(v.into_vec()))
    }
    #[cfg(not(unix))]
    {
        Some(Password::new(v.to_string_lossy().into_owned()))
    }
}

fn prompt(text: &str) -> Result<Password, KeyError> {
    rpassword::prompt_password(text)
        .map(Password::new)
        .map_err(|e| {
            KeyError::Password(format!(
                "no password: {PASSWORD_ENV} is not set and no terminal to ask on ({e}); set {PASSWORD_ENV} (it may be empty)"
            ))
        })
}

/// The password for a new key: `COSIGN_PASSWORD`, or asked twice on the terminal.
fn new_key_password() -> Result<Password, KeyError> {
    if let Some(p) = env_password() {
        return Ok(p);
    }
    let first = prompt("Enter password for private key: ")?;
    let again = prompt("Enter password for private key again: ")?;
    if first != again {
        return Err(KeyError::Password("passwords do not match".into()));
    }
    Ok(first)
}

/// The password of an existing encrypted key: `COSIGN_PASSWORD`, or asked once.
fn key_password() -> Result<Password, KeyError> {
    match env_password() {
        Some(p) => Ok(p),
        None => prompt("Enter password for private key: "),
    }
}

fn key_error(e: KeyError) -> CliError {
    let kind = match &e {
        KeyError::Random(_) => ErrorKind::Io,
        KeyError::Io { detail, .. } if detail.contains("already exists") => {
            ErrorKind::InvalidConfig
        }
        KeyError::Io { .. } => ErrorKind::MissingKey,
        _ => ErrorKind::InvalidConfig,
    };
    CliError::new(kind, e)
}

/// `sc generate-key-pair`.
pub fn generate_key_pair(args: &GenerateKeyPairArgs) -> Result<(), CliError> {
    let prefix = &args.output_key_prefix;
    if !args.force {
        for ext in ["key", "pub"] {
            let p = format!("{prefix}.{ext}");
            if Path::new(&p).exists() {
                return Err(CliError::new(
                    ErrorKind::InvalidConfig,
                    anyhow::anyhow!("{p} already exists: not overwriting it (use --force to replace the key pair)"),
                ));
            }
        }
    }
    let password = new_key_password().map_err(key_error)?;
    let pair = keys::generate_key_pair(&password, KdfParams::STANDARD).map_err(key_error)?;
    let (key_path, pub_path) =
        keys::write_key_pair(&pair, prefix, args.force).map_err(key_error)?;
    eprintln!("Private key written to {}", key_path.display());
    eprintln!("Public key written to {}", pub_path.display());
    Ok(())
}

fn parse_annotations(items: &[String]) -> Result<BTreeMap<String, String>, CliError> {
    let mut out = BTreeMap::new();
    for item in items {
        match item.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                out.insert(k.to_string(), v.to_string());
            }
            _ => {
                return Err(CliError::new(
                    ErrorKind::InvalidConfig,
                    anyhow::anyhow!("invalid annotation '{item}': expected KEY=VALUE"),
                ))
            }
        }
    }
    Ok(out)
}

fn registry_image(image: &str, what: &str) -> Result<ImageReference, CliError> {
    match image.parse::<SourceSpec>()? {
        SourceSpec::Registry(r) => Ok(r),
        _ => Err(CliError::new(
            ErrorKind::InvalidConfig,
            anyhow::anyhow!("{what} works on images in a registry (signatures are stored next to the image); '{image}' is a local layout or archive: push it first"),
        )),
    }
}

fn usage(msg: impl std::fmt::Display) -> CliError {
    CliError::new(ErrorKind::InvalidConfig, anyhow::anyhow!("{msg}"))
}

/// The trusted root the flags name, or the public-good snapshot compiled into sc.
fn trusted_root_or_embedded(path: &Option<std::path::PathBuf>) -> Result<TrustedRoot, CliError> {
    match path {
        Some(p) => TrustedRoot::from_file(p),
        None => TrustedRoot::embedded(SigstoreInstance::PublicGood),
    }
    .map_err(usage)
}

/// The Rekor v1 log key-based signatures are entered in: --rekor-url, else the
/// signing config's (or the public-good instance's) v1 log.
fn key_rekor_log(signing: &SigningArgs) -> Result<Option<RekorLog>, CliError> {
    if !signing.tlog_upload {
        return Ok(None);
    }
    let url = match (&signing.rekor_url, &signing.signing_config) {
        (Some(u), _) => u.clone(),
        (None, Some(path)) => SigningConfig::from_file(path)
            .map_err(usage)?
            .rekor(Some(1))
            .map(|s| s.url)
            .ok_or_else(|| {
                CliError::new(ErrorKind::InvalidConfig, image::SignError::TlogUnavailable)
            })?,
        (None, None) => {
            return Err(CliError::new(
                ErrorKind::InvalidConfig,
                image::SignError::TlogUnavailable,
            ))
        }
    };
    let root = match &signing.trusted_root {
        Some(p) => Some(TrustedRoot::from_file(p).map_err(usage)?),
        None => None,
    };
    let log = RekorLog::new(url, root.as_ref()).map_err(|e| CliError::new(e.kind(), e))?;
    Ok(Some(log))
}

/// The keyless signer the flags describe: the token (explicit, SIGSTORE_ID_TOKEN,
/// or the CI's), the services (--fulcio-url/--rekor-url, --signing-config, or
/// the public-good instance) and the trusted root for the self-check.
async fn keyless_signer(signing: &SigningArgs) -> Result<ImageSigner, CliError> {
    if !signing.tlog_upload {
        return Err(usage(
            "keyless signing always enters the signature in a transparency log: --tlog-upload=false needs --key",
        ));
    }
    let ctx = ExecutionContext::detect();
    let jwt = ctx
        .oidc_token(signing.identity_token.as_deref(), SIGSTORE_AUDIENCE)
        .await
        .map_err(|e| CliError::new(ErrorKind::MissingOidc, e))?
        .ok_or_else(|| {
            CliError::new(
                ErrorKind::MissingOidc,
                anyhow::anyhow!(
                    "keyless signing needs an OIDC identity token: {}",
                    ctx.oidc_setup_hint().unwrap_or("pass --identity-token")
                ),
            )
        })?;
    let token = IdentityToken::from_jwt(jwt.secret())
        .map_err(|e| CliError::new(ErrorKind::MissingOidc, e))?;
    let services = match (
        &signing.fulcio_url,
        &signing.rekor_url,
        &signing.signing_config,
    ) {
        (Some(f), Some(r), _) => SigningServices::new(f, r),
        (Some(_), None, _) | (None, Some(_), None) => {
            return Err(usage(
                "--fulcio-url and --rekor-url go together (or name both in --signing-config)",
            ))
        }
        (_, _, Some(path)) => {
            SigningServices::from_config(&SigningConfig::from_file(path).map_err(usage)?)
                .map_err(usage)?
        }
        (None, None, None) => SigningServices::from_config(
            &SigningConfig::embedded(SigstoreInstance::PublicGood).map_err(usage)?,
        )
        .map_err(usage)?,
    };
    let root = trusted_root_or_embedded(&signing.trusted_root)?;
    ImageSigner::keyless(token, services, &root).map_err(|e| CliError::new(e.kind(), e))
}

/// The signer the signing flags describe (shared by every command that signs):
/// `--key` (password from COSIGN_PASSWORD or the terminal) with its Rekor log
/// unless `--tlog-upload=false`, or keyless (token, services, trusted root).
pub(crate) async fn signer_from_args(signing: &SigningArgs) -> Result<ImageSigner, CliError> {
    match &signing.key {
        Some(key_path) => {
            let rekor = key_rekor_log(signing)?;
            ImageSigner::key_file(key_path, key_password, rekor).map_err(key_error)
        }
        None => keyless_signer(signing).await,
    }
}

/// The verification policy the verification flags describe (shared by every
/// command that verifies): `--key` (with `--trusted-root`: also a Rekor SET), or
/// identity and issuer (exact or regexp) against `--trusted-root` or the
/// public-good snapshot.
pub(crate) fn policy_from_args(
    verify: &VerifyArgs,
    options: VerifyOptions,
) -> Result<ImagePolicy, CliError> {
    let identity_flags = verify.certificate_identity.is_some()
        || verify.certificate_identity_regexp.is_some()
        || verify.certificate_oidc_issuer.is_some()
        || verify.certificate_oidc_issuer_regexp.is_some();
    match &verify.key {
        Some(_) if identity_flags => Err(usage(
            "--key and --certificate-identity/--certificate-oidc-issuer are alternatives: give one",
        )),
        Some(key_path) => {
            let key = PublicKey::from_file(key_path).map_err(key_error)?;
            let root = match &verify.trusted_root {
                Some(p) => Some(TrustedRoot::from_file(p).map_err(usage)?),
                None => None,
            };
            ImagePolicy::key(key, root.as_ref(), options).map_err(usage)
        }
        None => {
            let identity = super::bundle::matcher(
                &verify.certificate_identity,
                &verify.certificate_identity_regexp,
                "certificate-identity",
            )?;
            let issuer = super::bundle::matcher(
                &verify.certificate_oidc_issuer,
                &verify.certificate_oidc_issuer_regexp,
                "certificate-oidc-issuer",
            )?;
            let root = trusted_root_or_embedded(&verify.trusted_root)?;
            ImagePolicy::identity(identity, issuer, &root, options).map_err(usage)
        }
    }
}

/// `sc image sign`.
pub async fn image_sign(
    image: &str,
    signing: &SigningArgs,
    annotations: &[String],
    json: bool,
    access: &ImageAccessArgs,
) -> Result<(), CliError> {
    let image = registry_image(image, "signing")?;
    let options = SignOptions {
        annotations: parse_annotations(annotations)?,
        tlog_upload: signing.tlog_upload,
        rekor_url: signing.rekor_url.clone(),
    };
    // Everything that can be wrong with the flags fails before a password is
    // asked for or the registry is touched.
    let signer = signer_from_args(signing).await?;
    let client = registry_client(access)?;
    let outcome = image::sign(&client, &image, &signer, &options)
        .await
        .map_err(|e| CliError::new(e.kind(), anyhow::anyhow!("signing {image}: {e}")))?;
    if outcome.already_signed {
        eprintln!(
            "{} is already signed by this key with the same payload: nothing pushed",
            outcome.image
        );
    } else {
        if let Some(b) = &outcome.rekor_bundle {
            eprintln!("tlog entry created with index: {}", b.payload.log_index);
        }
        eprintln!("Pushing signature to: {}", outcome.signature_tag);
        if let Some(d) = &outcome.referrer {
            eprintln!(
                "Pushing Sigstore bundle as a referrer of {}: {d}",
                outcome.image
            );
        }
    }
    if json {
        let text = serde_json::to_string_pretty(&outcome.result)
            .map_err(|e| CliError::new(ErrorKind::Io, e))?;
        println!("{text}");
    }
    Ok(())
}

/// `sc image verify`.
pub async fn image_verify(
    image: &str,
    verify: &VerifyArgs,
    annotations: &[String],
    json: bool,
    access: &ImageAccessArgs,
) -> Result<(), CliError> {
    let image = registry_image(image, "verification")?;
    let options = VerifyOptions {
        annotations: parse_annotations(annotations)?,
        ..VerifyOptions::default()
    };
    let policy = policy_from_args(verify, options)?;
    // Verification never contacts a Sigstore service (the trusted root is a file
    // or the snapshot compiled in), so --offline changes nothing but is accepted.
    let client = registry_client(access)?;
    let verified = image::verify(&client, &image, &policy)
        .await
        .map_err(|e| CliError::new(e.kind(), e))?;
    eprintln!("\nVerification for {} --", verified.image);
    eprintln!("The following checks were performed on each of these signatures:");
    eprintln!("  - The cosign claims were validated");
    if verified.tlog_verified {
        eprintln!("  - Existence of the claims in the transparency log was verified offline");
    }
    match policy.signer() {
        SignerPolicy::Key(_) => {
            eprintln!("  - The signatures were verified against the specified public key")
        }
        SignerPolicy::Identity(_) => eprintln!(
            "  - The code-signing certificate was verified using trusted certificate authority certificates"
        ),
    }
    if json {
        let payloads: Vec<&crate::signing::cosign::SimpleSigning> =
            verified.signatures.iter().map(|s| &s.payload).collect();
        let text = serde_json::to_string(&payloads).map_err(|e| CliError::new(ErrorKind::Io, e))?;
        println!("{text}");
    } else {
        let signers: std::collections::BTreeSet<&str> = verified
            .signatures
            .iter()
            .map(|s| s.signer.as_str())
            .collect();
        println!(
            "Verified OK: {} signature(s) on {} by {}",
            verified.signatures.len(),
            verified.image,
            signers.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}
