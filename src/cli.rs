//! Command-line types (clap derive). Never used by the library: flags are the binary's
//! contract with users, CI scripts and agents, and their names are stable.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "planguard",
    version,
    about = "Reads a Terraform/OpenTofu plan or CloudFormation change set before it is applied \
             and says, with evidence, what it will destroy and what else goes down with it.",
    after_help = "Exit codes: 0 pass, 1 blocked (findings at or above --fail-on), 2 could not \
                  analyse (bad input, rules, config or usage)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyse plans or change sets and gate on the findings.
    Check(CheckArgs),
    /// Predict a CloudFormation change set from two templates (no AWS access) and gate on it:
    /// the same as `check --before OLD --after NEW`.
    Diff(DiffArgs),
    /// List, explain and validate rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Decide whether a proposed shell command may run (pre-tool-use hook for coding agents).
    ///
    /// Without --command, reads the agent's hook event on stdin (Claude Code PreToolUse JSON by
    /// default). See docs/agents.md for wiring it into Claude Code, Cursor, Codex, Kiro and git.
    Hook(HookArgs),
    /// Check what a command is about to apply, then run it: `planguard guard -- terraform
    /// apply tfplan`.
    ///
    /// Applies of saved plans, CloudFormation change sets and `aws cloudformation deploy` are
    /// checked first and run only when the check passes; applies without a plan and destroys
    /// are refused. The wrapped command's exit code is planguard's. See docs/guard.md.
    Guard(GuardArgs),
    /// Write a commented starter .planguard.yaml in the current directory.
    Init {
        /// Overwrite an existing .planguard.yaml.
        #[arg(long)]
        force: bool,
    },
    /// Draw the resource graph (or only the blast radius of destructive changes) as Graphviz
    /// DOT or Mermaid, nodes coloured by action.
    Graph(GraphArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) generated from these command-line definitions.
    Man,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// Plan JSON, binary plan files, change sets (JSON/YAML); `-` reads stdin.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,
    /// CloudFormation template of a change set's stack (repeatable).
    #[arg(long, value_name = "FILE")]
    pub template: Vec<String>,
    /// Binary used to turn binary plan files into JSON.
    #[arg(long, value_name = "PATH")]
    pub terraform_bin: Option<String>,
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Dot)]
    pub format: GraphFormatArg,
    /// Only destructive changes and everything that depends on them.
    #[arg(long)]
    pub blast_radius: bool,
    /// Label each edge with why it exists (configuration reference, CloudFormation Ref …).
    #[arg(long)]
    pub edge_labels: bool,
    /// Write the graph here instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormatArg {
    Dot,
    Mermaid,
}

#[derive(Args, Debug)]
pub struct HookArgs {
    /// The command to judge (plain mode); without it the hook event is read from stdin.
    #[arg(long, value_name = "STRING")]
    pub command: Option<String>,
    /// Answer format: text, json, claude (Claude Code), exit-code (Codex, Kiro, Gemini), cursor.
    /// Default: text with --command, claude without.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Config file (default: .planguard.yaml in the working directory or a parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct GuardArgs {
    /// Config file (default: .planguard.yaml in the working directory or a parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Lowest severity that blocks. Can only be stricter than the config's fail_on (else
    /// high): relaxing the gate is a reviewed change to .planguard.yaml.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
    /// Report format, written to stderr (stdout belongs to the wrapped command).
    #[arg(long, value_enum, default_value_t = GuardFormat::Text)]
    pub format: GuardFormat,
    /// The command to check and run, e.g. `terraform apply tfplan`.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Every rule with its id, severity and summary.
    List {
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// A rule's description (what it catches, why, how to make the change safe) and example.
    Explain {
        id: String,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Check rule files; exit 2 on the first error.
    Validate {
        /// Rule files or directories of *.yaml rules.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Args, Debug, Clone, Default)]
pub struct PolicyArgs {
    /// Extra rule file or directory (repeatable); a rule with a built-in's id replaces it.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Config file (default: .planguard.yaml in the working directory or a parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any .planguard.yaml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Switch a rule off (repeatable).
    #[arg(long, value_name = "ID")]
    pub disable: Vec<String>,
    /// Change a rule's severity, e.g. --severity resource-deleted=high (repeatable).
    #[arg(long, value_name = "ID=LEVEL")]
    pub severity: Vec<String>,
    /// Use only user rules.
    #[arg(long)]
    pub no_builtin_rules: bool,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The deployed template.
    pub before: String,
    /// The template about to be deployed.
    pub after: String,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Plan JSON, binary plan files, change sets (JSON/YAML); `-` reads stdin.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// CloudFormation template of a change set's stack (repeatable). Without it, templates
    /// beside the change set file are used when found.
    #[arg(long, value_name = "FILE")]
    pub template: Vec<String>,
    /// Binary used to turn binary plan files into JSON (default: terraform, else tofu, on PATH).
    #[arg(long, value_name = "PATH")]
    pub terraform_bin: Option<String>,
    /// Deployed CloudFormation template: with --after, predict the change set offline.
    #[arg(
        long,
        value_name = "FILE",
        requires = "after",
        conflicts_with = "inputs"
    )]
    pub before: Option<String>,
    /// New CloudFormation template (with --before).
    #[arg(long, value_name = "FILE", requires = "before")]
    pub after: Option<String>,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// How the verdict is judged and reported: shared by `check` and `diff`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Write the report here instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest severity that blocks (exit 1). Default: the config's fail_on, else high.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Colour: auto follows the terminal and NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Items shown per list in the text report before summarising.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_items: usize,
    /// Terraform configuration directory: locate each resource's `resource` block (following
    /// local module sources) so SARIF, GitHub and GitLab reports point at .tf lines.
    #[arg(long, value_name = "DIR")]
    pub source_dir: Option<PathBuf>,
    /// Judge waiver expiry as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE", hide = true)]
    pub today: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// Pull-request comment (fits GitHub's limit).
    Markdown,
    /// GitHub Actions annotations; appends Markdown to $GITHUB_STEP_SUMMARY when set.
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}
