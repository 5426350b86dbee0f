//! `/tickets`: the open hand-offs and complaints, oldest first, with the member's words.

use crate::team::ticket_name;

use super::context::{Call, Context, Done};

/// The most tickets listed at once (the oldest first: they have waited longest).
const SHOWN: usize = 20;

pub(crate) fn apply(ctx: &Context, call: &Call<'_>) -> Done {
    let open = ctx.tickets.open_ones();
    if open.is_empty() {
        return "No ticket is open.".to_string().into();
    }
    let mut text = format!("Open tickets ({}):", open.len());
    for t in open.iter().take(SHOWN) {
        let waited = crate::clock::utc_to_ms(call.now).saturating_sub(t.opened_ms) / 60_000;
        let words: String = t.text.chars().take(80).collect();
        text.push_str(&format!(
            "\n{} · {} · {} · {} ago · “{}”",
            ticket_name(t.id),
            t.reason,
            t.platform,
            minutes(waited),
            words.trim()
        ));
    }
    if open.len() > SHOWN {
        text.push_str(&format!("\n… and {} more.", open.len() - SHOWN));
    }
    text.push_str("\nAnswer one with /reply <ticket> <text>.");
    text.into()
}

fn minutes(m: u64) -> String {
    match m {
        0..=59 => format!("{m} min"),
        60..=2879 => format!("{} h", m / 60),
        _ => format!("{} days", m / 1440),
    }
}
