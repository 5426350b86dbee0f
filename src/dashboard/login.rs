//! Logging in and out: the key form, the throttle on failed logins, the session cookie; and
//! the answer for a dashboard path that does not exist.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::actions;
use super::session::{self, Flash};
use super::state::{to_login, DashboardState};
use super::view::Frame;

pub(super) async fn login_page(State(st): State<DashboardState>, headers: HeaderMap) -> Response {
    if st.session(&headers).is_some() {
        return Redirect::to("/dashboard").into_response();
    }
    login_form(&st, StatusCode::OK, None)
}

fn login_form(st: &DashboardState, status: StatusCode, problem: Option<String>) -> Response {
    let mut page = st.0.views.page(
        "login.html",
        Frame {
            title: "Log in",
            path: "/dashboard/login",
            csrf: None,
            flash: problem.map(|text| Flash { ok: false, text }),
        },
        (),
    );
    *page.status_mut() = status;
    page
}

/// The address a request came from, for the login throttle (one bucket when unknown).
fn peer(ext: &axum::http::Extensions) -> String {
    ext.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub(super) async fn login(
    State(st): State<DashboardState>,
    ext: axum::http::Extensions,
    body: axum::body::Bytes,
) -> Response {
    let addr = peer(&ext);
    if let Err(wait) = st.0.throttle.check(&addr) {
        let mut resp = login_form(
            &st,
            StatusCode::TOO_MANY_REQUESTS,
            Some(format!(
                "Too many failed logins from this address. Try again in {} minute(s).",
                wait.div_ceil(60)
            )),
        );
        if let Ok(v) = wait.to_string().parse() {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return resp;
    }
    let form = actions::Form::parse(&body);
    let key = form.get("key").unwrap_or_default();
    if !session::key_matches(&st.0.opts.keys, key.trim()) {
        st.0.throttle.failed(&addr);
        tracing::warn!(%addr, "dashboard: a login with a wrong key");
        return login_form(
            &st,
            StatusCode::UNAUTHORIZED,
            Some("That is not a manager key.".into()),
        );
    }
    st.0.throttle.succeeded(&addr);
    match st.0.sessions.open() {
        Ok((id, _)) => {
            let cookie = session::cookie(&id, st.0.opts.session_ttl, st.0.opts.secure_cookie);
            ([(header::SET_COOKIE, cookie)], Redirect::to("/dashboard")).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "dashboard: no randomness for a session id");
            login_form(
                &st,
                StatusCode::INTERNAL_SERVER_ERROR,
                Some("The login could not be opened; the error is in the log.".into()),
            )
        }
    }
}

pub(super) async fn logout(
    State(st): State<DashboardState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (id, _) = match actions::checked(&st, &headers, &body) {
        Ok(x) => x,
        Err(refused) => return refused.respond(&st, "/dashboard"),
    };
    st.0.sessions.close(&id);
    (
        [(
            header::SET_COOKIE,
            session::cleared_cookie(st.0.opts.secure_cookie),
        )],
        Redirect::to("/dashboard/login"),
    )
        .into_response()
}

pub(super) async fn not_found(State(st): State<DashboardState>, headers: HeaderMap) -> Response {
    let Some((_, s)) = st.session(&headers) else {
        return to_login();
    };
    st.0.views.error(
        StatusCode::NOT_FOUND,
        st.frame("Not found", "", &s),
        "There is no such dashboard page.",
        "/dashboard",
    )
}
