//! Command implementations: read inputs and config, call the library, write the report.
//!
//! Binary plan files (`terraform plan -out=tfplan`) are zip archives; they are turned into
//! JSON by running `terraform show -json FILE` (or `tofu`, or `--terraform-bin`). Nothing
//! planguard reads is ever modified.

use crate::cli::{
    CheckArgs, Cli, ColorChoice, Command, GraphArgs, GraphFormatArg, OutputFormat, PolicyArgs,
    ReportArgs, RulesCommand, SeverityArg,
};
use miette::Result;
use planguard::error::Error;
use planguard::plan::{InputBytes, Source};
use planguard::policy::config::{
    discover, parse_config, parse_date, CONFIG_FILE_NAME, STARTER_CONFIG,
};
use planguard::policy::rule::Severity;
use planguard::policy::{evaluate, Policy, PolicyOptions, Verdict};
use planguard::report::{self, Format, Report, TextOptions};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command as Process;

pub fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Diff(args) => {
            let before = read_source(&args.before, None)?;
            let after = read_source(&args.after, None)?;
            let analysis = planguard::analyze_template_diff(&before, &after)?;
            report_and_verdict(&analysis, &args.report)
        }
        Command::Rules(cmd) => rules(cmd),
        Command::Init { force } => init(force),
        Command::Hook(args) => hook(args),
        Command::Graph(args) => graph(args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "planguard", &mut out);
            write_output(None, &String::from_utf8_lossy(&out))?;
            Ok(0)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .map_err(|e| io_error("<man page>", e))?;
            write_output(None, &String::from_utf8_lossy(&out))?;
            Ok(0)
        }
        Command::Guard(args) => crate::guard::guard(args),
    }
}

/// Read inputs (and templates: named, else found beside change sets) and analyse them.
/// Returns the Terraform sources too, for `--source-dir`.
fn read_and_analyze(
    inputs: &[String],
    template: &[String],
    terraform_bin: Option<&str>,
) -> Result<(planguard::Analysis, Vec<Source>), Error> {
    let mut sources = Vec::new();
    for p in inputs {
        sources.push(read_source(p, terraform_bin)?);
    }
    let mut templates = Vec::new();
    for t in template {
        templates.push(read_source(t, None)?);
    }
    let mut terraform = Vec::new();
    for src in &sources {
        match planguard::plan::detect(src)? {
            planguard::plan::Detected::CloudformationChangeSet if template.is_empty() => {
                templates.extend(planguard::plan::cloudformation::find_templates_beside(
                    &src.path,
                )?);
            }
            planguard::plan::Detected::TerraformJson => terraform.push(src.clone()),
            _ => {}
        }
    }
    let analysis = planguard::analyze(&sources, &templates)?;
    Ok((analysis, terraform))
}

fn graph(args: GraphArgs) -> Result<u8, Error> {
    use planguard::report::graph::{render_analysis, GraphFormat, GraphOptions};
    let (analysis, _) =
        read_and_analyze(&args.inputs, &args.template, args.terraform_bin.as_deref())?;
    let text = render_analysis(
        &analysis,
        GraphOptions {
            format: match args.format {
                GraphFormatArg::Dot => GraphFormat::Dot,
                GraphFormatArg::Mermaid => GraphFormat::Mermaid,
            },
            blast_radius: args.blast_radius,
            edge_labels: args.edge_labels,
        },
    );
    write_output(args.output.as_deref(), &text)?;
    Ok(0)
}

pub(crate) fn severity(s: SeverityArg) -> Severity {
    match s {
        SeverityArg::Info => Severity::Info,
        SeverityArg::Low => Severity::Low,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::High => Severity::High,
        SeverityArg::Critical => Severity::Critical,
    }
}

fn io_error(path: &str, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_string(),
        source,
    }
}

