//! Analytics over the engagement log: the questions the bot could not answer grouped by
//! similarity ([`gaps`]), the hours of the week posts do best at ([`besttime`]), and daily
//! series with a weekly-seasonal forecast and anomaly flags ([`forecast`]), the period
//! report ([`report`]) and its PNG charts ([`charts`]). Plain functions
//! over events, so tests feed them synthetic logs with known structure.

pub mod alerts;
pub mod besttime;
pub mod charts;
pub mod clusters;
pub mod forecast;
pub mod gaps;
pub mod recommend;
pub mod report;
pub mod sentiment;

pub use besttime::{best_times, best_times_of, HourStat};
pub use forecast::{anomalies, daily_counts, holt_winters, Forecast};
pub use gaps::{gap_groups, gap_groups_of, GapGroup};
pub use report::{build as build_report, build_from as build_report_from, Report};
