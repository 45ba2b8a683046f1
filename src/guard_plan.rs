//! `planguard guard -- COMMAND…`: what a wrapped command is and what must be checked before
//! it may run. Pure (no I/O, no environment reads), so every decision is unit-tested here;
//! the binary (`src/guard.rs`) runs the tools, analyses and executes.
//!
//! Why this exists: `planguard check` only helps when someone runs it, on the plan that is
//! then applied. The guard makes the check and the apply one step. It knows the commands that
//! apply a reviewable plan and checks that plan first:
//!
//! * `terraform|tofu [-chdir=DIR] apply [flags] PLANFILE` → `BIN [-chdir=DIR] show -json PLANFILE`;
//! * `terragrunt [run-all] apply … PLANFILE` → `terragrunt [run-all] show -json PLANFILE`
//!   (the same terragrunt options, so `--terragrunt-working-dir` finds the same plan);
//! * `aws [globals] cloudformation execute-change-set --change-set-name X [--stack-name S]`
//!   → describe the change set (pages, nested change sets) and fetch the stack template;
//! * `aws cloudformation deploy …` → the same deploy with `--no-execute-changeset`, then the
//!   change set it created is checked and executed.
//!
//! Commands that change infrastructure without a plan anyone can check are refused with the
//! safe workflow: `apply` without a plan file, `apply -destroy`, `destroy`,
//! `aws cloudformation delete-stack` and `update-stack`. `guard.allow_destroy` and
//! `guard.allow_apply_without_plan` in `.planguard.yaml` (a reviewed change) let them run.
//! `delete-stack` is governed by `allow_destroy`, not by a waiver: there is no change set to
//! attach a waiver to.
//!
//! Everything else in a gated family (`plan`, `init`, `show`, `describe-*` …) and commands of
//! other tools are judged by the hook's rules ([`crate::hook::decide`]): what the hook would
//! deny outside the guard and the guard cannot check (`terraform state rm`, `taint`,
//! `cdk deploy`, `sh -c "terraform apply"`) is refused, the rest runs unchanged. Families not
//! listed in `guard.gate` run unchanged, unchecked.

use crate::hook::{decide, HookConfig};
use serde::{Deserialize, Serialize};

/// A family of commands the guard can check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GuardFamily {
    Terraform,
    Tofu,
    Terragrunt,
    Cloudformation,
}

impl GuardFamily {
    pub const ALL: [GuardFamily; 4] = [
        GuardFamily::Terraform,
        GuardFamily::Tofu,
        GuardFamily::Terragrunt,
        GuardFamily::Cloudformation,
    ];
}

/// The `guard:` section of `.planguard.yaml`.
///
/// ```yaml
/// guard:
///   audit_log: .planguard/audit.jsonl     # relative to this file; default shown
///   allow_destroy: false                   # destroy, apply -destroy, delete-stack
///   allow_apply_without_plan: false        # apply without a plan file, update-stack
///   gate: [terraform, tofu, terragrunt, cloudformation]   # default: all
///   allow_terminal_override: true          # a person at a terminal may confirm a failed check
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GuardConfig {
    /// Where decisions are appended (JSON lines). Relative paths are relative to the config
    /// file's directory. Default `.planguard/audit.jsonl` there (or in the working directory
    /// when there is no config file).
    pub audit_log: Option<String>,
    /// Let whole-environment destroys run (unchecked): `destroy`, `apply -destroy`,
    /// `aws cloudformation delete-stack`.
    pub allow_destroy: bool,
    /// Let `apply` without a saved plan (and `update-stack`) run unchecked.
    pub allow_apply_without_plan: bool,
    /// Command families the guard checks; others run unchanged.
    pub gate: Vec<GuardFamily>,
    /// Whether a person at a terminal may override a failed check by typing a confirmation.
    pub allow_terminal_override: bool,
}

impl Default for GuardConfig {
    fn default() -> Self {
        GuardConfig {
            audit_log: None,
            allow_destroy: false,
            allow_apply_without_plan: false,
            gate: GuardFamily::ALL.to_vec(),
            allow_terminal_override: true,
        }
    }
}

impl GuardConfig {
    pub fn gates(&self, f: GuardFamily) -> bool {
        self.gate.contains(&f)
    }
}

/// Why a command is not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Stable id, e.g. `apply-without-plan`, or the hook rule that denied it.
    pub rule: String,
    pub reason: String,
    /// The safe command sequence to run instead.
    pub safe: Option<String>,
    /// The `guard:` key that would let it run, when there is one.
    pub config_key: Option<&'static str>,
}

/// How to call the `aws` CLI again for read-only calls: the same binary and the global
/// options that choose the account and endpoint (region, profile, endpoint, TLS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsCall {
    pub bin: String,
    pub globals: Vec<String>,
}