/// Read one input: a file, `-` for stdin, or a binary plan turned into JSON.
pub fn read_source(path: &str, terraform_bin: Option<&str>) -> Result<Source, Error> {
    let bytes = if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| io_error("<stdin>", e))?;
        InputBytes::Owned(buf)
    } else {
        let p = Path::new(path);
        if p.is_dir() {
            return Err(Error::usage(
                format!("{path} is a directory, not a plan file"),
                Some("give the JSON plan file (terraform show -json tfplan > plan.json)".into()),
            ));
        }
        InputBytes::read_file(p).map_err(|e| io_error(path, e))?
    };
    if bytes.as_slice().starts_with(b"PK\x03\x04") {
        if path == "-" {
            return Err(Error::usage(
                "a binary plan file was piped on stdin".to_string(),
                Some(
                    "give its path instead, so planguard can run `terraform show -json PATH`"
                        .into(),
                ),
            ));
        }
        return show_binary_plan(path, terraform_bin);
    }
    Source::from_input(path, bytes)
}

fn on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Run `BIN show -json PLANFILE` and read its output as the plan.
fn show_binary_plan(path: &str, terraform_bin: Option<&str>) -> Result<Source, Error> {
    let bin = match terraform_bin {
        Some(b) => b.to_string(),
        None => match on_path("terraform").or_else(|| on_path("tofu")) {
            Some(p) => p.display().to_string(),
            None => {
                return Err(Error::Tool {
                    message: format!(
                        "{path} is a binary plan file, and neither terraform nor tofu is on PATH to read it"
                    ),
                    help: Some(
                        "install Terraform or OpenTofu, pass --terraform-bin PATH, or give JSON: \
                         `terraform show -json tfplan > plan.json`"
                            .into(),
                    ),
                })
            }
        },
    };
    let out = Process::new(&bin)
        .args(["show", "-json", path])
        .output()
        .map_err(|e| Error::Tool {
            message: format!("cannot run `{bin} show -json {path}`: {e}"),
            help: Some("check --terraform-bin, or give the plan as JSON".into()),
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(Error::Tool {
            message: format!(
                "`{bin} show -json {path}` failed ({}): {}",
                out.status,
                stderr.trim()
            ),
            help: Some(
                "run it in the directory where the plan was made (after `terraform init`), \
                 with the same Terraform version"
                    .into(),
            ),
        });
    }
    Source::from_bytes(path, out.stdout)
}

fn load_policy(
    args: &PolicyArgs,
    fail_on: Option<Severity>,
    today: Option<&str>,
) -> Result<Policy, Error> {
    let config = if args.no_config {
        None
    } else {
        find_config(args.config.as_deref())?
    };
    let mut severities = Vec::new();
    for s in &args.severity {
        let parsed = s
            .split_once('=')
            .and_then(|(id, lvl)| Some((id.to_string(), Severity::parse(lvl)?)));
        match parsed {
            Some(p) => severities.push(p),
            None => {
                return Err(Error::usage(
                    format!("--severity {s:?}: expected ID=LEVEL"),
                    Some("levels: info, low, medium, high, critical; e.g. --severity resource-deleted=high".into()),
                ))
            }
        }
    }
    let today = match today {
        Some(t) => Some(
            parse_date(t)
                .ok_or_else(|| Error::usage(format!("--today {t:?} is not YYYY-MM-DD"), None))?,
        ),
        None => None,
    };
    Policy::load(PolicyOptions {
        config,
        rule_paths: args.rules.clone(),
        disable: args.disable.clone(),
        severity: severities,
        no_builtin_rules: args.no_builtin_rules,
        fail_on,
        today,
    })
}

pub(crate) fn color_enabled(choice: ColorChoice, to_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

fn write_output(output: Option<&Path>, text: &str) -> Result<(), Error> {
    match output {
        Some(p) => std::fs::write(p, text).map_err(|e| io_error(&p.display().to_string(), e)),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .map_err(|e| io_error("<stdout>", e))
        }
    }
}

fn append(path: &Path, text: &str) -> Result<(), Error> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io_error(&path.display().to_string(), e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| io_error(&path.display().to_string(), e))
}

