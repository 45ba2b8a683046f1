//! Secret redaction: plant a unique marker in every value a plan marks sensitive, render
//! every format, and assert no marker appears anywhere.

use crate::common::testdata;
use planguard::plan::Source;
use planguard::policy::{evaluate, Policy};
use planguard::report::{render, Format, Report, TextOptions};
use serde_json::Value;

/// Replace every leaf of `value` where `sensitive` is `true` with a fresh marker.
fn plant(value: &mut Value, sensitive: &Value, n: &mut usize, markers: &mut Vec<String>) {
    match (value, sensitive) {
        (v, Value::Bool(true)) => {
            *n += 1;
            let m = format!("PLANGUARD-SECRET-MARKER-{n}");
            markers.push(m.clone());
            *v = Value::String(m);
        }
        (Value::Object(vo), Value::Object(so)) => {
            for (k, s) in so {
                if let Some(v) = vo.get_mut(k) {
                    plant(v, s, n, markers);
                }
            }
        }
        (Value::Array(va), Value::Array(sa)) => {
            for (v, s) in va.iter_mut().zip(sa) {
                plant(v, s, n, markers);
            }
        }
        _ => {}
    }
}

fn plant_plan(plan: &mut Value, markers: &mut Vec<String>) {
    let mut n = 0;
    for list in ["resource_changes", "resource_drift"] {
        if let Some(Value::Array(changes)) = plan.get_mut(list) {
            for rc in changes {
                let Some(change) = rc.get_mut("change") else {
                    continue;
                };
                for (val, sens) in [("before", "before_sensitive"), ("after", "after_sensitive")] {
                    let s = change.get(sens).cloned().unwrap_or(Value::Null);
                    if let Some(v) = change.get_mut(val) {
                        plant(v, &s, &mut n, markers);
                    }
                }
            }
        }
    }
    if let Some(Value::Object(outputs)) = plan.get_mut("output_changes") {
        for (_, change) in outputs.iter_mut() {
            if change.get("after_sensitive") == Some(&Value::Bool(true))
                || change.get("before_sensitive") == Some(&Value::Bool(true))
            {
                for side in ["before", "after"] {
                    if let Some(v) = change.get_mut(side) {
                        n += 1;
                        let m = format!("PLANGUARD-SECRET-MARKER-{n}");
                        markers.push(m.clone());
                        *v = Value::String(m);
                    }
                }
            }
        }
    }
}

fn json_fixtures(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            json_fixtures(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

#[test]
fn no_sensitive_value_reaches_any_report() {
    let mut files = Vec::new();
    json_fixtures(&testdata("terraform"), &mut files);
    files.push(std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/vpc-replace/plan.json"
    )));
    files.sort();
    let policy = Policy::builtin().expect("rules");
    let mut planted_total = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        let Ok(mut plan) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let mut markers = Vec::new();
        plant_plan(&mut plan, &mut markers);
        if markers.is_empty() {
            continue;
        }
        planted_total += markers.len();
        let src = planguard::plan::Source::from_text("planted.json", plan.to_string());
        let Ok(analysis) = planguard::analyze(&[src], &[]) else {
            continue;
        };
        let evaluation = evaluate(&analysis, &policy);
        let report = Report {
            analysis: &analysis,
            evaluation: &evaluation,
        };
        for format in [Format::Text, Format::Json] {
            let out = render(
                &report,
                format,
                TextOptions {
                    color: true,
                    max_items: 1000,
                },
            );
            for m in &markers {
                assert!(
                    !out.contains(m),
                    "{}: {m} leaked in {format:?}",
                    f.display()
                );
            }
        }
    }
    assert!(
        planted_total > 20,
        "markers planted in only {planted_total} places"
    );
}

#[test]
fn the_example_database_password_never_appears() {
    let out = crate::common::planguard()
        .args([
            "check",
            "--no-config",
            "--format",
            "json",
            "examples/vpc-replace/plan.json",
        ])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("hunter2"));
    let out = crate::common::planguard()
        .args(["check", "--no-config", "examples/vpc-replace/plan.json"])
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("hunter2"));
}

// ---------------------------------------------------------------------------------------
// CloudFormation: NoEcho parameters, dynamic references, property values in change sets
// ---------------------------------------------------------------------------------------

struct Planter {
    n: usize,
    markers: Vec<String>,
}

impl Planter {
    /// A fresh marker, wrapped the way CloudFormation secrets appear.
    fn marker(&mut self) -> String {
        self.n += 1;
        let m = format!("PLANGUARD-CFN-SECRET-{}", self.n);
        self.markers.push(m.clone());
        match self.n % 3 {
            0 => format!("{{{{resolve:secretsmanager:{m}:SecretString:password}}}}"),
            1 => format!("{{{{resolve:ssm-secure:{m}}}}}"),
            _ => m,
        }
    }

