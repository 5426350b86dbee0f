//! The managers' dashboard: server-rendered pages under `/dashboard` on the HTTP server —
//! the report with its charts, knowledge gaps to teach, posts to approve and schedule, the
//! moderation log, the knowledge itself and the bot's health. Logging in with a manager key
//! opens a session (an `HttpOnly`, `SameSite=Strict` cookie); every form carries the
//! session's CSRF token. The forms do what the managers' chat commands do, through the same
//! [`crate::manage`] code, so a page and a command never disagree. No JavaScript: the pages
//! work in any browser, by keyboard, down to a phone's width. See `src/docs/dashboard.md`.

mod actions;
mod knowledge_page;
mod login;
mod overview;
mod pages;
mod session;
mod state;
mod view;

pub use state::{DashboardError, DashboardOptions, DashboardParts, DashboardState};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Redirect;
use axum::routing::{get, post};

/// The dashboard's routes on `state`, all under `/dashboard`.
pub fn router(state: DashboardState) -> axum::Router {
    let mut forms = axum::Router::new();
    for (path, back, build) in actions::FORMS {
        forms = forms.route(
            path,
            post(
                move |State(st): State<DashboardState>, headers: HeaderMap, body: Bytes| {
                    actions::submit(st, headers, body, back, *build)
                },
            ),
        );
    }
    forms
        .route("/dashboard", get(overview::page))
        .route(
            "/dashboard/",
            get(|| async { Redirect::permanent("/dashboard") }),
        )
        .route(
            "/dashboard/login",
            get(login::login_page).post(login::login),
        )
        .route("/dashboard/logout", post(login::logout))
        .route("/dashboard/gaps", get(pages::gaps))
        .route("/dashboard/posts", get(pages::posts))
        .route("/dashboard/moderation", get(pages::moderation))
        .route("/dashboard/knowledge", get(knowledge_page::page))
        .route("/dashboard/health", get(pages::health))
        .route(
            "/dashboard/{*rest}",
            get(login::not_found).post(login::not_found),
        )
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(state)
}
