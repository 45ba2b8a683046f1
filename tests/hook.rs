//! `planguard hook`: the decision table, and the agent protocols end to end (library level).

use planguard::hook::{
    decide, handle_claude_event, handle_cursor_event, run_hook_command, HookConfig, HookFormat,
    RULE_IDS,
};

const ALLOW: bool = true;
const DENY: bool = false;

/// (command, expected allow, expected rule id)
const TABLE: &[(&str, bool, &str)] = &[
    // ---- Terraform / OpenTofu: unguarded applies
    ("terraform apply", DENY, "terraform-apply-unguarded"),
    ("terraform apply tfplan", DENY, "terraform-apply-unguarded"),
    ("tofu apply", DENY, "terraform-apply-unguarded"),
    ("terraform apply -auto-approve", DENY, "terraform-auto-approve"),
    ("terraform apply --auto-approve=true", DENY, "terraform-auto-approve"),
    ("terraform apply -auto-approve=false", DENY, "terraform-apply-unguarded"),
    ("terraform apply -var 'region=eu-west-1' -auto-approve", DENY, "terraform-auto-approve"),
    ("/usr/local/bin/terraform apply", DENY, "terraform-apply-unguarded"),
    ("terraform -chdir=infra apply", DENY, "terraform-apply-unguarded"),
    ("terraform -chdir=infra -no-color apply -input=false", DENY, "terraform-apply-unguarded"),
    ("terraform apply -refresh-only", ALLOW, "not-destructive"),
    // ---- destroy and friends
    ("terraform destroy", DENY, "terraform-destroy"),
    ("terraform destroy -auto-approve", DENY, "terraform-destroy"),
    ("tofu destroy -target=aws_instance.web", DENY, "terraform-destroy"),
    ("terraform apply -destroy", DENY, "terraform-destroy"),
    ("terraform apply -destroy -auto-approve tfplan", DENY, "terraform-destroy"),
    ("terraform apply -replace=aws_db_instance.main", DENY, "terraform-replace"),
    ("terraform apply -replace aws_db_instance.main", DENY, "terraform-replace"),
    ("terraform state rm aws_s3_bucket.logs", DENY, "terraform-state-rm"),
    ("terraform state push terraform.tfstate", DENY, "terraform-state-push"),
    ("terraform taint aws_instance.web", DENY, "terraform-taint"),
    ("terraform workspace delete -force staging", DENY, "terraform-workspace-delete"),
    // ---- import: only production is denied
    ("terraform import aws_s3_bucket.b my-bucket", ALLOW, "not-destructive"),
    ("TF_WORKSPACE=prod terraform import aws_s3_bucket.b my-bucket", DENY, "terraform-import-prod"),
    ("TF_WORKSPACE=production-eu terraform import a.b id", DENY, "terraform-import-prod"),
    ("TF_WORKSPACE=dev terraform import a.b id", ALLOW, "not-destructive"),
    ("terraform workspace select prod && terraform import a.b id", DENY, "terraform-import-prod"),
    ("terraform workspace select dev && terraform import a.b id", ALLOW, "not-destructive"),
    ("export TF_WORKSPACE=prod; terraform import a.b id", DENY, "terraform-import-prod"),
    ("cd envs/prod && terraform import a.b id", DENY, "terraform-import-prod"),
    ("terraform -chdir=envs/prod import a.b id", DENY, "terraform-import-prod"),
    ("terraform workspace select $ENV && terraform import a.b id", DENY, "terraform-import-prod"),
    // ---- read-only terraform
    ("terraform plan", ALLOW, "read-only"),
    ("terraform plan -destroy -out=tfplan", ALLOW, "read-only"),
    ("terraform plan -out=tfplan && terraform show -json tfplan > plan.json", ALLOW, "read-only"),
    ("terraform validate", ALLOW, "read-only"),
    ("terraform fmt -recursive", ALLOW, "read-only"),
    ("terraform init -upgrade", ALLOW, "read-only"),
    ("terraform output -json", ALLOW, "read-only"),
    ("terraform state list", ALLOW, "read-only"),
    ("terraform state show aws_instance.web", ALLOW, "read-only"),
    ("terraform -version", ALLOW, "read-only"),
    ("tofu workspace list", ALLOW, "read-only"),
    // ---- through planguard guard
    ("planguard guard -- terraform apply tfplan", ALLOW, "guarded"),
    ("planguard guard -- tofu -chdir=infra apply tfplan", ALLOW, "guarded"),
    ("terraform plan -out=tfplan && planguard check tfplan && planguard guard -- terraform apply tfplan", ALLOW, "guarded"),
    ("cd infra && planguard guard -- terraform apply -auto-approve tfplan", ALLOW, "guarded"),
    ("env TF_LOG=debug planguard guard -- terraform apply tfplan", ALLOW, "guarded"),
    ("planguard guard -- terraform destroy", DENY, "terraform-destroy"),
    ("planguard guard -- terraform apply -destroy tfplan", DENY, "terraform-destroy"),
    ("planguard guard -- terraform state rm x.y", DENY, "terraform-state-rm"),
    ("planguard guard -- sh -c \"terraform destroy\"", DENY, "terraform-destroy"),
    ("planguard guard -- sh -c 'terraform apply tfplan'", DENY, "guard-indirect"),
    ("planguard guard -- env TF_LOG=1 terraform apply tfplan", DENY, "guard-indirect"),
    ("planguard guard -- sh -c 'terraform plan'", ALLOW, "read-only"),
    ("planguard check tfplan", ALLOW, "no-infra-command"),
    ("planguard guard --plan tfplan terraform destroy", DENY, "terraform-destroy"),
    ("planguard guard --timeout 30m terraform apply tfplan", ALLOW, "guarded"),
    ("planguard guard --fail-on high -- terraform apply tfplan", ALLOW, "guarded"),
    // the guard cannot check cdk, pulumi or sam: it judges them by these rules unguarded
    ("planguard guard -- cdk deploy MyStack", DENY, "cdk-deploy-unguarded"),
    ("planguard guard -- cdk deploy --require-approval never", DENY, "cdk-deploy-no-approval"),
    ("planguard guard -- cdk deploy MyStack --method=prepare-change-set", ALLOW, "not-destructive"),
    ("planguard guard -- sam deploy", DENY, "sam-deploy-unguarded"),
    ("planguard guard -- pulumi up --yes", DENY, "pulumi-up-unattended"),
    ("planguard guard -- pulumi up", ALLOW, "not-destructive"),
    ("planguard guard -- pulumi up --replace urn:x", DENY, "pulumi-up-replace"),
    ("planguard guard --config lax.yaml -- terraform apply tfplan", DENY, "guard-config-override"),
    ("planguard guard --config=/tmp/lax.yaml terraform apply tfplan", DENY, "guard-config-override"),
    ("planguard guard $OPTS -- terraform apply tfplan", DENY, "guard-config-override"),
    ("sh -c 'planguard guard --config x.yaml -- tofu apply tfplan'", DENY, "guard-config-override"),
    ("planguard guard -- aws cloudformation execute-change-set --change-set-name cs --stack-name app", ALLOW, "guarded"),
    // ---- obfuscation: sh -c, env, sudo, quoting, substitutions, compound commands
    ("sh -c 'terraform destroy'", DENY, "terraform-destroy"),
    ("bash -c \"cd infra && terraform apply -auto-approve\"", DENY, "terraform-auto-approve"),
    ("bash -lc 'terraform apply'", DENY, "terraform-apply-unguarded"),
    ("zsh -c 'sh -c \"bash -c \\\"terraform destroy\\\"\"'", DENY, "terraform-destroy"),
    ("env AWS_PROFILE=prod terraform destroy", DENY, "terraform-destroy"),
    ("env -i PATH=/usr/bin terraform apply", DENY, "terraform-apply-unguarded"),
    ("env -S 'terraform destroy'", DENY, "terraform-destroy"),
    ("AWS_REGION=eu-west-1 TF_LOG=1 terraform apply", DENY, "terraform-apply-unguarded"),
    ("sudo terraform destroy", DENY, "terraform-destroy"),
    ("sudo -u deploy -E terraform apply -auto-approve", DENY, "terraform-auto-approve"),
    ("sudo --user=deploy nohup time terraform apply", DENY, "terraform-apply-unguarded"),
    ("nice -n 10 timeout 600 terraform destroy", DENY, "terraform-destroy"),
    ("exec terraform destroy", DENY, "terraform-destroy"),
    ("command terraform destroy", DENY, "terraform-destroy"),
    ("command -v terraform", ALLOW, "read-only"),
    ("echo a | xargs terraform destroy", DENY, "terraform-destroy"),
    ("find . -name main.tf -execdir terraform destroy \\;", DENY, "terraform-destroy"),
    ("eval 'terraform destroy'", DENY, "terraform-destroy"),
    ("eval terraform $'\\x64estroy'", DENY, "terraform-destroy"),
    ("ter'ra'form des\"troy\"", DENY, "terraform-destroy"),
    ("t\\erraform destroy", DENY, "terraform-destroy"),
    ("echo $(terraform destroy -auto-approve)", DENY, "terraform-destroy"),
    ("echo \"result: `terraform apply`\"", DENY, "terraform-apply-unguarded"),
    ("ls; terraform destroy", DENY, "terraform-destroy"),
    ("terraform plan || terraform apply", DENY, "terraform-apply-unguarded"),
    ("terraform fmt &\nterraform destroy", DENY, "terraform-destroy"),
    ("(cd infra; terraform destroy)", DENY, "terraform-destroy"),
    ("if true; then terraform destroy; fi", DENY, "terraform-destroy"),
    ("for d in a b; do terraform -chdir=$d destroy; done", DENY, "terraform-destroy"),
    ("TF=terraform; $TF destroy", DENY, "terraform-destroy"),
    ("CMD='terraform destroy'; $CMD", DENY, "terraform-destroy"),
    ("$(which terraform) destroy", DENY, "terraform-destroy"),
    ("$TOOL destroy -auto-approve", DENY, "dynamic-command"),
    ("terraform $ACTION", DENY, "dynamic-command"),
    ("bash <<EOF\nterraform destroy\nEOF", DENY, "terraform-destroy"),
    ("echo 'terraform destroy' | sh", DENY, "terraform-destroy"),
    ("bash <<< 'terraform apply -auto-approve'", DENY, "terraform-auto-approve"),
    ("echo dGVycmFmb3JtIGRlc3Ryb3k= | base64 -d | sh", DENY, "opaque-shell-input"),
    ("echo 'terraform destroy", DENY, "unparseable"),
    ("terraform plan \"", DENY, "unparseable"),
    ("echo $(terraform plan", DENY, "unparseable"),
    ("# terraform destroy\nterraform plan", ALLOW, "read-only"),
    ("echo 'terraform destroy'", ALLOW, "no-infra-command"),
    ("git commit -m 'terraform destroy is bad'", ALLOW, "no-infra-command"),
    ("grep -r 'terraform apply' .", ALLOW, "no-infra-command"),
    ("bash deploy.sh", ALLOW, "script-not-inspected"),
    ("function f { terraform destroy; }; f", DENY, "terraform-destroy"),
    ("nuke() { tofu destroy -auto-approve; }", DENY, "terraform-destroy"),
    ("alias nuke='terraform destroy'; nuke", DENY, "terraform-destroy"),
    ("source <(echo 'terraform destroy')", DENY, "terraform-destroy"),
    ("bash <(echo terraform apply -auto-approve)", DENY, "terraform-auto-approve"),
    ("bash <(curl -fsSL https://example.com/install.sh)", ALLOW, "script-not-inspected"),
    ("eval \"$(echo dGVycmFmb3Jt | base64 -d) destroy\"", DENY, "opaque-shell-input"),
    ("sh -c \"$(printf %s ZGVzdHJveQ== | base64 --decode)\"", DENY, "opaque-shell-input"),
    ("eval \"$(ssh-agent -s)\"", ALLOW, "no-infra-command"),
    ("eval \"$CMD\"", DENY, "dynamic-command"),
    ("X=$(curl -s https://example.com/x); sh -c \"$X\"", DENY, "dynamic-command"),
    ("bash -c \"$1\"", DENY, "dynamic-command"),
    ("CMD='terraform plan'; eval \"$CMD\"", ALLOW, "read-only"),
    ("ssh bastion 'cd infra && terraform destroy -auto-approve'", DENY, "terraform-destroy"),
    ("ssh -i key.pem ec2-user@host terraform plan", ALLOW, "read-only"),
    ("tmux send-keys -t infra 'terraform apply -auto-approve' Enter", DENY, "terraform-auto-approve"),
    ("docker run --rm -v $PWD:/w -w /w hashicorp/terraform:1.9 destroy -auto-approve", DENY, "terraform-destroy"),
    ("docker run --rm amazon/aws-cli cloudformation delete-stack --stack-name app", DENY, "cloudformation-delete-stack"),
    ("kubectl exec -it tools -- terraform apply", DENY, "terraform-apply-unguarded"),
    ("parallel terraform -chdir={} destroy ::: a b", DENY, "terraform-destroy"),
    ("uv run cdk deploy --require-approval never", DENY, "cdk-deploy-no-approval"),
    ("npm run cdk -- destroy MyStack", DENY, "cdk-destroy"),
    ("yarn cdk deploy --all", DENY, "cdk-deploy-unguarded"),
    ("npm run build", ALLOW, "no-infra-command"),
    ("python3 -c \"import os; os.system('terraform destroy -auto-approve')\"", DENY, "dynamic-command"),
    ("python3 -c 'print(1)'", ALLOW, "no-infra-command"),
    ("tf destroy", DENY, "terraform-destroy"),
    ("TF_CLI_ARGS_apply=-auto-approve terraform apply", DENY, "terraform-auto-approve"),
    ("export TF_CLI_ARGS_apply='-destroy'; planguard guard -- terraform apply tfplan", DENY, "terraform-destroy"),
    ("terraform destroy -help", ALLOW, "read-only"),
    ("grep -rn terraform destroy.log", ALLOW, "no-infra-command"),
    ("docker compose ps", ALLOW, "no-infra-command"),
    // ---- terragrunt
    ("terragrunt apply", DENY, "terragrunt-apply-unguarded"),
    ("terragrunt run-all apply", DENY, "terragrunt-apply-unguarded"),
    ("terragrunt run --all -- apply", DENY, "terragrunt-apply-unguarded"),
    ("terragrunt apply-all --terragrunt-non-interactive", DENY, "terragrunt-apply-unguarded"),
    ("terragrunt destroy", DENY, "terragrunt-destroy"),
    ("terragrunt run-all destroy --terragrunt-working-dir live", DENY, "terragrunt-destroy"),
    ("terragrunt apply --destroy", DENY, "terragrunt-destroy"),
    ("terragrunt state rm aws_instance.x", DENY, "terraform-state-rm"),
    ("terragrunt run-all plan", ALLOW, "read-only"),
    ("terragrunt hclfmt", ALLOW, "read-only"),
    ("planguard guard -- terragrunt apply tfplan", ALLOW, "guarded"),
    // ---- CloudFormation
    ("aws cloudformation delete-stack --stack-name app", DENY, "cloudformation-delete-stack"),
    ("aws --region eu-west-1 cloudformation delete-stack --stack-name app", DENY, "cloudformation-delete-stack"),
    ("aws --profile prod --region us-east-1 cloudformation execute-change-set --change-set-name cs --stack-name app", DENY, "cloudformation-execute-change-set-unguarded"),
    ("aws cloudformation deploy --template-file t.yaml --stack-name app", DENY, "cloudformation-deploy-unguarded"),
    ("aws cloudformation deploy --template-file t.yaml --stack-name app --no-execute-changeset", ALLOW, "not-destructive"),
    ("aws cloudformation update-stack --stack-name app --template-body file://t.yaml", DENY, "cloudformation-update-stack-unguarded"),
    ("aws cloudformation describe-stacks --stack-name app", ALLOW, "read-only"),
    ("aws cloudformation describe-change-set --change-set-name cs --stack-name app --output json", ALLOW, "read-only"),
    ("aws cloudformation list-stacks", ALLOW, "read-only"),
    ("aws cloudformation get-template --stack-name app", ALLOW, "read-only"),
    ("aws cloudformation create-change-set --stack-name app --change-set-name cs --template-body file://t.yaml", ALLOW, "not-destructive"),
    ("aws s3 ls", ALLOW, "no-infra-command"),
    ("aws-vault exec prod -- aws cloudformation delete-stack --stack-name app", DENY, "cloudformation-delete-stack"),
    // ---- CDK
    ("cdk destroy", DENY, "cdk-destroy"),
    ("npx cdk destroy --force MyStack", DENY, "cdk-destroy"),
    ("npx aws-cdk@2 destroy --all", DENY, "cdk-destroy"),
    ("cdk deploy --require-approval never", DENY, "cdk-deploy-no-approval"),
    ("npx cdk deploy --require-approval=never --all", DENY, "cdk-deploy-no-approval"),
    ("cdk deploy MyStack", DENY, "cdk-deploy-unguarded"),
    ("cdk watch", DENY, "cdk-deploy-unguarded"),
    ("cdk deploy MyStack --method=prepare-change-set --change-set-name planguard", ALLOW, "not-destructive"),
    ("cdk diff", ALLOW, "read-only"),
    ("npx cdk synth", ALLOW, "read-only"),
    ("pnpm dlx aws-cdk diff", ALLOW, "read-only"),
    // ---- Pulumi
    ("pulumi destroy", DENY, "pulumi-destroy"),
    ("pulumi destroy --yes -s dev", DENY, "pulumi-destroy"),
    ("pulumi up --yes", DENY, "pulumi-up-unattended"),
    ("pulumi up -y", DENY, "pulumi-up-unattended"),
    ("pulumi -C infra up --skip-preview", DENY, "pulumi-up-unattended"),
    ("PULUMI_SKIP_CONFIRMATIONS=true pulumi up", DENY, "pulumi-up-unattended"),
    ("pulumi up --replace urn:pulumi:dev::app::aws:rds/instance:Instance::db", DENY, "pulumi-up-replace"),
    ("pulumi state delete urn:x", DENY, "pulumi-state-delete"),
    ("pulumi stack rm dev --force", DENY, "pulumi-stack-rm"),
    ("pulumi preview --diff", ALLOW, "read-only"),
    ("pulumi up", ALLOW, "not-destructive"),
    ("pulumi stack ls", ALLOW, "read-only"),
    // ---- SAM
    ("sam delete", DENY, "sam-delete"),
    ("sam delete --stack-name app --no-prompts", DENY, "sam-delete"),
    ("sam deploy --stack-name app", DENY, "sam-deploy-unguarded"),
    ("sam deploy --no-execute-changeset --stack-name app", ALLOW, "not-destructive"),
    ("sam sync --stack-name app --watch", DENY, "sam-sync"),
    ("sam build", ALLOW, "read-only"),
    ("sam validate --lint", ALLOW, "read-only"),
    // ---- unrelated commands
    ("ls -la", ALLOW, "no-infra-command"),
    ("git status && git diff", ALLOW, "no-infra-command"),
    ("cargo test --all-targets 2>&1 | tail -20", ALLOW, "no-infra-command"),
    ("rm -rf target", ALLOW, "no-infra-command"),
    // ---- what coding agents actually type
    ("git commit -m \"$(cat <<'EOF'\nfix: don't run `terraform destroy` (see #12)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nEOF\n)\"", ALLOW, "no-infra-command"),
    ("gh pr create --title 'Plan fix' --body \"$(cat <<'EOF'\n## Summary\n- ran terraform plan, it's clean (no destroy)\nEOF\n)\"", ALLOW, "no-infra-command"),
    ("gh pr comment 12 --body 'needs infra/terraform apply review'", ALLOW, "no-infra-command"),
    ("cd infra && terraform init -input=false && terraform plan -out=tfplan -no-color 2>&1 | tail -50", ALLOW, "read-only"),
    ("make -C terraform apply", DENY, "terraform-apply-unguarded"),
    ("kubectl apply -f k8s/", ALLOW, "no-infra-command"),
    ("npx prettier --write .", ALLOW, "no-infra-command"),
    ("", ALLOW, "no-infra-command"),
];

