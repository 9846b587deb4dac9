pub fn client(reel: reel::Reel) -> reqwest_middleware::ClientWithMiddleware { reqwest_middleware::ClientBuilder::new(reqwest::Client::new()).with(reel).build() }
