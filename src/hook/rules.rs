//! The decision rules: walk every simple command of a command line, strip the wrappers
//! that run another command (`sudo`, `env`, `sh -c`, `npx`, `planguard guard --` …), and
//! judge what is left by its tool: terraform/tofu, terragrunt, `aws cloudformation`, cdk,
//! pulumi, sam. State that carries across the commands of one line (variables, the
//! selected Terraform workspace, a `cd` into a production directory) is tracked in order,
//! across subshells too: that over-approximates, which is the safe direction.

use super::lexer::{self, Part, SimpleCommand, Word};
use super::{Decision, Family, HookConfig, MAX_DEPTH};
use std::collections::HashMap;

/// Terragrunt options that take a value (old `--terragrunt-*` and new names). Shared with
/// `planguard guard`, which must find the plan file among the same options.
pub(crate) const TERRAGRUNT_VALUE_OPTIONS: &[&str] = &[
    "--working-dir",
    "--config",
    "--source",
    "--iam-assume-role",
    "--iam-role",
    "--parallelism",
    "--log-level",
    "--tf-path",
    "--queue-include-dir",
    "--queue-exclude-dir",
    "--include-dir",
    "--exclude-dir",
    "--download-dir",
    "--experiment",
    "--feature",
    "--log-format",
    "--source-map",
    "--filter",
    "--units-that-include",
];

// Deny rules.
pub const UNPARSEABLE: &str = "unparseable";
pub const TOO_DEEP: &str = "too-deep";
pub const DYNAMIC: &str = "dynamic-command";
pub const OPAQUE_SHELL_INPUT: &str = "opaque-shell-input";
pub const GUARD_INDIRECT: &str = "guard-indirect";
pub const GUARD_CONFIG: &str = "guard-config-override";
pub const TF_APPLY: &str = "terraform-apply-unguarded";
pub const TF_AUTO_APPROVE: &str = "terraform-auto-approve";
pub const TF_DESTROY: &str = "terraform-destroy";
pub const TF_REPLACE: &str = "terraform-replace";
pub const TF_STATE_RM: &str = "terraform-state-rm";
pub const TF_STATE_PUSH: &str = "terraform-state-push";
pub const TF_TAINT: &str = "terraform-taint";
pub const TF_IMPORT_PROD: &str = "terraform-import-prod";
pub const TF_WORKSPACE_DELETE: &str = "terraform-workspace-delete";
pub const TG_APPLY: &str = "terragrunt-apply-unguarded";
pub const TG_DESTROY: &str = "terragrunt-destroy";
pub const CFN_DELETE: &str = "cloudformation-delete-stack";
pub const CFN_EXECUTE: &str = "cloudformation-execute-change-set-unguarded";
pub const CFN_DEPLOY: &str = "cloudformation-deploy-unguarded";
pub const CFN_UPDATE: &str = "cloudformation-update-stack-unguarded";
pub const CDK_DESTROY: &str = "cdk-destroy";
pub const CDK_NO_APPROVAL: &str = "cdk-deploy-no-approval";
pub const CDK_DEPLOY: &str = "cdk-deploy-unguarded";
pub const PULUMI_DESTROY: &str = "pulumi-destroy";
pub const PULUMI_UNATTENDED: &str = "pulumi-up-unattended";
pub const PULUMI_REPLACE: &str = "pulumi-up-replace";
pub const PULUMI_STATE_DELETE: &str = "pulumi-state-delete";
pub const PULUMI_STACK_RM: &str = "pulumi-stack-rm";
pub const SAM_DELETE: &str = "sam-delete";
pub const SAM_DEPLOY: &str = "sam-deploy-unguarded";
pub const SAM_SYNC: &str = "sam-sync";
pub const DENIED_PREFIX: &str = "denied-prefix";

// Allow rules.
pub const GUARDED: &str = "guarded";
pub const ALLOW_DESTROY: &str = "allow-destroy";
pub const ALLOWED_PREFIX: &str = "allowed-prefix";
pub const READ_ONLY: &str = "read-only";
pub const NOT_DESTRUCTIVE: &str = "not-destructive";
pub const NOT_GATED: &str = "not-gated";
pub const NOT_INSPECTED: &str = "script-not-inspected";
pub const NO_INFRA: &str = "no-infra-command";

/// Which allow to report when every part of a command line is allowed: the most telling.
fn allow_rank(rule: &str) -> u8 {
    match rule {
        GUARDED => 8,
        ALLOW_DESTROY => 7,
        ALLOWED_PREFIX => 6,
        NOT_DESTRUCTIVE => 5,
        READ_ONLY => 4,
        NOT_GATED => 3,
        NOT_INSPECTED => 2,
        _ => 1,
    }
}

/// Whether the command being judged runs inside `planguard guard --`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    None,
    /// `planguard guard -- TOOL …`: the guard sees the tool and its plan.
    Direct,
    /// Inside the guard, but behind a wrapper (`sh -c`, `env`, `sudo`): the guard sees
    /// the wrapper, not the tool.
    Indirect,
}

impl Guard {
    fn wrapped(self) -> Guard {
        match self {
            Guard::Direct => Guard::Indirect,
            g => g,
        }
    }
}

/// One expanded argument. `dynamic` when part of it is only known at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub text: String,
    pub dynamic: bool,
    /// The inner script when the whole word is one `$( … )` or `<( … )`.
    pub subst: Option<String>,
}

/// Environment assignments in front of a command (`VAR=x cmd`, `env VAR=x`, `sudo VAR=x`).
/// `None` values are unknown at check time.
type Env = Vec<(String, Option<String>)>;

struct Finding {
    allow: bool,
    rule: &'static str,
    reason: String,
    alt: Option<String>,
}

fn allow(rule: &'static str, reason: impl Into<String>) -> Finding {
    Finding {
        allow: true,
        rule,
        reason: reason.into(),
        alt: None,
    }
}

fn deny(rule: &'static str, reason: impl Into<String>, alt: Option<String>) -> Finding {
    Finding {
        allow: false,
        rule,
        reason: reason.into(),
        alt,
    }
}

pub struct Analyzer<'c> {
    config: &'c HookConfig,
    prefixes: Vec<Vec<String>>,
    deny_prefixes: Vec<Vec<String>>,
    /// Shell variables assigned earlier in the line; `None` = assigned an unknown value.
    vars: HashMap<String, Option<String>>,
    /// Workspace selected earlier with `terraform workspace select|new`; inner `None` when
    /// the name is only known at run time.
    workspace: Option<Option<String>>,
    /// A `cd` earlier in the line into a directory that looks like production.
    prod_dir: Option<String>,
    first_deny: Option<Decision>,
    more_denied: usize,
    best_allow: Option<Decision>,
}

