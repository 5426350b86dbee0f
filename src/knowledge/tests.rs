//! Tests of loading, validation and retrieval on the sample pack and on broken copies.

use std::path::{Path, PathBuf};

use super::*;

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

fn copy_sample() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for f in knowledge_files(&sample_dir()).unwrap() {
        std::fs::copy(&f, tmp.path().join(f.file_name().unwrap())).unwrap();
    }
    tmp
}

fn problems(dir: &Path) -> Vec<String> {
    match PackLoader::default().load(dir) {
        Err(KnowledgeError::Invalid(p)) => p.iter().map(|p| p.to_string()).collect(),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("the pack should not load"),
    }
}

#[test]
fn sample_pack_loads() {
    let pack = PackLoader::default().load(&sample_dir()).unwrap();
    let s = pack.report.stats;
    assert!(
        s.entities >= 10 && s.relations >= 3 && s.passages >= 5 && s.intents >= 6,
        "{s:?}"
    );
}

#[test]
fn unchanged_files_are_not_parsed_again() {
    let tmp = copy_sample();
    let mut loader = PackLoader::default();
    let first = loader.load(tmp.path()).unwrap().report;
    assert_eq!(first.reused, 0);
    let again = loader.load(tmp.path()).unwrap().report;
    assert_eq!((again.parsed, again.reused), (0, first.parsed));
    std::fs::write(
        tmp.path().join("extra.md"),
        "## New question?\nNew answer.\n",
    )
    .unwrap();
    let third = loader.load(tmp.path()).unwrap().report;
    assert_eq!(third.parsed, 1);
    assert_eq!(third.stats.passages, first.stats.passages + 1);
}

#[test]
fn validation_errors_name_file_and_line() {
    let tmp = copy_sample();
    std::fs::write(
        tmp.path().join("bad.toml"),
        "[[entity]]\nid = \"huila\"\nkind = \"product\"\nname = \"Dup\"\n\n[[relation]]\nfrom = \"huila\"\nrel = \"pairs_with\"\nto = \"nowhere\"\n\n[[intent]]\nname = \"greet\"\nroute = \"smalltalk\"\nexamples = [\"yo\"]\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("bad.md"),
        "+++\nabout = [\"ghost\"]\n+++\n## Q\nA\n",
    )
    .unwrap();
    let p = problems(tmp.path());
    let bad_toml = tmp.path().join("bad.toml").display().to_string();
    let bad_md = tmp.path().join("bad.md").display().to_string();
    // Files load in path order, so the copy in bad.toml came first; both places are named.
    assert!(
        p.iter().any(
            |l| l.contains("products.toml:11: duplicate entity id \"huila\"")
                && l.ends_with(&format!("{bad_toml}:1)"))
        ),
        "{p:#?}"
    );
    assert!(
        p.iter().any(|l| l.starts_with(&format!("{bad_toml}:6:"))
            && l.contains("missing entity \"nowhere\"")),
        "{p:#?}"
    );
    assert!(
        p.iter()
            .any(|l| l.contains("intents.toml:3: duplicate intent \"greet\"")
                && l.ends_with(&format!("{bad_toml}:11)"))),
        "{p:#?}"
    );
    assert!(
        p.iter()
            .any(|l| l.starts_with(&format!("{bad_md}:4:")) && l.contains("\"ghost\"")),
        "{p:#?}"
    );
}

#[test]
fn invalid_utf8_is_reported() {
    let tmp = copy_sample();
    std::fs::write(tmp.path().join("latin1.md"), b"## Caf\xe9\nbody\n").unwrap();
    let p = problems(tmp.path());
    assert!(
        p.iter()
            .any(|l| l.ends_with("latin1.md:1: not valid UTF-8")),
        "{p:?}"
    );
}

#[test]
fn a_bad_edit_keeps_the_serving_graph() {
    let tmp = copy_sample();
    let db = sled::Config::new().temporary(true).open().unwrap();
    let (store, _) = SledKnowledge::open(&db, tmp.path().to_path_buf()).unwrap();
    let before = store.snapshot();
    std::fs::write(tmp.path().join("products.toml"), "[[entity]\nbroken").unwrap();
    assert!(matches!(store.reload(), Err(KnowledgeError::Invalid(_))));
    assert!(std::sync::Arc::ptr_eq(&before, &store.snapshot()));
    let r = store
        .retrieve("how much is the huila", &[], &RetrieveOptions::default())
        .unwrap();
    assert!(r.facts[0].text.contains("16.00 USD"));
}

