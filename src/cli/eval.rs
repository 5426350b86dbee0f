//! `herald eval FILE`: run a question set against the configured pack and model and report
//! how the bot does (the format is in `src/docs/eval.md`). The bot runs on a temporary
//! data folder, so an evaluation never writes gaps or memory into the real one.

use std::path::Path;
use std::time::Instant;

use herald_platform::{ChatRef, Incoming, PlatformKind};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::bot::Reply;
use crate::config::Config;
use crate::dialogue::Fallback;
use crate::text::{normalize, Lang};

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct EvalFile {
    #[serde(default)]
    case: Vec<Case>,
}

/// One question and what a correct reply is.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct Case {
    pub(super) q: String,
    /// Correct when the reply answers, cites, and contains one of these.
    #[serde(default)]
    pub(super) expect: Vec<String>,
    /// Correct when the reply does not answer (`answered: false`).
    #[serde(default)]
    pub(super) unknown: bool,
    /// Correct when the reply takes this route (`handoff`, `smalltalk`, …) or matches the
    /// pack's intent of this name (`lost_property`).
    pub(super) route: Option<String>,
    /// Messages sent first in the same conversation (for follow-ups); not scored.
    #[serde(default)]
    pub(super) before: Vec<String>,
}

/// Why a case failed, with what the bot said.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub(super) struct Failure {
    pub(super) q: String,
    pub(super) why: String,
    pub(super) reply: String,
}

/// The totals of an evaluation, as `herald eval --json` prints them.
#[derive(Serialize, Debug, Default, PartialEq)]
pub(super) struct Summary {
    pub(super) total: usize,
    pub(super) correct: usize,
    pub(super) answered_total: usize,
    pub(super) answered_correct: usize,
    pub(super) unknown_total: usize,
    pub(super) unknown_correct: usize,
    pub(super) route_total: usize,
    pub(super) route_correct: usize,
    /// Correct answers whose wording is the model's (`fallback: "none"`).
    pub(super) model_written: usize,
    /// Confident wrong answers: answered and cited without stating the expected value, or
    /// answered where the pack has no answer. Reported apart from "I don't know".
    pub(super) wrong: usize,
    /// Replies in the question's language, of all cases.
    pub(super) language_match: usize,
    /// Replies not in the question's language.
    pub(super) language_mismatches: Vec<Failure>,
    pub(super) p50_ms: f64,
    pub(super) p95_ms: f64,
    pub(super) failures: Vec<Failure>,
}

/// Parse an eval file; every problem names the file.
pub(super) fn parse(path: &Path, text: &str) -> anyhow::Result<Vec<Case>> {
    let file: EvalFile = toml::from_str(text)
        .map_err(|e| anyhow::anyhow!("{}: invalid eval file: {}", path.display(), e.message()))?;
    for (i, c) in file.case.iter().enumerate() {
        let kinds = usize::from(!c.expect.is_empty())
            + usize::from(c.unknown)
            + usize::from(c.route.is_some());
        if c.q.trim().is_empty() || kinds != 1 {
            anyhow::bail!(
                "{}: case {} ({:?}) needs a question and exactly one of expect, unknown = true or route",
                path.display(),
                i + 1,
                c.q
            );
        }
    }
    if file.case.is_empty() {
        anyhow::bail!("{}: no [[case]] in the file", path.display());
    }
    Ok(file.case)
}

/// Judge one reply: `None` when correct, else why not.
pub(super) fn judge(case: &Case, reply: &Reply) -> Option<String> {
    if let Some(route) = &case.route {
        // Two intents of a pack may share a route (`booking_change` and `lost_property`
        // both hand off); a set may name either.
        let taken = reply.route == *route || reply.intent.as_deref() == Some(route.as_str());
        return (!taken).then(|| match &reply.intent {
            Some(intent) => format!("route {} of intent {intent} (wanted {route})", reply.route),
            None => format!("route {} (wanted {route})", reply.route),
        });
    }
    if case.unknown {
        return reply
            .answered
            .then(|| "answered (wanted: I don't know)".to_string());
    }
    if !reply.answered {
        return Some("not answered".into());
    }
    if reply.citations.is_empty() {
        return Some("no citation".into());
    }
    let said = normalize(&reply.reply);
    if case.expect.iter().any(|e| said.contains(&normalize(e))) {
        None
    } else {
        Some(format!("does not say any of {:?}", case.expect))
    }
}

