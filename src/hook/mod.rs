//! `planguard hook`: decide whether a shell command a coding agent proposes may run.
//!
//! Why this exists: a coding agent once "fixed" a problem by deleting and recreating an
//! environment, and took production down for 13 hours. planguard can only stop that if the
//! destructive command goes through it. The hook sits in the agent's pre-tool-use hook and
//! refuses infrastructure commands that would change or destroy real resources without a
//! checked plan, telling the agent the safe command to run instead:
//!
//! ```text
//! terraform plan -out=tfplan && planguard check tfplan && planguard guard -- terraform apply tfplan
//! ```
//!
//! How: [`decide`] lexes the command like a shell would (see `lexer`), follows every place a
//! command can hide (compound commands, `$( … )`, `sh -c '…'`, `eval`, `env`, `sudo`, `xargs`,
//! here-documents piped into a shell, `npx cdk`, `aws-vault exec … --`, `planguard guard --`)
//! and checks each simple command against the rules of its tool (see `rules`). Any denied
//! part denies the whole command. It fails closed: input the shell would reject, nesting
//! deeper than [`MAX_DEPTH`], and gated commands whose subcommand is computed at run time are
//! denied. Unrelated commands (`ls`, `git`, `cargo`) are allowed.
//!
//! `planguard guard -- CMD` is trusted for what the guard can check: applying a saved plan or
//! executing a change set, because the guard analyses it first. The wrapped command is still
//! inspected. Destroy commands, `state rm`, `taint`, `-replace` and deletions are denied
//! even inside the guard (the guard cannot check them, and refuses destroy itself), and the
//! guard must wrap the tool directly: `planguard guard -- sh -c "terraform apply tfplan"` is
//! denied as `guard-indirect`, since the guard would see `sh`, not the plan.
//!
//! Agent protocols (Claude Code, Cursor, Codex, Kiro, plain text and JSON) are in `agents`.
//! The module never prints and never reads files: the CLI does I/O.

mod agents;
mod lexer;
pub(crate) mod rules;

pub use agents::{
    handle_claude_event, handle_cursor_event, run_hook_command, HookFormat, HookResponse,
};
pub use lexer::LexError;

use serde::{Deserialize, Serialize};

/// How many shells deep (`sh -c "bash -c '…'"`, `$( $( … ) )`) the hook follows before it
/// gives up and denies.
pub const MAX_DEPTH: usize = 8;

/// A family of infrastructure commands the hook can gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// `terraform`.
    Terraform,
    /// `tofu` (OpenTofu).
    Tofu,
    /// `terragrunt`.
    Terragrunt,
    /// `aws cloudformation`.
    Cloudformation,
    /// AWS CDK (`cdk`, `npx cdk`, `npx aws-cdk`).
    Cdk,
    /// `pulumi`.
    Pulumi,
    /// AWS SAM CLI (`sam`).
    Sam,
}

impl Family {
    pub const ALL: [Family; 7] = [
        Family::Terraform,
        Family::Tofu,
        Family::Terragrunt,
        Family::Cloudformation,
        Family::Cdk,
        Family::Pulumi,
        Family::Sam,
    ];
}

/// The `hook:` section of `.planguard.yaml`.
///
/// ```yaml
/// hook:
///   gate: [terraform, tofu, terragrunt, cloudformation, cdk, pulumi, sam]  # default: all
///   prod_workspaces: ["prod*", "*-prod", "production"]   # globs, `*` and `?`, case-insensitive
///   allow_destroy: false                                 # default
///   allow_prefixes: ["terraform -chdir=sandbox apply"]   # word prefixes always allowed
///   deny_prefixes: ["make destroy"]                      # word prefixes always denied
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HookConfig {
    /// Command families to gate. A family not listed is allowed without inspection.
    pub gate: Vec<Family>,
    /// Name patterns of production workspaces, stacks and directories. `terraform import`
    /// is denied when the workspace (`TF_WORKSPACE=…`, or `terraform workspace select …`
    /// earlier in the same command line) or the directory (`cd …`, `-chdir=…`, any path
    /// component) matches. With `allow_destroy`, destroy commands stay denied when they
    /// target a matching workspace, stack (`--stack-name`, `-s`) or directory.
    pub prod_workspaces: Vec<String>,
    /// Allow whole-environment destroy commands (`terraform destroy`, `cdk destroy`,
    /// `aws cloudformation delete-stack`, …) outside production. Meant for repositories of
    /// ephemeral environments; turning it on is a reviewed change to `.planguard.yaml`.
    pub allow_destroy: bool,
    /// Commands allowed as they are, matched word by word against the start of each simple
    /// command after wrappers are removed (`"make plan"` allows `sudo make plan -j4`).
    pub allow_prefixes: Vec<String>,
    /// Commands denied outright, matched like `allow_prefixes` (checked first): wrappers
    /// the hook cannot see into, e.g. `make destroy`, `just nuke`, `./scripts/teardown.sh`.
    pub deny_prefixes: Vec<String>,
}

impl Default for HookConfig {
    fn default() -> Self {
        HookConfig {
            gate: Family::ALL.to_vec(),
            prod_workspaces: default_prod_patterns(),
            allow_destroy: false,
            allow_prefixes: Vec::new(),
            deny_prefixes: Vec::new(),
        }
    }
}

