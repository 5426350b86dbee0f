//! Generation: the bot's path (LlamaBackend: worker thread, channel, chat template) against
//! a bare llama-cpp-2 decode loop on the same model, threads and prompt, in the same run;
//! and time to first token with and without the shared-prefix KV cache.

// Shared helpers are `pub` for this benchmark, not for another crate.
#![allow(unreachable_pub)]

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;

use herald::llm::{
    llama_runtime, ChatMessage, GenerateRequest, LlamaBackend, LlamaOptions, LlmBackend, Role,
};

const THREADS: i32 = 2;
const CONTEXT: u32 = 2048;
const MAX_TOKENS: u32 = 64;

fn model_path() -> PathBuf {
    let path = std::env::var_os("HERALD_TEST_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/SmolLM2-135M-Instruct.Q4_1.gguf")
        });
    assert!(
        path.is_file(),
        "model {} missing: run scripts/test or scripts/setup",
        path.display()
    );
    path
}

fn system_prompt() -> String {
    let mut s = String::from(
        "You are Herald, a helpful community assistant. Answer the member using only the facts below. \
         Copy names, prices, numbers and dates exactly as the facts write them. Cite facts like [1].\nFacts:\n",
    );
    for (i, f) in [
        "Ethiopia Yirgacheffe — price: 18.50 USD",
        "Ethiopia Yirgacheffe — weight: 250 g",
        "Ethiopia Yirgacheffe — Light roast single origin with floral and citrus notes.",
        "Colombia Huila — price: 16.00 USD",
        "Riverside Roastery — hours: Tue–Sat 9:00–17:00",
        "Shipping policy — dispatch: within 2 business days",
    ]
    .iter()
    .enumerate()
    {
        s.push_str(&format!("[{}] {f}\n", i + 1));
    }
    s
}

fn messages(question: &str) -> Vec<ChatMessage> {
    vec![
        ChatMessage::new(Role::System, system_prompt()),
        ChatMessage::new(Role::User, question),
    ]
}

/// llama.cpp as a bare loop: tokenize, decode the prompt, greedy-sample MAX_TOKENS.
struct Bare {
    model: LlamaModel,
}

impl Bare {
    fn new() -> Bare {
        let rt = llama_runtime().expect("llama.cpp");
        let model = LlamaModel::load_from_file(rt, model_path(), &LlamaModelParams::default())
            .expect("model");
        Bare { model }
    }

    fn prompt(&self, question: &str) -> String {
        let tmpl = self.model.chat_template(None).expect("template");
        let msgs: Vec<LlamaChatMessage> = messages(question)
            .into_iter()
            .map(|m| LlamaChatMessage::new(m.role.as_str().into(), m.content).expect("message"))
            .collect();
        self.model
            .apply_chat_template(&tmpl, &msgs, true)
            .expect("render")
    }

