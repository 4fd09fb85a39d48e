//! Words that depend on a number or on the next word: plurals and the indefinite article, so
//! nothing a person reads says "1 run(s)", "1 anomalies" or "a openai profile".
//!
//! Owns English number and article agreement for every message, screen and prompt. Pure;
//! must not know any noun in particular beyond the irregular ones it lists.

/// `1 run`, `2 runs`, `0 runs`: the count with its noun in the right number.
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    format!("{n} {}", noun_for(n, noun))
}

/// The noun alone, in the number `n` asks for: `run` for 1, `runs` otherwise.
pub fn noun_for(n: impl Into<u64>, noun: &str) -> String {
    if n.into() == 1 {
        noun.to_string()
    } else {
        plural(noun)
    }
}

/// The plural of a regular English noun (`anomaly` → `anomalies`, `match` → `matches`).
pub fn plural(noun: &str) -> String {
    let lower = noun.to_ascii_lowercase();
    let ends_y_after_consonant = lower.ends_with('y')
        && lower
            .chars()
            .rev()
            .nth(1)
            .is_some_and(|c| c.is_ascii_alphabetic() && !"aeiou".contains(c));
    if ends_y_after_consonant {
        format!("{}ies", &noun[..noun.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| lower.ends_with(end))
    {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

/// `a` or `an`, for the word that follows, by how it sounds: `an openai`, `a gemini`,
/// `a unit`, `an hour`.
pub fn article(word: &str) -> &'static str {
    let w = word.trim_start_matches(|c: char| !c.is_alphanumeric());
    let lower = w.to_ascii_lowercase();
    // A vowel letter that sounds like a consonant, and a silent h.
    const A_BEFORE: [&str; 6] = ["uni", "use", "usa", "eu", "one", "once"];
    const AN_BEFORE: [&str; 3] = ["hour", "honest", "honou"];
    if A_BEFORE.iter().any(|p| lower.starts_with(p)) {
        return "a";
    }
    if AN_BEFORE.iter().any(|p| lower.starts_with(p)) {
        return "an";
    }
    match lower.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        // Digits read aloud: 8 and 11/18 start with a vowel sound.
        Some('8') => "an",
        Some('1') if lower.starts_with("11") || lower.starts_with("18") => {
            let digits = lower.chars().take_while(|c| c.is_ascii_digit()).count();
            if digits == 2 || digits == 5 {
                "an"
            } else {
                "a"
            }
        }
        _ => "a",
    }
}

/// The word with its article: `an openai`, `a gemini`.
pub fn with_article(word: &str) -> String {
    format!("{} {word}", article(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(count(0u64, "run"), "0 runs");
        assert_eq!(count(1u64, "run"), "1 run");
        assert_eq!(count(2u32, "run"), "2 runs");
        assert_eq!(count(1u64, "anomaly"), "1 anomaly");
        assert_eq!(count(3u64, "anomaly"), "3 anomalies");
        assert_eq!(count(2u64, "day"), "2 days");
        assert_eq!(count(2u64, "retry"), "2 retries");
        assert_eq!(count(2u64, "match"), "2 matches");
        assert_eq!(count(2u64, "process"), "2 processes");
        assert_eq!(noun_for(1u64, "event"), "event");
        assert_eq!(noun_for(7u64, "event"), "events");
    }

    #[test]
    fn articles_follow_the_sound() {
        assert_eq!(with_article("openai"), "an openai");
        assert_eq!(with_article("anthropic"), "an anthropic");
        assert_eq!(with_article("ollama"), "an ollama");
        assert_eq!(with_article("gemini"), "a gemini");
        assert_eq!(with_article("assign"), "an assign");
        assert_eq!(with_article("retry"), "a retry");
        assert_eq!(with_article("unit"), "a unit");
        assert_eq!(with_article("user"), "a user");
        assert_eq!(with_article("hour"), "an hour");
        assert_eq!(with_article("8-bit"), "an 8-bit");
        assert_eq!(with_article("11"), "an 11");
        assert_eq!(with_article("12"), "a 12");
        assert_eq!(with_article("`openai`"), "an `openai`");
    }
}
