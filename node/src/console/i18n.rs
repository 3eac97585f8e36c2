//! The console's words, in Welsh and English: Fluent resources, one file
//! per part of the console in `node/locales/en/` and a twin of the same
//! name in `node/locales/cy/` (compiled into the binary), one bundle
//! per language with that language's plural rules (Welsh has six forms:
//! zero, one, two, few, many, other). Templates ask a [`Tr`] for a message
//! by id; nothing a person reads is written in the code.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::accounts::Language;

/// The console's Fluent files, by part: (name, English, Welsh).
macro_rules! resources {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../locales/en/", $name, ".ftl")), include_str!(concat!("../../locales/cy/", $name, ".ftl")))),*]
    };
}
const RESOURCES: &[(&str, &str, &str)] = resources![
    "common",
    "sign-in",
    "dashboard",
    "members",
    "exchanges",
    "exchanges-more",
    "listings",
    "proposals",
    "reports",
    "federation",
    "import",
    "rights",
];

/// Welsh month names, in order (for dates the console writes out).
const CY_MONTHS: [&str; 12] =
    ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr"];
const EN_MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/// Short month names, for a chart's labels.
const CY_SHORT_MONTHS: [&str; 12] = ["Ion", "Chwef", "Maw", "Ebr", "Mai", "Meh", "Gorff", "Awst", "Medi", "Hyd", "Tach", "Rhag"];
const EN_SHORT_MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

struct Bundles {
    en: FluentBundle<FluentResource>,
    cy: FluentBundle<FluentResource>,
}

/// One language's bundle, from its file of each part.
fn bundle(tag: &str, source_of: fn(&(&str, &'static str, &'static str)) -> &'static str) -> FluentBundle<FluentResource> {
    let lang: unic_langid::LanguageIdentifier = tag.parse().expect("a language tag");
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    // Isolation marks around arguments would show in plain-text fields and tests; the console is left-to-right only.
    bundle.set_use_isolating(false);
    for part in RESOURCES {
        let name = part.0;
        let resource = FluentResource::try_new(source_of(part).to_string())
            .unwrap_or_else(|(_, errors)| panic!("{tag}/{name}.ftl does not parse: {errors:?}"));
        bundle.add_resource(resource).unwrap_or_else(|errors| panic!("{tag}/{name}.ftl repeats a message: {errors:?}"));
    }
    bundle
}

static BUNDLES: LazyLock<Bundles> = LazyLock::new(|| Bundles { en: bundle("en", |part| part.1), cy: bundle("cy", |part| part.2) });

/// A value given to a message.
pub enum Arg<'a> {
    Text(&'a str),
    Number(i64),
}

/// The console's translator for one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr {
    pub language: Language,
}

impl Tr {
    pub fn new(language: Language) -> Tr {
        Tr { language }
    }

    fn bundle(&self) -> &'static FluentBundle<FluentResource> {
        match self.language {
            Language::En => &BUNDLES.en,
            Language::Cy => &BUNDLES.cy,
        }
    }

    /// The message `id` with `args`. A missing id is a bug (the tests look
    /// for every id the templates use); it shows as the id, never a panic.
    pub fn with(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(id, language = self.language.tag(), "a console message is missing");
            return id.to_string();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Text(t) => fluent_args.set(*name, FluentValue::from(*t)),
                Arg::Number(n) => fluent_args.set(*name, FluentValue::from(*n)),
            }
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            tracing::warn!(id, language = self.language.tag(), ?errors, "a console message did not format");
        }
        text.into_owned()
    }

    /// The message `id`, with no arguments.
    pub fn t(&self, id: &str) -> String {
        self.with(id, &[])
    }

    /// The message `id` with one text argument.
    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        self.with(id, &[(name, Arg::Text(value))])
    }

    /// The message `id` for a count (its plural form chosen by the language's rules).
    pub fn n(&self, id: &str, count: usize) -> String {
        self.with(id, &[("count", Arg::Number(count as i64))])
    }

    /// A date written out: "2 December 2026", "2 Rhagfyr 2026".
    pub fn date(&self, date: time::Date) -> String {
        let month = usize::from(u8::from(date.month())) - 1;
        let name = match self.language {
            Language::En => EN_MONTHS[month],
            Language::Cy => CY_MONTHS[month],
        };
        format!("{} {name} {}", date.day(), date.year())
    }

    /// A month written out: "December 2026", "Rhagfyr 2026", from `YYYY-MM`.
    pub fn month(&self, year_month: &str) -> String {
        let names = if self.language == Language::Cy { &CY_MONTHS } else { &EN_MONTHS };
        month_of(year_month).map(|(year, m)| format!("{} {year}", names[m])).unwrap_or_else(|| year_month.to_string())
    }

    /// A month's short name for a chart: "Rhag", "Dec", from `YYYY-MM`.
    pub fn short_month(&self, year_month: &str) -> String {
        let names = if self.language == Language::Cy { &CY_SHORT_MONTHS } else { &EN_SHORT_MONTHS };
        month_of(year_month).map(|(_, m)| names[m].to_string()).unwrap_or_else(|| year_month.to_string())
    }
}

/// The year and month index (0-11) of `YYYY-MM`.
fn month_of(year_month: &str) -> Option<(i32, usize)> {
    let (y, m) = year_month.split_once('-')?;
    let (year, month) = (y.parse::<i32>().ok()?, m.parse::<usize>().ok()?);
    (1..=12).contains(&month).then_some((year, month - 1))
}

