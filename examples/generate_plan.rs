//! Writes a large synthetic plan to a file, for timing the CLI (hyperfine, `/usr/bin/time -v`)
//! and for profiling on the same bytes the `analyze` benchmark measures.
//!
//! ```text
//! cargo run --release --example generate_plan -- --resources 100000 \
//!     [--scenario typical|mass-replace] [--format terraform|cloudformation] \
//!     [--seed N] [--template TEMPLATE.json] -o plan.json
//! ```
//!
//! With `--format cloudformation`, `--resources` is the number of changes and `--template`
//! also writes the deployed template of the same estate. Arguments are parsed by hand: the
//! crate takes no dependency for an example.

#[path = "../benches/generate/mod.rs"]
mod generate;

use generate::{CfnOptions, Scenario, TfOptions};
use std::error::Error;
use std::fs::File;
use std::io::BufWriter;
use std::time::Instant;

const USAGE: &str = "usage: generate_plan --resources N [--scenario typical|mass-replace] \
[--format terraform|cloudformation] [--seed N] [--template FILE] -o FILE";

fn main() -> Result<(), Box<dyn Error>> {
    let mut resources: Option<usize> = None;
    let mut scenario = Scenario::Typical;
    let mut cloudformation = false;
    let mut seed: u64 = 42;
    let mut output: Option<String> = None;
    let mut template: Option<String> = None;

    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--resources" | "-n" => resources = Some(parse_count(&value("--resources")?)?),
            "--scenario" => {
                let v = value("--scenario")?;
                scenario = Scenario::parse(&v)
                    .ok_or_else(|| format!("unknown scenario {v:?}\n{USAGE}"))?;
            }
            "--format" => match value("--format")?.as_str() {
                "terraform" => cloudformation = false,
                "cloudformation" => cloudformation = true,
                other => return Err(format!("unknown format {other:?}\n{USAGE}").into()),
            },
            "--seed" => seed = value("--seed")?.parse()?,
            "-o" | "--output" => output = Some(value("-o")?),
            "--template" => template = Some(value("--template")?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unexpected argument {other:?}\n{USAGE}").into()),
        }
    }
    let resources = resources.ok_or(USAGE)?;
    let output = output.ok_or(USAGE)?;

    let started = Instant::now();
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&output)?);
    let stats = if cloudformation {
        let opts = CfnOptions {
            changes: resources,
            seed,
        };
        let stats = generate::write_cfn_change_set(&mut w, &opts)?;
        if let Some(t) = &template {
            let mut tw = BufWriter::with_capacity(1 << 20, File::create(t)?);
            let bytes = generate::write_cfn_template(&mut tw, &opts)?;
            eprintln!("template: {t} ({bytes} bytes)");
        }
        stats
    } else {
        if template.is_some() {
            return Err("--template is for --format cloudformation".into());
        }
        generate::write_terraform_plan(
            &mut w,
            &TfOptions {
                resources,
                scenario,
                seed,
            },
        )?
    };
    eprintln!(
        "{output}: {} in {:.2} s",
        stats.summary(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `100000`, `100k`, `1m`.
fn parse_count(s: &str) -> Result<usize, Box<dyn Error>> {
    let lower = s.to_ascii_lowercase();
    let (digits, mult) = if let Some(d) = lower.strip_suffix('k') {
        (d, 1_000)
    } else if let Some(d) = lower.strip_suffix('m') {
        (d, 1_000_000)
    } else {
        (lower.as_str(), 1)
    };
    Ok(digits.replace('_', "").parse::<usize>()? * mult)
}
