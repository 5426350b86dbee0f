//! Requests the router recognises in any community's words, before the pack's intent
//! examples: "can I talk to someone", "not a bot", 转人工. A pack's few examples cannot
//! cover every way members ask for a person, and a missed hand-off ("I've noted the
//! question") is the reply members resent most.

use std::sync::LazyLock;

use regex::Regex;

/// Asking for a person: a verb of talking to someone who is not the bot, or saying so.
static EN_PERSON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(?:talk|speak|chat|get\s+through)\s+(?:to|with)\s+
            (?:a|an|the|some|one|one\s+of\s+your|your|a\s+member\s+of)?\s*
            (?:real\s+|actual\s+|live\s+)?
            (?:human|person|people|someone|somebody|agent|staff|manager|team|employee|operator|admin|moderator|member\s+of\s+(?:staff|the\s+team))s?\b
        | \b(?:real|actual|live)\s+(?:person|human|agent)\b
        | \bnot\s+(?:a|the|this|some)\s+(?:bot|robot|machine)\b
        | \bhuman\s+(?:please|pls)\b
        | \b(?:someone|somebody|a\s+person|a\s+human|a\s+member\s+of\s+staff)\s+(?:from|on|at|in)\s+(?:the\s+|your\s+)?(?:team|staff|office|desk|front\s+desk|reception)\s+
            (?:message|call|ring|phone|contact|email|e-mail|text|dm|get\s+back\s+to|reach\s+out\s+to)\s+(?:me|us)\b
        | \b(?:rather|prefer\s+to)\s+not\s+(?:deal|talk|speak|chat)\s+(?:with|to)\s+(?:a|the|this)\s+(?:bot|robot|machine)\b
        | \b(?:put|transfer|connect)\s+me\s+(?:through\s+)?(?:to|with)\s+(?:a|an|some|the)?\s*(?:human|person|someone|somebody|agent|staff|manager)\b
        ",
    )
    .expect("the hand-off pattern compiles")
});

/// The same in Chinese: 转人工, 人工客服, 真人, 找客服/工作人员/店员/管理员/前台.
static ZH_PERSON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"转人工|人工客服|人工服务|真人|(?:找|联系|跟|和|叫|转接|转给)(?:个|一下|一位)?(?:客服|工作人员|店员|管理员|前台|负责人|经理)",
    )
    .expect("the Chinese hand-off pattern compiles")
});

/// The words that open an English greeting, and whom it greets ("hi all").
const HELLO: &str =
    r"(?:hi|hello|hey|hiya|heya|howdy|greetings|good\s+(?:morning|afternoon|evening|day)|hallo)";
const AUDIENCE: &str =
    r"(?:\s+(?:there|all|everyone|everybody|folks|guys|team|friends|y'all|again))?";

/// A greeting and nothing more: "morning all 😊", "hi there!", "大家好".
static GREETING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?ix)^\W*(?:
            (?:{HELLO}|yo|evening|morning|afternoon)
            {AUDIENCE}
            # and a word about joining, without a question: hiya folks, just joined this week
            (?:[\W\p{{So}}]+(?:i\s*'?\s*m\s+|i\s+am\s+|we\s*'?\s*re\s+|just\s+)?
                (?:new\s+here|new|just\s+joined|joined|signed\s+up|first\s+time\s+here)
                (?:\s+(?:today|yesterday|this\s+week|this\s+month|recently|last\s+week))?)?
          | 你好|您好|大家好|早上好|早安|晚上好|下午好|嗨|哈喽|哈罗
        )[\W\p{{So}}]*$",
    ))
    .expect("the greeting pattern compiles")
});

/// Words of a member who is unhappy with the service, said as a statement: "honestly fed
/// up with this", "third week running", "nobody has fixed it", "not good enough".
static EN_COMPLAINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(?:fed\s+up|sick\s+(?:and\s+tired\s+)?of|had\s+enough|not\s+good\s+enough|unacceptable|disgusting|appalling|ridiculous|shocking|disgraceful|outrageous)\b
        | \b(?:second|third|fourth|fifth|\d+(?:nd|rd|th)?)\s+(?:time|week|day|month)s?\s+(?:running|in\s+a\s+row)\b
        | \bnobody\s+(?:has\s+|have\s+)?(?:fixed|replied|answered|helped|called|got\s+back)\b
        | \b(?:i\s+want|i'd\s+like|i\s+demand)\s+(?:a|my)\s+(?:refund|money\s+back)\b
        | \b(?:make|making|file|filing|lodge)\s+a\s+complaint\b
        | \b(?:never|still\s+(?:hasn't|has\s+not|haven't|not))\s+(?:arrived|came|turned\s+up|been\s+fixed|fixed)\b
        ",
    )
    .expect("the complaint pattern compiles")
});

/// The same in Chinese: 投诉, 太差了, 很不满意, 受够了, 烂了.
static ZH_COMPLAINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"投诉|太差|很差|不满意|受够|烂了|坏了|气死|太过分|没人管|没人处理")
        .expect("the Chinese complaint pattern compiles")
});

