//! Analytics over the engagement log: the questions the bot could not answer grouped by
//! similarity ([`gaps`]), the hours of the week posts do best at ([`besttime`]), and daily
//! series with a weekly-seasonal forecast and anomaly flags ([`forecast`]). Plain functions
//! over events, so tests feed them synthetic logs with known structure.

pub mod besttime;
pub mod forecast;
pub mod gaps;

pub use besttime::{best_times, HourStat};
pub use forecast::{anomalies, daily_counts, holt_winters, Forecast};
pub use gaps::{gap_groups, GapGroup};
