//! The language a member writes in, as far as replies go: Chinese or English (everything
//! else is answered in English, the fallback every pack has).

/// A language replies can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// Chinese when the text has Han characters and no kana or hangul (Japanese and
    /// Korean also write Han characters, and must not get Chinese replies).
    pub fn detect(text: &str) -> Lang {
        let mut han = false;
        for c in text.chars() {
            match c as u32 {
                // Hiragana, katakana (and their extensions), hangul syllables and jamo.
                0x3040..=0x30FF
                | 0x31F0..=0x31FF
                | 0xFF66..=0xFF9F
                | 0xAC00..=0xD7AF
                | 0x1100..=0x11FF
                | 0x3130..=0x318F => return Lang::En,
                0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF => {
                    han = true
                }
                _ => {}
            }
        }
        if han {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// Is `reply` written in this language? For English: no Chinese at all. For Chinese:
    /// its Latin words, apart from those `quoted` from the facts (names, units) and
    /// e-mails or URLs, are few next to its Chinese (a reply that echoes the question and
    /// goes on in English is not Chinese; one that names a contact in English is).
    pub fn written_in(self, reply: &str, quoted: &str) -> bool {
        let han = reply.chars().filter(|&c| super::is_cjk(c)).count();
        match self {
            Lang::En => han == 0,
            Lang::Zh => {
                let quoted = quoted.to_lowercase();
                // Latin words that are not quoted names or values, nor parts of an e-mail
                // or URL; each weighs as much as three Chinese characters.
                let latin = reply
                    .split_whitespace()
                    .filter(|chunk| !chunk.contains('@') && !chunk.contains("://"))
                    .flat_map(|chunk| chunk.split(|c: char| !c.is_ascii_alphabetic()))
                    .filter(|w| !w.is_empty() && !quoted.contains(&w.to_lowercase()))
                    .count();
                han > 0 && latin * 3 <= han
            }
        }
    }

    pub fn is_zh(self) -> bool {
        self == Lang::Zh
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn chinese_but_not_japanese_or_korean() {
        assert_eq!(Lang::detect("耶加雪菲多少钱？"), Lang::Zh);
        assert_eq!(Lang::detect("how much is 耶加雪菲"), Lang::Zh);
        assert_eq!(Lang::detect("コーヒーはいくらですか"), Lang::En);
        assert_eq!(
            Lang::detect("東京の店は何時に開きますか"),
            Lang::En,
            "kanji with kana"
        );
        assert_eq!(Lang::detect("커피 가격이 얼마예요?"), Lang::En);
        assert_eq!(Lang::detect("¿Cuánto cuesta?"), Lang::En);
        assert_eq!(Lang::detect("How much?"), Lang::En);
        let fact = "Ethiopia Yirgacheffe — price: 18.50 USD";
        assert!(Lang::Zh.written_in("Ethiopia Yirgacheffe 的价格是 18.50 USD。", fact));
        assert!(!Lang::Zh.written_in("耶加雪菲多少？The answer is 18.50.", fact));
        assert!(!Lang::En.written_in("It costs 18.50 USD. 谢谢", fact));
        assert!(Lang::En.written_in("It costs 18.50 USD.", fact));
        assert!(Lang::Zh.written_in(
            "好的，我已经请团队的同事来联系你。你也可以联系：Lantern Hill customer care (care@x.coffee)。",
            ""
        ));
    }
}
