//! Who is logged in: the manager keys, the sessions their logins opened (each with its CSRF
//! token and a one-time message for the next page), and the throttle on failed logins.
//! All in memory: a restart logs everyone out, which is the safe way to fail.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie's name.
pub(super) const COOKIE: &str = "herald_session";

/// Failed logins are counted over this window.
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// At most this many sessions at once; the oldest goes first (a flood of logins cannot
/// grow memory without end).
const MAX_SESSIONS: usize = 1000;

/// One logged-in browser.
#[derive(Clone, Debug)]
pub(super) struct Session {
    /// The token every form must carry back.
    pub(super) csrf: String,
    expires: Instant,
    /// A message for the next page shown (what the last form did).
    pub(super) flash: Option<Flash>,
}

/// What a form did, told once on the page it leads to.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub(super) struct Flash {
    pub(super) ok: bool,
    pub(super) text: String,
}

/// The open sessions, by their secret id.
pub(super) struct Sessions {
    ttl: Duration,
    open: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    pub(super) fn new(ttl: Duration) -> Sessions {
        Sessions {
            ttl,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// Open a session: its id (for the cookie) and CSRF token, both fresh randomness.
    pub(super) fn open(&self) -> Result<(String, Session), getrandom::Error> {
        let id = random_token()?;
        let session = Session {
            csrf: random_token()?,
            expires: Instant::now() + self.ttl,
            flash: None,
        };
        if let Ok(mut open) = self.open.lock() {
            let now = Instant::now();
            open.retain(|_, s| s.expires > now);
            if open.len() >= MAX_SESSIONS {
                if let Some(oldest) = open
                    .iter()
                    .min_by_key(|(_, s)| s.expires)
                    .map(|(k, _)| k.clone())
                {
                    open.remove(&oldest);
                }
            }
            open.insert(id.clone(), session.clone());
        }
        Ok((id, session))
    }

    /// The session of `id`, taking its one-time message; `None` when unknown or expired
    /// (an expired one is dropped).
    pub(super) fn take(&self, id: &str) -> Option<Session> {
        let mut open = self.open.lock().ok()?;
        let s = open.get_mut(id)?;
        if s.expires <= Instant::now() {
            open.remove(id);
            return None;
        }
        let seen = s.clone();
        s.flash = None;
        Some(seen)
    }

    /// The session of `id` without touching its message.
    pub(super) fn peek(&self, id: &str) -> Option<Session> {
        let open = self.open.lock().ok()?;
        open.get(id).filter(|s| s.expires > Instant::now()).cloned()
    }

    /// Leave a message for the session's next page.
    pub(super) fn flash(&self, id: &str, flash: Flash) {
        if let Ok(mut open) = self.open.lock() {
            if let Some(s) = open.get_mut(id) {
                s.flash = Some(flash);
            }
        }
    }

    pub(super) fn close(&self, id: &str) {
        if let Ok(mut open) = self.open.lock() {
            open.remove(id);
        }
    }
}

/// 32 random bytes as hex.
fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Equal in time that does not depend on where they differ (keys and tokens).
pub(super) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Whether `given` is one of `keys`. Every key is compared, so the time does not say which.
pub(super) fn key_matches(keys: &[String], given: &str) -> bool {
    keys.iter().fold(false, |hit, k| same(k, given) | hit)
}

/// The CSRF token a form sent is the session's.
pub(super) fn csrf_ok(session: &Session, sent: Option<&str>) -> bool {
    sent.is_some_and(|t| same(&session.csrf, t))
}

/// Failed logins per address: `allowed` in [`WINDOW`], then refused until the oldest ages
/// out.
pub(super) struct LoginThrottle {
    allowed: u32,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginThrottle {
    pub(super) fn new(allowed: u32) -> LoginThrottle {
        LoginThrottle {
            allowed: allowed.max(1),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` when `addr` has used up its attempts: try again after that long.
    pub(super) fn check(&self, addr: &str) -> Result<(), u64> {
        let Ok(mut f) = self.failures.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        let list = f.entry(addr.to_string()).or_default();
        list.retain(|t| now.duration_since(*t) < WINDOW);
        if list.len() < self.allowed as usize {
            return Ok(());
        }
        let oldest = list.iter().min().copied().unwrap_or(now);
        Err((WINDOW.saturating_sub(now.duration_since(oldest)))
            .as_secs()
            .max(1))
    }

    pub(super) fn failed(&self, addr: &str) {
        if let Ok(mut f) = self.failures.lock() {
            f.entry(addr.to_string()).or_default().push(Instant::now());
        }
    }

    /// A good login clears the address's failures.
    pub(super) fn succeeded(&self, addr: &str) {
        if let Ok(mut f) = self.failures.lock() {
            f.remove(addr);
        }
    }
}

/// The `Set-Cookie` value that opens a session: `HttpOnly` (no script reads it),
/// `SameSite=Strict` (no other site's page sends it), `Secure` when served over https.
pub(super) fn cookie(id: &str, ttl: Duration, secure: bool) -> String {
    format!(
        "{COOKIE}={id}; Path=/dashboard; Max-Age={}; HttpOnly; SameSite=Strict{}",
        ttl.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends it.
pub(super) fn cleared_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/dashboard; Max-Age=0; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The session id in a `Cookie` header.
pub(super) fn session_id(cookie_header: &str) -> Option<&str> {
    cookie_header
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_found_by_its_id_until_it_expires_or_closes() {
        let sessions = Sessions::new(Duration::from_millis(200));
        let (id, s) = sessions.open().expect("random");
        let (other, _) = sessions.open().expect("random");
        assert_eq!((id.len(), s.csrf.len()), (64, 64));
        assert_ne!(id, other);
        assert_ne!(
            id, s.csrf,
            "the cookie and the form token are different secrets"
        );
        assert_eq!(sessions.take(&id).map(|x| x.csrf), Some(s.csrf.clone()));
        assert!(sessions.take("not-a-session").is_none());
        sessions.close(&other);
        assert!(sessions.take(&other).is_none());
        std::thread::sleep(Duration::from_millis(250));
        assert!(sessions.take(&id).is_none(), "expired");
    }

    #[test]
    fn a_flash_is_shown_once() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let (id, _) = sessions.open().expect("random");
        sessions.flash(
            &id,
            Flash {
                ok: true,
                text: "Taught g1".into(),
            },
        );
        assert!(sessions.peek(&id).and_then(|s| s.flash).is_some());
        assert_eq!(
            sessions.take(&id).and_then(|s| s.flash).map(|f| f.text),
            Some("Taught g1".to_string())
        );
        assert!(sessions.take(&id).and_then(|s| s.flash).is_none());
    }

    #[test]
    fn csrf_needs_the_sessions_own_token() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let (_, s) = sessions.open().expect("random");
        let (_, other) = sessions.open().expect("random");
        assert!(csrf_ok(&s, Some(&s.csrf)));
        assert!(!csrf_ok(&s, None));
        assert!(!csrf_ok(&s, Some("")));
        assert!(!csrf_ok(&s, Some(&other.csrf)), "another session's token");
        assert!(!csrf_ok(&s, Some(&s.csrf[..63])));
    }

    #[test]
    fn keys_match_exactly() {
        let keys = vec!["alpha-key".to_string(), "beta".to_string()];
        assert!(key_matches(&keys, "beta"));
        assert!(key_matches(&keys, "alpha-key"));
        assert!(!key_matches(&keys, "alpha"));
        assert!(!key_matches(&keys, "Beta"));
        assert!(!key_matches(&keys, ""));
        assert!(!key_matches(&[], "beta"));
    }

    #[test]
    fn failed_logins_are_limited_per_address_and_a_good_one_clears_them() {
        let t = LoginThrottle::new(3);
        for _ in 0..3 {
            assert!(t.check("10.0.0.1").is_ok());
            t.failed("10.0.0.1");
        }
        let wait = t.check("10.0.0.1").expect_err("throttled");
        assert!(wait > 800 && wait <= 900, "{wait}");
        assert!(t.check("10.0.0.2").is_ok(), "another address is not");
        t.succeeded("10.0.0.1");
        assert!(t.check("10.0.0.1").is_ok());
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_over_https() {
        let c = cookie("abc", Duration::from_secs(3600), false);
        assert_eq!(
            c,
            "herald_session=abc; Path=/dashboard; Max-Age=3600; HttpOnly; SameSite=Strict"
        );
        assert!(cookie("abc", Duration::from_secs(1), true).ends_with("; Secure"));
        assert!(cleared_cookie(false).contains("Max-Age=0"));
        assert_eq!(session_id("a=1; herald_session=xyz; b=2"), Some("xyz"));
        assert_eq!(session_id("herald_session="), None);
        assert_eq!(session_id("other=1"), None);
    }
}