    /// Plant markers in every string leaf of a template's property values that is not an
    /// intrinsic function argument (those are names, not values).
    fn values(&mut self, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.marker(),
            Value::Array(a) => a.iter_mut().for_each(|x| self.values(x)),
            Value::Object(o) => {
                let intrinsic = o.len() == 1
                    && o.keys()
                        .any(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::"));
                if !intrinsic {
                    o.values_mut().for_each(|x| self.values(x));
                }
            }
            _ => {}
        }
    }

    fn template(&mut self, t: &mut Value) {
        if let Some(Value::Object(params)) = t.get_mut("Parameters") {
            for p in params.values_mut() {
                if let Value::Object(p) = p {
                    p.insert("NoEcho".into(), Value::Bool(true));
                    let m = self.marker();
                    p.insert("Default".into(), Value::String(m));
                }
            }
        }
        if let Some(Value::Object(resources)) = t.get_mut("Resources") {
            for r in resources.values_mut() {
                if let Some(props) = r.get_mut("Properties") {
                    self.values(props);
                }
            }
        }
    }

    fn change_set(&mut self, cs: &mut Value) {
        let params: Vec<Value> = (0..3)
            .map(|i| {
                serde_json::json!({"ParameterKey": format!("Secret{i}"), "ParameterValue": self.marker()})
            })
            .collect();
        if let Value::Object(o) = cs {
            o.insert("Parameters".into(), Value::Array(params));
        }
        let Some(Value::Array(changes)) = cs.get_mut("Changes") else {
            return;
        };
        for c in changes {
            let Some(Value::Object(rc)) = c.get_mut("ResourceChange") else {
                continue;
            };
            for ctx in ["BeforeContext", "AfterContext"] {
                let props = serde_json::json!({"Properties": {"Password": self.marker(), "Nested": {"Token": self.marker()}}});
                rc.insert(ctx.into(), Value::String(props.to_string()));
            }
            if let Some(Value::Array(details)) = rc.get_mut("Details") {
                for d in details {
                    if let Some(Value::Object(t)) = d.get_mut("Target") {
                        t.insert("BeforeValue".into(), Value::String(self.marker()));
                        t.insert("AfterValue".into(), Value::String(self.marker()));
                    }
                }
            }
        }
    }
}

fn render_all(analysis: &planguard::Analysis, policy: &Policy) -> Vec<(String, String)> {
    let evaluation = evaluate(analysis, policy);
    let report = Report {
        analysis,
        evaluation: &evaluation,
    };
    crate::common::ALL_FORMATS
        .iter()
        .map(|f| {
            let out = render(
                &report,
                *f,
                TextOptions {
                    color: false,
                    max_items: 1000,
                },
            );
            (crate::common::format_name(*f).to_string(), out)
        })
        .collect()
}

fn assert_no_marker(what: &str, outputs: &[(String, String)], markers: &[String]) {
    for (format, out) in outputs {
        for m in markers {
            assert!(!out.contains(m), "{what}: {m} leaked in {format}");
        }
        assert!(
            !out.contains("PLANGUARD-CFN-SECRET"),
            "{what}: a marker leaked in {format}"
        );
    }
}

#[test]
fn no_cloudformation_secret_reaches_any_report() {
    let policy = Policy::builtin().expect("rules");
    let mut files = Vec::new();
    walk_all(&testdata("cloudformation"), &mut files);
    files.sort();
    let (mut change_sets, mut templates, mut planted) = (0, 0, 0);
    let mut template_values: Vec<(std::path::PathBuf, Value, Value, Vec<String>)> = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        let parsed: Option<Value> = if text.trim_start().starts_with('{') {
            serde_json::from_str(&text).ok()
        } else {
            // YAML templates with short tags do not map onto JSON values; skip those.
            serde_yaml::from_str(&text).ok()
        };
        let Some(original) = parsed else {
            continue;
        };
        let mut v = original.clone();
        let mut p = Planter {
            n: 0,
            markers: Vec::new(),
        };
        let is_change_set = v.get("Changes").is_some() || v.get("ChangeSetId").is_some();
        let is_template = v.get("Resources").is_some();
        if is_change_set {
            p.change_set(&mut v);
        } else if is_template {
            p.template(&mut v);
        } else {
            continue;
        }
        if p.markers.is_empty() {
            continue;
        }
        planted += p.markers.len();
        let what = f.display().to_string();
        if is_change_set {
            // JSON and YAML forms, each analysed with its planted template when one exists.
            for (name, body) in [
                ("planted.json", v.to_string()),
                ("planted.yaml", serde_yaml::to_string(&v).expect("yaml")),
            ] {
                let src = Source::from_text(name, body);
                if let Ok(a) = planguard::analyze(&[src], &[]) {
                    assert_no_marker(&what, &render_all(&a, &policy), &p.markers);
                    change_sets += 1;
                }
            }
        } else {
            let src = Source::from_text("planted-template.json", v.to_string());
            let before = Source::from_text("before.json", original.to_string());
            for (b, a) in [(&before, &src), (&src, &before)] {
                if let Ok(analysis) = planguard::analyze_template_diff(b, a) {
                    assert_no_marker(&what, &render_all(&analysis, &policy), &p.markers);
                    templates += 1;
                }
            }
            template_values.push((f.clone(), original, v, p.markers.clone()));
        }
    }
    // Change sets analysed with a planted template beside them (`--template`).
    for (f, _, planted_template, markers) in template_values.iter().take(40) {
        let t = Source::from_text("t.json", planted_template.to_string());
        let cs = Source::from_text(
            "cs.json",
            r#"{"ChangeSetId":"c","Status":"CREATE_COMPLETE","Changes":[]}"#,
        );
        if let Ok(a) = planguard::analyze(&[cs], &[t]) {
            assert_no_marker(&f.display().to_string(), &render_all(&a, &policy), markers);
        }
    }
    assert!(change_sets > 400, "only {change_sets} change sets checked");
    assert!(templates > 30, "only {templates} template diffs checked");
    assert!(planted > 5000, "only {planted} markers planted");
}