#[test]
fn decision_table() {
    let cfg = HookConfig::default();
    let mut failures = Vec::new();
    for &(cmd, allow, rule) in TABLE {
        let d = decide(cmd, &cfg);
        if d.allow != allow || d.rule != rule {
            failures.push(format!(
                "{cmd:?}\n    expected {} {rule}, got {} {} ({})",
                if allow { "allow" } else { "deny" },
                if d.allow { "allow" } else { "deny" },
                d.rule,
                d.reason
            ));
        }
        assert!(RULE_IDS.contains(&d.rule), "unlisted rule id {}", d.rule);
        if !d.allow {
            assert!(!d.reason.is_empty(), "{cmd}: deny without a reason");
            assert!(
                d.safe_alternative.is_some(),
                "{cmd}: deny without a safe alternative"
            );
        }
    }
    assert!(TABLE.len() >= 60);
    assert!(
        failures.is_empty(),
        "{} of {} wrong:\n{}",
        failures.len(),
        TABLE.len(),
        failures.join("\n")
    );
}

#[test]
fn deny_names_the_segment_and_the_safe_workflow() {
    let d = decide(
        "cd infra && terraform -chdir=stack apply -auto-approve; ls",
        &HookConfig::default(),
    );
    assert!(!d.allow);
    assert_eq!(
        d.matched_segment.as_deref(),
        Some("terraform -chdir=stack apply -auto-approve")
    );
    assert_eq!(
        d.safe_alternative.as_deref(),
        Some("terraform -chdir=stack plan -out=tfplan && planguard check stack/tfplan && planguard guard -- terraform -chdir=stack apply tfplan")
    );
    let d = decide("sh -c 'tofu apply'", &HookConfig::default());
    assert_eq!(d.matched_segment.as_deref(), Some("tofu apply"));
    assert!(d
        .safe_alternative
        .unwrap()
        .starts_with("tofu plan -out=tfplan && planguard check tfplan"));
    let d = decide(
        "terraform apply -replace=aws_db_instance.main",
        &HookConfig::default(),
    );
    assert!(d
        .safe_alternative
        .unwrap()
        .contains("plan -replace=aws_db_instance.main -out=tfplan"));
}

