//! Posts as measured: when each went out, what members did with it, and the judge trained
//! on them. What the manager commands and the report read about published posts.

use std::collections::HashMap;

use crate::analytics::features::{Example, Features};
use crate::clock::ms_to_utc;
use crate::engagement::{EngagementLog, PostEngagement};
use crate::knowledge::Graph;

use super::draft::facts_for;
use super::judge::Judge;
use super::setup::PostsSetup;
use super::store::{Delivery, PostStore};

/// When the post first went out to any target, if it did.
pub fn published_at(store: &PostStore, id: &str) -> Option<u64> {
    store
        .deliveries(id)
        .into_iter()
        .filter_map(|(_, _, d)| match d {
            Delivery::Published { at_ms, .. } => Some(at_ms),
            _ => None,
        })
        .min()
}

/// Engagement per post from the log's rollups; a storage failure is logged and counts as
/// none (a draft or a list is still worth showing without it).
pub fn engagement_of(log: &EngagementLog) -> HashMap<String, PostEngagement> {
    log.post_engagement().unwrap_or_else(|e| {
        tracing::error!(error = %crate::text::chain(&e), "post engagement not read");
        Default::default()
    })
}

/// Measured posts, oldest first: features at the time they went out, and engagement.
pub fn examples(
    store: &PostStore,
    log: &EngagementLog,
    graph: &Graph,
    setup: &PostsSetup,
) -> Vec<Example> {
    let engagement = engagement_of(log);
    let mut out: Vec<(u64, Example)> = Vec::new();
    for post in store.all() {
        let Some(text) = &post.approved else { continue };
        let Some(at) = published_at(store, &post.id) else {
            continue;
        };
        let entities = facts_for(graph, text).linked.len();
        let total = engagement.get(&post.id).map_or(0, |e| e.total());
        out.push((
            at,
            Example {
                features: Features::of(text, entities, ms_to_utc(at), setup.tz),
                engagement: total as f64,
            },
        ));
    }
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, e)| e).collect()
}

/// The judge trained on this community's measured posts (the prior below the minimum).
pub fn judge(store: &PostStore, log: &EngagementLog, graph: &Graph, setup: &PostsSetup) -> Judge {
    Judge::train(
        &examples(store, log, graph, setup),
        setup.min_training_posts,
    )
}