/// The ids of a Fluent source's messages.
#[cfg(test)]
pub(crate) fn ids(source: &str) -> std::collections::BTreeSet<String> {
    source
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message id of one language, over all its files.
    fn all_ids(source_of: fn(&(&str, &'static str, &'static str)) -> &'static str) -> std::collections::BTreeSet<String> {
        RESOURCES.iter().flat_map(|part| ids(source_of(part))).collect()
    }

    #[test]
    fn every_fluent_file_is_compiled_in_and_has_its_twin() {
        // (A trailing slash keeps "locales" from being read as a message id by `ids_used`.)
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/");
        for lang in ["en", "cy"] {
            let mut on_disk: Vec<String> = std::fs::read_dir(root.join(lang))
                .unwrap()
                .filter_map(|e| e.unwrap().file_name().to_str().and_then(|n| n.strip_suffix(".ftl")).map(str::to_string))
                .collect();
            on_disk.sort();
            let mut listed: Vec<String> = RESOURCES.iter().map(|part| part.0.to_string()).collect();
            listed.sort();
            assert_eq!(on_disk, listed, "node/locales/{lang}/*.ftl and RESOURCES in i18n.rs differ");
        }
    }

    #[test]
    fn english_and_welsh_have_the_same_messages() {
        for (name, en, cy) in RESOURCES {
            let (en, cy) = (ids(en), ids(cy));
            let only_en: Vec<_> = en.difference(&cy).collect();
            let only_cy: Vec<_> = cy.difference(&en).collect();
            assert!(only_en.is_empty() && only_cy.is_empty(), "only in en/{name}.ftl: {only_en:?}; only in cy/{name}.ftl: {only_cy:?}");
        }
        let en = all_ids(|part| part.1);
        assert!(en.len() > 50, "{} messages", en.len());
        // Both parse and every message formats without an error.
        for id in &en {
            for lang in Language::ALL {
                let tr = Tr::new(lang);
                let msg = tr.bundle().get_message(id).unwrap_or_else(|| panic!("{id} in {lang:?}"));
                let args: FluentArgs = [("count", 3), ("minutes", 3), ("min", 3), ("max", 3), ("chars", 3)].into_iter().collect();
                let mut args = args;
                for name in [
                    "bank",
                    "name",
                    "role",
                    "date",
                    "hours",
                    "query",
                    "code",
                    "online",
                    "total",
                    "summary",
                    "member",
                    "balance",
                    "would",
                    "limit",
                    "detail",
                    "field",
                    "givers",
                    "status",
                    "words",
                    "what",
                    "receivers",
                    "reason",
                    "category",
                    "why",
                ] {
                    args.set(name, "x");
                }
                // The reports' and the federation page's.
                for name in ["from", "to", "given", "received", "trust", "owed", "percent", "opening", "closing"] {
                    args.set(name, "x");
                }
                let mut errors = Vec::new();
                tr.bundle().format_pattern(msg.value().expect("a value"), Some(&args), &mut errors);
                assert!(errors.is_empty(), "{id} in {lang:?}: {errors:?}");
            }
        }
    }

    /// Every message id a template or the console's code asks for.
    fn ids_used() -> std::collections::BTreeSet<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = std::collections::BTreeSet::new();
        for dir in ["templates", "src/console"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for call in [".t(\"", ".t1(\"", ".n(\"", ".with(\""] {
                    for piece in text.split(call).skip(1) {
                        let id = piece.split('"').next().unwrap_or("");
                        if !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                            used.insert(id.to_string());
                        }
                    }
                }
            }
        }
        used
    }

    #[test]
    fn every_message_the_console_asks_for_exists() {
        let (used, en) = (ids_used(), all_ids(|part| part.1));
        assert!(used.len() > 40, "found {} ids in use", used.len());
        let missing: Vec<_> = used.difference(&en).collect();
        assert!(missing.is_empty(), "asked for but in no node/locales/en/*.ftl (nor cy): {missing:?}");
    }

    #[test]
    fn welsh_counts_take_all_six_plural_forms_with_their_mutations() {
        let cy = Tr::new(Language::Cy);
        let forms: Vec<String> = [0, 1, 2, 3, 6, 7].iter().map(|n| cy.n("exchanges-count", *n)).collect();
        assert_eq!(forms, ["dim cyfnewidiadau", "un cyfnewid", "dau gyfnewid", "3 chyfnewid", "6 chyfnewid", "7 o gyfnewidiadau"]);
        assert_eq!(cy.n("members-count", 2), "Dau aelod");
        assert_eq!(cy.n("members-count", 20), "20 o aelodau");
        let en = Tr::new(Language::En);
        assert_eq!(en.n("exchanges-count", 2), "2 exchanges");
        assert_eq!(en.n("exchanges-count", 1), "one exchange");
    }

    #[test]
    fn dates_are_written_with_welsh_month_names() {
        let date = time::Date::from_calendar_date(2026, time::Month::December, 2).unwrap();
        assert_eq!(Tr::new(Language::Cy).date(date), "2 Rhagfyr 2026");
        assert_eq!(Tr::new(Language::En).date(date), "2 December 2026");
        assert_eq!(Tr::new(Language::Cy).month("2026-02"), "Chwefror 2026");
    }

    #[test]
    fn place_names_pass_through_as_written() {
        let cy = Tr::new(Language::Cy);
        assert_eq!(cy.t1("sign-in-title", "bank", "Banc Amser Llŷn"), "Mewngofnodi i Banc Amser Llŷn");
        assert_eq!(Tr::new(Language::En).t1("welcome-title", "bank", "Ynys Môn Time Bank"), "Welcome to Ynys Môn Time Bank");
    }
}
