//! The pull-request and CI formats: SARIF (validated against the official 2.1.0 schema),
//! Markdown (always under GitHub's comment limit), GitHub annotations, GitLab Code Quality,
//! Mermaid/DOT graphs (rendered by the real Mermaid library in headless Chromium when both
//! are installed), `--source-dir` locations, and the GitHub Action's own scripts.

use crate::common::{planguard, source, testdata};
use planguard::analysis::Analysis;
use planguard::plan::Source;
use planguard::policy::config::parse_config;
use planguard::policy::{evaluate, Evaluation, Policy, PolicyOptions};
use planguard::report::{render, Format, Report, TextOptions};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Analyse a fixture as the CLI does: change sets get the templates found beside them.
fn analyze(rel: &str) -> Analysis {
    let src = source(rel);
    let mut templates = Vec::new();
    if planguard::plan::detect(&src).expect("detects")
        == planguard::plan::Detected::CloudformationChangeSet
    {
        templates = planguard::plan::cloudformation::find_templates_beside(&src.path)
            .expect("templates beside");
    }
    planguard::analyze(&[src], &templates).expect("analyses")
}

fn builtin_eval(a: &Analysis) -> Evaluation {
    evaluate(a, &Policy::builtin().expect("rules"))
}

fn fmt(a: &Analysis, e: &Evaluation, f: Format) -> String {
    render(
        &Report {
            analysis: a,
            evaluation: e,
        },
        f,
        TextOptions::default(),
    )
}

const EXAMPLE: &str = "../examples/vpc-replace/plan.json";
const CFN_NESTED: &str = "cloudformation/changesets/awsdocs-nested--root.json";
const CFN_REPLACE: &str =
    "cloudformation/changesets/ls-api-stacks--stack-deletion-order-A-B-C--cs2.json";

const SARIF_FIXTURES: [&str; 7] = [
    EXAMPLE,
    "terraform/real/tfreveal-advanced-replaces.json",
    "terraform/real/tirith-s3-destroy-modules.json",
    "terraform/real/tfcompliance-522-deletes-drift.json",
    "terraform/show-json/modules/plan.json",
    CFN_REPLACE,
    "cloudformation/changesets/awsdocs-samples--replacement-multi.json",
];

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(testdata("sarif-schema-2.1.0.json")).expect("schema"),
    )
    .expect("schema JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn assert_valid_sarif(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let validator = sarif_validator();
    let mut total_results = 0;
    for rel in SARIF_FIXTURES {
        let a = analyze(rel);
        let e = builtin_eval(&a);
        let out = fmt(&a, &e, Format::Sarif);
        let doc: Value = serde_json::from_str(&out).expect("SARIF is JSON");
        assert_valid_sarif(&validator, &doc, rel);
        let run = &doc["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        assert_eq!(
            rules.len(),
            e.rules.len(),
            "{rel}: every loaded rule described"
        );
        for r in rules {
            let sev: f64 = r["properties"]["security-severity"]
                .as_str()
                .expect("string score")
                .parse()
                .expect("number");
            assert!((0.0..=10.0).contains(&sev));
            assert!(r["shortDescription"]["text"].as_str().is_some());
            assert!(r["help"]["markdown"].as_str().is_some());
        }
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), e.findings.len(), "{rel}");
        for res in results {
            let idx = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(rules[idx]["id"], res["ruleId"]);
            assert!(
                res["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .is_some_and(|l| l >= 1)
            );
        }
        total_results += results.len();
    }
    assert!(
        total_results > 20,
        "fixtures produce findings: {total_results}"
    );
}

#[test]
fn sarif_levels_follow_severity() {
    let a = analyze(EXAMPLE);
    let e = builtin_eval(&a);
    let doc: Value = serde_json::from_str(&fmt(&a, &e, Format::Sarif)).expect("json");
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let by_id = |id: &str| rules.iter().find(|r| r["id"] == id).expect(id).clone();
    let mass = by_id("mass-destruction");
    assert_eq!(mass["defaultConfiguration"]["level"], "error");
    assert_eq!(mass["properties"]["security-severity"], "9.5");
    assert_eq!(mass["name"], "MassDestruction");
    let replaced = by_id("resource-replaced");
    assert_eq!(replaced["defaultConfiguration"]["level"], "warning");
    assert_eq!(replaced["properties"]["security-severity"], "5.5");
    for res in doc["runs"][0]["results"].as_array().expect("results") {
        let sev = res["properties"]["severity"].as_str().expect("severity");
        let want = match sev {
            "critical" | "high" => "error",
            "medium" => "warning",
            _ => "note",
        };
        assert_eq!(res["level"], want, "{res}");
    }
}