    fn context(&self) -> LlamaContext<'_> {
        let rt = llama_runtime().expect("llama.cpp");
        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(CONTEXT))
            .with_n_batch(CONTEXT)
            .with_n_threads(THREADS)
            .with_n_threads_batch(THREADS);
        self.model.new_context(rt, params).expect("context")
    }

    /// Returns the number of tokens generated. The context is reused, as the bot reuses
    /// its own; its KV cache is cleared so the whole prompt is processed every time.
    fn run(&self, ctx: &mut LlamaContext<'_>, prompt: &str) -> usize {
        ctx.clear_kv_cache();
        let vocab = self.model.vocab();
        let tokens = vocab.tokenize(prompt.as_bytes(), true, true);
        let mut batch = LlamaBatch::new(CONTEXT as usize, 1);
        for (i, &t) in tokens.iter().enumerate() {
            batch
                .add(t, i as i32, &[0], i == tokens.len() - 1)
                .expect("batch");
        }
        ctx.decode(&mut batch).expect("decode");
        let mut sampler = LlamaSampler::greedy();
        let mut pos = tokens.len();
        let mut at = batch.n_tokens() - 1;
        let mut n = 0;
        while n < MAX_TOKENS as usize {
            let t = sampler.sample(ctx, at);
            sampler.accept(t);
            if vocab.is_eog(t) {
                break;
            }
            n += 1;
            batch.clear();
            batch.add(t, pos as i32, &[0], true).expect("batch");
            ctx.decode(&mut batch).expect("decode");
            pos += 1;
            at = 0;
        }
        n
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let question = "Tell me everything about the Ethiopia Yirgacheffe, in detail, as a long friendly paragraph.";
    let opts = |prompt_cache| LlamaOptions {
        model: model_path(),
        threads: THREADS,
        context: CONTEXT,
        parallel: 1,
        temperature: 0.0,
        prompt_cache,
        // The same work as the bare loop: one token per step.
        prompt_lookup: false,
        prefix_dir: None,
    };
    let bot_cold = LlamaBackend::load(opts(false)).expect("bot backend");
    let bot_cached = LlamaBackend::load(opts(true)).expect("bot backend");
    let bare = Bare::new();
    let bare_prompt = bare.prompt(question);
    let req = |q: &str| GenerateRequest {
        messages: messages(q),
        max_tokens: MAX_TOKENS,
        constraint: None,
        cache_prefix: String::new(),
        conversation: String::new(),
    };

    // Same work on both sides: the whole prompt is processed every time, then greedy decoding.
    let bot_tokens = rt
        .block_on(bot_cold.generate(req(question)))
        .expect("generate")
        .generated_tokens;
    let mut ctx = bare.context();
    let bare_tokens = bare.run(&mut ctx, &bare_prompt);
    assert_eq!(
        bot_tokens, bare_tokens,
        "both paths must generate the same tokens"
    );

    let mut group = c.benchmark_group("generation");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    let mut bot_time = Duration::ZERO;
    let mut bare_time = Duration::ZERO;
    group.bench_function("bot_path", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                rt.block_on(bot_cold.generate(req(question)))
                    .expect("generate");
            }
            let e = t.elapsed();
            bot_time = e / iters as u32;
            e
        })
    });
    group.bench_function("bare_llama_cpp_loop", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                bare.run(&mut ctx, &bare_prompt);
            }
            let e = t.elapsed();
            bare_time = e / iters as u32;
            e
        })
    });
    group.finish();
    let tps = |d: Duration| bot_tokens as f64 / d.as_secs_f64();
    println!(
        "generation ({bot_tokens} tokens, prompt included): bot path {:.1} tok/s, bare loop {:.1} tok/s, ratio {:.3}",
        tps(bot_time),
        tps(bare_time),
        bare_time.as_secs_f64() / bot_time.as_secs_f64()
    );

    // Time to first token when only the question is new.
    let questions = [
        "How much is the Huila?",
        "When is the roastery open?",
        "How heavy is the Yirgacheffe?",
        "Do you ship fast?",
    ];
    let ttft = |backend: &LlamaBackend| -> (f64, usize) {
        rt.block_on(backend.generate(GenerateRequest {
            messages: messages("hello"),
            max_tokens: 1,
            constraint: None,
            cache_prefix: String::new(),
            conversation: String::new(),
        }))
        .expect("warm");
        let mut total = 0.0;
        let mut cached = 0;
        for q in questions {
            let g = rt
                .block_on(backend.generate(GenerateRequest {
                    messages: messages(q),
                    max_tokens: 1,
                    constraint: None,
                    cache_prefix: String::new(),
                    conversation: String::new(),
                }))
                .expect("generate");
            total += g.first_token_ms;
            cached += g.cached_tokens;
        }
        (total / questions.len() as f64, cached / questions.len())
    };
    let (with_cache, reused) = ttft(&bot_cached);
    let (without, _) = ttft(&bot_cold);
    println!(
        "time to first token: {with_cache:.1} ms with the prefix cache ({reused} prompt tokens reused), {without:.1} ms without (ratio {:.2})",
        without / with_cache
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
