//! Times each phase of the pipeline on one plan (a profiling aid: `cargo run --release
//! --example phases -- plan.json`).
use std::time::Instant;
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: phases PLAN")?;
    let t = Instant::now();
    let bytes = planguard::plan::InputBytes::read_file(std::path::Path::new(&path))?;
    let read = t.elapsed();
    let t = Instant::now();
    let src = planguard::plan::Source::from_input(&path, bytes)?;
    let load = t.elapsed();
    let t = Instant::now();
    let analysis = planguard::analyze(std::slice::from_ref(&src), &[])?;
    let analyse = t.elapsed();
    let parse = analyse;
    let _ = &analyse;
    let edges = analysis.graph.edge_count();
    let t = Instant::now();
    let policy = planguard::policy::Policy::builtin()?;
    let evaluation = planguard::policy::evaluate(&analysis, &policy);
    let judge = t.elapsed();
    let t = Instant::now();
    let report = planguard::report::Report {
        analysis: &analysis,
        evaluation: &evaluation,
    };
    let mut sink = Counting(0);
    planguard::report::json::write(&report, &mut sink)?;
    let json_len = sink.0;
    let render = t.elapsed();
    let t = Instant::now();
    let text =
        planguard::report::render(&report, planguard::report::Format::Text, Default::default());
    let render_text = t.elapsed();
    println!(
        "nodes {} edges {} destructive {} findings {} json {} MB text {} KB",
        analysis.nodes.len(),
        edges,
        analysis.destructive.len(),
        evaluation.findings.len(),
        json_len / 1_000_000,
        text.len() / 1000
    );
    println!("read/map {read:?} utf8 {load:?} parse+analyse {parse:?} policy {judge:?} json {render:?} text {render_text:?}");
    Ok(())
}

/// Counts the JSON report's bytes without keeping them, as `check -o FILE` streams it.
struct Counting(usize);

impl std::io::Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
