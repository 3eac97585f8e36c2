//! "Who could help" with a request: simple matching a coordinator can
//! check by eye. The request's category and description, and each active
//! member's skills and open offers, are cut into normalised words (lower
//! case, at least [`MIN_WORD_CHARS`] letters, a few common words left out,
//! a plural "s" or an "-ing" taken off: "bikes" and "biking" are "bike");
//! a member matches when one of their skills or offers shares a word with
//! the request, and every match says which skill or offer and which words.
//! No I/O: the console reads the register and hands it in.

use std::collections::BTreeSet;

/// Shorter words say too little to match on ("a", "to", "of").
pub const MIN_WORD_CHARS: usize = 3;
/// Members a request's list shows at most, best matches first.
pub const MAX_HELPERS_SHOWN: usize = 50;
/// The endings taken off: "-ing", a plural "-ies" (made "-y"), a plural "-s" (not "-ss").
const ING: &str = "ing";
const IES: &str = "ies";
const SS: &str = "ss";
/// Words too common in requests and offers to say anything (English and Welsh).
const COMMON_WORDS: &[&str] = &[
    "and", "the", "for", "with", "help", "need", "needs", "needed", "can", "someone", "some", "who", "would", "please", "from", "this",
    "that", "any", "have", "will", "able", "like", "get", "our", "your", "their", "about", "into", "out", "week", "day", "ac", "gyda",
    "angen", "helpu", "rhywun", "sydd", "mae", "ein", "eich", "neu", "gan", "dros", "wrth", "yr",
];

/// A word as matching sees it, or `None` for a word too short or too common.
fn normalised(word: &str) -> Option<String> {
    let mut w = word.to_lowercase();
    if w.chars().count() < MIN_WORD_CHARS || COMMON_WORDS.contains(&w.as_str()) {
        return None;
    }
    if w.len() > 5 && w.ends_with(ING) {
        w.truncate(w.len() - 3);
        // "shopping" → "shopp" → "shop"; not "dressing" → "dres".
        let b = w.as_bytes();
        if b.len() > 3 && b[b.len() - 1] == b[b.len() - 2] && !matches!(b[b.len() - 1], b's' | b'l' | b'f' | b'z') {
            w.pop();
        }
    } else if w.len() > 4 && w.ends_with(IES) {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.len() > 3 && w.ends_with('s') && !w.ends_with(SS) {
        w.pop();
    }
    Some(w)
}

/// The normalised words of a text.
pub fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter_map(normalised).collect()
}

/// A member who might help: their name, skills and open offers as written.
pub struct Candidate {
    pub code: String,
    pub name: String,
    pub skills: Vec<String>,
    /// Each open offer's category and description.
    pub offers: Vec<(String, String)>,
}

/// Where a match was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// One of the member's skills, as written in the register.
    Skill(String),
    /// One of their open offers (its category and description).
    Offer(String),
}

/// Why a member is on the list: what matched, and on which words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub found: Found,
    pub words: Vec<String>,
}

/// A member who could help, best first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helper {
    pub code: String,
    pub name: String,
    pub reasons: Vec<Reason>,
}

/// The members among `candidates` whose skills or offers share a word with
/// `request` (its category and description): those sharing most words
/// first, then by name; at most [`MAX_HELPERS_SHOWN`].
pub fn who_could_help(request: &str, candidates: Vec<Candidate>) -> Vec<Helper> {
    let wanted = words(request);
    let shared = |text: &str| -> Vec<String> { words(text).intersection(&wanted).cloned().collect() };
    let mut helpers: Vec<(usize, Helper)> = Vec::new();
    for c in candidates {
        let mut reasons = Vec::new();
        for skill in &c.skills {
            let words = shared(skill);
            if !words.is_empty() {
                reasons.push(Reason { found: Found::Skill(skill.clone()), words });
            }
        }
        for (category, description) in &c.offers {
            let words = shared(&format!("{category} {description}"));
            if !words.is_empty() {
                reasons.push(Reason { found: Found::Offer(format!("{category}: {description}")), words });
            }
        }
        if !reasons.is_empty() {
            let distinct: BTreeSet<&String> = reasons.iter().flat_map(|r| r.words.iter()).collect();
            helpers.push((distinct.len(), Helper { code: c.code, name: c.name, reasons }));
        }
    }
    helpers.sort_by(|(a, x), (b, y)| b.cmp(a).then_with(|| x.name.to_lowercase().cmp(&y.name.to_lowercase())));
    helpers.into_iter().take(MAX_HELPERS_SHOWN).map(|(_, h)| h).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, skills: &[&str], offers: &[(&str, &str)]) -> Candidate {
        Candidate {
            code: format!("code-{name}"),
            name: name.to_string(),
            skills: skills.iter().map(|s| s.to_string()).collect(),
            offers: offers.iter().map(|(c, d)| (c.to_string(), d.to_string())).collect(),
        }
    }

    #[test]
    fn words_lose_case_plurals_and_ing_but_keep_their_stem() {
        let got: Vec<String> = words("Fixing BIKES, shopping and gardening for the Lunch-Club's parties").into_iter().collect();
        assert_eq!(got, ["bike", "club", "fix", "garden", "lunch", "party", "shop"]);
        assert!(words("a to of help and").is_empty(), "short and common words say nothing");
        assert_eq!(words("dressing glass"), words("dress glass"));
    }

    #[test]
    fn dais_request_for_bike_repair_lists_ifan_whose_skills_say_bikes_and_says_why() {
        let members = vec![
            member("Nia", &["baking", "reading aloud"], &[]),
            member("Ifan", &["fixing bikes", "gardening"], &[]),
            member("Bethan", &[], &[("transport", "I can repair a puncture on a bike")]),
        ];
        let helpers = who_could_help("bike repair My bike's chain keeps slipping", members);
        let names: Vec<&str> = helpers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["Bethan", "Ifan"], "Bethan's offer shares two words, Ifan's skill one; Nia none");
        assert_eq!(helpers[1].reasons, [Reason { found: Found::Skill("fixing bikes".into()), words: vec!["bike".into()] }]);
        assert_eq!(helpers[0].reasons[0].words, ["bike", "repair"]);
    }

    #[test]
    fn a_request_with_no_shared_word_has_no_one_and_the_list_is_bounded() {
        assert!(who_could_help("knitting", vec![member("Ifan", &["bikes"], &[])]).is_empty());
        let many = (0..MAX_HELPERS_SHOWN + 10).map(|i| member(&format!("M{i:03}"), &["garden"], &[])).collect();
        assert_eq!(who_could_help("gardening", many).len(), MAX_HELPERS_SHOWN);
    }
}
