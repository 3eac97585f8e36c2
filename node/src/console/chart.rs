//! Bar charts drawn on the server as SVG, so they print and work without
//! JavaScript: columns (one a month) and rows (one a category or agency).
//! The SVG is built from numbers and escaped labels only; each has a title
//! and a description for screen readers, and the page gives the same
//! figures as a table beside it.

/// Width and height of a column chart's drawing, in its own units.
const WIDTH: u32 = 720;
const HEIGHT: u32 = 240;
/// Room under the columns for the labels.
const LABEL_ROOM: u32 = 36;
/// Columns that each get a label; beyond this, every second (or third...) one does.
const MAX_LABELLED_COLUMNS: usize = 12;
/// A row chart: the height of one row, the room for the labels on its left
/// and for the value on its right.
const ROW_HEIGHT: u32 = 28;
const ROW_LABEL_ROOM: u32 = 250;
const ROW_VALUE_ROOM: u32 = 70;
/// Rows a row chart draws at most (the table beside it has them all).
pub const MAX_ROWS_DRAWN: usize = 30;
/// Longest label drawn; longer ones end in "…" (the table has them whole).
const MAX_LABEL_CHARS: usize = 32;

/// One bar of the dashboard's chart: its label and value (minutes).
pub struct Bar {
    pub label: String,
    pub minutes: i64,
}

/// One bar of any chart: its short label, its full label (read by screen
/// readers and shown on hover), its value, and that value as text.
pub struct Column {
    pub label: String,
    pub full_label: String,
    pub value: i64,
    pub shown: String,
}

/// What a chart is: an id unique on its page, a title and a description.
pub struct Caption<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn short(text: &str) -> String {
    if text.chars().count() > MAX_LABEL_CHARS {
        let mut cut: String = text.chars().take(MAX_LABEL_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        text.to_string()
    }
}

/// The opening `<svg>` of a chart `width` by `height`, with its title and description.
fn open(caption: &Caption, width: u32, height: u32) -> String {
    let id = escape(caption.id);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"{id}-title\"{} xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-title\">{}</title>",
        if caption.description.is_empty() { String::new() } else { format!(" aria-describedby=\"{id}-desc\"") },
        escape(caption.title)
    );
    if !caption.description.is_empty() {
        svg.push_str(&format!("<desc id=\"{id}-desc\">{}</desc>", escape(caption.description)));
    }
    svg
}

/// An SVG bar chart of `bars` (the dashboard's), titled `title`.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    let columns: Vec<Column> = bars
        .iter()
        .map(|b| Column {
            label: b.label.clone(),
            full_label: b.label.clone(),
            value: b.minutes,
            shown: amser_protocol::Minutes(b.minutes).to_string(),
        })
        .collect();
    column_chart(&Caption { id: "chart", title, description: "" }, &columns)
}

