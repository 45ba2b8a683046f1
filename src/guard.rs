//! `planguard guard -- COMMAND…`: check what a command is about to apply, then run it.
//!
//! Why this exists: a check that someone has to remember to run, on a plan that may not be
//! the one applied, protects nothing. The guard runs the check on the exact plan or change
//! set the command applies and runs the command only when the check passes, so
//! `alias terraform='planguard guard -- terraform'` makes the check part of every apply.
//! What is checked and what is refused is decided in the library
//! ([`planguard::guard_plan::classify`]); this module runs the tools and the command.
//!
//! Decisions recorded here (see docs/guard.md):
//! * **Output.** The wrapped command owns stdout; every planguard message and report goes to
//!   stderr. A failed check prints the full report; a passed one prints one line (`--format
//!   json` prints the JSON report either way).
//! * **Running the command, signals.** On unix the checked command replaces planguard
//!   (`exec`): it keeps planguard's PID, stdin, stdout and stderr, receives every signal sent
//!   to planguard or by the terminal directly, and its exit status is planguard's. Nothing
//!   needs forwarding and nothing can be left running behind planguard. (Forwarding SIGINT
//!   from a wrapper would deliver Ctrl-C twice, and a second interrupt makes Terraform stop
//!   hard.) The short read-only helper calls (`show -json`, `describe-change-set`,
//!   `get-template`, `deploy --no-execute-changeset`) run as children in the same process
//!   group, so Ctrl-C reaches them too. Elsewhere the command runs as a child and its exit
//!   code is passed through.
//! * **Failed check.** At a terminal (stdin and stderr both TTYs) a person may type a
//!   confirmation naming what will be destroyed; without one (agents, CI) there is no
//!   override: a waiver in `.planguard.yaml` is the only way through.
//! * **Audit log.** Every checked, refused, allowed-by-config or overridden command is
//!   appended as one JSON line before the command runs. If the line cannot be written the
//!   command does not run (exit 2): the log fails closed. Commands the guard passes through
//!   without judging (`terraform plan`, `init`) are not logged.
//! * **CloudFormation templates.** The deployed template (`get-template --template-stage
//!   Original`) supplies the dependency graph. When it cannot be fetched (a stack being
//!   created has none), the check goes on with the change set's own hints and the report
//!   notes the partial graph; the verdict never depends on the template being present.

use crate::cli::{GuardArgs, GuardFormat};
use crate::run::{find_config, severity};
use planguard::error::{Error, Located};
use planguard::guard_plan::{
    classify, confirmation_phrase, display_argv, split_json_stream, AwsCall, GuardAction,
    GuardConfig, Refusal,
};
use planguard::hook::HookConfig;
use planguard::plan::cfn_fetch::{deploy_outcome, page_info, template_body, DeployOutcome};
use planguard::plan::Source;
use planguard::policy::config::{Date, LoadedConfig};
use planguard::policy::{evaluate, Evaluation, Policy, PolicyOptions, Verdict};
use planguard::report::{self, Format, Report, TextOptions};
use serde::Serialize;
use std::collections::{HashSet, VecDeque};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

/// More pages than this means the CLI keeps answering with a `NextToken`: stop, fail closed.
const MAX_PAGES: usize = 1000;
/// Change sets in one nested hierarchy.
const MAX_CHANGE_SETS: usize = 500;

