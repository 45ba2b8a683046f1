//! The built-in rule table: `rules/*.yaml`, embedded at build time.
//!
//! `rules/` is data and the single source of truth; this table only embeds it. A unit test
//! asserts the table lists exactly the files in `rules/`, so adding a rule file without
//! registering it (or the reverse) fails the build's tests.

use crate::error::{Error, Located, Result};
#[cfg(test)]
use crate::policy::rule::parse_rule;
use crate::policy::rule::{compile_rule, Origin, Rule, RuleSpec};
use std::sync::Arc;

/// `(file name, contents)` of every built-in rule, sorted by file name.
pub const BUILTIN_RULES: &[(&str, &str)] = &[
    (
        "destroy-before-create-downtime.yaml",
        include_str!("../../rules/destroy-before-create-downtime.yaml"),
    ),
    (
        "identity-destroyed.yaml",
        include_str!("../../rules/identity-destroyed.yaml"),
    ),
    (
        "large-blast-radius.yaml",
        include_str!("../../rules/large-blast-radius.yaml"),
    ),
    (
        "mass-destruction.yaml",
        include_str!("../../rules/mass-destruction.yaml"),
    ),
    (
        "network-foundation-destroyed.yaml",
        include_str!("../../rules/network-foundation-destroyed.yaml"),
    ),
    (
        "plan-incomplete.yaml",
        include_str!("../../rules/plan-incomplete.yaml"),
    ),
    (
        "possible-missing-moved-block.yaml",
        include_str!("../../rules/possible-missing-moved-block.yaml"),
    ),
    (
        "removed-from-configuration.yaml",
        include_str!("../../rules/removed-from-configuration.yaml"),
    ),
    (
        "replace-requested.yaml",
        include_str!("../../rules/replace-requested.yaml"),
    ),
    (
        "resource-deleted.yaml",
        include_str!("../../rules/resource-deleted.yaml"),
    ),
    (
        "resource-replaced.yaml",
        include_str!("../../rules/resource-replaced.yaml"),
    ),
    (
        "stateful-resource-destroyed.yaml",
        include_str!("../../rules/stateful-resource-destroyed.yaml"),
    ),
];

/// The same files as JSON, converted by `build.rs`: `[[file name, rule], …]` in file order.
const BUILTIN_RULES_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/builtin_rules.json"));

/// Compile the built-in rules. An error here is a bug in `rules/`, caught by the tests.
pub fn rules() -> Result<Vec<Rule>> {
    let specs: Vec<(String, RuleSpec)> = serde_json::from_str(BUILTIN_RULES_JSON)
        .map_err(|e| bug(format!("build.rs output does not read as rules: {e}")))?;
    if specs.len() != BUILTIN_RULES.len() {
        return Err(bug(
            "build.rs converted a different set of rules than BUILTIN_RULES lists".into(),
        ));
    }
    specs
        .into_iter()
        .zip(BUILTIN_RULES)
        .map(|((converted, spec), (name, text))| {
            if converted != *name {
                return Err(bug(format!(
                    "build.rs converted {converted} where BUILTIN_RULES lists {name}"
                )));
            }
            // The YAML text only serves to point at a problem, which for a built-in is a bug.
            compile_rule(
                &format!("rules/{name}"),
                &Arc::new((*text).to_string()),
                spec,
                Origin::Builtin,
            )
        })
        .collect()
}

fn bug(message: String) -> Error {
    Error::rules(Located::whole_file(
        "planguard::rules::builtin",
        "rules/",
        message,
    ))
}

/// The built-in rules read from their YAML, as user rules are (the reference for [`rules`]).
#[cfg(test)]
fn rules_from_yaml() -> Result<Vec<Rule>> {
    BUILTIN_RULES
        .iter()
        .map(|(name, text)| {
            parse_rule(
                &format!("rules/{name}"),
                &Arc::new((*text).to_string()),
                Origin::Builtin,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_equals_rules_directory() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut on_disk: Vec<(String, String)> = std::fs::read_dir(dir)
            .expect("rules/ exists")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .map(|p| {
                let name = p.file_name().expect("name").to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).expect("readable"))
            })
            .collect();
        on_disk.sort();
        let table: Vec<(String, String)> = BUILTIN_RULES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        assert_eq!(table, on_disk);
    }

    /// `build.rs` turned the YAML into JSON; the rules must be exactly what the YAML says.
    #[test]
    fn converted_rules_equal_the_yaml() {
        let converted = rules().expect("converted rules compile");
        let yaml = rules_from_yaml().expect("built-in rules parse");
        assert_eq!(converted.len(), yaml.len());
        for (c, y) in converted.iter().zip(&yaml) {
            // The spec decides the rest of a compiled rule (its matchers hold hash sets,
            // whose debug order varies).
            assert_eq!(
                format!("{:?}", c.spec),
                format!("{:?}", y.spec),
                "{}",
                y.spec.id
            );
            assert_eq!(c.origin, y.origin);
        }
    }

    #[test]
    fn every_builtin_parses_and_is_named_after_its_file() {
        let rules = rules().expect("built-in rules parse");
        for (r, (file, _)) in rules.iter().zip(BUILTIN_RULES) {
            assert_eq!(format!("{}.yaml", r.spec.id), *file);
        }
    }
}
