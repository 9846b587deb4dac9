//! reel-aws through the real `aws-sdk-bedrockruntime` client: recording from a
//! local Bedrock stand-in, replaying with other credentials, and the go-vcr
//! corpus's Bedrock cassettes.

#![allow(missing_docs)]

mod corpus;
mod record_replay;
mod upstream;

use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_bedrockruntime::Client;
use reel_aws::ReelHttpClient;

/// The model of the stand-in tests.
pub const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// A Bedrock client in `us-east-1` with fake static credentials, answered by
/// `http`; `endpoint` replaces AWS's when given.
pub fn bedrock(http: ReelHttpClient, credentials: Credentials, endpoint: Option<&str>) -> Client {
    let mut config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials)
        .http_client(http);
    if let Some(endpoint) = endpoint {
        config = config.endpoint_url(endpoint);
    }
    Client::from_conf(config.build())
}

/// Fake credentials: an access key id, its secret, a session token.
pub fn fake_credentials(id: &str, secret: &str, token: &str) -> Credentials {
    Credentials::new(id, secret, Some(token.to_owned()), None, "reel-aws-test")
}
