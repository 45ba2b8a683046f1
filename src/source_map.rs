//! Terraform source locations: which `.tf` file and line declares each resource.
//!
//! Code-scanning reports (SARIF, GitHub annotations) point at a file and line; a plan names
//! only addresses. Given the configuration directory (`--source-dir`), this maps every
//! address to its `resource "TYPE" "NAME"` (or `data`) block: module calls are followed
//! through the plan's own `configuration.module_calls[*].source` when they are local paths
//! (`./x`, `../x`); registry and git modules are not on disk and stay unlocated.
//!
//! The `.tf` files are read with a tiny block scanner, not an HCL parser: it only needs the
//! top-level block headers, and skips comments, strings (with `${}` interpolation) and
//! heredocs so a `resource` word inside them is never mistaken for a block. `.tf.json`
//! files are not read. Nothing is evaluated and no attribute value is kept.

use crate::analysis::Analysis;
use crate::model::SourceLocation;
use crate::plan::terraform::address::parse_instance;
use crate::plan::Source;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

#[derive(Deserialize, Default)]
struct PlanConfig {
    #[serde(default)]
    configuration: Option<Configuration>,
}

#[derive(Deserialize, Default)]
struct Configuration {
    #[serde(default)]
    root_module: Option<Module>,
}

#[derive(Deserialize, Default)]
struct Module {
    #[serde(default)]
    module_calls: BTreeMap<String, ModuleCall>,
}

#[derive(Deserialize)]
struct ModuleCall {
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    module: Option<Module>,
}

/// One block header found in a `.tf` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// `resource` or `data`.
    pub kind: String,
    pub resource_type: String,
    pub name: String,
    /// 1-based line of the block keyword.
    pub line: usize,
}

/// Module config paths (`module.a.module.b.`, `""` for root) and their directories.
fn module_dirs(plans: &[&Source], root: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    out.insert(String::new(), root.to_path_buf());
    for src in plans {
        let Ok(cfg) = serde_json::from_str::<PlanConfig>(&src.text) else {
            continue;
        };
        if let Some(m) = cfg.configuration.and_then(|c| c.root_module) {
            walk(&m, "", root, &mut out);
        }
    }
    out
}

fn walk(m: &Module, prefix: &str, dir: &Path, out: &mut BTreeMap<String, PathBuf>) {
    for (name, call) in &m.module_calls {
        let Some(src) = call.source.as_deref() else {
            continue;
        };
        if !(src.starts_with("./") || src.starts_with("../")) {
            continue;
        }
        let child = normalize(&dir.join(src));
        let path = format!("{prefix}module.{name}.");
        if let Some(cm) = &call.module {
            walk(cm, &path, &child, out);
        }
        out.entry(path).or_insert(child);
    }
}

/// Lexical normalisation (`a/./b/../c` → `a/c`): the directories need not be canonical
/// and symlinks are left alone.
fn normalize(p: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// Blocks of every `*.tf` file directly in `dir`, files in name order.
fn blocks_in_dir(dir: &Path) -> Vec<(PathBuf, Block)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        if let Ok(text) = std::fs::read_to_string(&f) {
            out.extend(scan_blocks(&text).into_iter().map(|b| (f.clone(), b)));
        }
    }
    out
}

