//! Text helpers every layer may use: folding for matching ([`normalize`]), the reply
//! language ([`Lang`]), the English and
//! Chinese sentiment analyser ([`sentiment`]) and redaction of contact details before
//! anything is stored ([`redact`]), sentence splitting ([`sentences`]). Pure functions; nothing here knows the bot.

pub mod lang;
pub mod normalize;
pub mod redact;
pub mod sentences;
pub mod sentiment;

pub use lang::Lang;
pub use normalize::{has_cjk, is_cjk, is_stopword, normalize, stem, terms};
pub use redact::scrub;
pub use sentences::sentences;

/// An error and each of its causes, on one line ("a: b: c"): what logs show, since an
/// error's own message leaves its cause to `source()`.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_error_chain_is_one_line() {
        #[derive(Debug, thiserror::Error)]
        #[error("posts store: the data folder could not be read or written")]
        struct Outer(#[source] std::io::Error);
        let e = Outer(std::io::Error::other("no space left on device"));
        assert_eq!(
            super::chain(&e),
            "posts store: the data folder could not be read or written: no space left on device"
        );
    }
}
