//! Parsing the configuration: unknown keys, defaults, the example file.

use super::*;

#[test]
fn unknown_keys_are_named_with_their_line() {
    let text = Config::parse("c.toml", "[llm]\nthreads = 2\nthred = 3\n").unwrap_err();
    let text = text.to_string();
    assert!(text.starts_with("c.toml:3:"), "{text}");
    assert!(text.contains("thred"), "{text}");
    assert!(Config::parse("c.toml", "[llmm]\n").is_err_and(|e| e.to_string().contains("llmm")));
}

#[test]
fn the_example_config_parses_and_enables_the_console() {
    let text = include_str!("../../config.example.toml");
    let c = Config::parse("config.example.toml", text).unwrap();
    assert!(c.console.is_some());
    assert_eq!(
        (c.llm.threads, c.llm.parallel, c.engine.concurrency),
        (2, 0, 32)
    );
    // The community sections show their defaults.
    let d = ModerationConfig::default();
    let m = &c.moderation;
    assert_eq!(
        (
            &m.mode,
            m.flood_messages,
            m.suspect_new,
            &m.ladder,
            m.enabled
        ),
        (&d.mode, d.flood_messages, d.suspect_new, &d.ladder, false)
    );
    assert_eq!(
        c.welcome.check_minutes,
        WelcomeConfig::default().check_minutes
    );
    assert_eq!(c.learning.folder, LearningConfig::default().folder);
}

#[test]
fn defaults_fill_missing_keys() {
    let c = Config::parse("c.toml", "[dialogue]\nbot_name = \"Bean\"\n").unwrap();
    assert_eq!(c.dialogue.bot_name, "Bean");
    assert_eq!(c.dialogue.memory_turns, 6);
    assert!(c.console.is_none());
}

#[test]
fn the_dashboard_section_has_defaults_and_refuses_unknown_keys() {
    let c = Config::parse("c.toml", "").unwrap();
    assert!(c.dashboard.enabled && c.dashboard.keys.is_empty());
    assert_eq!(c.dashboard.login_attempts, 5);
    let c = Config::parse(
        "c.toml",
        "[dashboard]\nkeys = [\"k1\"]\nsession_hours = 1.5\n",
    )
    .unwrap();
    assert_eq!(
        (c.dashboard.keys.len(), c.dashboard.session_hours),
        (1, 1.5)
    );
    let e = Config::parse("c.toml", "[dashboard]\npassword = \"x\"\n").unwrap_err();
    assert!(e.to_string().contains("password"), "{e}");
}
