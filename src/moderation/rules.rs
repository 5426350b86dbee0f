//! The rules that judge one message on its own: the word lists, insults, mass mentions,
//! and links or forwards from new members. Pure functions, so each rule is unit-tested and
//! the labelled set (`tests/e2e/moderation_set.rs`) measures them as they ship.

use std::sync::LazyLock;

use regex::Regex;

use super::options::{ModerationOptions, Step};
use super::words::fold;

/// Which rule found something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    NewMemberLink,
    NewMemberForward,
    Flood,
    Repeat,
    Mentions,
    Words,
    Abuse,
    Suspect,
    /// The model classifier's verdict.
    Classifier,
    /// The trained spam classifier, or a near-copy of a message the team marked spam.
    Spam,
}

impl Rule {
    /// The rule's name in the audit log and the prompts (`mod_<key>`).
    pub fn key(self) -> &'static str {
        match self {
            Rule::NewMemberLink => "new_member_link",
            Rule::NewMemberForward => "new_member_forward",
            Rule::Flood => "flood",
            Rule::Repeat => "repeat",
            Rule::Mentions => "mentions",
            Rule::Words => "words",
            Rule::Abuse => "abuse",
            Rule::Suspect => "suspect",
            Rule::Classifier => "classifier",
            Rule::Spam => "spam",
        }
    }
}

/// What a rule found: the rule, the detail in words, and the least it calls for (a flood
/// mutes whatever the ladder says).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub rule: Rule,
    pub reason: String,
    pub at_least: Option<Step>,
}

/// What the stateless rules look at.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    pub text: &'a str,
    /// Links the platform listed (hidden behind text); links in the text are found here.
    pub links: &'a [String],
    pub forwarded: bool,
    pub mentions: usize,
    /// Joined less than `new_member_hours` ago.
    pub new_member: bool,
    /// Domains allowed besides the configured ones (those the knowledge files mention).
    pub also_allowed: &'a [String],
}

/// URLs with a scheme, and bare domains on the top-level domains spam uses (so `node.js`
/// or `v1.2` are not links).
static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:https?://([^\s/?#<>]+)|(?:www\.)?((?:[a-z0-9-]+\.)+(?:com|net|org|io|me|gg|xyz|top|cn|ru|info|biz|co|app|link|site|online|shop|vip|cc|tk|ly|ws|to|live|club|store|pro|cloud|dev|tv|us|uk|in))(?-u:\b))",
    )
    .expect("link pattern")
});

/// The hosts of the links in `text` and `listed`, lower case, without `www.` or a port.
pub fn link_hosts(text: &str, listed: &[String]) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    let folded = fold(text);
    let sources = std::iter::once(folded.as_str()).chain(listed.iter().map(String::as_str));
    for s in sources {
        for c in LINK.captures_iter(s) {
            let host = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
            let host = host.to_lowercase();
            let host = host.split(':').next().unwrap_or("");
            let host = host
                .strip_prefix("www.")
                .unwrap_or(host)
                .trim_end_matches('.');
            if !host.is_empty() && !hosts.iter().any(|h| h == host) {
                hosts.push(host.to_string());
            }
        }
    }
    hosts
}

/// `host` is one of `allowed` or below one of them (`shop.example.com` under `example.com`).
pub fn allowed_host(host: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|a| {
        let a = a.trim().trim_start_matches("www.").to_lowercase();
        !a.is_empty() && (host == a || host.ends_with(&format!(".{a}")))
    })
}