#[test]
fn every_denied_part_counts() {
    let d = decide("terraform destroy; cdk destroy; ls", &HookConfig::default());
    assert_eq!(d.rule, "terraform-destroy");
    assert!(d.reason.contains("1 more part"), "{}", d.reason);
}

#[test]
fn deep_nesting_fails_closed() {
    let mut cmd = "ls".to_string();
    for _ in 0..12 {
        cmd = format!("echo $({cmd})");
    }
    let d = decide(&cmd, &HookConfig::default());
    assert!(!d.allow);
    assert_eq!(d.rule, "too-deep");
}

#[test]
fn config_changes_decisions() {
    let cfg: HookConfig = serde_yaml::from_str(
        "gate: [terraform]\nallow_destroy: true\nallow_prefixes: [\"terraform -chdir=sandbox apply\"]\ndeny_prefixes: [\"make destroy\"]\n",
    )
    .unwrap();
    let d = decide("terraform destroy", &cfg);
    assert!(d.allow && d.rule == "allow-destroy", "{d:?}");
    let d = decide("TF_WORKSPACE=prod terraform destroy", &cfg);
    assert!(!d.allow && d.rule == "terraform-destroy", "{d:?}");
    assert!(d.reason.contains("production"));
    let d = decide("cd live && terraform destroy -auto-approve", &cfg);
    assert!(!d.allow, "{d:?}");
    let d = decide("cdk destroy", &cfg);
    assert!(d.allow && d.rule == "not-gated", "{d:?}");
    let d = decide("sudo terraform -chdir=sandbox apply -auto-approve", &cfg);
    assert!(d.allow && d.rule == "allowed-prefix", "{d:?}");
    let d = decide("terraform -chdir=other apply", &cfg);
    assert!(!d.allow);
    let d = decide("cd infra && make destroy ENV=dev", &cfg);
    assert!(!d.allow && d.rule == "denied-prefix", "{d:?}");
    assert!(decide("make plan", &cfg).allow);
    let cfg: HookConfig = serde_yaml::from_str("prod_workspaces: [\"main\"]").unwrap();
    assert!(!decide("TF_WORKSPACE=main terraform import a.b c", &cfg).allow);
    assert!(decide("TF_WORKSPACE=prod terraform import a.b c", &cfg).allow);
}

