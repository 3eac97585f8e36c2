//! `amser export`, written as the pages come: CSV pages one after another
//! (the node sends the header row on the first page only), and the JSON
//! export as one document whose arrays are opened, filled and closed page
//! by page, so the command holds one page at a time, however large the bank.

use std::io::Write;

use amser_node::model::ExportPage;
use serde::Serialize;

/// The JSON document's arrays, in the order the node's pages fill them.
const SECTIONS: [&str; 3] = ["members", "exchanges", "listings"];

/// One JSON export document being written: `{"bank", "policy", "members":
/// [...], "exchanges": [...], "listings": [...]}`, pretty-printed.
pub struct JsonExportWriter<W: Write> {
    out: W,
    /// The section whose array is open (an index into [`SECTIONS`]), once one is.
    open: Option<usize>,
    /// Whether the open array holds an item yet (for the commas).
    any: bool,
    started: bool,
}

impl<W: Write> JsonExportWriter<W> {
    pub fn new(out: W) -> Self {
        JsonExportWriter { out, open: None, any: false, started: false }
    }

    /// Writes one page's rows (and, from the first page, the bank and policy).
    pub fn page(&mut self, page: &ExportPage) -> anyhow::Result<()> {
        if !self.started {
            self.started = true;
            write!(self.out, "{{\n  \"bank\": {},\n  \"policy\": {}", indented(&page.bank)?, indented(&page.policy)?)?;
        }
        self.items(0, &page.members)?;
        self.items(1, &page.exchanges)?;
        self.items(2, &page.listings)
    }

    fn items<T: Serialize>(&mut self, section: usize, items: &[T]) -> anyhow::Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        self.open_up_to(section)?;
        for item in items {
            let comma = if self.any { "," } else { "" };
            write!(self.out, "{comma}\n    {}", indented_by(item, "    ")?)?;
            self.any = true;
        }
        Ok(())
    }

    /// Closes the open array and opens each section's up to `section`
    /// (a section with no rows is written as an empty array).
    fn open_up_to(&mut self, section: usize) -> anyhow::Result<()> {
        while self.open.is_none_or(|open| open < section) {
            self.close_array()?;
            let next = self.open.map_or(0, |open| open + 1);
            write!(self.out, ",\n  \"{}\": [", SECTIONS[next])?;
            self.open = Some(next);
            self.any = false;
        }
        Ok(())
    }

    fn close_array(&mut self) -> anyhow::Result<()> {
        if self.open.is_some() {
            write!(self.out, "{}]", if self.any { "\n  " } else { "" })?;
        }
        Ok(())
    }

    /// Closes the document after the last page.
    pub fn finish(mut self) -> anyhow::Result<W> {
        self.open_up_to(SECTIONS.len() - 1)?;
        self.close_array()?;
        writeln!(self.out, "\n}}")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// `value` pretty-printed, nested one level in (two spaces).
fn indented<T: Serialize>(value: &T) -> anyhow::Result<String> {
    indented_by(value, "  ")
}

fn indented_by<T: Serialize>(value: &T, by: &str) -> anyhow::Result<String> {
    let text = serde_json::to_string_pretty(&serde_json::to_value(value)?)?;
    Ok(text.replace('\n', &format!("\n{by}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use amser_node::model::{ExportDocument, ListingView, PolicyConfig};

    fn page() -> ExportPage {
        ExportPage { bank: None, policy: None, head_seq: None, members: vec![], exchanges: vec![], listings: vec![], next: None }
    }

    fn listing(id: &str) -> ListingView {
        ListingView {
            id: id.into(),
            kind: amser_protocol::listing::ListingKind::Offer,
            member: "rhymney:7KQ2-M9".parse().unwrap(),
            category: "gardening".into(),
            description: "veg beds".into(),
            posted: "2026-03-01".into(),
            open: true,
            shared: false,
            title: String::new(),
        }
    }

    /// Pages that split the listings, with no members or exchanges at all,
    /// still make one document of the export's shape.
    #[test]
    fn pages_make_one_document() {
        let mut w = JsonExportWriter::new(Vec::new());
        w.page(&ExportPage { policy: Some(PolicyConfig::default()), listings: vec![listing("a1")], ..page() }).unwrap();
        w.page(&page()).unwrap();
        w.page(&ExportPage { listings: vec![listing("b2"), listing("c3")], ..page() }).unwrap();
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        let doc: ExportDocument = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(doc.listings.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), ["a1", "b2", "c3"]);
        assert!(doc.members.is_empty() && doc.exchanges.is_empty() && doc.bank.is_none());
    }

    #[test]
    fn an_empty_export_is_a_document_too() {
        let mut w = JsonExportWriter::new(Vec::new());
        w.page(&ExportPage { policy: Some(PolicyConfig::default()), ..page() }).unwrap();
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        let doc: ExportDocument = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(doc.policy, PolicyConfig::default());
    }
}