fn fingerprints(doc: &Value) -> Vec<(String, String)> {
    doc["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().expect("id").to_string(),
                r["partialFingerprints"]["planguardFinding/v1"]
                    .as_str()
                    .expect("fingerprint")
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn sarif_fingerprints_are_stable_and_unique() {
    for rel in SARIF_FIXTURES {
        let run = || {
            let a = analyze(rel);
            let e = builtin_eval(&a);
            serde_json::from_str::<Value>(&fmt(&a, &e, Format::Sarif)).expect("json")
        };
        let (first, second) = (run(), run());
        assert_eq!(fingerprints(&first), fingerprints(&second), "{rel}");
        let mut prints: Vec<String> = fingerprints(&first).into_iter().map(|p| p.1).collect();
        let n = prints.len();
        prints.sort();
        prints.dedup();
        assert_eq!(prints.len(), n, "{rel}: fingerprints unique");
    }
    // Messages may change (more dependents), fingerprints may not: they hash rule + address.
    let a = analyze(EXAMPLE);
    let mut e = builtin_eval(&a);
    let before = fingerprints(&serde_json::from_str(&fmt(&a, &e, Format::Sarif)).expect("j"));
    for f in &mut e.findings {
        f.message.push_str(" (reworded)");
    }
    let after = fingerprints(&serde_json::from_str(&fmt(&a, &e, Format::Sarif)).expect("j"));
    assert_eq!(before, after);
}

fn eval_with_config(a: &Analysis, yaml: &str) -> Evaluation {
    let cfg = parse_config(Path::new(".planguard.yaml"), yaml.to_string()).expect("config");
    let policy = Policy::load(PolicyOptions {
        config: Some(cfg),
        today: planguard::policy::config::parse_date("2026-01-01"),
        ..Default::default()
    })
    .expect("policy");
    evaluate(a, &policy)
}

const WAIVER_CONFIG: &str = r#"
waivers:
  - rule: stateful-resource-destroyed
    address: "module.db.aws_db_instance.main"
    reason: "Moving to Aurora; final snapshot verified (OPS-123)"
    approved_by: "alice"
    expires: 2099-01-31
"#;

#[test]
fn waived_findings_carry_suppressions() {
    let a = analyze(EXAMPLE);
    let e = eval_with_config(&a, WAIVER_CONFIG);
    assert!(e.findings.iter().any(|f| f.waived));
    let doc: Value = serde_json::from_str(&fmt(&a, &e, Format::Sarif)).expect("json");
    assert_valid_sarif(&sarif_validator(), &doc, "waived");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    let waived: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(waived.len(), e.findings.iter().filter(|f| f.waived).count());
    let s = &waived[0]["suppressions"][0];
    assert_eq!(s["kind"], "external");
    assert_eq!(s["status"], "accepted");
    let j = s["justification"].as_str().expect("justification");
    assert!(
        j.contains("final snapshot verified (OPS-123)") && j.contains("alice"),
        "{j}"
    );
    // Unwaived results carry none.
    assert!(results
        .iter()
        .filter(|r| r["ruleId"] != "stateful-resource-destroyed")
        .all(|r| r.get("suppressions").is_none()));
    // The Markdown lists the waiver.
    let md = fmt(&a, &e, Format::Markdown);
    assert!(
        md.contains("### Waivers (1)") && md.contains("applied to 1 finding"),
        "{md}"
    );
}

#[test]
fn cloudformation_results_point_at_template_lines() {
    let a = analyze(CFN_REPLACE);
    let e = builtin_eval(&a);
    let doc: Value = serde_json::from_str(&fmt(&a, &e, Format::Sarif)).expect("json");
    let mut located = 0;
    for res in doc["runs"][0]["results"].as_array().expect("results") {
        let Some(addr) = res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].as_str()
        else {
            continue;
        };
        let phys = &res["locations"][0]["physicalLocation"];
        let uri = phys["artifactLocation"]["uri"].as_str().expect("uri");
        let line = phys["region"]["startLine"].as_u64().expect("line") as usize;
        if !uri.contains(".template.") {
            continue;
        }
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(uri))
            .expect("template readable");
        let at = text.lines().nth(line - 1).expect("line exists");
        let id = addr.rsplit('/').next().expect("logical id");
        assert!(
            at.contains(&format!("\"{id}\"")),
            "{uri}:{line} is {at:?}, not {id}"
        );
        located += 1;
    }
    assert!(located > 0, "some results located in the template");
}

// ---------------------------------------------------------------- Terraform --source-dir

/// Independent oracle: the line of `resource "T" "N"` in a file.
fn block_line(file: &Path, ty: &str, name: &str) -> usize {
    let text = std::fs::read_to_string(file).expect("tf");
    let want = format!("resource \"{ty}\" \"{name}\"");
    text.lines()
        .position(|l| l.trim_start().starts_with(&want))
        .map(|p| p + 1)
        .unwrap_or_else(|| panic!("{want} not in {}", file.display()))
}

