//! `herald kb`: check a knowledge folder, query it as the bot would, sync it into a graph
//! database (`kb gaps` is an admin command: `super::admin`).

use std::path::Path;

use crate::app::{neo4j_options, retrieve_options};
use crate::config::Config;
use crate::knowledge::{retrieve, KnowledgeError, Neo4jSync, PackLoader};
use crate::router::{route, IntentClassifier, Routed};

/// `herald kb check`: validate a knowledge folder; 1 with `path:line` problems.
pub(super) fn check(dir: &Path) -> i32 {
    match PackLoader::default().load(dir) {
        Ok(pack) => {
            let s = pack.report.stats;
            println!(
                "{}: ok — {} files, {} entities, {} relations, {} passages, {} intents",
                dir.display(),
                s.files,
                s.entities,
                s.relations,
                s.passages,
                s.intents
            );
            0
        }
        Err(KnowledgeError::Invalid(problems)) => {
            for p in &problems {
                println!("{p}");
            }
            eprintln!("{}: {} problem(s)", dir.display(), problems.len());
            1
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// `herald kb query`: what the bot would link and retrieve for `text`, with scores.
pub(super) fn query(config: &Config, text: &str, json: bool) -> anyhow::Result<i32> {
    let pack = match PackLoader::default().load(&config.knowledge.dir) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return Ok(1);
        }
    };
    let g = &pack.graph;
    let opts = retrieve_options(config);
    let started = std::time::Instant::now();
    let r = retrieve(g, text, &[], &opts);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let classifier = IntentClassifier::train(&g.intents);
    let (intent, route_name, confidence) =
        match route(text, &classifier, config.router.threshold, &[]) {
            Routed::Command(c) => (
                Some(format!("/{}", c.name)),
                Some("command".to_string()),
                1.0,
            ),
            Routed::Text {
                intent,
                route,
                confidence,
                ..
            } => (intent, route.map(|r| r.to_string()), confidence),
        };
    if json {
        let out = serde_json::json!({
            "intent": intent, "route": route_name, "confidence": confidence,
            "linked": r.linked, "wants": r.wants, "missing": r.missing,
            "facts": r.facts, "retrieve_ms": ms,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(0);
    }
    println!(
        "intent: {} (route {}, confidence {:.2})",
        intent.as_deref().unwrap_or("-"),
        route_name.as_deref().unwrap_or("-"),
        confidence
    );
    if r.linked.is_empty() {
        println!("linked: nothing");
    }
    for l in &r.linked {
        match &l.alias {
            Some(a) => println!("linked: {} [{}] via alias {a:?}", l.name, l.id),
            None => println!(
                "linked: {} [{}] (from the conversation, a partial name or the attribute asked)",
                l.name, l.id
            ),
        }
    }
    println!(
        "wants: {}",
        if r.wants.is_empty() {
            "nothing in particular".to_string()
        } else {
            r.wants.join(", ")
        }
    );
    if !r.asks.is_empty() {
        println!("asks beyond the names: {}", r.asks.join(", "));
    }
    if !r.missing.is_empty() {
        println!(
            "not in the knowledge for this: {} (the bot says it does not know)",
            r.missing.join(", ")
        );
    }
    if r.facts.is_empty() {
        println!("retrieved: nothing (the bot would say it does not know)");
    }
    for (i, f) in r.facts.iter().enumerate() {
        let fit = f
            .fit
            .map(|x| format!("{x:?}").to_lowercase())
            .unwrap_or_else(|| "-".into());
        println!(
            "[{}] {} {:.3} {:<9} {}  ({})\n      type {}, fit {fit}, words matched: {}",
            i + 1,
            if f.asked { "PLAN" } else { "    " },
            f.score,
            f.via,
            f.text,
            f.source,
            f.value_type,
            if f.matched.is_empty() {
                "none".to_string()
            } else {
                f.matched.join(", ")
            }
        );
    }
    if !r.facts.iter().any(|f| f.asked) && !r.facts.is_empty() {
        println!("plan: nothing answers what is asked (the bot says it does not know)");
    }
    println!("({ms:.3} ms)");
    Ok(0)
}

/// `herald kb sync`: the knowledge folder into the `[neo4j]` graph database.
pub(super) async fn sync(config: &Config, json: bool) -> anyhow::Result<i32> {
    let Some(n) = &config.neo4j else {
        anyhow::bail!("kb sync needs a [neo4j] section in the config (uri, user, password or HERALD_NEO4J_PASSWORD; see config.example.toml)");
    };
    let pack = match PackLoader::default().load(&config.knowledge.dir) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            eprintln!("nothing was synced: the graph database keeps its previous content");
            return Ok(1);
        }
    };
    let sync = Neo4jSync::connect(&neo4j_options(n)).await?;
    let started = std::time::Instant::now();
    // A progress line on a terminal only; pipes and logs get the summary alone.
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let summary = sync
        .sync(&pack.files, |done, total| {
            if tty {
                eprint!("\rsyncing {done}/{total} files");
            }
        })
        .await?;
    if tty {
        eprintln!();
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if json {
        let mut v = serde_json::to_value(&summary)?;
        v["ms"] = serde_json::json!(ms);
        println!("{v}");
    } else {
        println!(
            "{}: {} created, {} updated, {} deleted, {} unchanged files ({} writes) in {:.0} ms",
            n.uri,
            summary.created,
            summary.updated,
            summary.deleted,
            summary.unchanged,
            summary.writes,
            ms
        );
    }
    Ok(0)
}
