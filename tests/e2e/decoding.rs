//! Constrained decoding on the real local model: told to invent a price, it cannot emit
//! one; the same request without the constraint shows the model would.

use crate::support;

use herald::llm::constraint::protected_spans;
use herald::llm::{
    ChatMessage, Constraint, GenerateRequest, LlamaBackend, LlamaOptions, LlmBackend, Role,
};

fn request(constraint: Option<Constraint>) -> GenerateRequest {
    GenerateRequest {
        messages: vec![
            ChatMessage::new(
                Role::System,
                "You are a shop assistant. Facts: [1] Colombia Huila — price: 16.00 USD",
            ),
            ChatMessage::new(
                Role::User,
                "Repeat exactly this sentence: The Huila costs 99.99 USD and ships in 3 days.",
            ),
        ],
        max_tokens: 40,
        constraint,
        cache_prefix: String::new(),
        conversation: String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_cannot_emit_a_number_the_facts_do_not_have() {
    let llm = LlamaBackend::load(LlamaOptions {
        model: support::model_path(),
        threads: support::MODEL_THREADS,
        ..LlamaOptions::default()
    })
    .expect("model loads");

    let free = llm.generate(request(None)).await.expect("generates");
    assert!(
        free.text.contains("99.99"),
        "without the constraint the model repeats the invented price, or this test proves nothing: {:?}",
        free.text
    );

    let constraint = Constraint {
        values: vec!["Colombia Huila — price: 16.00 USD".into()],
        max_sentences: 2,
        no_repeat_ngram: 6,
        ..Constraint::default()
    };
    let held = llm
        .generate(request(Some(constraint)))
        .await
        .expect("generates");
    let allowed = ["16.00".to_string()];
    for span in protected_spans(&held.text) {
        assert!(
            allowed.contains(&span),
            "the constrained model wrote {span:?}: {:?}",
            held.text
        );
    }
    assert!(!held.text.contains("99"), "{:?}", held.text);
    assert!(!held.text.trim().is_empty());
}