pub fn guard(args: GuardArgs) -> Result<u8, Error> {
    let argv = args.command.clone();
    let loaded = find_config(args.config.as_deref())?;
    let config = loaded
        .as_ref()
        .and_then(|c| c.config.guard.clone())
        .unwrap_or_default();
    let hook = hook_config(loaded.as_ref())?;
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let action = classify(&argv, &config, &hook, &env);
    let audit = Audit::new(&config, loaded.as_ref(), &argv);
    match action {
        GuardAction::PassThrough { .. } => run_command(&argv),
        GuardAction::Allowed { why, .. } => {
            say(&format!(
                "running `{}` unchecked: {why}.",
                display_argv(&argv)
            ));
            audit.write(&Entry::unchecked(&audit, "ran", why))?;
            run_command(&argv)
        }
        GuardAction::Refuse(r) => {
            say(&refusal_text(&argv, &r));
            audit.write(&Entry::unchecked(&audit, "refused", r.reason.clone()))?;
            Ok(1)
        }
        GuardAction::CheckPlan {
            show,
            multi_doc,
            plan_file,
        } => {
            let policy = load_policy(&args, loaded)?;
            let sources = show_plan(&show, multi_doc, &plan_file)?;
            let analysis = planguard::analyze(&sources, &[])?;
            gate(&args, &policy, &analysis, &sources, &audit, &argv)
        }
        GuardAction::CheckChangeSet(t) => {
            let policy = load_policy(&args, loaded)?;
            let (sources, templates) = fetch_change_set(&t.aws, &t.change_set, t.stack.as_deref())?;
            let analysis = planguard::analyze(&sources, &templates)?;
            gate(&args, &policy, &analysis, &sources, &audit, &argv)
        }
        GuardAction::Deploy(d) => {
            let policy = load_policy(&args, loaded)?;
            say(&format!(
                "creating the change set without executing it: `{}`",
                display_argv(&d.create)
            ));
            let out = process(&d.create)?
                .env("AWS_PAGER", "")
                .stdin(Stdio::null())
                .stderr(Stdio::inherit())
                .output()
                .map_err(|e| cannot_run(&d.create, e))?;
            let text = String::from_utf8_lossy(&out.stdout);
            // The deploy's progress is shown, on stderr: stdout belongs to the final command.
            let _ = std::io::stderr().write_all(text.as_bytes());
            match deploy_outcome(&text) {
                DeployOutcome::NoChanges => {
                    say("no changes to deploy; nothing to execute.");
                    Ok(exit_code(out.status))
                }
                _ if !out.status.success() => Err(Error::Tool {
                    message: format!("`{}` failed ({})", display_argv(&d.create), out.status),
                    help: Some("nothing was executed".into()),
                }),
                DeployOutcome::Unknown => Err(Error::Tool {
                    message: format!(
                        "`{}` did not print the change set it created",
                        display_argv(&d.create)
                    ),
                    help: Some(format!(
                        "find it with `aws cloudformation list-change-sets --stack-name {}`, \
                         then run `planguard guard -- aws cloudformation execute-change-set \
                         --stack-name {} --change-set-name NAME`",
                        d.stack, d.stack
                    )),
                }),
                DeployOutcome::ChangeSet(arn) => {
                    let (sources, templates) = fetch_change_set(&d.aws, &arn, Some(&d.stack))?;
                    let analysis = planguard::analyze(&sources, &templates)?;
                    let execute = d.execute(&arn);
                    gate(&args, &policy, &analysis, &sources, &audit, &execute)
                }
            }
        }
    }
}

fn say(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "planguard guard: {msg}");
}

fn hook_config(loaded: Option<&LoadedConfig>) -> Result<HookConfig, Error> {
    HookConfig::from_yaml(loaded.and_then(|c| c.config.hook.as_ref())).map_err(|e| {
        let path = loaded.map_or(String::from(".planguard.yaml"), |c| {
            c.path.display().to_string()
        });
        Error::config(Located::whole_file(
            "planguard::config::hook",
            &path,
            format!("hook: {e}"),
        ))
    })
}

/// `--fail-on` can only make the guard stricter than the config (or the default `high`):
/// a command line is what an agent writes, and the way to relax the gate is a reviewed
/// change to `.planguard.yaml`.
fn load_policy(args: &GuardArgs, config: Option<LoadedConfig>) -> Result<Policy, Error> {
    let configured = config
        .as_ref()
        .and_then(|c| c.config.fail_on)
        .unwrap_or(planguard::policy::rule::Severity::High);
    Policy::load(PolicyOptions {
        config,
        fail_on: Some(
            args.fail_on
                .map_or(configured, |f| severity(f).min(configured)),
        ),
        ..Default::default()
    })
}

fn refusal_text(argv: &[String], r: &Refusal) -> String {
    let mut s = format!(
        "refused `{}` [{}]\n  {}.",
        display_argv(argv),
        r.rule,
        r.reason.trim_end_matches('.')
    );
    if let Some(safe) = &r.safe {
        s.push_str(&format!("\n  The safe workflow: {safe}"));
    }
    if let Some(key) = r.config_key {
        s.push_str(&format!(
            "\n  To let it run unchecked, set `guard: {{{key}: true}}` in .planguard.yaml \
             (a reviewed change)."
        ));
    }
    s
}

