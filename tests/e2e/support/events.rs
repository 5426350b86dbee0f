//! Analyses over events in memory, as the stored rows give them: the library folds events
//! into rollups and asked rows as they are logged and analyses those, so tests and benches
//! over synthetic events fold them the same way first.

use chrono_tz::Tz;

use herald::analytics::besttime::{best_times, HourStat};
use herald::analytics::gaps::{gap_groups, GapGroup};
use herald::analytics::recommend::Interactions;
use herald::analytics::{alerts, report, Report};
use herald::engagement::asked::Asked;
use herald::engagement::{Event, Rollup};

/// The report for `days` days before the day of `now_ms`.
pub fn report_of(events: &[Event], now_ms: u64, days: u64, tz: Tz) -> Report {
    report::build(&Rollup::of(events), now_ms, days, tz)
}

/// Hours of the week with at least `min_posts` posts, best first.
pub fn best_times_of(events: &[Event], tz: Tz, min_posts: usize) -> Vec<HourStat> {
    best_times(&Rollup::of(events).published(), tz, min_posts)
}

/// The unanswered questions asked at or after `since_ms`, grouped.
pub fn gap_groups_of(events: impl IntoIterator<Item = Event>, since_ms: u64) -> Vec<GapGroup> {
    gap_groups(Asked::of(events.into_iter().filter(|e| e.at_ms >= since_ms)).gap_rows())
}

/// Who touched which entities, keyed as `/recommend` reads them.
pub fn interactions_of<'a>(events: impl IntoIterator<Item = &'a Event>) -> Interactions {
    Interactions::from_pairs(Asked::of(events).interaction_pairs())
}

/// The managers' alerts about the day before the day of `now_ms`.
pub fn alerts_of(events: &[Event], now_ms: u64, tz: Tz) -> Vec<String> {
    alerts::check(&Rollup::of(events), now_ms, tz)
}