fn claude_event(tool: &str, input: serde_json::Value) -> String {
    serde_json::json!({
        "session_id": "abc123",
        "transcript_path": "/home/u/.claude/projects/x/abc123.jsonl",
        "cwd": "/home/u/infra",
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_use_id": "toolu_01",
        "tool_input": input,
    })
    .to_string()
}

#[test]
fn claude_code_deny_is_a_permission_decision() {
    let ev = claude_event(
        "Bash",
        serde_json::json!({"command": "terraform destroy -auto-approve", "description": "Recreate the environment"}),
    );
    let r = handle_claude_event(&ev, &HookConfig::default());
    assert_eq!(r.exit_code, 0);
    let out: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let h = &out["hookSpecificOutput"];
    assert_eq!(h["hookEventName"], "PreToolUse");
    assert_eq!(h["permissionDecision"], "deny");
    let reason = h["permissionDecisionReason"].as_str().unwrap();
    assert!(reason.contains("[terraform-destroy]"), "{reason}");
    assert!(reason.contains("Safe alternative:"), "{reason}");
}

#[test]
fn claude_code_allow_leaves_the_decision_to_the_user() {
    for (tool, input) in [
        (
            "Bash",
            serde_json::json!({"command": "terraform plan -out=tfplan", "description": "Plan"}),
        ),
        (
            "Bash",
            serde_json::json!({"command": "planguard guard -- terraform apply tfplan", "timeout": 600000}),
        ),
        (
            "Read",
            serde_json::json!({"file_path": "/home/u/infra/main.tf"}),
        ),
        (
            "Edit",
            serde_json::json!({"file_path": "/x", "old_string": "terraform destroy", "new_string": ""}),
        ),
        (
            "mcp__github__create_issue",
            serde_json::json!({"title": "terraform destroy"}),
        ),
    ] {
        let r = handle_claude_event(&claude_event(tool, input), &HookConfig::default());
        assert_eq!(
            (r.exit_code, r.stdout.as_str(), r.stderr.as_str()),
            (0, "", ""),
            "{tool}"
        );
    }
}

