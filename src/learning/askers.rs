//! Who asked a question the bot could not answer, kept (with `[learning] notify_askers`)
//! until the team teaches it: the new answer then goes to each asker's chat. An entry holds
//! what it takes to reach the member (chat and user id) and is removed once they are told,
//! by `/forgetme`, or by retention.

use serde::{Deserialize, Serialize};

use herald_platform::{ChatRef, PlatformKind};

/// One member waiting for an answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Asker {
    /// The member's pseudonym.
    pub member: String,
    pub platform: String,
    pub chat: String,
    pub private: bool,
    pub user: String,
    /// Their question's message (the answer replies to it).
    pub message_id: String,
    pub question: String,
    pub at_ms: u64,
}

impl Asker {
    pub fn chat_ref(&self) -> Option<ChatRef> {
        Some(ChatRef {
            platform: PlatformKind::from_name(&self.platform)?,
            chat: self.chat.clone(),
            private: self.private,
        })
    }
}

/// The askers tree: `form \0 time member` → [`Asker`]. Cheap to clone.
#[derive(Clone)]
pub struct Askers {
    tree: sled::Tree,
}

fn prefix(form: &str) -> Vec<u8> {
    let mut k = form.as_bytes().to_vec();
    k.push(0);
    k
}

impl Askers {
    pub fn open(db: &sled::Db) -> Result<Askers, sled::Error> {
        Ok(Askers {
            tree: db.open_tree("gap_askers")?,
        })
    }

    /// Keep `a` as waiting for an answer to questions of normal form `form`.
    pub fn add(&self, form: &str, a: &Asker) -> Result<(), sled::Error> {
        let mut key = prefix(form);
        key.extend(a.at_ms.to_be_bytes());
        key.extend(a.member.as_bytes());
        let value = serde_json::to_vec(a).unwrap_or_default();
        self.tree.insert(key, value)?;
        Ok(())
    }

    /// Everyone waiting on any of `forms`, removed from the store (each member once per
    /// chat, their latest question).
    pub fn take(&self, forms: &[String]) -> Result<Vec<Asker>, sled::Error> {
        let mut out: Vec<Asker> = Vec::new();
        for form in forms {
            for kv in self.tree.scan_prefix(prefix(form)) {
                let (k, v) = kv?;
                self.tree.remove(k)?;
                if let Ok(a) = serde_json::from_slice::<Asker>(&v) {
                    out.retain(|o| !(o.member == a.member && o.chat == a.chat));
                    out.push(a);
                }
            }
        }
        self.tree.flush()?;
        Ok(out)
    }

    fn all(&self) -> impl Iterator<Item = (sled::IVec, Asker)> + '_ {
        self.tree
            .iter()
            .filter_map(Result::ok)
            .filter_map(|(k, v)| serde_json::from_slice::<Asker>(&v).ok().map(|a| (k, a)))
    }

    /// A member's entries, for `herald export-user`.
    pub fn of_member(&self, member: &str) -> Vec<Asker> {
        self.all()
            .filter(|(_, a)| a.member == member)
            .map(|(_, a)| a)
            .collect()
    }

    /// Erase a member's entries; returns how many.
    pub fn forget_member(&self, member: &str) -> Result<usize, sled::Error> {
        let keys: Vec<sled::IVec> = self
            .all()
            .filter(|(_, a)| a.member == member)
            .map(|(k, _)| k)
            .collect();
        for k in &keys {
            self.tree.remove(k)?;
        }
        Ok(keys.len())
    }

    /// Retention: entries older than `before_ms` go.
    pub fn purge_before(&self, before_ms: u64) -> Result<usize, sled::Error> {
        let keys: Vec<sled::IVec> = self
            .all()
            .filter(|(_, a)| a.at_ms < before_ms)
            .map(|(k, _)| k)
            .collect();
        for k in &keys {
            self.tree.remove(k)?;
        }
        Ok(keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asker(member: &str, at_ms: u64) -> Asker {
        Asker {
            member: member.into(),
            platform: "telegram".into(),
            chat: "42".into(),
            private: true,
            user: "42".into(),
            message_id: at_ms.to_string(),
            question: "do you sell gift cards?".into(),
            at_ms,
        }
    }

    #[test]
    fn askers_are_taken_once_forgotten_and_purged() {
        let dir = tempfile::tempdir().unwrap();
        let s = Askers::open(&sled::open(dir.path()).unwrap()).unwrap();
        s.add("gift card", &asker("a", 1)).unwrap();
        s.add("gift card", &asker("a", 2)).unwrap();
        s.add("sell gift card", &asker("b", 3)).unwrap();
        s.add("parking", &asker("c", 4)).unwrap();
        assert_eq!(s.forget_member("c").unwrap(), 1);
        let taken = s
            .take(&["gift card".into(), "sell gift card".into()])
            .unwrap();
        let got: Vec<(&str, u64)> = taken.iter().map(|a| (a.member.as_str(), a.at_ms)).collect();
        assert_eq!(
            got,
            vec![("a", 2), ("b", 3)],
            "each member once, their latest"
        );
        assert!(s.take(&["gift card".into()]).unwrap().is_empty());
        s.add("x", &asker("d", 10)).unwrap();
        assert_eq!(s.purge_before(11).unwrap(), 1);
        assert!(s.of_member("d").is_empty());
    }
}