/// A column chart: one column a bar, left to right, labels underneath.
pub fn column_chart(caption: &Caption, columns: &[Column]) -> String {
    let most = columns.iter().map(|c| c.value.max(0)).max().unwrap_or(0).max(1);
    let n = columns.len().max(1) as u32;
    let slot = WIDTH / n;
    let bar_width = (slot * 7 / 10).max(1);
    let room = HEIGHT - LABEL_ROOM;
    let label_every = columns.len().div_ceil(MAX_LABELLED_COLUMNS).max(1);
    let mut svg = open(caption, WIDTH, HEIGHT);
    for (i, c) in columns.iter().enumerate() {
        let h = (c.value.max(0) as u64 * u64::from(room) / most as u64) as u32;
        let x = i as u32 * slot + (slot - bar_width) / 2;
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"{bar_width}\" height=\"{h}\" class=\"bar\"><title>{}: {}</title></rect>",
            room - h,
            escape(&c.full_label),
            escape(&c.shown),
        ));
        if i % label_every == 0 {
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"label\">{}</text>",
                x + bar_width / 2,
                HEIGHT - LABEL_ROOM / 3,
                escape(&short(&c.label)),
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A row chart: one row a bar, top to bottom, the label on the left and
/// the value on the right; the first [`MAX_ROWS_DRAWN`] rows.
pub fn row_chart(caption: &Caption, rows: &[Column]) -> String {
    let rows = &rows[..rows.len().min(MAX_ROWS_DRAWN)];
    let most = rows.iter().map(|c| c.value.max(0)).max().unwrap_or(0).max(1);
    let height = (rows.len().max(1) as u32) * ROW_HEIGHT;
    let room = WIDTH - ROW_LABEL_ROOM - ROW_VALUE_ROOM;
    let mut svg = open(caption, WIDTH, height);
    for (i, c) in rows.iter().enumerate() {
        let y = i as u32 * ROW_HEIGHT;
        let w = (c.value.max(0) as u64 * u64::from(room) / most as u64) as u32;
        let middle = y + ROW_HEIGHT / 2 + 5;
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{middle}\" text-anchor=\"end\" class=\"label\">{}</text><rect x=\"{ROW_LABEL_ROOM}\" y=\"{}\" width=\"{w}\" height=\"{}\" class=\"bar\"><title>{}: {}</title></rect><text x=\"{}\" y=\"{middle}\" class=\"label\">{}</text>",
            ROW_LABEL_ROOM - 8,
            escape(&short(&c.label)),
            y + 4,
            ROW_HEIGHT - 8,
            escape(&c.full_label),
            escape(&c.shown),
            ROW_LABEL_ROOM + w + 6,
            escape(&c.shown),
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(label: &str, value: i64) -> Column {
        Column { label: label.into(), full_label: format!("{label} (full)"), value, shown: value.to_string() }
    }

    #[test]
    fn the_tallest_bar_fills_the_chart_and_labels_are_escaped() {
        let svg = bars("Hours <given>", &[Bar { label: "Ion".into(), minutes: 60 }, Bar { label: "Chw & Maw".into(), minutes: 120 }]);
        assert!(svg.contains(&format!("height=\"{}\"", HEIGHT - LABEL_ROOM)), "{svg}");
        assert!(svg.contains("Chw &amp; Maw") && svg.contains("Hours &lt;given&gt;"), "{svg}");
        assert!(!svg.contains("<given>"));
    }

    #[test]
    fn each_chart_names_its_own_title_and_description() {
        let caption = Caption { id: "by-category", title: "Hours by category", description: "Gardening leads" };
        let svg = row_chart(&caption, &[sample("gardening", 120), sample("shopping", 60)]);
        assert!(svg.contains("aria-labelledby=\"by-category-title\"") && svg.contains("aria-describedby=\"by-category-desc\""), "{svg}");
        assert!(svg.contains("<desc id=\"by-category-desc\">Gardening leads</desc>"), "{svg}");
        // The longest row fills the room between the labels and the values; the other is half of it.
        let room = WIDTH - ROW_LABEL_ROOM - ROW_VALUE_ROOM;
        assert!(svg.contains(&format!("width=\"{room}\"")) && svg.contains(&format!("width=\"{}\"", room / 2)), "{svg}");
    }

    #[test]
    fn long_periods_label_some_columns_and_long_labels_are_shortened() {
        let columns: Vec<Column> = (0..24).map(|i| sample(&format!("m{i}"), i)).collect();
        let svg = column_chart(&Caption { id: "c", title: "t", description: "" }, &columns);
        assert_eq!(svg.matches("class=\"label\"").count(), 12, "{svg}");
        assert_eq!(svg.matches("<rect").count(), 24);
        let long = "a".repeat(MAX_LABEL_CHARS + 5);
        let rows: Vec<Column> = (0..MAX_ROWS_DRAWN + 3).map(|_| sample(&long, 1)).collect();
        let svg = row_chart(&Caption { id: "r", title: "t", description: "" }, &rows);
        assert_eq!(svg.matches("<rect").count(), MAX_ROWS_DRAWN);
        assert!(svg.contains('…') && !svg.contains(&format!(">{long}<")), "{svg}");
    }
}