/// A process for `argv` (program and arguments).
fn process(argv: &[String]) -> Result<Process, Error> {
    let (program, args) = argv.split_first().ok_or_else(|| {
        Error::usage(
            "no command given",
            Some("planguard guard -- terraform apply tfplan".into()),
        )
    })?;
    let mut p = Process::new(program);
    p.args(args);
    Ok(p)
}

fn cannot_run(argv: &[String], e: std::io::Error) -> Error {
    Error::Tool {
        message: format!("cannot run `{}`: {e}", display_argv(argv)),
        help: Some("is it installed and on PATH?".into()),
    }
}

fn exit_code(status: std::process::ExitStatus) -> u8 {
    if let Some(c) = status.code() {
        return u8::try_from(c).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return u8::try_from(128 + sig).unwrap_or(1);
        }
    }
    1
}

/// Run a read-only helper and return its stdout; its stderr goes to the user.
fn capture(argv: &[String]) -> Result<Vec<u8>, Error> {
    let out = process(argv)?
        .env("AWS_PAGER", "")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| cannot_run(argv, e))?;
    if !out.status.success() {
        return Err(Error::Tool {
            message: format!("`{}` failed ({})", display_argv(argv), out.status),
            help: Some(
                "planguard guard could not read what the command would apply, so it did not \
                 run it"
                    .into(),
            ),
        });
    }
    Ok(out.stdout)
}

/// `BIN [-chdir=DIR] show -json PLANFILE` (or terragrunt's) → plan sources.
fn show_plan(show: &[String], multi_doc: bool, plan_file: &str) -> Result<Vec<Source>, Error> {
    let out = capture(show)?;
    if !multi_doc {
        return Ok(vec![Source::from_bytes(plan_file, out)?]);
    }
    let text = String::from_utf8(out).map_err(|e| Error::Tool {
        message: format!(
            "the output of `{}` is not UTF-8 (byte {})",
            display_argv(show),
            e.utf8_error().valid_up_to()
        ),
        help: None,
    })?;
    let docs = split_json_stream(&text).map_err(|e| Error::Tool {
        message: format!(
            "the output of `{}` is not a sequence of JSON plans: {e}",
            display_argv(show)
        ),
        help: Some(
            "planguard guard reads one `show -json` plan per module from stdout; logs must go \
             to stderr"
                .into(),
        ),
    })?;
    Ok(docs
        .iter()
        .enumerate()
        .map(|(i, d)| Source::from_text(&format!("{plan_file} (module {})", i + 1), *d))
        .collect())
}

/// A name usable inside a made-up source path: no `/`.
fn path_safe(s: &str) -> String {
    s.replace('/', ":")
}

