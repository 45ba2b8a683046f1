//! `planguard guard -- COMMAND`: the real binary with fake `terraform`, `tofu`, `terragrunt`
//! and `aws` executables first on PATH. Each fake records its arguments in a log and prints
//! fixture plans and change sets; its apply echoes stdin and exits 7.

use crate::common::testdata;
use std::path::{Path, PathBuf};

const HARMLESS: &str = "terraform/show-json/basic-create/plan.json";
const DESTRUCTIVE: &str = "../examples/vpc-replace/plan.json";
const CONFIRM: &str = "destroy 11 resources including module.db.aws_db_instance.main";

const TF_FAKE: &str = r#"#!/bin/sh
printf '%s\n' "$(basename "$0") $*" >> "$GUARD_LOG"
case " $* " in
  *" show "*) cat "$PLAN_JSON" || exit 1; if [ -n "$PLAN_JSON2" ]; then cat "$PLAN_JSON2"; fi ;;
  *" apply "*|*" destroy "*) echo "fake apply"; if [ -z "$NO_STDIN" ]; then cat; fi; exit 7 ;;
  *) echo "fake other"; exit 3 ;;
esac
"#;

const AWS_FAKE: &str = r#"#!/bin/sh
printf '%s\n' "aws $*" >> "$GUARD_LOG"
case " $* " in
  *" execute-change-set "*) echo "fake execute"; cat; exit 7 ;;
  *" describe-change-set "*"--next-token"*) cat "$CS_PAGE2" ;;
  *" describe-change-set "*"my-nested-stack-change-set"*) cat "$CS_CHILD" ;;
  *" describe-change-set "*) cat "$CS_PAGE1" ;;
  *" get-template "*) if [ -n "$TEMPLATE" ]; then cat "$TEMPLATE"; else echo "Stack does not exist" >&2; exit 254; fi ;;
  *" deploy "*) echo "Waiting for changeset to be created.."; echo "Changeset created successfully. Run the following command to review changes:"; echo "aws cloudformation describe-change-set --change-set-name arn:aws:cloudformation:us-east-1:123456789012:changeSet/deploy-cs/1" ;;
  *" delete-stack "*) echo "fake delete"; exit 0 ;;
  *) echo "fake other"; exit 3 ;;
esac
"#;

struct Fake {
    dir: tempfile::TempDir,
}

