//! The lexicon file's layout: sorted string tables and lists of numbers, read in place from
//! the file's bytes (no parsing into maps at start-up, so `herald ask` pays only the read).
//!
//! A file is `MAGIC`, a format version, then sections in a fixed order, each one of:
//! - strings: `n`, `n + 1` offsets, the UTF-8 bytes (sorted when they are looked up);
//! - lists: `n`, `n + 1` offsets, the `u32` items;
//! - numbers: `n`, then `n` `u32`s;
//!
//! and at the end the BLAKE3 hash of everything before it. All integers little-endian.
//! Every offset is checked once at load, so a lookup never reads out of bounds.

pub(super) const MAGIC: &[u8; 8] = b"HERALDLX";
pub(super) const VERSION: u32 = 1;

/// Why bytes are not a lexicon.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Corrupt(pub(super) &'static str);

fn u32_at(data: &[u8], at: usize) -> Result<u32, Corrupt> {
    data.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or(Corrupt("truncated"))
}

/// Read position in a file being opened.
pub(super) struct Cursor<'a> {
    pub(super) data: &'a [u8],
    pub(super) at: usize,
}

impl Cursor<'_> {
    pub(super) fn u32(&mut self) -> Result<u32, Corrupt> {
        let v = u32_at(self.data, self.at)?;
        self.at += 4;
        Ok(v)
    }

    /// `n` then `n + 1` non-decreasing offsets into what follows, checked against `unit`
    /// bytes per item; returns (offsets start, n, payload start) and moves past the payload.
    fn indexed(&mut self, unit: usize) -> Result<(usize, usize, usize), Corrupt> {
        let n = self.u32()? as usize;
        let offsets = self.at;
        let payload = offsets
            .checked_add((n + 1) * 4)
            .ok_or(Corrupt("bad count"))?;
        let mut last = 0;
        for i in 0..=n {
            let o = u32_at(self.data, offsets + i * 4)? as usize;
            if o < last {
                return Err(Corrupt("offsets out of order"));
            }
            last = o;
        }
        let end = payload
            .checked_add(last * unit)
            .ok_or(Corrupt("bad length"))?;
        if end > self.data.len() {
            return Err(Corrupt("truncated"));
        }
        self.at = end;
        Ok((offsets, n, payload))
    }

    pub(super) fn strings(&mut self) -> Result<Strings, Corrupt> {
        let (offsets, n, blob) = self.indexed(1)?;
        Ok(Strings { offsets, n, blob })
    }

    pub(super) fn lists(&mut self) -> Result<Lists, Corrupt> {
        let (offsets, n, items) = self.indexed(4)?;
        Ok(Lists { offsets, n, items })
    }

    pub(super) fn numbers(&mut self) -> Result<Numbers, Corrupt> {
        let n = self.u32()? as usize;
        let at = self.at;
        let end = at.checked_add(n * 4).ok_or(Corrupt("bad count"))?;
        if end > self.data.len() {
            return Err(Corrupt("truncated"));
        }
        self.at = end;
        Ok(Numbers { at, n })
    }
}

/// Strings by index; `find` needs them sorted (byte order).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Strings {
    offsets: usize,
    n: usize,
    blob: usize,
}

impl Strings {
    pub(super) fn len(&self) -> usize {
        self.n
    }

    fn range(&self, data: &[u8], i: usize) -> (usize, usize) {
        // In bounds: checked when the file was opened.
        let a = u32_at(data, self.offsets + i * 4).unwrap_or(0) as usize;
        let b = u32_at(data, self.offsets + i * 4 + 4).unwrap_or(0) as usize;
        (self.blob + a, self.blob + b)
    }