/// Describe a change set (every page, every nested change set) and fetch the deployed
/// template of each stack involved.
fn fetch_change_set(
    aws: &AwsCall,
    change_set: &str,
    stack: Option<&str>,
) -> Result<(Vec<Source>, Vec<Source>), Error> {
    let mut sources = Vec::new();
    // (stack to pass to get-template, stack name for the template's file name)
    let mut stacks: Vec<(String, String)> = Vec::new();
    let mut queue: VecDeque<(String, Option<String>)> = VecDeque::new();
    queue.push_back((change_set.to_string(), stack.map(str::to_string)));
    let mut seen: HashSet<String> = HashSet::new();
    while let Some((name, stack)) = queue.pop_front() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if seen.len() > MAX_CHANGE_SETS {
            return Err(Error::Tool {
                message: format!("more than {MAX_CHANGE_SETS} nested change sets"),
                help: None,
            });
        }
        let mut token: Option<String> = None;
        let mut page = 1usize;
        loop {
            let argv = aws.describe_change_set(&name, stack.as_deref(), token.as_deref());
            let out = capture(&argv)?;
            // A path in a directory that does not exist: the change set parser looks for
            // templates beside its input, and must not find the working directory's.
            let path = format!(
                "aws:describe-change-set:{}/page-{page}.json",
                path_safe(&name)
            );
            let src = Source::from_bytes(&path, out)?;
            let info = page_info(&src)?;
            if page == 1 {
                let id = info
                    .stack_id
                    .clone()
                    .or_else(|| stack.clone())
                    .or_else(|| info.stack_name.clone());
                if let Some(id) = id {
                    let name = info
                        .stack_name
                        .clone()
                        .or_else(|| stack.clone())
                        .unwrap_or_else(|| id.clone());
                    if !stacks.iter().any(|(i, _)| *i == id) {
                        stacks.push((id, name));
                    }
                }
            }
            for n in info.nested {
                queue.push_back((n, None));
            }
            sources.push(src);
            match info.next_token {
                Some(t) if page < MAX_PAGES => {
                    token = Some(t);
                    page += 1;
                }
                Some(_) => {
                    return Err(Error::Tool {
                        message: format!(
                            "change set {name} still has a NextToken after {MAX_PAGES} pages"
                        ),
                        help: None,
                    })
                }
                None => break,
            }
        }
    }
    let mut templates = Vec::new();
    for (id, name) in &stacks {
        let argv = aws.get_template(id);
        let out = match capture(&argv) {
            Ok(o) => o,
            Err(e) => {
                say(&format!(
                    "no deployed template for stack {name} ({e}); the dependency graph only \
                     has the change set's own hints"
                ));
                continue;
            }
        };
        let src = Source::from_bytes(&format!("aws:get-template:{}", path_safe(id)), out)?;
        let (text, json) = template_body(&src)?;
        let ext = if json { "json" } else { "yaml" };
        templates.push(Source::from_text(
            &format!(
                "aws:get-template:{}/{}.template.{ext}",
                path_safe(id),
                path_safe(name)
            ),
            text,
        ));
    }
    Ok((sources, templates))
}

