//! Many requests at once on the real local model: each gets the text it gets alone, none
//! sees another's prompt, a cancelled one frees its sequence, a prompt too long for a
//! sequence is refused, and a conversation that sends many takes turns with the others.

use std::sync::Arc;
use std::time::Duration;

use crate::support;

use herald::llm::{
    ChatMessage, Constraint, GenerateRequest, LlamaBackend, LlamaOptions, LlmBackend, LlmError,
    Role,
};

fn backend(parallel: usize, context: u32) -> Arc<LlamaBackend> {
    Arc::new(
        LlamaBackend::load(LlamaOptions {
            model: support::model_path(),
            threads: support::MODEL_THREADS,
            context,
            parallel,
            ..LlamaOptions::default()
        })
        .expect("model loads"),
    )
}

/// A question about a made-up product with its own code word, so a reply that mentions
/// another request's word has read another sequence's tokens.
fn request(i: usize, conversation: &str) -> GenerateRequest {
    let word = code_word(i);
    GenerateRequest {
        messages: vec![
            ChatMessage::new(
                Role::System,
                format!(
                    "{HEAD}{}Fact: The product {word} costs {}.{:02} USD and ships from dock {}.",
                    other_facts(i),
                    10 + i,
                    i * 7 % 100,
                    i + 2
                ),
            ),
            ChatMessage::new(
                Role::User,
                format!("How much is {word} and where does it ship from?"),
            ),
        ],
        max_tokens: 32 + 4 * i as u32,
        constraint: i.is_multiple_of(2).then(|| Constraint {
            max_sentences: 2,
            no_repeat_ngram: 4,
            ..Constraint::default()
        }),
        conversation: conversation.to_string(),
        cache_prefix: HEAD.to_string(),
    }
}

/// The instructions every request shares (their state is evaluated once and reused).
const HEAD: &str = "You are a shop assistant for a small online store. Answer the member in one short sentence, using only the fact below, and copy its numbers exactly.\n";

/// Facts the question does not ask about, long enough that a prompt joining while
/// others write is evaluated over several steps.
fn other_facts(i: usize) -> String {
    (0..24)
        .map(|k| {
            format!(
                "Note {k}: shelf {} holds {} boxes of tea.\n",
                k + i,
                3 * k + i
            )
        })
        .collect()
}

fn code_word(i: usize) -> String {
    [
        "Zorblax", "Quenwick", "Plimsoth", "Vardune", "Troskel", "Hembrook",
    ][i]
        .to_string()
}

async fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_get_the_text_they_get_alone_and_never_each_others() {
    let llm = backend(4, 1024);
    let mut alone = Vec::new();
    for i in 0..6 {
        alone.push(llm.generate(request(i, "")).await.expect("generates alone"));
    }
    // Six at once on four sequences: four decode together, two wait and join later.
    let together = futures_util::future::join_all((0..6).map(|i| {
        let llm = llm.clone();
        async move { llm.generate(request(i, "")).await }
    }))
    .await;
    for (i, (a, t)) in alone.iter().zip(&together).enumerate() {
        let t = t.as_ref().expect("generates together");
        assert!(!a.text.is_empty(), "request {i} wrote nothing");
        assert_eq!(
            t.text, a.text,
            "request {i}: batched text differs from alone"
        );
        assert_eq!(t.generated_tokens, a.generated_tokens);
        for j in (0..6).filter(|&j| j != i) {
            assert!(
                !t.text.contains(&code_word(j)),
                "request {i} wrote request {j}'s word: {}",
                t.text
            );
        }
    }
    // The model does mention its own product in most replies: the check above is not
    // passing only because nothing is ever named.
    let named = together
        .iter()
        .enumerate()
        .filter(|(i, t)| t.as_ref().is_ok_and(|t| t.text.contains(&code_word(*i))))
        .count();
    assert!(named >= 3, "only {named} of 6 replies name their product");
    let stats = llm.stats().expect("the local model reports its load");
    assert_eq!((stats.queued(), stats.active()), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_request_frees_its_sequence() {
    let llm = backend(1, 1024);
    let stats = llm.stats().expect("stats");
    let long = GenerateRequest {
        messages: vec![ChatMessage::new(
            Role::User,
            "Write a very long story about a lighthouse keeper and her cat.",
        )],
        max_tokens: 600,
        ..GenerateRequest::default()
    };
    let task = tokio::spawn({
        let llm = llm.clone();
        async move { llm.generate(long).await }
    });
    wait_for("the long request to run", || stats.active() == 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    task.abort();
    // The only sequence must come free for the next request, long before the story's
    // 600 tokens would have ended.
    let next = llm
        .generate(request(0, ""))
        .await
        .expect("next request runs");
    assert!(!next.text.is_empty());
    assert_eq!(
        stats.done(),
        (1, 1),
        "one finished (the next), one cancelled (the story, never finished)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_longer_than_a_sequence_is_refused_and_the_rest_still_run() {
    let llm = backend(2, 768);
    let mut long = request(1, "");
    long.messages[0]
        .content
        .push_str(&" Our shop sells coffee.".repeat(100));
    let err = llm.generate(long).await.expect_err("too long");
    assert!(
        matches!(err, LlmError::PromptTooLong { context: 768, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("context holds 768"), "{err}");
    let ok = llm
        .generate(request(1, ""))
        .await
        .expect("a short one runs");
    assert!(!ok.text.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_conversation_that_sends_many_takes_turns_with_the_others() {
    // One sequence, so turns are the only order there is.
    let llm = backend(1, 1024);
    let stats = llm.stats().expect("stats");
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    let send = |name: String, req: GenerateRequest| {
        let llm = llm.clone();
        let done = done_tx.clone();
        tokio::spawn(async move {
            let g = llm.generate(req).await;
            let _ = done.send((name, g.is_ok()));
        })
    };
    // A busy conversation holds the sequence with a long reply and queues three more;
    // then a quiet one asks once.
    let story = GenerateRequest {
        messages: vec![ChatMessage::new(
            Role::User,
            "Write a long story about a lighthouse keeper and her cat.",
        )],
        max_tokens: 160,
        conversation: "busy".into(),
        ..GenerateRequest::default()
    };
    tasks.push(send("busy0".into(), story));
    wait_for("the story to run", || stats.active() == 1).await;
    for i in 1..4 {
        tasks.push(send(format!("busy{i}"), request(i, "busy")));
        wait_for("the request to queue", || stats.queued() == i as u64).await;
    }
    tasks.push(send("quiet".into(), request(4, "quiet")));
    for t in tasks {
        t.await.expect("task");
    }
    drop(done_tx);
    let mut order = Vec::new();
    while let Some((name, ok)) = done_rx.recv().await {
        assert!(ok, "{name} failed");
        order.push(name);
    }
    let quiet = order
        .iter()
        .position(|n| n == "quiet")
        .expect("quiet answered");
    assert_eq!(order[0], "busy0");
    assert_eq!(
        quiet, 1,
        "the quiet conversation waited behind the busy one: {order:?}"
    );
}
