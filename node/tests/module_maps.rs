//! The maps stay true: every module a crate root or a folder's `mod.rs`
//! declares is named in that file's map comment (its `//!` lines) and, in
//! backticks, in docs/DESIGN.md, so a reader who starts from either finds every room.
//!
//! It also holds every source file of the node and the CLI to
//! [`MAX_SOURCE_LINES`]. It reads the workspace's source files as text: a module added without a
//! word about it fails here, with the file and the module named.

use std::path::{Path, PathBuf};

/// The workspace root (this crate lives in `node/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("node/ has a parent").to_path_buf()
}

/// Every file that declares modules: crate roots and folder `mod.rs` files,
/// found under each crate's `src/` (so a new folder is checked without
/// being listed here).
fn declaring_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for krate in ["protocol", "node", "node/wire", "cli"] {
        let src = root.join(krate).join("src");
        if src.is_dir() {
            walk(&src, &|p| matches!(p.file_name().and_then(|n| n.to_str()), Some("lib.rs" | "main.rs" | "mod.rs")), &mut out);
        }
    }
    out.sort();
    out
}

/// Every file under `dir` for which `keep` holds, depth first.
fn walk(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, keep, out);
        } else if keep(&path) {
            out.push(path);
        }
    }
}

/// The modules a file declares (`mod x;` or `pub mod x;`, at the file's top level).
fn declared_modules(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|line| {
            let line = line.trim_start_matches("pub(crate) ").trim_start_matches("pub ");
            let name = line.strip_prefix("mod ")?.strip_suffix(';')?;
            Some(name.trim().to_string())
        })
        .collect()
}

/// The file's map: its leading `//!` lines.
fn map_comment(source: &str) -> String {
    source.lines().take_while(|l| l.starts_with("//!")).collect::<Vec<_>>().join("\n")
}

/// Whether `name` appears in `text` as a whole word (not inside a longer name).
fn names(text: &str, name: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[test]
fn every_declared_module_is_on_its_files_map_and_in_the_design_doc() {
    let root = root();
    let design = std::fs::read_to_string(root.join("docs/DESIGN.md")).expect("docs/DESIGN.md");
    let files = declaring_files(&root);
    assert!(files.len() >= 6, "found too few crate roots and mod.rs files to check: {files:?}");
    let mut missing = Vec::new();
    let mut checked = 0;
    for file in &files {
        let source = std::fs::read_to_string(file).expect("readable source");
        let map = map_comment(&source);
        let shown = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        for module in declared_modules(&source) {
            checked += 1;
            if !names(&map, &module) {
                missing.push(format!("{shown}: module `{module}` is not named in the file's //! map"));
            }
            if !design.contains(&format!("`{module}`")) {
                missing.push(format!("{shown}: module `{module}` is not named (in backticks) in docs/DESIGN.md"));
            }
        }
    }
    assert!(checked >= 30, "only {checked} module declarations found; is the scan still reading the sources?");
    assert!(missing.is_empty(), "maps out of date:\n{}", missing.join("\n"));
}

#[test]
fn the_check_sees_a_module_left_off_a_map() {
    let source = "//! Holds [`alpha`] and nothing else.\n\npub mod alpha;\nmod beta;\n";
    let map = map_comment(source);
    let modules = declared_modules(source);
    assert_eq!(modules, ["alpha", "beta"]);
    assert!(names(&map, "alpha"));
    assert!(!names(&map, "beta"), "beta is not on the map");
    assert!(!names("alphabet", "alpha"), "a longer word does not name the module");
}

/// Most lines in one source file under `node/src` or `cli/src` (issue 9): a
/// file past this holds more than one concern and should be split.
const MAX_SOURCE_LINES: usize = 650;

#[test]
fn no_source_file_of_the_node_or_the_cli_is_over_the_line_bound() {
    let root = root();
    let mut files = Vec::new();
    for dir in ["node/src", "cli/src"] {
        walk(&root.join(dir), &|p| p.extension().is_some_and(|e| e == "rs"), &mut files);
    }
    assert!(files.len() >= 40, "found too few source files to check: {}", files.len());
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).expect("readable source").lines().count();
            (lines > MAX_SOURCE_LINES).then(|| format!("{} has {lines} lines", f.strip_prefix(&root).unwrap_or(f).display()))
        })
        .collect();
    assert!(long.is_empty(), "over {MAX_SOURCE_LINES} lines:\n{}", long.join("\n"));
}