#[test]
fn claude_code_malformed_events_fail_closed() {
    for bad in [
        "",
        "not json",
        "[1,2]",
        r#"{"hook_event_name":"PreToolUse","tool_input":{"command":"ls"}}"#,
        r#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}}"#,
        r#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":42}}"#,
        r#"{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}"#,
        r#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"terraform destroy"}"#,
    ] {
        let r = handle_claude_event(bad, &HookConfig::default());
        assert_eq!(r.exit_code, 2, "{bad}");
        assert!(r.stdout.is_empty(), "{bad}");
        assert!(
            r.stderr.starts_with("planguard hook: "),
            "{bad}: {}",
            r.stderr
        );
    }
}

#[test]
fn exit_code_format_for_codex_and_kiro() {
    let cfg = HookConfig::default();
    let ev = claude_event(
        "Bash",
        serde_json::json!({"command": "pulumi destroy --yes"}),
    );
    let r = run_hook_command(None, &ev, "codex".parse().unwrap(), &cfg);
    assert_eq!(r.exit_code, 2);
    assert!(r.stderr.contains("[pulumi-destroy]"));
    let kiro = r#"{"hook_event_name":"preToolUse","cwd":"/w","tool_name":"execute_bash","tool_input":{"command":"cdk destroy"}}"#;
    let r = run_hook_command(None, kiro, HookFormat::ExitCode, &cfg);
    assert_eq!(r.exit_code, 2);
    assert!(r.stderr.contains("[cdk-destroy]"));
    let ok = r#"{"hook_event_name":"preToolUse","tool_name":"execute_bash","tool_input":{"command":"cdk diff"}}"#;
    assert_eq!(
        run_hook_command(None, ok, HookFormat::ExitCode, &cfg).exit_code,
        0
    );
}

