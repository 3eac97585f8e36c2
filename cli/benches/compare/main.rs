//! `cargo bench -p amser-cli --bench compare`: a stub of the comparison
//! bench that runs only its footprint part (`footprint`); the whole bench
//! is built elsewhere and replaces this file.

mod footprint;

fn main() -> anyhow::Result<()> {
    let amser = std::path::Path::new(env!("CARGO_BIN_EXE_amser"));
    // Under target/, not /tmp (which may be tmpfs): the disk a bank would use.
    let work = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/compare-bench");
    std::fs::create_dir_all(&work)?;
    match footprint::measure(amser, &work)? {
        Some(f) => println!("{f:?}"),
        None => println!("footprint: not measured here (no /proc)"),
    }
    Ok(())
}
