//! TLS to the upstream (feature `rustls`): one rustls client configuration,
//! built as reqwest's `rustls` feature builds its own (the process's default
//! crypto provider, else aws-lc-rs; the platform's certificate verifier), with
//! the roots given to
//! [`upstream_root_certificate`](crate::ReelServerBuilder::upstream_root_certificate)
//! trusted besides the system's. reqwest sends requests with it and the
//! WebSocket client opens `wss://` sessions with it: what one trusts, the
//! other trusts. Without the feature there is no TLS, and `https://`
//! upstreams are refused when the server starts.

use std::error::Error as StdError;
#[cfg(feature = "rustls")]
use std::sync::Arc;

#[cfg(feature = "rustls")]
use rustls::pki_types::{pem::PemObject as _, CertificateDer};

use crate::{Error, Result};

/// The root certificates given for the upstream, read from their PEM texts.
#[derive(Debug, Default)]
pub(crate) struct Roots {
    /// Each certificate of each text, in order.
    #[cfg(feature = "rustls")]
    certificates: Vec<CertificateDer<'static>>,
}

impl Roots {
    /// Reads every `CERTIFICATE` block of each PEM text of `pems`, checking
    /// that each one can be a trust anchor. An error names the text (its
    /// index) and says why.
    #[cfg(feature = "rustls")]
    pub(crate) fn read(pems: &[Vec<u8>]) -> Result<Roots> {
        let mut certificates = Vec::new();
        for (index, pem) in pems.iter().enumerate() {
            let unusable = |reason: String| Error::UpstreamCertificate { index, reason };
            let read = read_pem(pem).map_err(unusable)?;
            certificates.extend(read);
        }
        Ok(Roots { certificates })
    }

    /// Without TLS no root certificate can be used: an error when any is given.
    #[cfg(not(feature = "rustls"))]
    pub(crate) fn read(pems: &[Vec<u8>]) -> Result<Roots> {
        match pems {
            [] => Ok(Roots::default()),
            _ => Err(Error::UpstreamCertificate {
                index: 0,
                reason: "this build of reel-server has no TLS (build it with the `rustls` \
                         feature; the `reel` command line tool has it by default)"
                    .to_owned(),
            }),
        }
    }
}

/// The certificates of one PEM text, each checked as a trust anchor; an error
/// says what is wrong and what to give instead.
#[cfg(feature = "rustls")]
fn read_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| format!("its PEM text does not parse: {err} (give the CA's certificate as PEM text, as `openssl x509 -outform PEM` writes it)"))?;
    if certificates.is_empty() {
        return Err(
            "it holds no certificate (give PEM text with a `-----BEGIN CERTIFICATE-----` \
                    block: the certificate of the CA that signed the upstream's)"
                .to_owned(),
        );
    }
    for (number, certificate) in certificates.iter().enumerate() {
        rustls::RootCertStore::empty()
            .add(certificate.clone())
            .map_err(|err| {
                format!(
                    "its certificate {} is not usable as a root: {err} (give the CA's own \
                     certificate, not a key or a request)",
                    number + 1
                )
            })?;
    }
    Ok(certificates)
}

/// The client configuration for connections to the upstream: the process's
/// default crypto provider if one was installed, else aws-lc-rs (as reqwest
/// does); the platform's verifier, trusting `roots` besides the system's
/// roots; TLS 1.2 and 1.3; ALPN `http/1.1`, which both HTTP requests and
/// WebSocket handshakes speak. An error when the verifier cannot be set up
/// (no root at all: no system CA certificates and none given).
#[cfg(feature = "rustls")]
pub(crate) fn client_config(roots: Roots) -> Result<Arc<rustls::ClientConfig>> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let verifier = verifier(roots, provider.clone()).map_err(|err| Error::UpstreamTls {
        reason: err.to_string(),
    })?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| Error::UpstreamTls {
            reason: err.to_string(),
        })?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The platform's verifier with `roots` added to the system's, as reqwest
