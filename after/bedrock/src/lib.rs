pub fn client(reel: reel::Reel) -> reel_aws::ReelHttpClient { reel_aws::ReelHttpClient::replay_only(reel) }