fn walk_all(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            walk_all(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
        {
            out.push(p);
        }
    }
}

/// Through the binary, every format, with a template found beside the change set: no marker
/// on stdout or stderr.
#[test]
fn no_cloudformation_secret_reaches_the_binary_output() {
    let dir = tempfile::tempdir().expect("tmp");
    let cs_text = std::fs::read_to_string(testdata(
        "cloudformation/changesets/awsdocs-samples--replacement-multi.json",
    ))
    .expect("read");
    let t_text = std::fs::read_to_string(testdata(
        "cloudformation/changesets/awsdocs-samples--replacement-multi.template.before.json",
    ))
    .expect("read");
    let mut p = Planter {
        n: 0,
        markers: Vec::new(),
    };
    let mut cs: Value = serde_json::from_str(&cs_text).expect("json");
    let mut t: Value = serde_json::from_str(&t_text).expect("json");
    let original_t = t.clone();
    p.change_set(&mut cs);
    p.template(&mut t);
    std::fs::write(dir.path().join("cs.json"), cs.to_string()).expect("write");
    std::fs::write(dir.path().join("cs.template.json"), t.to_string()).expect("write");
    std::fs::write(dir.path().join("old.json"), original_t.to_string()).expect("write");
    for format in crate::common::ALL_FORMATS {
        let name = crate::common::format_name(*format);
        for args in [
            vec!["check", "cs.json"],
            vec!["diff", "old.json", "cs.template.json"],
            vec!["diff", "cs.template.json", "old.json"],
        ] {
            let out = crate::common::planguard()
                .current_dir(dir.path())
                .args(&args)
                .args(["--no-config", "--format", name])
                .output()
                .expect("runs");
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            for m in &p.markers {
                assert!(!all.contains(m), "{args:?} {name}: {m} leaked");
            }
        }
    }
    assert!(p.markers.len() > 10);
}

/// A diagnostic about a broken plan names file, line and column but never quotes the input:
/// the line next to the error may hold a secret, and stderr ends up in CI logs.
#[test]
fn diagnostics_never_quote_plan_values() {
    let dir = tempfile::tempdir().expect("tmp");
    let secret = "PLANGUARD-DIAGNOSTIC-SECRET";
    let cases = [
        (
            "truncated.json",
            format!("{{\n  \"format_version\": \"1.2\",\n  \"resource_changes\": [\n    {{\"address\": \"aws_db_instance.a\", \"change\": {{\"before\": {{\"password\": \"{secret}\"")
        ),
        (
            "wrong-type.json",
            format!("{{\"format_version\": \"1.2\", \"resource_changes\": [{{\"address\": \"a.b\", \"type\": \"a\", \"change\": {{\"actions\": \"{secret}\"}}}}]}}")
        ),
        (
            "bad-syntax.json",
            format!("{{\n  \"format_version\": \"1.2\",\n  \"variables\": {{\"db_password\": {{\"value\": \"{secret}\"}}}} oops\n}}")
        ),
    ];
    for (name, body) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, body).expect("write");
        let out = crate::common::planguard()
            .args(["check", "--no-config"])
            .arg(&p)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains(secret), "{name} leaked: {err}");
        assert!(
            err.contains(&format!("{}:", p.display())),
            "{name} names the file: {err}"
        );
    }
}
