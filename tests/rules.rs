//! Rules: every built-in fires and stays silent as its fixtures say; user rules, config,
//! waivers and their diagnostics, through the library and the real binary.

use crate::common::{planguard, source, testdata};
use planguard::policy::config::{parse_config, parse_date};
use planguard::policy::{evaluate, Policy, PolicyOptions, Verdict, WaiverStatus};

fn findings_for(rel: &str, policy: &Policy) -> Vec<planguard::policy::Finding> {
    let analysis =
        planguard::analyze(&[source(rel)], &[]).unwrap_or_else(|e| panic!("{rel}: {e:?}"));
    evaluate(&analysis, policy).findings
}

#[test]
fn every_builtin_rule_has_firing_and_silent_fixtures_that_behave() {
    let policy = Policy::builtin().expect("rules");
    for rule in &policy.rules {
        let id = &rule.spec.id;
        let dir = testdata(&format!("rules/{id}"));
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("testdata/rules/{id}/ is missing"))
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let fires: Vec<&String> = files.iter().filter(|f| f.starts_with("fires_")).collect();
        let silent: Vec<&String> = files.iter().filter(|f| f.starts_with("silent_")).collect();
        assert!(
            !fires.is_empty() && !silent.is_empty(),
            "{id} needs fires_* and silent_* cases"
        );
        for f in fires {
            let found = findings_for(&format!("rules/{id}/{f}"), &policy);
            assert!(
                found.iter().any(|x| &x.rule_id == id),
                "{id}: {f} should fire; got {found:?}"
            );
        }
        for f in silent {
            let found = findings_for(&format!("rules/{id}/{f}"), &policy);
            assert!(
                !found.iter().any(|x| &x.rule_id == id),
                "{id}: {f} should stay silent; got {found:?}"
            );
        }
    }
}

#[test]
fn missing_moved_block_names_the_moved_block() {
    let policy = Policy::builtin().expect("rules");
    let f = findings_for(
        "rules/possible-missing-moved-block/fires_count_to_for_each.json",
        &policy,
    );
    let m = f
        .iter()
        .find(|x| x.rule_id == "possible-missing-moved-block")
        .expect("fires");
    assert_eq!(m.address.as_deref(), Some("aws_instance.web[0]"));
    assert!(
        m.message
            .contains(r#"moved { from = aws_instance.web[0]  to = aws_instance.web["blue"] }"#),
        "{}",
        m.message
    );
}

#[test]
fn retain_policy_lowers_the_data_loss_finding() {
    let policy = Policy::builtin().expect("rules");
    let dir = tempfile::tempdir().expect("tmp");
    let cs = std::fs::read_to_string(testdata(
        "rules/stateful-resource-destroyed/fires_cfn_bucket_removed.json",
    ))
    .expect("read")
    .replace(
        r#""Details": []"#,
        r#""Details": [], "PolicyAction": "Retain""#,
    );
    let p = dir.path().join("retained.json");
    std::fs::write(&p, cs).expect("write");
    let src =
        planguard::plan::Source::from_bytes("retained.json", std::fs::read(&p).expect("read"))
            .expect("src");
    let a = planguard::analyze(&[src], &[]).expect("analyses");
    let e = evaluate(&a, &policy);
    let f = e
        .findings
        .iter()
        .find(|f| f.rule_id == "stateful-resource-destroyed")
        .expect("still reported");
    assert_eq!(f.severity, planguard::policy::rule::Severity::Low);
    assert!(f.message.contains("Retain"), "{}", f.message);
}

fn config(text: &str) -> planguard::policy::config::LoadedConfig {
    parse_config(std::path::Path::new(".planguard.yaml"), text.to_string()).expect("config parses")
}

fn evaluate_example(cfg: &str, today: &str) -> planguard::policy::Evaluation {
    let policy = Policy::load(PolicyOptions {
        config: Some(config(cfg)),
        today: parse_date(today),
        ..Default::default()
    })
    .expect("policy");
    let a =
        planguard::analyze(&[source("../examples/vpc-replace/plan.json")], &[]).expect("analyses");
    evaluate(&a, &policy)
}

const WAIVE_ALL_HIGH: &str = r#"
waivers:
  - rule: stateful-resource-destroyed
    address: "module.db.*"
    reason: "Planned migration, snapshot taken (OPS-1)"
    approved_by: alice
    expires: 2027-01-31
  - rule: mass-destruction
    reason: "Whole VPC re-addressing (OPS-1)"
    approved_by: alice
    expires: 2027-01-31
  - rule: network-foundation-destroyed
    reason: "Whole VPC re-addressing (OPS-1)"
    approved_by: alice
    expires: 2027-01-31
  - rule: large-blast-radius
    address: "module.network.aws_vpc.main"
    reason: "Whole VPC re-addressing (OPS-1)"
    approved_by: alice
    expires: 2027-01-31
"#;

#[test]
fn valid_waivers_pass_and_keep_findings_visible() {
    let e = evaluate_example(WAIVE_ALL_HIGH, "2026-11-29");
    assert_eq!(e.verdict, Verdict::Pass);
    let waived = e.findings.iter().filter(|f| f.waived).count();
    assert!(waived >= 7, "{waived}");
    assert!(e.waivers.iter().all(|w| w.status == WaiverStatus::Applied));
}

#[test]
fn expired_waiver_waives_nothing_and_is_reported() {
    let e = evaluate_example(WAIVE_ALL_HIGH, "2027-02-01");
    assert_eq!(e.verdict, Verdict::Fail);
    assert!(e.findings.iter().all(|f| !f.waived));
    assert!(e.waivers.iter().all(|w| w.status == WaiverStatus::Expired));
    // The last valid day still counts.
    assert_eq!(
        evaluate_example(WAIVE_ALL_HIGH, "2027-01-31").verdict,
        Verdict::Pass
    );
}

#[test]
fn waiver_for_another_plan_waives_nothing() {
    let cfg = WAIVE_ALL_HIGH.replace(
        "    expires: 2027-01-31\n",
        "    expires: 2027-01-31\n    plan_sha256: \"0000000000000000000000000000000000000000000000000000000000000000\"\n",
    );
    let e = evaluate_example(&cfg, "2026-11-29");
    assert_eq!(e.verdict, Verdict::Fail);
    assert!(e
        .waivers
        .iter()
        .all(|w| w.status == WaiverStatus::WrongPlan));
    // Pinned to the right digest, it works.
    let sha = planguard::plan::hex_sha256(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/vpc-replace/plan.json"
        ))
        .expect("read"),
    );
    let cfg = WAIVE_ALL_HIGH.replace(
        "    expires: 2027-01-31\n",
        &format!("    expires: 2027-01-31\n    plan_sha256: \"{sha}\"\n"),
    );
    assert_eq!(evaluate_example(&cfg, "2026-11-29").verdict, Verdict::Pass);
}