impl<'c> Analyzer<'c> {
    pub fn new(config: &'c HookConfig) -> Analyzer<'c> {
        Analyzer {
            config,
            prefixes: prefix_words(&config.allow_prefixes),
            deny_prefixes: prefix_words(&config.deny_prefixes),
            vars: HashMap::new(),
            workspace: None,
            prod_dir: None,
            first_deny: None,
            more_denied: 0,
            best_allow: None,
        }
    }

    pub fn finish(self) -> Decision {
        if let Some(mut d) = self.first_deny {
            if self.more_denied > 0 {
                d.reason.push_str(&format!(
                    " ({} more part{} of this command line {} also denied.)",
                    self.more_denied,
                    if self.more_denied == 1 { "" } else { "s" },
                    if self.more_denied == 1 { "is" } else { "are" },
                ));
            }
            return d;
        }
        self.best_allow.unwrap_or(Decision {
            allow: true,
            reason: "Empty command.".into(),
            rule: NO_INFRA,
            safe_alternative: None,
            matched_segment: None,
        })
    }

    fn record(&mut self, f: Finding, segment: &str) {
        let d = Decision {
            allow: f.allow,
            reason: f.reason,
            rule: f.rule,
            safe_alternative: f.alt,
            matched_segment: (!segment.trim().is_empty()).then(|| clip(segment.trim())),
        };
        if !d.allow {
            if self.first_deny.is_none() {
                self.first_deny = Some(d);
            } else {
                self.more_denied += 1;
            }
            return;
        }
        let better = match &self.best_allow {
            None => true,
            Some(b) => allow_rank(d.rule) > allow_rank(b.rule),
        };
        if better {
            self.best_allow = Some(d);
        }
    }

    /// Check every command of a script (a command line, a `sh -c` string, a substitution).
    pub fn script(&mut self, src: &str, depth: usize, guard: Guard) {
        if depth > MAX_DEPTH {
            self.record(
                deny(
                    TOO_DEEP,
                    format!(
                        "Commands are nested more than {MAX_DEPTH} shells deep; planguard \
                         refuses what it cannot follow."
                    ),
                    Some("Run the inner command directly.".into()),
                ),
                src,
            );
            return;
        }
        let cmds = match lexer::parse(src) {
            Ok(c) => c,
            Err(e) => {
                self.record(
                    deny(
                        UNPARSEABLE,
                        format!(
                            "The shell cannot parse this command ({e}); planguard refuses \
                             what it cannot read."
                        ),
                        Some("Fix the quoting and run it again.".into()),
                    ),
                    src,
                );
                return;
            }
        };
        let mut prev_output: Option<String> = None;
        let mut decoder_in_pipeline = false;
        for cmd in &cmds {
            let seg = src.get(cmd.start..cmd.end).unwrap_or(src);
            if !cmd.piped {
                prev_output = None;
                decoder_in_pipeline = false;
            }
            // Substitutions run in this shell, before (and outside) the command itself.
            let all_words = cmd
                .words
                .iter()
                .chain(&cmd.redirect_targets)
                .chain(&cmd.stdin);
            let subs: Vec<String> = all_words
                .flat_map(|w| w.substitutions().map(str::to_string))
                .collect();
            for s in subs {
                self.script(&s, depth + 1, Guard::None);
            }
            let stdin = self.stdin_text(cmd, prev_output.take());
            let ctx = Ctx {
                depth,
                stdin: stdin.clone(),
                opaque_stdin: cmd.piped && decoder_in_pipeline,
            };
            let (finding, output, decoder) = self.simple(cmd, &ctx, guard);
            self.record(finding, seg);
            prev_output = output;
            decoder_in_pipeline |= decoder;
        }
    }

    fn stdin_text(&self, cmd: &SimpleCommand, piped: Option<String>) -> Option<String> {
        if cmd.stdin.is_empty() {
            return if cmd.piped { piped } else { None };
        }
        let texts: Vec<String> = cmd.stdin.iter().map(|w| self.join_word(w).text).collect();
        Some(texts.join("\n"))
    }

    /// One simple command. Returns the finding, the command's output when it is a literal
    /// (`echo …`, `printf …`, `cat <<EOF`), and whether it is a decoder (`base64 -d`).
    fn simple(
        &mut self,
        cmd: &SimpleCommand,
        ctx: &Ctx,
        guard: Guard,
    ) -> (Finding, Option<String>, bool) {
        let mut env: Env = Vec::new();
        let mut i = 0;
        while let Some(w) = cmd.words.get(i) {
            match self.assignment(w) {
                Some(a) => env.push(a),
                None => break,
            }
            i += 1;
        }
        if i == cmd.words.len() {
            for (k, v) in env {
                self.vars.insert(k, v);
            }
            return (allow(NO_INFRA, "Variable assignment."), None, false);
        }
        let argv: Vec<Arg> = cmd.words[i..].iter().flat_map(|w| self.expand(w)).collect();
        let name = argv.first().map(|a| basename(&a.text).to_string());
        let output = match name.as_deref() {
            Some("echo" | "printf") if argv.iter().all(|a| !a.dynamic) => Some(
                argv[1..]
                    .iter()
                    .filter(|a| !(a.text.starts_with('-') && a.text.len() == 2))
                    .map(|a| a.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Some("cat") if argv.len() == 1 => ctx.stdin.clone(),
            _ => None,
        };
        let decoder = matches!(
            name.as_deref(),
            Some(
                "base64"
                    | "base32"
                    | "basenc"
                    | "xxd"
                    | "openssl"
                    | "gunzip"
                    | "zcat"
                    | "gzip"
                    | "bzip2"
                    | "bunzip2"
                    | "xz"
                    | "unxz"
                    | "zstd"
                    | "rev"
                    | "tr"
                    | "uudecode"
            )
        );
        let finding = self.argv(argv, env, ctx, guard);
        (finding, output, decoder)
    }

    /// `NAME=value` at the start of a command: the name must be unquoted literal text.
    fn assignment(&self, w: &Word) -> Option<(String, Option<String>)> {
        let Some(Part::Lit {
            text,
            quoted: false,
        }) = w.parts.first()
        else {
            return None;
        };
        let eq = text.find('=')?;
        let name = text[..eq].trim_end_matches('+');
        if !is_name(name) {
            return None;
        }
        let mut rest = Word {
            parts: w.parts[1..].to_vec(),
            start: w.start,
            end: w.end,
        };
        rest.parts.insert(
            0,
            Part::Lit {
                text: text[eq + 1..].to_string(),
                quoted: true,
            },
        );
        let v = self.join_word(&rest);
        Some((name.to_string(), (!v.dynamic).then_some(v.text)))
    }

    /// A word's value without field splitting.
    fn join_word(&self, w: &Word) -> Arg {
        let mut text = String::new();
        let mut dynamic = false;
        for p in &w.parts {
            match p {
                Part::Lit { text: t, .. } => text.push_str(t),
                Part::Var { name, .. } => match self.vars.get(name) {
                    Some(Some(v)) => text.push_str(v),
                    _ => {
                        dynamic = true;
                        text.push('$');
                        text.push_str(name);
                    }
                },
                Part::Dynamic(s) => {
                    dynamic = true;
                    text.push_str(s);
                }
                Part::Subst(inner) => match which_lookup(inner) {
                    Some(tool) => text.push_str(&tool),
                    None => {
                        dynamic = true;
                        text.push_str("$(");
                        text.push_str(inner);
                        text.push(')');
                    }
                },
            }
        }
        let subst = match w.parts.as_slice() {
            [Part::Subst(inner)] if dynamic => Some(inner.clone()),
            _ => None,
        };
        Arg {
            text,
            dynamic,
            subst,
        }
    }

    /// A word's fields: an unquoted variable holding spaces splits, an empty one vanishes.
    fn expand(&self, w: &Word) -> Vec<Arg> {
        let splits = w.parts.iter().any(|p| match p {
            Part::Var {
                name,
                quoted: false,
            } => matches!(self.vars.get(name), Some(Some(v)) if v.trim().is_empty() || v.contains(char::is_whitespace)),
            _ => false,
        });
        let a = self.join_word(w);
        if !splits {
            return vec![a];
        }
        a.text
            .split_whitespace()
            .map(|t| Arg {
                text: t.to_string(),
                dynamic: a.dynamic,
                subst: None,
            })
            .collect()
    }

    fn prefix_allowed(&self, argv: &[Arg]) -> bool {
        prefix_match(&self.prefixes, argv)
    }

    /// Judge one command by its argv, after stripping wrappers that run another command.
    fn argv(&mut self, mut argv: Vec<Arg>, mut env: Env, ctx: &Ctx, mut guard: Guard) -> Finding {
        loop {
            let Some(first) = argv.first().cloned() else {
                return allow(NO_INFRA, "Nothing to run.");
            };
            if prefix_match(&self.deny_prefixes, &argv) {
                return deny(
                    DENIED_PREFIX,
                    "Denied by hook.deny_prefixes in .planguard.yaml.",
                    Some(
                        "Ask a human to run it, or use the checked workflow: plan, \
                         `planguard check`, `planguard guard -- …`."
                            .into(),
                    ),
                );
            }
            if self.prefix_allowed(&argv) {
                return allow(
                    ALLOWED_PREFIX,
                    "Allowed by hook.allow_prefixes in .planguard.yaml.",
                );
            }
            if first.dynamic {
                return self.dynamic_name(&argv);
            }
            let name = basename(&first.text).to_string();
            let skip = match name.as_str() {
                "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "!" | "{" | "}"
                | "fi" | "done" | "esac" | "coproc" => 1,
                "for" | "case" | "select" => {
                    return allow(NO_INFRA, "Shell syntax.");
                }
                // `function f { terraform destroy; }`: the body follows the name.
                "function" => 2,
                "alias" => {
                    for a in argv.iter().skip(1) {
                        if let Some((_, v)) = a.text.split_once('=') {
                            let v = v.to_string();
                            self.script(&v, ctx.depth + 1, guard.wrapped());
                        }
                    }
                    return allow(NO_INFRA, "Defines aliases (their bodies are checked).");
                }
                "source" | "." => {
                    return match argv.get(1) {
                        Some(a) => match a.subst.clone() {
                            Some(inner) => self.run_output_of(&inner, ctx, guard),
                            None => allow(
                                NOT_INSPECTED,
                                format!(
                                    "Sources `{}`; planguard does not read script files.",
                                    a.text
                                ),
                            ),
                        },
                        None => allow(NO_INFRA, "Nothing to source."),
                    };
                }
                "ssh" => {
                    let j = skip_options(
                        &argv,
                        1,
                        &[
                            "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m",
                            "-O", "-o", "-p", "-Q", "-R", "-S", "-W", "-w", "-B",
                        ],
                    );
                    if j + 1 >= argv.len() {
                        return allow(NO_INFRA, "An interactive ssh session.");
                    }
                    let s = join_args(&argv[j + 1..]);
                    return self.nested(&s, ctx, guard.wrapped());
                }
                "tmux" | "screen" => {
                    // `tmux send-keys 'terraform destroy' Enter`, `screen -dm sh -c '…'`:
                    // every operand may be a command line for another shell.
                    let ops: Vec<String> = argv
                        .iter()
                        .skip(1)
                        .filter(|a| !a.text.starts_with('-'))
                        .map(|a| a.text.clone())
                        .collect();
                    for s in &ops {
                        self.script(s, ctx.depth + 1, guard.wrapped());
                    }
                    if let Some(k) = embedded_tool(&argv) {
                        return self.argv(retool(&argv[k..]), env, ctx, guard.wrapped());
                    }
                    return allow(NO_INFRA, "Terminal multiplexer (its commands are checked).");
                }
                "python" | "python3" | "python2" | "node" | "nodejs" | "ruby" | "perl" | "php"
                | "deno" | "osascript" => return inline_code(&argv),
                "sudo" | "doas" => {
                    let j = skip_options(
                        &argv,
                        1,
                        &[
                            "-u",
                            "-g",
                            "-p",
                            "-C",
                            "-D",
                            "-r",
                            "-t",
                            "-U",
                            "-T",
                            "-h",
                            "-R",
                            "--user",
                            "--group",
                            "--prompt",
                            "--close-from",
                            "--chdir",
                            "--role",
                            "--type",
                            "--other-user",
                            "--command-timeout",
                            "--host",
                            "--chroot",
                        ],
                    );
                    let mut j = j;
                    while let Some(a) = argv.get(j) {
                        match split_assignment(&a.text) {
                            Some((k, v)) => env.push((k, (!a.dynamic).then_some(v))),
                            None => break,
                        }
                        j += 1;
                    }
                    if j >= argv.len() {
                        return allow(NO_INFRA, "An interactive root shell; nothing to inspect.");
                    }
                    guard = guard.wrapped();
                    j
                }
                "env" => {
                    let mut j = 1;
                    while let Some(a) = argv.get(j) {
                        let t = a.text.as_str();
                        if t == "--" {
                            j += 1;
                            break;
                        }
                        if t == "-S"
                            || t == "--split-string"
                            || t.starts_with("--split-string=")
                            || (t.starts_with("-S") && t.len() > 2)
                        {
                            let (script, next) = if t == "-S" || t == "--split-string" {
                                (argv.get(j + 1).map(|a| a.text.clone()), j + 2)
                            } else if let Some(s) = t.strip_prefix("--split-string=") {
                                (Some(s.to_string()), j + 1)
                            } else {
                                (Some(t[2..].to_string()), j + 1)
                            };
                            let mut s = script.unwrap_or_default();
                            for a in argv.iter().skip(next) {
                                s.push(' ');
                                s.push_str(&shell_quote(&a.text));
                            }
                            return self.nested(&s, ctx, guard.wrapped());
                        }
                        if matches!(t, "-u" | "--unset" | "-C" | "--chdir") {
                            if matches!(t, "-C" | "--chdir") {
                                if let Some(d) = argv.get(j + 1) {
                                    self.note_dir(&d.text);
                                }
                            }
                            j += 2;
                        } else if let Some(d) = t.strip_prefix("--chdir=") {
                            self.note_dir(d);
                            j += 1;
                        } else if t.starts_with('-') {
                            j += 1;
                        } else if let Some((k, v)) = split_assignment(t) {
                            env.push((k, (!a.dynamic).then_some(v)));
                            j += 1;
                        } else {
                            break;
                        }
                    }
                    if j >= argv.len() {
                        return allow(NO_INFRA, "Prints the environment.");
                    }
                    guard = guard.wrapped();
                    j
                }
                "nohup" | "setsid" | "chronic" | "unbuffer" | "builtin" | "torsocks"
                | "proxychains" | "proxychains4" | "time" => {
                    let j = skip_options(&argv, 1, &["-f", "-o", "--format", "--output"]);
                    guard = guard.wrapped();
                    j
                }
                "nice" | "ionice" | "stdbuf" | "exec" => {
                    let j = skip_options(
                        &argv,
                        1,
                        &[
                            "-n",
                            "-c",
                            "-p",
                            "-P",
                            "-u",
                            "-i",
                            "-o",
                            "-e",
                            "-a",
                            "--adjustment",
                        ],
                    );
                    guard = guard.wrapped();
                    j
                }
                "timeout" => {
                    let j = skip_options(&argv, 1, &["-s", "-k", "--signal", "--kill-after"]);
                    guard = guard.wrapped();
                    j + 1
                }
                "command" => {
                    if argv
                        .iter()
                        .skip(1)
                        .take_while(|a| a.text.starts_with('-'))
                        .any(|a| a.text.contains('v') || a.text.contains('V'))
                    {
                        return allow(READ_ONLY, "`command -v` only looks a command up.");
                    }
                    let j = skip_options(&argv, 1, &[]);
                    guard = guard.wrapped();
                    j
                }
                "xargs" => {
                    let j = skip_options(
                        &argv,
                        1,
                        &[
                            "-a",
                            "-d",
                            "-E",
                            "-I",
                            "-L",
                            "-n",
                            "-P",
                            "-s",
                            "--arg-file",
                            "--delimiter",
                            "--eof",
                            "--replace",
                            "--max-lines",
                            "--max-args",
                            "--max-procs",
                            "--max-chars",
                            "--process-slot-var",
                        ],
                    );
                    if j >= argv.len() {
                        return allow(NO_INFRA, "xargs with its default `echo`.");
                    }
                    guard = guard.wrapped();
                    j
                }
                "watch" => {
                    let exec = argv
                        .iter()
                        .skip(1)
                        .take_while(|a| a.text.starts_with('-'))
                        .any(|a| a.text == "-x" || a.text == "--exec");
                    let j = skip_options(&argv, 1, &["-n", "--interval", "-q", "--equexit"]);
                    if !exec {
                        let s = join_args(&argv[j.min(argv.len())..]);
                        return self.nested(&s, ctx, guard.wrapped());
                    }
                    guard = guard.wrapped();
                    j
                }
                "eval" => {
                    if let Some(f) = decoded_script(&argv[1..]) {
                        return f;
                    }
                    if let Some(f) = unknown_script(&argv[1..]) {
                        return f;
                    }
                    let s = join_args(&argv[1..]);
                    return self.nested(&s, ctx, guard.wrapped());
                }
                "sh" | "bash" | "zsh" | "dash" | "ksh" | "mksh" | "ash" | "fish" | "busybox" => {
                    return self.shell(&argv, ctx, guard);
                }
                "npx" | "bunx" | "pnpx" => match self.npx(&argv, 1, ctx, guard) {
                    Ok(next) => {
                        argv = next;
                        guard = guard.wrapped();
                        continue;
                    }
                    Err(f) => return f,
                },
                "npm" | "pnpm" | "yarn" | "bun" if package_script_tool(&argv).is_some() => {
                    // `npm run cdk -- destroy`, `yarn cdk deploy`: the CDK project template
                    // runs the CLI through a package.json script named after it.
                    let (k, tool) = package_script_tool(&argv).unwrap_or((1, "cdk"));
                    let mut next = vec![Arg {
                        text: tool.to_string(),
                        dynamic: false,
                        subst: None,
                    }];
                    let rest = &argv[(k + 1).min(argv.len())..];
                    let rest = match rest.first() {
                        Some(a) if a.text == "--" => &rest[1..],
                        _ => rest,
                    };
                    next.extend(rest.iter().cloned());
                    argv = next;
                    guard = guard.wrapped();
                    continue;
                }
                "npm" | "pnpm" | "yarn" | "bun"
                    if matches!(
                        argv.get(1).map(|a| a.text.as_str()),
                        Some("exec" | "x" | "dlx")
                    ) =>
                {
                    match self.npx(&argv, 2, ctx, guard) {
                        Ok(next) => {
                            argv = next;
                            guard = guard.wrapped();
                            continue;
                        }
                        Err(f) => return f,
                    }
                }
                "aws-vault" if argv.get(1).is_some_and(|a| a.text == "exec") => {
                    let j = match argv.iter().position(|a| a.text == "--") {
                        Some(p) => p + 1,
                        None => {
                            let p = skip_options(&argv, 2, &["-d", "--duration", "--region"]);
                            skip_options(&argv, p + 1, &["-d", "--duration", "--region"])
                        }
                    };
                    if j >= argv.len() {
                        return allow(NO_INFRA, "An aws-vault subshell; nothing to inspect.");
                    }
                    guard = guard.wrapped();
                    j
                }
                "op" | "doppler" | "infisical" | "chamber" | "dotenv" | "dotenvx" | "teller"
                | "with-env" | "granted" | "assume" => {
                    match argv.iter().position(|a| a.text == "--") {
                        Some(p) if p + 1 < argv.len() => {
                            guard = guard.wrapped();
                            p + 1
                        }
                        _ => return allow(NO_INFRA, "No infrastructure command."),
                    }
                }
                "direnv" if argv.get(1).is_some_and(|a| a.text == "exec") => {
                    if let Some(d) = argv.get(2) {
                        self.note_dir(&d.text);
                    }
                    guard = guard.wrapped();
                    3
                }
                "find" => {
                    let Some(p) = argv.iter().position(|a| {
                        matches!(a.text.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir")
                    }) else {
                        return allow(NO_INFRA, "No infrastructure command.");
                    };
                    let end = argv[p + 1..]
                        .iter()
                        .position(|a| a.text == ";" || a.text == "+")
                        .map_or(argv.len(), |e| p + 1 + e);
                    let inner = argv[p + 1..end].to_vec();
                    let rest = argv[end.min(argv.len())..].to_vec();
                    let f = self.argv(inner, env.clone(), ctx, guard.wrapped());
                    if !f.allow {
                        return f;
                    }
                    // Later `-exec` clauses of the same find.
                    let mut again = vec![first.clone()];
                    again.extend(rest.into_iter().skip(1));
                    argv = again;
                    continue;
                }
                "planguard" if argv.get(1).is_some_and(|a| a.text == "guard") => {
                    // `planguard guard [OPTIONS] -- CMD`. Without `--`, the command starts at
                    // the first gated tool (an option's value is not a command).
                    let j = match argv.iter().position(|a| a.text == "--") {
                        Some(p) => p + 1,
                        None => argv
                            .iter()
                            .skip(2)
                            .position(|a| gated_name(&a.text).is_some())
                            .map_or_else(|| skip_options(&argv, 2, &[]), |p| p + 2),
                    };
                    if j >= argv.len() {
                        return allow(NO_INFRA, "planguard guard without a command.");
                    }
                    // The guard's options: `--config` could point it at a laxer file than the
                    // reviewed .planguard.yaml it finds itself (an option hidden in a variable
                    // could too).
                    if let Some(o) = argv[2..j].iter().find(|a| {
                        a.dynamic || a.text == "--config" || a.text.starts_with("--config=")
                    }) {
                        return deny(
                            GUARD_CONFIG,
                            format!(
                                "planguard guard {}: the guard must judge with the reviewed \
                                 .planguard.yaml it discovers, not a config chosen with the \
                                 command.",
                                if o.dynamic {
                                    "with an option only known at run time"
                                } else {
                                    "with --config"
                                }
                            ),
                            Some(
                                "Run `planguard guard -- …` without --config from the directory \
                                 whose .planguard.yaml applies; changing the policy is a \
                                 reviewed change to that file."
                                    .into(),
                            ),
                        );
                    }
                    guard = Guard::Direct;
                    j
                }
                "cd" | "pushd" => {
                    if let Some(d) = argv.iter().skip(1).find(|a| !a.text.starts_with('-')) {
                        if d.dynamic {
                            // Unknown directory: not evidence of production.
                        } else {
                            let d = d.text.clone();
                            self.note_dir(&d);
                        }
                    }
                    return allow(NO_INFRA, "Changes directory.");
                }
                "export" | "declare" | "typeset" | "local" | "readonly" => {
                    for a in argv.iter().skip(1) {
                        if let Some((k, v)) = split_assignment(&a.text) {
                            self.vars.insert(k, (!a.dynamic).then_some(v));
                        }
                    }
                    return allow(NO_INFRA, "Sets variables.");
                }
                "unset" => {
                    for a in argv.iter().skip(1) {
                        self.vars.remove(&a.text);
                    }
                    return allow(NO_INFRA, "Unsets variables.");
                }
                "terraform" | "tofu" | "opentofu" | "tf" => {
                    let (fam, tool) = if name == "terraform" || name == "tf" {
                        (Family::Terraform, "terraform")
                    } else {
                        (Family::Tofu, "tofu")
                    };
                    if !self.config.gates(fam) {
                        return not_gated(tool);
                    }
                    return self.terraform(TfTool::Tf(tool), &argv[1..], &env, guard, false);
                }
                "terragrunt" => {
                    if !self.config.gates(Family::Terragrunt) {
                        return not_gated("terragrunt");
                    }
                    return self.terragrunt(&argv[1..], &env, guard);
                }
                "aws" => return self.aws(&argv[1..], guard),
                "cdk" | "aws-cdk" => {
                    if !self.config.gates(Family::Cdk) {
                        return not_gated("cdk");
                    }
                    return self.cdk(&argv[1..], guard);
                }
                "pulumi" => {
                    if !self.config.gates(Family::Pulumi) {
                        return not_gated("pulumi");
                    }
                    return self.pulumi(&argv[1..], &env);
                }
                "sam" => {
                    if !self.config.gates(Family::Sam) {
                        return not_gated("sam");
                    }
                    return self.sam(&argv[1..], guard);
                }
                _ => {
                    // An unknown wrapper (`parallel`, `docker run hashicorp/terraform`,
                    // `kubectl exec … --`, `uv run`): judge the gated tool it names.
                    if !HARMLESS.contains(&name.as_str()) {
                        if let Some(k) = embedded_tool(&argv) {
                            let f = self.argv(retool(&argv[k..]), env, ctx, guard.wrapped());
                            if !f.allow {
                                return f;
                            }
                        }
                    }
                    return allow(NO_INFRA, "No infrastructure command.");
                }
            };
            if skip >= argv.len() {
                return allow(NO_INFRA, "Nothing to run.");
            }
            argv.drain(..skip);
        }
    }

    /// A shell runs the output of `inner` (`source <(…)`, `bash <(…)`).
    fn run_output_of(&mut self, inner: &str, ctx: &Ctx, guard: Guard) -> Finding {
        if let Some(text) = literal_output(inner) {
            return self.nested(&text, ctx, guard.wrapped());
        }
        if mentions_decoder(inner, 0) {
            return deny(
                OPAQUE_SHELL_INPUT,
                "A shell runs commands decoded at run time; planguard cannot see what it would run.",
                Some("Run the commands directly, as plain text.".into()),
            );
        }
        allow(
            NOT_INSPECTED,
            "A shell runs the output of another command; planguard cannot see it.",
        )
    }

    fn nested(&mut self, script: &str, ctx: &Ctx, guard: Guard) -> Finding {
        // The nested script records its own findings; this command itself is a wrapper.
        self.script(script, ctx.depth + 1, guard);
        allow(
            NO_INFRA,
            "A wrapper around the commands checked separately.",
        )
    }

    fn note_dir(&mut self, dir: &str) {
        if dir
            .split(['/', '\\'])
            .any(|c| !c.is_empty() && self.config.is_prod_name(c))
        {
            self.prod_dir = Some(dir.to_string());
        }
    }

    /// A command whose name is only known at run time (`$TOOL destroy`).
    fn dynamic_name(&self, argv: &[Arg]) -> Finding {
        const VERBS: &[&str] = &[
            "apply",
            "destroy",
            "deploy",
            "delete",
            "delete-stack",
            "execute-change-set",
            "update-stack",
            "up",
            "taint",
            "import",
            "rm",
            "run-all",
            "-auto-approve",
            "--auto-approve",
            "--yes",
            "-y",
            "--force",
            "remove",
        ];
        match argv
            .iter()
            .skip(1)
            .find(|a| VERBS.contains(&a.text.as_str()))
        {
            Some(v) => deny(
                DYNAMIC,
                format!(
                    "The command name `{}` is only known at run time and its arguments include \
                     `{}`; planguard cannot tell whether it destroys infrastructure.",
                    argv[0].text, v.text
                ),
                Some("Name the tool literally (e.g. `terraform plan -out=tfplan`).".into()),
            ),
            None => allow(NO_INFRA, "No infrastructure command."),
        }
    }

    /// `sh -c '…'`, `bash <<EOF`, `echo … | sh`, `bash script.sh`.
    fn shell(&mut self, argv: &[Arg], ctx: &Ctx, guard: Guard) -> Finding {
        let mut start = 1;
        if basename(&argv[0].text) == "busybox" {
            match argv.get(1).map(|a| a.text.as_str()) {
                Some("sh" | "ash" | "bash") => start = 2,
                _ => return allow(NO_INFRA, "No infrastructure command."),
            }
        }
        let mut j = start;
        let mut has_c = false;
        let mut command: Option<String> = None;
        while let Some(a) = argv.get(j) {
            let t = a.text.as_str();
            if t == "--" || t == "-" {
                j += 1;
                break;
            }
            if let Some(s) = t.strip_prefix("--command=") {
                command = Some(s.to_string());
                j += 1;
                continue;
            }
            if t == "--command" {
                has_c = true;
                j += 1;
                continue;
            }
            if matches!(
                t,
                "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file" | "-C"
            ) {
                j += 2;
                continue;
            }
            if t.starts_with("--") {
                j += 1;
                continue;
            }
            if (t.starts_with('-') || t.starts_with('+')) && t.len() > 1 {
                if t[1..].contains('c') {
                    has_c = true;
                }
                j += 1;
                continue;
            }
            break;
        }
        let g = guard.wrapped();
        if let Some(s) = command {
            return self.nested(&s, ctx, g);
        }
        if has_c {
            return match argv.get(j) {
                Some(s) => {
                    if let Some(f) = decoded_script(std::slice::from_ref(s)) {
                        return f;
                    }
                    if let Some(f) = unknown_script(std::slice::from_ref(s)) {
                        return f;
                    }
                    let s = s.text.clone();
                    self.nested(&s, ctx, g)
                }
                None => allow(NO_INFRA, "A shell with an empty command."),
            };
        }
        if let Some(inner) = argv.get(j).and_then(|a| a.subst.clone()) {
            // `bash <(echo 'terraform destroy')`: the shell runs the substitution's output.
            return self.run_output_of(&inner, ctx, g);
        }
        if let Some(file) = argv.get(j) {
            return allow(
                NOT_INSPECTED,
                format!(
                    "Runs the script `{}`; planguard does not read script files. Infrastructure \
                     commands inside it are not checked.",
                    file.text
                ),
            );
        }
        if let Some(s) = ctx.stdin.clone() {
            return self.nested(&s, ctx, g);
        }
        if ctx.opaque_stdin {
            return deny(
                OPAQUE_SHELL_INPUT,
                "A shell reads commands decoded or transformed at run time (`… | base64 -d | sh`); \
                 planguard cannot see what it would run.",
                Some("Run the commands directly, as plain text.".into()),
            );
        }
        allow(
            NOT_INSPECTED,
            "A shell reading commands planguard cannot see.",
        )
    }

    /// `npx [opts] TOOL …` and `npm exec`, `pnpm dlx`, `yarn dlx`, `bunx`: the argv of the
    /// tool, with the package name turned into its command (`aws-cdk@2` → `cdk`).
    fn npx(
        &mut self,
        argv: &[Arg],
        from: usize,
        ctx: &Ctx,
        guard: Guard,
    ) -> Result<Vec<Arg>, Finding> {
        let mut j = from;
        while let Some(a) = argv.get(j) {
            let t = a.text.as_str();
            match t {
                "--" => {
                    j += 1;
                    break;
                }
                "-c" | "--call" => {
                    let s = argv.get(j + 1).map(|a| a.text.clone()).unwrap_or_default();
                    return Err(self.nested(&s, ctx, guard.wrapped()));
                }
                "-p" | "--package" => j += 2,
                _ if t.starts_with('-') => j += 1,
                _ => break,
            }
        }
        let Some(tool) = argv.get(j) else {
            return Err(allow(NO_INFRA, "No infrastructure command."));
        };
        let mut pkg = tool.text.clone();
        if let Some(at) = pkg.rfind('@').filter(|&i| i > 0) {
            pkg.truncate(at);
        }
        let cmd = match pkg.as_str() {
            "aws-cdk" | "cdk" => "cdk".to_string(),
            "@pulumi/pulumi" => "pulumi".to_string(),
            other => other.rsplit('/').next().unwrap_or(other).to_string(),
        };
        let mut out = vec![Arg {
            text: cmd,
            dynamic: tool.dynamic,
            subst: None,
        }];
        out.extend(argv[j + 1..].iter().cloned());
        Ok(out)
    }

    /// The production context of a Terraform command, if any: why it looks like prod.
    fn tf_prod_context(&self, env: &Env, chdir: Option<&str>) -> Option<String> {
        let ws = env
            .iter()
            .rev()
            .find(|(k, _)| k == "TF_WORKSPACE")
            .map(|(_, v)| v.clone())
            .or_else(|| self.vars.get("TF_WORKSPACE").cloned());
        match ws {
            Some(Some(w)) if self.config.is_prod_name(&w) => {
                return Some(format!("TF_WORKSPACE={w}"))
            }
            Some(None) => {
                return Some("TF_WORKSPACE is set to a value only known at run time".into())
            }
            _ => {}
        }
        match &self.workspace {
            Some(Some(w)) if self.config.is_prod_name(w) => {
                return Some(format!(
                    "workspace `{w}` is selected earlier in this command"
                ))
            }
            Some(None) => {
                return Some(
                    "a workspace only known at run time is selected earlier in this command".into(),
                )
            }
            _ => {}
        }
        if let Some(d) = chdir {
            if d.split(['/', '\\'])
                .any(|c| !c.is_empty() && self.config.is_prod_name(c))
            {
                return Some(format!("-chdir={d}"));
            }
        }
        self.prod_dir.as_ref().map(|d| format!("it runs in `{d}`"))
    }

    fn destroy(
        &self,
        rule: &'static str,
        what: String,
        prod: Option<String>,
        alt: String,
    ) -> Finding {
        if self.config.allow_destroy {
            match prod {
                None => {
                    return allow(
                        ALLOW_DESTROY,
                        format!("{what}: allowed by hook.allow_destroy outside production."),
                    )
                }
                Some(why) => {
                    return deny(
                        rule,
                        format!(
                            "{what} in production ({why}). hook.allow_destroy does not cover \
                             production."
                        ),
                        Some(alt),
                    )
                }
            }
        }
        deny(
            rule,
            format!(
                "{what}. Destroying and recreating an environment is never the fix an agent \
                 should choose: it is how a 13-hour outage happened."
            ),
            Some(alt),
        )
    }

    /// terraform, tofu, and terragrunt after its own flags are removed. `all`: a terragrunt
    /// `run-all`/`--all` run (every module, approved automatically).
    fn terraform(
        &mut self,
        tool: TfTool,
        args: &[Arg],
        env: &Env,
        guard: Guard,
        all: bool,
    ) -> Finding {
        let name = tool.name();
        let mut i = 0;
        let mut chdir: Option<String> = None;
        let mut globals = String::new();
        while let Some(a) = args.get(i) {
            if !a.text.starts_with('-') {
                break;
            }
            if let Some(d) = a
                .text
                .strip_prefix("-chdir=")
                .or_else(|| a.text.strip_prefix("--chdir="))
            {
                chdir = Some(d.to_string());
            }
            globals.push(' ');
            globals.push_str(&shell_quote(&a.text));
            i += 1;
        }
        let Some(sub) = args.get(i) else {
            return allow(READ_ONLY, format!("`{name}` without a subcommand."));
        };
        if sub.dynamic {
            return deny(
                DYNAMIC,
                format!(
                    "The {name} subcommand `{}` is only known at run time; planguard cannot \
                     tell what it does.",
                    sub.text
                ),
                Some(format!(
                    "Write the subcommand literally, e.g. `{name} plan`."
                )),
            );
        }
        let mut rest: Vec<Arg> = args[i + 1..].to_vec();
        if matches!(tool, TfTool::Tf(_)) {
            // TF_CLI_ARGS and TF_CLI_ARGS_<subcommand> add arguments behind the command line.
            for var in [
                "TF_CLI_ARGS".to_string(),
                format!("TF_CLI_ARGS_{}", sub.text),
            ] {
                if let Some(v) = env_lookup(env, &self.vars, &var) {
                    rest.extend(v.split_whitespace().map(|t| Arg {
                        text: t.to_string(),
                        dynamic: false,
                        subst: None,
                    }));
                }
            }
            if rest
                .iter()
                .any(|a| matches!(a.text.as_str(), "-help" | "--help" | "-h"))
            {
                return allow(
                    READ_ONLY,
                    format!("`{name} {} -help` prints help.", sub.text),
                );
            }
        }
        let p = TfArgs::parse(&rest);
        let plan_path = match &chdir {
            Some(d) => format!("{}/tfplan", d.trim_end_matches('/')),
            None => "tfplan".to_string(),
        };
        let safe = |planning: &str| match tool {
            TfTool::Terragrunt => format!(
                "terragrunt plan{planning} -out=tfplan && terragrunt show -json tfplan > plan.json \
                 && planguard check plan.json && planguard guard -- terragrunt apply tfplan"
            ),
            TfTool::Tf(_) => format!(
                "{name}{globals} plan{planning} -out=tfplan && planguard check {plan_path} && \
                 planguard guard -- {name}{globals} apply tfplan"
            ),
        };
        let (apply_rule, auto_rule, destroy_rule) = match tool {
            TfTool::Tf(_) => (TF_APPLY, TF_AUTO_APPROVE, TF_DESTROY),
            TfTool::Terragrunt => (TG_APPLY, TG_APPLY, TG_DESTROY),
        };
        let destroy_alt = format!(
            "Plan the change you need instead: {}. If something really must be destroyed, a \
             human runs it after reading `planguard check`.",
            safe("")
        );
        match sub.text.as_str() {
            "apply" => {
                if p.bool("destroy") {
                    let prod = self.tf_prod_context(env, chdir.as_deref());
                    return self.destroy(
                        destroy_rule,
                        format!("`{name} apply -destroy` destroys every resource in the state"),
                        prod,
                        destroy_alt,
                    );
                }
                let replaces = p.values("replace");
                if !replaces.is_empty() {
                    let planning: String = replaces
                        .iter()
                        .map(|r| format!(" -replace={}", shell_quote(r)))
                        .collect();
                    return deny(
                        TF_REPLACE,
                        format!(
                            "`{name} apply -replace={}` destroys and recreates a resource without a \
                             checked plan.",
                            replaces.join(",")
                        ),
                        Some(safe(&planning)),
                    );
                }
                match guard {
                    Guard::Direct => {
                        return allow(
                            GUARDED,
                            format!("`{name} apply` runs under planguard guard, which checks the plan first."),
                        )
                    }
                    Guard::Indirect => return guard_indirect(name, safe("")),
                    Guard::None => {}
                }
                if p.bool("auto-approve") {
                    return deny(
                        auto_rule,
                        format!(
                            "`{name} apply -auto-approve` applies whatever the plan contains, \
                             destroys included, with no one reading it."
                        ),
                        Some(safe("")),
                    );
                }
                if p.bool("refresh-only") {
                    return allow(
                        NOT_DESTRUCTIVE,
                        "A refresh-only apply changes state, not infrastructure.",
                    );
                }
                let what = if tool == TfTool::Terragrunt && all {
                    format!(
                        "`{name} run-all apply` applies every module and approves automatically"
                    )
                } else {
                    format!("`{name} apply` changes real infrastructure")
                };
                deny(
                    apply_rule,
                    format!("{what} without planguard checking the plan first."),
                    Some(safe("")),
                )
            }
            "destroy" => {
                let prod = self.tf_prod_context(env, chdir.as_deref());
                let scope = if p.values("target").is_empty() {
                    "destroys every resource in the state"
                } else {
                    "destroys the targeted resources and everything depending on them"
                };
                self.destroy(
                    destroy_rule,
                    format!("`{name} destroy` {scope}"),
                    prod,
                    destroy_alt,
                )
            }
            "taint" => deny(
                TF_TAINT,
                format!(
                    "`{name} taint` marks a resource to be destroyed and recreated by the next \
                     apply."
                ),
                Some(match p.positionals.first() {
                    Some(addr) => safe(&format!(" -replace={}", shell_quote(addr))),
                    None => safe(" -replace=ADDRESS"),
                }),
            ),
            "state" => match p.positionals.first().map(String::as_str) {
                Some("rm") => deny(
                    TF_STATE_RM,
                    format!(
                        "`{name} state rm` makes {name} forget live resources: the next apply \
                         may create duplicates, and nothing manages the originals."
                    ),
                    Some(format!(
                        "Use a `removed {{ from = … lifecycle {{ destroy = false }} }}` block and \
                         review it: {}",
                        safe("")
                    )),
                ),
                Some("push") => deny(
                    TF_STATE_PUSH,
                    format!("`{name} state push` overwrites the remote state."),
                    Some("Ask a human to restore state; keep a backup with `state pull`.".into()),
                ),
                Some("list" | "show" | "pull") | None => {
                    allow(READ_ONLY, format!("`{name} state` read-only command."))
                }
                Some(_) => allow(
                    NOT_DESTRUCTIVE,
                    format!("`{name} state` command that does not delete resources."),
                ),
            },
            "import" => match self.tf_prod_context(env, chdir.as_deref()) {
                Some(why) => deny(
                    TF_IMPORT_PROD,
                    format!(
                        "`{name} import` writes to production state ({why}); a wrong address or ID \
                         makes the next apply change or destroy the real resource."
                    ),
                    Some(format!(
                        "Declare an `import {{ to = … id = … }}` block and review the plan: {}",
                        safe("")
                    )),
                ),
                None => allow(
                    NOT_DESTRUCTIVE,
                    format!("`{name} import` outside production."),
                ),
            },
            "workspace" => match p.positionals.first().map(String::as_str) {
                Some("select" | "new") => {
                    let ws = p.positional_args.get(1);
                    self.workspace = Some(match ws {
                        Some(a) if !a.dynamic => Some(a.text.clone()),
                        Some(_) => None,
                        None => self.workspace.clone().flatten(),
                    });
                    allow(NOT_DESTRUCTIVE, format!("Selects a {name} workspace."))
                }
                Some("delete") => deny(
                    TF_WORKSPACE_DELETE,
                    format!("`{name} workspace delete` deletes a workspace's state."),
                    Some("Ask a human to delete workspaces.".into()),
                ),
                _ => allow(READ_ONLY, format!("`{name} workspace` read-only command.")),
            },
            "plan"
            | "show"
            | "validate"
            | "fmt"
            | "init"
            | "output"
            | "providers"
            | "graph"
            | "console"
            | "version"
            | "get"
            | "test"
            | "modules"
            | "metadata"
            | "login"
            | "logout"
            | "untaint"
            | "query"
            | "hclfmt"
            | "render-json"
            | "render"
            | "output-module-groups"
            | "graph-dependencies"
            | "validate-inputs"
            | "info"
            | "find"
            | "list"
            | "dag"
            | "catalog"
            | "scaffold"
            | "plan-all" => allow(
                READ_ONLY,
                format!("`{name} {}` does not change infrastructure.", sub.text),
            ),
            other => allow(
                NOT_DESTRUCTIVE,
                format!("`{name} {other}` is not a command that destroys infrastructure."),
            ),
        }
    }

    fn terragrunt(&mut self, args: &[Arg], env: &Env, guard: Guard) -> Finding {
        const TF_FLAGS: &[&str] = &[
            "destroy",
            "auto-approve",
            "replace",
            "target",
            "refresh-only",
        ];
        let mut rest: Vec<Arg> = Vec::new();
        let mut all = false;
        let mut i = 0;
        while let Some(a) = args.get(i) {
            let t = a.text.as_str();
            i += 1;
            if rest.is_empty() && (t == "run-all" || t == "run") {
                all |= t == "run-all";
                continue;
            }
            if t == "--all" {
                all = true;
                continue;
            }
            if t == "--" {
                continue;
            }
            if let Some(flag) = t.strip_prefix("--") {
                let base = flag.split('=').next().unwrap_or(flag);
                if !TF_FLAGS.contains(&base) {
                    if !t.contains('=')
                        && (TERRAGRUNT_VALUE_OPTIONS.contains(&t)
                            || (t.starts_with("--terragrunt-")
                                && !t.ends_with("non-interactive")
                                && !t.ends_with("-all")
                                && !t.ends_with("-debug")))
                    {
                        i += 1;
                    }
                    continue;
                }
            }
            rest.push(a.clone());
        }
        if let Some(first) = rest.first_mut() {
            let mapped = match first.text.as_str() {
                "apply-all" => Some("apply"),
                "destroy-all" => Some("destroy"),
                "plan-all" => Some("plan"),
                "output-all" => Some("output"),
                "validate-all" => Some("validate"),
                _ => None,
            };
            if let Some(m) = mapped {
                first.text = m.to_string();
                all = true;
            }
        }
        let mut f = self.terraform(TfTool::Terragrunt, &rest, env, guard, all);
        if all && f.rule == TG_DESTROY && !f.allow {
            f.reason = f
                .reason
                .replacen("terragrunt destroy", "terragrunt run-all destroy", 1);
        }
        f
    }

    fn aws(&mut self, args: &[Arg], guard: Guard) -> Finding {
        const GLOBAL_VALUE: &[&str] = &[
            "--region",
            "--profile",
            "--output",
            "--endpoint-url",
            "--query",
            "--ca-bundle",
            "--cli-read-timeout",
            "--cli-connect-timeout",
            "--color",
            "--cli-binary-format",
        ];
        let mut positionals: Vec<&Arg> = Vec::new();
        let mut opts: HashMap<String, Option<String>> = HashMap::new();
        let mut i = 0;
        while let Some(a) = args.get(i) {
            let t = a.text.as_str();
            i += 1;
            if let Some(name) = t.strip_prefix("--") {
                if let Some((k, v)) = name.split_once('=') {
                    opts.insert(k.to_string(), Some(v.to_string()));
                    continue;
                }
                let takes_value = positionals.len() >= 2 || GLOBAL_VALUE.contains(&t);
                let value = match args.get(i) {
                    Some(n) if takes_value && !n.text.starts_with("--") => {
                        i += 1;
                        Some(n.text.clone())
                    }
                    _ => None,
                };
                opts.insert(name.to_string(), value);
                continue;
            }
            if positionals.len() < 2 {
                positionals.push(a);
            }
        }
        let (Some(service), op) = (positionals.first(), positionals.get(1)) else {
            return allow(READ_ONLY, "`aws` without a service.");
        };
        if service.dynamic {
            return self.dynamic_name(args);
        }
        if service.text != "cloudformation" {
            return allow(NO_INFRA, format!("`aws {}` is not gated.", service.text));
        }
        if !self.config.gates(Family::Cloudformation) {
            return not_gated("aws cloudformation");
        }
        let Some(op) = op else {
            return allow(READ_ONLY, "`aws cloudformation` without an operation.");
        };
        if op.dynamic {
            return deny(
                DYNAMIC,
                format!(
                    "The cloudformation operation `{}` is only known at run time.",
                    op.text
                ),
                Some("Write the operation literally.".into()),
            );
        }
        let opt = |k: &str| opts.get(k).cloned().flatten();
        let stack = opt("stack-name");
        let stack_arg = stack
            .as_ref()
            .map(|s| format!(" --stack-name {}", shell_quote(s)))
            .unwrap_or_default();
        let cs = opt("change-set-name").unwrap_or_else(|| "CHANGE_SET".into());
        let check_then_execute = |cs: &str| {
            format!(
                "aws cloudformation describe-change-set{stack_arg} --change-set-name {cs} \
                 --output json > changeset.json && planguard check changeset.json && planguard \
                 guard -- aws cloudformation execute-change-set{stack_arg} --change-set-name {cs}"
            )
        };
        let o = op.text.as_str();
        match o {
            "delete-stack" | "delete-stack-set" | "delete-stack-instances" => {
                let prod = stack
                    .as_ref()
                    .filter(|s| self.config.is_prod_name(s))
                    .map(|s| format!("stack {s}"))
                    .or_else(|| self.prod_dir.as_ref().map(|d| format!("it runs in `{d}`")));
                self.destroy(
                    CFN_DELETE,
                    format!(
                        "`aws cloudformation {o}` deletes the stack{} and every resource it manages \
                         (except those with DeletionPolicy: Retain)",
                        stack.as_ref().map(|s| format!(" `{s}`")).unwrap_or_default()
                    ),
                    prod,
                    "Do not delete stacks to fix them. Create a change set for the fix, check it \
                     (`planguard check changeset.json`), and let a human delete stacks."
                        .into(),
                )
            }
            "execute-change-set" => match guard {
                Guard::Direct => allow(
                    GUARDED,
                    "The change set runs under planguard guard, which checks it first.",
                ),
                Guard::Indirect => {
                    guard_indirect("aws cloudformation", check_then_execute(&shell_quote(&cs)))
                }
                Guard::None => deny(
                    CFN_EXECUTE,
                    "`aws cloudformation execute-change-set` applies a change set without \
                     planguard checking it first.",
                    Some(check_then_execute(&shell_quote(&cs))),
                ),
            },
            "deploy" => {
                if opts.contains_key("no-execute-changeset") {
                    return allow(
                        NOT_DESTRUCTIVE,
                        "`deploy --no-execute-changeset` only creates a change set.",
                    );
                }
                match guard {
                    Guard::Direct => allow(
                        GUARDED,
                        "The deploy runs under planguard guard, which checks the change set first.",
                    ),
                    Guard::Indirect => {
                        guard_indirect("aws cloudformation", check_then_execute("NAME"))
                    }
                    Guard::None => {
                        let mut same: String = String::from("aws cloudformation deploy");
                        for a in &args[1..] {
                            if a.text != "deploy" {
                                same.push(' ');
                                same.push_str(&shell_quote(&a.text));
                            }
                        }
                        deny(
                            CFN_DEPLOY,
                            "`aws cloudformation deploy` executes its change set immediately, \
                             replacements and deletions included, without planguard checking it.",
                            Some(format!(
                                "{same} --no-execute-changeset, then {}",
                                check_then_execute("NAME_IT_PRINTS")
                            )),
                        )
                    }
                }
            }
            "update-stack" | "update-stack-set" => match guard {
                Guard::Direct => allow(GUARDED, "Runs under planguard guard."),
                Guard::Indirect => guard_indirect("aws cloudformation", check_then_execute("NAME")),
                Guard::None => deny(
                    CFN_UPDATE,
                    format!(
                        "`aws cloudformation {o}` updates the stack directly, without a change \
                         set anyone can review."
                    ),
                    Some(format!(
                        "aws cloudformation create-change-set{stack_arg} --change-set-name NAME \
                         … (same template and parameters), then {}",
                        check_then_execute("NAME")
                    )),
                ),
            },
            _ if [
                "describe-",
                "list-",
                "get-",
                "validate-",
                "estimate-",
                "detect-",
            ]
            .iter()
            .any(|p| o.starts_with(p))
                || o == "wait"
                || o == "package"
                || o == "help" =>
            {
                allow(READ_ONLY, format!("`aws cloudformation {o}` is read-only."))
            }
            _ => allow(
                NOT_DESTRUCTIVE,
                format!("`aws cloudformation {o}` does not delete resources."),
            ),
        }
    }

    fn cdk(&mut self, args: &[Arg], guard: Guard) -> Finding {
        const VALUE: &[&str] = &[
            "-a",
            "--app",
            "-c",
            "--context",
            "--profile",
            "-r",
            "--role-arn",
            "-o",
            "--output",
            "-p",
            "--plugin",
            "--toolkit-stack-name",
            "--ca-bundle-path",
            "--proxy",
            "--require-approval",
            "--method",
            "-m",
            "--change-set-name",
            "--parameters",
            "--outputs-file",
            "-O",
            "--concurrency",
            "--asset-parallelism",
            "-e",
            "--exclusively",
            "--tags",
            "-t",
            "--notification-arns",
            "--build-exclude",
            "-E",
        ];
        let p = OptArgs::parse(args, VALUE);
        let Some(sub) = p.positionals.first() else {
            return allow(READ_ONLY, "`cdk` without a subcommand.");
        };
        if sub.dynamic {
            return deny(
                DYNAMIC,
                format!(
                    "The cdk subcommand `{}` is only known at run time.",
                    sub.text
                ),
                Some("Write the subcommand literally.".into()),
            );
        }
        let stacks: Vec<&str> = p.positionals[1..].iter().map(|a| a.text.as_str()).collect();
        let prod = stacks
            .iter()
            .find(|s| self.config.is_prod_name(s))
            .map(|s| format!("stack {s}"))
            .or_else(|| self.prod_dir.as_ref().map(|d| format!("it runs in `{d}`")));
        let prepare = format!(
            "cdk deploy {} --method=prepare-change-set --change-set-name planguard, then \
             aws cloudformation describe-change-set --stack-name STACK --change-set-name planguard \
             --output json > changeset.json && planguard check changeset.json && planguard guard \
             -- aws cloudformation execute-change-set --stack-name STACK --change-set-name planguard",
            if stacks.is_empty() { "STACK".to_string() } else { stacks.join(" ") }
        );
        match sub.text.as_str() {
            "destroy" => self.destroy(
                CDK_DESTROY,
                "`cdk destroy` deletes whole stacks and every resource in them".into(),
                prod,
                "Do not destroy stacks to fix them; change the app and review the change set: "
                    .to_string()
                    + &prepare,
            ),
            "deploy" | "watch" => {
                let method = p.value("--method").or_else(|| p.value("-m"));
                let no_execute = p.has("--no-execute")
                    || p.value("--execute").as_deref() == Some("false")
                    || method.as_deref() == Some("prepare-change-set");
                if sub.text == "deploy" && no_execute {
                    return allow(
                        NOT_DESTRUCTIVE,
                        "`cdk deploy` that only prepares a change set.",
                    );
                }
                // The guard cannot check `cdk deploy`: it judges the command by these rules
                // as if unguarded (`guard_plan::by_hook_rules`), so the answer is the same.
                if guard == Guard::Indirect {
                    return guard_indirect("cdk", prepare);
                }
                if p.value("--require-approval").as_deref() == Some("never") {
                    return deny(
                        CDK_NO_APPROVAL,
                        "`cdk deploy --require-approval never` deploys replacements and deletions \
                         with no one looking.",
                        Some(prepare),
                    );
                }
                let watch = sub.text == "watch" || p.has("--watch") || p.has("--hotswap");
                deny(
                    CDK_DEPLOY,
                    if watch {
                        "`cdk watch`/`--hotswap` deploys every change immediately, unchecked."
                            .to_string()
                    } else {
                        "`cdk deploy` executes its change set immediately; CloudFormation \
                         replacements and deletions are not shown for approval."
                            .to_string()
                    },
                    Some(prepare),
                )
            }
            "diff" | "synth" | "synthesize" | "ls" | "list" | "doctor" | "context" | "metadata"
            | "notices" | "acknowledge" | "ack" | "docs" | "doc" | "version" | "init" => allow(
                READ_ONLY,
                format!("`cdk {}` does not change infrastructure.", sub.text),
            ),
            other => allow(
                NOT_DESTRUCTIVE,
                format!("`cdk {other}` is not a command that destroys stacks."),
            ),
        }
    }

    fn pulumi(&mut self, args: &[Arg], env: &Env) -> Finding {
        const VALUE: &[&str] = &[
            "-C",
            "--cwd",
            "-s",
            "--stack",
            "--color",
            "--tracing",
            "--profiling",
            "-v",
            "--verbose",
            "--config-file",
            "-c",
            "--config",
            "-t",
            "--target",
            "--replace",
            "--target-replace",
            "--exclude",
            "-m",
            "--message",
            "-p",
            "--parallel",
            "--secrets-provider",
            "--policy-pack",
            "--policy-pack-config",
            "--plan",
            "--client",
            "--exec-kind",
            "--exec-agent",
        ];
        let p = OptArgs::parse(args, VALUE);
        let Some(sub) = p.positionals.first() else {
            return allow(READ_ONLY, "`pulumi` without a subcommand.");
        };
        if sub.dynamic {
            return deny(
                DYNAMIC,
                format!(
                    "The pulumi subcommand `{}` is only known at run time.",
                    sub.text
                ),
                Some("Write the subcommand literally.".into()),
            );
        }
        let stack = p
            .value("-s")
            .or_else(|| p.value("--stack"))
            .or_else(|| env_lookup(env, &self.vars, "PULUMI_STACK"));
        let prod = stack
            .as_ref()
            .filter(|s| {
                s.rsplit('/')
                    .next()
                    .is_some_and(|n| self.config.is_prod_name(n))
            })
            .map(|s| format!("stack {s}"))
            .or_else(|| self.prod_dir.as_ref().map(|d| format!("it runs in `{d}`")));
        let preview = "pulumi preview --diff, then a human runs `pulumi up` after reading it";
        let skip_env = env_lookup(env, &self.vars, "PULUMI_SKIP_CONFIRMATIONS")
            .is_some_and(|v| matches!(v.as_str(), "true" | "1" | "TRUE" | "True"));
        match sub.text.as_str() {
            "destroy" | "down" | "dn" => self.destroy(
                PULUMI_DESTROY,
                "`pulumi destroy` deletes every resource in the stack".into(),
                prod,
                preview.into(),
            ),
            "up" | "update" | "watch" => {
                // Guarded or not, the same answer: the guard judges pulumi by these rules.
                let yes = p.has("--yes")
                    || p.has("-y")
                    || p.has("--skip-preview")
                    || p.has("-f")
                    || skip_env
                    || sub.text == "watch";
                if yes {
                    return deny(
                        PULUMI_UNATTENDED,
                        format!(
                            "`pulumi {}` without a preview someone confirms deploys replacements \
                             and deletions unchecked.",
                            sub.text
                        ),
                        Some(preview.into()),
                    );
                }
                if p.has("--replace") || p.has("--target-replace") {
                    return deny(
                        PULUMI_REPLACE,
                        "`pulumi up --replace` destroys and recreates resources.".to_string(),
                        Some(preview.into()),
                    );
                }
                allow(
                    NOT_DESTRUCTIVE,
                    "`pulumi up` without --yes shows a preview and asks a human (and refuses to \
                     run non-interactively).",
                )
            }
            "state" => match p.positionals.get(1).map(|a| a.text.as_str()) {
                Some("delete") => deny(
                    PULUMI_STATE_DELETE,
                    "`pulumi state delete` makes Pulumi forget a live resource.",
                    Some("Ask a human to edit state.".into()),
                ),
                _ => allow(NOT_DESTRUCTIVE, "`pulumi state` command."),
            },
            "stack" => match p.positionals.get(1).map(|a| a.text.as_str()) {
                Some("rm") => deny(
                    PULUMI_STACK_RM,
                    "`pulumi stack rm` deletes a stack and its state.",
                    Some("Ask a human to remove stacks.".into()),
                ),
                _ => allow(READ_ONLY, "`pulumi stack` command."),
            },
            "preview" | "pre" | "config" | "whoami" | "about" | "logs" | "version" | "login"
            | "logout" | "plugin" | "new" | "console" | "org" | "schema" | "policy" | "env"
            | "install" | "convert" | "help" => allow(
                READ_ONLY,
                format!("`pulumi {}` does not change infrastructure.", sub.text),
            ),
            other => allow(
                NOT_DESTRUCTIVE,
                format!("`pulumi {other}` is not a command that destroys resources."),
            ),
        }
    }

    fn sam(&mut self, args: &[Arg], guard: Guard) -> Finding {
        const VALUE: &[&str] = &[
            "--profile",
            "--region",
            "--config-file",
            "--config-env",
            "--stack-name",
            "-t",
            "--template",
            "--template-file",
            "--s3-bucket",
            "--s3-prefix",
            "--capabilities",
            "--parameter-overrides",
            "--tags",
            "--image-repository",
            "--kms-key-id",
            "--role-arn",
            "--notification-arns",
            "--signing-profiles",
            "--resolve-image-repos",
        ];
        let p = OptArgs::parse(args, VALUE);
        let Some(sub) = p.positionals.first() else {
            return allow(READ_ONLY, "`sam` without a subcommand.");
        };
        if sub.dynamic {
            return deny(
                DYNAMIC,
                format!(
                    "The sam subcommand `{}` is only known at run time.",
                    sub.text
                ),
                Some("Write the subcommand literally.".into()),
            );
        }
        let stack = p.value("--stack-name");
        let stack_arg = stack
            .as_ref()
            .map(|s| format!(" --stack-name {}", shell_quote(s)))
            .unwrap_or_else(|| " --stack-name STACK".into());
        let alt = format!(
            "sam deploy --no-execute-changeset{stack_arg}, then aws cloudformation \
             describe-change-set{stack_arg} --change-set-name NAME_IT_PRINTS --output json > \
             changeset.json && planguard check changeset.json && planguard guard -- aws \
             cloudformation execute-change-set{stack_arg} --change-set-name NAME_IT_PRINTS"
        );
        match sub.text.as_str() {
            "delete" => {
                let prod = stack
                    .as_ref()
                    .filter(|s| self.config.is_prod_name(s))
                    .map(|s| format!("stack {s}"))
                    .or_else(|| self.prod_dir.as_ref().map(|d| format!("it runs in `{d}`")));
                self.destroy(
                    SAM_DELETE,
                    "`sam delete` deletes the stack and every resource in it".into(),
                    prod,
                    "Do not delete stacks to fix them; deploy the fix as a checked change set: "
                        .to_string()
                        + &alt,
                )
            }
            "deploy" => {
                if p.has("--no-execute-changeset") {
                    return allow(
                        NOT_DESTRUCTIVE,
                        "`sam deploy --no-execute-changeset` only creates a change set.",
                    );
                }
                // The guard judges `sam deploy` by these rules as if unguarded.
                match guard {
                    Guard::Indirect => guard_indirect("sam", alt),
                    Guard::Direct | Guard::None => deny(
                        SAM_DEPLOY,
                        "`sam deploy` executes its change set without planguard checking it.",
                        Some(alt),
                    ),
                }
            }
            "sync" => deny(
                SAM_SYNC,
                "`sam sync` updates the stack directly, skipping change sets.",
                Some(alt),
            ),
            other => allow(
                READ_ONLY,
                format!("`sam {other}` does not change deployed stacks."),
            ),
        }
    }
}

struct Ctx {
    depth: usize,
    /// What the command reads on stdin, when known (here-document, `echo … |`).
    stdin: Option<String>,
    /// Stdin comes through a decoder: unknowable.
    opaque_stdin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TfTool {
    /// `terraform` or `tofu`.
    Tf(&'static str),
    Terragrunt,
}

impl TfTool {
    fn name(self) -> &'static str {
        match self {
            TfTool::Tf(n) => n,
            TfTool::Terragrunt => "terragrunt",
        }
    }
}

/// Terraform's flag syntax (Go's `flag` package): `-name`, `--name`, `-name=value`,
/// `-name value` for flags that take one.
struct TfArgs {
    flags: Vec<(String, Option<String>)>,
    positionals: Vec<String>,
    positional_args: Vec<Arg>,
}

impl TfArgs {
    fn parse(args: &[Arg]) -> TfArgs {
        const VALUE: &[&str] = &[
            "var",
            "var-file",
            "target",
            "replace",
            "parallelism",
            "state",
            "state-out",
            "backup",
            "lock-timeout",
            "out",
            "generate-config-out",
            "exclude",
            "config",
            "provider",
            "allow-missing-config",
        ];
        let mut flags = Vec::new();
        let mut positional_args = Vec::new();
        let mut i = 0;
        while let Some(a) = args.get(i) {
            i += 1;
            let t = a.text.as_str();
            if t == "--" {
                positional_args.extend(args[i..].iter().cloned());
                break;
            }
            let stripped = t.strip_prefix("--").or_else(|| t.strip_prefix('-'));
            match stripped {
                Some(s) if !s.is_empty() => {
                    let (k, v) = match s.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(v.to_string())),
                        None => (s.to_string(), None),
                    };
                    let v = match v {
                        None if VALUE.contains(&k.as_str()) => {
                            let n = args.get(i).map(|a| a.text.clone());
                            i += 1;
                            n
                        }
                        v => v,
                    };
                    flags.push((k, v));
                }
                _ => positional_args.push(a.clone()),
            }
        }
        TfArgs {
            flags,
            positionals: positional_args.iter().map(|a| a.text.clone()).collect(),
            positional_args,
        }
    }

    /// A boolean flag: present without value, or with a value Go's ParseBool reads as true.
    /// An unparseable value counts as true (terraform would refuse; we fail closed).
    fn bool(&self, name: &str) -> bool {
        self.flags.iter().any(|(k, v)| {
            k == name
                && !matches!(
                    v.as_deref(),
                    Some("0" | "f" | "F" | "false" | "FALSE" | "False")
                )
        })
    }

    fn values(&self, name: &str) -> Vec<String> {
        self.flags
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone().unwrap_or_default())
            .collect()
    }
}

/// GNU-style options (`--name value`, `--name=value`, `-x value`) for cdk, pulumi, sam.
struct OptArgs {
    opts: Vec<(String, Option<String>)>,
    positionals: Vec<Arg>,
}

impl OptArgs {
    fn parse(args: &[Arg], value_opts: &[&str]) -> OptArgs {
        let mut opts = Vec::new();
        let mut positionals = Vec::new();
        let mut i = 0;
        while let Some(a) = args.get(i) {
            i += 1;
            let t = a.text.as_str();
            if t == "--" {
                positionals.extend(args[i..].iter().cloned());
                break;
            }
            if t.starts_with('-') && t.len() > 1 {
                if let Some((k, v)) = t.split_once('=') {
                    opts.push((k.to_string(), Some(v.to_string())));
                } else if value_opts.contains(&t) {
                    opts.push((t.to_string(), args.get(i).map(|a| a.text.clone())));
                    i += 1;
                } else {
                    opts.push((t.to_string(), None));
                }
            } else {
                positionals.push(a.clone());
            }
        }
        OptArgs { opts, positionals }
    }

    fn has(&self, name: &str) -> bool {
        self.opts.iter().any(|(k, v)| {
            k == name && !matches!(v.as_deref(), Some("false" | "0" | "False" | "FALSE"))
        })
    }

    fn value(&self, name: &str) -> Option<String> {
        self.opts
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.clone())
    }
}

fn env_lookup(env: &Env, vars: &HashMap<String, Option<String>>, name: &str) -> Option<String> {
    env.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .or_else(|| vars.get(name).cloned())
        .flatten()
}

fn prefix_words(prefixes: &[String]) -> Vec<Vec<String>> {
    prefixes
        .iter()
        .filter_map(|p| {
            let cmds = lexer::parse(p).ok()?;
            let words: Vec<String> = cmds
                .first()?
                .words
                .iter()
                .map(Word::literal)
                .collect::<Option<_>>()?;
            (!words.is_empty()).then_some(words)
        })
        .collect()
}

fn prefix_match(prefixes: &[Vec<String>], argv: &[Arg]) -> bool {
    prefixes.iter().any(|p| {
        p.len() <= argv.len() && p.iter().zip(argv).all(|(w, a)| !a.dynamic && *w == a.text)
    })
}

fn not_gated(tool: &str) -> Finding {
    allow(
        NOT_GATED,
        format!("`{tool}` is not in hook.gate in .planguard.yaml."),
    )
}

fn guard_indirect(tool: &str, alt: String) -> Finding {
    deny(
        GUARD_INDIRECT,
        format!(
            "planguard guard must wrap `{tool}` directly: behind `sh -c`, `env`, `sudo` or \
             another wrapper the guard sees the wrapper, not the plan it must check."
        ),
        Some(format!(
            "Put wrappers outside the guard (`env X=1 planguard guard -- …`): {alt}"
        )),
    )
}

/// Skip options starting at `from` (those in `with_value` consume the next argument too);
/// returns the index of the first operand. `--` ends the options.
fn skip_options(argv: &[Arg], from: usize, with_value: &[&str]) -> usize {
    let mut j = from;
    while let Some(a) = argv.get(j) {
        let t = a.text.as_str();
        if t == "--" {
            return j + 1;
        }
        if !t.starts_with('-') || t.len() == 1 {
            break;
        }
        j += if with_value.contains(&t) { 2 } else { 1 };
    }
    j
}

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn split_assignment(t: &str) -> Option<(String, String)> {
    let (k, v) = t.split_once('=')?;
    is_name(k).then(|| (k.to_string(), v.to_string()))
}

/// The command name without its directory (`/usr/local/bin/terraform` → `terraform`).
pub fn basename(s: &str) -> &str {
    let b = s.rsplit(['/', '\\']).next().unwrap_or(s);
    b.strip_suffix(".exe").unwrap_or(b)
}

/// `$(which terraform)`, `$(command -v tofu)`, `$(type -P pulumi)`: the tool's name.
fn which_lookup(inner: &str) -> Option<String> {
    let cmds = lexer::parse(inner).ok()?;
    let [cmd] = cmds.as_slice() else {
        return None;
    };
    let words: Vec<String> = cmd.words.iter().map(Word::literal).collect::<Option<_>>()?;
    let tool = match words
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["which", t] | ["command", "-v", t] | ["type", "-P" | "-p", t] => t.to_string(),
        _ => return None,
    };
    Some(basename(&tool).to_string())
}