/// Judge the analysis; run `run` when it passes or a person at a terminal confirms.
fn gate(
    args: &GuardArgs,
    policy: &Policy,
    analysis: &planguard::Analysis,
    sources: &[Source],
    audit: &Audit,
    run: &[String],
) -> Result<u8, Error> {
    let evaluation = evaluate(analysis, policy);
    let report = Report {
        analysis,
        evaluation: &evaluation,
    };
    let stderr_tty = std::io::stderr().is_terminal();
    let color = stderr_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let passed = evaluation.verdict == Verdict::Pass;
    match args.format {
        GuardFormat::Json => {
            let text = report::render(&report, Format::Json, TextOptions::default());
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        }
        GuardFormat::Text if !passed => {
            let text = report::render(
                &report,
                Format::Text,
                TextOptions {
                    color,
                    max_items: 10,
                },
            );
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        }
        GuardFormat::Text => {}
    }
    let destroyed = analysis.destructive.len();
    let mut entry = Entry::checked(audit, sources, &evaluation);
    if run != audit.argv.as_slice() {
        entry.executed = Some(run.to_vec());
    }
    if passed {
        say(&format!(
            "PASS: {} checked ({} destroyed, nothing at or above {}); running `{}`",
            inputs_label(sources),
            destroyed,
            evaluation.fail_on.as_str(),
            display_argv(run)
        ));
        entry.decision = "ran";
        entry.reason = "the check passed".into();
        audit.write(&entry)?;
        return run_command(run);
    }
    let blocking: Vec<(String, Option<String>)> = evaluation
        .blocking()
        .map(|f| (f.rule_id.clone(), f.address.clone()))
        .collect();
    let config = audit.config_override_allowed;
    let terminal = std::io::stdin().is_terminal() && stderr_tty;
    if terminal && config {
        let phrase = confirmation_phrase(destroyed, &blocking);
        say(&format!(
            "the check FAILED ({} blocking). To run `{}` anyway, type exactly:\n\n    {phrase}\n",
            blocking.len(),
            display_argv(run)
        ));
        let _ = write!(std::io::stderr().lock(), "> ");
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        if read.is_ok() && line.trim() == phrase {
            entry.decision = "overridden";
            entry.reason = "confirmed at a terminal".into();
            entry.override_by = Some(OverrideBy {
                user: std::env::var("USER")
                    .ok()
                    .or_else(|| std::env::var("LOGNAME").ok())
                    .filter(|u| !u.is_empty()),
                via: "terminal",
                confirmation: phrase,
            });
            audit.write(&entry)?;
            say(&format!("overridden; running `{}`", display_argv(run)));
            return run_command(run);
        }
        entry.decision = "refused";
        entry.reason = "the check failed; the confirmation typed did not match".into();
        audit.write(&entry)?;
        say("aborted: the confirmation did not match. Nothing was run.");
        return Ok(1);
    }
    entry.decision = "refused";
    entry.reason = if terminal {
        "the check failed; guard.allow_terminal_override is false".into()
    } else {
        "the check failed; no terminal to confirm an override".into()
    };
    audit.write(&entry)?;
    let why = if terminal {
        "guard.allow_terminal_override is false in .planguard.yaml, so there is no override"
    } else {
        "there is no terminal (stdin and stderr are not both TTYs), so there is no override"
    };
    let mut msg = format!(
        "not running `{}`: the check FAILED ({} blocking).\n{why}: the only way through is a \
         waiver in .planguard.yaml, a reviewed change:\n\nwaivers:\n",
        display_argv(run),
        blocking.len()
    );
    let mut seen = HashSet::new();
    let unique: Vec<(&String, String)> = blocking
        .iter()
        .map(|(rule, addr)| (rule, addr.as_deref().map_or("*".into(), glob_escape)))
        .filter(|k| seen.insert(k.clone()))
        .collect();
    for (rule, addr) in unique.iter().take(WAIVERS_SHOWN) {
        msg.push_str(&format!(
            "  - rule: {rule}\n    address: '{}'\n    reason: \"…why this is safe…\"\n    \
             approved_by: \"…\"\n    expires: YYYY-MM-DD\n",
            addr.replace('\'', "''")
        ));
        if let Some(s) = sources.first() {
            msg.push_str(&format!(
                "    plan_sha256: \"{}\"   # only this plan\n",
                s.sha256()
            ));
        }
    }
    if unique.len() > WAIVERS_SHOWN {
        msg.push_str(&format!(
            "  # … and {} more blocking finding(s) (rule and address in the report above)\n",
            unique.len() - WAIVERS_SHOWN
        ));
    }
    say(msg.trim_end());
    Ok(1)
}

/// Waiver suggestions shown when a check fails without a terminal.
const WAIVERS_SHOWN: usize = 3;

