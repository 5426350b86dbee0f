//! What an attribute's value is, read off the value as an admin wrote it: an amount of
//! money in a currency, a duration, a frequency, a date, a time, a weekly schedule, a
//! temperature, a volume, a weight, a length, a count, a share, yes or no, a contact, an
//! address, or free text. Typed once when a pack loads, so that a question's wanted answer
//! is met only by values that can answer it (a price never answers "how much water does it
//! hold").

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

/// The kind of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    Money,
    Percent,
    Duration,
    Frequency,
    Date,
    Time,
    Schedule,
    Temperature,
    Volume,
    Weight,
    Length,
    /// "25 km/h": a speed, not the length its unit starts with.
    Speed,
    Count,
    YesNo,
    Email,
    Phone,
    Url,
    Address,
    Text,
}

impl ValueType {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Money => "money",
            ValueType::Percent => "percent",
            ValueType::Duration => "duration",
            ValueType::Frequency => "frequency",
            ValueType::Date => "date",
            ValueType::Time => "time",
            ValueType::Schedule => "schedule",
            ValueType::Temperature => "temperature",
            ValueType::Volume => "volume",
            ValueType::Weight => "weight",
            ValueType::Length => "length",
            ValueType::Speed => "speed",
            ValueType::Count => "count",
            ValueType::YesNo => "yes/no",
            ValueType::Email => "email",
            ValueType::Phone => "phone",
            ValueType::Url => "url",
            ValueType::Address => "address",
            ValueType::Text => "text",
        }
    }

    /// An amount measured in a unit (what a wrong unit or role would change).
    pub fn is_measure(self) -> bool {
        matches!(
            self,
            ValueType::Money
                | ValueType::Percent
                | ValueType::Duration
                | ValueType::Frequency
                | ValueType::Temperature
                | ValueType::Volume
                | ValueType::Weight
                | ValueType::Length
                | ValueType::Speed
                | ValueType::Count
        )
    }
}

/// The types a value can answer as, most specific first (a value may be two things:
/// "every Monday 9:00" is a schedule and a frequency; "2026-12-12 18:00" a date and a time).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Typed {
    pub types: Vec<ValueType>,
    /// The currency of an amount of money, as written ("USD", "$").
    pub currency: Option<String>,
    /// The value gives a time of day ("07:00", "Tue and Thu 19:30"): it answers "what time".
    pub clock: bool,
}

impl Typed {
    pub fn primary(&self) -> ValueType {
        self.types.first().copied().unwrap_or(ValueType::Text)
    }

    pub fn is(&self, t: ValueType) -> bool {
        self.types.contains(&t)
    }
}

macro_rules! re {
    ($name:ident, $pattern:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($pattern).unwrap());
    };
}