    pub(super) fn bytes<'a>(&self, data: &'a [u8], i: usize) -> &'a [u8] {
        if i >= self.n {
            return &[];
        }
        let (a, b) = self.range(data, i);
        data.get(a..b).unwrap_or(&[])
    }

    pub(super) fn get<'a>(&self, data: &'a [u8], i: usize) -> &'a str {
        std::str::from_utf8(self.bytes(data, i)).unwrap_or("")
    }

    pub(super) fn find(&self, data: &[u8], key: &str) -> Option<usize> {
        let key = key.as_bytes();
        let (mut lo, mut hi) = (0, self.n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.bytes(data, mid).cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

/// Lists of `u32` by index.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Lists {
    offsets: usize,
    n: usize,
    items: usize,
}

impl Lists {
    pub(super) fn get<'a>(&self, data: &'a [u8], i: usize) -> impl Iterator<Item = u32> + 'a {
        let (a, b) = if i < self.n {
            (
                u32_at(data, self.offsets + i * 4).unwrap_or(0) as usize,
                u32_at(data, self.offsets + i * 4 + 4).unwrap_or(0) as usize,
            )
        } else {
            (0, 0)
        };
        let items = self.items;
        (a..b).map(move |k| u32_at(data, items + k * 4).unwrap_or(0))
    }
}

/// One `u32` per index.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Numbers {
    at: usize,
    n: usize,
}

impl Numbers {
    pub(super) fn get(&self, data: &[u8], i: usize) -> u32 {
        if i >= self.n {
            return 0;
        }
        u32_at(data, self.at + i * 4).unwrap_or(0)
    }
}

/// Writes the sections of a lexicon file in order.
#[derive(Default)]
pub(super) struct Writer {
    out: Vec<u8>,
}

impl Writer {
    pub(super) fn new() -> Writer {
        let mut w = Writer::default();
        w.out.extend_from_slice(MAGIC);
        w.u32(VERSION);
        w
    }

    pub(super) fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }

    fn offsets(&mut self, lens: impl Iterator<Item = usize>, n: usize) {
        self.u32(n as u32);
        let mut at = 0u32;
        self.u32(0);
        for l in lens {
            at += l as u32;
            self.u32(at);
        }
    }

    pub(super) fn strings<S: AsRef<str>>(&mut self, items: &[S]) {
        self.offsets(items.iter().map(|s| s.as_ref().len()), items.len());
        for s in items {
            self.out.extend_from_slice(s.as_ref().as_bytes());
        }
    }

    pub(super) fn lists(&mut self, items: &[Vec<u32>]) {
        self.offsets(items.iter().map(Vec::len), items.len());
        for l in items {
            for &v in l {
                self.u32(v);
            }
        }
    }

    pub(super) fn numbers(&mut self, items: &[u32]) {
        self.u32(items.len() as u32);
        for &v in items {
            self.u32(v);
        }
    }

    /// The file's bytes, hash appended.
    pub(super) fn finish(mut self) -> Vec<u8> {
        let hash = blake3::hash(&self.out);
        self.out.extend_from_slice(hash.as_bytes());
        self.out
    }
}

/// The bytes before the trailing hash, when the hash matches.
pub(super) fn verified(data: &[u8]) -> Result<&[u8], Corrupt> {
    if data.len() < MAGIC.len() + 4 + 32 {
        return Err(Corrupt("too short"));
    }
    let (body, hash) = data.split_at(data.len() - 32);
    if blake3::hash(body).as_bytes() != hash {
        return Err(Corrupt("checksum does not match"));
    }
    if &body[..MAGIC.len()] != MAGIC {
        return Err(Corrupt("not a herald lexicon"));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_round_trip_and_damage_is_caught() {
        let mut w = Writer::new();
        w.strings(&["apple", "pear", "plum"]);
        w.lists(&[vec![1, 2], vec![], vec![7]]);
        w.numbers(&[5, 6, 7]);
        let file = w.finish();
        let body = verified(&file).expect("valid");
        let mut c = Cursor {
            data: body,
            at: MAGIC.len() + 4,
        };
        let s = c.strings().unwrap();
        let l = c.lists().unwrap();
        let n = c.numbers().unwrap();
        assert_eq!(s.find(body, "pear"), Some(1));
        assert_eq!(s.find(body, "peach"), None);
        assert_eq!(s.get(body, 2), "plum");
        assert_eq!(s.get(body, 9), "");
        assert_eq!(l.get(body, 0).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(l.get(body, 1).count(), 0);
        assert_eq!(l.get(body, 5).count(), 0);
        assert_eq!(n.get(body, 2), 7);
        let mut bad = file.clone();
        bad[20] ^= 1;
        assert_eq!(verified(&bad), Err(Corrupt("checksum does not match")));
        assert_eq!(verified(b"short"), Err(Corrupt("too short")));
    }
}