/// A failed case is a confident wrong answer when the bot answered with a citation (not "I
/// don't know", not a route): the member was told something that is not the answer.
pub(super) fn is_wrong(case: &Case, reply: &Reply) -> bool {
    case.route.is_none()
        && reply.answered
        && !reply.citations.is_empty()
        && judge(case, reply).is_some()
}

/// Is the reply in the question's language (names and values quoted from the citations
/// do not count against Chinese)?
pub(super) fn language_matches(case: &Case, reply: &Reply) -> bool {
    let quoted: String = reply
        .citations
        .iter()
        .map(|c| c.fact.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Lang::detect(&case.q).written_in(&reply.reply, &quoted)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Run every case through `app`'s bot, each in its own conversation.
pub(super) async fn evaluate(app: &App, cases: &[Case]) -> Summary {
    let mut s = Summary::default();
    let mut times = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let msg = |text: &str| Incoming {
            chat: ChatRef {
                platform: PlatformKind::Console,
                chat: format!("eval-{i}"),
                private: true,
            },
            user: format!("eval-{i}"),
            message_id: "1".into(),
            text: text.to_string(),
            addressed: true,
            manager: false,
            reply_to: None,
            chat_title: None,
            signals: Default::default(),
        };
        for b in &case.before {
            app.bot.handle(&msg(b)).await;
        }
        let started = Instant::now();
        let reply = app.bot.handle(&msg(&case.q)).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        let Some(reply) = reply else {
            s.total += 1;
            s.failures.push(Failure {
                q: case.q.clone(),
                why: "no reply".into(),
                reply: String::new(),
            });
            continue;
        };
        s.total += 1;
        if language_matches(case, &reply) {
            s.language_match += 1;
        } else {
            s.language_mismatches.push(Failure {
                q: case.q.clone(),
                why: "not in the question's language".into(),
                reply: reply.reply.clone(),
            });
        }
        let verdict = judge(case, &reply);
        match (&case.route, case.unknown) {
            (Some(_), _) => s.route_total += 1,
            (None, true) => s.unknown_total += 1,
            (None, false) => s.answered_total += 1,
        }
        match verdict {
            None => {
                s.correct += 1;
                match (&case.route, case.unknown) {
                    (Some(_), _) => s.route_correct += 1,
                    (None, true) => s.unknown_correct += 1,
                    (None, false) => {
                        s.answered_correct += 1;
                        if reply.fallback == Fallback::None {
                            s.model_written += 1;
                        }
                    }
                }
            }
            Some(why) => {
                if is_wrong(case, &reply) {
                    s.wrong += 1;
                }
                s.failures.push(Failure {
                    q: case.q.clone(),
                    why,
                    reply: reply.reply.clone(),
                })
            }
        }
    }
    times.sort_by(f64::total_cmp);
    s.p50_ms = (percentile(&times, 0.5) * 10.0).round() / 10.0;
    s.p95_ms = (percentile(&times, 0.95) * 10.0).round() / 10.0;
    s
}

/// `--min-correct` as a share: 0.95 or 95 (%).
fn share(min: f64) -> f64 {
    if min > 1.0 {
        min / 100.0
    } else {
        min
    }
}

pub(super) async fn eval(
    mut config: Config,
    file: &Path,
    json: bool,
    min_correct: Option<f64>,
) -> anyhow::Result<i32> {
    if let Some(min) = min_correct {
        if !(0.0..=100.0).contains(&min) {
            anyhow::bail!("--min-correct {min}: give a share between 0 and 1 (0.95) or a percentage up to 100 (95)");
        }
    }
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the eval file: {e}", file.display()))?;
    let cases = parse(file, &text)?;
    let scratch = tempfile::tempdir()?;
    config.data.dir = scratch.path().join("data");
    let app = App::start(&config)?;
    let s = evaluate(&app, &cases).await;
    if json {
        println!("{}", serde_json::to_string(&s)?);
    } else {
        print_table(&s);
    }
    let rate = s.correct as f64 / s.total.max(1) as f64;
    Ok(match min_correct {
        Some(min) if rate < share(min) => {
            eprintln!(
                "herald eval: {:.1} % correct is below --min-correct {:.1} %",
                rate * 100.0,
                share(min) * 100.0
            );
            1
        }
        _ => 0,
    })
}

fn print_table(s: &Summary) {
    for (title, list) in [
        ("failures", &s.failures),
        ("not in the question's language", &s.language_mismatches),
    ] {
        if list.is_empty() {
            continue;
        }
        println!("{title}:");
        for f in list {
            println!(
                "  {}\n    {}\n    reply: {}",
                f.q,
                f.why,
                f.reply.replace('\n', " ")
            );
        }
        println!();
    }
    let pct = |a: usize, b: usize| {
        if b == 0 {
            "-".to_string()
        } else {
            format!("{:.1} %", a as f64 * 100.0 / b as f64)
        }
    };
    for (label, part, whole) in [
        ("correct", s.correct, s.total),
        ("  answers", s.answered_correct, s.answered_total),
        ("  unknowns", s.unknown_correct, s.unknown_total),
        ("  routes", s.route_correct, s.route_total),
        ("wrong (stated)", s.wrong, s.total),
        ("model's wording", s.model_written, s.answered_correct),
        ("language match", s.language_match, s.total),
    ] {
        println!("{label:<16} {part:>4} / {whole:<4} {}", pct(part, whole));
    }
    println!(
        "latency          p50 {:.0} ms, p95 {:.0} ms",
        s.p50_ms, s.p95_ms
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_needs_exactly_one_expectation() {
        let p = Path::new("eval.toml");
        assert!(parse(p, "[[case]]\nq = \"hi\"\nexpect = [\"x\"]\n").is_ok());
        let both = parse(
            p,
            "[[case]]\nq = \"hi\"\nexpect = [\"x\"]\nunknown = true\n",
        );
        assert!(both.unwrap_err().to_string().contains("exactly one"));
        let none = parse(p, "[[case]]\nq = \"hi\"\n");
        assert!(none.is_err());
        let typo = parse(p, "[[case]]\nq = \"hi\"\nexpected = [\"x\"]\n");
        assert!(typo.unwrap_err().to_string().contains("eval.toml"));
        assert!(parse(p, "")
            .unwrap_err()
            .to_string()
            .contains("no [[case]]"));
    }

    fn reply(text: &str, answered: bool, cited: bool) -> Reply {
        Reply {
            intent: None,
            route: "answer".into(),
            confidence: 1.0,
            reply: text.into(),
            answered,
            grounded: answered,
            fallback: Fallback::None,
            citations: if cited {
                vec![crate::dialogue::CitationOut {
                    id: 1,
                    source: "a.toml:1".into(),
                    fact: "x".into(),
                }]
            } else {
                Vec::new()
            },
            flagged: None,
            timings_ms: Default::default(),
            entities: Vec::new(),
            images: Vec::new(),
            forwards: Vec::new(),
            sanctions: Vec::new(),
            buttons: Vec::new(),
        }
    }

    #[test]
    fn a_cited_answer_without_the_value_is_wrong_and_i_dont_know_is_not() {
        let case = |expect: &[&str], unknown: bool| Case {
            q: "q".into(),
            expect: expect.iter().map(|s| s.to_string()).collect(),
            unknown,
            route: None,
            before: Vec::new(),
        };
        let kettle = case(&["0.9 L"], false);
        assert!(is_wrong(
            &kettle,
            &reply("The kettle holds 39.00 liters.", true, true)
        ));
        assert!(!is_wrong(
            &kettle,
            &reply("The kettle holds 0.9 L.", true, true)
        ));
        assert!(!is_wrong(
            &kettle,
            &reply("Sorry, I don't know that yet.", false, false)
        ));
        let pilates = case(&[], true);
        assert!(is_wrong(
            &pilates,
            &reply("Yin Yoga is on Tuesdays.", true, true)
        ));
        assert!(!is_wrong(
            &pilates,
            &reply("Sorry, I don't know.", false, false)
        ));
    }

    #[test]
    fn a_route_case_is_met_by_the_route_or_by_the_intent_of_that_name() {
        let case = |route: &str| Case {
            q: "q".into(),
            expect: Vec::new(),
            unknown: false,
            route: Some(route.into()),
            before: Vec::new(),
        };
        let mut lost = reply("Passing this to the team.", false, false);
        lost.route = "handoff".into();
        lost.intent = Some("lost_property".into());
        assert_eq!(judge(&case("handoff"), &lost), None);
        assert_eq!(judge(&case("lost_property"), &lost), None);
        let why = judge(&case("booking_change"), &lost).unwrap_or_default();
        assert!(why.contains("intent lost_property"), "{why}");
        assert!(judge(&case("smalltalk"), &reply("x", true, true)).is_some());
    }

    #[test]
    fn percentiles_pick_from_the_sorted_times() {
        let t = [10.0, 20.0, 30.0, 40.0, 50.0];
        assert_eq!(percentile(&t, 0.5), 30.0);
        assert_eq!(percentile(&t, 0.95), 50.0);
        assert_eq!(share(95.0), 0.95);
        assert_eq!(share(0.9), 0.9);
    }
}