#[test]
fn cursor_events() {
    let cfg = HookConfig::default();
    let ev = r#"{"conversation_id":"c","generation_id":"g","hook_event_name":"beforeShellExecution","command":"terraform apply -auto-approve","cwd":"/w","workspace_roots":["/w"]}"#;
    let r = handle_cursor_event(ev, &cfg);
    assert_eq!(r.exit_code, 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["permission"], "deny");
    assert!(v["agent_message"]
        .as_str()
        .unwrap()
        .contains("terraform-auto-approve"));
    let ok = r#"{"hook_event_name":"beforeShellExecution","command":"ls","cwd":"/w"}"#;
    let r = handle_cursor_event(ok, &cfg);
    assert_eq!((r.exit_code, r.stdout.trim()), (0, "{}"));
    assert_eq!(handle_cursor_event("{}", &cfg).exit_code, 2);
}

#[test]
fn plain_modes() {
    let cfg = HookConfig::default();
    let r = run_hook_command(Some("terraform destroy"), "", HookFormat::Text, &cfg);
    assert_eq!(r.exit_code, 1);
    assert!(
        r.stdout.starts_with("deny [terraform-destroy]: "),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("safe alternative: "));
    let r = run_hook_command(Some("terraform plan"), "", HookFormat::Text, &cfg);
    assert_eq!(r.exit_code, 0);
    assert!(r.stdout.starts_with("allow [read-only]"));
    let r = run_hook_command(Some("sam delete"), "", HookFormat::Json, &cfg);
    assert_eq!(r.exit_code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["allow"], false);
    assert_eq!(v["rule"], "sam-delete");
    assert_eq!(v["matched_segment"], "sam delete");
    assert!(v["safe_alternative"].is_string());
    let r = run_hook_command(None, "terraform apply\n", HookFormat::Json, &cfg);
    assert_eq!(r.exit_code, 1);
    let r = run_hook_command(Some("terraform apply"), "", HookFormat::Claude, &cfg);
    assert!(r.stdout.contains("\"permissionDecision\":\"deny\""));
    assert!("nope".parse::<HookFormat>().is_err());
}