#[test]
fn source_dir_maps_every_resource_to_its_block() {
    for (dir, expect) in [
        (
            "terraform/show-json/modules",
            vec![
                ("module.module_test_bar.test_instance.test", "bar/main.tf"),
                (
                    "module.module_test_foo.test_instance.test[0]",
                    "foo/main.tf",
                ),
                (
                    "module.module_test_foo.test_instance.test[2]",
                    "foo/main.tf",
                ),
            ],
        ),
        ("terraform/show-json/nested-modules", vec![]),
    ] {
        let rel_plan = format!("{dir}/plan.json");
        let src = source(&rel_plan);
        let mut a = planguard::analyze(std::slice::from_ref(&src), &[]).expect("analyses");
        let root = PathBuf::from("testdata").join(dir);
        let n = planguard::source_map::locate_terraform(&mut a, &[&src], &root);
        let managed: Vec<_> = a
            .nodes
            .iter()
            .filter(|n| n.mode == planguard::model::Mode::Managed)
            .collect();
        assert!(!managed.is_empty());
        assert_eq!(n, managed.len(), "{dir}: every managed resource located");
        for node in &managed {
            let loc = node.source.as_ref().expect("located");
            let inst = planguard::plan::terraform::address::parse_instance(&node.address)
                .expect("address");
            let (ty, name) = inst.resource.split_once('.').expect("type.name");
            let line = block_line(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(&loc.path)
                    .as_path(),
                ty,
                name,
            );
            assert_eq!(loc.line, line, "{}", node.address);
            assert!(
                loc.path.starts_with(&format!("testdata/{dir}/")),
                "{}",
                loc.path
            );
        }
        for (addr, file) in expect {
            let node = a.nodes.iter().find(|n| n.address == addr).expect(addr);
            assert_eq!(
                node.source.as_ref().expect("located").path,
                format!("testdata/{dir}/{file}")
            );
        }
    }
}

#[test]
fn source_dir_through_the_binary() {
    let out = planguard()
        .args([
            "check",
            "--no-config",
            "--format",
            "sarif",
            "--fail-on",
            "critical",
            "--source-dir",
            "testdata/terraform/show-json/nested-modules",
            "testdata/terraform/show-json/nested-modules/plan.json",
        ])
        .output()
        .expect("runs");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    for r in results {
        if r["locations"][0].get("logicalLocations").is_some() {
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("uri");
            assert!(uri.ends_with(".tf"), "{uri}");
        }
    }
    planguard()
        .args(["check", "--source-dir", "no/such/dir", EXAMPLE_CLI])
        .assert()
        .code(2);
}

const EXAMPLE_CLI: &str = "examples/vpc-replace/plan.json";

// ------------------------------------------------------------------------- Markdown

#[test]
fn markdown_snapshots() {
    for (name, rel) in [("example", EXAMPLE), ("cfn_replace", CFN_REPLACE)] {
        let a = analyze(rel);
        let e = builtin_eval(&a);
        let md = fmt(&a, &e, Format::Markdown);
        assert!(md.starts_with("<!-- planguard-report -->\n"));
        insta::assert_snapshot!(format!("markdown_{name}"), md);
    }
}

/// A plan document from (address, module address, type, name, index, actions, reason,
/// depends_on) rows.
type Row = (
    String,
    Option<String>,
    &'static str,
    String,
    Option<Value>,
    &'static [&'static str],
    Option<&'static str>,
    Vec<String>,
);

fn plan_json(rows: &[Row]) -> String {
    let mut changes = Vec::new();
    let mut state = Vec::new();
    for (addr, module, ty, name, index, actions, reason, deps) in rows {
        let mut c = json!({"address": addr, "mode": "managed", "type": ty, "name": name,
            "change": {"actions": actions}});
        let mut s = json!({"address": addr, "mode": "managed", "type": ty, "name": name,
            "depends_on": deps});
        if let Some(m) = module {
            c["module_address"] = json!(m);
        }
        if let Some(i) = index {
            c["index"] = i.clone();
            s["index"] = i.clone();
        }
        if let Some(r) = reason {
            c["action_reason"] = json!(r);
        }
        changes.push(c);
        state.push(s);
    }
    // Module resources live in child modules of prior state; one flat list per module.
    let mut by_module: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for (row, s) in rows.iter().zip(state) {
        by_module
            .entry(row.1.clone().unwrap_or_default())
            .or_default()
            .push(s);
    }
    let root = by_module.remove("").unwrap_or_default();
    let children: Vec<Value> = by_module
        .into_iter()
        .map(|(m, res)| json!({"address": m, "resources": res}))
        .collect();
    json!({
        "format_version": "1.2",
        "resource_changes": changes,
        "prior_state": {"values": {"root_module": {"resources": root, "child_modules": children}}},
        "configuration": {"root_module": {}},
    })
    .to_string()
}

#[allow(clippy::too_many_arguments)]
fn row(
    addr: &str,
    module: Option<&str>,
    ty: &'static str,
    name: &str,
    index: Option<Value>,
    actions: &'static [&'static str],
    reason: Option<&'static str>,
    deps: &[&str],
) -> Row {
    (
        addr.to_string(),
        module.map(str::to_string),
        ty,
        name.to_string(),
        index,
        actions,
        reason,
        deps.iter().map(|d| d.to_string()).collect(),
    )
}

const REPLACE: &[&str] = &["delete", "create"];

/// `aws_vpc.main`, replaced because it cannot be updated: the root cause the plans hang on.
fn replaced_vpc() -> Row {
    row(
        "aws_vpc.main",
        None,
        "aws_vpc",
        "main",
        None,
        REPLACE,
        Some("replace_because_cannot_update"),
        &[],
    )
}
const DELETE: &[&str] = &["delete"];
const NOOP: &[&str] = &["no-op"];