/// Does the message complain, as a statement rather than a question? "what if my box is
/// late?" asks; "my box is late again, fed up" complains. A pack's few complaint examples
/// cannot cover every way members say they are unhappy.
pub fn voices_complaint(text: &str) -> bool {
    let t = text.trim();
    if t.contains('?') || t.contains('？') {
        return false;
    }
    EN_COMPLAINT.is_match(t) || ZH_COMPLAINT.is_match(t)
}

/// Is the message only a greeting?
pub fn is_greeting(text: &str) -> bool {
    GREETING.is_match(text.trim())
}

static GREETING_OPENER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?ix)^\W*{HELLO}{AUDIENCE}[\s,!.;:\p{{So}}-]+"))
        .expect("the greeting opener compiles")
});

/// What keeps a greeting's rest from being only news: a question, or a word that asks for
/// or reports something ("looking for", "lost", "please").
static ASKS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)[?？吗呢]|\b(?:how|what|whats|where|when|who|which|why|looking|need|needs|want|wants|know|tell|help|info|information|please|wondering|lost|left|find|book|cancel|change)\b|^\W*(?:can|could|is|are|do|does|will|would|should|may|any|anyone|has|have)\b",
    )
    .expect("the question pattern compiles")
});

/// A greeting with news and no question ("hiya everyone, first time here this year!"):
/// small talk when nothing else claims the message (a complaint or a pack's intent is
/// looked at first).
pub fn greets_and_asks_nothing(text: &str) -> bool {
    let t = text.trim();
    let Some(m) = GREETING_OPENER.find(t) else {
        return false;
    };
    let rest = &t[m.end()..];
    !rest.trim().is_empty() && !ASKS.is_match(rest) && rest.split_whitespace().count() <= 12
}

/// Does the message ask to be put in touch with a person?
pub fn asks_for_person(text: &str) -> bool {
    EN_PERSON.is_match(text) || ZH_PERSON.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_asking_for_a_person_in_their_own_words() {
        for t in [
            "can I talk to someone at the front desk please, not a bot",
            "Can I speak to somebody in the office please, this bot isn't helping",
            "I want to speak with a real person",
            "can someone from the team message me please, I'd rather not deal with a bot",
            "could somebody at reception call me back",
            "I'd rather not talk to a bot",
            "put me through to a human",
            "human please",
            "could I chat to one of your staff",
            "Could I speak to an actual member of staff please?",
            "转人工",
            "我要转人工",
            "我想找真人客服",
            "我想跟真人客服说话",
            "帮我联系一下工作人员",
            "请帮我转接工作人员",
        ] {
            assert!(asks_for_person(t), "{t}");
        }
    }

    #[test]
    fn greetings_alone_are_greetings() {
        for t in [
            "morning all 😊",
            "hi there!",
            "Hello",
            "good evening everyone",
            "大家好",
            "你好！",
            "hiya folks 👋 just joined this week",
            "hello everyone, new here",
            "hi all, I'm new",
        ] {
            assert!(is_greeting(t), "{t}");
        }
        for t in [
            "hi, how much is the day pass?",
            "morning swim times?",
            "你好，几点开门？",
            "hey can I book",
            "hi, new here, where do I park?",
            "hello, just joined, how do I book a desk",
        ] {
            assert!(!is_greeting(t), "{t}");
        }
    }

    #[test]
    fn a_greeting_with_news_asks_nothing() {
        for t in [
            "hiya everyone, first saltmarsh for me this year!",
            "hiya everyone, just joined, we're here next week",
            "hello all, excited for the weekend",
        ] {
            assert!(greets_and_asks_nothing(t), "{t}");
        }
        for t in [
            "hi, how much is the day pass?",
            "hey all, anyone know when the pool opens",
            "hi, can I bring my dog",
            "hiya",
            "history of the club please",
            "hi all, looking for the opening hours",
            "hello, I lost my phone by the main stage",
            "你好，几点开门",
        ] {
            assert!(!greets_and_asks_nothing(t), "{t}");
        }
    }

    #[test]
    fn complaints_in_members_own_words() {
        for t in [
            "third week running my box has turned up with mouldy carrots, honestly fed up with this",
            "the wifi has dropped out every afternoon and nobody has fixed it, not good enough",
            "I want my money back, the class was cancelled twice",
            "my parcel never arrived",
            "菜都烂了，太差了",
            "我要投诉",
        ] {
            assert!(voices_complaint(t), "{t}");
        }
        for t in [
            "what happens if my box never arrived?",
            "can I get a refund if I cancel?",
            "is the third week of the month the seed swap",
            "坏了的东西能修吗？",
            "how do I make a complaint?",
        ] {
            assert!(!voices_complaint(t), "{t}");
        }
    }

    #[test]
    fn questions_that_only_look_alike_are_not_hand_offs() {
        for t in [
            "Are there showers at the workshop?",
            "is there a voice chat mod on the server?",
            "who teaches yin?",
            "can i talk in spanish in chat?",
            "how many people can enter?",
            "Is the staff room open?",
            "人工草坪多少钱？",
            "找不到停车场",
            "can someone from the team fix the printer",
            "I'd rather not pay by card",
        ] {
            assert!(!asks_for_person(t), "{t}");
        }
    }
}
