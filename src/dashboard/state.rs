//! What the dashboard's handlers share: the components ([`DashboardParts`]), the login
//! options, the sessions and throttle, the compiled pages; and how a request's session is
//! found.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};

use herald_platform::{ChatRef, Platform, PlatformKind};

use crate::engagement::Speaker;
use crate::knowledge::{KnowledgeStore, RetrieveOptions};
use crate::manage::Call;
use crate::metrics::Metrics;

use super::session::{self, LoginThrottle, Session, Sessions};
use super::view::{Frame, Views};

/// The components the pages read and the forms change, passed in by whoever builds the
/// server.
#[derive(Clone)]
pub struct DashboardParts {
    /// What the managers' commands work with; the forms run the same commands.
    pub manage: crate::manage::Context,
    pub knowledge: Arc<dyn KnowledgeStore>,
    pub metrics: Arc<Metrics>,
    /// The running adapters: shown on Health, and used to deliver what a form sends (a
    /// taught answer to the members who asked, a pardon's unmute).
    pub adapters: Vec<Arc<dyn Platform>>,
    /// Where the model runs, in words, and the model, for Health.
    pub model_host: String,
    pub model: String,
    /// How the bot retrieves and routes, for the Knowledge page's lookup.
    pub retrieve: RetrieveOptions,
    pub intent_threshold: f32,
}

/// How logins behave (`[dashboard]`).
#[derive(Clone, Debug)]
pub struct DashboardOptions {
    /// Keys that log a manager in; must not be empty.
    pub keys: Vec<String>,
    pub session_ttl: Duration,
    /// Failed logins allowed per address in 15 minutes.
    pub login_attempts: u32,
    /// Mark the cookie `Secure` (served over https).
    pub secure_cookie: bool,
}

impl Default for DashboardOptions {
    fn default() -> Self {
        DashboardOptions {
            keys: Vec::new(),
            session_ttl: Duration::from_secs(12 * 3600),
            login_attempts: 5,
            secure_cookie: false,
        }
    }
}

/// Why the dashboard cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("the dashboard has no keys: set [dashboard] keys or HERALD_DASHBOARD_KEYS (or [http] keys), or turn it off with [dashboard] enabled = false")]
    NoKeys,
    #[error("dashboard templates")]
    Templates(#[source] minijinja::Error),
}

/// What the handlers share.
#[derive(Clone)]
pub struct DashboardState(pub(super) Arc<Inner>);

pub(super) struct Inner {
    pub(super) parts: DashboardParts,
    pub(super) opts: DashboardOptions,
    pub(super) sessions: Sessions,
    pub(super) throttle: LoginThrottle,
    pub(super) views: Views,
    pub(super) started: std::time::Instant,
}

impl DashboardState {
    pub fn new(
        parts: DashboardParts,
        opts: DashboardOptions,
    ) -> Result<DashboardState, DashboardError> {
        if opts.keys.is_empty() {
            return Err(DashboardError::NoKeys);
        }
        let views = Views::new(&parts.manage.bot_name).map_err(DashboardError::Templates)?;
        Ok(DashboardState(Arc::new(Inner {
            sessions: Sessions::new(opts.session_ttl),
            throttle: LoginThrottle::new(opts.login_attempts),
            views,
            started: std::time::Instant::now(),
            parts,
            opts,
        })))
    }

    /// The manager as the log and the posts know them: one identity for the dashboard.
    pub(super) fn manager(&self) -> Speaker {
        let chat = ChatRef {
            platform: PlatformKind::Http,
            chat: "dashboard".into(),
            private: true,
        };
        self.0.parts.manage.log.speaker(&chat, "dashboard")
    }

    /// The logged-in session of a request (its one-time message taken), if any.
    pub(super) fn session(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let id = session_id(headers)?;
        let s = self.0.sessions.take(id)?;
        Some((id.to_string(), s))
    }

    /// A page's frame for a logged-in session.
    pub(super) fn frame<'a>(&self, title: &'a str, path: &'a str, s: &'a Session) -> Frame<'a> {
        Frame {
            title,
            path,
            csrf: Some(&s.csrf),
            flash: s.flash.clone(),
        }
    }
}

/// A managers' command's call as the dashboard makes it: now, on the graph being served, as
/// the dashboard's manager, replying to no one.
pub(super) fn manager_call<'a>(graph: &'a crate::knowledge::Graph, who: &'a Speaker) -> Call<'a> {
    Call {
        graph,
        author: &who.member,
        who,
        now: chrono::Utc::now(),
        target: None,
    }
}

pub(super) fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(session::session_id)
}

/// Where a request without a session goes: the login page.
pub(super) fn to_login() -> Response {
    Redirect::to("/dashboard/login").into_response()
}
