//! The prompt's shared head kept on disk: a second process (here, a second backend with a
//! fresh context) loads it instead of evaluating it, and answers exactly as the process
//! that evaluated it; a damaged file is evaluated again, never trusted.
//!
//! (Exactly as that process, not as one evaluating the prompt in a single batch: llama.cpp's
//! results differ in the last bits between batch sizes, and greedy decoding may follow.)

use crate::support;

use herald::llm::{ChatMessage, GenerateRequest, LlamaBackend, LlamaOptions, LlmBackend, Role};

const HEAD: &str = "You are a shop assistant for a small roastery. Answer the member in one or two short sentences, using only what you are given here. Copy names, prices, numbers and dates exactly.\n";

fn request(question: &str) -> GenerateRequest {
    GenerateRequest {
        messages: vec![
            ChatMessage::new(
                Role::System,
                format!("{HEAD}Information: The Huila costs 16.00 USD."),
            ),
            ChatMessage::new(Role::User, question),
        ],
        max_tokens: 24,
        cache_prefix: HEAD.to_string(),
        ..GenerateRequest::default()
    }
}

fn backend(dir: Option<&std::path::Path>) -> LlamaBackend {
    LlamaBackend::load(LlamaOptions {
        model: support::model_path(),
        threads: support::MODEL_THREADS,
        prefix_dir: dir.map(|d| d.to_path_buf()),
        ..LlamaOptions::default()
    })
    .expect("model loads")
}

fn saved(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "kv"))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_head_is_loaded_by_the_next_process_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let heads = dir.path().join("prompt-cache");
    let q = "How much is the Huila?";

    let first = backend(Some(&heads))
        .generate(request(q))
        .await
        .expect("generates");
    assert_eq!(first.cached_tokens, 0, "nothing saved yet");
    let files = saved(&heads);
    assert_eq!(files.len(), 1, "the head is saved once: {files:?}");
    assert!(!first.text.is_empty());

    let second = backend(Some(&heads))
        .generate(request(q))
        .await
        .expect("generates");
    assert!(
        second.cached_tokens >= 30 && second.cached_tokens < second.prompt_tokens,
        "the head ({} of {} tokens) comes from the file",
        second.cached_tokens,
        second.prompt_tokens
    );
    assert_eq!(
        second.text, first.text,
        "a loaded head answers exactly as the evaluated one"
    );

    // A damaged file is not trusted: evaluated again (and saved anew), same answer.
    std::fs::write(&files[0], b"not a llama.cpp state").expect("damage");
    let third = backend(Some(&heads))
        .generate(request(q))
        .await
        .expect("generates");
    assert_eq!(third.cached_tokens, 0);
    assert_eq!(third.text, first.text);
    assert_eq!(saved(&heads).len(), 1);
    assert_ne!(
        std::fs::read(&files[0]).expect("saved again"),
        b"not a llama.cpp state"
    );
}
