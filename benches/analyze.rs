//! End-to-end performance benchmark: how much does planguard's full analysis cost compared
//! with the cheapest possible read of the same plan, and how much memory does it hold?
//!
//! For each size and scenario a synthetic plan (see `generate/mod.rs`) is written to a temp
//! file once, then measured, best of N runs, each run reading the file from the page cache:
//! - **baseline**: a bare typed `serde_json` parse into borrowed structs that keep only
//!   `resource_changes[].address` and `.change.actions`: the floor any reader pays;
//! - **full**: the CLI's read (`InputBytes::read_file`: a regular file is mapped),
//!   `Source::from_input` (UTF-8 check), and [`full_analysis`] (SHA-256 on a second thread);
//! - **dom** (with `--dom`): `serde_json::Value`, for comparison with an untyped parser.
//!
//! Peak heap comes from a counting `#[global_allocator]` around `System`, reset before each
//! run; the input bytes count toward it (mapped bytes are added) until the pipeline releases
//! the input after analysis, as `check` does before judging and writing the report.
//!
//! ```text
//! cargo bench --bench analyze                                  # 1k, 10k, 50k, 100k
//! cargo bench --bench analyze -- --quick                       # 1k and 10k, one run
//! cargo bench --bench analyze -- --sizes 1000,10000 --runs 3 --scenarios typical --cfn 0 --dom
//! cargo bench --bench analyze -- --sizes 0 --cfn 10000 --cfn-template  # + cfn+template row
//! ```
//! `--cfn-template` adds a `cfn+template` row: the same change set with the deployed template
//! written beside it (`cfn-N.template.json`, found by the CLI's discovery). Its file MB and
//! peak/file count both files; its baseline is the change-set baseline plus a typed parse of
//! the template's `Resources` (logical ID and `Type` of each), labelled `cfn+template`.
//! Results are printed as a table and appended as JSON lines to `target/bench-results.jsonl`.
//! Harness = false, so `cargo test` never runs it.

mod generate;

use generate::{CfnOptions, Scenario, Stats, TfOptions};
use planguard::plan::{InputBytes, Source};
use serde::Deserialize;
use std::alloc::{GlobalAlloc, Layout, System};
use std::borrow::Cow;
use std::error::Error;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------------------------------
// Heap accounting

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = CURRENT.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(n: usize) {
    CURRENT.fetch_sub(n, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Start a measured region: returns the heap in use now; the peak restarts from it.
fn heap_mark() -> usize {
    let now = CURRENT.load(Ordering::Relaxed);
    PEAK.store(now, Ordering::Relaxed);
    now
}

/// Let the peak restart from the heap in use now (after a large free), keeping the mark.
fn restart_peak() {
    PEAK.store(CURRENT.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Peak heap since `mark`, above what was in use at the mark.
fn heap_peak_since(mark: usize) -> usize {
    PEAK.load(Ordering::Relaxed).saturating_sub(mark)
}

// ---------------------------------------------------------------------------------------
// What is measured

/// The complete pipeline, exactly as `planguard check --format json -o FILE` runs it after
/// reading: parse, graph, blast radius and root causes; then, with the input released as the
/// CLI releases it, policy with the built-in rules and the JSON report streamed into a
/// counting sink. Returns the report's size (so the work cannot be optimised away) and the
/// peak memory: the larger of (heap + mapped input) during analysis and heap afterwards.
/// The analysis and evaluation are handed back so the caller frees them after the clock
/// stops: `check` exits without freeing them either.
type Kept = (planguard::Analysis, planguard::policy::Evaluation);

fn full_analysis(
    src: Source,
    mapped: usize,
    mark: usize,
) -> planguard::Result<(usize, usize, Kept)> {
    let analysis = planguard::analyze(std::slice::from_ref(&src), &[])?;
    let analysis_peak = heap_peak_since(mark) + mapped;
    drop(src);
    restart_peak();
    let policy = planguard::policy::Policy::builtin()?;
    let evaluation = planguard::policy::evaluate(&analysis, &policy);
    let report = planguard::report::Report {
        analysis: &analysis,
        evaluation: &evaluation,
    };
    let mut sink = CountingSink(0);
    planguard::report::json::write(&report, &mut sink).map_err(|e| planguard::Error::Io {
        path: "<report>".into(),
        source: e,
    })?;
    Ok((
        sink.0,
        analysis_peak.max(heap_peak_since(mark)),
        (analysis, evaluation),
    ))
}

/// Counts the bytes of the report without keeping them.
struct CountingSink(usize);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Baseline: the least a typed reader of a Terraform plan must do.
#[derive(Deserialize)]
struct TfPlan<'a> {
    #[serde(borrow, default)]
    resource_changes: Vec<TfChange<'a>>,
}

#[derive(Deserialize)]
struct TfChange<'a> {
    // Cow: addresses with for_each keys contain escaped quotes and cannot be borrowed.
    #[serde(borrow)]
    address: Cow<'a, str>,
    #[serde(borrow)]
    change: TfActions<'a>,
}

#[derive(Deserialize)]
struct TfActions<'a> {
    #[serde(borrow)]
    actions: Vec<&'a str>,
}

/// Baseline for a change set: logical id and action of every change.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CfnChangeSet<'a> {
    #[serde(borrow, default)]
    changes: Vec<CfnChange<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CfnChange<'a> {
    #[serde(borrow)]
    resource_change: CfnResourceChange<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CfnResourceChange<'a> {
    #[serde(borrow)]
    action: &'a str,
    #[serde(borrow)]
    logical_resource_id: Cow<'a, str>,
}

