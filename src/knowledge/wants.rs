//! What a question wants, from how it is asked, in English and Chinese: money ("how much",
//! 多少钱), a duration ("how long", 多久), a count ("how many", 几个), a frequency ("how
//! often", 多久一次), a date or time ("when", 几点), a place ("where", 哪里), a person
//! ("who", 谁), a temperature, a volume ("hold", 装多少), a weight, a size, yes or no ("can
//! I", 能不能), a contact, an explanation ("what happens if"). General question forms of the
//! two languages, not a pack's words.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

/// The kind of answer a question asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Want {
    Money,
    Duration,
    Frequency,
    When,
    Place,
    Person,
    Temperature,
    Volume,
    Weight,
    Size,
    Count,
    /// "how old", "what age", 几岁: an age limit, answered by a key that says age.
    Age,
    Contact,
    YesNo,
    Explain,
}

impl Want {
    pub fn as_str(self) -> &'static str {
        match self {
            Want::Money => "money",
            Want::Duration => "duration",
            Want::Frequency => "frequency",
            Want::When => "date/time",
            Want::Place => "place",
            Want::Person => "person",
            Want::Temperature => "temperature",
            Want::Volume => "volume",
            Want::Weight => "weight",
            Want::Size => "size",
            Want::Count => "count",
            Want::Age => "age",
            Want::Contact => "contact",
            Want::YesNo => "yes/no",
            Want::Explain => "explanation",
        }
    }

    /// Does `word` (normalised) only say more about the kind of answer wanted, so that a
    /// fact of that kind says it already? "When is it open on *weekdays*", "the phone
    /// *number*", "the gala this *year*": the value answers them, whatever its key.
    pub fn says_kind(self, word: &str) -> bool {
        const WHEN: &[&str] = &[
            "year",
            "week",
            "weekday",
            "weekdays",
            "weekend",
            "weekends",
            "day",
            "days",
            "today",
            "tonight",
            "tomorrow",
            "morning",
            "mornings",
            "afternoon",
            "afternoons",
            "evening",
            "evenings",
            "night",
            "nights",
            "month",
            "time",
            "times",
            "date",
            "hour",
            "hours",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "mondays",
            "tuesdays",
            "wednesdays",
            "thursdays",
            "fridays",
            "saturdays",
            "sundays",
            "今年",
            "周末",
            "工作日",
            "平日",
            "每天",
            "早上",
            "晚上",
            "下午",
            "上午",
        ];
        const CONTACT: &[&str] = &["number", "numbers", "details", "号码", "电话号码"];
        const COUNT: &[&str] = &["number", "total", "amount"];
        const MONEY: &[&str] = &["amount", "money"];
        match self {
            Want::When => WHEN.contains(&word),
            Want::Contact => CONTACT.contains(&word),
            Want::Count => COUNT.contains(&word),
            Want::Money => MONEY.contains(&word),
            _ => false,
        }
    }

    /// A measured amount: only a value of a fitting type can answer it.
    pub fn is_measure(self) -> bool {
        matches!(
            self,
            Want::Money
                | Want::Duration
                | Want::Frequency
                | Want::Temperature
                | Want::Volume
                | Want::Weight
                | Want::Count
                | Want::Age
        )
    }
}

/// What a question asks for, and the words of its question form (not topic words).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Asked {
    /// Wanted kinds, strongest first; empty when the form says nothing ("tell me about X").
    pub wants: Vec<Want>,
    /// "how much notice": the noun that says what is measured, when it is not money.
    pub measured: Option<String>,
    /// Normalised words (English) and substrings (Chinese) that belong to the question
    /// form; a topic word is never among them.
    pub form: Vec<String>,
    /// "what time", 几点: a time of day, not a day ("what time must the bin be out on
    /// collection day?" is not answered by the collection day).
    pub clock: bool,
    /// "how many weeks": the unit asked in, singular ("week"); a value in another unit of
    /// the same dimension ("4 hours") answers less well.
    pub unit: Option<String>,
}

impl Asked {
    pub fn first(&self) -> Option<Want> {
        self.wants.first().copied()
    }

    /// Does the question want a measured amount (and nothing else first)?
    pub fn wants_measure(&self) -> bool {
        self.first().is_some_and(Want::is_measure)
    }
}

macro_rules! forms {
    ($( $want:ident : $pattern:expr ),* $(,)?) => {
        static EN: LazyLock<Vec<(Want, Regex)>> = LazyLock::new(|| {
            vec![$( (Want::$want, Regex::new($pattern).unwrap()) ),*]
        });
    };
}