impl AwsCall {
    /// `aws GLOBALS cloudformation OP ARGS…`.
    pub fn cloudformation(&self, op: &str, args: &[&str]) -> Vec<String> {
        let mut v = vec![self.bin.clone()];
        v.extend(self.globals.iter().cloned());
        v.push("cloudformation".into());
        v.push(op.into());
        v.extend(args.iter().map(|s| s.to_string()));
        v
    }

    /// `describe-change-set` of one page, with property values, as JSON.
    pub fn describe_change_set(
        &self,
        change_set: &str,
        stack: Option<&str>,
        next_token: Option<&str>,
    ) -> Vec<String> {
        let mut args = vec!["--change-set-name", change_set];
        if let Some(s) = stack {
            args.extend(["--stack-name", s]);
        }
        args.extend(["--include-property-values", "--output", "json"]);
        if let Some(t) = next_token {
            args.extend(["--next-token", t]);
        }
        self.cloudformation("describe-change-set", &args)
    }

    /// `get-template` of the deployed (original) template, as JSON.
    pub fn get_template(&self, stack: &str) -> Vec<String> {
        self.cloudformation(
            "get-template",
            &[
                "--stack-name",
                stack,
                "--template-stage",
                "Original",
                "--output",
                "json",
            ],
        )
    }
}

/// A change set to check before the command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetTarget {
    pub aws: AwsCall,
    pub change_set: String,
    pub stack: Option<String>,
}

/// `aws cloudformation deploy`, split into create, check and execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployPlan {
    pub aws: AwsCall,
    /// The user's deploy command with `--no-execute-changeset` added.
    pub create: Vec<String>,
    pub stack: String,
    /// Options of the deploy that belong to the execution (`--disable-rollback`).
    pub execute_extra: Vec<String>,
}

impl DeployPlan {
    /// `aws GLOBALS cloudformation execute-change-set --change-set-name ARN [--stack-name S] …`.
    pub fn execute(&self, change_set: &str) -> Vec<String> {
        let mut args = vec!["--change-set-name", change_set];
        if !change_set.starts_with("arn:") {
            args.extend(["--stack-name", self.stack.as_str()]);
        }
        args.extend(self.execute_extra.iter().map(String::as_str));
        self.aws.cloudformation("execute-change-set", &args)
    }
}

/// What the guard does with a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuardAction {
    /// Runs unchanged, unchecked, unaudited: it changes no infrastructure, or its family is
    /// not gated.
    PassThrough { why: String },
    /// Runs unchanged and unchecked because `.planguard.yaml` allows it (audited).
    Allowed {
        why: String,
        config_key: &'static str,
    },
    /// Not run.
    Refuse(Refusal),
    /// Run `show` (one JSON plan on stdout, or one per module when `multi_doc`), check the
    /// plan, then run the command.
    CheckPlan {
        show: Vec<String>,
        multi_doc: bool,
        plan_file: String,
    },
    /// Describe the change set, check it, then run the command.
    CheckChangeSet(ChangeSetTarget),
    /// Create the change set, check it, execute it.
    Deploy(DeployPlan),
}

impl GuardAction {
    /// Whether the decision goes to the audit log.
    pub fn audited(&self) -> bool {
        !matches!(self, GuardAction::PassThrough { .. })
    }
}