/// A number as admins write it: 12, 18.50, 1,200, ½ aside.
const NUM: &str = r"\d+(?:[.,]\d+)*";
re!(EMAIL, r"^[^\s@]+@[^\s@]+\.[a-z]{2,}$");
re!(URL, r"^(?:https?://|www\.)\S+$");
re!(PHONE, r"^\+?[\d\s().-]{7,}$");
re!(YES_NO, r"^(?:yes|no|true|false|not)\b");
re!(
    MONEY,
    &format!(
        r"(?:[$€£¥￥]\s?{NUM}|{NUM}\s?(?:usd|eur|gbp|cny|rmb|jpy|cad|aud|chf|nzd|sgd|hkd|inr|sek|nok|dkk|pln|czk|brl|mxn|krw|twd|euros?|dollars?|pounds?|yuan|元|块)\b|\b(?:usd|eur|gbp|cny|rmb|cad|aud|chf)\s?{NUM}|^free\b)"
    )
);
re!(PERCENT, &format!(r"{NUM}\s?(?:%|percent\b)"));
re!(
    TEMPERATURE,
    &format!(r"{NUM}\s?(?:°\s?[cf]?|℃|℉|degrees?\b|deg\b)")
);
re!(
    VOLUME,
    &format!(
        r"{NUM}\s?(?:l|litres?|liters?|ml|millilitres?|milliliters?|cl|dl|gal|gallons?|fl\.? ?oz|cups?|升|毫升)(?:\b|$)"
    )
);
re!(
    WEIGHT,
    &format!(
        r"{NUM}\s?(?:g|grams?|grammes?|kg|kgs|kilos?|kilograms?|mg|lbs?|pounds?|oz|ounces?|tonnes?|克|公斤|千克|斤)(?:\b|$)"
    )
);
re!(
    LENGTH,
    &format!(
        r"{NUM}\s?(?:mm|cm|m|km|metres?|meters?|kilometres?|kilometers?|in|inch(?:es)?|ft|feet|foot|yards?|miles?|m²|m2|sq ?m|square (?:metres?|meters?|feet)|米|公里|厘米)(?:\b|$)"
    )
);
re!(
    SPEED,
    &format!(
        r"{NUM}\s?(?:km/h|kmh|kph|mph|m/s|km per hour|miles per hour|knots?|公里/小时|公里每小时)"
    )
);
re!(
    FREQUENCY,
    r"\b(?:every (?:other )?(?:mon|tues|wednes|thurs|fri|satur|sun)days?|every (?:other )?(?:\d+ )?(?:minute|hour|day|week|fortnight|month|quarter|year|season)s?|(?:once|twice|\d+ times|three times|four times) (?:a|an|per|every|each) \w+|daily|weekly|fortnightly|biweekly|monthly|quarterly|yearly|annually|hourly|per (?:day|week|month|year))\b|每(?:天|周|月|年|隔)"
);
re!(
    DURATION,
    &format!(
        r"(?:{NUM}(?:\s?(?:-|–|to)\s?{NUM})?(?:\s|-)?(?:business |working |calendar )?(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|h|days?|nights?|weeks?|wks?|months?|years?|yrs?)\b|\b(?:an?|one|half an?) (?:hour|day|week|month|year)\b|{NUM}\s?(?:分钟|小时|天|周|个月|年))"
    )
);
re!(
    DATE,
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}(?:st|nd|rd|th)? (?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b|\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?) \d{1,2}(?:st|nd|rd|th)?\b|\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?) (?:to|until|-|–) (?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b|\d+月\d+日"
);
re!(
    TIME,
    r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?(?:am|pm|a\.m\.|p\.m\.)|\b(?:noon|midnight)\b|\d+点"
);
re!(
    WEEKDAY,
    // "wednes" and "satur": Wednesday and Saturday are not "wed" or "sat" and a "day".
    r"\b(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day|days|s)?\b|\b(?:weekdays?|weekends?|daily)\b|周[一二三四五六日末]|星期[一二三四五六日天]"
);
re!(
    ADDRESS,
    r"^\d+[a-z]?,? [\w .'-]*\b(?:street|st|avenue|ave|road|rd|lane|ln|way|boulevard|blvd|drive|dr|square|sq|place|pl|court|ct|terrace|parade|close|crescent|highway|hwy|row|walk|gardens?|park|quay|wharf|embankment)\b|路\d+号|街\d+号"
);
re!(VERSION, r"\b\d+\.\d+\.\d+\b");
re!(
    COUNT,
    &format!(
        r"^{NUM}(?:\s+[a-z][a-z -]*)?$|^(?:max(?:imum)?|min(?:imum)?|up to|at most|at least|about|around)\s+{NUM}\b|^{NUM}\s?[个人位名张次]"
    )
);