// English forms, in priority order, over normalised text (lower case, single spaces).
forms! {
    Frequency: r"\bhow (?:often|frequently|regularly)\b|\bhow many times\b|\bfrequency\b",
    Temperature: r"\bhow (?:hot|warm|cold|cool)\b|\btemperatures?\b|\bdegrees?\b",
    Weight: r"\bhow heavy\b|\bweigh(?:s|t|ts)?\b|\bhow many (?:grams|kilos|kilograms|kg|pounds|lbs)\b",
    Volume: r"\bhow much (?:water|liquid|milk|coffee|tea|juice|beer|wine|fluid)\b|\bhow many (?:litres|liters|millilitres|milliliters|ml|cups|gallons)\b|\bcapacity\b|\bhold\b|\bholds\b",
    Age: r"\bhow old\b|\bwhat age\b|\bage limits?\b|\b(?:minimum|maximum|min|max) age\b|\b(?:youngest|oldest)\b|\bold enough\b|\btoo (?:young|old)\b|\b\d+ ?(?:years?|yrs?|months?|weeks?|yo)[ -]?old\b|\b\d+ ?yo\b|\baged \d+\b",
    Duration: r"\bhow many (?:seconds|minutes|hours|days|nights|weeks|months|years)\b|\bhow far (?:ahead|in advance)\b|\bhow (?:late|early|soon) (?:can|could|do|must|should) (?:i|we|you)\b|\bin advance\b|\bhow long\b|\bhow soon\b|\bhow quickly\b|\bhow fast\b|\bhow much time\b|\bduration\b|\bfor how long\b|\b(?:minimum|maximum|min|max|shortest|longest) (?:time|length|period|stay)\b",
    Size: r"\bhow (?:big|large|small|tall|wide|deep|high|far)\b|\bwhat size\b|\bsizes?\b|\bdimensions?\b|\bheights?\b|\bwidths?\b|\bdepths?\b|\bhow long is the (?:\w+ )?(?:rope|cable|track|trail|route|course|pool|lane|wall)\b",
    Count: r"\bhow many\b|\bnumber of\b",
    Money: r"\bcosts?\b|\bprices?\b|\b(?:hourly|daily|day|weekly|monthly|nightly|going|student|group) rates?\b|\bpricing\b|\bpriced\b|\bfees?\b|\bcharges?\b|\bcharged\b|\bpay\b|\bworth\b|\bexpensive\b|\bcheap\b|\bafford\b|\bfree\b",
    When: r"\bwhen\b|\bhow late (?:does|do|is|are|will)\b|\bwhat times?\b|\bwhich days?\b|\bwhat days?\b|\bwhat date\b|\bwhat hours\b|\bopening hours\b|\bopen\b|\bclose[sd]?\b|\bschedule[sd]?\b|\btimetable\b|\bstarts?\b|\bbegins?\b|\bfinish(?:es)?\b|\bends\b|\buntil when\b",
    Place: r"\bwhere\b|\bwhich (?:country|city|town|place|region|location|room|building|floor|branch|site|area)\b|\bwhat (?:country|city|address|location|room|floor)\b|\baddress\b|\blocated\b|\blocation\b|\bcome from\b|\bcomes from\b",
    Person: r"\bwho\b|\bwhom\b|\bwhose\b|\bwhich (?:teacher|coach|instructor|person|trainer|staff|guide|leader|host)\b",
    Contact: r"\be ?mail\b|\bphone\b|\btelephone\b|\bcall\b|\bring\b|\bdial\b|\b(?:what|which) number\b|\bnumbers? (?:for|to call|to ring|to text)\b|\bcontact\b|\breach\b|\bwebsite\b",
    Explain: r"\bwhat happens\b|\bwhat if\b|\bhow (?:do|can|should|would) (?:i|we|you)\b|\bhow to\b|\bwhy\b|\bwhat should i do\b",
}

static CLOCK: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"\bwhat times?\b|\bhow early\b|\bhow late\b|\bwhat hour\b").expect("clock form")
});

static ZH_EVERY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:多久|多长时间|几分钟|几小时)\p{Han}{0,2}一(?:次|班|趟)")
        .expect("Chinese frequency form")
});

static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bhow many (second|minute|hour|day|night|week|month|year)s?\b").expect("unit form")
});