/// An address as a waiver glob that matches only itself (`[`, `]`, `*`, `?` are glob syntax).
fn glob_escape(addr: &str) -> String {
    let mut out = String::with_capacity(addr.len());
    for c in addr.chars() {
        match c {
            '[' | ']' | '*' | '?' | '{' | '}' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

fn inputs_label(sources: &[Source]) -> String {
    match sources {
        [one] => one.path.clone(),
        many => format!("{} documents", many.len()),
    }
}

/// Run the command unchanged, with planguard's stdin, stdout and stderr.
#[cfg(unix)]
fn run_command(argv: &[String]) -> Result<u8, Error> {
    use std::os::unix::process::CommandExt;
    let _ = std::io::stderr().flush();
    let _ = std::io::stdout().flush();
    // Only returns on failure.
    let e = process(argv)?.exec();
    Err(cannot_run(argv, e))
}

#[cfg(not(unix))]
fn run_command(argv: &[String]) -> Result<u8, Error> {
    let status = process(argv)?.status().map_err(|e| cannot_run(argv, e))?;
    Ok(exit_code(status))
}

/// Where decisions go, and what every line shares.
struct Audit {
    path: PathBuf,
    argv: Vec<String>,
    cwd: String,
    config_override_allowed: bool,
}

impl Audit {
    fn new(config: &GuardConfig, loaded: Option<&LoadedConfig>, argv: &[String]) -> Audit {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let base = loaded
            .and_then(|c| c.path.parent().map(Path::to_path_buf))
            .map(|p| {
                if p.as_os_str().is_empty() {
                    cwd.clone()
                } else {
                    p
                }
            })
            .unwrap_or_else(|| cwd.clone());
        let path = match &config.audit_log {
            Some(p) => base.join(p),
            None => base.join(".planguard").join("audit.jsonl"),
        };
        Audit {
            path,
            argv: argv.to_vec(),
            cwd: cwd.display().to_string(),
            config_override_allowed: config.allow_terminal_override,
        }
    }

    /// Append one line. Fails closed: the caller does not run the command on error.
    fn write(&self, entry: &Entry<'_>) -> Result<(), Error> {
        let fail = |e: String| Error::Tool {
            message: format!("cannot write the audit log {}: {e}", self.path.display()),
            help: Some(
                "planguard guard records every decision before it runs anything, so nothing was \
                 run. Fix the permissions, or set guard.audit_log in .planguard.yaml."
                    .into(),
            ),
        };
        let mut line = serde_json::to_string(entry).map_err(|e| fail(e.to_string()))?;
        line.push('\n');
        if let Some(dir) = self.path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
            }
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| fail(e.to_string()))?;
        f.write_all(line.as_bytes())
            .and_then(|_| f.flush())
            .map_err(|e| fail(e.to_string()))
    }
}

/// One audit line. A public format (docs/guard.md): add fields, never rename them.
#[derive(Serialize)]
struct Entry<'a> {
    time: String,
    argv: &'a [String],
    /// The command actually run, when it is not `argv` (`deploy` → `execute-change-set`).
    #[serde(skip_serializing_if = "Option::is_none")]
    executed: Option<Vec<String>>,
    cwd: &'a str,
    /// SHA-256 of the analysed JSON (one document), or of the documents' digests joined
    /// by newlines (several: change set pages, nested change sets, terragrunt modules).
    plan_sha256: Option<String>,
    inputs: Vec<EntryInput>,
    /// `pass`, `fail`, or null when nothing was checked.
    verdict: Option<&'static str>,
    fail_on: Option<&'static str>,
    blocking: Vec<EntryFinding>,
    /// `ran`, `refused` or `overridden`.
    decision: &'static str,
    reason: String,
    #[serde(rename = "override")]
    override_by: Option<OverrideBy>,
}

#[derive(Serialize)]
struct EntryInput {
    path: String,
    sha256: String,
}

#[derive(Serialize)]
struct EntryFinding {
    rule: String,
    severity: &'static str,
    address: Option<String>,
}

#[derive(Serialize)]
struct OverrideBy {
    /// `$USER`, else `$LOGNAME`.
    user: Option<String>,
    via: &'static str,
    confirmation: String,
}

impl<'a> Entry<'a> {
    fn unchecked(audit: &'a Audit, decision: &'static str, reason: String) -> Entry<'a> {
        Entry {
            time: now_rfc3339(),
            argv: &audit.argv,
            executed: None,
            cwd: &audit.cwd,
            plan_sha256: None,
            inputs: Vec::new(),
            verdict: None,
            fail_on: None,
            blocking: Vec::new(),
            decision,
            reason,
            override_by: None,
        }
    }

    fn checked(audit: &'a Audit, sources: &[Source], evaluation: &Evaluation) -> Entry<'a> {
        let mut e = Entry::unchecked(audit, "refused", String::new());
        e.plan_sha256 = Some(match sources {
            [one] => one.sha256().to_string(),
            many => planguard::plan::hex_sha256(
                many.iter()
                    .map(|s| s.sha256())
                    .collect::<Vec<_>>()
                    .join("\n")
                    .as_bytes(),
            ),
        });
        e.inputs = sources
            .iter()
            .map(|s| EntryInput {
                path: s.path.clone(),
                sha256: s.sha256().to_string(),
            })
            .collect();
        e.verdict = Some(match evaluation.verdict {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        });
        e.fail_on = Some(evaluation.fail_on.as_str());
        e.blocking = evaluation
            .blocking()
            .map(|f| EntryFinding {
                rule: f.rule_id.clone(),
                severity: f.severity.as_str(),
                address: f.address.clone(),
            })
            .collect();
        e
    }
}

/// Now, as RFC 3339 UTC (`2026-01-31T12:34:56Z`).
fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let t = secs % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        Date(days),
        t / 3600,
        (t / 60) % 60,
        t % 60
    )
}