/// Baseline for a template (`cfn+template` row): logical ID and `Type` of every resource.
#[derive(Deserialize)]
struct CfnTemplate<'a> {
    #[serde(rename = "Resources", borrow, deserialize_with = "resource_list")]
    resources: Vec<(Cow<'a, str>, CfnTemplateResource<'a>)>,
}

#[derive(Deserialize)]
struct CfnTemplateResource<'a> {
    #[serde(rename = "Type", borrow)]
    resource_type: Cow<'a, str>,
}

/// The `Resources` map as a list, in order (no hashing: the floor, not a lookup table).
fn resource_list<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<(Cow<'de, str>, CfnTemplateResource<'de>)>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Vec<(Cow<'de, str>, CfnTemplateResource<'de>)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of resources")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(k) = m.next_key::<&'de str>()? {
                out.push((Cow::Borrowed(k), m.next_value()?));
            }
            Ok(out)
        }
    }
    d.deserialize_map(V)
}

fn baseline_template_parse(bytes: &[u8]) -> Result<usize, serde_json::Error> {
    let t: CfnTemplate = serde_json::from_slice(bytes)?;
    Ok(t.resources
        .iter()
        .map(|(id, r)| id.len() + r.resource_type.len())
        .sum())
}

fn baseline_parse(bytes: &[u8], cloudformation: bool) -> Result<usize, serde_json::Error> {
    if cloudformation {
        let cs: CfnChangeSet = serde_json::from_slice(bytes)?;
        Ok(cs
            .changes
            .iter()
            .map(|c| c.resource_change.action.len() + c.resource_change.logical_resource_id.len())
            .sum())
    } else {
        let p: TfPlan = serde_json::from_slice(bytes)?;
        Ok(p.resource_changes
            .iter()
            .map(|c| c.address.len() + c.change.actions.len())
            .sum())
    }
}

// ---------------------------------------------------------------------------------------
// Runs

#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    secs: f64,
    /// Reading (baseline: `fs::read`) or mapping (full) the file.
    read_secs: f64,
    /// Read + `Source::from_bytes` (UTF-8 check, SHA-256) part of a full run.
    load_secs: f64,
    peak: usize,
}

fn best(samples: &[Sample]) -> Sample {
    let mut b = samples.first().copied().unwrap_or_default();
    for s in samples {
        if s.secs < b.secs {
            b.secs = s.secs;
            b.load_secs = s.load_secs;
            b.read_secs = s.read_secs;
        }
        // Peak: the largest seen; it barely varies between runs.
        b.peak = b.peak.max(s.peak);
    }
    b
}

