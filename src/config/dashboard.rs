//! `[dashboard]`: the managers' web pages that `herald run` serves under `[http]`.

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DashboardConfig {
    /// Serve `/dashboard` when `[http]` is on (default true).
    pub enabled: bool,
    /// Keys that log a manager in (env `HERALD_DASHBOARD_KEYS`, comma-separated, overrides);
    /// empty: the `[http] keys`. With neither, the dashboard is not served.
    pub keys: Vec<String>,
    /// A login lasts this long, then the manager logs in again.
    pub session_hours: f64,
    /// Failed logins allowed per address in 15 minutes; more are refused until it passes.
    pub login_attempts: u32,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            enabled: true,
            keys: Vec::new(),
            session_hours: 12.0,
            login_attempts: 5,
        }
    }
}