/// What follows "how much" when it asks for money ("how much is it", "how much?").
const HOW_MUCH_MONEY: &[&str] = &[
    "is", "are", "does", "do", "did", "would", "will", "for", "to", "it", "they", "a", "an", "the",
    "per", "each", "should", "can", "could", "i", "we", "you", "extra", "more", "was", "money",
    "cash", "dollars", "euros", "pounds",
];

static YES_NO_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:can|could|may|is|are|do|does|did|will|would|should|shall|have|has|am|isn)\b|\b(?:is|are) there\b|\bdo you (?:have|offer|sell|do)\b")
        .unwrap()
});

static WH_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:how|what|when|where|who|whom|whose|which|why)\b").expect("question word")
});

/// Chinese forms, in priority order (substrings of the question).
const ZH: &[(Want, &[&str])] = &[
    (
        Want::Frequency,
        &[
            "多久收一次",
            "多久一次",
            "多长时间一次",
            "几次",
            "多少次",
            "频率",
            "每隔多久",
            "多久送一次",
            "多久来一次",
            "多久更新一次",
        ],
    ),
    (
        Want::Temperature,
        &["温度", "多热", "几度", "多少度", "多冷"],
    ),
    (
        Want::Weight,
        &[
            "多重",
            "重量",
            "几克",
            "多少克",
            "几公斤",
            "多少公斤",
            "几斤",
        ],
    ),
    (
        Want::Volume,
        &["装多少", "容量", "多少水", "几升", "多少升", "多少毫升"],
    ),
    (
        Want::Duration,
        &[
            "多久",
            "多长时间",
            "多长",
            "几天",
            "多少天",
            "几个月",
            "多少个月",
            "几分钟",
            "多少分钟",
            "几小时",
            "多少小时",
            "几个小时",
            "几年",
            "多少年",
            "有效期",
            "几周",
            "多少周",
        ],
    ),
    (
        Want::Age,
        &[
            "几岁",
            "多大年龄",
            "年龄",
            "多大的孩子",
            "多大的宝宝",
            "多大的狗",
            "多大的猫",
            "几个月大",
        ],
    ),
    (
        Want::Size,
        &["多大", "尺寸", "大小", "多高", "多宽", "尺码"],
    ),
    (
        Want::Count,
        &[
            "几个",
            "多少个",
            "多少条",
            "几条",
            "多少种",
            "几种",
            "多少人",
            "几人",
            "几位",
            "多少名",
            "几名",
            "名额",
            "多少位",
            "几张",
            "多少张",
        ],
    ),
    (
        Want::Money,
        &[
            "多少钱",
            "价格",
            "价钱",
            "费用",
            "几块",
            "多少元",
            "收费",
            "贵",
            "便宜",
            "花多少",
            "押金",
            "定金",
            "订金",
            "租金",
            "交多少",
            "付多少",
            "罚款",
            "罚金",
            "钱",
            "免费",
        ],
    ),
    (
        Want::When,
        &[
            "什么时候",
            "几点",
            "哪天",
            "几号",
            "日期",
            "何时",
            "开门",
            "关门",
            "营业时间",
            "时间表",
            "哪几天",
            "星期几",
            "周几",
            "开始",
            "截止",
            "开放时间",
            "几点开",
            "几点关",
        ],
    ),
    (
        Want::Place,
        &[
            "哪里",
            "哪儿",
            "在哪",
            "哪个国家",
            "什么地方",
            "地址",
            "位置",
            "哪家",
            "产地",
            "来自",
        ],
    ),
    (Want::Person, &["谁", "哪位", "哪个老师", "哪个教练"]),
    (Want::Contact, &["电话", "邮箱", "联系", "邮件", "网址"]),
    (
        Want::Explain,
        &["怎么", "如何", "为什么", "会怎样", "怎么办", "会怎么样"],
    ),
];

const ZH_YES_NO: &[&str] = &[
    "能不能",
    "可不可以",
    "可以",
    "有没有",
    "是否",
    "能否",
    "会不会",
    "是不是",
    "允许",
    "吗",
];