fn check(args: CheckArgs) -> Result<u8, Error> {
    if let (Some(before), Some(after)) = (&args.before, &args.after) {
        let before = read_source(before, None)?;
        let after = read_source(after, None)?;
        let analysis = planguard::analyze_template_diff(&before, &after)?;
        return report_and_verdict(&analysis, &args.report);
    }
    if args.inputs.is_empty() {
        return Err(Error::usage(
            "no input given",
            Some(
                "planguard check plan.json  (or `-` for stdin; see planguard check --help)".into(),
            ),
        ));
    }
    // Policy first: a broken config is reported before any expensive parsing.
    let policy = policy_for(&args.report)?;
    let (mut analysis, terraform) =
        read_and_analyze(&args.inputs, &args.template, args.terraform_bin.as_deref())?;
    if let Some(dir) = &args.report.source_dir {
        if !dir.is_dir() {
            return Err(Error::usage(
                format!("--source-dir {}: not a directory", dir.display()),
                Some("give the Terraform configuration directory the plan was made in".into()),
            ));
        }
        let refs: Vec<&Source> = terraform.iter().collect();
        planguard::source_map::locate_terraform(&mut analysis, &refs, dir);
    }
    drop(terraform);
    let code = report_with(&analysis, &policy, &args.report);
    // The process ends right after: freeing a 100k-node analysis one allocation at a time
    // would cost tens of milliseconds for nothing.
    std::mem::forget(analysis);
    code
}

fn policy_for(args: &ReportArgs) -> Result<Policy, Error> {
    load_policy(
        &args.policy,
        args.fail_on.map(severity),
        args.today.as_deref(),
    )
}

fn report_and_verdict(analysis: &planguard::Analysis, args: &ReportArgs) -> Result<u8, Error> {
    let policy = policy_for(args)?;
    report_with(analysis, &policy, args)
}

/// Judge, render, write; the exit code follows the verdict.
fn report_with(
    analysis: &planguard::Analysis,
    policy: &Policy,
    args: &ReportArgs,
) -> Result<u8, Error> {
    let evaluation = evaluate(analysis, policy);
    let report = Report {
        analysis,
        evaluation: &evaluation,
    };
    let format = match args.format {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Markdown => Format::Markdown,
        OutputFormat::Github => Format::Github,
        OutputFormat::Gitlab => Format::Gitlab,
    };
    if format == Format::Github {
        // The job summary gets the same Markdown a pull-request comment would.
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            let md = report::render(&report, Format::Markdown, TextOptions::default());
            append(Path::new(&path), &md)?;
        }
    }
    if format == Format::Json {
        // Streamed: a mass replacement's report can be larger than the plan.
        write_streamed(args.output.as_deref(), |w| report::json::write(&report, w))?;
    } else {
        let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
        let text = report::render(
            &report,
            format,
            TextOptions {
                color: color_enabled(args.color, to_terminal),
                max_items: args.max_items,
            },
        );
        write_output(args.output.as_deref(), &text)?;
    }
    let code = match evaluation.verdict {
        Verdict::Pass => 0,
        Verdict::Fail => 1,
    };
    // As for the analysis in `check`: the process is about to exit.
    std::mem::forget(evaluation);
    Ok(code)
}

/// Write through a buffer to `--output` or stdout.
fn write_streamed(
    output: Option<&Path>,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let shown = output.map_or("<stdout>".to_string(), |p| p.display().to_string());
    let result = match output {
        Some(p) => std::fs::File::create(p).and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            body(&mut w)?;
            w.flush()
        }),
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            body(&mut w).and_then(|()| w.flush())
        }
    };
    result.map_err(|e| io_error(&shown, e))
}

