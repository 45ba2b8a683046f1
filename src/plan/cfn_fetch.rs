//! Reading the AWS CLI's answers while `planguard guard` fetches a change set: which page
//! comes next, which nested change sets to describe, which stack's template to get, and
//! which change set `aws cloudformation deploy --no-execute-changeset` created.
//!
//! It lives in `plan/` because this directory is the only place that knows CloudFormation
//! field names; the binary runs `aws` and hands the output here. Only these few fields are
//! read; the documents themselves are parsed by [`super::cloudformation`].

use crate::error::{Error, Located, Result};
use crate::plan::Source;
use serde_json::Value;

/// What the guard needs from one `describe-change-set` page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageInfo {
    pub next_token: Option<String>,
    /// `ChangeSetId` of the nested stacks' change sets (`AWS::CloudFormation::Stack` changes).
    pub nested: Vec<String>,
    pub stack_name: Option<String>,
    pub stack_id: Option<String>,
}

fn parse_json(src: &Source) -> Result<Value> {
    serde_json::from_str(&src.text).map_err(|e| {
        Error::input(
            src.error_at_line_col(
                "planguard::input::json",
                e.line(),
                e.column(),
                format!("not JSON: {e}"),
            )
            .with_help("expected the JSON output of `aws cloudformation … --output json`"),
        )
    })
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Read the paging, nesting and stack fields of a `describe-change-set` page.
pub fn page_info(src: &Source) -> Result<PageInfo> {
    let v = parse_json(src)?;
    if !v.is_object() {
        return Err(Error::input(Located::whole_file(
            "planguard::input::changeset",
            &src.path,
            "describe-change-set output is not a JSON object",
        )));
    }
    let mut nested = Vec::new();
    if let Some(changes) = v.get("Changes").and_then(Value::as_array) {
        for c in changes {
            let Some(rc) = c.get("ResourceChange") else {
                continue;
            };
            if rc.get("ResourceType").and_then(Value::as_str) == Some("AWS::CloudFormation::Stack")
            {
                if let Some(id) = string(rc, "ChangeSetId") {
                    if !nested.contains(&id) {
                        nested.push(id);
                    }
                }
            }
        }
    }
    Ok(PageInfo {
        next_token: string(&v, "NextToken"),
        nested,
        stack_name: string(&v, "StackName"),
        stack_id: string(&v, "StackId"),
    })
}

/// The template of `aws cloudformation get-template --output json`: `TemplateBody` is a JSON
/// object (the template was JSON) or a string (YAML, or JSON kept as text). Returns the
/// template text and whether it is JSON.
pub fn template_body(src: &Source) -> Result<(String, bool)> {
    let v = parse_json(src)?;
    match v.get("TemplateBody") {
        Some(Value::String(s)) => {
            let json = s.trim_start().starts_with('{');
            Ok((s.clone(), json))
        }
        Some(body @ Value::Object(_)) => {
            let text = serde_json::to_string_pretty(body).map_err(|e| {
                Error::input(Located::whole_file(
                    "planguard::input::template",
                    &src.path,
                    format!("TemplateBody cannot be written back as JSON: {e}"),
                ))
            })?;
            Ok((text, true))
        }
        _ => Err(Error::input(
            Located::whole_file(
                "planguard::input::template",
                &src.path,
                "get-template output has no TemplateBody",
            )
            .with_help("expected `aws cloudformation get-template --output json` output"),
        )),
    }
}

/// What `aws cloudformation deploy --no-execute-changeset` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployOutcome {
    /// The change set it created (an ARN).
    ChangeSet(String),
    /// "No changes to deploy": nothing to execute.
    NoChanges,
    /// Neither: the output does not name a change set.
    Unknown,
}

/// Find the change set in the deploy command's output. The CLI prints the command to review
/// it: `aws cloudformation describe-change-set --change-set-name arn:aws:cloudformation:…`.
pub fn deploy_outcome(output: &str) -> DeployOutcome {
    let arn = output
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .find(|w| w.starts_with("arn:aws") && w.contains(":changeSet/"));
    match arn {
        Some(a) => DeployOutcome::ChangeSet(a.to_string()),
        None if output.contains("No changes to deploy") => DeployOutcome::NoChanges,
        None => DeployOutcome::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_nested_change_sets() {
        let s = Source::from_text(
            "p",
            r#"{"StackName":"app","StackId":"arn:s","NextToken":"t1","Changes":[
                {"Type":"Resource","ResourceChange":{"ResourceType":"AWS::CloudFormation::Stack","ChangeSetId":"arn:cs2"}},
                {"Type":"Resource","ResourceChange":{"ResourceType":"AWS::S3::Bucket"}}]}"#,
        );
        let p = page_info(&s).unwrap();
        assert_eq!(p.next_token.as_deref(), Some("t1"));
        assert_eq!(p.nested, vec!["arn:cs2".to_string()]);
        assert_eq!(p.stack_name.as_deref(), Some("app"));
        assert!(page_info(&Source::from_text("p", "[]")).is_err());
        assert!(page_info(&Source::from_text("p", "nope")).is_err());
    }

    #[test]
    fn template_bodies() {
        let j = Source::from_text("t", r#"{"TemplateBody":{"Resources":{}}}"#);
        let (text, json) = template_body(&j).unwrap();
        assert!(json && text.contains("Resources"));
        let y = Source::from_text("t", r#"{"TemplateBody":"Resources: {}\n"}"#);
        assert_eq!(
            template_body(&y).unwrap(),
            ("Resources: {}\n".into(), false)
        );
        assert!(template_body(&Source::from_text("t", "{}")).is_err());
    }

    #[test]
    fn deploy_output() {
        let out = "\nWaiting for changeset to be created..\nChangeset created successfully. Run the following command to review changes:\naws cloudformation describe-change-set --change-set-name arn:aws:cloudformation:us-east-1:1:changeSet/awscli-cloudformation-package-deploy-1/abc\n";
        assert_eq!(
            deploy_outcome(out),
            DeployOutcome::ChangeSet(
                "arn:aws:cloudformation:us-east-1:1:changeSet/awscli-cloudformation-package-deploy-1/abc".into()
            )
        );
        assert_eq!(
            deploy_outcome("\nNo changes to deploy. Stack app is up to date\n"),
            DeployOutcome::NoChanges
        );
        assert_eq!(deploy_outcome("boom"), DeployOutcome::Unknown);
    }
}