#[test]
fn sled_cache_survives_a_restart() {
    let tmp = copy_sample();
    let data = tempfile::tempdir().unwrap();
    {
        let db = sled::open(data.path()).unwrap();
        let (_, report) = SledKnowledge::open(&db, tmp.path().to_path_buf()).unwrap();
        assert!(report.parsed > 0);
        db.flush().unwrap();
    }
    let db = crate::data::reopen_for_tests(data.path());
    let (_, report) = SledKnowledge::open(&db, tmp.path().to_path_buf()).unwrap();
    assert_eq!(report.parsed, 0, "{report:?}");
}

fn top(question: &str) -> Retrieval {
    let g = PackLoader::default().load(&sample_dir()).unwrap().graph;
    retrieve(&g, question, &[], &RetrieveOptions::default())
}

#[test]
fn the_asked_attribute_ranks_first() {
    assert!(top("how much is the yirgacheffe?").facts[0]
        .text
        .ends_with("price: 18.50 USD"));
    assert!(top("how big is a bag of huila").facts[0]
        .text
        .ends_with("weight: 340 g"));
    assert!(top("when is the roastery open").facts[0]
        .text
        .contains("hours: Tue–Sat 9:00–17:00"));
    assert!(top("where is harbor street cafe").facts[0]
        .text
        .contains("address: 12 Harbor Street"));
}

#[test]
fn chinese_questions_link_without_spaces() {
    let r = top("耶加雪菲多少钱？");
    assert_eq!(r.linked[0].alias.as_deref(), Some("耶加雪菲"));
    assert!(r.facts[0].text.ends_with("price: 18.50 USD"));
    assert!(top("拉花工作坊是哪天").facts[0]
        .text
        .contains("date: 2026-12-12"));
}

#[test]
fn faq_passages_answer_questions_that_name_no_entity() {
    let r = top("what grind for a french press?");
    assert!(r.linked.is_empty());
    assert!(r.facts[0]
        .text
        .starts_with("What grind should I use for a French press?"));
    assert!(
        r.facts[0].source.ends_with("brewing.md:3"),
        "{}",
        r.facts[0].source
    );
}

#[test]
fn unrelated_questions_retrieve_nothing() {
    assert!(!top("what's the weather in Paris?").found());
    assert!(!top("who won the football yesterday").found());
}

#[test]
fn follow_ups_carry_the_subject_only_when_they_refer_to_it() {
    let g = PackLoader::default().load(&sample_dir()).unwrap().graph;
    let ctx = vec!["huila".to_string()];
    let r = retrieve(
        &g,
        "and how big is the bag?",
        &ctx,
        &RetrieveOptions::default(),
    );
    assert!(r.facts[0].text.ends_with("weight: 340 g"), "{r:?}");
    assert!(!retrieve(
        &g,
        "what's the weather in Paris?",
        &ctx,
        &RetrieveOptions::default()
    )
    .found());
}

#[test]
fn neighbours_are_reached_in_two_hops() {
    // The workshop is held at Harbor Street; asking where it is finds the café's address.
    let r = top("where is the latte art workshop?");
    assert!(
        r.facts.iter().any(|f| f.text.contains("12 Harbor Street")),
        "{r:#?}"
    );
}

#[test]
fn the_budget_is_respected() {
    let g = PackLoader::default().load(&sample_dir()).unwrap().graph;
    let opts = RetrieveOptions {
        max_facts: 2,
        max_chars: 10_000,
        min_coverage: 0.5,
    };
    assert_eq!(
        retrieve(&g, "tell me about the huila", &[], &opts)
            .facts
            .len(),
        2
    );
    let tight = RetrieveOptions {
        max_facts: 10,
        max_chars: 60,
        ..opts
    };
    let r = retrieve(&g, "tell me about the huila", &[], &tight);
    assert_eq!(
        r.facts.len(),
        1,
        "the first fact always fits, the rest must fit the budget"
    );
}

#[test]
fn removing_an_entity_another_file_points_at_is_caught_on_reload() {
    // stores.toml's relation and events.toml's relation point at harbor-street; after a
    // successful load, those files are not re-checked unless an id they use goes away.
    let tmp = copy_sample();
    let mut loader = PackLoader::default();
    loader.load(tmp.path()).unwrap();
    let stores = tmp.path().join("stores.toml");
    let text = std::fs::read_to_string(&stores).unwrap();
    std::fs::write(
        &stores,
        text.replace("id = \"harbor-street\"", "id = \"harbour-street\""),
    )
    .unwrap();
    let p = match loader.load(tmp.path()) {
        Err(KnowledgeError::Invalid(p)) => p,
        other => panic!("expected problems, got {:?}", other.map(|l| l.report)),
    };
    let lines: Vec<String> = p.iter().map(|p| p.to_string()).collect();
    assert!(
        lines.iter().any(|l| l.contains(
            "events.toml:11: relation \"held_at\" points to missing entity \"harbor-street\""
        )),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("stores.toml:") && l.contains("\"roasts_for\"")),
        "{lines:#?}"
    );
    // Put it back: the pack loads again, and the rejected edit left the cache as it was,
    // so the restored file is recognised by its content hash and not parsed.
    std::fs::write(&stores, text).unwrap();
    let report = loader.load(tmp.path()).unwrap().report;
    assert_eq!(report.parsed, 0);
}