fn display(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Fill [`crate::model::Node::source`] for every Terraform resource whose block is found
/// under `root`. `plans` are the Terraform inputs (for their module-call sources). Returns
/// how many nodes were located. Nodes that already have a location are left alone.
pub fn locate_terraform(analysis: &mut Analysis, plans: &[&Source], root: &Path) -> usize {
    let dirs = module_dirs(plans, root);
    let mut cache: HashMap<PathBuf, HashMap<String, SourceLocation>> = HashMap::new();
    let mut located = 0;
    for node in &mut analysis.nodes {
        if node.source.is_some() {
            continue;
        }
        // A colliding multi-input address is `path::address`.
        let address = node
            .address
            .rsplit_once("::")
            .map_or(node.address.as_str(), |(_, a)| a);
        let Some(inst) = parse_instance(address) else {
            continue;
        };
        let Some(dir) = dirs.get(&inst.config_module_path()) else {
            continue;
        };
        let table = cache.entry(dir.clone()).or_insert_with(|| {
            let mut t = HashMap::new();
            for (file, b) in blocks_in_dir(dir) {
                let key = if b.kind == "data" {
                    format!("data.{}.{}", b.resource_type, b.name)
                } else {
                    format!("{}.{}", b.resource_type, b.name)
                };
                t.entry(key).or_insert(SourceLocation {
                    path: display(&file),
                    line: b.line,
                });
            }
            t
        });
        if let Some(loc) = table.get(&inst.resource) {
            node.source = Some(loc.clone());
            located += 1;
        }
    }
    located
}

/// Top-level `resource`/`data` block headers of one `.tf` file.
pub fn scan_blocks(text: &str) -> Vec<Block> {
    let b = text.as_bytes();
    let mut s = Scanner { b, i: 0, line: 1 };
    let mut out = Vec::new();
    let mut depth = 0usize;
    while s.i < b.len() {
        let c = b[s.i];
        match c {
            b'\n' => {
                s.line += 1;
                s.i += 1;
            }
            b'#' => s.skip_line_comment(),
            b'/' if b.get(s.i + 1) == Some(&b'/') => s.skip_line_comment(),
            b'/' if b.get(s.i + 1) == Some(&b'*') => s.skip_block_comment(),
            b'"' => s.skip_string(),
            b'<' if b.get(s.i + 1) == Some(&b'<') => s.skip_heredoc(),
            b'{' => {
                depth += 1;
                s.i += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                s.i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let line = s.line;
                let word = s.ident().to_string();
                if depth == 0 && (word == "resource" || word == "data") {
                    let save = (s.i, s.line);
                    match (s.label(), s.label()) {
                        (Some(t), Some(n)) => {
                            s.skip_space();
                            if b.get(s.i) == Some(&b'{') {
                                out.push(Block {
                                    kind: word.clone(),
                                    resource_type: t,
                                    name: n,
                                    line,
                                });
                            }
                        }
                        _ => {
                            (s.i, s.line) = save;
                        }
                    }
                }
            }
            _ => s.i += 1,
        }
    }
    out
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    line: usize,
}

impl Scanner<'_> {
    fn skip_line_comment(&mut self) {
        while self.i < self.b.len() && self.b[self.i] != b'\n' {
            self.i += 1;
        }
    }

    fn skip_block_comment(&mut self) {
        self.i += 2;
        while self.i < self.b.len() {
            if self.b[self.i] == b'*' && self.b.get(self.i + 1) == Some(&b'/') {
                self.i += 2;
                return;
            }
            if self.b[self.i] == b'\n' {
                self.line += 1;
            }
            self.i += 1;
        }
    }

    /// A quoted string from its opening quote, with `${ }`/`%{ }` templates (which may
    /// hold strings of their own).
    fn skip_string(&mut self) {
        self.i += 1;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return;
                }
                b'\n' => {
                    // Strings do not span lines: an unterminated one ends here.
                    return;
                }
                b'$' | b'%' if self.b.get(self.i + 1) == Some(&b'{') => {
                    self.i += 2;
                    self.skip_template_body();
                }
                _ => self.i += 1,
            }
        }
    }

    /// Inside `${ … }`: until the matching `}`.
    fn skip_template_body(&mut self) {
        let mut depth = 1usize;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'"' => self.skip_string(),
                b'{' => {
                    depth += 1;
                    self.i += 1;
                }
                b'}' => {
                    depth -= 1;
                    self.i += 1;
                    if depth == 0 {
                        return;
                    }
                }
                b'\n' => {
                    self.line += 1;
                    self.i += 1;
                }
                _ => self.i += 1,
            }
        }
    }

    /// `<<EOF` or `<<-EOF` … a line holding only `EOF`.
    fn skip_heredoc(&mut self) {
        let mut j = self.i + 2;
        if self.b.get(j) == Some(&b'-') {
            j += 1;
        }
        let start = j;
        while j < self.b.len() && (self.b[j].is_ascii_alphanumeric() || self.b[j] == b'_') {
            j += 1;
        }
        if j == start {
            self.i += 2;
            return;
        }
        let marker = &self.b[start..j];
        // Skip to the end of the opening line, then line by line.
        while j < self.b.len() && self.b[j] != b'\n' {
            j += 1;
        }
        while j < self.b.len() {
            // At a newline.
            self.line += 1;
            j += 1;
            let line_start = j;
            while j < self.b.len() && self.b[j] != b'\n' {
                j += 1;
            }
            let line = &self.b[line_start..j];
            let trimmed = line
                .iter()
                .position(|c| !c.is_ascii_whitespace())
                .map_or(&line[line.len()..], |p| &line[p..]);
            let trimmed = trimmed
                .iter()
                .rposition(|c| !c.is_ascii_whitespace())
                .map_or(trimmed, |p| &trimmed[..=p]);
            if trimmed == marker {
                break;
            }
        }
        self.i = j;
    }

    fn ident(&mut self) -> &str {
        let start = self.i;
        while self.i < self.b.len()
            && (self.b[self.i].is_ascii_alphanumeric() || matches!(self.b[self.i], b'_' | b'-'))
        {
            self.i += 1;
        }
        std::str::from_utf8(&self.b[start..self.i]).unwrap_or_default()
    }

    fn skip_space(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\r') {
            self.i += 1;
        }
    }

    /// A block label: `"quoted"` (no escapes in resource names) or a bare identifier.
    fn label(&mut self) -> Option<String> {
        self.skip_space();
        if self.b.get(self.i) == Some(&b'"') {
            let start = self.i + 1;
            let mut j = start;
            while j < self.b.len() && self.b[j] != b'"' && self.b[j] != b'\n' {
                j += 1;
            }
            if self.b.get(j) != Some(&b'"') {
                return None;
            }
            self.i = j + 1;
            return std::str::from_utf8(&self.b[start..j])
                .ok()
                .map(str::to_string);
        }
        if self
            .b
            .get(self.i)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        {
            return Some(self.ident().to_string());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_only_top_level_blocks() {
        let tf = r#"
# resource "x" "commented" {}
/* resource "x" "block_commented" {
} */
resource "aws_vpc" "main" {
  tags = { Name = "resource \"a\" \"b\" {" }
  user_data = <<-EOT
    resource "aws_x" "in_heredoc" {
    EOT
  s = "${var.a == "}" ? 1 : 2}"
}

data aws_ami "ubuntu" {
  filter { name = "x" }
}
module "m" { source = "./m" }
resource "aws_subnet" "a" {}
"#;
        let blocks = scan_blocks(tf);
        let got: Vec<(String, String, usize)> = blocks
            .iter()
            .map(|b| {
                (
                    b.kind.clone(),
                    format!("{}.{}", b.resource_type, b.name),
                    b.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("resource".into(), "aws_vpc.main".into(), 5),
                ("data".into(), "aws_ami.ubuntu".into(), 13),
                ("resource".into(), "aws_subnet.a".into(), 17),
            ]
        );
    }

    #[test]
    fn normalizes_paths() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("./x")), PathBuf::from("x"));
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
    }
}
