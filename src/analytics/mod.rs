//! Analytics: plain functions over engagement data (the log's rollups and asked rows, or
//! events folded into them), so tests feed them synthetic logs with known structure. It
//! computes, never generates. The questions the bot could not answer grouped by similarity
//! ([`gaps`]), the hours of the week posts do best at ([`besttime`]), daily series with a
//! weekly-seasonal forecast and anomaly flags ([`forecast`]), the period report
//! ([`report`]) and its PNG charts ([`charts`]), the day checks behind the managers'
//! alerts ([`alerts`]), what kinds of posts work ([`clusters`], over post [`features`]),
//! and recommendations by collaborative filtering ([`recommend`]).

pub mod alerts;
pub mod besttime;
pub mod charts;
pub mod clusters;
pub mod features;
pub mod forecast;
pub mod gaps;
pub mod recommend;
pub mod report;

pub use besttime::{best_times, HourStat};
pub use forecast::{anomalies, daily_counts, holt_winters, Forecast};
pub use gaps::{gap_groups, GapGroup};
pub use report::Report;
