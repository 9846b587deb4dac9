//! Provider credential formats, as data: one row per documented key format.
//!
//! A row's `format` is the key spelled out: literal text with variable pieces in
//! braces, `{class:length}`, `{class:min-max}` or `{class:min+}`. The same string
//! gives the pattern the scanner looks for and, in tests, random keys of that
//! format (the positive vectors) and look-alikes that must pass (the negative
//! vectors: the prefix with placeholder filler, and a body one character short).
//! Only the variable pieces must look random; the literal text is the evidence.
//!
//! Lengths are the documented ones; where a provider has lengthened its keys
//! before, the length is a lower bound (`{alnum:32+}`). Checksums (GitHub's and
//! npm's CRC32 suffix) are not verified: a fake key of the right shape in a test
//! fixture is as much a leak risk as a real one, and is reported the same.

/// Character classes a variable piece can draw from.
pub(crate) const CLASSES: &[(&str, &str)] = &[
    ("hex", "0123456789abcdef"),
    ("HEX", "0123456789ABCDEF"),
    ("digit", "0123456789"),
    (
        "alnum",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    ),
    ("UD", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    ("ld", "abcdefghijklmnopqrstuvwxyz0123456789"),
    ("b32", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
    // Bech32's data alphabet, upper case (age keys).
    ("bech", "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"),
    (
        "url",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
    ),
    (
        "b64",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    ),
    // Azure AD client secrets.
    (
        "azure",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_~.-",
    ),
];

/// One documented key format.
#[derive(Debug)]
pub(crate) struct Provider {
    /// The name shown in findings.
    pub(crate) kind: &'static str,
    /// The key, literal text and `{class:length}` pieces.
    pub(crate) format: &'static str,
    /// Where the format is documented (read by the table's test).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) source: &'static str,
    /// Least Shannon entropy of the variable pieces, bits per character.
    pub(crate) entropy: f64,
    /// Whether the variable pieces must mix two of upper case, lower case
    /// and digits.
    pub(crate) mixed: bool,
}

const fn p(kind: &'static str, format: &'static str, source: &'static str) -> Provider {
    Provider {
        kind,
        format,
        source,
        entropy: 3.0,
        mixed: true,
    }
}

impl Provider {
    /// For short bodies of a small alphabet (an AWS key id's 16 base32
    /// characters): a lower entropy bar and no mix of classes.
    const fn short_alphabet(self) -> Provider {
        Provider {
            entropy: 2.5,
            mixed: false,
            ..self
        }
    }
}

/// Every provider format, most specific first: where two rows match the same
/// text, the first one's match stands (`sk-ant-` before `sk-`).
pub(crate) const PROVIDERS: &[Provider] = &[
    // Inference providers.
    p(
        "Anthropic API key",
        "sk-ant-{url:20+}",
        "https://docs.anthropic.com/en/api/admin-api/apikeys/get-api-key (sk-ant-api03-, sk-ant-admin01-)",
    ),
    p(
        "OpenRouter API key",
        "sk-or-v1-{hex:64}",
        "https://openrouter.ai/docs/api-reference/authentication",
    ),
    p(
        "Langfuse secret key",
        "sk-lf-{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",
        "https://langfuse.com/docs/get-started (sk-lf- plus a UUID)",
    ),
    p(
        "OpenAI API key",
        "sk-proj-{url:20+}",
        "https://platform.openai.com/docs/api-reference/authentication (sk-proj-, sk-svcacct-, sk-admin-, legacy sk-)",
    ),
    p("OpenAI API key", "sk-svcacct-{url:20+}", "https://platform.openai.com/docs/api-reference/authentication"),
    p("OpenAI API key", "sk-admin-{url:20+}", "https://platform.openai.com/docs/api-reference/administration"),
    p(
        "OpenAI API key",
        "sk-{url:20+}",
        "OpenAI's legacy sk- keys, also DeepSeek, Moonshot, DashScope and other OpenAI-compatible APIs",
    ),
    p("Stripe secret key", "sk_live_{alnum:20+}", "https://docs.stripe.com/keys#obtain-api-keys"),
    p("Stripe secret key", "sk_test_{alnum:20+}", "https://docs.stripe.com/keys#test-live-modes"),
    p("Stripe secret key", "rk_live_{alnum:20+}", "https://docs.stripe.com/keys#limit-access"),
    p("Stripe secret key", "rk_test_{alnum:20+}", "https://docs.stripe.com/keys#limit-access"),
    p("Stripe webhook secret", "whsec_{alnum:32+}", "https://docs.stripe.com/webhooks#verify-official-libraries"),
    p("ElevenLabs API key", "sk_{hex:48}", "https://elevenlabs.io/docs/api-reference/authentication"),
    p("Google API key", "AIza{url:35}", "https://cloud.google.com/docs/authentication/api-keys"),
    p("Google OAuth access token", "ya29.{url:30+}", "https://developers.google.com/identity/protocols/oauth2"),
    p("Groq API key", "gsk_{alnum:40+}", "https://console.groq.com/docs/api-keys"),
    p("xAI API key", "xai-{alnum:40+}", "https://docs.x.ai/docs/api-reference#authentication"),
    p("Replicate API token", "r8_{url:37+}", "https://replicate.com/docs/reference/http#authentication"),
    p("Perplexity API key", "pplx-{alnum:40+}", "https://docs.perplexity.ai/guides/getting-started"),
    p("Hugging Face token", "hf_{alnum:34+}", "https://huggingface.co/docs/hub/security-tokens"),
    p("Hugging Face token", "api_org_{alnum:34}", "https://huggingface.co/docs/hub/security-tokens (organization tokens)"),
    p("Cerebras API key", "csk-{ld:48}", "https://inference-docs.cerebras.ai/api-reference/authentication"),
    p("Fireworks API key", "fw_{alnum:24+}", "https://docs.fireworks.ai/api-reference/introduction"),
    p("Together AI API key", "tgp_v1_{url:43}", "https://docs.together.ai/reference/authentication-1"),
    p("NVIDIA API key", "nvapi-{url:64}", "https://docs.api.nvidia.com/nim/docs/api-quickstart"),
    p("Voyage AI API key", "pa-{url:43}", "https://docs.voyageai.com/docs/api-key-and-installation"),
    p("Pinecone API key", "pcsk_{alnum:5,6}_{alnum:60+}", "https://docs.pinecone.io/guides/projects/manage-api-keys"),
    p("Anyscale API key", "esecret_{alnum:20+}", "https://docs.anyscale.com/endpoints/"),
    p("Firecrawl API key", "fc-{hex:32}", "https://docs.firecrawl.dev/api-reference/introduction"),
    p("E2B API key", "e2b_{hex:40}", "https://e2b.dev/docs/api-key"),
    p("Tavily API key", "tvly-{alnum:32+}", "https://docs.tavily.com/documentation/api-reference/introduction"),
    p("Tavily API key", "tvly-dev-{alnum:32+}", "https://docs.tavily.com/documentation/api-reference/introduction"),
    p("Tavily API key", "tvly-prod-{alnum:32+}", "https://docs.tavily.com/documentation/api-reference/introduction"),
    p("LangSmith API key", "lsv2_pt_{hex:32}_{hex:10}", "https://docs.smith.langchain.com/administration/how_to_guides/organization_management/create_account_api_key"),
    p("LangSmith API key", "lsv2_sk_{hex:32}_{hex:10}", "https://docs.smith.langchain.com/administration/how_to_guides/organization_management/create_account_api_key"),
    // Cloud platforms.
    p("AWS access key id", "AKIA{UD:16}", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids").short_alphabet(),
    p("AWS access key id", "ASIA{UD:16}", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids").short_alphabet(),
    p("AWS access key id", "ABIA{UD:16}", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids").short_alphabet(),
    p("AWS access key id", "ACCA{UD:16}", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids").short_alphabet(),
    p("Azure AD client secret", "{url:3}{digit:1}Q~{azure:31-34}", "https://learn.microsoft.com/en-us/entra/identity-platform/how-to-add-credentials (gitleaks azure-ad-client-secret)"),
    p("DigitalOcean token", "dop_v1_{hex:64}", "https://docs.digitalocean.com/reference/api/create-personal-access-token/"),
    p("DigitalOcean token", "doo_v1_{hex:64}", "https://docs.digitalocean.com/reference/api/oauth/"),
    p("DigitalOcean token", "dor_v1_{hex:64}", "https://docs.digitalocean.com/reference/api/oauth/"),
    p("Alibaba Cloud access key id", "LTAI{alnum:17,21}", "https://www.alibabacloud.com/help/en/ram/user-guide/create-an-accesskey-pair"),
    p("Tencent Cloud secret id", "AKID{alnum:32}", "https://www.tencentcloud.com/document/product/598/32675"),
    p("Cloudflare origin CA key", "v1.0-{hex:24}-{hex:146}", "https://developers.cloudflare.com/fundamentals/api/get-started/ca-keys/"),
    p("HashiCorp Vault token", "hvs.{url:90+}", "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes"),
    p("HashiCorp Vault token", "hvb.{url:90+}", "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes"),
    p("Terraform Cloud token", "{alnum:14}.atlasv1.{url:60+}", "https://developer.hashicorp.com/terraform/cloud-docs/users-teams-organizations/api-tokens"),
    p("Pulumi access token", "pul-{hex:40}", "https://www.pulumi.com/docs/pulumi-cloud/access-management/access-tokens/"),
    p("Doppler token", "dp.pt.{alnum:40+}", "https://docs.doppler.com/reference/auth-token-formats"),
    p("Doppler token", "dp.st.{url:40+}", "https://docs.doppler.com/reference/auth-token-formats"),
    p("Doppler token", "dp.sa.{alnum:40+}", "https://docs.doppler.com/reference/auth-token-formats"),
    p("Doppler token", "dp.ct.{alnum:40+}", "https://docs.doppler.com/reference/auth-token-formats"),
    p("Fly.io token", "fo1_{url:43}", "https://fly.io/docs/security/tokens/"),
    p("Netlify token", "nfp_{alnum:36}", "https://docs.netlify.com/api/get-started/#authentication"),
    p("Render API key", "rnd_{alnum:32}", "https://api-docs.render.com/reference/authentication"),
    p("Heroku API key", "HRKU-{url:40+}", "https://devcenter.heroku.com/articles/authentication"),
    // Data platforms and developer services.
    p("Databricks token", "dapi{hex:32}", "https://docs.databricks.com/en/dev-tools/auth/pat.html"),
    p("Supabase access token", "sbp_{hex:40}", "https://supabase.com/docs/reference/api/introduction"),
    p("Supabase secret key", "sb_secret_{url:31+}", "https://supabase.com/docs/guides/api/api-keys"),
    p("PlanetScale token", "pscale_tkn_{url:32+}", "https://planetscale.com/docs/concepts/service-tokens"),
    p("PlanetScale password", "pscale_pw_{url:32+}", "https://planetscale.com/docs/concepts/connection-strings"),
    p("Neon API key", "napi_{ld:64}", "https://neon.tech/docs/manage/api-keys"),
    p("PostHog personal API key", "phx_{alnum:43}", "https://posthog.com/docs/api#private-endpoint-authentication"),
    p("Sentry auth token", "sntryu_{hex:64}", "https://docs.sentry.io/account/auth-tokens/"),
    p("Sentry auth token", "sntrys_eyJ{b64:60+}", "https://docs.sentry.io/account/auth-tokens/"),
    p("New Relic API key", "NRAK-{UD:27}", "https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/"),
    p("Grafana service account token", "glsa_{alnum:32}_{hex:8}", "https://grafana.com/docs/grafana/latest/administration/service-accounts/"),
    p("Grafana Cloud token", "glc_{b64:32+}", "https://grafana.com/docs/grafana-cloud/account-management/authentication-and-permissions/access-policies/"),
    p("Atlassian API token", "ATATT{url:100+}", "https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/"),
    p("Linear API key", "lin_api_{alnum:40}", "https://developers.linear.app/docs/graphql/working-with-the-graphql-api#personal-api-keys"),
    p("Notion integration token", "ntn_{alnum:46}", "https://developers.notion.com/docs/authorization"),
    p("Notion integration token", "secret_{alnum:43}", "https://developers.notion.com/docs/authorization (before 2024)"),
    p("Airtable token", "pat{alnum:14}.{hex:64}", "https://airtable.com/developers/web/guides/personal-access-tokens"),
    p("Figma token", "figd_{url:40}", "https://www.figma.com/developers/api#access-tokens"),
    p("Postman API key", "PMAK-{hex:24}-{hex:34}", "https://learning.postman.com/docs/developer/postman-api/authentication/"),
    p("Contentful token", "CFPAT-{url:43}", "https://www.contentful.com/developers/docs/references/authentication/"),
    p("Mapbox secret token", "sk.eyJ{url:50+}.{url:22}", "https://docs.mapbox.com/help/glossary/access-token/"),
    p("Shopify access token", "shpat_{hex:32}", "https://shopify.dev/docs/apps/auth/access-token-types"),
    p("Shopify access token", "shpca_{hex:32}", "https://shopify.dev/docs/apps/auth/access-token-types"),
    p("Shopify access token", "shppa_{hex:32}", "https://shopify.dev/docs/apps/auth/access-token-types"),
    p("Shopify shared secret", "shpss_{hex:32}", "https://shopify.dev/docs/apps/auth/access-token-types"),
    p("Square access token", "EAAA{url:60}", "https://developer.squareup.com/docs/build-basics/access-tokens"),
    p("Square token", "sq0atp-{url:22}", "https://developer.squareup.com/docs/build-basics/access-tokens"),
    p("Square secret", "sq0csp-{url:43}", "https://developer.squareup.com/docs/build-basics/access-tokens"),
    p("age secret key", "AGE-SECRET-KEY-1{bech:58}", "https://age-encryption.org/v1"),
    // Forges and package registries.
    p("GitHub token", "ghp_{alnum:36+}", "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/"),
    p("GitHub token", "gho_{alnum:36+}", "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/"),
    p("GitHub token", "ghu_{alnum:36+}", "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/"),
    p("GitHub token", "ghs_{alnum:36+}", "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/"),
    p("GitHub token", "ghr_{alnum:36+}", "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/"),
    p("GitHub token", "github_pat_{alnum:22}_{alnum:59}", "https://github.blog/security/application-security/introducing-fine-grained-personal-access-tokens-for-github/"),
    p("GitLab token", "glpat-{url:20+}", "https://docs.gitlab.com/security/tokens/#token-prefixes"),
    p("GitLab token", "glptt-{url:20+}", "https://docs.gitlab.com/security/tokens/#token-prefixes"),
    p("GitLab token", "glrt-{url:20+}", "https://docs.gitlab.com/security/tokens/#token-prefixes"),
    p("GitLab token", "gldt-{url:20+}", "https://docs.gitlab.com/security/tokens/#token-prefixes"),
    p("GitLab token", "glcbt-{url:20+}", "https://docs.gitlab.com/security/tokens/#token-prefixes"),
    p("GitLab token", "glft-{url:20+}", "https://docs.gitlab.com/security/tokens/#token-prefixes"),
    p("GitLab token", "glsoat-{url:20+}", "https://docs.gitlab.com/security/tokens/#token-prefixes"),
    p("npm token", "npm_{alnum:36}", "https://docs.npmjs.com/about-access-tokens"),
    p("PyPI token", "pypi-AgEIcHlwaS5vcmc{url:50+}", "https://pypi.org/help/#apitoken"),
    p("RubyGems API key", "rubygems_{hex:48}", "https://guides.rubygems.org/api-key-scopes/"),
    p("crates.io token", "cio{alnum:32}", "https://crates.io/settings/tokens"),
    p("Docker Hub token", "dckr_pat_{url:27}", "https://docs.docker.com/security/for-developers/access-tokens/"),
    p("NuGet API key", "oy2{ld:43}", "https://learn.microsoft.com/en-us/nuget/nuget-org/scoped-api-keys"),
    // E-mail and messaging.
    p("SendGrid API key", "SG.{url:22}.{url:43}", "https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys"),
    p("Brevo API key", "xkeysib-{hex:64}-{alnum:16}", "https://developers.brevo.com/docs/getting-started"),
    p("Mailgun API key", "key-{hex:32}", "https://documentation.mailgun.com/docs/mailgun/api-reference/authentication/"),
    p("Mailchimp API key", "{hex:32}-us{digit:1-2}", "https://mailchimp.com/developer/marketing/guides/quick-start/"),
    p("Resend API key", "re_{url:8}_{url:24+}", "https://resend.com/docs/dashboard/api-keys/introduction"),
    p("Twilio API key", "SK{hex:32}", "https://www.twilio.com/docs/iam/api-keys"),
    p("Slack token", "xoxb-{digit:10+}-{digit:10+}-{alnum:24}", "https://api.slack.com/authentication/token-types"),
    p("Slack token", "xoxp-{digit:10+}-{digit:10+}-{digit:10+}-{hex:32}", "https://api.slack.com/authentication/token-types"),
    p("Slack token", "xoxe.xoxp-1-{url:100+}", "https://api.slack.com/authentication/rotation"),
    p("Slack token", "xapp-1-{UD:9,11}-{digit:13}-{hex:64}", "https://api.slack.com/authentication/token-types#app-level"),
    p("Slack token", "xox{alnum:1}-{url:10+}", "https://api.slack.com/authentication/token-types (xoxa, xoxo, xoxs, xoxr)"),
    p("Telegram bot token", "{digit:8-10}:AA{url:33}", "https://core.telegram.org/bots/api#authorizing-your-bot"),
];

/// One piece of a format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    Literal(&'a str),
    Chars {
        alphabet: &'static str,
        min: usize,
        /// `None`: no upper bound.
        max: Option<usize>,
    },
}

/// The pieces of `format`; panics on a malformed format (the table is code).
pub(crate) fn pieces(format: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = format;
    while !rest.is_empty() {
        match rest.find('{') {
            Some(0) => {
                let end = rest.find('}').expect("a piece closes");
                let (class, length) = rest[1..end].split_once(':').expect("class:length");
                let alphabet = CLASSES
                    .iter()
                    .find(|(name, _)| *name == class)
                    .map(|(_, alphabet)| *alphabet)
                    .expect("a known class");
                let (min, max) = if let Some(min) = length.strip_suffix('+') {
                    (min.parse().expect("a length"), None)
                } else if let Some((min, max)) = length.split_once(['-', ',']) {
                    (
                        min.parse().expect("a length"),
                        Some(max.parse().expect("a length")),
                    )
                } else {
                    let n = length.parse().expect("a length");
                    (n, Some(n))
                };
                out.push(Piece::Chars { alphabet, min, max });
                rest = &rest[end + 1..];
            }
            Some(at) => {
                out.push(Piece::Literal(&rest[..at]));
                rest = &rest[at..];
            }
            None => {
                out.push(Piece::Literal(rest));
                rest = "";
            }
        }
    }
    out
}

/// The regex for `format`: group `token` around the whole key and one
/// unnamed group per variable piece (the parts that must look random).
pub(crate) fn pattern(format: &str) -> String {
    let mut regex = String::from("(?P<token>");
    for piece in pieces(format) {
        match piece {
            Piece::Literal(text) => regex.push_str(&regex::escape(text)),
            Piece::Chars { alphabet, min, max } => {
                let class: String = alphabet
                    .chars()
                    .map(|c| match c {
                        '-' | '.' | '~' | '+' | '/' => format!("\\{c}"),
                        _ => c.to_string(),
                    })
                    .collect();
                let count = match max {
                    Some(max) if max == min => format!("{{{min}}}"),
                    Some(max) => format!("{{{min},{max}}}"),
                    None => format!("{{{min},}}"),
                };
                regex.push_str(&format!("([{class}]{count})"));
            }
        }
    }
    regex.push(')');
    regex
}

/// A key of `format` built from `next` (a source of random numbers): each
/// variable piece at its shortest length, or 8 more for an open length.
pub(crate) fn generate(format: &str, next: &mut dyn FnMut() -> u64) -> String {
    let mut key = String::new();
    for piece in pieces(format) {
        match piece {
            Piece::Literal(text) => key.push_str(text),
            Piece::Chars { alphabet, min, max } => {
                let len = match max {
                    Some(max) => min + (next() as usize) % (max - min + 1),
                    None => min + 8,
                };
                let alphabet = alphabet.as_bytes();
                key.extend(
                    (0..len).map(|_| char::from(alphabet[(next() as usize) % alphabet.len()])),
                );
            }
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_into_literals_and_pieces() {
        assert_eq!(
            pieces("sk-{hex:4}.{alnum:2-3}{digit:5+}"),
            [
                Piece::Literal("sk-"),
                Piece::Chars {
                    alphabet: "0123456789abcdef",
                    min: 4,
                    max: Some(4)
                },
                Piece::Literal("."),
                Piece::Chars {
                    alphabet: CLASSES[3].1,
                    min: 2,
                    max: Some(3)
                },
                Piece::Chars {
                    alphabet: "0123456789",
                    min: 5,
                    max: None
                },
            ]
        );
        assert_eq!(
            pattern("a.{hex:2}"),
            "(?P<token>a\\.([0123456789abcdef]{2}))"
        );
    }

    #[test]
    fn every_row_has_a_source_and_a_valid_pattern() {
        for provider in PROVIDERS {
            assert!(!provider.source.is_empty(), "{}", provider.kind);
            regex::Regex::new(&pattern(provider.format)).unwrap();
        }
    }
}
