//! The neutral model every stage after parsing speaks.
//!
//! Parsers (`crate::plan`) are the only code that knows Terraform or CloudFormation field
//! names; they produce a [`Plan`] per input. Everything downstream (graph, analysis, policy,
//! reports) reads only these types, so a new input format means a new parser and nothing else.
//!
//! Redaction is decided here, once: the model holds addresses, types, reasons and attribute
//! *paths*, never attribute values. A reporter cannot leak a secret it was never given.

use serde::{Deserialize, Serialize};

/// What happens to one resource instance. Terraform's two-element action lists collapse into
/// `Replace` with a [`ReplaceOrder`]; the raw list is kept in [`Change::raw_actions`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    Read,
    #[default]
    NoOp,
    Forget,
    /// CloudFormation `Import`: an existing object is brought under management.
    Import,
    /// CloudFormation `Dynamic` / `SyncWithActual` and similar: the engine decides at execution
    /// time. Never treated as safe; reported as-is.
    Dynamic,
}

impl Action {
    /// Every action, in the order summaries list them.
    pub const ALL: [Action; 9] = [
        Action::Create,
        Action::Update,
        Action::Replace,
        Action::Delete,
        Action::Read,
        Action::NoOp,
        Action::Forget,
        Action::Import,
        Action::Dynamic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::Read => "read",
            Action::NoOp => "no-op",
            Action::Forget => "forget",
            Action::Import => "import",
            Action::Dynamic => "dynamic",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The existing object is destroyed: replace and delete, nothing else.
    pub fn is_destructive(self) -> bool {
        matches!(self, Action::Replace | Action::Delete)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplaceOrder {
    /// The old object is destroyed first: there is a window with no object at all.
    DeleteBeforeCreate,
    /// `create_before_destroy`: the new object exists before the old one goes.
    CreateBeforeDelete,
}

impl ReplaceOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplaceOrder::DeleteBeforeCreate => "delete_before_create",
            ReplaceOrder::CreateBeforeDelete => "create_before_delete",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    #[default]
    Certain,
    /// CloudFormation `Replacement: Conditional`: replaced only if a value changes at deploy
    /// time. Treated as destructive (fail closed), labelled so.
    Conditional,
}

impl Certainty {
    pub fn as_str(self) -> &'static str {
        match self {
            Certainty::Certain => "certain",
            Certainty::Conditional => "conditional",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Managed,
    Data,
    /// OpenTofu ephemeral resources: never persisted, never destroyed.
    Ephemeral,
}

/// What kind of document an input was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputFormat {
    TerraformPlan,
    /// HCP Terraform's redacted plan: no configuration or prior state, so a partial graph.
    TerraformRedactedPlan,
    CloudformationChangeset,
    CloudformationTemplate,
    /// `planguard diff` / `check --before --after`: a change set predicted from two templates.
    CloudformationTemplateDiff,
}

impl InputFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::TerraformPlan => "terraform-plan",
            InputFormat::TerraformRedactedPlan => "terraform-redacted-plan",
            InputFormat::CloudformationChangeset => "cloudformation-changeset",
            InputFormat::CloudformationTemplate => "cloudformation-template",
            InputFormat::CloudformationTemplateDiff => "cloudformation-template-diff",
        }
    }
}

/// One input file as the report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputInfo {
    /// As given on the command line (`-` for stdin).
    pub path: String,
    pub format: InputFormat,
    /// `format_version` for Terraform; `null` where the format has none.
    pub format_version: Option<String>,
    /// Version of the tool that wrote it (`terraform_version`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_version: Option<String>,
    /// SHA-256 of the exact bytes read, hex. Waivers can pin to it.
    pub sha256: String,
}

/// The planned change for one node. Absent on nodes that only exist in prior state or a
/// template (they take part in the graph but do not change).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Change {
    pub action: Action,
    /// The format's own action words, e.g. `["create","delete"]` or `["Modify"]`.
    pub raw_actions: Vec<String>,
    pub replace_order: Option<ReplaceOrder>,
    pub certainty: Certainty,
    /// Raw reasons: Terraform `action_reason`, CloudFormation detail summaries. Kept verbatim.
    pub reasons: Vec<String>,
    /// Attribute paths that force the replacement (`replace_paths`, CFN `RequiresRecreation`).
    pub forced_by: Vec<String>,
    /// Address before a `moved` block / rename, when the plan says so.
    pub moved_from: Option<String>,
    /// The change also imports an existing object.
    pub importing: bool,
    /// Deletion/replacement is mitigated: the old object is retained or snapshotted.
    /// The text says how (`DeletionPolicy: Retain`, `PolicyAction: Snapshot` …).
    pub mitigation: Option<String>,
    /// For a delete: the address of a create in the same plan that looks like the same object
    /// moved or renamed (a `moved` block would turn both into a no-op). Set by the parser,
    /// which knows the format's address syntax.
    pub move_candidate: Option<String>,
}