#[test]
fn markdown_for_20000_changes_fits_and_names_every_root_cause() {
    let mut rows = vec![replaced_vpc()];
    for i in 0..10_000 {
        rows.push(row(
            &format!("aws_subnet.s[{i}]"),
            None,
            "aws_subnet",
            "s",
            Some(json!(i)),
            REPLACE,
            Some("replace_because_cannot_update"),
            &["aws_vpc.main"],
        ));
        rows.push(row(
            &format!("aws_instance.web[{i}]"),
            None,
            "aws_instance",
            "web",
            Some(json!(i)),
            REPLACE,
            Some("replace_because_cannot_update"),
            &["aws_vpc.main"],
        ));
    }
    let mut roots = vec!["aws_vpc.main".to_string()];
    for (ty, name) in [
        ("aws_db_instance", "orders"),
        ("aws_db_instance", "users"),
        ("aws_dynamodb_table", "sessions"),
        ("aws_iam_role", "deployer"),
        ("aws_s3_bucket", "logs"),
    ] {
        let addr = format!("{ty}.{name}");
        rows.push(row(
            &addr,
            None,
            ty,
            name,
            None,
            DELETE,
            Some("delete_because_no_resource_config"),
            &[],
        ));
        roots.push(addr);
    }
    let plan = plan_json(&rows);
    let src = Source::from_text("big.json", plan);
    let a = planguard::analyze(&[src], &[]).expect("analyses");
    assert_eq!(a.summary.root_causes, roots.len());
    let e = builtin_eval(&a);
    let critical: Vec<_> = e
        .findings
        .iter()
        .filter(|f| f.severity == planguard::policy::rule::Severity::Critical)
        .collect();
    assert!(critical.len() >= 4, "{}", critical.len());
    let md = fmt(&a, &e, Format::Markdown);
    assert!(
        md.chars().count() < planguard::report::markdown::GITHUB_LIMIT,
        "{} chars",
        md.chars().count()
    );
    for r in &roots {
        assert!(md.contains(&format!("`{r}`")), "root cause {r} named");
    }
    for f in &critical {
        match &f.address {
            Some(addr) => assert!(
                md.contains(&format!("| `{}` | `{addr}` |", f.rule_id)),
                "critical {} {addr}",
                f.rule_id
            ),
            None => assert!(md.contains(&format!("| `{}` | plan |", f.rule_id))),
        }
    }
    assert!(
        md.contains("Shortened to fit a GitHub comment"),
        "says what was cut"
    );
    assert!(md.contains("20000 more") || md.contains("more because of `aws_vpc.main`"));
    assert!(md.contains("```mermaid"), "diagram kept (it is capped)");
    assert!(md.starts_with("<!-- planguard-report -->\n"));

    // Even a tiny budget keeps every root cause named.
    let tight = planguard::report::markdown::render_with_budget(
        &Report {
            analysis: &a,
            evaluation: &e,
        },
        6_000,
    );
    assert!(tight.len() < 8_000, "{}", tight.len());
    for r in &roots {
        assert!(tight.contains(r.as_str()), "{r} in the tight report");
    }
}

#[test]
fn markdown_escapes_table_cells() {
    let rows = vec![
        row(
            "module.x[\"a.b\"].aws_vpc.main",
            Some("module.x[\"a.b\"]"),
            "aws_vpc",
            "main",
            None,
            REPLACE,
            Some("replace_because_cannot_update"),
            &[],
        ),
        row(
            "aws_instance.y[\"k|<q>\"]",
            None,
            "aws_instance",
            "y",
            Some(json!("k|<q>")),
            NOOP,
            None,
            &["module.x.aws_vpc.main"],
        ),
    ];
    let a = planguard::analyze(&[Source::from_text("q.json", plan_json(&rows))], &[])
        .expect("analyses");
    let e = builtin_eval(&a);
    let md = fmt(&a, &e, Format::Markdown);
    assert!(md.contains("`module.x[\"a.b\"].aws_vpc.main`"), "{md}");
    // A `|` inside a cell is escaped so the table keeps its columns.
    for line in md
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("k"))
    {
        assert!(!line.contains("k|<"), "{line}");
    }
}

// ---------------------------------------------------------------- GitHub annotations

#[test]
fn github_annotations_escape_and_snapshot() {
    use planguard::report::github::{escape_data, escape_property};
    assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
    assert_eq!(escape_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
    let a = analyze(EXAMPLE);
    let mut e = eval_with_config(&a, WAIVER_CONFIG);
    // A hostile message: every character that could end or forge a command.
    if let Some(f) = e.findings.iter_mut().find(|f| !f.waived) {
        f.message = "100% sure: a,b\n::error::forged\r\nend".into();
    }
    let out = fmt(&a, &e, Format::Github);
    for line in out.lines() {
        assert!(
            line.starts_with("::error ")
                || line.starts_with("::warning ")
                || line.starts_with("::notice "),
            "{line}"
        );
    }
    assert!(!out.contains("\n::error::forged"));
    insta::assert_snapshot!("github_example", out);
}

#[test]
fn github_format_appends_markdown_to_the_step_summary() {
    let dir = tempfile::tempdir().expect("tmp");
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "previous step\n").expect("write");
    let out = planguard()
        .args(["check", "--no-config", "--format", "github", EXAMPLE_CLI])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("::error file=examples/vpc-replace/plan.json,title=planguard "),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        text.starts_with("previous step\n<!-- planguard-report -->\n"),
        "{text}"
    );
}

