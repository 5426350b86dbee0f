//! Stable ids for gap groups, in sled: every wording's normal form points at its group's
//! number, so the group keeps its id as questions join it, and taught groups are kept apart.

use crate::analytics::gaps::GapGroup;
use crate::text::normalize;

/// A gap group with its id.
#[derive(Clone, Debug, PartialEq)]
pub struct Numbered {
    pub id: u64,
    pub group: GapGroup,
}

/// The ids tree (normal form → id) and the taught tree (normal form → id). Cheap to clone.
#[derive(Clone)]
pub struct GapIds {
    ids: sled::Tree,
    taught: sled::Tree,
}

const NEXT: &[u8] = b"\0next";

fn read_id(raw: &[u8]) -> Option<u64> {
    <[u8; 8]>::try_from(raw).ok().map(u64::from_be_bytes)
}

impl GapIds {
    pub fn open(db: &sled::Db) -> Result<GapIds, sled::Error> {
        Ok(GapIds {
            ids: db.open_tree("gap_ids")?,
            taught: db.open_tree("gap_taught")?,
        })
    }

    /// Number `groups` (in their order): a group takes the smallest id any of its wordings
    /// had, else a new one; groups already taught are left out.
    pub fn number(&self, groups: Vec<GapGroup>) -> Result<Vec<Numbered>, sled::Error> {
        let mut out = Vec::new();
        for group in groups {
            let forms: Vec<String> = group.questions.iter().map(|(q, _)| normalize(q)).collect();
            let mut taught = false;
            for f in &forms {
                taught |= self.taught.contains_key(f.as_bytes())?;
            }
            if taught {
                continue;
            }
            let mut known = None;
            for f in &forms {
                if let Some(id) = self.ids.get(f.as_bytes())?.and_then(|r| read_id(&r)) {
                    known = Some(known.map_or(id, |k: u64| k.min(id)));
                }
            }
            // Two groups that once had the same id (a wording moved) must not share it now.
            let id = match known {
                Some(id) if !out.iter().any(|n: &Numbered| n.id == id) => id,
                _ => self.next()?,
            };
            for f in &forms {
                self.ids.insert(f.as_bytes(), &id.to_be_bytes())?;
            }
            out.push(Numbered { id, group });
        }
        Ok(out)
    }

    fn next(&self) -> Result<u64, sled::Error> {
        let v = self.ids.update_and_fetch(NEXT, |old| {
            let n = old.and_then(read_id).unwrap_or(0);
            Some((n + 1).to_be_bytes().to_vec())
        })?;
        Ok(v.and_then(|r| read_id(&r)).unwrap_or(1))
    }

    /// The group was answered: it leaves the list.
    pub fn taught(&self, n: &Numbered) -> Result<(), sled::Error> {
        for (q, _) in &n.group.questions {
            self.taught
                .insert(normalize(q).as_bytes(), &n.id.to_be_bytes())?;
        }
        self.taught.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(questions: &[&str]) -> GapGroup {
        GapGroup {
            example: questions[0].into(),
            count: questions.len(),
            questions: questions.iter().map(|q| (q.to_string(), 1)).collect(),
            members: 1,
            last_ms: 0,
        }
    }

    #[test]
    fn a_group_keeps_its_id_as_it_grows_and_leaves_when_taught() {
        let dir = tempfile::tempdir().unwrap();
        let ids = GapIds::open(&sled::open(dir.path()).unwrap()).unwrap();
        let first = ids
            .number(vec![
                group(&["do you sell gift cards?"]),
                group(&["is there parking?"]),
            ])
            .unwrap();
        assert_eq!(first.iter().map(|n| n.id).collect::<Vec<_>>(), vec![1, 2]);
        // Asked more, in a new wording, and now listed first: the ids stay.
        let again = ids
            .number(vec![
                group(&["is there parking?", "where can I park?"]),
                group(&["Do you sell gift cards?"]),
                group(&["can I bring my dog?"]),
            ])
            .unwrap();
        assert_eq!(
            again.iter().map(|n| n.id).collect::<Vec<_>>(),
            vec![2, 1, 3]
        );
        ids.taught(&again[0]).unwrap();
        let after = ids
            .number(vec![
                group(&["where can I park?"]),
                group(&["can I bring my dog?"]),
            ])
            .unwrap();
        assert_eq!(after.iter().map(|n| n.id).collect::<Vec<_>>(), vec![3]);
    }
}