#[test]
fn hostile_inputs_never_panic() {
    let cfg = HookConfig::default();
    let long = "a ".repeat(100_000);
    let nested = "$(".repeat(500);
    let quotes = "'\"".repeat(1000);
    let braces = format!("echo {}x{}", "${a:-".repeat(50_000), "}".repeat(50_000));
    for s in [
        long.as_str(),
        nested.as_str(),
        quotes.as_str(),
        braces.as_str(),
        "\0\u{1}\u{7f}",
        "terraform\u{00a0}destroy",
        "😀 | 😀 && $'\\U0001F600'",
        "sh -c",
        "bash -c ''",
        "env -S",
        "planguard guard --",
        "find . -exec",
        "npx",
        "aws cloudformation",
        "sudo",
        "xargs",
    ] {
        let d = decide(s, &cfg);
        assert!(d.matched_segment.map_or(0, |m| m.chars().count()) <= 401);
        let _ = handle_claude_event(s, &cfg);
    }
}

/// The hook's answer for `planguard guard -- CMD` is the guard's own: allowed exactly when the
/// guard would check or run CMD rather than refuse it (an agent allowed by the hook must not
/// then be refused by the guard, and the other way round). Not yet for what the guard's own
/// config decides (`terraform apply` without a plan file, `update-stack`): the hook does not
/// read the `guard:` section, allows those, and the guard refuses them by default.
#[test]
fn hook_and_guard_agree_on_guarded_commands() {
    use planguard::guard_plan::{classify, GuardAction, GuardConfig};
    let hook = HookConfig::default();
    let guard = GuardConfig::default();
    let no_env = |_: &str| None;
    let mut checked = 0;
    let mut disagree = Vec::new();
    for cmd in [
        "terraform apply tfplan",
        "tofu -chdir=infra apply -auto-approve tfplan",
        "terraform destroy",
        "terraform state rm aws_instance.a",
        "terraform plan -out=tfplan",
        "terragrunt apply tfplan",
        "aws cloudformation execute-change-set --change-set-name cs --stack-name app",
        "aws cloudformation deploy --stack-name app --template-file t.yaml",
        "aws cloudformation delete-stack --stack-name app",
        "cdk deploy MyStack",
        "cdk deploy --require-approval never",
        "cdk deploy MyStack --method=prepare-change-set",
        "cdk destroy MyStack",
        "sam deploy",
        "sam deploy --no-execute-changeset",
        "pulumi up",
        "pulumi up --yes",
        "pulumi destroy",
    ] {
        let d = decide(&format!("planguard guard -- {cmd}"), &hook);
        let argv: Vec<String> = cmd.split(' ').map(String::from).collect();
        let refused = matches!(
            classify(&argv, &guard, &hook, &no_env),
            GuardAction::Refuse(_)
        );
        if d.allow == refused {
            disagree.push(format!("{cmd}: hook says {} ({})", d.rule, d.reason));
        }
        checked += 1;
    }
    assert_eq!(checked, 18);
    assert!(disagree.is_empty(), "{disagree:#?}");
}
