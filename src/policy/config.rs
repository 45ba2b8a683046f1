//! `.planguard.yaml`: the reviewed, versioned policy of a repository.
//!
//! Found from the working directory upward (or given with `--config`). Every key is
//! checked: an unknown key, an unknown rule id, a bad date or severity is an error pointing
//! at its line, because a typo in a safety policy must not silently relax it.

use crate::error::{Error, Result};
use crate::policy::rule::{locate_text, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const CONFIG_FILE_NAME: &str = ".planguard.yaml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Lowest severity that blocks (default `high`).
    #[serde(default)]
    pub fail_on: Option<Severity>,
    /// Extra rule files or directories, relative to this file.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Use the built-in rules (default true).
    #[serde(default)]
    pub builtin_rules: Option<bool>,
    /// Rule ids to switch off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Rule id → severity.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Rule id → numeric thresholds.
    #[serde(default)]
    pub thresholds: BTreeMap<String, Thresholds>,
    #[serde(default)]
    pub waivers: Vec<WaiverSpec>,
    /// Settings of `planguard hook` (agent pre-tool-use hooks).
    #[serde(default)]
    pub hook: Option<serde_yaml::Value>,
    /// Settings of `planguard guard` (the pre-apply wrapper).
    #[serde(default)]
    pub guard: Option<crate::guard_plan::GuardConfig>,
}

/// Numbers a rule's conditions use; only the ones given replace the rule's own.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    #[serde(default)]
    pub min_dependents: Option<usize>,
    #[serde(default)]
    pub min_destroyed: Option<usize>,
    #[serde(default)]
    pub min_destroyed_share: Option<f64>,
    #[serde(default)]
    pub min_root_causes: Option<usize>,
}

/// A reviewed exception: this rule may fire on these addresses, for this reason, until then.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WaiverSpec {
    pub rule: String,
    /// Address glob; `*` waives the rule everywhere (plan-level findings need `*`).
    #[serde(default = "any_address")]
    pub address: String,
    pub reason: String,
    pub approved_by: String,
    /// Last day the waiver holds, `YYYY-MM-DD`.
    pub expires: String,
    /// Only this exact plan file (SHA-256 of its bytes).
    #[serde(default)]
    pub plan_sha256: Option<String>,
}

fn any_address() -> String {
    "*".to_string()
}

/// A config file as read: where it is, its text (for diagnostics) and contents.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub path: PathBuf,
    pub text: Arc<String>,
    pub config: Config,
}

impl LoadedConfig {
    /// A located error at the first occurrence of `needle` in this file.
    pub fn error_at(&self, needle: &str, message: String, help: &str) -> Error {
        let mut l = locate_text(
            &self.path.display().to_string(),
            &self.text,
            needle,
            message,
        );
        l.code = "planguard::config::invalid";
        Error::config(l.with_help(help.to_string()))
    }
}

/// Parse config text. `path` is for diagnostics and for resolving relative rule paths.
pub fn parse_config(path: &Path, text: String) -> Result<LoadedConfig> {
    let text = Arc::new(text);
    let shown = path.display().to_string();
    let config: Config = if text.trim().is_empty() {
        Config::default()
    } else {
        serde_yaml::from_str(&text).map_err(|e| {
            let mut l = crate::policy::rule::yaml_error(&shown, &text, &e);
            l.code = "planguard::config::syntax";
            Error::config(l.with_help("see `planguard init` for a commented example of every key"))
        })?
    };
    let loaded = LoadedConfig {
        path: path.to_path_buf(),
        text,
        config,
    };
    for (i, w) in loaded.config.waivers.iter().enumerate() {
        if parse_date(&w.expires).is_none() {
            return Err(loaded.error_at(
                &w.expires,
                format!(
                    "waiver {} ({}): expires {:?} is not a date",
                    i + 1,
                    w.rule,
                    w.expires
                ),
                "write the last valid day as YYYY-MM-DD, e.g. 2027-01-31",
            ));
        }
        if let Some(sha) = &w.plan_sha256 {
            if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(loaded.error_at(
                    sha,
                    format!(
                        "waiver {} ({}): plan_sha256 is not a SHA-256 hex digest",
                        i + 1,
                        w.rule
                    ),
                    "`sha256sum plan.json` prints it; the JSON report lists it under inputs",
                ));
            }
        }
        if w.reason.trim().is_empty() || w.approved_by.trim().is_empty() {
            return Err(loaded.error_at(
                &w.rule,
                format!(
                    "waiver {} ({}) needs a reason and approved_by",
                    i + 1,
                    w.rule
                ),
                "a waiver is a reviewed decision: say why and who approved it",
            ));
        }
    }
    Ok(loaded)
}

/// Find `.planguard.yaml` in `start` or its parents.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(CONFIG_FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// A calendar date as days since 1970-01-01 (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub i64);

impl Date {
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Date(secs.div_euclid(86_400))
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// `YYYY-MM-DD` → date, checking the day exists.
pub fn parse_date(s: &str) -> Option<Date> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 || s.trim().len() != 10 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    (civil_from_days(days) == (y, m, d)).then_some(Date(days))
}

// Howard Hinnant's civil-date algorithms.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A commented starter config (`planguard init`).
pub const STARTER_CONFIG: &str = include_str!("starter-config.yaml");

/// Error for a config that names a rule that does not exist.
pub fn unknown_rule(loaded: &LoadedConfig, id: &str, known: &[&str]) -> Error {
    let close: Vec<&str> = known
        .iter()
        .copied()
        .filter(|k| k.contains(id) || id.contains(*k) || shares_words(k, id))
        .take(3)
        .collect();
    let help = if close.is_empty() {
        "`planguard rules list` shows every rule id".to_string()
    } else {
        format!(
            "did you mean {}? `planguard rules list` shows every rule id",
            close.join(" or ")
        )
    };
    loaded.error_at(id, format!("unknown rule id {id:?}"), &help)
}

fn shares_words(a: &str, b: &str) -> bool {
    let wa: Vec<&str> = a.split('-').collect();
    b.split('-')
        .filter(|w| w.len() > 3 && wa.contains(w))
        .count()
        >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_reject_nonsense() {
        let d = parse_date("2027-01-31").expect("valid");
        assert_eq!(d.to_string(), "2027-01-31");
        assert_eq!(parse_date("1970-01-01"), Some(Date(0)));
        assert!(parse_date("2027-02-30").is_none());
        assert!(parse_date("2027-1-3").is_none());
        assert!(parse_date("soon").is_none());
        assert!(parse_date("2028-02-29").is_some());
    }
}
