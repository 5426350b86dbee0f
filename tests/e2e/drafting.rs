//! `/draft`'s generator: the real model writes the variants asked for about the entities the
//! brief names, none repeating itself; a model that loops or repeats one post still leaves
//! the manager the number of variants configured, worded from the facts.

use std::sync::Arc;

use herald::dialogue::Prompts;
use herald::llm::{GenerateRequest, Generation, LlmBackend, LlmError};
use herald::posts::draft::{draft, repeats_itself, DraftInput};
use herald::posts::{measured, Variant};

use crate::support;

async fn drafts(t: &support::TestBot, llm: &dyn LlmBackend, brief: &str) -> Vec<Variant> {
    let graph = t.app.knowledge.snapshot();
    let judge = measured::judge(&t.app.posts, &t.app.log, &graph, &t.app.posts_setup);
    let prompts = Prompts::load(&support::repo().join("prompts")).expect("prompts");
    draft(DraftInput {
        llm,
        prompts: &prompts,
        graph: &graph,
        judge: &judge,
        bot_name: "Herald",
        brief,
        variants: 3,
    })
    .await
}

fn numbers(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|s| s.trim_matches('.'))
        .filter(|s| s.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_variants_about_the_briefs_entity_none_repeating_itself() {
    let t = support::bot();
    let graph = t.app.knowledge.snapshot();
    // What the knowledge says about the entity, so a number in a post can be checked.
    let known: String = graph
        .facts_of("yirgacheffe")
        .iter()
        .map(|f| f.text.clone())
        .collect::<Vec<_>>()
        .join(" ");
    for (brief, name) in [
        ("announce the new Ethiopia Yirgacheffe lot", "Yirgacheffe"),
        ("宣布耶加雪菲新批次到货", "耶加雪菲"),
    ] {
        let variants = drafts(&t, t.app.llm.as_ref(), brief).await;
        let texts: Vec<&str> = variants.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(variants.len(), 3, "{texts:#?}");
        let distinct: std::collections::HashSet<&str> = texts.iter().copied().collect();
        assert_eq!(distinct.len(), 3, "{texts:#?}");
        for v in &variants {
            assert!(!repeats_itself(&v.text), "repeats itself: {}", v.text);
            if v.warnings.is_empty() {
                for n in numbers(&v.text) {
                    assert!(known.contains(&n), "{n} is not in the facts: {}", v.text);
                }
            }
        }
        let flagged = variants.iter().filter(|v| !v.warnings.is_empty()).count();
        assert!(flagged <= 1, "{variants:#?}");
        assert!(
            variants[0].warnings.is_empty(),
            "the best variant is not grounded: {variants:#?}"
        );
        assert!(
            texts.iter().any(|t| t.contains(name)),
            "no variant names the brief's entity: {texts:#?}"
        );
    }
}

/// A model that answers each request with the next of its texts, round and round.
struct Scripted {
    texts: Vec<&'static str>,
    next: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl LlmBackend for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }
    async fn generate(&self, _req: GenerateRequest) -> Result<Generation, LlmError> {
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Generation {
            text: self.texts[i % self.texts.len()].into(),
            ..Generation::default()
        })
    }
}

fn scripted(texts: &[&'static str]) -> Arc<Scripted> {
    Arc::new(Scripted {
        texts: texts.to_vec(),
        next: Default::default(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_looping_model_still_leaves_three_true_variants() {
    let looping = scripted(&[
        "The price is 18.50 USD. The price is 18.50 USD. The price is 18.50 USD.",
        "It is a light roast single origin. It is a light roasted single origin!",
    ]);
    let t = support::bot_with(looping.clone());
    let variants = drafts(
        &t,
        looping.as_ref(),
        "announce the new Ethiopia Yirgacheffe lot",
    )
    .await;
    let texts: Vec<&str> = variants.iter().map(|v| v.text.as_str()).collect();
    assert_eq!(variants.len(), 3, "{texts:#?}");
    for v in &variants {
        assert!(!repeats_itself(&v.text), "{}", v.text);
        assert!(v.warnings.is_empty(), "{v:?}");
        assert!(v.text.contains("18.50 USD"), "{}", v.text);
        assert!(!v.text.contains(" — "), "a row, not a sentence: {}", v.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_made_up_person_is_a_warning_and_a_chinese_brief_gets_chinese_posts() {
    let model = scripted(&[
        "Hi, I'm Emily, our new pastry chef! The Ethiopia Yirgacheffe costs 18.50 USD.",
    ]);
    let t = support::bot_with(model.clone());
    let variants = drafts(
        &t,
        model.as_ref(),
        "announce the new Ethiopia Yirgacheffe lot",
    )
    .await;
    let emily = variants
        .iter()
        .find(|v| v.text.contains("Emily"))
        .expect("the generated variant is shown");
    assert!(
        emily.warnings.iter().any(|w| w.contains("Emily")),
        "{emily:?}"
    );
    assert!(
        variants[0].warnings.is_empty(),
        "a true variant ranks first: {variants:#?}"
    );
    // Chinese the knowledge does not back is a warning; the templates fill in for a
    // Chinese brief in Chinese.
    let garbled = scripted(&["美国香港被耶稷杀人被被福利安韩的狼狩，耶加雪菲 18.50 USD。"]);
    let zh = drafts(&t, garbled.as_ref(), "宣布耶加雪菲新批次到货").await;
    let made_up = zh
        .iter()
        .find(|v| v.text.contains("美国香港"))
        .expect("the generated variant is shown");
    assert!(
        made_up.warnings.iter().any(|w| w.contains("狼")),
        "{made_up:?}"
    );
    assert!(
        zh.iter()
            .any(|v| v.text.contains("耶加雪菲") && v.warnings.is_empty()),
        "{zh:#?}"
    );
}
