//! The report: one row per figure with its reference from the same run,
//! the ratio, the target and PASS, MISS, SKIP (not measured) or
//! FAIL (the measurement itself failed);
//! then the bench prints its one JSON object as the last line.

/// What a figure must be for its row to pass.
#[derive(Clone, Copy)]
pub enum Target {
    /// figure / reference at least this.
    RatioAtLeast(f64),
    /// figure / reference at most this.
    RatioAtMost(f64),
    /// figure at most this (in the row's unit).
    AtMost(f64),
    /// figure below this.
    Below(f64),
}

pub struct Row {
    pub label: String,
    pub figure: Option<f64>,
    pub unit: &'static str,
    /// What the figure is held against, measured in the same run.
    pub reference_label: String,
    pub reference: Option<f64>,
    pub target: Option<Target>,
    /// The measurement itself failed (the reason is printed below the table).
    pub failed: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict {
    Pass,
    Miss,
    /// A figure (or its reference) was not measured in this run.
    Skip,
    /// Shown for information, no target.
    Info,
    /// The measurement failed: the bench exits 1 after the report.
    Fail,
}

impl Verdict {
    fn text(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Miss => "MISS",
            Verdict::Skip => "SKIP",
            Verdict::Info => "",
            Verdict::Fail => "FAIL",
        }
    }
}

impl Row {
    /// A figure with no reference, no target (information).
    pub fn new(label: &str, figure: Option<f64>, unit: &'static str) -> Row {
        Row { label: label.to_string(), figure, unit, reference_label: String::new(), reference: None, target: None, failed: false }
    }

    /// Held against `reference` (in the same unit), measured in the same run.
    pub fn against(self, label: &str, reference: Option<f64>) -> Row {
        Row { reference_label: label.to_string(), reference, ..self }
    }

    pub fn target(self, target: Target) -> Row {
        Row { target: Some(target), ..self }
    }

    /// Marks the row FAIL when its measurement failed.
    pub fn failed_if(self, failed: bool) -> Row {
        Row { failed, ..self }
    }

    pub fn ratio(&self) -> Option<f64> {
        Some(self.figure? / self.reference?).filter(|r| r.is_finite())
    }

    pub fn verdict(&self) -> Verdict {
        if self.failed {
            return Verdict::Fail;
        }
        let Some(target) = self.target else { return Verdict::Info };
        let ok = match (target, self.figure, self.ratio()) {
            (Target::RatioAtLeast(x), _, Some(r)) => r >= x,
            (Target::RatioAtMost(x), _, Some(r)) => r <= x,
            (Target::AtMost(x), Some(f), _) => f <= x,
            (Target::Below(x), Some(f), _) => f < x,
            _ => return Verdict::Skip,
        };
        if ok {
            Verdict::Pass
        } else {
            Verdict::Miss
        }
    }
}

fn target_text(t: Option<Target>) -> String {
    match t {
        Some(Target::RatioAtLeast(x)) => format!("ratio >= {x}"),
        Some(Target::RatioAtMost(x)) => format!("ratio <= {x}"),
        Some(Target::AtMost(x)) => format!("<= {x}"),
        Some(Target::Below(x)) => format!("< {x}"),
        None => String::new(),
    }
}

fn number(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "n/a".to_string(),
        Some(x) if x.abs() >= 100.0 => format!("{x:.0} {unit}"),
        Some(x) if x.abs() >= 1.0 => format!("{x:.2} {unit}"),
        Some(x) => format!("{x:.3} {unit}"),
    }
}

/// Prints the table; returns every row's verdict.
pub fn print(rows: &[Row]) -> Vec<Verdict> {
    println!();
    println!("{:<40} {:>14}   {:<34} {:>8}  {:<14} result", "figure", "measured", "reference (same run)", "ratio", "target");
    println!("{}", "-".repeat(120));
    rows.iter()
        .map(|r| {
            let reference =
                if r.reference_label.is_empty() { String::new() } else { format!("{} {}", r.reference_label, number(r.reference, r.unit)) };
            let ratio = r.ratio().map_or(String::new(), |x| format!("{x:.2}"));
            let verdict = r.verdict();
            println!(
                "{:<40} {:>14}   {:<34} {:>8}  {:<14} {}",
                r.label,
                number(r.figure, r.unit),
                reference,
                ratio,
                target_text(r.target),
                verdict.text()
            );
            verdict
        })
        .collect()
}

/// Rounds for the JSON line (None stays null).
pub fn round(v: Option<f64>, digits: i32) -> Option<f64> {
    let m = 10f64.powi(digits);
    v.filter(|x| x.is_finite()).map(|x| (x * m).round() / m)
}
