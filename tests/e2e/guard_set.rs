//! The guard on a labelled set (`eval/guard.toml`): right and wrong answers over both
//! packs' facts and passages, English and Chinese. A right answer must be kept as the
//! member's reply; a wrong one must not reach the member (refused, or its wrong sentence
//! dropped). No model: this measures the checks alone.

use std::collections::HashMap;

use herald::dialogue::guard::GuardInput;
use herald::knowledge::{retrieve, Graph, PackLoader, RetrieveOptions};
use herald::text::Lang;
use serde::Deserialize;

use crate::support::repo;

#[derive(Deserialize)]
struct Set {
    pair: Vec<Pair>,
}

#[derive(Deserialize)]
struct Pair {
    pack: String,
    kind: String,
    q: String,
    right: String,
    wrong: String,
    /// The part of `wrong` that must not reach the member.
    bad: String,
}

/// The plan for `q` and the guard's input over it, as the bot builds them.
fn planned<'g>(g: &'g Graph, q: &'g str) -> (herald::knowledge::Retrieval, &'g Graph, &'g str) {
    let r = retrieve(g, q, &[], &RetrieveOptions::default());
    (herald::dialogue::plan(&r, q), g, q)
}

fn input<'a>(plan: &'a herald::knowledge::Retrieval, g: &'a Graph, q: &'a str) -> GuardInput<'a> {
    GuardInput {
        graph: g,
        retrieval: plan,
        member_message: q,
        secret_sentences: &[],
        words: true,
        draft: "",
    }
}

/// What the member would get if the model had written `text`, or `None`.
fn accepted(g: &Graph, q: &str, text: &str) -> Option<String> {
    let (plan, g, q) = planned(g, q);
    if plan.facts.is_empty() {
        return None;
    }
    herald::dialogue::accept(text, &input(&plan, g, q), Lang::detect(q))
        .map(|(reply, _)| herald::dialogue::guard::strip_citations(&reply))
}

/// What the guard says of `text`, for a failure message.
fn why(g: &Graph, q: &str, text: &str) -> String {
    let (plan, g, q) = planned(g, q);
    let input = input(&plan, g, q);
    let (kept, report) = herald::dialogue::guard::keep_supported(text, &input);
    format!(
        "plan {:?}; kept {kept:?}; unsupported {:?}; states asked {}",
        plan.facts.iter().map(|f| &f.text).collect::<Vec<_>>(),
        report.unsupported,
        herald::dialogue::guard::states_asked(&kept, &plan, q)
    )
}

#[test]
fn the_guard_keeps_right_answers_and_stops_wrong_ones() {
    let text = std::fs::read_to_string(repo().join("eval/guard.toml")).expect("the set");
    let set: Set = toml::from_str(&text).expect("the set parses");
    assert!(set.pair.len() >= 200, "{} pairs", set.pair.len());
    let mut graphs: HashMap<String, std::sync::Arc<Graph>> = HashMap::new();
    let (mut kept, mut stopped) = (0, 0);
    let mut lost = Vec::new();
    let mut let_through = Vec::new();
    let mut zh = 0;
    for p in &set.pair {
        let g = graphs
            .entry(p.pack.clone())
            .or_insert_with(|| {
                PackLoader::default()
                    .load(&repo().join(&p.pack))
                    .expect("pack loads")
                    .graph
            })
            .clone();
        if Lang::detect(&p.q).is_zh() {
            zh += 1;
        }
        match accepted(&g, &p.q, &p.right) {
            Some(_) => kept += 1,
            None => lost.push(format!(
                "{} | {} | {}",
                p.q,
                p.right,
                why(&g, &p.q, &p.right)
            )),
        }
        let bad = p.bad.trim_end_matches(['.', '。']);
        match accepted(&g, &p.q, &p.wrong) {
            Some(reply) if reply.contains(bad) => let_through.push(format!(
                "[{}] {} | {} | got {reply:?} | {}",
                p.kind,
                p.q,
                p.wrong,
                why(&g, &p.q, &p.wrong)
            )),
            _ => stopped += 1,
        }
    }
    let n = set.pair.len() as f64;
    let (keep, stop) = (kept as f64 / n, stopped as f64 / n);
    println!(
        "guard set: {} pairs ({zh} Chinese); right answers kept {kept} ({:.1} %), wrong ones stopped {stopped} ({:.1} %)",
        set.pair.len(),
        keep * 100.0,
        stop * 100.0
    );
    for l in &lost {
        println!("right answer refused: {l}");
    }
    for l in &let_through {
        println!("wrong answer let through: {l}");
    }
    assert!(zh >= 40, "{zh} Chinese pairs");
    assert!(
        keep >= 0.9,
        "kept {:.1} %; lost:\n{}",
        keep * 100.0,
        lost.join("\n")
    );
    assert!(
        stop >= 0.9,
        "stopped {:.1} %; let through:\n{}",
        stop * 100.0,
        let_through.join("\n")
    );
}

/// Words inside a linked name do not ask for an attribute: "street" in a café's name is no
/// question about its address, so a reply that states the street number as an opening
/// time does not pass as "stating what was asked" (it did, over the HTTP API).
#[test]
fn a_names_own_words_do_not_ask() {
    let g = PackLoader::default()
        .load(&repo().join("knowledge"))
        .expect("pack loads")
        .graph;
    let q = "when is the harbor street cafe open?";
    let (plan, g, q) = planned(&g, q);
    let asked: Vec<&str> = plan
        .facts
        .iter()
        .filter(|f| f.asked)
        .map(|f| f.text.as_str())
        .collect();
    assert!(
        !asked.is_empty() && asked.iter().all(|t| t.contains("hours")),
        "{asked:?}"
    );
    assert_eq!(
        accepted(g, q, "The Harbor Street Café is open from 12: AM to 18:00."),
        None
    );
    assert!(accepted(
        g,
        q,
        "The Harbor Street Café is open Mon–Fri 7:00–18:00, Sat–Sun 8:00–16:00."
    )
    .is_some());
}

/// An e-mail, URL, date or time written against Chinese text has no Unicode word boundary
/// before it (`是care@…`): the guard must still check it.
#[test]
fn contact_details_and_dates_next_to_chinese_text_are_checked() {
    let g = PackLoader::default()
        .load(&repo().join("knowledge"))
        .expect("pack loads")
        .graph;
    for (q, right, wrong, bad) in [
        (
            "客服的邮箱是什么？",
            "客服的邮箱是care@lanternhill.coffee。",
            "客服的邮箱是help@lanternhill.coffee。",
            "help@",
        ),
        (
            "拉花工作坊是哪天？",
            "拉花工作坊在2026-12-12。",
            "拉花工作坊在2026-12-19。",
            "12-19",
        ),
        // Full-width digits and colon, as Chinese input methods write them.
        (
            "拉花工作坊是哪天？",
            "拉花工作坊在２０２６－１２－１２。",
            "拉花工作坊在２０２６－１２－１９。",
            "１９",
        ),
        (
            "耶加雪菲多少钱？",
            "耶加雪菲是１８．５０ USD。",
            "耶加雪菲是１７．５０ USD。",
            "１７",
        ),
    ] {
        assert!(
            accepted(&g, q, right).is_some(),
            "right answer refused: {right} | {}",
            why(&g, q, right)
        );
        let got = accepted(&g, q, wrong);
        assert!(
            !got.as_deref().is_some_and(|r| r.contains(bad)),
            "wrong answer let through: {wrong} | {}",
            why(&g, q, wrong)
        );
    }
}