fn run_baseline(path: &Path, cloudformation: bool) -> Result<Sample, Box<dyn Error>> {
    let mark = heap_mark();
    let t0 = Instant::now();
    let bytes = fs::read(path)?;
    let read_secs = t0.elapsed().as_secs_f64();
    let n = baseline_parse(&bytes, cloudformation)?;
    let secs = t0.elapsed().as_secs_f64();
    std::hint::black_box(n);
    drop(bytes);
    Ok(Sample {
        secs,
        read_secs,
        load_secs: read_secs,
        peak: heap_peak_since(mark),
    })
}

/// The `cfn+template` baseline: change set and template read and parsed, one after the other.
fn run_baseline_with_template(path: &Path, template: &Path) -> Result<Sample, Box<dyn Error>> {
    let mark = heap_mark();
    let t0 = Instant::now();
    let bytes = fs::read(path)?;
    let tbytes = fs::read(template)?;
    let read_secs = t0.elapsed().as_secs_f64();
    let n = baseline_parse(&bytes, true)? + baseline_template_parse(&tbytes)?;
    let secs = t0.elapsed().as_secs_f64();
    std::hint::black_box(n);
    drop(bytes);
    drop(tbytes);
    Ok(Sample {
        secs,
        read_secs,
        load_secs: read_secs,
        peak: heap_peak_since(mark),
    })
}

fn run_dom(path: &Path) -> Result<Sample, Box<dyn Error>> {
    let mark = heap_mark();
    let t0 = Instant::now();
    let bytes = fs::read(path)?;
    let v: serde_json::Value = serde_json::from_slice(&bytes)?;
    let secs = t0.elapsed().as_secs_f64();
    std::hint::black_box(&v);
    let peak = heap_peak_since(mark);
    drop(v);
    Ok(Sample {
        secs,
        read_secs: 0.0,
        load_secs: 0.0,
        peak,
    })
}

/// One full run; `Err(message)` when planguard refused the input (reported, not fatal).
fn run_full(path: &Path) -> Result<(Sample, Result<usize, String>), Box<dyn Error>> {
    run_full_with(path, 0)
}

/// [`run_full`]; `mapped_beside` bytes of files planguard maps by itself (a template found
/// beside the change set) count toward the peak like the mapped input (during analysis:
/// the parser releases them when it returns).
fn run_full_with(
    path: &Path,
    mapped_beside: usize,
) -> Result<(Sample, Result<usize, String>), Box<dyn Error>> {
    let mark = heap_mark();
    let t0 = Instant::now();
    // As the CLI reads: a regular file is mapped, not copied to the heap.
    let bytes = InputBytes::read_file(path)?;
    let read_secs = t0.elapsed().as_secs_f64();
    // Mapped bytes are memory the run holds too: count them as if they were heap.
    let mapped = if bytes.is_mapped() {
        bytes.as_slice().len()
    } else {
        0
    };
    let src = Source::from_input(&path.display().to_string(), bytes).map_err(|e| e.to_string())?;
    let load_secs = t0.elapsed().as_secs_f64();
    let mapped = mapped + mapped_beside;
    let result = full_analysis(src, mapped, mark).map_err(|e| e.to_string());
    let secs = t0.elapsed().as_secs_f64();
    std::hint::black_box(&result);
    let (outcome, peak) = match result {
        Ok((bytes, peak, kept)) => {
            drop(kept);
            (Ok(bytes), peak)
        }
        Err(e) => (Err(e), heap_peak_since(mark) + mapped),
    };
    Ok((
        Sample {
            secs,
            read_secs,
            load_secs,
            peak,
        },
        outcome,
    ))
}

// ---------------------------------------------------------------------------------------
// Driver

