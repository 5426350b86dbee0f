//! Any OpenAI-compatible server as the model (vLLM, llama.cpp's server, Ollama, LM Studio, a
//! cloud provider, another herald), through async-openai, with a deadline, retries, and a
//! chain that falls back to the next backend when one fails.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    ChatCompletionStreamOptions, CreateChatCompletionRequest,
};
use async_openai::Client;
use futures_util::StreamExt;

use super::{GenerateRequest, Generation, LlmBackend, LlmError, Role};

/// How to reach the server and how patient to be with it.
#[derive(Clone, Debug)]
pub struct OpenAiOptions {
    /// e.g. `http://127.0.0.1:8080/v1` (the part before `/chat/completions`).
    pub base_url: String,
    pub model: String,
    pub api_key: String,
    /// Each attempt's deadline.
    pub timeout: Duration,
    /// Extra attempts after a failed one (server errors, timeouts, network).
    pub retries: u32,
    /// Wait before the first retry; doubles each time.
    pub retry_base: Duration,
    pub temperature: f32,
    /// Ask for the answer as a stream of tokens: the time to the first token is then
    /// measured (for `/metrics` and the log), and a server that stalls mid-answer is caught
    /// by the same deadline.
    pub stream: bool,
}

impl Default for OpenAiOptions {
    fn default() -> Self {
        OpenAiOptions {
            base_url: "http://127.0.0.1:8080/v1".into(),
            model: "default".into(),
            api_key: String::new(),
            timeout: Duration::from_secs(20),
            retries: 1,
            retry_base: Duration::from_millis(250),
            temperature: 0.0,
            stream: false,
        }
    }
}

pub struct OpenAiBackend {
    client: Client<OpenAIConfig>,
    opts: OpenAiOptions,
    name: String,
}

impl OpenAiBackend {
    pub fn new(opts: OpenAiOptions) -> OpenAiBackend {
        let config = OpenAIConfig::new()
            .with_api_base(opts.base_url.trim_end_matches('/'))
            .with_api_key(opts.api_key.clone());
        // Without async-openai's own retry layer (3 silent retries on 429/5xx): `retries`
        // here is the whole budget, so the deadline a member waits is predictable.
        let client = Client::with_config(config)
            .with_http_service(async_openai::middleware::ReqwestService::default());
        OpenAiBackend {
            client,
            name: format!("openai:{}", opts.model),
            opts,
        }
    }

    fn request(&self, req: &GenerateRequest) -> CreateChatCompletionRequest {
        let messages = req
            .messages
            .iter()
            .map(|m| match m.role {
                Role::System => ChatCompletionRequestSystemMessage::from(m.content.as_str()).into(),
                Role::User => ChatCompletionRequestUserMessage::from(m.content.as_str()).into(),
                Role::Assistant => {
                    ChatCompletionRequestAssistantMessage::from(m.content.as_str()).into()
                }
            })
            .collect::<Vec<ChatCompletionRequestMessage>>();
        CreateChatCompletionRequest {
            model: self.opts.model.clone(),
            messages,
            max_completion_tokens: Some(req.max_tokens),
            temperature: Some(self.opts.temperature),
            stream_options: self.opts.stream.then_some(ChatCompletionStreamOptions {
                include_usage: Some(true),
                include_obfuscation: None,
            }),
            ..Default::default()
        }
    }

    /// One attempt, whole answer at once.
    async fn once(
        &self,
        request: CreateChatCompletionRequest,
        started: Instant,
    ) -> Result<Generation, OpenAIError> {
        let response = self.client.chat().create(request).await?;
        let text = response
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .unwrap_or_default();
        let usage = response.usage;
        let total_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(Generation {
            text,
            prompt_tokens: usage.as_ref().map_or(0, |u| u.prompt_tokens as usize),
            generated_tokens: usage.map_or(0, |u| u.completion_tokens as usize),
            first_token_ms: total_ms,
            total_ms,
            backend: self.name.clone(),
            ..Generation::default()
        })
    }

