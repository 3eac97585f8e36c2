//! The reports page, its CSV downloads and print view, and a member's
//! printable statement: the figures are the exchanges the stories record.

use amser_node::accounts::Language;
use amser_node::console::i18n::Tr;
use amser_protocol::ServiceDate;

use super::*;

/// What Rhymney did in early 2025, on top of the fixture's exchange today
/// (Mair gave Gwen two hours of gardening): Mair shopped for Gwen, Gwen
/// befriended at Age Cymru Gwent, the agency drove Mair to the surgery,
/// and an exchange Gwen gave Mair was recorded by mistake and reversed.
struct Story {
    f: Fixture,
    agency: String,
}

fn early_2025() -> Story {
    let f = fixture();
    let agency = f.bank.add_member("Age Cymru Gwent", "agency");
    let record = |provider: &str, receiver: &str, hours: &str, category: &str, date: &str| {
        f.bank.record(&["--provider", provider, "--receiver", receiver, "--hours", hours, "--category", category, "--date", date])
    };
    record(&f.mair, &f.gwen, "1.5", "shopping", "2025-01-15");
    record(&f.gwen, &agency, "3", "befriending", "2025-01-20");
    record(&agency, &f.mair, "0:30", "transport", "2025-03-02");
    let mistake = record(&f.gwen, &f.mair, "1", "reading", "2025-03-10");
    let id = mistake["id"].as_str().expect("an exchange id").to_string();
    f.bank.json(&["exchange", "reverse", &id, "--reason", "recorded twice"]);
    Story { f, agency }
}

/// A CSV download's lines, without the byte-order mark.
fn csv_lines(page: &common::browser::Page) -> Vec<String> {
    page.html.trim_start_matches('\u{feff}').lines().map(str::to_string).collect()
}

/// This month, `YYYY-MM`, as the node sees it.
fn this_month() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as u64;
    ServiceDate::today(now).month()
}

#[test]
fn the_trustee_downloads_hours_by_month_as_csv_and_the_figures_are_the_exchanges_recorded() {
    let Story { f, agency } = early_2025();
    let mut trustee = signed_in(&f, "Huw Trustee", "viewer", None);
    let period = "from=2025-01&to=2025-03";

    let by_month = trustee.get(&format!("/reports/hours-by-month.csv?{period}"));
    assert_eq!(by_month.status, 200, "{}", by_month.html);
    assert_eq!(by_month.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(by_month.header("content-disposition"), Some("attachment; filename=\"hours-by-month-2025-01-2025-03.csv\""));
    // January: 1:30 shopping and 3:00 befriending; February nothing; March the
    // half hour's drive (the reversed exchange counts nothing).
    assert_eq!(csv_lines(&by_month), ["Month,Hours,Minutes,Exchanges", "2025-01,4:30,270,2", "2025-02,0:00,0,0", "2025-03,0:30,30,1"]);

    let by_category = trustee.get(&format!("/reports/hours-by-category.csv?{period}"));
    assert_eq!(
        csv_lines(&by_category),
        ["Category,Hours,Minutes,Exchanges", "befriending,3:00,180,1", "shopping,1:30,90,1", "transport,0:30,30,1"]
    );
    let by_agency = trustee.get(&format!("/reports/hours-by-agency.csv?{period}"));
    assert_eq!(
        csv_lines(&by_agency),
        [
            "Agency,Code,Hours given,Minutes given,Hours received,Minutes received,Exchanges".to_string(),
            format!("Age Cymru Gwent,{agency},0:30,30,3:00,180,2"),
        ]
    );
    // Active in January: Mair, Gwen and the agency; in March the agency and
    // Mair (Gwen's reversed exchange does not make her active).
    let active = trustee.get(&format!("/reports/active-members.csv?{period}"));
    assert_eq!(csv_lines(&active), ["Month,Active members", "2025-01,3", "2025-02,0", "2025-03,2"]);
    // All three joined this month, the last of the default twelve.
    let new = csv_lines(&trustee.get("/reports/new-members.csv"));
    assert_eq!(new.len(), 13, "a header and twelve months: {new:?}");
    assert_eq!(new.last(), Some(&format!("{},3", this_month())));
    assert!(new[1..12].iter().all(|row| row.ends_with(",0")), "{new:?}");

    // The page shows the same figures beside each chart, and says the rule.
    let page = trustee.get(&format!("/reports?{period}"));
    assert_eq!(page.status, 200, "{}", page.html);
    for slug in ["hours-by-month", "hours-by-category", "hours-by-agency", "active-members", "new-members"] {
        assert!(page.shows(&format!("aria-labelledby=\"{slug}-title\"")), "a chart with its own title: {slug}");
        assert!(page.shows(&format!("<desc id=\"{slug}-desc\">")), "and its description: {slug}");
        assert!(
            page.shows(&format!("href=\"/reports/{slug}.csv?from=2025-01&#38;to=2025-03\"")),
            "and its download: {slug}: {}",
            page.html
        );
    }
    assert!(page.shows("<th scope=\"row\">January 2025</th><td class=\"num\">4:30</td><td class=\"num\">2</td>"), "{}", page.html);
    assert!(page.shows("<th scope=\"row\">Age Cymru Gwent</th>"), "{}", page.html);
    assert!(page.shows("A member is active in a month when they gave or received time"), "{}", page.html);
    assert!(page.shows("January 2025 to March 2025"));
    // The trustee never sees a contact, a special-needs note or an exchange's note.
    for private in [CONTACT, SPECIAL_NEEDS, NOTE] {
        assert!(!page.shows(private) && !csv_lines(&by_month).concat().contains(private));
    }

    // The print view: the same figures, no navigation and no buttons.
    let print = trustee.get(&format!("/reports?{period}&print=1"));
    assert_eq!(print.status, 200);
    assert!(print.shows("class=\"print-view\"") && !print.shows("<nav") && !print.shows("/sign-out"), "{}", print.html);
    assert!(print.shows("<td class=\"num\">4:30</td>"));
    let css = trustee.get("/assets/console.css");
    assert!(css.shows("@media print") && css.shows(".sheet-break"), "a print stylesheet");
}

#[test]
fn a_period_that_is_not_one_is_said_plainly_in_both_languages_and_the_form_comes_back_filled_in() {
    let f = fixture();
    let mut sian = signed_in(&f, "Siân Lewis", "coordinator", None);
    let bad = sian.get("/reports?from=2025-13&to=2025-03");
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.shows("“2025-13” is not a month") && bad.shows("href=\"#from\""), "{}", bad.html);
    assert!(bad.shows("name=\"from\" type=\"month\" value=\"2025-13\"") && bad.shows("value=\"2025-03\""), "{}", bad.html);
    let long = sian.get("/reports?from=2000-01&to=2025-03");
    assert_eq!(long.status, 422);
    assert!(long.shows("That period is 303 months long"), "{}", long.html);
    assert_eq!(sian.get("/reports/hours-by-month.csv?from=soon").status, 422);
    assert_eq!(sian.get("/reports/everything.csv").status, 404);

    let csrf = sian.get("/").csrf();
    sian.post("/language", &[("csrf", &csrf), ("language", "cy")]);
    let backwards = sian.get("/reports?from=2025-06&to=2025-03");
    assert_eq!(backwards.status, 422);
    assert!(backwards.shows("Mae&#39;r cyfnod yn dechrau ar ôl iddo orffen"), "{}", backwards.html);
}

