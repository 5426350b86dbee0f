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

/// The address a request came from, for the login throttle (one bucket when unknown). A
/// reverse proxy on this machine (the usual way to serve https) connects from loopback: then
/// the address it appended to `X-Forwarded-For` is the browser's, so one person's typos do
/// not lock every manager out. The header is trusted from loopback only.
fn peer(ext: &axum::http::Extensions, headers: &HeaderMap) -> String {
    let Some(ip) = ext
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
    else {
        return "unknown".into();
    };
    let forwarded = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(str::trim)
        .and_then(|a| a.parse::<std::net::IpAddr>().ok());
    match forwarded {
        Some(client) if ip.is_loopback() => client.to_string(),
        _ => ip.to_string(),
    }
}

pub(super) async fn login(
    State(st): State<DashboardState>,
    ext: axum::http::Extensions,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let addr = peer(&ext, &headers);
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
    let (id, _) = match actions::checked(&st, &headers, &actions::Form::parse(&body)) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::ConnectInfo;

    fn from(addr: &str, forwarded: Option<&str>) -> String {
        let mut ext = axum::http::Extensions::new();
        ext.insert(ConnectInfo(
            addr.parse::<std::net::SocketAddr>().expect("addr"),
        ));
        let mut headers = HeaderMap::new();
        if let Some(f) = forwarded {
            headers.insert("x-forwarded-for", f.parse().expect("header"));
        }
        peer(&ext, &headers)
    }

    #[test]
    fn the_throttle_counts_the_browser_behind_a_local_proxy_and_trusts_no_one_else() {
        assert_eq!(from("203.0.113.9:5000", None), "203.0.113.9");
        assert_eq!(from("127.0.0.1:5000", Some("198.51.100.7")), "198.51.100.7");
        // The proxy appends the address it saw; what the browser sent before it is ignored.
        assert_eq!(
            from("127.0.0.1:5000", Some("10.9.9.9, 198.51.100.7")),
            "198.51.100.7"
        );
        // Only a proxy on this machine is believed.
        assert_eq!(
            from("203.0.113.9:5000", Some("198.51.100.7")),
            "203.0.113.9"
        );
        assert_eq!(from("127.0.0.1:5000", Some("not an address")), "127.0.0.1");
        assert_eq!(
            peer(&axum::http::Extensions::new(), &HeaderMap::new()),
            "unknown"
        );
    }
}