/// Decide what to do with `argv` (the wrapped command, `argv[0]` the tool).
/// `env` reads `TF_CLI_ARGS` and `TF_CLI_ARGS_apply`, which Terraform inserts after the
/// subcommand.
pub fn classify(
    argv: &[String],
    config: &GuardConfig,
    hook: &HookConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> GuardAction {
    let Some(tool) = argv.first() else {
        return GuardAction::PassThrough {
            why: "empty command".into(),
        };
    };
    let name = basename(tool);
    let decided = match name {
        "terraform" | "tofu" => {
            let fam = if name == "tofu" {
                GuardFamily::Tofu
            } else {
                GuardFamily::Terraform
            };
            if !config.gates(fam) {
                return not_gated(name);
            }
            terraform(argv, name, config, env)
        }
        "terragrunt" => {
            if !config.gates(GuardFamily::Terragrunt) {
                return not_gated(name);
            }
            terragrunt(argv, config)
        }
        "aws" => {
            if !config.gates(GuardFamily::Cloudformation) {
                return not_gated("aws cloudformation");
            }
            aws(argv, config)
        }
        _ => None,
    };
    decided.unwrap_or_else(|| by_hook_rules(argv, hook))
}

fn not_gated(what: &str) -> GuardAction {
    GuardAction::PassThrough {
        why: format!("`{what}` is not in guard.gate"),
    }
}

/// A command the guard does not check itself: refused when the hook would deny it outside
/// the guard (the guard cannot make it safe), run otherwise.
fn by_hook_rules(argv: &[String], hook: &HookConfig) -> GuardAction {
    let line: Vec<String> = argv.iter().map(|a| shell_quote(a)).collect();
    let d = decide(&line.join(" "), hook);
    if d.allow {
        GuardAction::PassThrough { why: d.reason }
    } else {
        GuardAction::Refuse(Refusal {
            rule: d.rule.to_string(),
            reason: format!(
                "planguard guard cannot check this command, and it is not safe to run \
                 unchecked: {}",
                d.reason
            ),
            safe: d.safe_alternative,
            config_key: None,
        })
    }
}

pub fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// Quote a word for display in a suggested command (POSIX shell).
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A command line for messages.
pub fn display_argv(argv: &[String]) -> String {
    argv.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Terraform's (Go `flag`) options of `apply`: `-name`, `--name`, `-name=value`, `-name
/// value` for the ones that take a value. Parsing stops at the first positional.
struct GoFlags {
    flags: Vec<(String, Option<String>)>,
    positionals: Vec<String>,
}

const TF_APPLY_VALUE_FLAGS: &[&str] = &[
    "var",
    "var-file",
    "target",
    "exclude",
    "replace",
    "parallelism",
    "state",
    "state-out",
    "backup",
    "lock-timeout",
];

impl GoFlags {
    fn parse(args: &[String]) -> GoFlags {
        let mut flags = Vec::new();
        let mut positionals = Vec::new();
        let mut i = 0;
        while let Some(t) = args.get(i) {
            i += 1;
            if t == "--" {
                positionals.extend(args[i..].iter().cloned());
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
                        None if TF_APPLY_VALUE_FLAGS.contains(&k.as_str()) => {
                            let n = args.get(i).cloned();
                            i += 1;
                            n
                        }
                        v => v,
                    };
                    flags.push((k, v));
                }
                _ => {
                    // Go's flag package stops at the first non-flag argument.
                    positionals.push(t.clone());
                    positionals.extend(args[i..].iter().cloned());
                    break;
                }
            }
        }
        GoFlags { flags, positionals }
    }

    /// A boolean flag: present without a value, or with one Go reads as true. A value Go
    /// cannot read counts as true (fail closed).
    fn bool(&self, name: &str) -> bool {
        self.flags.iter().any(|(k, v)| {
            k == name
                && !matches!(
                    v.as_deref(),
                    Some("0" | "f" | "F" | "false" | "FALSE" | "False")
                )
        })
    }

    fn help(&self) -> bool {
        self.flags
            .iter()
            .any(|(k, _)| matches!(k.as_str(), "help" | "h"))
    }
}

fn safe_tf_workflow(bin: &str, globals: &[String], chdir: Option<&str>) -> String {
    let g: String = globals
        .iter()
        .map(|a| format!(" {}", shell_quote(a)))
        .collect();
    let plan = match chdir {
        Some(d) => format!("{}/tfplan", d.trim_end_matches('/')),
        None => "tfplan".into(),
    };
    format!(
        "{bin}{g} plan -out=tfplan && planguard check {} && planguard guard -- {bin}{g} apply tfplan",
        shell_quote(&plan)
    )
}

fn refuse_or_allow(
    allowed: bool,
    config_key: &'static str,
    rule: &str,
    reason: String,
    safe: String,
) -> GuardAction {
    if allowed {
        GuardAction::Allowed {
            why: format!("{reason}; allowed by guard.{config_key} in .planguard.yaml"),
            config_key,
        }
    } else {
        GuardAction::Refuse(Refusal {
            rule: rule.to_string(),
            reason,
            safe: Some(safe),
            config_key: Some(config_key),
        })
    }
}

