pub fn client(reel: reel::Reel) -> async_openai::Client<async_openai::config::OpenAIConfig> { async_openai::Client::new().with_http_service(reel::openai::OpenAiService::new(reel)) }
