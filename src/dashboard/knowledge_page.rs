//! The Knowledge page: the entities, relations and passages being served with their
//! `file:line`, searchable, and what `herald kb query` shows for a typed question — the
//! route, the linked entities, the retrieved facts with scores, and the plan (the facts an
//! answer would state).

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;

use crate::dialogue::plan;
use crate::knowledge::retrieve;
use crate::router::{route, IntentClassifier, Routed};

use super::pages::query_value;
use super::state::{to_login, DashboardState};

/// Rows shown per table; a search narrows the rest.
const SHOWN: usize = 200;

#[derive(Serialize)]
struct EntityView {
    id: String,
    kind: String,
    name: String,
    aliases: String,
    summary: Option<String>,
    attrs: Vec<String>,
    source: String,
}

#[derive(Serialize)]
struct RelationView {
    from: String,
    rel: String,
    to: String,
    source: String,
}

#[derive(Serialize)]
struct PassageView {
    title: String,
    body: String,
    about: String,
    source: String,
}

#[derive(Serialize)]
struct FactView {
    score: String,
    via: &'static str,
    text: String,
    source: String,
    planned: bool,
}

#[derive(Serialize)]
struct Linked {
    id: String,
    name: String,
}

#[derive(Serialize)]
struct QueryView {
    intent: String,
    route: String,
    confidence: String,
    linked: Vec<Linked>,
    facts: Vec<FactView>,
    planned: usize,
}

/// Searches ignore case.
fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// Whether any of `fields` contains the (folded) search.
fn matches(search: &str, fields: &[&str]) -> bool {
    search.is_empty() || fields.iter().any(|f| fold(f).contains(search))
}

pub(super) async fn page(
    State(st): State<DashboardState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some((_, s)) = st.session(&headers) else {
        return to_login();
    };
    let q = query_value(&query, "q").unwrap_or_default();
    let ask = query_value(&query, "ask").unwrap_or_default();
    let search = fold(q.trim());
    let g = st.0.parts.knowledge.snapshot();
    // Sources as the knowledge folder's files are named there.
    let dir = format!("{}/", st.0.parts.manage.knowledge_dir.display());
    let short = |source: String| match source.strip_prefix(&dir) {
        Some(rest) => rest.to_string(),
        None => source,
    };
    let mut entities: Vec<EntityView> = Vec::new();
    let mut total = (0usize, 0usize, 0usize);
    for e in g.entities() {
        let attrs: Vec<String> = e
            .attrs
            .iter()
            .map(|a| format!("{}: {}", a.key, a.value))
            .collect();
        let mut fields = vec![
            e.id.as_str(),
            e.kind.as_str(),
            e.name.as_str(),
            e.summary.as_deref().unwrap_or(""),
        ];
        fields.extend(e.aliases.iter().map(String::as_str));
        fields.extend(attrs.iter().map(String::as_str));
        if !matches(&search, &fields) {
            continue;
        }
        total.0 += 1;
        if entities.len() < SHOWN {
            entities.push(EntityView {
                id: e.id.clone(),
                kind: e.kind.clone(),
                name: e.name.clone(),
                aliases: e.aliases.join(", "),
                summary: e.summary.clone(),
                attrs,
                source: short(e.source.to_string()),
            });
        }
    }
    let mut relations = Vec::new();
    for r in g.relations() {
        if !matches(&search, &[&r.from, &r.rel, &r.to]) {
            continue;
        }
        total.1 += 1;
        if relations.len() < SHOWN {
            relations.push(RelationView {
                from: r.from.clone(),
                rel: r.rel.clone(),
                to: r.to.clone(),
                source: short(r.source.to_string()),
            });
        }
    }
    let mut passages = Vec::new();
    for p in g.passages() {
        let about = p.about.join(", ");
        if !matches(&search, &[&p.title, &p.body, &about]) {
            continue;
        }
        total.2 += 1;
        if passages.len() < SHOWN {
            passages.push(PassageView {
                title: p.title.clone(),
                body: p.body.clone(),
                about,
                source: short(p.source.to_string()),
            });
        }
    }
    let query_view = (!ask.trim().is_empty()).then(|| {
        let parts = &st.0.parts;
        let r = retrieve(&g, ask.trim(), &[], &parts.retrieve);
        let chosen = plan(&r, ask.trim());
        let classifier = IntentClassifier::train(&g.intents);
        let (intent, route_name, confidence) =
            match route(ask.trim(), &classifier, parts.intent_threshold, &[]) {
                Routed::Command(c) => (format!("/{}", c.name), "command".to_string(), 1.0),
                Routed::Text {
                    intent,
                    route,
                    confidence,
                    ..
                } => (
                    intent.unwrap_or_else(|| "none".into()),
                    route.map_or_else(|| "answer".to_string(), |r| r.to_string()),
                    confidence,
                ),
            };
        let facts: Vec<FactView> = r
            .facts
            .iter()
            .map(|f| FactView {
                score: format!("{:.3}", f.score),
                via: f.via,
                text: f.text.clone(),
                source: short(f.source.clone()),
                planned: chosen
                    .facts
                    .iter()
                    .any(|c| c.text == f.text && c.source == f.source),
            })
            .collect();
        QueryView {
            intent,
            route: route_name,
            confidence: format!("{confidence:.2}"),
            linked: r
                .linked
                .iter()
                .map(|l| Linked {
                    id: l.id.clone(),
                    name: l.name.clone(),
                })
                .collect(),
            planned: chosen.facts.len(),
            facts,
        }
    });
    let stats = g.stats(0);
    let frame = st.frame("Knowledge", "/dashboard/knowledge", &s);
    st.0.views.page(
        "knowledge.html",
        frame,
        minijinja::context! {
            q, ask, query => query_view,
            stats => minijinja::context! { entities => stats.entities, relations => stats.relations, passages => stats.passages, intents => stats.intents },
            dir => st.0.parts.manage.knowledge_dir.display().to_string(),
            entities_total => total.0, entities_more => total.0.saturating_sub(SHOWN), entities,
            relations_total => total.1, relations_more => total.1.saturating_sub(SHOWN), relations,
            passages_total => total.2, passages_more => total.2.saturating_sub(SHOWN), passages,
        },
    )
}