    /// One attempt, streamed: the text is gathered from the deltas; the time to the first
    /// content is the first-token time. Token counts come from the usage chunk, or are the
    /// number of content chunks when the server sends none.
    async fn streamed(
        &self,
        request: CreateChatCompletionRequest,
        started: Instant,
    ) -> Result<Generation, OpenAIError> {
        let mut stream = self.client.chat().create_stream(request).await?;
        let mut g = Generation {
            backend: self.name.clone(),
            ..Generation::default()
        };
        let mut first = None;
        let mut chunks = 0;
        let mut usage = None;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            if let Some(u) = chunk.usage {
                usage = Some(u);
            }
            for choice in chunk.choices {
                if let Some(piece) = choice.delta.content.filter(|p| !p.is_empty()) {
                    first.get_or_insert_with(|| started.elapsed().as_secs_f64() * 1000.0);
                    chunks += 1;
                    g.text.push_str(&piece);
                }
            }
        }
        g.total_ms = started.elapsed().as_secs_f64() * 1000.0;
        g.first_token_ms = first.unwrap_or(g.total_ms);
        g.prompt_tokens = usage.as_ref().map_or(0, |u| u.prompt_tokens as usize);
        g.generated_tokens = usage.map_or(chunks, |u| u.completion_tokens as usize);
        g.text = g.text.trim().to_string();
        Ok(g)
    }
}

/// A refusal that a retry cannot change (a bad key, an unknown model, a malformed request).
fn permanent(e: &OpenAIError) -> bool {
    match e {
        OpenAIError::InvalidArgument(_) => true,
        // 4xx but 408 (timeout) and 429 (rate limit): the request itself is refused.
        OpenAIError::ApiError(api) => {
            let s = api.status_code.as_u16();
            (400..500).contains(&s) && s != 408 && s != 429
        }
        _ => false,
    }
}

#[async_trait::async_trait]
impl LlmBackend for OpenAiBackend {
    fn name(&self) -> &str {
        &self.name
    }

    async fn generate(&self, req: GenerateRequest) -> Result<Generation, LlmError> {
        let request = self.request(&req);
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            let call = async {
                if self.opts.stream {
                    self.streamed(request.clone(), started).await
                } else {
                    self.once(request.clone(), started).await
                }
            };
            let failure = match tokio::time::timeout(self.opts.timeout, call).await {
                Ok(Ok(g)) => return Ok(g),
                Ok(Err(e)) if permanent(&e) => {
                    return Err(LlmError::Generate(format!("{}: {e}", self.opts.base_url)))
                }
                Ok(Err(e)) => e.to_string(),
                Err(_) => format!("no answer within {} ms", self.opts.timeout.as_millis()),
            };
            if attempt >= self.opts.retries {
                return Err(LlmError::Unavailable(format!(
                    "{} after {} attempt(s): {failure}",
                    self.opts.base_url,
                    attempt + 1
                )));
            }
            attempt += 1;
            tracing::warn!(server = %self.opts.base_url, attempt, error = %failure, "LLM server failed; retrying");
            tokio::time::sleep(
                self.opts
                    .retry_base
                    .saturating_mul(1 << (attempt - 1).min(10)),
            )
            .await;
        }
    }
}

/// Backends tried in order: the first answer wins, a failure moves to the next
/// (e.g. a GPU server first, the local model second).
pub struct FallbackChain {
    backends: Vec<Arc<dyn LlmBackend>>,
    name: String,
}

impl FallbackChain {
    pub fn new(backends: Vec<Arc<dyn LlmBackend>>) -> FallbackChain {
        let name = backends
            .iter()
            .map(|b| b.name().to_string())
            .collect::<Vec<_>>()
            .join(" > ");
        FallbackChain { backends, name }
    }
}

#[async_trait::async_trait]
impl LlmBackend for FallbackChain {
    fn name(&self) -> &str {
        &self.name
    }

    async fn generate(&self, req: GenerateRequest) -> Result<Generation, LlmError> {
        let mut failures: Vec<(String, String)> = Vec::new();
        for b in &self.backends {
            match b.generate(req.clone()).await {
                Ok(mut g) => {
                    // Failures of a nested chain come first: they happened first.
                    let mut failed: Vec<String> = failures.into_iter().map(|(b, _)| b).collect();
                    failed.append(&mut g.failed);
                    g.failed = failed;
                    return Ok(g);
                }
                Err(LlmError::Exhausted(inner)) => failures.extend(inner),
                Err(e) => {
                    tracing::warn!(backend = b.name(), error = %crate::text::chain(&e), "LLM backend failed; trying the next");
                    failures.push((b.name().to_string(), e.to_string()));
                }
            }
        }
        Err(LlmError::Exhausted(failures))
    }

    /// The first member that batches (a local fallback behind a server).
    fn stats(&self) -> Option<std::sync::Arc<super::BackendStats>> {
        self.backends.iter().find_map(|b| b.stats())
    }
}
