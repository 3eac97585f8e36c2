//! Bar charts drawn on the server as SVG, so they print and work without
//! JavaScript. The SVG is built from numbers and escaped labels only; the
//! page gives the same figures as a table beside it.

/// Width and height of a chart's drawing, in its own units.
const WIDTH: u32 = 720;
const HEIGHT: u32 = 240;
/// Room under the bars for the labels.
const LABEL_ROOM: u32 = 36;

/// One bar: its label and value (minutes).
pub struct Bar {
    pub label: String,
    pub minutes: i64,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// An SVG bar chart of `bars`, titled `title` (read by screen readers).
pub fn bars(title: &str, bars: &[Bar]) -> String {
    let most = bars.iter().map(|b| b.minutes.max(0)).max().unwrap_or(0).max(1);
    let n = bars.len().max(1) as u32;
    let slot = WIDTH / n;
    let bar_width = slot * 7 / 10;
    let room = HEIGHT - LABEL_ROOM;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"chart-title\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-title\">{}</title>",
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let h = (bar.minutes.max(0) as u64 * u64::from(room) / most as u64) as u32;
        let x = i as u32 * slot + (slot - bar_width) / 2;
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"{bar_width}\" height=\"{h}\" class=\"bar\"><title>{}: {}</title></rect><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"label\">{}</text>",
            room - h,
            escape(&bar.label),
            amser_protocol::Minutes(bar.minutes),
            x + bar_width / 2,
            HEIGHT - LABEL_ROOM / 3,
            escape(&bar.label),
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tallest_bar_fills_the_chart_and_labels_are_escaped() {
        let svg = bars("Hours <given>", &[Bar { label: "Ion".into(), minutes: 60 }, Bar { label: "Chw & Maw".into(), minutes: 120 }]);
        assert!(svg.contains(&format!("height=\"{}\"", HEIGHT - LABEL_ROOM)), "{svg}");
        assert!(svg.contains("Chw &amp; Maw") && svg.contains("Hours &lt;given&gt;"), "{svg}");
        assert!(!svg.contains("<given>"));
    }
}