#[test]
fn gitlab_code_quality() {
    let a = analyze(EXAMPLE);
    let e = eval_with_config(&a, WAIVER_CONFIG);
    let v: Value = serde_json::from_str(&fmt(&a, &e, Format::Gitlab)).expect("json");
    let issues = v.as_array().expect("array");
    assert_eq!(
        issues.len(),
        e.findings.iter().filter(|f| !f.waived).count()
    );
    for i in issues {
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&i["severity"].as_str().expect("severity")));
        assert_eq!(i["fingerprint"].as_str().expect("fp").len(), 64);
        assert!(i["location"]["lines"]["begin"].as_u64().is_some());
    }
}

// --------------------------------------------------------------------------- graphs

fn quoted_keys_plan() -> Analysis {
    let rows = vec![
        row(
            "module.x[\"a.b\"].aws_vpc.main",
            Some("module.x[\"a.b\"]"),
            "aws_vpc",
            "main",
            None,
            REPLACE,
            Some("replace_because_cannot_update"),
            &[],
        ),
        row(
            "module.x[\"a.b\"].aws_subnet.s[\"us-east-1#a\"]",
            Some("module.x[\"a.b\"]"),
            "aws_subnet",
            "s",
            Some(json!("us-east-1#a")),
            REPLACE,
            Some("replace_because_cannot_update"),
            &["module.x.aws_vpc.main"],
        ),
        row(
            "aws_instance.y[\"k\\\"q<b>|&\"]",
            None,
            "aws_instance",
            "y",
            Some(json!("k\"q<b>|&")),
            NOOP,
            None,
            &["module.x.aws_subnet.s"],
        ),
    ];
    planguard::analyze(&[Source::from_text("quoted.json", plan_json(&rows))], &[])
        .expect("analyses")
}

fn nested_stack() -> Analysis {
    let src = source(CFN_NESTED);
    let child = source("cloudformation/changesets/awsdocs-nested--child.json");
    planguard::analyze(&[src, child], &[]).expect("analyses")
}

/// Every diagram the tests render in Mermaid: (name, source).
fn diagrams() -> Vec<(String, String)> {
    use planguard::report::graph::{render_analysis, GraphFormat, GraphOptions};
    let mut out = Vec::new();
    for (name, a) in [
        ("example", analyze(EXAMPLE)),
        ("quoted", quoted_keys_plan()),
        ("nested", nested_stack()),
    ] {
        // Empty when nothing is destroyed (the nested-stack fixture only updates).
        let blast = planguard::report::markdown::blast_radius_mermaid(&a);
        if !blast.is_empty() {
            out.push((format!("{name}-blast"), blast));
        }
        for (blast, labels) in [(false, true), (true, false)] {
            out.push((
                format!("{name}-graph-{blast}-{labels}"),
                render_analysis(
                    &a,
                    GraphOptions {
                        format: GraphFormat::Mermaid,
                        blast_radius: blast,
                        edge_labels: labels,
                    },
                ),
            ));
        }
    }
    out
}

#[test]
fn mermaid_labels_use_ids_and_entities() {
    let d = planguard::report::markdown::blast_radius_mermaid(&quoted_keys_plan());
    assert!(d.starts_with("flowchart LR\n"));
    assert!(
        d.contains("n0[\"module.x[#quot;a.b#quot;].aws_vpc.main (replace)\"]:::destroy"),
        "{d}"
    );
    assert!(d.contains("#35;a"), "{d}");
    assert!(d.contains("#lt;b#gt;#124;#amp;"), "{d}");
    for line in d.lines().skip(1) {
        let inner = line
            .split_once("[\"")
            .and_then(|(_, r)| r.rsplit_once("\"]"))
            .map(|(l, _)| l);
        if let Some(label) = inner {
            assert!(!label.contains('"'), "raw quote in {line}");
        }
    }
    insta::assert_snapshot!("mermaid_quoted", d);
    let nested = planguard::report::graph::render_analysis(
        &nested_stack(),
        planguard::report::graph::GraphOptions {
            format: planguard::report::graph::GraphFormat::Mermaid,
            blast_radius: false,
            edge_labels: true,
        },
    );
    insta::assert_snapshot!("mermaid_nested", nested);
}

#[test]
fn graph_subcommand_dot_and_mermaid() {
    let dot = planguard()
        .args(["graph", "--format", "dot", "--edge-labels", EXAMPLE_CLI])
        .output()
        .expect("runs");
    assert!(dot.status.success());
    let dot = String::from_utf8_lossy(&dot.stdout);
    assert!(dot.starts_with("digraph planguard {"));
    assert!(dot.contains("fillcolor=\"#ffd6d6\""), "destroyed nodes red");
    assert!(dot.contains("[label=\"config_reference"), "{dot}");
    let all = dot
        .lines()
        .filter(|l| l.contains("[label=") && l.contains("fillcolor"))
        .count();
    let blast = planguard()
        .args([
            "graph",
            "--format",
            "mermaid",
            "--blast-radius",
            EXAMPLE_CLI,
        ])
        .output()
        .expect("runs");
    assert!(blast.status.success());
    let blast = String::from_utf8_lossy(&blast.stdout);
    assert!(blast.starts_with("flowchart LR\n"));
    let drawn = blast.lines().filter(|l| l.contains("\"]:::")).count();
    assert!(drawn > 0 && drawn < all, "blast radius {drawn} of {all}");
    assert!(
        !blast.contains(":::create"),
        "creates are not in a blast radius"
    );
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

fn find_mermaid_js() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("MERMAID_JS") {
        candidates.push(PathBuf::from(p));
    }
    candidates.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/mermaid/node_modules/mermaid/dist/mermaid.min.js"),
    );
    candidates.into_iter().find(|p| p.is_file())
}