#[test]
fn in_welsh_the_reports_and_their_csv_headings_are_welsh_and_a_member_sees_none_of_them() {
    let Story { f, .. } = early_2025();
    let mut sian = signed_in(&f, "Siân Lewis", "coordinator", None);
    let csrf = sian.get("/").csrf();
    sian.post("/language", &[("csrf", &csrf), ("language", "cy")]);
    let page = sian.get("/reports?from=2025-01&to=2025-03");
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.shows("<html lang=\"cy\">") && page.shows("Oriau a roddwyd, fesul mis") && page.shows("Ionawr 2025 – Mawrth 2025"));
    assert!(page.shows("<th scope=\"row\">Ionawr 2025</th>"), "{}", page.html);
    let (en, cy) = (Tr::new(Language::En), Tr::new(Language::Cy));
    for id in [
        "reports-title",
        "reports-period",
        "reports-show",
        "reports-print",
        "report-hours-given",
        "report-active-rule",
        "report-hours-by-month",
        "report-hours-by-category-desc",
        "report-hours-by-agency",
        "report-active-members",
        "report-new-members-desc",
        "month",
        "hours",
        "nav-reports",
        "nav-federation",
    ] {
        assert!(!page.shows(&en.t(id)), "English on the Welsh page: {id} ({})", en.t(id));
        assert!(page.shows(&cy.t(id).replace('\'', "&#39;")), "{id} in Welsh");
    }
    let csv = csv_lines(&sian.get("/reports/hours-by-month.csv?from=2025-01&to=2025-01"));
    assert_eq!(csv, ["Mis,Oriau,Munudau,Cyfnewidiadau", "2025-01,4:30,270,2"]);

    let mut mair = signed_in(&f, "Mair Jones", "member", Some(&f.mair));
    assert_eq!(mair.get("/reports").status, 403);
    assert_eq!(mair.get("/reports/hours-by-month.csv").status, 403);
    assert!(!mair.get("/").shows("href=\"/reports\""), "no link to reports for a member");
}