/// One resource instance: a node of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Terraform instance address, or CFN logical ID prefixed by its nested-stack path.
    pub address: String,
    /// Terraform deposed key: a leftover object of the same address, changed on its own.
    pub deposed: Option<String>,
    pub resource_type: String,
    pub mode: Mode,
    pub provider: Option<String>,
    pub change: Option<Change>,
    /// Where the resource is declared (template or `.tf` file and line), when known.
    /// CloudFormation: filled from the template; Terraform: by [`crate::source_map`] when
    /// the configuration directory is given. Reports use it to point at code.
    pub source: Option<SourceLocation>,
}

/// A declaration in a file: the path as the user gave it (or joined under the source
/// directory), and the 1-based line of the resource's logical ID or `resource` block.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SourceLocation {
    pub path: String,
    pub line: usize,
}

impl Node {
    pub fn action(&self) -> Option<Action> {
        self.change.as_ref().map(|c| c.action)
    }

    /// Has a change of its own other than `no-op` (and other than a read of a data source,
    /// which still counts: it re-reads at apply).
    pub fn is_changing(&self) -> bool {
        matches!(self.action(), Some(a) if a != Action::NoOp)
    }

    pub fn is_destructive(&self) -> bool {
        matches!(self.action(), Some(a) if a.is_destructive())
    }

    /// Display key: the address, plus ` (deposed KEY)` for deposed objects.
    pub fn display_address(&self) -> String {
        match &self.deposed {
            Some(k) => format!("{} (deposed {})", self.address, k),
            None => self.address.clone(),
        }
    }
}

/// Why an edge exists. Kept on every edge so a reviewer can ask "why is this a dependent?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeSource {
    /// Terraform configuration `references` (resolved through modules, outputs, variables).
    ConfigReference,
    /// Terraform configuration `depends_on` (resource or module call).
    ConfigDependsOn,
    /// A provider configuration whose arguments reference a resource.
    ProviderConfig,
    /// Terraform `prior_state` `depends_on` (transitive, as of the last apply).
    StateDependsOn,
    /// CloudFormation `Ref`.
    CfnRef,
    /// CloudFormation `Fn::GetAtt`.
    CfnGetAtt,
    /// CloudFormation `Fn::Sub` variable.
    CfnSub,
    /// CloudFormation `DependsOn`.
    CfnDependsOn,
    /// CloudFormation `Fn::ImportValue` of another stack's `Export`.
    CfnImportValue,
    /// A nested stack's `Outputs.X` used by its parent.
    CfnNestedStackOutput,
    /// A nested stack resource and the resources inside its child stack.
    CfnNestedStack,
    /// Change set `CausingEntity` naming another resource.
    CfnCausingEntity,
}

/// `from` depends on `to` (indexes into [`Plan::nodes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    pub from: u32,
    pub to: u32,
    pub source: EdgeSource,
}

/// Something the report must say about the analysis itself: parts it could not see.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Note {
    pub kind: NoteKind,
    /// The resource it concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// The dependency graph is known to be partial (redacted plan, no template …).
    PartialGraph,
    /// A reference could not be resolved (a `local.*`): an edge may be missing.
    UnresolvedReference,
    /// A `prior_state` `depends_on` entry names nothing in this plan.
    StaleDependency,
    /// Input-level information worth showing (e.g. a newer minor format version).
    Info,
}

/// The plan itself says the analysis may be partial. Each one becomes a blocking finding
/// (`plan-incomplete`): a safety gate does not pass what it could not fully see.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Incomplete {
    /// Short machine word: `errored`, `incomplete`, `changeset_failed`, …
    pub kind: String,
    pub message: String,
}

/// Drift detected during refresh: reported, never treated as a planned change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Drift {
    pub address: String,
    pub action: Action,
}

/// A root output's planned change (Terraform `output_changes`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct OutputChange {
    pub name: String,
    pub action: Action,
    /// Addresses (nodes) the output's expression references, when configuration says so.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

/// One parsed input in the neutral model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub input: InputInfo,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub drift: Vec<Drift>,
    pub outputs: Vec<OutputChange>,
    pub notes: Vec<Note>,
    pub incomplete: Vec<Incomplete>,
}

impl Plan {
    pub fn new(input: InputInfo) -> Plan {
        Plan {
            input,
            nodes: Vec::new(),
            edges: Vec::new(),
            drift: Vec::new(),
            outputs: Vec::new(),
            notes: Vec::new(),
            incomplete: Vec::new(),
        }
    }
}