/// Type `value` (as written in the pack).
pub fn type_value(value: &str) -> Typed {
    // Full-width digits and units (１８．５０, ℃) as ASCII.
    let v: String = value.trim().nfkc().collect::<String>().to_lowercase();
    let mut types = Vec::new();
    let mut currency = None;
    let push = |t: ValueType, types: &mut Vec<ValueType>| {
        if !types.contains(&t) {
            types.push(t);
        }
    };
    if v.is_empty() {
        return Typed {
            types: vec![ValueType::Text],
            currency,
            clock: false,
        };
    }
    if EMAIL.is_match(&v) {
        push(ValueType::Email, &mut types);
    } else if URL.is_match(&v) {
        push(ValueType::Url, &mut types);
    } else if PHONE.is_match(&v)
        && v.chars().filter(char::is_ascii_digit).count() >= 7
        && !DATE.is_match(&v)
    {
        push(ValueType::Phone, &mut types);
    }
    if YES_NO.is_match(&v) {
        push(ValueType::YesNo, &mut types);
    }
    if let Some(m) = MONEY.find(&v) {
        push(ValueType::Money, &mut types);
        currency = Some(
            m.as_str()
                .trim_matches(|c: char| {
                    c.is_ascii_digit() || c == '.' || c == ',' || c.is_whitespace()
                })
                .to_uppercase(),
        );
    }
    if PERCENT.is_match(&v) {
        push(ValueType::Percent, &mut types);
    }
    if TEMPERATURE.is_match(&v) {
        push(ValueType::Temperature, &mut types);
    }
    // "52.00 GBP per year" is a price by the year, not something that happens yearly.
    let rate_only = types.contains(&ValueType::Money)
        && FREQUENCY
            .find_iter(&v)
            .all(|m| m.as_str().starts_with("per ") || m.as_str().ends_with("ly"));
    if FREQUENCY.is_match(&v) && !rate_only {
        push(ValueType::Frequency, &mut types);
    }
    let weekday = WEEKDAY.is_match(&v);
    let time = TIME.is_match(&v) && !MONEY.is_match(&v) && !VERSION.is_match(&v);
    if weekday {
        push(ValueType::Schedule, &mut types);
    }
    if DATE.is_match(&v) {
        push(ValueType::Date, &mut types);
    }
    if time {
        push(
            if weekday {
                ValueType::Schedule
            } else {
                ValueType::Time
            },
            &mut types,
        );
        if TIME.find_iter(&v).count() >= 2 {
            push(ValueType::Schedule, &mut types);
        }
    }
    // "3 hours every 4 weeks" is how long, then how often; "every 2 weeks" only how often.
    let leading_duration = DURATION
        .find(&v)
        .is_some_and(|d| FREQUENCY.find(&v).is_some_and(|f| d.end() <= f.start()));
    if (!types.contains(&ValueType::Frequency) || leading_duration) && DURATION.is_match(&v) {
        push(ValueType::Duration, &mut types);
    }
    if VOLUME.is_match(&v) {
        push(ValueType::Volume, &mut types);
    }
    if WEIGHT.is_match(&v) && !types.contains(&ValueType::Money) {
        push(ValueType::Weight, &mut types);
    }
    if SPEED.is_match(&v) {
        push(ValueType::Speed, &mut types);
    } else if LENGTH.is_match(&v) {
        push(ValueType::Length, &mut types);
    }
    if ADDRESS.is_match(&v) {
        push(ValueType::Address, &mut types);
    }
    if types.is_empty() && COUNT.is_match(&v) && !VERSION.is_match(&v) {
        push(ValueType::Count, &mut types);
    }
    if types.is_empty() || types == [ValueType::YesNo] && v.split_whitespace().count() > 2 {
        push(ValueType::Text, &mut types);
    }
    Typed {
        types,
        currency,
        clock: time,
    }
}

/// The unit word right after a number in `text` (lower case), for checking that a claim
/// keeps its value's unit: "39.00 liters" → "liters".
pub fn unit_after(text: &str, number_end: usize) -> Option<String> {
    let rest = text.get(number_end..)?.trim_start();
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphabetic() || matches!(c, '°' | '%' | '℃' | '$' | '€' | '£'))
        .collect();
    (!word.is_empty()).then(|| word.to_lowercase())
}