fn join_args(args: &[Arg]) -> String {
    args.iter()
        .map(|a| a.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most [`SEGMENT_CHARS`] characters of a segment, for messages an agent reads.
fn clip(s: &str) -> String {
    match s.char_indices().nth(SEGMENT_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Longest `matched_segment` reported; longer ones are cut with `…`.
pub const SEGMENT_CHARS: usize = 400;

/// Quote a word for display in a suggested command, only when needed.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+%^".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Commands that only print, search or move files: a tool name among their arguments is
/// data (`grep terraform destroy.log`), not a command.
const HARMLESS: &[&str] = &[
    "echo",
    "printf",
    "grep",
    "egrep",
    "fgrep",
    "rg",
    "ag",
    "ack",
    "man",
    "info",
    "which",
    "whereis",
    "type",
    "apropos",
    "git",
    "cat",
    "less",
    "more",
    "head",
    "tail",
    "wc",
    "sort",
    "uniq",
    "sed",
    "awk",
    "jq",
    "yq",
    "diff",
    "ls",
    "test",
    "[",
    "[[",
    "true",
    "false",
    "touch",
    "mkdir",
    "rm",
    "rmdir",
    "cp",
    "mv",
    "chmod",
    "chown",
    "ln",
    "stat",
    "file",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "tee",
    "code",
    "vim",
    "vi",
    "nano",
    "emacs",
    "open",
    "xdg-open",
    "brew",
    "apt",
    "apt-get",
    "pip",
    "pip3",
    "cargo",
    "go",
    "tar",
    "zip",
    "unzip",
    "curl",
    "wget",
    "tree",
    "du",
    "df",
    "planguard",
];

/// Command names an unknown wrapper may run, with what to treat them as.
fn gated_name(word: &str) -> Option<&'static str> {
    let b = basename(word);
    let b = b.split([':', '@']).next().unwrap_or(b);
    Some(match b {
        "terraform" | "tf" => "terraform",
        "tofu" | "opentofu" => "tofu",
        "terragrunt" => "terragrunt",
        "aws" | "aws-cli" => "aws",
        "cdk" | "aws-cdk" => "cdk",
        "pulumi" => "pulumi",
        "sam" | "aws-sam-cli" => "sam",
        "sh" | "bash" | "zsh" | "dash" | "ksh" => "sh",
        _ => return None,
    })
}

/// Index of the first argument (after the command name) that names a gated tool.
fn embedded_tool(argv: &[Arg]) -> Option<usize> {
    argv.iter()
        .enumerate()
        .skip(1)
        .find(|(_, a)| {
            !a.dynamic && !a.text.contains(char::is_whitespace) && gated_name(&a.text).is_some()
        })
        .map(|(k, _)| k)
}

/// `hashicorp/terraform:1.9 destroy` → `terraform destroy`.
fn retool(argv: &[Arg]) -> Vec<Arg> {
    let mut v = argv.to_vec();
    if let Some(first) = v.first_mut() {
        if let Some(n) = gated_name(&first.text) {
            if n != "sh" {
                first.text = n.to_string();
            }
        }
    }
    v
}

/// `npm run cdk …`, `npm run-script cdk`, `yarn cdk …`, `pnpm run cdk`, `bun run cdk`:
/// (index of the script name, tool).
fn package_script_tool(argv: &[Arg]) -> Option<(usize, &'static str)> {
    let pm = basename(&argv.first()?.text);
    let (k, script) = match argv.get(1).map(|a| a.text.as_str()) {
        Some("run" | "run-script") => (2, argv.get(2)?),
        Some(_) if pm != "npm" => (1, argv.get(1)?),
        _ => return None,
    };
    match script.text.as_str() {
        "cdk" => Some((k, "cdk")),
        "pulumi" => Some((k, "pulumi")),
        "terraform" | "tf" => Some((k, "terraform")),
        "sam" => Some((k, "sam")),
        _ => None,
    }
}

const DECODERS: &[&str] = &[
    "base64", "base32", "basenc", "xxd", "openssl", "gunzip", "zcat", "gzip", "bzip2", "bunzip2",
    "xz", "unxz", "zstd", "rev", "tr", "uudecode",
];

/// Whether `src`, or a substitution in it, runs a decoder.
fn mentions_decoder(src: &str, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return true;
    }
    let Ok(cmds) = lexer::parse(src) else {
        return false;
    };
    cmds.iter().any(|c| {
        c.words
            .first()
            .and_then(Word::literal)
            .is_some_and(|w| DECODERS.contains(&basename(&w)))
            || c.words
                .iter()
                .flat_map(|w| w.substitutions())
                .any(|s| mentions_decoder(s, depth + 1))
    })
}

/// `eval "$(… | base64 -d)"`, `sh -c "$(xxd -r …)"`: a script only known after decoding.
fn decoded_script(args: &[Arg]) -> Option<Finding> {
    let hidden = args
        .iter()
        .filter(|a| a.dynamic)
        .any(|a| mentions_decoder(&a.text, 0));
    hidden.then(|| {
        deny(
            OPAQUE_SHELL_INPUT,
            "The shell runs a script that is decoded at run time; planguard cannot see what it \
             would run.",
            Some("Run the commands directly, as plain text.".into()),
        )
    })
}

/// `eval "$CMD"`, `sh -c "$1"`: a script that is a variable unknown at check time.
/// (`eval "$(ssh-agent -s)"` is different: the substitution itself is checked.)
fn unknown_script(args: &[Arg]) -> Option<Finding> {
    let first = args.first()?;
    let hidden = args.iter().all(|a| a.dynamic && a.subst.is_none())
        && first.text.starts_with('$')
        && !first.text.starts_with("$(");
    hidden.then(|| {
        deny(
            DYNAMIC,
            format!(
                "The shell runs `{}`, a script only known at run time; planguard cannot see \
                 what it would run.",
                first.text
            ),
            Some("Run the commands directly, as plain text.".into()),
        )
    })
}

/// The output of a script when it is literal text: `echo …`, `printf …`, `cat <<EOF`.
fn literal_output(src: &str) -> Option<String> {
    let cmds = lexer::parse(src).ok()?;
    let [cmd] = cmds.as_slice() else {
        return None;
    };
    let words: Vec<String> = cmd.words.iter().map(Word::literal).collect::<Option<_>>()?;
    match words.first().map(|w| basename(w)) {
        Some("echo" | "printf") => Some(
            words[1..]
                .iter()
                .filter(|w| !(w.starts_with('-') && w.len() == 2))
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Some("cat") if words.len() == 1 => cmd.stdin.first().and_then(Word::literal),
        _ => None,
    }
}

/// `python -c '…'`, `node -e '…'`: inline code that names a gated tool and a destructive
/// verb is denied; planguard does not analyse other languages.
fn inline_code(argv: &[Arg]) -> Finding {
    const FLAGS: &[&str] = &["-c", "-e", "-E", "--eval", "-p", "--print", "-r", "eval"];
    const TOOLS: &[&str] = &[
        "terraform",
        "tofu",
        "terragrunt",
        "cloudformation",
        "cdk",
        "pulumi",
        "sam",
    ];
    const VERBS: &[&str] = &[
        "destroy",
        "apply",
        "delete-stack",
        "execute-change-set",
        "deploy",
        "up",
        "delete",
        "taint",
        "rm",
        "import",
        "update-stack",
    ];
    let code = argv
        .iter()
        .position(|a| FLAGS.contains(&a.text.as_str()))
        .and_then(|k| argv.get(k + 1));
    let Some(code) = code else {
        return allow(
            NOT_INSPECTED,
            "Runs a program; planguard does not read program files.",
        );
    };
    let words: Vec<&str> = code
        .text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let tool = words.iter().find(|w| TOOLS.contains(w));
    let verb = words.iter().find(|w| VERBS.contains(w));
    match (tool, verb) {
        (Some(t), Some(v)) => deny(
            DYNAMIC,
            format!(
                "Inline {} code mentions `{t}` and `{v}`; planguard cannot follow commands run \
                 from another language.",
                basename(&argv[0].text)
            ),
            Some("Run the infrastructure command directly in the shell.".into()),
        ),
        _ => allow(
            NO_INFRA,
            "Inline code that names no infrastructure command.",
        ),
    }
}