fn terraform(
    argv: &[String],
    name: &str,
    config: &GuardConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<GuardAction> {
    let bin = argv.first()?;
    let mut i = 1;
    let mut chdir: Option<String> = None;
    let mut globals: Vec<String> = Vec::new();
    while let Some(a) = argv.get(i) {
        if !a.starts_with('-') {
            break;
        }
        if let Some(d) = a
            .strip_prefix("-chdir=")
            .or_else(|| a.strip_prefix("--chdir="))
        {
            chdir = Some(d.to_string());
            globals.push(a.clone());
        }
        i += 1;
    }
    let sub = argv.get(i)?;
    let safe = safe_tf_workflow(name, &globals, chdir.as_deref());
    match sub.as_str() {
        "apply" => {
            let mut rest: Vec<String> = Vec::new();
            for var in ["TF_CLI_ARGS", "TF_CLI_ARGS_apply"] {
                if let Some(v) = env(var) {
                    rest.extend(v.split_whitespace().map(str::to_string));
                }
            }
            rest.extend(argv[i + 1..].iter().cloned());
            let p = GoFlags::parse(&rest);
            if p.help() {
                return Some(GuardAction::PassThrough { why: "help".into() });
            }
            if p.bool("destroy") {
                return Some(refuse_or_allow(
                    config.allow_destroy,
                    "allow_destroy",
                    "destroy",
                    format!(
                        "`{name} apply -destroy` destroys every resource in the state, and \
                         planguard cannot check it"
                    ),
                    safe,
                ));
            }
            match p.positionals.as_slice() {
                [] if p.bool("refresh-only") => Some(GuardAction::PassThrough {
                    why: "a refresh-only apply changes state, not infrastructure".into(),
                }),
                [] => Some(refuse_or_allow(
                    config.allow_apply_without_plan,
                    "allow_apply_without_plan",
                    "apply-without-plan",
                    format!(
                        "`{name} apply` without a saved plan file plans and applies in one \
                         step, so no one can check what it destroys first"
                    ),
                    safe,
                )),
                [plan] => {
                    let mut show = vec![bin.clone()];
                    show.extend(globals.iter().cloned());
                    show.extend(["show".into(), "-json".into(), plan.clone()]);
                    Some(GuardAction::CheckPlan {
                        show,
                        multi_doc: false,
                        plan_file: plan.clone(),
                    })
                }
                more => Some(GuardAction::Refuse(Refusal {
                    rule: "ambiguous-plan".into(),
                    reason: format!(
                        "`{name} apply` was given {} arguments ({}); planguard cannot tell \
                         which one is the plan file",
                        more.len(),
                        display_argv(more)
                    ),
                    safe: Some(safe),
                    config_key: None,
                })),
            }
        }
        "destroy" => {
            let p = GoFlags::parse(&argv[i + 1..]);
            if p.help() {
                return Some(GuardAction::PassThrough { why: "help".into() });
            }
            Some(refuse_or_allow(
                config.allow_destroy,
                "allow_destroy",
                "destroy",
                format!(
                    "`{name} destroy` destroys every resource in the state (or the targeted \
                     ones and everything depending on them), and planguard cannot check it"
                ),
                safe,
            ))
        }
        _ => None,
    }
}

use crate::hook::rules::TERRAGRUNT_VALUE_OPTIONS as TG_VALUE;

/// Terragrunt boolean options (no value).
const TG_BOOL: &[&str] = &[
    "--non-interactive",
    "--source-update",
    "--no-auto-init",
    "--no-auto-retry",
    "--queue-include-external",
    "--queue-ignore-errors",
    "--queue-exclude-external",
    "--log-disable",
    "--graph",
    "--terragrunt-non-interactive",
    "--terragrunt-source-update",
    "--terragrunt-no-auto-init",
    "--terragrunt-no-auto-retry",
    "--terragrunt-include-external-dependencies",
    "--terragrunt-ignore-external-dependencies",
    "--terragrunt-ignore-dependency-errors",
    "--terragrunt-debug",
    "--terragrunt-strict-include",
    "--terragrunt-log-disable",
    "--terragrunt-no-color",
    "--terragrunt-fetch-dependency-output-from-state",
    "--terragrunt-use-partial-parse-config-cache",
];

fn terragrunt(argv: &[String], config: &GuardConfig) -> Option<GuardAction> {
    let bin = argv.first()?;
    // Tokens before the subcommand (terragrunt options, run-all, run --all) are kept for
    // `show`; terragrunt options after it too; terraform flags are dropped.
    let mut before: Vec<String> = Vec::new();
    let mut tg_after: Vec<String> = Vec::new();
    let mut tf_args: Vec<String> = Vec::new();
    let mut sub: Option<String> = None;
    let mut all = false;
    let mut i = 1;
    while let Some(t) = argv.get(i) {
        i += 1;
        let is_tg_value = !t.contains('=')
            && (TG_VALUE.contains(&t.as_str())
                || (t.starts_with("--terragrunt-") && !TG_BOOL.contains(&t.as_str())));
        let is_tg_opt = is_tg_value
            || TG_BOOL.contains(&t.as_str())
            || t == "--all"
            || t.starts_with("--terragrunt-")
            || TG_VALUE
                .iter()
                .any(|v| t.strip_prefix(v).is_some_and(|r| r.starts_with('=')));
        let target = if sub.is_none() {
            &mut before
        } else {
            &mut tg_after
        };
        if t == "--all" {
            all = true;
        }
        if is_tg_opt {
            target.push(t.clone());
            if is_tg_value {
                if let Some(v) = argv.get(i) {
                    target.push(v.clone());
                }
                i += 1;
            }
            continue;
        }
        if sub.is_none() {
            match t.as_str() {
                "run-all" => {
                    all = true;
                    before.push(t.clone());
                    continue;
                }
                "run" | "--" => {
                    before.push(t.clone());
                    continue;
                }
                "apply-all" => {
                    all = true;
                    before.push("run-all".into());
                    sub = Some("apply".into());
                    continue;
                }
                "destroy-all" => {
                    all = true;
                    sub = Some("destroy".into());
                    continue;
                }
                _ => {
                    sub = Some(t.clone());
                    continue;
                }
            }
        }
        if t == "--" {
            continue;
        }
        tf_args.push(t.clone());
    }
    let sub = sub?;
    let what = if all {
        "terragrunt run-all"
    } else {
        "terragrunt"
    };
    let safe = format!(
        "{what} plan -out=tfplan && {what} show -json tfplan > plan.json && planguard check \
         plan.json && planguard guard -- {what} apply tfplan"
    );
    match sub.as_str() {
        "apply" => {
            let p = GoFlags::parse(&tf_args);
            if p.help() {
                return Some(GuardAction::PassThrough { why: "help".into() });
            }
            if p.bool("destroy") {
                return Some(refuse_or_allow(
                    config.allow_destroy,
                    "allow_destroy",
                    "destroy",
                    format!("`{what} apply -destroy` destroys every resource in the state"),
                    safe,
                ));
            }
            match p.positionals.as_slice() {
                [] => Some(refuse_or_allow(
                    config.allow_apply_without_plan,
                    "allow_apply_without_plan",
                    "apply-without-plan",
                    format!(
                        "`{what} apply` without a saved plan file plans and applies in one \
                         step{}, so no one can check what it destroys first",
                        if all { " in every module" } else { "" }
                    ),
                    safe,
                )),
                [plan] => {
                    let mut show = vec![bin.clone()];
                    show.extend(before);
                    show.extend(["show".into(), "-json".into()]);
                    show.extend(tg_after);
                    show.push(plan.clone());
                    Some(GuardAction::CheckPlan {
                        show,
                        multi_doc: all,
                        plan_file: plan.clone(),
                    })
                }
                more => Some(GuardAction::Refuse(Refusal {
                    rule: "ambiguous-plan".into(),
                    reason: format!(
                        "`{what} apply` was given {} arguments ({}); planguard cannot tell \
                         which one is the plan file",
                        more.len(),
                        display_argv(more)
                    ),
                    safe: Some(safe),
                    config_key: None,
                })),
            }
        }
        "destroy" => Some(refuse_or_allow(
            config.allow_destroy,
            "allow_destroy",
            "destroy",
            format!("`{what} destroy` destroys every resource in the state"),
            safe,
        )),
        _ => None,
    }
}

/// `aws` global options that take a value.
const AWS_GLOBAL_VALUE: &[&str] = &[
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

/// `aws` global options without a value.
const AWS_GLOBAL_BOOL: &[&str] = &[
    "--debug",
    "--no-verify-ssl",
    "--no-paginate",
    "--no-sign-request",
    "--no-cli-pager",
    "--cli-auto-prompt",
    "--no-cli-auto-prompt",
];

/// Global options that change the output of a call, not where it goes: not repeated on the
/// guard's own read-only calls.
const AWS_OUTPUT_ONLY: &[&str] = &[
    "--output",
    "--query",
    "--color",
    "--debug",
    "--cli-auto-prompt",
    "--no-cli-auto-prompt",
    "--no-paginate",
    "--no-cli-pager",
];

fn aws(argv: &[String], config: &GuardConfig) -> Option<GuardAction> {
    let mut globals: Vec<String> = Vec::new();
    let mut positionals: Vec<&str> = Vec::new();
    let mut opts: Vec<(String, Option<String>)> = Vec::new();
    let mut i = 1;
    while let Some(t) = argv.get(i) {
        i += 1;
        if let Some(name) = t.strip_prefix("--") {
            let (key, inline) = match name.split_once('=') {
                Some((k, v)) => (format!("--{k}"), Some(v.to_string())),
                None => (t.clone(), None),
            };
            if AWS_GLOBAL_VALUE.contains(&key.as_str()) {
                let v = match inline {
                    Some(v) => v,
                    None => {
                        let v = argv.get(i).cloned().unwrap_or_default();
                        i += 1;
                        v
                    }
                };
                if !AWS_OUTPUT_ONLY.contains(&key.as_str()) {
                    globals.push(key);
                    globals.push(v);
                }
                continue;
            }
            if AWS_GLOBAL_BOOL.contains(&key.as_str()) || positionals.len() < 2 {
                if !AWS_OUTPUT_ONLY.contains(&key.as_str()) {
                    globals.push(t.clone());
                }
                continue;
            }
            let v = match inline {
                Some(v) => Some(v),
                None => match argv.get(i) {
                    Some(n) if !n.starts_with("--") => {
                        i += 1;
                        Some(n.clone())
                    }
                    _ => None,
                },
            };
            opts.push((key.trim_start_matches('-').to_string(), v));
            continue;
        }
        if positionals.len() < 2 {
            positionals.push(t);
        }
    }
    let (Some(&"cloudformation"), Some(&op)) = (positionals.first(), positionals.get(1)) else {
        return None;
    };
    let has = |k: &str| opts.iter().any(|(n, _)| n == k);
    let value = |k: &str| {
        opts.iter()
            .rev()
            .find(|(n, _)| n == k)
            .and_then(|(_, v)| v.clone())
    };
    let call = AwsCall {
        bin: argv.first()?.clone(),
        globals,
    };
    let stack = value("stack-name");
    let stack_arg = stack
        .as_deref()
        .map(|s| format!(" --stack-name {}", shell_quote(s)))
        .unwrap_or_default();
    let execute_safe = |cs: &str| {
        format!(
            "aws cloudformation create-change-set{stack_arg} --change-set-name {cs} … && \
             planguard guard -- aws cloudformation execute-change-set{stack_arg} \
             --change-set-name {cs}"
        )
    };
    if (has("cli-input-json") || has("cli-input-yaml"))
        && matches!(op, "execute-change-set" | "deploy")
    {
        return Some(GuardAction::Refuse(Refusal {
            rule: "cli-input".into(),
            reason: format!(
                "`aws cloudformation {op}` reads its arguments from --cli-input-json/yaml, \
                 which planguard guard does not read"
            ),
            safe: Some("give --change-set-name and --stack-name on the command line".into()),
            config_key: None,
        }));
    }
    match op {
        "execute-change-set" => {
            let Some(cs) = value("change-set-name") else {
                return Some(GuardAction::Refuse(Refusal {
                    rule: "change-set-unknown".into(),
                    reason: "`aws cloudformation execute-change-set` without --change-set-name"
                        .into(),
                    safe: Some(execute_safe("NAME")),
                    config_key: None,
                }));
            };
            Some(GuardAction::CheckChangeSet(ChangeSetTarget {
                aws: call,
                change_set: cs,
                stack,
            }))
        }
        "deploy" => {
            if has("no-execute-changeset") {
                return Some(GuardAction::PassThrough {
                    why: "`deploy --no-execute-changeset` only creates a change set".into(),
                });
            }
            let Some(stack) = stack else {
                return Some(GuardAction::Refuse(Refusal {
                    rule: "stack-unknown".into(),
                    reason: "`aws cloudformation deploy` without --stack-name".into(),
                    safe: None,
                    config_key: None,
                }));
            };
            let mut create = argv.to_vec();
            create.push("--no-execute-changeset".into());
            let execute_extra = if has("disable-rollback") {
                vec!["--disable-rollback".to_string()]
            } else {
                Vec::new()
            };
            Some(GuardAction::Deploy(DeployPlan {
                aws: call,
                create,
                stack,
                execute_extra,
            }))
        }
        "delete-stack" | "delete-stack-set" | "delete-stack-instances" => Some(refuse_or_allow(
            config.allow_destroy,
            "allow_destroy",
            "stack-deleted",
            format!(
                "`aws cloudformation {op}` deletes the stack{} and every resource it manages \
                 (except those with DeletionPolicy: Retain), and planguard cannot check it",
                stack
                    .as_deref()
                    .map(|s| format!(" `{s}`"))
                    .unwrap_or_default()
            ),
            "to change a stack, create a change set and run it through the guard: ".to_string()
                + &execute_safe("NAME")
                + "; deleting a whole stack is a decision for a person, outside the guard",
        )),
        "update-stack" | "update-stack-set" | "update-stack-instances" => Some(refuse_or_allow(
            config.allow_apply_without_plan,
            "allow_apply_without_plan",
            "update-without-change-set",
            format!(
                "`aws cloudformation {op}` updates the stack directly, without a change set \
                 anyone can check"
            ),
            execute_safe("NAME"),
        )),
        _ => None,
    }
}

/// Split the output of `terragrunt run-all show -json PLAN` (one JSON document per module,
/// separated by whitespace) into its documents. Anything else between them is an error:
/// a plan hidden behind a log line must not be skipped.
pub fn split_json_stream(text: &str) -> Result<Vec<&str>, String> {
    let mut docs = Vec::new();
    let mut it = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    let mut start = 0;
    while let Some(r) = it.next() {
        r.map_err(|e| e.to_string())?;
        let end = it.byte_offset();
        docs.push(text[start..end].trim());
        start = end;
    }
    if docs.is_empty() {
        return Err("no JSON document in the output".into());
    }
    Ok(docs)
}

/// The phrase a person types to apply a plan that failed the check:
/// `destroy 11 resources including module.db.aws_db_instance.main`: the number of destroyed
/// resources and the address of the most severe blocking finding (the first one with an
/// address; findings are sorted by severity). Without destruction or address, it names the
/// rule: `override mass-destruction`.
pub fn confirmation_phrase(destroyed: usize, blocking: &[(String, Option<String>)]) -> String {
    let addr = blocking.iter().find_map(|(_, a)| a.clone());
    match addr {
        Some(a) if destroyed > 0 => format!(
            "destroy {destroyed} {} including {a}",
            if destroyed == 1 {
                "resource"
            } else {
                "resources"
            }
        ),
        Some(a) => format!("apply despite {a}"),
        None => format!(
            "override {}",
            blocking
                .first()
                .map_or("the check", |(rule, _)| rule.as_str())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn c(s: &str) -> GuardAction {
        classify(
            &v(s),
            &GuardConfig::default(),
            &HookConfig::default(),
            &|_| None,
        )
    }

    fn refused_rule(a: &GuardAction) -> &str {
        match a {
            GuardAction::Refuse(r) => &r.rule,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn terraform_apply_with_plan_is_checked_with_chdir() {
        match c("terraform -chdir=infra apply -lock-timeout 5s -input=false tfplan") {
            GuardAction::CheckPlan {
                show, plan_file, ..
            } => {
                assert_eq!(show, v("terraform -chdir=infra show -json tfplan"));
                assert_eq!(plan_file, "tfplan");
            }
            other => panic!("{other:?}"),
        }
        match c("/usr/bin/tofu apply -auto-approve plan.out") {
            GuardAction::CheckPlan { show, .. } => {
                assert_eq!(show, v("/usr/bin/tofu show -json plan.out"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn apply_without_plan_and_destroy_are_refused_unless_allowed() {
        assert_eq!(refused_rule(&c("terraform apply")), "apply-without-plan");
        assert_eq!(
            refused_rule(&c("terraform apply -auto-approve")),
            "apply-without-plan"
        );
        assert_eq!(
            refused_rule(&c("terraform apply -destroy tfplan")),
            "destroy"
        );
        assert_eq!(refused_rule(&c("tofu destroy -auto-approve")), "destroy");
        assert_eq!(refused_rule(&c("terraform apply a b")), "ambiguous-plan");
        let env = |k: &str| (k == "TF_CLI_ARGS_apply").then(|| "-destroy".to_string());
        let a = classify(
            &v("terraform apply tfplan"),
            &GuardConfig::default(),
            &HookConfig::default(),
            &env,
        );
        assert_eq!(refused_rule(&a), "destroy");
        let cfg = GuardConfig {
            allow_destroy: true,
            allow_apply_without_plan: true,
            ..Default::default()
        };
        for cmd in [
            "terraform destroy",
            "terraform apply",
            "aws cloudformation delete-stack --stack-name x",
        ] {
            let a = classify(&v(cmd), &cfg, &HookConfig::default(), &|_| None);
            assert!(matches!(a, GuardAction::Allowed { .. }), "{cmd}: {a:?}");
        }
        if let GuardAction::Refuse(r) = c("terraform -chdir=x apply") {
            let safe = r.safe.unwrap_or_default();
            assert!(
                safe.contains("terraform -chdir=x plan -out=tfplan"),
                "{safe}"
            );
            assert!(safe.contains("planguard check x/tfplan"), "{safe}");
        }
    }

    #[test]
    fn other_subcommands_pass_or_follow_the_hook() {
        for cmd in [
            "terraform plan -out=tfplan",
            "terraform init",
            "terraform show -json tfplan",
            "terraform apply -refresh-only",
            "terraform apply -help",
            "terraform -version",
            "terraform",
            "ls -la",
            "aws s3 ls",
            "aws cloudformation describe-stacks",
            "aws cloudformation deploy --stack-name a --template-file t --no-execute-changeset",
        ] {
            assert!(
                matches!(c(cmd), GuardAction::PassThrough { .. }),
                "{cmd}: {:?}",
                c(cmd)
            );
        }
        assert_eq!(
            refused_rule(&c("terraform state rm aws_instance.a")),
            "terraform-state-rm"
        );
        assert_eq!(refused_rule(&c("cdk deploy")), "cdk-deploy-unguarded");
        let cfg = GuardConfig {
            gate: vec![GuardFamily::Tofu],
            ..Default::default()
        };
        let a = classify(
            &v("terraform destroy"),
            &cfg,
            &HookConfig::default(),
            &|_| None,
        );
        assert!(matches!(a, GuardAction::PassThrough { .. }));
    }

    #[test]
    fn terragrunt_keeps_its_options_for_show() {
        match c("terragrunt apply --terragrunt-working-dir live/app tfplan") {
            GuardAction::CheckPlan {
                show, multi_doc, ..
            } => {
                assert_eq!(
                    show,
                    v("terragrunt show -json --terragrunt-working-dir live/app tfplan")
                );
                assert!(!multi_doc);
            }
            other => panic!("{other:?}"),
        }
        match c("terragrunt run-all apply --terragrunt-non-interactive tfplan") {
            GuardAction::CheckPlan {
                show, multi_doc, ..
            } => {
                assert_eq!(
                    show,
                    v("terragrunt run-all show -json --terragrunt-non-interactive tfplan")
                );
                assert!(multi_doc);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            refused_rule(&c("terragrunt run-all apply")),
            "apply-without-plan"
        );
        assert_eq!(refused_rule(&c("terragrunt apply")), "apply-without-plan");
        assert_eq!(refused_rule(&c("terragrunt destroy")), "destroy");
        assert_eq!(refused_rule(&c("terragrunt destroy-all")), "destroy");
        assert!(matches!(
            c("terragrunt plan"),
            GuardAction::PassThrough { .. }
        ));
    }

    #[test]
    fn cloudformation_commands() {
        match c("aws --region eu-west-1 --output text cloudformation execute-change-set --change-set-name cs --stack-name app --profile p") {
            GuardAction::CheckChangeSet(t) => {
                assert_eq!(t.change_set, "cs");
                assert_eq!(t.stack.as_deref(), Some("app"));
                assert_eq!(t.aws.globals, v("--region eu-west-1 --profile p"));
                assert_eq!(
                    t.aws.describe_change_set("cs", Some("app"), Some("tok")),
                    v("aws --region eu-west-1 --profile p cloudformation describe-change-set --change-set-name cs --stack-name app --include-property-values --output json --next-token tok")
                );
            }
            other => panic!("{other:?}"),
        }
        match c(
            "aws cloudformation deploy --stack-name app --template-file t.yaml --disable-rollback",
        ) {
            GuardAction::Deploy(d) => {
                assert_eq!(
                    d.create.last().map(String::as_str),
                    Some("--no-execute-changeset")
                );
                assert_eq!(d.stack, "app");
                assert_eq!(
                    d.execute("arn:aws:cloudformation:r:1:changeSet/x/y"),
                    v("aws cloudformation execute-change-set --change-set-name arn:aws:cloudformation:r:1:changeSet/x/y --disable-rollback")
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            refused_rule(&c("aws cloudformation delete-stack --stack-name app")),
            "stack-deleted"
        );
        assert_eq!(
            refused_rule(&c("aws cloudformation update-stack --stack-name app")),
            "update-without-change-set"
        );
        assert_eq!(
            refused_rule(&c("aws cloudformation execute-change-set --stack-name app")),
            "change-set-unknown"
        );
    }

    #[test]
    fn confirmation_names_count_and_address() {
        let b = vec![
            ("mass-destruction".to_string(), None),
            (
                "stateful-resource-destroyed".to_string(),
                Some("module.db.aws_db_instance.main".to_string()),
            ),
        ];
        assert_eq!(
            confirmation_phrase(11, &b),
            "destroy 11 resources including module.db.aws_db_instance.main"
        );
        assert_eq!(
            confirmation_phrase(1, &b[1..]),
            "destroy 1 resource including module.db.aws_db_instance.main"
        );
        assert_eq!(confirmation_phrase(0, &b[..1]), "override mass-destruction");
    }

    #[test]
    fn json_streams() {
        assert_eq!(
            split_json_stream("{\"a\":1}\n{\"b\":2}\n").unwrap(),
            vec!["{\"a\":1}", "{\"b\":2}"]
        );
        assert!(split_json_stream("{\"a\":1}\nINFO done\n").is_err());
        assert!(split_json_stream("  ").is_err());
    }

    #[test]
    fn the_starter_config_guard_section_parses_when_uncommented() {
        let text = crate::policy::config::STARTER_CONFIG;
        let start = text.find("# guard:").expect("guard section");
        let yaml: String = text[start..]
            .lines()
            .take_while(|l| l.starts_with('#'))
            .map(|l| format!("{}\n", &l[2..]))
            .collect();
        let loaded =
            crate::policy::config::parse_config(std::path::Path::new(".planguard.yaml"), yaml)
                .expect("parses");
        assert_eq!(loaded.config.guard, Some(GuardConfig::default_with_audit()));
    }

    impl GuardConfig {
        fn default_with_audit() -> GuardConfig {
            GuardConfig {
                audit_log: Some(".planguard/audit.jsonl".into()),
                ..GuardConfig::default()
            }
        }
    }

    #[test]
    fn config_defaults_and_unknown_keys() {
        let d: GuardConfig = serde_yaml::from_str("{}").unwrap();
        assert_eq!(d, GuardConfig::default());
        assert!(d.allow_terminal_override);
        assert!(serde_yaml::from_str::<GuardConfig>("allow_destroyy: true").is_err());
        assert!(serde_yaml::from_str::<GuardConfig>("gate: [cdk]").is_err());
        let g: GuardConfig =
            serde_yaml::from_str("gate: [terraform]\naudit_log: a.jsonl\n").unwrap();
        assert_eq!(g.gate, vec![GuardFamily::Terraform]);
    }
}
