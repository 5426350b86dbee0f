//! The pages' templates (minijinja, built into the binary, HTML auto-escaped) and how a page
//! is rendered: the shared layout's navigation, the session's CSRF token and message.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value};
use serde::Serialize;

use super::session::Flash;

/// The pages in the navigation, in order: (path, label).
pub(super) const PAGES: &[(&str, &str)] = &[
    ("/dashboard", "Overview"),
    ("/dashboard/gaps", "Knowledge gaps"),
    ("/dashboard/posts", "Posts"),
    ("/dashboard/moderation", "Moderation"),
    ("/dashboard/knowledge", "Knowledge"),
    ("/dashboard/health", "Health"),
];

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("login.html", include_str!("templates/login.html")),
    ("overview.html", include_str!("templates/overview.html")),
    ("gaps.html", include_str!("templates/gaps.html")),
    ("posts.html", include_str!("templates/posts.html")),
    ("moderation.html", include_str!("templates/moderation.html")),
    ("knowledge.html", include_str!("templates/knowledge.html")),
    ("health.html", include_str!("templates/health.html")),
    ("error.html", include_str!("templates/error.html")),
];

/// The compiled templates.
pub(super) struct Views {
    env: Environment<'static>,
    bot_name: String,
}

/// What every page needs beside its own data.
pub(super) struct Frame<'a> {
    pub(super) title: &'a str,
    /// The page's path, marked current in the navigation.
    pub(super) path: &'a str,
    /// `None` on the login page: no navigation, no forms that need one.
    pub(super) csrf: Option<&'a str>,
    pub(super) flash: Option<Flash>,
}

#[derive(Serialize)]
struct NavItem {
    href: &'static str,
    label: &'static str,
    current: bool,
}

impl Views {
    pub(super) fn new(bot_name: &str) -> Result<Views, minijinja::Error> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Views {
            env,
            bot_name: bot_name.to_string(),
        })
    }

    /// The page `template` with `data` (its own fields) inside the layout.
    pub(super) fn page(&self, template: &str, frame: Frame<'_>, data: impl Serialize) -> Response {
        self.render(StatusCode::OK, template, frame, data)
    }

    /// An error page with the status, saying what went wrong and where to go back to.
    pub(super) fn error(
        &self,
        status: StatusCode,
        frame: Frame<'_>,
        message: &str,
        back: &str,
    ) -> Response {
        let label = PAGES
            .iter()
            .find(|(p, _)| *p == back)
            .map_or("Back", |(_, l)| *l);
        let data = minijinja::context! { message, back, back_label => format!("Back to {label}") };
        self.render(status, "error.html", frame, data)
    }

    fn render(
        &self,
        status: StatusCode,
        template: &str,
        frame: Frame<'_>,
        data: impl Serialize,
    ) -> Response {
        let nav: Vec<NavItem> = PAGES
            .iter()
            .map(|(href, label)| NavItem {
                href,
                label,
                current: *href == frame.path,
            })
            .collect();
        let ctx = minijinja::context! {
            title => frame.title,
            bot_name => &self.bot_name,
            csrf => frame.csrf,
            flash => frame.flash,
            nav,
            ..Value::from_serialize(&data)
        };
        let html = self.env.get_template(template).and_then(|t| t.render(ctx));
        match html {
            Ok(html) => (status, page_headers(), Html(html)).into_response(),
            Err(e) => {
                tracing::error!(template, error = %crate::text::chain(&e), "dashboard page not rendered");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The page could not be made; the error is in the log.",
                )
                    .into_response()
            }
        }
    }
}

/// Every page's headers: pages show member data, so no cache keeps them after logout, and
/// no other site may frame them.
pub(super) fn page_headers() -> [(axum::http::HeaderName, &'static str); 2] {
    [
        (axum::http::header::CACHE_CONTROL, "no-store"),
        (
            axum::http::header::HeaderName::from_static("x-frame-options"),
            "DENY",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_text_is_escaped() {
        let views = Views::new("<Bot>").expect("templates");
        let resp = views.error(
            StatusCode::FORBIDDEN,
            Frame {
                title: "Refused",
                path: "/dashboard/gaps",
                csrf: Some("tok"),
                flash: None,
            },
            "<script>alert(1)</script>",
            "/dashboard/gaps",
        );
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        let body = futures_util::FutureExt::now_or_never(axum::body::to_bytes(
            resp.into_body(),
            usize::MAX,
        ))
        .expect("ready")
        .expect("body");
        let html = String::from_utf8_lossy(&body);
        assert!(html.contains("&lt;script&gt;alert(1)&lt;"), "{html}");
        assert!(html.contains("&lt;Bot&gt;"));
        assert!(!html.contains("<script>"));
        assert!(
            html.contains("name=\"csrf\" value=\"tok\""),
            "the logout form"
        );
        assert!(html.contains("Back to Knowledge gaps"));
    }
}