/// The first rule `facts` break, in order of how sure it is: the spam lists, insults, mass
/// mentions, then a new member's link or forward.
pub fn check(opts: &ModerationOptions, facts: &Facts) -> Option<Verdict> {
    let folded = fold(facts.text);
    if let Some(hit) = opts.words.find(&folded) {
        return Some(Verdict {
            rule: Rule::Words,
            reason: format!("\"{hit}\""),
            at_least: None,
        });
    }
    if let Some(hit) = opts.abuse.find(&folded) {
        if crate::text::sentiment::compound(facts.text) < 0.2 {
            return Some(Verdict {
                rule: Rule::Abuse,
                reason: format!("\"{hit}\""),
                at_least: None,
            });
        }
    }
    if opts.max_mentions > 0 && facts.mentions >= opts.max_mentions {
        return Some(Verdict {
            rule: Rule::Mentions,
            reason: if facts.mentions >= herald_platform::MessageSignals::EVERYONE {
                "everyone mentioned".into()
            } else {
                format!("{} people mentioned", facts.mentions)
            },
            at_least: None,
        });
    }
    let limit = if facts.new_member {
        opts.suspect_new
    } else {
        opts.suspect_any
    };
    if limit > 0 {
        let hits = opts.suspect.hits(&folded);
        if hits.len() >= limit {
            return Some(Verdict {
                rule: Rule::Suspect,
                reason: hits
                    .iter()
                    .map(|h| h.trim_matches('/').to_string())
                    .take(4)
                    .collect::<Vec<_>>()
                    .join(", "),
                at_least: None,
            });
        }
    }
    if facts.new_member {
        if facts.forwarded {
            return Some(Verdict {
                rule: Rule::NewMemberForward,
                reason: "a forwarded post".into(),
                at_least: None,
            });
        }
        if let Some(host) = link_hosts(facts.text, facts.links).into_iter().find(|h| {
            !allowed_host(h, &opts.allowed_domains) && !allowed_host(h, facts.also_allowed)
        }) {
            return Some(Verdict {
                rule: Rule::NewMemberLink,
                reason: host,
                at_least: None,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(text: &str) -> Facts<'_> {
        Facts {
            text,
            links: &[],
            forwarded: false,
            mentions: 0,
            new_member: false,
            also_allowed: &[],
        }
    }

    fn opts() -> ModerationOptions {
        ModerationOptions {
            allowed_domains: vec!["riverside.example".into()],
            ..ModerationOptions::default()
        }
    }

    #[test]
    fn links_are_found_with_and_without_a_scheme_and_next_to_chinese() {
        assert_eq!(
            link_hosts(
                "see https://Shop.Example.org:8080/x and www.spam.xyz/a",
                &[]
            ),
            vec!["shop.example.org", "spam.xyz"]
        );
        assert_eq!(link_hosts("加群t.me/abc领取", &[]), vec!["t.me"]);
        assert_eq!(
            link_hosts("I use node.js v1.2, e.g. this", &[]),
            Vec::<String>::new()
        );
        assert_eq!(
            link_hosts("click here", &["https://evil.example.com/p".into()]),
            vec!["evil.example.com"]
        );
        assert!(allowed_host(
            "shop.riverside.example",
            &["riverside.example".into()]
        ));
        assert!(!allowed_host(
            "riverside.example.evil.com",
            &["riverside.example".into()]
        ));
    }

    #[test]
    fn a_new_members_link_is_removed_unless_it_is_the_communitys_own() {
        let o = opts();
        let mut f = facts("great deals at https://cheap-beans.xyz/now");
        assert_eq!(check(&o, &f), None, "an established member may link");
        f.new_member = true;
        let v = check(&o, &f).expect("a new member's link");
        assert_eq!(
            (v.rule, v.reason.as_str()),
            (Rule::NewMemberLink, "cheap-beans.xyz")
        );
        f.text = "the menu is on https://www.riverside.example/menu";
        assert_eq!(check(&o, &f), None, "the community's own site");
        f.forwarded = true;
        assert_eq!(check(&o, &f).map(|v| v.rule), Some(Rule::NewMemberForward));
    }

    #[test]
    fn spam_phrases_insults_and_mass_mentions() {
        let o = opts();
        let v = check(&o, &facts("Earn $500 a day from home, DM me for details")).unwrap();
        assert_eq!(v.rule, Rule::Words);
        assert_eq!(
            check(&o, &facts("兼职刷单日结300，加微信")).map(|v| v.rule),
            Some(Rule::Words)
        );
        assert_eq!(
            check(&o, &facts("you are an idiot")).map(|v| v.rule),
            Some(Rule::Abuse)
        );
        assert_eq!(
            check(&o, &facts("你就是个傻逼")).map(|v| v.rule),
            Some(Rule::Abuse)
        );
        // Not positive banter only: "I love you, you lovable idiot!" is not abuse.
        assert_eq!(
            check(&o, &facts("haha I love it, you wonderful idiot! great job")),
            None
        );
        let mut f = facts("@a @b @c @d @e look");
        f.mentions = 5;
        assert_eq!(check(&o, &f).map(|v| v.rule), Some(Rule::Mentions));
        f.mentions = 4;
        assert_eq!(check(&o, &f), None);
        assert_eq!(
            check(&o, &facts("Can I DM the admin about my order?")),
            None
        );
        assert_eq!(check(&o, &facts("周末有兼职的机会吗？")), None);
    }

    #[test]
    fn weak_signals_add_up_faster_for_new_members() {
        let o = opts();
        let text = "Looking for remote workers, earn well from home";
        let mut f = facts(text);
        assert_eq!(
            check(&o, &f),
            None,
            "two weak signals from an established member"
        );
        f.new_member = true;
        let v = check(&o, &f).expect("two from a new member");
        assert_eq!((v.rule, v.reason.as_str()), (Rule::Suspect, "earn, remote"));
        assert_eq!(
            check(&o, &facts("free tasting on Saturday, win a bag of beans")),
            None
        );
        assert_eq!(
            check(&o, &facts("兼职日结，私聊")).map(|v| v.rule),
            Some(Rule::Suspect)
        );
        assert_eq!(
            check(&o, &facts("sb群主")).map(|v| v.rule),
            Some(Rule::Abuse)
        );
        assert_eq!(check(&o, &facts("an idiot-proof recipe")), None);
    }
}