#[test]
fn the_statement_for_mair_lists_her_exchanges_with_a_running_balance() {
    let Story { f, .. } = early_2025();
    let mut sian = signed_in(&f, "Siân Lewis", "coordinator", None);
    let member = sian.get(&format!("/members/{}", f.mair));
    assert!(member.shows(&format!("href=\"/members/{}/statement\"", f.mair)), "linked from her page: {}", member.html);

    // From January 2025 to now: +1:30 shopping, -0:30 the agency's drive,
    // the reversed exchange at no cost, and +2:00 gardening today.
    let whole = sian.get(&format!("/members/{}/statement?from=2025-01&to={}", f.mair, this_month()));
    assert_eq!(whole.status, 200, "{}", whole.html);
    assert!(whole.shows("Rhymney Time Bank") && whole.shows("Mair Jones") && whole.shows(&f.mair));
    let rows: Vec<&str> = whole.html.split("<tr>").skip(2).map(|r| r.split("</tr>").next().unwrap_or("")).collect();
    let expect = [
        ("15 January 2025", "Gave to Gwen Davies", "+1:30", "shopping", "1:30"),
        ("2 March 2025", "Received from Age Cymru Gwent", "-0:30", "transport", "1:00"),
    ];
    for (row, (date, who, hours, category, balance)) in rows.iter().zip(expect) {
        assert_eq!(
            *row,
            format!("<td>{date}</td><td>{who}</td><td class=\"num\">{hours}</td><td>{category}</td><td class=\"num\">{balance}</td>")
        );
    }
    assert!(
        whole.shows("Reversed (with Gwen Davies); not counted</td><td class=\"num\">0:00</td><td>reading</td><td class=\"num\">1:00</td>")
    );
    assert!(whole.shows("Gave to Gwen Davies</td><td class=\"num\">+2:00</td><td>gardening</td><td class=\"num\">3:00</td>"));
    let closing = format!("{}:{:02}", f.bank.balance(&f.mair) / 60, f.bank.balance(&f.mair) % 60);
    assert_eq!(closing, "3:00", "the closing balance is her balance now");
    assert!(whole.shows(&format!("Balance at the end</dt><dd class=\"num-inline\"><strong>{closing}</strong>")), "{}", whole.html);

    // From February: January's hour and a half is brought in.
    let spring = sian.get(&format!("/members/{}/statement?from=2025-02&to=2025-03", f.mair));
    assert!(spring.shows("Balance at the start</dt><dd class=\"num-inline\">1:30</dd>"), "{}", spring.html);
    assert!(!spring.shows("15 January 2025") && spring.shows("2 March 2025"));

    // Mair reads her own, in Welsh with Welsh dates; not Gwen's. A trustee reads none.
    let mut mair = signed_in(&f, "Mair Jones", "member", Some(&f.mair));
    let csrf = mair.get("/").csrf();
    mair.post("/language", &[("csrf", &csrf), ("language", "cy")]);
    let own = mair.get(&format!("/members/{}/statement?from=2025-01&to=2025-03", f.mair));
    assert_eq!(own.status, 200, "{}", own.html);
    assert!(own.shows("15 Ionawr 2025") && own.shows("Rhoddwyd i Gwen Davies") && own.shows("Datganiad"), "{}", own.html);
    assert!(!own.shows("Gave to") && !own.shows("Balance at the end") && !own.shows(SPECIAL_NEEDS));
    assert_eq!(mair.get(&format!("/members/{}/statement", f.gwen)).status, 403);
    let mut trustee = signed_in(&f, "Huw Trustee", "viewer", None);
    assert_eq!(trustee.get(&format!("/members/{}/statement", f.mair)).status, 403);
}

#[test]
fn a_long_statement_prints_forty_lines_a_sheet_each_starting_with_the_balance_brought_forward() {
    let f = fixture();
    let api = f.node.api();
    for day in 1..=45 {
        let body = serde_json::json!({
            "providers": [f.mair], "receivers": [f.gwen], "minutes": 10, "category": "gardening",
            "date": format!("2025-{:02}-{:02}", 1 + (day - 1) / 28, 1 + (day - 1) % 28),
        });
        let a = api.post("/api/v1/exchanges", &body);
        assert_eq!(a.status, 201, "{}", a.text);
    }
    let mut sian = signed_in(&f, "Siân Lewis", "coordinator", None);
    let print = sian.get(&format!("/members/{}/statement?from=2025-01&to=2025-02&print=1", f.mair));
    assert_eq!(print.status, 200, "{}", print.html);
    assert!(!print.shows("<nav") && print.shows("class=\"print-view\""));
    assert_eq!(print.html.matches("class=\"table-scroll sheet-break\"").count(), 1, "{}", print.html);
    assert_eq!(print.html.matches("<table class=\"statement\">").count(), 2);
    assert_eq!(print.html.matches("Brought forward").count(), 2);
    // The first sheet ends at forty lines of ten minutes; the second takes it from there.
    assert!(print.shows("Carried forward</th><td class=\"num\">6:40</td>"), "{}", print.html);
    assert!(print.shows("Brought forward</th><td class=\"num\">6:40</td>"));
    assert!(print.shows("Balance at the end</th><td class=\"num\">7:30</td>"));
}
