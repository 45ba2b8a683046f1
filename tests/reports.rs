//! Snapshot tests of the reports: the bundled example and real fixtures, text and JSON.

use crate::common::source;
use planguard::policy::{evaluate, Policy};
use planguard::report::{render, Format, Report, TextOptions};

fn render_file(rel: &str, format: Format) -> String {
    let analysis = planguard::analyze(&[source(rel)], &[]).expect("analyses");
    let policy = Policy::builtin().expect("built-in rules");
    let evaluation = evaluate(&analysis, &policy);
    render(
        &Report {
            analysis: &analysis,
            evaluation: &evaluation,
        },
        format,
        TextOptions::default(),
    )
}

const SNAPSHOTTED: [(&str, &str); 4] = [
    ("example", "../examples/vpc-replace/plan.json"),
    ("tfreveal", "terraform/real/tfreveal-advanced-replaces.json"),
    (
        "tirith_destroy",
        "terraform/real/tirith-s3-destroy-modules.json",
    ),
    (
        "infracost_modules",
        "terraform/real/infracost-tf014-nested-modules.json",
    ),
];

#[test]
fn text_reports() {
    for (name, rel) in SNAPSHOTTED {
        insta::assert_snapshot!(format!("text_{name}"), render_file(rel, Format::Text));
    }
}

#[test]
fn json_reports() {
    for (name, rel) in SNAPSHOTTED {
        let json = render_file(rel, Format::Json);
        let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(v["schema_version"], 1);
        insta::assert_snapshot!(format!("json_{name}"), json);
    }
}

#[test]
fn json_report_follows_the_contract() {
    let v: serde_json::Value = serde_json::from_str(&render_file(
        "../examples/vpc-replace/plan.json",
        Format::Json,
    ))
    .expect("json");
    for key in [
        "schema_version",
        "tool",
        "verdict",
        "fail_on",
        "inputs",
        "summary",
        "changes",
        "findings",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    for key in [
        "create", "update", "replace", "delete", "read", "no-op", "forget", "findings",
    ] {
        assert!(v["summary"].get(key).is_some(), "summary missing {key}");
    }
    let changes = v["changes"].as_array().expect("changes");
    let addrs: Vec<&str> = changes
        .iter()
        .map(|c| c["address"].as_str().expect("address"))
        .collect();
    let mut sorted = addrs.clone();
    sorted.sort();
    assert_eq!(addrs, sorted, "changes sorted");
    assert!(
        changes.iter().all(|c| c["action"] != "no-op"),
        "no-op changes are only counted"
    );
    for c in changes {
        let destructive = c["action"] == "replace" || c["action"] == "delete";
        assert_eq!(c.get("blast_radius").is_some(), destructive, "{c}");
    }
    let vpc = changes
        .iter()
        .find(|c| c["address"] == "module.network.aws_vpc.main")
        .expect("vpc");
    assert_eq!(vpc["root_cause"], serde_json::Value::Null);
    assert_eq!(vpc["forced_by"], serde_json::json!(["cidr_block"]));
    assert_eq!(
        vpc["blast_radius"]["unchanged"],
        serde_json::json!([
            "aws_route53_record.app",
            "module.db.aws_cloudwatch_metric_alarm.db_cpu"
        ])
    );
    let db = changes
        .iter()
        .find(|c| c["address"] == "module.db.aws_db_instance.main")
        .expect("db");
    assert_eq!(db["root_cause"], "module.network.aws_vpc.main");
    let plan_level = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == "mass-destruction")
        .expect("mass");
    assert_eq!(plan_level["address"], serde_json::Value::Null);
}

#[test]
fn large_plan_text_stays_readable() {
    // 5,000 replaced subnets under one VPC: the text report must stay short.
    let mut changes = vec![r#"{"address":"aws_vpc.main","mode":"managed","type":"aws_vpc","name":"main","change":{"actions":["delete","create"]},"action_reason":"replace_because_cannot_update"}"#.to_string()];
    let mut state = vec![
        r#"{"address":"aws_vpc.main","mode":"managed","type":"aws_vpc","name":"main"}"#.to_string(),
    ];
    for i in 0..5000 {
        changes.push(format!(r#"{{"address":"aws_subnet.s[{i}]","mode":"managed","type":"aws_subnet","name":"s","index":{i},"change":{{"actions":["delete","create"]}},"action_reason":"replace_because_cannot_update"}}"#));
        state.push(format!(r#"{{"address":"aws_subnet.s[{i}]","mode":"managed","type":"aws_subnet","name":"s","depends_on":["aws_vpc.main"]}}"#));
    }
    let plan = format!(
        r#"{{"format_version":"1.2","resource_changes":[{}],"prior_state":{{"values":{{"root_module":{{"resources":[{}]}}}}}},"configuration":{{"root_module":{{}}}}}}"#,
        changes.join(","),
        state.join(",")
    );
    let src = planguard::plan::Source::from_text("big.json", plan);
    let analysis = planguard::analyze(&[src], &[]).expect("analyses");
    assert_eq!(analysis.summary.root_causes, 1);
    let evaluation = evaluate(&analysis, &Policy::builtin().expect("rules"));
    let text = render(
        &Report {
            analysis: &analysis,
            evaluation: &evaluation,
        },
        Format::Text,
        TextOptions::default(),
    );
    assert!(text.lines().count() < 200, "{} lines", text.lines().count());
    assert!(
        text.contains("Root causes (1), explaining 5000 more destructive changes"),
        "{}",
        &text[..text.len().min(2000)]
    );
    assert!(
        text.contains("… and 4970 more: 4970 aws_subnet"),
        "summarised by type"
    );
}