/// The sample pack with one more file, loaded.
fn sample_with(file: &str, text: &str) -> std::sync::Arc<Graph> {
    let dir = copy_sample();
    std::fs::write(dir.path().join(file), text).unwrap();
    PackLoader::default().load(dir.path()).unwrap().graph
}

fn ask(g: &Graph, question: &str) -> Retrieval {
    retrieve(g, question, &[], &RetrieveOptions::default())
}

#[test]
fn a_section_titled_for_another_entity_is_not_the_linked_entitys_fact() {
    // A file's front matter lists every entity its sections touch; the title says whose
    // question a section answers.
    let g = sample_with(
        "more.md",
        "+++\nabout = [\"latte-art-workshop\", \"return-policy\"]\n+++\n# More\n\n\
         ## Do I need my own bag for refunds?\nYes, bring your own bag and the receipt.\n",
    );
    let r = ask(&g, "do I need my own milk jug for the latte art workshop?");
    assert!(
        !r.facts
            .iter()
            .any(|f| f.via == "entity" && f.text.starts_with("Do I need my own bag")),
        "{r:?}"
    );
    let r = ask(&g, "do I need my own bag for refunds?");
    assert!(
        r.facts
            .iter()
            .any(|f| f.text.starts_with("Do I need my own bag")),
        "the section still answers its own entity: {r:?}"
    );
}

#[test]
fn an_age_key_with_a_range_answers_what_age() {
    let g = sample_with(
        "club.toml",
        "[[entity]]\nid = \"junior-baristas\"\nkind = \"class\"\nname = \"Junior Baristas\"\n\
         aliases = [\"kids coffee club\"]\nsummary = \"Hot chocolate and milk art for children.\"\n\
         attrs = { ages = \"7 to 12\", price = \"8.00 USD\" }\n",
    );
    let r = ask(&g, "what age is the kids coffee club for?");
    assert!(
        r.facts
            .first()
            .is_some_and(|f| f.text.ends_with("ages: 7 to 12")),
        "{r:?}"
    );
}

#[test]
fn who_looks_after_something_is_the_person_whose_alias_or_summary_says_it() {
    let g = sample_with(
        "people.toml",
        r#"[[entity]]
id = "dana-reyes"
kind = "person"
name = "Dana Reyes"
aliases = ["Dana", "volunteer coordinator"]
summary = "Volunteer coordinator: she runs the inductions and the shift rota."
attrs = { email = "volunteers@example.org" }

[[entity]]
id = "sam-ito"
kind = "person"
name = "Sam Ito"
aliases = ["萨姆"]
summary = "Head roaster; trains the volunteers on the espresso machine."

[[entity]]
id = "barista-volunteer"
kind = "volunteer"
name = "Barista Volunteer"
aliases = ["volunteer barista"]
summary = "Pour samples at tastings."

[[entity]]
id = "li-wei"
kind = "person"
name = "Li Wei"
aliases = ["志愿者协调员"]
summary = "Runs the Chinese-language tastings, with the volunteers."
attrs = { email = "sam@example.org" }
"#,
    );
    let r = ask(&g, "who do I email about volunteering?");
    assert_eq!(
        r.linked.first().map(|l| l.id.as_str()),
        Some("dana-reyes"),
        "{r:?}"
    );
    assert!(
        r.linked.iter().all(|l| l.id != "barista-volunteer"),
        "a role is no one to email: {r:?}"
    );
    assert!(
        r.facts.iter().any(|f| f.value == "volunteers@example.org"),
        "{r:?}"
    );
    // Chinese, as written in an alias.
    let r = ask(&g, "志愿者应该发邮件给谁？");
    assert_eq!(
        r.linked.first().map(|l| l.id.as_str()),
        Some("li-wei"),
        "{r:?}"
    );
    // Nothing anyone looks after: not Dana's address.
    let r = ask(&g, "who do I email about parking?");
    assert!(
        !r.facts.iter().any(|f| f.value == "volunteers@example.org"),
        "{r:?}"
    );
}