/// Read what `normalized` (see [`crate::text::normalize`]) asks for.
pub fn wanted(normalized: &str) -> Asked {
    let mut asked = Asked::default();
    let add = |w: Want, asked: &mut Asked| {
        if !asked.wants.contains(&w) {
            asked.wants.push(w);
        }
    };
    // "how much N": money unless N names what is measured.
    let words: Vec<&str> = normalized.split(' ').collect();
    for (i, pair) in words.windows(2).enumerate() {
        if pair == ["how", "much"] {
            asked.form.extend(["how".to_string(), "much".to_string()]);
            match words.get(i + 2) {
                None => add(Want::Money, &mut asked),
                Some(next) if HOW_MUCH_MONEY.contains(next) => add(Want::Money, &mut asked),
                Some(next) => asked.measured = Some(next.to_string()),
            }
        }
    }
    let yes_no_start = YES_NO_START
        .find(normalized)
        .is_some_and(|m| m.start() == 0);
    for (want, re) in EN.iter() {
        for m in re.find_iter(normalized) {
            if *want == Want::Money && asked.measured.is_some() && m.as_str() == "free" {
                continue;
            }
            // "can I pay cash / by card / in instalments?" asks how, not how much.
            if *want == Want::Money
                && m.as_str() == "pay"
                && super::question_text::pays_how(&normalized[m.end()..])
            {
                continue;
            }
            // "do I keep my stuff when I die?", "what happens if I'm late when…": a "when"
            // clause inside a question that asks something else is a condition.
            let clause = matches!(m.as_str(), "when" | "who" | "whom" | "where");
            if clause && m.start() > 0 && (yes_no_start || asked.wants.contains(&Want::Explain)) {
                continue;
            }
            add(*want, &mut asked);
            asked.form.extend(m.as_str().split(' ').map(str::to_string));
        }
    }
    asked.clock = (CLOCK.is_match(normalized) && !asked.wants.contains(&Want::Duration))
        || normalized.contains("几点");
    asked.unit = UNIT
        .captures(normalized)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string());
    // "how many hours", "how many grams": a measure in a unit, not a count of things.
    if asked.unit.is_some()
        || asked
            .wants
            .iter()
            .any(|w| matches!(w, Want::Weight | Want::Volume) && normalized.contains("how many"))
    {
        asked.wants.retain(|w| *w != Want::Count);
    }
    let mut zh_asks = false;
    // 多久打一次, 多长时间换一次: how long between two doings of any verb.
    if let Some(m) = ZH_EVERY.find(normalized) {
        zh_asks = true;
        add(Want::Frequency, &mut asked);
        asked.form.push(m.as_str().to_string());
    }
    for (want, phrases) in ZH {
        for p in *phrases {
            if normalized.contains(p) {
                zh_asks = true;
                add(*want, &mut asked);
                asked.form.push(p.to_string());
            }
        }
    }
    // A measured noun that a later form explains ("how much water" → volume) is not a topic.
    if let Some(n) = &asked.measured {
        if asked.form.contains(n) {
            asked.measured = None;
        }
    }
    // "who can join?", "who is eligible for …": who may do it, a group of people, not a
    // person's name ("who can I talk to?" still asks one).
    if super::question_text::asks_who_may(normalized) {
        asked.wants.retain(|w| *w != Want::Person);
    }
    // The question word that opens the question says most: "who is in charge of the pool"
    // asks a person, whatever "charge" says.
    for (lead, want) in [
        ("who", Want::Person),
        ("where", Want::Place),
        ("when", Want::When),
    ] {
        if normalized.starts_with(&format!("{lead} ")) {
            if let Some(i) = asked.wants.iter().position(|w| *w == want) {
                let w = asked.wants.remove(i);
                asked.wants.insert(0, w);
            }
        }
    }
    // "how old do you have to be", "what time is there a bus": a question that opens with a
    // question word asks that, and the yes/no form inside it is only its wording.
    let wh_start = WH_START.is_match(normalized);
    let yes_no = YES_NO_START
        .find(normalized)
        .filter(|m| m.start() == 0 || !wh_start);
    if let Some(m) = yes_no {
        add(Want::YesNo, &mut asked);
        asked.form.extend(m.as_str().split(' ').map(str::to_string));
    } else if ZH_YES_NO
        .iter()
        // 可以 and 允许 say "may", not "whether": 早点交可以便宜多少 asks how much.
        .filter(|p| !zh_asks || !matches!(**p, "可以" | "允许"))
        .any(|p| normalized.contains(p))
    {
        add(Want::YesNo, &mut asked);
        for p in ZH_YES_NO.iter().filter(|p| normalized.contains(*p)) {
            asked.form.push(p.to_string());
        }
    }
    // A yes/no question about a measured thing ("is the sauna free?") wants yes/no first
    // only when nothing else asked first.
    asked.form.sort();
    asked.form.dedup();
    asked
}

#[cfg(test)]
#[path = "wants_tests.rs"]
mod tests;