impl Fake {
    fn new() -> Fake {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("bin");
        std::fs::create_dir_all(dir.path().join("work")).expect("work");
        for (name, body) in [
            ("terraform", TF_FAKE),
            ("tofu", TF_FAKE),
            ("terragrunt", TF_FAKE),
            ("aws", AWS_FAKE),
        ] {
            let p = bin.join(name);
            std::fs::write(&p, body).expect("write fake");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))
                    .expect("chmod");
            }
        }
        Fake { dir }
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn path_env(&self) -> String {
        format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("calls.log")
    }

    fn cmd(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("planguard").expect("binary built");
        c.current_dir(self.work())
            .env("PATH", self.path_env())
            .env("GUARD_LOG", self.log_path())
            .env("NO_COLOR", "1")
            .env("USER", "tester")
            .env_remove("TF_CLI_ARGS")
            .env_remove("TF_CLI_ARGS_apply");
        c
    }

    fn guard(&self, plan: &str, args: &[&str]) -> std::process::Output {
        self.cmd()
            .env("PLAN_JSON", testdata(plan))
            .arg("guard")
            .args(args)
            .write_stdin("typed on stdin\n")
            .output()
            .expect("runs")
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.log_path())
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn applied(&self) -> bool {
        self.calls().iter().any(|c| {
            c.contains(" apply")
                || c.contains(" destroy")
                || c.contains(" execute-change-set")
                || c.contains(" delete-stack")
        })
    }

    fn audit(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.work().join(".planguard/audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
            .collect()
    }

    fn config(&self, yaml: &str) {
        std::fs::write(self.work().join(".planguard.yaml"), yaml).expect("config");
    }
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_harmless_plan_is_applied_with_stdin_stdout_and_exit_code_passed_through() {
    let f = Fake::new();
    let o = f.guard(HARMLESS, &["--", "terraform", "apply", "tfplan"]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert_eq!(stdout(&o), "fake apply\ntyped on stdin\n");
    assert!(stderr(&o).contains("PASS"), "{}", stderr(&o));
    assert_eq!(
        f.calls(),
        vec!["terraform show -json tfplan", "terraform apply tfplan"]
    );
    let audit = f.audit();
    assert_eq!(audit.len(), 1);
    let a = &audit[0];
    assert_eq!(a["decision"], "ran");
    assert_eq!(a["verdict"], "pass");
    assert_eq!(
        a["argv"],
        serde_json::json!(["terraform", "apply", "tfplan"])
    );
    let time = a["time"].as_str().expect("time");
    assert!(
        time.len() == 20 && time.ends_with('Z') && &time[10..11] == "T",
        "{time}"
    );
    let digest = planguard::plan::hex_sha256(&std::fs::read(testdata(HARMLESS)).expect("plan"));
    assert_eq!(a["plan_sha256"], digest.as_str());
    assert!(a["cwd"].as_str().is_some_and(|c| c.ends_with("work")));
    assert_eq!(a["blocking"], serde_json::json!([]));
    assert!(a["override"].is_null());
}

#[test]
fn a_destructive_plan_is_not_applied_and_without_a_terminal_there_is_no_override() {
    let f = Fake::new();
    let o = f.guard(DESTRUCTIVE, &["--", "terraform", "apply", "tfplan"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!f.applied(), "{:?}", f.calls());
    assert_eq!(stdout(&o), "", "the wrapped command's stdout stays clean");
    let err = stderr(&o);
    assert!(err.contains("planguard: FAIL"), "{err}");
    assert!(err.contains("no terminal"), "{err}");
    assert!(err.contains("waiver in .planguard.yaml"), "{err}");
    assert!(err.contains("rule: stateful-resource-destroyed"), "{err}");
    let a = &f.audit()[0];
    assert_eq!(a["decision"], "refused");
    assert_eq!(a["verdict"], "fail");
    let blocking = a["blocking"].as_array().expect("blocking");
    assert!(blocking
        .iter()
        .any(|b| b["rule"] == "stateful-resource-destroyed"
            && b["severity"] == "critical"
            && b["address"] == "module.db.aws_db_instance.main"));
}

#[test]
fn a_waiver_lets_the_destructive_plan_through_and_fail_on_tightens() {
    let f = Fake::new();
    let digest = planguard::plan::hex_sha256(&std::fs::read(testdata(DESTRUCTIVE)).expect("plan"));
    let mut yaml = String::from("waivers:\n");
    for rule in [
        "mass-destruction",
        "stateful-resource-destroyed",
        "network-foundation-destroyed",
        "large-blast-radius",
    ] {
        yaml.push_str(&format!(
            "  - rule: {rule}\n    address: '*'\n    reason: planned migration\n    \
             approved_by: alice\n    expires: 2999-01-01\n    plan_sha256: \"{digest}\"\n"
        ));
    }
    f.config(&yaml);
    let o = f.guard(DESTRUCTIVE, &["--", "terraform", "apply", "tfplan"]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(f.applied());
    // --fail-on medium: the waived rules pass, resource-replaced (medium) now blocks.
    let f = Fake::new();
    f.config(&yaml);
    let o = f.guard(
        DESTRUCTIVE,
        &["--fail-on", "medium", "--", "terraform", "apply", "tfplan"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!f.applied());
}

/// An agent cannot relax the gate from the command line: `--fail-on critical` is ignored
/// where the config (here the default, high) is stricter, so high findings still block.
#[test]
fn fail_on_cannot_be_loosened_on_the_command_line() {
    let f = Fake::new();
    let o = f.guard(
        DESTRUCTIVE,
        &["--fail-on", "info", "--", "terraform", "apply", "tfplan"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // Only high findings remain (the critical rules are off): `--fail-on critical`, were it
    // obeyed, would let this apply run.
    let f = Fake::new();
    f.config("disable: [mass-destruction, stateful-resource-destroyed]\n");
    let o = f.guard(
        DESTRUCTIVE,
        &[
            "--fail-on",
            "critical",
            "--",
            "terraform",
            "apply",
            "tfplan",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        !f.applied(),
        "critical is looser than the default high: ignored"
    );
}

#[test]
fn chdir_is_honoured_and_tofu_and_no_dashdash_work() {
    let f = Fake::new();
    let o = f.guard(
        HARMLESS,
        &[
            "--",
            "terraform",
            "-chdir=infra/prod",
            "apply",
            "-input=false",
            "tfplan",
        ],
    );
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert_eq!(
        f.calls(),
        vec![
            "terraform -chdir=infra/prod show -json tfplan",
            "terraform -chdir=infra/prod apply -input=false tfplan"
        ]
    );
    let f = Fake::new();
    let o = f.guard(HARMLESS, &["tofu", "apply", "plan.out"]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert_eq!(
        f.calls(),
        vec!["tofu show -json plan.out", "tofu apply plan.out"]
    );
}

#[test]
fn apply_without_a_plan_and_destroy_are_refused_with_the_safe_workflow() {
    for cmd in [
        &["terraform", "apply"][..],
        &["terraform", "apply", "-auto-approve"],
        &["terraform", "apply", "-destroy", "tfplan"],
        &["terraform", "destroy", "-auto-approve"],
        &["tofu", "destroy"],
        &["terragrunt", "apply"],
        &["terragrunt", "run-all", "apply"],
        &["terragrunt", "run-all", "destroy"],
        &[
            "aws",
            "cloudformation",
            "delete-stack",
            "--stack-name",
            "app",
        ],
        &[
            "aws",
            "cloudformation",
            "update-stack",
            "--stack-name",
            "app",
        ],
        &["terraform", "state", "rm", "aws_instance.a"],
    ] {
        let f = Fake::new();
        let mut args = vec!["--"];
        args.extend_from_slice(cmd);
        let o = f.guard(HARMLESS, &args);
        assert_eq!(o.status.code(), Some(1), "{cmd:?}: {}", stderr(&o));
        assert!(f.calls().is_empty(), "{cmd:?} ran: {:?}", f.calls());
        let err = stderr(&o);
        assert!(err.contains("refused"), "{cmd:?}: {err}");
        let a = &f.audit()[0];
        assert_eq!(a["decision"], "refused", "{cmd:?}");
        assert!(a["verdict"].is_null());
    }
    let f = Fake::new();
    let o = f.guard(HARMLESS, &["--", "terraform", "apply"]);
    let err = stderr(&o);
    assert!(err.contains("terraform plan -out=tfplan"), "{err}");
    assert!(err.contains("planguard check tfplan"), "{err}");
    assert!(
        err.contains("planguard guard -- terraform apply tfplan"),
        "{err}"
    );
    assert!(err.contains("allow_apply_without_plan"), "{err}");
}

#[test]
fn config_can_allow_destroy_and_apply_without_plan() {
    let f = Fake::new();
    f.config("guard:\n  allow_destroy: true\n  allow_apply_without_plan: true\n");
    let o = f.guard(HARMLESS, &["--", "terraform", "destroy"]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    let o = f.guard(HARMLESS, &["--", "terraform", "apply"]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert_eq!(f.calls(), vec!["terraform destroy", "terraform apply"]);
    let audit = f.audit();
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|a| a["decision"] == "ran"));
}

#[test]
fn other_subcommands_pass_through_unchanged_and_unaudited() {
    let f = Fake::new();
    let o = f.guard(HARMLESS, &["--", "terraform", "plan", "-out=tfplan"]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(stdout(&o), "fake other\n");
    assert_eq!(f.calls(), vec!["terraform plan -out=tfplan"]);
    assert!(f.audit().is_empty());
    // A family left out of guard.gate is not checked at all.
    let f = Fake::new();
    f.config("guard:\n  gate: [cloudformation]\n");
    let o = f.guard(DESTRUCTIVE, &["--", "terraform", "apply", "tfplan"]);
    assert_eq!(o.status.code(), Some(7));
    assert_eq!(f.calls(), vec!["terraform apply tfplan"]);
}

#[test]
fn terragrunt_plans_are_shown_with_the_same_options() {
    let f = Fake::new();
    let o = f.guard(
        HARMLESS,
        &[
            "--",
            "terragrunt",
            "apply",
            "--terragrunt-working-dir",
            "live/app",
            "tfplan",
        ],
    );
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert_eq!(
        f.calls()[0],
        "terragrunt show -json --terragrunt-working-dir live/app tfplan"
    );
    // run-all: one plan per module, all checked.
    let f = Fake::new();
    let o = f
        .cmd()
        .env("PLAN_JSON", testdata(HARMLESS))
        .env("PLAN_JSON2", testdata(DESTRUCTIVE))
        .args(["guard", "--", "terragrunt", "run-all", "apply", "tfplan"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(f.calls(), vec!["terragrunt run-all show -json tfplan"]);
    assert_eq!(f.audit()[0]["inputs"].as_array().map(Vec::len), Some(2));
}

fn cfn(rel: &str) -> PathBuf {
    testdata(&format!("cloudformation/changesets/{rel}"))
}

/// Split a change set fixture into two pages joined by a NextToken.
fn pages(dir: &Path, rel: &str) -> (PathBuf, PathBuf) {
    let text = std::fs::read_to_string(cfn(rel)).expect("fixture");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let changes = v["Changes"].as_array().expect("changes").clone();
    assert!(changes.len() >= 2);
    let mut p1 = v.clone();
    p1["Changes"] = serde_json::Value::Array(changes[..1].to_vec());
    p1["NextToken"] = "page-2-token".into();
    let mut p2 = v.clone();
    p2["Changes"] = serde_json::Value::Array(changes[1..].to_vec());
    let (a, b) = (dir.join("page1.json"), dir.join("page2.json"));
    std::fs::write(&a, p1.to_string()).expect("write");
    std::fs::write(&b, p2.to_string()).expect("write");
    (a, b)
}

fn get_template_output(dir: &Path, rel: &str) -> PathBuf {
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cfn(rel)).expect("template")).expect("json");
    let p = dir.join("get-template.json");
    std::fs::write(&p, serde_json::json!({ "TemplateBody": t }).to_string()).expect("write");
    p
}

#[test]
fn a_paged_change_set_is_described_page_by_page_then_executed() {
    let f = Fake::new();
    let (p1, p2) = pages(f.dir.path(), "awsdocs-samples--add-remove.json");
    let tpl = get_template_output(
        f.dir.path(),
        "awsdocs-samples--add-remove.template.before.json",
    );
    let o = f
        .cmd()
        .env("CS_PAGE1", &p1)
        .env("CS_PAGE2", &p2)
        .env("TEMPLATE", &tpl)
        .args([
            "guard",
            "--",
            "aws",
            "--region",
            "us-east-1",
            "cloudformation",
            "execute-change-set",
            "--change-set-name",
            "cs1",
            "--stack-name",
            "SampleStack",
        ])
        .write_stdin("in\n")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert_eq!(stdout(&o), "fake execute\nin\n");
    let calls = f.calls();
    assert_eq!(
        calls,
        vec![
            "aws --region us-east-1 cloudformation describe-change-set --change-set-name cs1 --stack-name SampleStack --include-property-values --output json",
            "aws --region us-east-1 cloudformation describe-change-set --change-set-name cs1 --stack-name SampleStack --include-property-values --output json --next-token page-2-token",
            "aws --region us-east-1 cloudformation get-template --stack-name arn:aws:cloudformation:us-east-1:123456789012:stack/SampleStack/1a2345b6-0000-00a0-a123-00abc0abc000 --template-stage Original --output json",
            "aws --region us-east-1 cloudformation execute-change-set --change-set-name cs1 --stack-name SampleStack",
        ]
    );
    assert_eq!(f.audit()[0]["inputs"].as_array().map(Vec::len), Some(2));
}

#[test]
fn nested_change_sets_are_described_and_a_failing_change_set_is_not_executed() {
    let f = Fake::new();
    let o = f
        .cmd()
        .env("CS_PAGE1", cfn("awsdocs-nested--root.json"))
        .env("CS_CHILD", cfn("awsdocs-nested--child.json"))
        .args([
            "guard",
            "--",
            "aws",
            "cloudformation",
            "execute-change-set",
            "--change-set-name",
            "my-root-stack-change-set",
            "--stack-name",
            "my-root-stack",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    let calls = f.calls();
    assert!(
        calls.iter().any(|c| c.contains("describe-change-set --change-set-name arn:aws:cloudformation:us-west-2:123456789012:changeSet/my-nested-stack-change-set/")),
        "{calls:?}"
    );
    // get-template fails (stack being created): the check goes on, the note says so.
    assert!(
        stderr(&o).contains("no deployed template"),
        "{}",
        stderr(&o)
    );

    // A replacement judged at fail_on low blocks.
    let f = Fake::new();
    let o = f
        .cmd()
        .env("CS_PAGE1", cfn("awsdocs-samples--replacement-multi.json"))
        .args([
            "guard",
            "--fail-on",
            "low",
            "--",
            "aws",
            "cloudformation",
            "execute-change-set",
            "--change-set-name",
            "cs",
            "--stack-name",
            "SampleStack",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!f.applied(), "{:?}", f.calls());
}

#[test]
fn deploy_creates_the_change_set_without_executing_then_checks_and_executes_it() {
    let f = Fake::new();
    let o = f
        .cmd()
        .env("CS_PAGE1", cfn("awsdocs-samples--direct-edit.json"))
        .args([
            "guard",
            "--",
            "aws",
            "cloudformation",
            "deploy",
            "--stack-name",
            "SampleStack",
            "--template-file",
            "template.yaml",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    let calls = f.calls();
    assert_eq!(
        calls[0],
        "aws cloudformation deploy --stack-name SampleStack --template-file template.yaml --no-execute-changeset"
    );
    assert!(calls[1].contains("describe-change-set --change-set-name arn:aws:cloudformation:us-east-1:123456789012:changeSet/deploy-cs/1"), "{calls:?}");
    assert_eq!(
        calls.last().map(String::as_str),
        Some("aws cloudformation execute-change-set --change-set-name arn:aws:cloudformation:us-east-1:123456789012:changeSet/deploy-cs/1")
    );
    let a = &f.audit()[0];
    assert_eq!(a["argv"][2], "deploy");
    assert_eq!(a["executed"][2], "execute-change-set");
    assert!(
        !stdout(&o).contains("Waiting for changeset"),
        "deploy output goes to stderr"
    );
}

#[test]
fn a_plan_that_cannot_be_shown_is_not_applied() {
    let f = Fake::new();
    let o = f.guard(
        "does/not/exist.json",
        &["--", "terraform", "apply", "tfplan"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("show -json tfplan"), "{}", stderr(&o));
    assert!(!f.applied(), "{:?}", f.calls());
}

#[test]
fn an_unwritable_audit_log_stops_the_apply() {
    let f = Fake::new();
    std::fs::write(f.work().join("not-a-dir"), "x").expect("file");
    f.config("guard:\n  audit_log: not-a-dir/audit.jsonl\n");
    let o = f.guard(HARMLESS, &["--", "terraform", "apply", "tfplan"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("audit log"), "{}", stderr(&o));
    assert_eq!(f.calls(), vec!["terraform show -json tfplan"]);
}

#[test]
fn a_configured_audit_log_path_is_relative_to_the_config_file() {
    let f = Fake::new();
    f.config("guard:\n  audit_log: logs/guard.jsonl\n");
    std::fs::create_dir_all(f.work().join("sub")).expect("sub");
    let o = f
        .cmd()
        .current_dir(f.work().join("sub"))
        .env("PLAN_JSON", testdata(HARMLESS))
        .args(["guard", "--", "terraform", "apply", "tfplan"])
        .write_stdin("")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    let text = std::fs::read_to_string(f.work().join("logs/guard.jsonl")).expect("log");
    assert_eq!(text.lines().count(), 1);
}

#[test]
fn a_bad_guard_config_is_an_error_and_runs_nothing() {
    let f = Fake::new();
    f.config("guard:\n  allow_destroyy: true\n");
    let o = f.guard(HARMLESS, &["--", "terraform", "destroy"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(f.calls().is_empty());
}

#[test]
fn json_format_writes_the_report_to_stderr() {
    let f = Fake::new();
    let o = f.guard(
        DESTRUCTIVE,
        &["--format", "json", "--", "terraform", "apply", "tfplan"],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let start = err.find('{').expect("json");
    let mut it = serde_json::Deserializer::from_str(&err[start..]).into_iter::<serde_json::Value>();
    let v = it.next().expect("doc").expect("valid json");
    assert_eq!(v["verdict"], "fail");
}

fn script_available() -> bool {
    std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Run the guard inside a pseudo-terminal (`script` from util-linux), typing `typed`.
fn guard_in_pty(f: &Fake, typed: &str) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("planguard");
    let inner = format!("{} guard -- terraform apply tfplan", bin.display());
    std::process::Command::new("script")
        .args(["-qec", &inner, "/dev/null"])
        .current_dir(f.work())
        .env("PATH", f.path_env())
        .env("GUARD_LOG", f.log_path())
        .env("PLAN_JSON", testdata(DESTRUCTIVE))
        .env("NO_STDIN", "1")
        .env("NO_COLOR", "1")
        .env("USER", "tester")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            if let Some(mut s) = c.stdin.take() {
                s.write_all(typed.as_bytes())?;
            }
            c.wait_with_output()
        })
        .expect("script runs")
}

#[test]
fn at_a_terminal_the_exact_confirmation_overrides_and_is_audited() {
    if !script_available() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let f = Fake::new();
    let o = guard_in_pty(&f, &format!("{CONFIRM}\n"));
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(7), "{out}");
    assert!(out.contains(CONFIRM), "{out}");
    assert!(out.contains("fake apply"), "{out}");
    assert!(f.applied());
    let a = &f.audit()[0];
    assert_eq!(a["decision"], "overridden");
    assert_eq!(a["override"]["user"], "tester");
    assert_eq!(a["override"]["via"], "terminal");
}

#[test]
fn at_a_terminal_a_wrong_confirmation_aborts() {
    if !script_available() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let f = Fake::new();
    let o = guard_in_pty(&f, "yes\n");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("aborted"), "{out}");
    assert!(!f.applied(), "{:?}", f.calls());
    assert_eq!(f.audit()[0]["decision"], "refused");
    // With allow_terminal_override: false, even the right words do not help.
    let f = Fake::new();
    f.config("guard:\n  allow_terminal_override: false\n");
    let o = guard_in_pty(&f, &format!("{CONFIRM}\n"));
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(!f.applied());
}