/// Renders every diagram with the real Mermaid library in headless Chromium. Skipped with
/// a notice when either is missing (`.ci/mermaid-setup.sh` installs both), unless
/// `PLANGUARD_REQUIRE_MERMAID=1`, when missing tools fail the test.
#[test]
fn mermaid_renders_in_real_chromium() {
    let required = std::env::var("PLANGUARD_REQUIRE_MERMAID").is_ok_and(|v| v == "1");
    let (Some(chromium), Some(js)) = (find_chromium(), find_mermaid_js()) else {
        assert!(
            !required,
            "PLANGUARD_REQUIRE_MERMAID=1 but chromium or mermaid is missing: run .ci/mermaid-setup.sh"
        );
        eprintln!(
            "SKIPPED mermaid_renders_in_real_chromium: needs /usr/bin/chromium and \
             target/mermaid/node_modules/mermaid (run .ci/mermaid-setup.sh)"
        );
        return;
    };
    let diagrams = diagrams();
    let dir = tempfile::tempdir().expect("tmp");
    let page = dir.path().join("render.html");
    let list: Vec<Value> = diagrams.iter().map(|(n, d)| json!([n, d])).collect();
    let html = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"></head><body>
<pre id="result">PENDING</pre>
<script src="file://{js}"></script>
<script>
const diagrams = {list};
(async () => {{
  const out = [];
  try {{
    mermaid.initialize({{ startOnLoad: false, securityLevel: "strict" }});
    for (let i = 0; i < diagrams.length; i++) {{
      const [name, src] = diagrams[i];
      try {{
        const {{ svg }} = await mermaid.render("d" + i, src);
        const nodes = (svg.match(/class="node /g) || []).length;
        out.push(name + "=ok:" + nodes);
      }} catch (e) {{
        out.push(name + "=error:" + String((e && e.message) || e).replace(/\s+/g, " "));
      }}
    }}
  }} catch (e) {{
    out.push("init=error:" + e);
  }}
  document.getElementById("result").textContent = "DONE " + out.join(" | ");
}})();
</script></body></html>"#,
        js = js.display(),
        list = Value::Array(list)
    );
    std::fs::write(&page, html).expect("page");
    let profile = tempfile::tempdir().expect("profile");
    let out = std::process::Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--allow-file-access-from-files",
            "--virtual-time-budget=30000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let result = dom
        .split_once("<pre id=\"result\">")
        .and_then(|(_, r)| r.split_once("</pre>"))
        .map(|(r, _)| r.to_string())
        .unwrap_or_default();
    assert!(
        result.starts_with("DONE "),
        "page did not finish: {result:?}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries: Vec<&str> = result["DONE ".len()..].split(" | ").collect();
    assert_eq!(entries.len(), diagrams.len(), "{result}");
    for (entry, (name, src)) in entries.iter().zip(&diagrams) {
        let drawn: usize = entry
            .strip_prefix(&format!("{name}=ok:"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{name} failed to render: {entry}\n{src}"));
        let declared = src.lines().filter(|l| l.contains("\"]:::")).count();
        assert_eq!(drawn, declared, "{name}: every node drawn\n{src}");
    }
    eprintln!(
        "mermaid rendered {} diagrams in {}",
        diagrams.len(),
        chromium.display()
    );
}

// ------------------------------------------------------------------ CLI extras

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish"] {
        let out = planguard()
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{shell}");
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(s.contains("planguard") && s.contains("sarif"), "{shell}");
    }
    let man = planguard().arg("man").output().expect("runs");
    assert!(man.status.success());
    let man = String::from_utf8_lossy(&man.stdout);
    assert!(
        man.contains(".TH planguard"),
        "{}",
        &man[..man.len().min(200)]
    );
}

// ---------------------------------------------------------------- CI integrations

fn yaml(rel: &str) -> serde_yaml::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}")))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const INTEGRATION_FILES: [&str; 6] = [
    "action.yml",
    "examples/github/terraform.yml",
    "examples/github/cloudformation.yml",
    ".pre-commit-hooks.yaml",
    "examples/gitlab-ci.yml",
    "examples/atlantis.yaml",
];