fn rules(cmd: RulesCommand) -> Result<u8, Error> {
    match cmd {
        RulesCommand::List { policy } => {
            let p = load_policy(&policy, None, None)?;
            let mut out = String::new();
            let width = p.rules.iter().map(|r| r.spec.id.len()).max().unwrap_or(0);
            for r in &p.rules {
                let origin = match &r.origin {
                    planguard::policy::rule::Origin::Builtin => String::new(),
                    planguard::policy::rule::Origin::File(f) => format!("  [{f}]"),
                };
                out.push_str(&format!(
                    "{:<width$}  {:<8}  {}{}\n",
                    r.spec.id,
                    r.spec.severity.as_str(),
                    r.spec.summary,
                    origin
                ));
            }
            write_output(None, &out)?;
            Ok(0)
        }
        RulesCommand::Explain { id, policy } => {
            let p = load_policy(&policy, None, None)?;
            let Some(r) = p.rule(&id) else {
                return Err(Error::usage(
                    format!("unknown rule id {id:?}"),
                    Some("`planguard rules list` shows every rule id".into()),
                ));
            };
            let mut out = format!(
                "{} ({})\n{}\n\n{}\n",
                r.spec.id,
                r.spec.severity,
                r.spec.summary,
                r.spec.description.trim_end()
            );
            if let Some(m) = &r.spec.match_ {
                let yaml = serde_yaml::to_string(m).unwrap_or_default();
                out.push_str(&format!("\nMatches:\n{}", indent(&yaml)));
            }
            if let Some(pl) = &r.spec.plan {
                let yaml = serde_yaml::to_string(pl).unwrap_or_default();
                out.push_str(&format!("\nPlan condition:\n{}", indent(&yaml)));
            }
            if let Some(ex) = &r.spec.example {
                out.push_str(&format!("\nExample:\n{}", indent(ex)));
            }
            write_output(None, &out)?;
            Ok(0)
        }
        RulesCommand::Validate { paths } => {
            let rules = planguard::policy::validate_rule_paths(&paths)?;
            write_output(None, &format!("{} rule(s) valid\n", rules.len()))?;
            Ok(0)
        }
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

fn init(force: bool) -> Result<u8, Error> {
    let path = Path::new(CONFIG_FILE_NAME);
    if path.exists() && !force {
        return Err(Error::usage(
            format!("{CONFIG_FILE_NAME} already exists"),
            Some("use --force to overwrite it".into()),
        ));
    }
    std::fs::write(path, STARTER_CONFIG).map_err(|e| io_error(CONFIG_FILE_NAME, e))?;
    eprintln!("wrote {CONFIG_FILE_NAME}");
    Ok(0)
}

/// The config file in force: `--config`, else `.planguard.yaml` here or in a parent.
pub(crate) fn find_config(
    explicit: Option<&Path>,
) -> Result<Option<planguard::policy::config::LoadedConfig>, Error> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::current_dir().ok().and_then(|d| discover(&d)),
    };
    match path {
        Some(p) => {
            let text =
                std::fs::read_to_string(&p).map_err(|e| io_error(&p.display().to_string(), e))?;
            Ok(Some(parse_config(&p, text)?))
        }
        None => Ok(None),
    }
}

/// `planguard hook`: a broken config is an error (exit 2, which agents treat as blocking),
/// never a silent allow. Output is written without panicking on a closed pipe.
fn hook(args: crate::cli::HookArgs) -> Result<u8, Error> {
    use planguard::hook::{run_hook_command, HookConfig, HookFormat};
    let format: HookFormat = match &args.format {
        Some(f) => f.parse().map_err(|e: String| Error::usage(e, None))?,
        None if args.command.is_some() => HookFormat::Text,
        None => HookFormat::Claude,
    };
    let loaded = find_config(args.config.as_deref())?;
    let config = HookConfig::from_yaml(loaded.as_ref().and_then(|c| c.config.hook.as_ref()))
        .map_err(|e| {
            let path = loaded.as_ref().map_or(String::from(CONFIG_FILE_NAME), |c| {
                c.path.display().to_string()
            });
            Error::config(planguard::error::Located::whole_file(
                "planguard::config::hook",
                &path,
                format!("hook: {e}"),
            ))
        })?;
    let mut stdin = String::new();
    if args.command.is_none() {
        std::io::stdin()
            .read_to_string(&mut stdin)
            .map_err(|e| io_error("<stdin>", e))?;
    }
    let response = run_hook_command(args.command.as_deref(), &stdin, format, &config);
    let _ = std::io::stdout()
        .lock()
        .write_all(response.stdout.as_bytes());
    let _ = std::io::stderr()
        .lock()
        .write_all(response.stderr.as_bytes());
    Ok(u8::try_from(response.exit_code).unwrap_or(2))
}