#[test]
fn stale_waiver_is_reported() {
    let cfg = format!(
        "{WAIVE_ALL_HIGH}  - rule: identity-destroyed\n    address: \"aws_iam_role.nothing\"\n    reason: old\n    approved_by: bob\n    expires: 2027-01-31\n"
    );
    let e = evaluate_example(&cfg, "2026-11-29");
    let stale: Vec<_> = e
        .waivers
        .iter()
        .filter(|w| w.status == WaiverStatus::Stale)
        .collect();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].rule, "identity-destroyed");
}

#[test]
fn user_rules_add_and_override_through_the_binary() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("ssm.yaml"),
        "id: ssm-parameter-changed\nseverity: high\nsummary: SSM parameters are contracts\ndescription: Consumers read them at runtime.\nmatch:\n  actions: [update]\n  types: [aws_ssm_parameter]\nmessage: \"{address} changes\"\n",
    )
    .expect("write");
    // Without the user rule, a plan with only an SSM update passes.
    let plan = testdata("rules/resource-replaced/silent_update.json");
    let out = planguard()
        .args(["check", "--no-config", "--format", "json"])
        .arg(&plan)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    // The example: the user rule fires on the SSM update, and a built-in is overridden to info.
    std::fs::write(
        dir.path().join("override.yaml"),
        "id: resource-replaced\nseverity: critical\nsummary: Every replacement blocks here\ndescription: House rule.\nmatch:\n  actions: [replace]\nmessage: \"{address} replaced\"\n",
    )
    .expect("write");
    let out = planguard()
        .args(["check", "--no-config", "--format", "json", "--rules"])
        .arg(dir.path())
        .args([
            "--disable",
            "mass-destruction",
            "--disable",
            "stateful-resource-destroyed",
        ])
        .args([
            "--disable",
            "network-foundation-destroyed",
            "--disable",
            "large-blast-radius",
        ])
        .arg("examples/vpc-replace/plan.json")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    assert!(findings
        .iter()
        .any(|f| f["rule_id"] == "ssm-parameter-changed" && f["severity"] == "high"));
    assert!(findings
        .iter()
        .any(|f| f["rule_id"] == "resource-replaced" && f["severity"] == "critical"));
    // Lowering the override's severity below fail-on makes the same plan pass.
    let out = planguard()
        .args(["check", "--no-config", "--format", "json", "--rules"])
        .arg(dir.path().join("override.yaml"))
        .args(["--severity", "resource-replaced=low"])
        .args([
            "--disable",
            "mass-destruction",
            "--disable",
            "stateful-resource-destroyed",
        ])
        .args([
            "--disable",
            "network-foundation-destroyed",
            "--disable",
            "large-blast-radius",
        ])
        .arg("examples/vpc-replace/plan.json")
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn unknown_rule_ids_are_errors_everywhere() {
    let out = planguard()
        .args([
            "check",
            "--no-config",
            "--disable",
            "no-such-rule",
            "examples/vpc-replace/plan.json",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let out = planguard()
        .args([
            "check",
            "--no-config",
            "--severity",
            "no-such-rule=low",
            "examples/vpc-replace/plan.json",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

/// Render a command's stderr with temp paths replaced, for snapshots.
fn stderr_of(args: &[&str], dir: &std::path::Path) -> (Option<i32>, String) {
    let out = planguard().args(args).output().expect("runs");
    let err = String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "[TMP]");
    (out.status.code(), err)
}

#[test]
fn malformed_rule_and_config_point_at_file_line_column() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path().display().to_string();
    let cases = [
        ("unknown-field.yaml", "id: x-y\nseverity: high\nsummary: s\ndescription: d\nmatch:\n  actions: [delete]\n  tpyes: [aws_s3_bucket]\nmessage: m\n"),
        ("bad-action.yaml", "id: x-y\nseverity: high\nsummary: s\ndescription: d\nmatch:\n  actions: [destory]\nmessage: m\n"),
        ("bad-glob.yaml", "id: x-y\nseverity: high\nsummary: s\ndescription: d\nmatch:\n  types: [\"aws_[db\"]\nmessage: m\n"),
        ("bad-placeholder.yaml", "id: x-y\nseverity: high\nsummary: s\ndescription: d\nmatch:\n  actions: [delete]\nmessage: \"{adress} goes\"\n"),
    ];
    for (name, body) in cases {
        let p = format!("{d}/{name}");
        std::fs::write(&p, body).expect("write");
        let (code, err) = stderr_of(&["rules", "validate", &p], dir.path());
        assert_eq!(code, Some(2), "{name}: {err}");
        insta::assert_snapshot!(format!("rule_error_{name}"), err);
    }
    // Duplicate ids across user files.
    let dup = format!("{d}/dups");
    std::fs::create_dir(&dup).expect("mkdir");
    for f in ["a.yaml", "b.yaml"] {
        std::fs::write(format!("{dup}/{f}"), "id: same-id\nseverity: low\nsummary: s\ndescription: d\nmatch:\n  actions: [delete]\nmessage: m\n").expect("write");
    }
    let (code, err) = stderr_of(&["rules", "validate", &dup], dir.path());
    assert_eq!(code, Some(2));
    insta::assert_snapshot!("rule_error_duplicate_id", err);

    let cfg = format!("{d}/.planguard.yaml");
    std::fs::write(
        &cfg,
        "fail_on: high\ndisable:\n  - stateful-resource-destroy\n",
    )
    .expect("write");
    let (code, err) = stderr_of(
        &["check", "--config", &cfg, "examples/vpc-replace/plan.json"],
        dir.path(),
    );
    assert_eq!(code, Some(2));
    insta::assert_snapshot!("config_error_unknown_rule", err);
    std::fs::write(&cfg, "fail_on: high\nwaivers:\n  - rule: mass-destruction\n    reason: r\n    approved_by: a\n    expires: soon\n").expect("write");
    let (code, err) = stderr_of(
        &["check", "--config", &cfg, "examples/vpc-replace/plan.json"],
        dir.path(),
    );
    assert_eq!(code, Some(2));
    insta::assert_snapshot!("config_error_bad_date", err);
    std::fs::write(&cfg, "fail_on: hihg\n").expect("write");
    let (code, err) = stderr_of(
        &["check", "--config", &cfg, "examples/vpc-replace/plan.json"],
        dir.path(),
    );
    assert_eq!(code, Some(2));
    insta::assert_snapshot!("config_error_bad_severity", err);
}

#[test]
fn init_writes_a_starter_config_that_loads() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = planguard()
        .current_dir(dir.path())
        .arg("init")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(dir.path().join(".planguard.yaml")).expect("written");
    Policy::load(PolicyOptions {
        config: Some(config(&text)),
        ..Default::default()
    })
    .expect("loads");
    let out = planguard()
        .current_dir(dir.path())
        .arg("init")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "refuses to overwrite");
}

#[test]
fn config_is_found_from_a_subdirectory() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join(".planguard.yaml"),
        "fail_on: critical\ndisable: [mass-destruction, stateful-resource-destroyed]\n",
    )
    .expect("write");
    let sub = dir.path().join("infra/prod");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let plan = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/vpc-replace/plan.json"
    );
    let out = planguard()
        .current_dir(&sub)
        .args(["check", "--format", "json", plan])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["fail_on"], "critical");
    assert_eq!(out.status.code(), Some(0));
}

/// The built-in rules table in docs/rules.md, generated from the rule files.
#[test]
fn docs_rules_table() {
    let policy = Policy::builtin().expect("rules");
    let mut table = String::from("| id | severity | summary |\n|---|---|---|\n");
    for r in &policy.rules {
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            r.spec.id, r.spec.severity, r.spec.summary
        ));
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md");
    let doc = std::fs::read_to_string(path).expect("docs/rules.md");
    let (start, end) = ("<!-- rules:start -->\n", "<!-- rules:end -->");
    let a = doc.find(start).expect("start marker") + start.len();
    let b = doc.find(end).expect("end marker");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, format!("{}{}{}", &doc[..a], table, &doc[b..])).expect("write");
        return;
    }
    assert_eq!(
        &doc[a..b],
        table,
        "docs/rules.md is stale: run UPDATE_DOCS=1 cargo test docs_rules_table"
    );
}