/// `prod*`, `*-prod`, `*_prod`, `*-prod-*`, `*_prod_*`, `*production*`, `prd`, `live`.
pub fn default_prod_patterns() -> Vec<String> {
    [
        "prod*",
        "*-prod",
        "*_prod",
        "*-prod-*",
        "*_prod_*",
        "*production*",
        "prd",
        "live",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

impl HookConfig {
    /// The `hook:` value of `.planguard.yaml` (absent → defaults). Unknown keys, unknown
    /// families and wrong types are errors: a typo must not silently widen what runs.
    pub fn from_yaml(value: Option<&serde_yaml::Value>) -> Result<HookConfig, serde_yaml::Error> {
        match value {
            None | Some(serde_yaml::Value::Null) => Ok(HookConfig::default()),
            Some(v) => serde_yaml::from_value(v.clone()),
        }
    }

    pub fn gates(&self, f: Family) -> bool {
        self.gate.contains(&f)
    }

    /// Whether a workspace, stack or directory name looks like production.
    pub fn is_prod_name(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.prod_workspaces
            .iter()
            .any(|p| glob_match(&p.to_ascii_lowercase(), &name))
    }
}

/// The hook's answer for one command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allow: bool,
    /// Why, in one or two sentences meant for the agent and the human reading its log.
    pub reason: String,
    /// Stable identifier of the rule that decided, e.g. `terraform-apply-unguarded`.
    pub rule: &'static str,
    /// The command to run instead, when there is one.
    pub safe_alternative: Option<String>,
    /// The part of the command line that decided (the innermost simple command).
    pub matched_segment: Option<String>,
}

/// Every rule id [`decide`] can return, deny rules first. Stable: agents and logs key on them.
pub const RULE_IDS: &[&str] = &[
    rules::UNPARSEABLE,
    rules::TOO_DEEP,
    rules::DYNAMIC,
    rules::OPAQUE_SHELL_INPUT,
    rules::GUARD_INDIRECT,
    rules::GUARD_CONFIG,
    rules::TF_APPLY,
    rules::TF_AUTO_APPROVE,
    rules::TF_DESTROY,
    rules::TF_REPLACE,
    rules::TF_STATE_RM,
    rules::TF_STATE_PUSH,
    rules::TF_TAINT,
    rules::TF_IMPORT_PROD,
    rules::TF_WORKSPACE_DELETE,
    rules::TG_APPLY,
    rules::TG_DESTROY,
    rules::CFN_DELETE,
    rules::CFN_EXECUTE,
    rules::CFN_DEPLOY,
    rules::CFN_UPDATE,
    rules::CDK_DESTROY,
    rules::CDK_NO_APPROVAL,
    rules::CDK_DEPLOY,
    rules::PULUMI_DESTROY,
    rules::PULUMI_UNATTENDED,
    rules::PULUMI_REPLACE,
    rules::PULUMI_STATE_DELETE,
    rules::PULUMI_STACK_RM,
    rules::SAM_DELETE,
    rules::SAM_DEPLOY,
    rules::SAM_SYNC,
    rules::DENIED_PREFIX,
    rules::GUARDED,
    rules::ALLOW_DESTROY,
    rules::ALLOWED_PREFIX,
    rules::READ_ONLY,
    rules::NOT_DESTRUCTIVE,
    rules::NOT_GATED,
    rules::NOT_INSPECTED,
    rules::NO_INFRA,
];

/// Decide whether `command` (one shell command line, possibly compound or multi-line) may
/// run. Pure: no I/O, no environment lookups, never panics.
pub fn decide(command: &str, config: &HookConfig) -> Decision {
    let mut a = rules::Analyzer::new(config);
    a.script(command, 0, rules::Guard::None);
    a.finish()
}

/// `*` matches any run of characters, `?` one character; everything else is literal.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("prod*", "production"));
        assert!(glob_match("*-prod", "eu-prod"));
        assert!(glob_match("*-prod-*", "eu-prod-1"));
        assert!(glob_match("p?d", "pxd"));
        assert!(!glob_match("prod*", "preprod"));
        assert!(!glob_match("*-prod", "eu-prod-1"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a", ""));
    }

    #[test]
    fn config_parses_and_rejects_unknown_keys() {
        let c: HookConfig =
            serde_yaml::from_str("gate: [terraform, cdk]\nallow_destroy: true\n").unwrap();
        assert_eq!(c.gate, vec![Family::Terraform, Family::Cdk]);
        assert!(c.allow_destroy);
        assert_eq!(c.prod_workspaces, default_prod_patterns());
        assert!(serde_yaml::from_str::<HookConfig>("allow_destroyy: true").is_err());
        assert!(serde_yaml::from_str::<HookConfig>("gate: [ansible]").is_err());
        let d: HookConfig = serde_yaml::from_str("{}").unwrap();
        assert_eq!(d, HookConfig::default());
        assert_eq!(HookConfig::from_yaml(None).unwrap(), HookConfig::default());
        let v: serde_yaml::Value = serde_yaml::from_str("hook:\n  allow_destroy: true\n").unwrap();
        assert!(HookConfig::from_yaml(v.get("hook")).unwrap().allow_destroy);
        let v: serde_yaml::Value =
            serde_yaml::from_str("hook:\n  allow_destroy: yes please\n").unwrap();
        assert!(HookConfig::from_yaml(v.get("hook")).is_err());
    }

    #[test]
    fn prod_names() {
        let c = HookConfig::default();
        for n in [
            "prod",
            "Production",
            "eu-prod",
            "prod-eu",
            "app_prod",
            "live",
            "PRD",
        ] {
            assert!(c.is_prod_name(n), "{n}");
        }
        for n in ["dev", "staging", "preprod", "sandbox", "qa-1"] {
            assert!(!c.is_prod_name(n), "{n}");
        }
    }

    #[test]
    fn rule_ids_are_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for id in RULE_IDS {
            assert!(seen.insert(*id), "duplicate {id}");
            assert!(id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        }
    }
}