/// Every `planguard SUBCOMMAND` and `--format VALUE` the integration files use exists.
#[test]
fn integration_files_are_valid_and_use_real_commands() {
    let subcommands = [
        "check",
        "diff",
        "rules",
        "init",
        "graph",
        "completions",
        "man",
    ];
    for rel in INTEGRATION_FILES {
        let _ = yaml(rel);
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).expect("read");
        let mut uses = 0;
        for (i, _) in text.match_indices("planguard ") {
            let rest = &text[i + "planguard ".len()..];
            let word: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                .collect();
            if word.is_empty() || word.starts_with('-') || !rest.starts_with(&word) {
                continue;
            }
            // Only command positions count, not prose ("uses a planguard already on PATH").
            let line_start = text[..i].rfind('\n').map_or(0, |p| p + 1);
            let before = text[line_start..i].trim();
            let command_position = before.is_empty()
                || ["-", "run:", "- run:", "entry:", "&&", "||", "|", "$(", ";"]
                    .iter()
                    .any(|p| before.ends_with(p))
                || before.ends_with("GITHUB_STEP_SUMMARY");
            if !command_position {
                continue;
            }
            assert!(
                subcommands.contains(&word.as_str()),
                "{rel}: `planguard {word}`"
            );
            uses += 1;
        }
        let uses_action = text.contains("/planguard@");
        assert!(
            uses > 0 || uses_action || rel == ".pre-commit-hooks.yaml",
            "{rel} runs planguard"
        );
        for (i, _) in text.match_indices("--format ") {
            let v: String = text[i + 9..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase())
                .collect();
            assert!(
                Format::NAMES.contains(&v.as_str()) || ["dot", "mermaid"].contains(&v.as_str()),
                "{rel}: --format {v}"
            );
        }
    }
    let hooks = yaml(".pre-commit-hooks.yaml");
    for h in hooks.as_sequence().expect("list of hooks") {
        let entry = h["entry"].as_str().expect("entry");
        assert!(entry.starts_with("planguard "), "{entry}");
        let sub = entry.split_whitespace().nth(1).expect("subcommand");
        assert!(subcommands.contains(&sub), "{entry}");
    }
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    for step in action["runs"]["steps"].as_sequence().expect("steps") {
        if let Some(run) = step["run"].as_str() {
            assert!(
                !run.contains("${{"),
                "expressions go through env, never into scripts: {run}"
            );
            assert_eq!(step["shell"], "bash");
        }
    }
}

/// Resolve `${{ … }}` in an `env:` value from a table of fake contexts.
fn resolve(expr: &str, ctx: &std::collections::HashMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = expr;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        let key = rest[start + 3..end].trim();
        out.push_str(
            ctx.get(key)
                .unwrap_or_else(|| panic!("unknown expression {key}")),
        );
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn outputs(file: &Path) -> std::collections::HashMap<String, String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// Runs the action's `run:` steps in order against the bundled example with a fake GitHub
/// environment and a fake `gh`, twice: the first run posts the comment, the second updates
/// it (found by its hidden marker).
#[test]
fn action_scripts_run_against_a_fixture() {
    let action = yaml("action.yml");
    let steps = action["runs"]["steps"]
        .as_sequence()
        .expect("steps")
        .clone();
    let work = tempfile::tempdir().expect("tmp");
    let bin = work.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    let gh_log = work.path().join("gh.log");
    // Fake gh: logs its arguments; lists one earlier comment with the marker on the second
    // run (when the log already has a POST).
    let gh = bin.join("gh");
    std::fs::write(
        &gh,
        format!(
            "#!/usr/bin/env bash\necho \"$*\" >> '{log}'\nif [ \"$1\" = api ] && [[ \"$*\" == *'/comments'* ]] && [[ \"$*\" != *'--method'* ]]; then\n  if grep -q -- '--method POST' '{log}'; then echo 4242; fi\nfi\nexit 0\n",
            log = gh_log.display()
        ),
    )
    .expect("gh");
    // The built binary, as if installed.
    let built = assert_cmd::cargo::cargo_bin("planguard");
    std::os::unix::fs::symlink(&built, bin.join("planguard")).expect("link");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for round in 0..2 {
        let gh_output = work.path().join(format!("output{round}"));
        let summary = work.path().join(format!("summary{round}.md"));
        let runner_temp = work.path().join(format!("runner{round}"));
        std::fs::create_dir(&runner_temp).expect("runner temp");
        let mut ctx: std::collections::HashMap<&str, String> = [
            ("inputs.plan", "examples/vpc-replace/plan.json".to_string()),
            ("inputs.template", String::new()),
            ("inputs.config", String::new()),
            ("inputs.fail-on", String::new()),
            ("inputs.source-dir", String::new()),
            ("inputs.args", "--no-config".to_string()),
            ("inputs.comment", "true".to_string()),
            ("inputs.upload-sarif", "true".to_string()),
            ("inputs.fail", "true".to_string()),
            ("inputs.install", "auto".to_string()),
            ("inputs.github-token", "fake-token".to_string()),
            ("github.action_path", env!("CARGO_MANIFEST_DIR").to_string()),
            ("github.repository", "acme/infra".to_string()),
            ("github.event.pull_request.number", "7".to_string()),
            ("github.event_name", "pull_request".to_string()),
            ("github.token", "fake-token".to_string()),
        ]
        .into_iter()
        .collect();
        let mut last_code = 0;
        for step in &steps {
            let Some(run) = step["run"].as_str() else {
                continue;
            };
            let mut env: Vec<(String, String)> = Vec::new();
            if let Some(map) = step["env"].as_mapping() {
                for (k, v) in map {
                    let k = k.as_str().expect("env name").to_string();
                    let v = match v {
                        serde_yaml::Value::String(s) => resolve(s, &ctx),
                        other => serde_yaml::to_string(other)
                            .expect("yaml")
                            .trim()
                            .to_string(),
                    };
                    env.push((k, v));
                }
            }
            let out = std::process::Command::new("bash")
                .arg("-eo")
                .arg("pipefail")
                .arg("-c")
                .arg(run)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env("PATH", &path)
                .env("GITHUB_OUTPUT", &gh_output)
                .env("GITHUB_STEP_SUMMARY", &summary)
                .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
                .env("RUNNER_TEMP", &runner_temp)
                .env("NO_COLOR", "1")
                .envs(env)
                .output()
                .expect("bash runs");
            last_code = out.status.code().unwrap_or(-1);
            let name = step["name"].as_str().unwrap_or("step");
            let is_last = std::ptr::eq(step, steps.last().expect("last"));
            if !is_last {
                assert!(
                    out.status.success(),
                    "step {name} failed: {}\n{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            if let Some(id) = step["id"].as_str() {
                for (k, v) in outputs(&gh_output) {
                    let key: &'static str =
                        Box::leak(format!("steps.{id}.outputs.{k}").into_boxed_str());
                    ctx.insert(key, v);
                }
            }
        }
        // The verdict step fails the job on exit 1 (the example is blocked).
        assert_eq!(
            last_code, 1,
            "round {round}: the last step fails on a blocked plan"
        );
        let outs = outputs(&gh_output);
        assert_eq!(outs.get("exit-code").map(String::as_str), Some("1"));
        let sarif_path = PathBuf::from(outs.get("sarif").expect("sarif output"));
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&sarif_path).expect("sarif file"))
                .expect("sarif json");
        assert_valid_sarif(&sarif_validator(), &doc, "action sarif");
        let md = std::fs::read_to_string(outs.get("markdown").expect("markdown output"))
            .expect("markdown file");
        assert!(md.starts_with("<!-- planguard-report -->"));
        assert!(std::fs::read_to_string(&summary)
            .expect("step summary")
            .contains("planguard: FAIL"));
    }
    let log = std::fs::read_to_string(&gh_log).expect("gh called");
    let calls: Vec<&str> = log.lines().collect();
    assert!(
        calls.iter().any(
            |c| c.contains("--method POST") && c.contains("repos/acme/infra/issues/7/comments")
        ),
        "{log}"
    );
    assert!(
        calls
            .iter()
            .any(|c| c.contains("--method PATCH")
                && c.contains("repos/acme/infra/issues/comments/4242")),
        "second run updates the first comment: {log}"
    );
}