/// The plan's fact texts.
fn planned(r: &Retrieval) -> Vec<&str> {
    r.facts
        .iter()
        .filter(|f| f.asked)
        .map(|f| f.text.as_str())
        .collect()
}

const LODGES: &str = "[[entity]]\nid = \"view-lodge\"\nkind = \"lodge\"\nname = \"View Lodge\"\n\
    aliases = [\"hot tub lodge\", \"day ticket lodge\"]\nsummary = \"A lodge with a private hot tub.\"\n\
    attrs = { hot_tub = \"yes, a private hot tub\", dogs_allowed = \"no, it is pet-free\", price = \"900 USD per week\" }\n\n\
    [[entity]]\nid = \"dog-rules\"\nkind = \"policy\"\nname = \"Dogs on Site\"\naliases = [\"dogs\"]\n\
    summary = \"Dogs are welcome on most of the site.\"\nattrs = { dog_fee = \"3 USD per night\" }\n";

#[test]
fn another_alias_of_the_entity_is_what_the_question_asks_when_a_key_says_it() {
    // "hot tub lodge" is how some members name View Lodge; named as View Lodge, the
    // question asks its `hot_tub`, not its summary.
    let g = sample_with("lodges.toml", LODGES);
    let r = ask(&g, "does view lodge have a hot tub?");
    assert!(
        planned(&r).iter().any(|t| t.contains("hot tub: yes")),
        "{r:?}"
    );
    // A word of another alias that no key says still only names it.
    let r = ask(&g, "how much is a week in the day ticket lodge?");
    assert!(!r.asks.contains(&"ticket".to_string()), "{r:?}");
    assert!(
        planned(&r).iter().any(|t| t.contains("price: 900")),
        "{r:?}"
    );
}

#[test]
fn a_name_that_is_a_key_of_the_other_entity_named_is_what_is_asked() {
    // "dogs" names the policy Dogs on Site, but asked with View Lodge it is the lodge's
    // `dogs_allowed`.
    let g = sample_with("lodges.toml", LODGES);
    let r = ask(&g, "are dogs ok in view lodge?");
    let linked: Vec<&str> = r.linked.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(linked, vec!["view-lodge"], "{r:?}");
    assert!(
        planned(&r).iter().any(|t| t.contains("dogs allowed: no")),
        "{r:?}"
    );
    // Named alone, the policy is the subject.
    let r = ask(&g, "how much is it for dogs?");
    assert!(r.linked.iter().any(|l| l.id == "dog-rules"), "{r:?}");
}

#[test]
fn a_general_word_is_the_topic_when_it_is_a_key_of_the_entity_named() {
    // "bring" says nothing about most questions, but this entity's admin made it a key.
    let g = sample_with(
        "induction.toml",
        "[[entity]]\nid = \"roaster-induction\"\nkind = \"course\"\nname = \"Roaster Induction\"\n\
         summary = \"A short session that signs you off to use the roaster.\"\n\
         attrs = { bring = \"closed shoes and an apron\", duration = \"90 minutes\" }\n",
    );
    let r = ask(&g, "what should I bring to the roaster induction?");
    assert_eq!(
        planned(&r),
        vec!["Roaster Induction — bring: closed shoes and an apron"],
        "{r:?}"
    );
}

const PARK: &str = "[[entity]]\nid = \"park\"\nkind = \"place\"\nname = \"Fernhill Park\"\n\
    aliases = [\"the site\"]\nsummary = \"A holiday park in the woods.\"\n\
    attrs = { barrier_closed = \"23:00-07:00\", address = \"1 Fern Lane\" }\n\n\
    [[entity]]\nid = \"site-rules\"\nkind = \"policy\"\nname = \"Site Rules\"\n\
    summary = \"How we keep the park calm.\"\nattrs = { speed_limit = \"5 mph\", quiet_hours = \"22:00 to 07:00\" }\n\n\
    [[entity]]\nid = \"oak-cabin\"\nkind = \"cabin\"\nname = \"Oak Cabin\"\naliases = [\"2 bed cabin\"]\nsummary = \"A cabin by the lake.\"\n\
    attrs = { deposit = \"100 USD\", sleeps = 4 }\n\n\
    [[entity]]\nid = \"ash-cabin\"\nkind = \"cabin\"\nname = \"Ash Cabin\"\nsummary = \"A cabin in the trees.\"\n\
    attrs = { sleeps = 2 }\n\n\
    [[entity]]\nid = \"gala\"\nkind = \"event\"\nname = \"Summer Gala\"\naliases = [\"gala\"]\n\
    summary = \"Races for all ages.\"\nattrs = { entry_deadline = \"1 June\", spectators = \"2 USD\" }\n";

