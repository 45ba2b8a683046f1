//! Secret redaction: plant a unique marker in every value a plan marks sensitive, render
//! every format, and assert no marker appears anywhere.

use crate::common::testdata;
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