/// The JSON report writes strings by hand (a fast path for strings needing no escape): keys
/// with quotes, backslashes, control characters and non-ASCII text must come back exactly,
/// wherever they appear (changes, blast-radius lists, root causes, findings).
#[test]
fn json_report_strings_round_trip_whatever_they_hold() {
    let keys = [
        "plain",
        "q\"uote",
        "back\\slash",
        "tab\there",
        "nl\nx",
        "bell\u{7}\u{1f}",
        "é日本🚀",
        "a-key-long-enough-to-cross-several-eight-byte-words-\"-and-end-with-a-backslash\\",
    ];
    let hcl = |k: &str| serde_json::to_string(k).expect("json string");
    let mut rows = vec![replaced_vpc()];
    // As Terraform writes them (HCL-escaped), and raw: control characters in the address
    // itself (a raw quote or backslash would make the address malformed).
    let raw_keys: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| !k.contains(['"', '\\']))
        .collect();
    let mut addresses: Vec<String> = keys
        .iter()
        .map(|k| format!("aws_db_instance.d[{}]", hcl(k)))
        .collect();
    addresses.extend(
        raw_keys
            .iter()
            .map(|k| format!("aws_db_instance.raw[\"{k}\"]")),
    );
    for (k, addr) in keys.iter().chain(&raw_keys).zip(&addresses) {
        let name = if addr.starts_with("aws_db_instance.d[") {
            "d"
        } else {
            "raw"
        };
        rows.push(row(
            addr,
            None,
            "aws_db_instance",
            name,
            Some(json!(k)),
            DELETE,
            None,
            &["aws_vpc.main"],
        ));
    }
    let a = planguard::analyze(&[Source::from_text("hostile.json", plan_json(&rows))], &[])
        .expect("analyses");
    let e = builtin_eval(&a);
    let doc: Value = serde_json::from_str(&fmt(&a, &e, Format::Json)).expect("the report is JSON");
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let changes = doc["changes"].as_array().expect("changes");
    let listed: Vec<&str> = changes
        .iter()
        .filter_map(|c| c["address"].as_str())
        .collect();
    let vpc = changes
        .iter()
        .find(|c| c["address"] == "aws_vpc.main")
        .expect("the VPC change");
    let dependents = strings(&vpc["blast_radius"]["dependents"]);
    let found: Vec<String> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["address"].as_str().map(String::from))
        .collect();
    for addr in &addresses {
        assert!(listed.contains(&addr.as_str()), "changes lack {addr:?}");
        assert!(dependents.contains(addr), "blast radius lacks {addr:?}");
        assert!(found.contains(addr), "findings lack {addr:?}");
    }
    assert!(strings(&doc["root_causes"]).contains(&"aws_vpc.main".to_string()));
}