#[test]
fn a_key_that_holds_every_word_asked_answers_a_question_that_names_nothing() {
    let g = sample_with("park.toml", PARK);
    let r = ask(&g, "what time does the barrier shut at night?");
    assert_eq!(
        planned(&r),
        vec!["Fernhill Park — barrier closed: 23:00-07:00"],
        "{r:?}"
    );
}

#[test]
fn a_key_said_whole_that_the_named_entity_lacks_is_asked_of_its_few_owners_of_another_kind() {
    let g = sample_with("park.toml", PARK);
    let r = ask(&g, "when are the quiet hours round the site?");
    assert_eq!(
        planned(&r),
        vec!["Site Rules — quiet hours: 22:00 to 07:00"],
        "{r:?}"
    );
    // Only a value of the kind asked: with no kind asked, nothing is borrowed.
    let r = ask(&g, "whats the speed limit round the site?");
    assert!(planned(&r).is_empty(), "{r:?}");
    // A sibling's key does not answer for the one named: Oak Cabin's deposit is not Ash
    // Cabin's.
    let r = ask(&g, "what's the deposit for ash cabin?");
    assert!(planned(&r).is_empty(), "{r:?}");
}

#[test]
fn the_members_own_people_ask_nothing_when_the_pack_never_says_them() {
    let g = sample_with("park.toml", PARK);
    let r = ask(&g, "whens the last day to enter my son for the gala");
    assert_eq!(
        planned(&r),
        vec!["Summer Gala — entry deadline: 1 June"],
        "{r:?}"
    );
    assert!(!r.missing.contains(&"son".to_string()), "{r:?}");
}

#[test]
fn what_thing_is_asked_is_not_answered_by_the_summary() {
    let g = sample_with("park.toml", PARK);
    // "bed" is in a name of the cabin, so nothing else is asked; but "what beds" asks a
    // thing the cabin's facts do not say.
    let r = ask(&g, "what beds are there in oak cabin?");
    assert!(planned(&r).is_empty(), "{r:?}");
    let r = ask(&g, "what is oak cabin?");
    assert_eq!(
        planned(&r),
        vec!["Oak Cabin — A cabin by the lake."],
        "{r:?}"
    );
}

const RULES: &str = "[[entity]]\nid = \"meadow\"\nkind = \"pitch\"\nname = \"Meadow Pitch\"\n\
    summary = \"A grass pitch.\"\nattrs = { price_per_night = \"22 GBP\" }\n\n\
    [[entity]]\nid = \"dogs\"\nkind = \"policy\"\nname = \"Dogs on Site\"\nsummary = \"Dogs are welcome.\"\n\
    attrs = { dog_fee = \"3 GBP per dog per night\" }\n\n\
    [[entity]]\nid = \"placement\"\nkind = \"test\"\nname = \"Placement Test\"\nsummary = \"A level check.\"\n\
    attrs = { results_within = \"2 business days\" }\n\n\
    [[entity]]\nid = \"dele\"\nkind = \"exam\"\nname = \"DELE Exam\"\naliases = [\"DELE\"]\n\
    summary = \"A Spanish diploma.\"\nattrs = { turnaround = \"about 3 months\" }\n\n\
    [[entity]]\nid = \"quiet\"\nkind = \"policy\"\nname = \"Quiet Hours\"\naliases = [\"quiet time\"]\n\
    summary = \"Keeping the park peaceful.\"\nattrs = { quiet_time = \"22:30 to 07:30\", generators = \"not allowed\" }\n";

#[test]
fn beside_a_named_entity_only_a_rules_key_that_holds_the_word_answers() {
    let g = sample_with("rules.toml", RULES);
    let r = ask(
        &g,
        "how much does it cost to bring our dog on the meadow pitch",
    );
    assert_eq!(
        planned(&r),
        vec!["Dogs on Site — dog fee: 3 GBP per dog per night"],
        "{r:?}"
    );
    // A peer's key is not the named one's: the DELE's results are not the placement test's.
    let r = ask(&g, "how long until I get my DELE results?");
    assert!(
        planned(&r).iter().all(|p| !p.contains("Placement")),
        "{r:?}"
    );
}

#[test]
fn the_attribute_an_entity_is_also_called_by_is_what_it_is() {
    let g = sample_with("rules.toml", RULES);
    let r = ask(&g, "what are the quiet hours");
    assert_eq!(
        planned(&r),
        vec!["Quiet Hours — quiet time: 22:30 to 07:30"],
        "{r:?}"
    );
}