/// builds it for `tls_certs_merge`.
#[cfg(feature = "rustls")]
fn verifier(
    roots: Roots,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<rustls_platform_verifier::Verifier, rustls::Error> {
    if roots.certificates.is_empty() {
        return rustls_platform_verifier::Verifier::new(provider);
    }
    #[cfg(not(target_os = "android"))]
    return rustls_platform_verifier::Verifier::new_with_extra_roots(roots.certificates, provider);
    #[cfg(target_os = "android")]
    Err(rustls::Error::General(
        "the platform's verifier takes no extra root certificates on Android".to_owned(),
    ))
}

/// When `err` (or one of its causes) is the upstream's certificate being
/// refused: what to tell the user, with the way out. `None` for any other error.
#[cfg(feature = "rustls")]
pub(crate) fn untrusted(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut next = Some(err);
    while let Some(err) = next {
        if let Some(refused @ rustls::Error::InvalidCertificate(_)) = as_rustls(err) {
            return Some(format!(
                "its TLS certificate was not trusted ({refused}); if a private CA signed it, \
                 trust that CA with `ReelServerBuilder::upstream_root_certificate` (`reel \
                 serve --upstream-ca FILE`)"
            ));
        }
        next = err.source();
    }
    None
}

/// Without TLS no certificate is ever refused.
#[cfg(not(feature = "rustls"))]
pub(crate) fn untrusted(_err: &(dyn StdError + 'static)) -> Option<String> {
    None
}

/// `err` as a rustls error: itself, or the error an I/O error wraps, at any
/// depth (tokio-rustls reports a failed handshake as an I/O error, which
/// hyper-rustls wraps in another; an I/O error's `source` skips what it wraps).
#[cfg(feature = "rustls")]
fn as_rustls<'a>(mut err: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    loop {
        if let Some(refused) = err.downcast_ref::<rustls::Error>() {
            return Some(refused);
        }
        err = err.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

#[cfg(all(test, feature = "rustls"))]
mod tests {
    use super::*;

    #[test]
    fn a_pem_text_without_a_usable_certificate_is_refused_with_the_reason() {
        let reason = |pem: &str| match Roots::read(&[pem.as_bytes().to_vec()]) {
            Err(Error::UpstreamCertificate { index: 0, reason }) => reason,
            other => panic!("{other:?}"),
        };
        assert!(reason("").starts_with("it holds no certificate"));
        assert!(reason("not pem at all").starts_with("it holds no certificate"));
        let broken = "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        assert!(
            reason(broken).starts_with("its PEM text does not parse: "),
            "{}",
            reason(broken)
        );
        let garbage = "-----BEGIN CERTIFICATE-----\nAAECAw==\n-----END CERTIFICATE-----\n";
        assert!(
            reason(garbage).starts_with("its certificate 1 is not usable as a root: "),
            "{}",
            reason(garbage)
        );
        match Roots::read(&[Vec::new(), garbage.into()]) {
            Err(Error::UpstreamCertificate { index: 0, .. }) => {}
            other => panic!("the first text is the unusable one: {other:?}"),
        }
    }

    #[test]
    fn a_refused_certificate_is_found_behind_io_errors() {
        let refused = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, refused);
        // As hyper-rustls reports it: an I/O error around tokio-rustls's.
        let io = std::io::Error::other(io);
        let message = untrusted(&io).expect("a refused certificate");
        assert!(
            message.starts_with("its TLS certificate was not trusted (invalid peer certificate: "),
            "{message}"
        );
        assert!(message.contains("--upstream-ca FILE"), "{message}");
        let other = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(untrusted(&other), None);
    }
}

#[cfg(all(test, not(feature = "rustls")))]
mod tests {
    use super::*;

    #[test]
    fn a_root_certificate_without_tls_says_to_build_with_rustls() {
        assert!(Roots::read(&[]).is_ok());
        let err = Roots::read(&[b"PEM".to_vec()]).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "upstream root certificate 1 is not usable: this build of reel-server has no \
                 TLS (build it with the `rustls` feature"
            ),
            "{err}"
        );
    }
}