/// The measure a unit word belongs to ("liters" → volume, "usd" → money).
pub fn unit_type(unit: &str) -> Option<ValueType> {
    let probe = format!("1 {unit}");
    let t = type_value(&probe);
    t.types
        .into_iter()
        .find(|t| t.is_measure() && *t != ValueType::Count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ValueType::*;

    fn t(v: &str) -> Vec<ValueType> {
        type_value(v).types
    }

    #[test]
    fn values_are_typed_as_admins_write_them() {
        assert_eq!(t("39.00 USD"), [Money]);
        assert_eq!(type_value("39.00 USD").currency.as_deref(), Some("USD"));
        assert_eq!(t("$12"), [Money]);
        assert_eq!(t("£5"), [Money]);
        assert_eq!(t("free"), [Money]);
        assert_eq!(t("0.9 L"), [Volume]);
        assert_eq!(t("1 litre"), [Volume]);
        assert_eq!(t("250 g"), [Weight]);
        assert_eq!(t("1.2 kg"), [Weight]);
        assert_eq!(t("75 minutes"), [Duration]);
        assert_eq!(t("2 business days"), [Duration]);
        assert_eq!(t("30 days"), [Duration]);
        assert!(t("30-day ban").contains(&Duration));
        assert!(!t("1 Market Square, Millbrook").contains(&Date));
        assert!(t("March to November").contains(&Date));
        assert_eq!(t("6 months"), [Duration]);
        assert_eq!(t("every 2 weeks"), [Frequency]);
        assert_eq!(t("3 hours every 4 weeks"), [Frequency, Duration]);
        assert_eq!(t("weekly"), [Frequency]);
        assert_eq!(t("twice a week"), [Frequency]);
        assert_eq!(t("38 °C"), [Temperature]);
        assert_eq!(t("38°C"), [Temperature]);
        assert_eq!(t("2026-12-12"), [Date]);
        assert_eq!(t("18:00"), [Time]);
        assert_eq!(t("Tue and Thu 19:30"), [Schedule]);
        assert_eq!(t("first Saturday of November"), [Schedule]);
        assert_eq!(t("Wednesdays"), [Schedule]);
        assert_eq!(t("Saturday 10:00"), [Schedule]);
        assert_eq!(t("Mon–Fri 08:00–18:00"), [Schedule]);
        assert_eq!(t("every Monday"), [Frequency, Schedule]);
        assert_eq!(t("52.00 GBP per year"), [Money]);
        assert_eq!(t("8 GBP monthly"), [Money]);
        assert_eq!(t("12"), [Count]);
        assert_eq!(t("12 seats"), [Count]);
        assert_eq!(t("max 9 babies, each with one adult in the water"), [Count]);
        assert_eq!(t("up to 4 guests (members only)"), [Count]);
        assert!(!t("14 Ormond Quay Upper, Dublin 7, D07 F2K9").contains(&Count));
        assert!(t("14 Ormond Quay Upper, Dublin 7, D07 F2K9").contains(&Address));
        assert_eq!(t("10%"), [Percent]);
        assert_eq!(t("no"), [YesNo]);
        assert_eq!(t("yes"), [YesNo]);
        assert_eq!(t("true"), [YesNo]);
        assert_eq!(t("care@example.org"), [Email]);
        assert_eq!(t("+1 503 555 0142"), [Phone]);
        assert_eq!(t("https://example.org/x"), [Url]);
        assert_eq!(t("410 Water Avenue, Portland"), [Address]);
        assert_eq!(t("100 points = 5 USD off"), [Money]);
        assert_eq!(t("Slow class with long-held floor poses"), [Text]);
        assert_eq!(t("15 m"), [Length]);
        assert_eq!(t("54 cm"), [Length]);
        assert_eq!(t("25 km/h"), [Speed]);
        assert_eq!(t("up to 90 km"), [Length]);
        assert_eq!(t("1.20.4"), [Text]);
    }

    #[test]
    fn units_after_numbers_name_their_measure() {
        let s = "The kettle holds 39.00 liters of water.";
        let end = s.find("39.00").unwrap() + 5;
        assert_eq!(unit_after(s, end).as_deref(), Some("liters"));
        assert_eq!(unit_type("liters"), Some(Volume));
        assert_eq!(unit_type("usd"), Some(Money));
        assert_eq!(unit_type("days"), Some(Duration));
        assert_eq!(unit_type("of"), None);
    }
}