struct Args {
    sizes: Vec<usize>,
    scenarios: Vec<Scenario>,
    cfn_changes: usize,
    cfn_template: bool,
    runs: Option<usize>,
    dom: bool,
    seed: u64,
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut a = Args {
        sizes: vec![1_000, 10_000, 50_000, 100_000],
        scenarios: Scenario::ALL.to_vec(),
        cfn_changes: 10_000,
        cfn_template: false,
        runs: None,
        dom: false,
        seed: 42,
    };
    let mut explicit_sizes = false;
    let mut quick = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            // `cargo bench` appends `--bench`; harness=false binaries just accept it.
            "--bench" => {}
            "--quick" => quick = true,
            "--dom" => a.dom = true,
            "--sizes" => {
                a.sizes = value()?
                    .split(',')
                    .map(|s| s.trim().parse::<usize>())
                    .filter(|n| !matches!(n, Ok(0)))
                    .collect::<Result<_, _>>()?;
                explicit_sizes = true;
            }
            "--scenarios" => {
                a.scenarios = value()?
                    .split(',')
                    .map(|s| {
                        Scenario::parse(s.trim()).ok_or_else(|| format!("unknown scenario {s:?}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--cfn" => a.cfn_changes = value()?.parse()?,
            "--cfn-template" => a.cfn_template = true,
            "--runs" => a.runs = Some(value()?.parse()?),
            "--seed" => a.seed = value()?.parse()?,
            "-h" | "--help" => {
                println!(
                    "cargo bench --bench analyze -- [--quick] [--sizes 1000,10000] \
                     [--scenarios typical,mass-replace] [--cfn CHANGES|0] [--cfn-template] [--runs N] \
                     [--dom] [--seed N]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unexpected argument {other:?} (see --help)").into()),
        }
    }
    if quick {
        if !explicit_sizes {
            a.sizes = vec![1_000, 10_000];
        }
        a.runs.get_or_insert(1);
        if a.cfn_changes > 1_000 {
            a.cfn_changes = 1_000;
        }
    }
    Ok(a)
}

fn runs_for(bytes: u64, fixed: Option<usize>) -> usize {
    // A 5 MB plan takes a few milliseconds: best of many, or scheduler noise decides.
    fixed.unwrap_or(match bytes {
        0..=10_000_000 => 50,
        10_000_001..=20_000_000 => 5,
        20_000_001..=100_000_000 => 3,
        _ => 2,
    })
}

struct Row {
    label: String,
    scenario: &'static str,
    format: &'static str,
    stats: Stats,
    runs: usize,
    baseline: Sample,
    full: Sample,
    dom: Option<Sample>,
    outcome: Result<usize, String>,
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// Best baseline, best full run, best DOM run (if asked), outcome of the last full run.
type Measured = (Sample, Sample, Option<Sample>, Result<usize, String>);

fn measure(
    path: &Path,
    cloudformation: bool,
    runs: usize,
    dom: bool,
) -> Result<Measured, Box<dyn Error>> {
    // One untimed pass of each warms the page cache and the allocator.
    run_baseline(path, cloudformation)?;
    let mut base = Vec::new();
    let mut full = Vec::new();
    let mut outcome = Ok(0);
    for _ in 0..runs {
        base.push(run_baseline(path, cloudformation)?);
        let (s, o) = run_full(path)?;
        full.push(s);
        outcome = o;
    }
    let dom = if dom {
        let mut d = Vec::new();
        for _ in 0..runs {
            d.push(run_dom(path)?);
        }
        Some(best(&d))
    } else {
        None
    };
    Ok((best(&base), best(&full), dom, outcome))
}

/// [`measure`] for the `cfn+template` row (no DOM run).
fn measure_with_template(
    path: &Path,
    template: &Path,
    runs: usize,
) -> Result<Measured, Box<dyn Error>> {
    let template_bytes = usize::try_from(fs::metadata(template)?.len())?;
    run_baseline_with_template(path, template)?;
    let mut base = Vec::new();
    let mut full = Vec::new();
    let mut outcome = Ok(0);
    for _ in 0..runs {
        base.push(run_baseline_with_template(path, template)?);
        let (s, o) = run_full_with(path, template_bytes)?;
        full.push(s);
        outcome = o;
    }
    Ok((best(&base), best(&full), None, outcome))
}

const MB: f64 = 1_000_000.0;

fn print_header() {
    println!(
        "{:>8} {:<13} {:>9} {:>4} {:>10} {:>7} {:>9} {:>9} {:>6} {:>8} {:>9} {:>9} {:>9} {:>9}  result",
        "size",
        "scenario",
        "file MB",
        "runs",
        "baseline s",
        "read s",
        "load s",
        "full s",
        "ratio",
        "no-read",
        "base MB/s",
        "full MB/s",
        "peak MB",
        "peak/file"
    );
}

fn print_row(r: &Row) {
    let mb = r.stats.bytes as f64 / MB;
    let ratio = r.full.secs / r.baseline.secs;
    println!(
        "{:>8} {:<13} {:>9.1} {:>4} {:>10.3} {:>7.3} {:>9.3} {:>9.3} {:>6.2} {:>8.2} {:>9.0} {:>9.0} {:>9.1} {:>9.2}  {}",
        r.label,
        r.scenario,
        mb,
        r.runs,
        r.baseline.secs,
        r.full.read_secs,
        r.full.load_secs,
        r.full.secs,
        ratio,
        ratio_without_read(r),
        mb / r.baseline.secs,
        mb / r.full.secs,
        r.full.peak as f64 / MB,
        r.full.peak as f64 / r.stats.bytes as f64,
        match &r.outcome {
            Ok(n) => format!("ok ({n}-byte report)"),
            Err(e) => format!("refused: {}", e.lines().next().unwrap_or("")),
        }
    );
    if let Some(d) = &r.dom {
        println!(
            "{:>8} {:<13} {:>9} {:>4} {:>10.3} {:>7} {:>9} {:>9} {:>6.2} {:>8} {:>9.0} {:>9} {:>9.1} {:>9.2}  serde_json::Value (for comparison)",
            "",
            "  dom",
            "",
            "",
            d.secs,
            "",
            "",
            "",
            d.secs / r.baseline.secs,
            "",
            mb / d.secs,
            "",
            d.peak as f64 / MB,
            d.peak as f64 / r.stats.bytes as f64,
        );
    }
}

/// Full over baseline with the file's reading taken out of both: the cost of the work
/// itself, whatever the reading strategy (the baseline copies the file, planguard maps it).
fn ratio_without_read(r: &Row) -> f64 {
    (r.full.secs - r.full.read_secs) / (r.baseline.secs - r.baseline.read_secs)
}

fn json_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

fn json_line(r: &Row, ts: u64) -> String {
    let dom = r.dom.map_or("null".to_string(), |d| {
        format!("{{\"secs\":{:.6},\"peak_bytes\":{}}}", d.secs, d.peak)
    });
    let outcome = match &r.outcome {
        Ok(n) => format!("{{\"ok\":{n}}}"),
        Err(e) => format!(
            "{{\"error\":\"{}\"}}",
            json_escape(e.lines().next().unwrap_or(""))
        ),
    };
    format!(
        "{{\"unix_time\":{ts},\"format\":\"{}\",\"size\":{},\"scenario\":\"{}\",\"changes\":{},\"file_bytes\":{},\"runs\":{},\
\"baseline_secs\":{:.6},\"baseline_peak_bytes\":{},\"read_secs\":{:.6},\"load_secs\":{:.6},\"full_secs\":{:.6},\"ratio\":{:.4},\
\"ratio_without_read\":{:.4},\"baseline_read_secs\":{:.6},\"baseline_mb_per_s\":{:.1},\"full_mb_per_s\":{:.1},\"peak_bytes\":{},\"peak_over_file\":{:.4},\"dom\":{dom},\"outcome\":{outcome}}}",
        r.format,
        r.stats.resources,
        r.scenario,
        r.stats.changes,
        r.stats.bytes,
        r.runs,
        r.baseline.secs,
        r.baseline.peak,
        r.full.read_secs,
        r.full.load_secs,
        r.full.secs,
        r.full.secs / r.baseline.secs,
        ratio_without_read(r),
        r.baseline.read_secs,
        r.stats.bytes as f64 / MB / r.baseline.secs,
        r.stats.bytes as f64 / MB / r.full.secs,
        r.full.peak,
        r.full.peak as f64 / r.stats.bytes as f64,
    )
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let dir = tempfile::Builder::new()
        .prefix("planguard-bench-")
        .tempdir()?;
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let results_path = target_dir().join("bench-results.jsonl");
    if let Some(parent) = results_path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut results = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&results_path)?;

    print_header();
    let mut jobs: Vec<(usize, Option<Scenario>)> = Vec::new();
    for &size in &args.sizes {
        for &sc in &args.scenarios {
            jobs.push((size, Some(sc)));
        }
    }
    if args.cfn_changes > 0 {
        jobs.push((args.cfn_changes, None));
    }
    for (size, scenario) in jobs {
        let path = dir.path().join(match scenario {
            Some(sc) => format!("tf-{size}-{}.json", sc.as_str()),
            None => format!("cfn-{size}.json"),
        });
        let gen_start = Instant::now();
        let stats = {
            let mut w = BufWriter::with_capacity(1 << 20, File::create(&path)?);
            match scenario {
                Some(sc) => generate::write_terraform_plan(
                    &mut w,
                    &TfOptions {
                        resources: size,
                        scenario: sc,
                        seed: args.seed,
                    },
                )?,
                None => generate::write_cfn_change_set(
                    &mut w,
                    &CfnOptions {
                        changes: size,
                        seed: args.seed,
                    },
                )?,
            }
        };
        let gen_secs = gen_start.elapsed().as_secs_f64();
        let runs = runs_for(stats.bytes, args.runs);
        let (baseline, full, dom, outcome) = measure(&path, scenario.is_none(), runs, args.dom)?;
        let row = Row {
            label: format!("{size}"),
            scenario: scenario.map_or("cfn-changeset", Scenario::as_str),
            format: if scenario.is_some() {
                "terraform"
            } else {
                "cloudformation"
            },
            stats,
            runs,
            baseline,
            full,
            dom,
            outcome,
        };
        print_row(&row);
        writeln!(results, "{}", json_line(&row, ts))?;
        eprintln!(
            "         (generated in {gen_secs:.2} s; baseline peak {:.1} MB)",
            row.baseline.peak as f64 / MB
        );
        fs::remove_file(&path)?;
    }
    if args.cfn_template && args.cfn_changes > 0 {
        let size = args.cfn_changes;
        let path = dir.path().join(format!("cfn-{size}.json"));
        // Beside the change set, where the CLI looks for it (`<stem>.template.json`).
        let template = dir.path().join(format!("cfn-{size}.template.json"));
        let opts = CfnOptions {
            changes: size,
            seed: args.seed,
        };
        let gen_start = Instant::now();
        let mut stats = {
            let mut w = BufWriter::with_capacity(1 << 20, File::create(&path)?);
            generate::write_cfn_change_set(&mut w, &opts)?
        };
        let template_bytes = {
            let mut w = BufWriter::with_capacity(1 << 20, File::create(&template)?);
            generate::write_cfn_template(&mut w, &opts)?
        };
        // Both files are the input: file MB and peak/file count them together.
        stats.bytes += template_bytes;
        let gen_secs = gen_start.elapsed().as_secs_f64();
        let runs = runs_for(stats.bytes, args.runs);
        let (baseline, full, dom, outcome) = measure_with_template(&path, &template, runs)?;
        let row = Row {
            label: format!("{size}"),
            scenario: "cfn+template",
            format: "cloudformation",
            stats,
            runs,
            baseline,
            full,
            dom,
            outcome,
        };
        print_row(&row);
        writeln!(results, "{}", json_line(&row, ts))?;
        eprintln!(
            "         (generated in {gen_secs:.2} s; template {:.1} MB; baseline peak {:.1} MB)",
            template_bytes as f64 / MB,
            row.baseline.peak as f64 / MB
        );
        fs::remove_file(&path)?;
        fs::remove_file(&template)?;
    }
    println!("results appended to {}", results_path.display());
    Ok(())
}
