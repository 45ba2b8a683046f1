//! Speaking each agent's hook protocol: read its event, answer in its format.
//!
//! | format      | input                                   | allow                 | deny                                   |
//! |-------------|-----------------------------------------|-----------------------|----------------------------------------|
//! | `text`      | `--command STRING` (or the command on stdin) | exit 0, one line | exit 1, reason and safe alternative on stdout |
//! | `json`      | same                                    | exit 0, [`Decision`] JSON | exit 1, [`Decision`] JSON           |
//! | `claude`    | Claude Code `PreToolUse` event on stdin | exit 0, no output     | exit 0, `hookSpecificOutput` JSON with `permissionDecision: "deny"` |
//! | `exit-code` | the same event shape (Codex CLI, Kiro CLI, Gemini CLI) | exit 0, no output | exit 2, reason on stderr |
//! | `cursor`    | Cursor `beforeShellExecution` event on stdin | exit 0, `{}`     | exit 0, `{"permission":"deny",…}`      |
//!
//! An allowed command is answered with *no decision*, never with `allow`: in Claude Code an
//! `allow` would skip the user's own permission prompt, and the hook only knows about
//! infrastructure, not about `rm -rf`. The agent's normal permission flow still applies.
//!
//! A malformed event fails closed: exit 2 with the reason on stderr, which Claude Code,
//! Codex, Kiro and Cursor all treat as "block this tool call".

use super::{decide, Decision, HookConfig};
use serde_json::{json, Value};

/// What the CLI prints and how it exits. The library never prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookResponse {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

/// Output dialect of `planguard hook --format …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookFormat {
    /// Human-readable decision; exit 0 allow, 1 deny.
    Text,
    /// The [`Decision`] as JSON; exit 0 allow, 1 deny.
    Json,
    /// Claude Code `PreToolUse` JSON (exit 0; deny via `permissionDecision`).
    Claude,
    /// Exit 2 and stderr on deny (Codex CLI, Kiro CLI, Gemini CLI, or Claude Code too).
    ExitCode,
    /// Cursor `beforeShellExecution` JSON.
    Cursor,
}

impl HookFormat {
    /// Names accepted by [`HookFormat::from_str`](std::str::FromStr), for `--help`.
    pub const NAMES: &'static [&'static str] = &[
        "text",
        "json",
        "claude",
        "exit-code",
        "codex",
        "kiro",
        "cursor",
    ];
}

impl std::str::FromStr for HookFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(HookFormat::Text),
            "json" => Ok(HookFormat::Json),
            "claude" | "claude-code" => Ok(HookFormat::Claude),
            "exit-code" | "codex" | "kiro" | "gemini" => Ok(HookFormat::ExitCode),
            "cursor" => Ok(HookFormat::Cursor),
            other => Err(format!(
                "unknown hook format `{other}` (expected one of: {})",
                HookFormat::NAMES.join(", ")
            )),
        }
    }
}

/// Tool names under which agents run shell commands: Claude Code and Codex (`Bash`), Kiro
/// (`execute_bash`, `shell`), Gemini CLI (`run_shell_command`).
const SHELL_TOOLS: &[&str] = &[
    "Bash",
    "execute_bash",
    "executeBash",
    "shell",
    "Shell",
    "run_shell_command",
];

/// Entry point for `planguard hook`.
///
/// With `command` (`--command STRING`): decide it and answer in `format` (any format; the
/// agent formats render the decision as that agent would receive it). Without `command`:
/// `stdin` is an agent event for `claude`, `exit-code` and `cursor`; for `text` and `json`
/// it is the command line itself.
pub fn run_hook_command(
    command: Option<&str>,
    stdin: &str,
    format: HookFormat,
    config: &HookConfig,
) -> HookResponse {
    match (command, format) {
        (Some(c), f) => render(&decide(c, config), f),
        (None, HookFormat::Text | HookFormat::Json) => {
            let c = stdin.strip_suffix('\n').unwrap_or(stdin);
            render(&decide(c, config), format)
        }
        (None, HookFormat::Claude) => handle_claude_event(stdin, config),
        (None, HookFormat::ExitCode) => match shell_command_of(stdin) {
            Ok(Some(c)) => render(&decide(&c, config), HookFormat::ExitCode),
            Ok(None) => no_decision(),
            Err(e) => malformed(&e),
        },
        (None, HookFormat::Cursor) => handle_cursor_event(stdin, config),
    }
}

/// Answer a Claude Code `PreToolUse` event (the JSON Claude Code writes to the hook's stdin).
///
/// Shell tools are decided; other tools get no decision (exit 0, empty stdout). A denied
/// command gets, with exit 0:
/// `{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"…"}}`.
/// Malformed JSON, a shell tool without a string `tool_input.command`, or another event
/// fail closed: exit 2 with the reason on stderr.
pub fn handle_claude_event(stdin_json: &str, config: &HookConfig) -> HookResponse {
    match shell_command_of(stdin_json) {
        Ok(Some(c)) => render(&decide(&c, config), HookFormat::Claude),
        Ok(None) => no_decision(),
        Err(e) => malformed(&e),
    }
}

/// Answer a Cursor `beforeShellExecution` event (`{"command": "…", "cwd": "…", …}`).
/// Deny: `{"permission":"deny","user_message":"…","agent_message":"…"}`; allow: `{}`
/// (no opinion: Cursor's own allow-list and prompts still apply).
pub fn handle_cursor_event(stdin_json: &str, config: &HookConfig) -> HookResponse {
    let v: Value = match serde_json::from_str(stdin_json) {
        Ok(v) => v,
        Err(e) => return malformed(&format!("the hook event is not JSON: {e}")),
    };
    match v.get("command").and_then(Value::as_str) {
        Some(c) => render(&decide(c, config), HookFormat::Cursor),
        None => malformed("the Cursor event has no string field `command`"),
    }
}

/// The shell command of a Claude-shaped pre-tool event; `None` for a non-shell tool.
fn shell_command_of(stdin_json: &str) -> Result<Option<String>, String> {
    let v: Value =
        serde_json::from_str(stdin_json).map_err(|e| format!("the hook event is not JSON: {e}"))?;
    let obj = v.as_object().ok_or("the hook event is not a JSON object")?;
    if let Some(ev) = obj.get("hook_event_name") {
        let ev = ev.as_str().ok_or("`hook_event_name` is not a string")?;
        if !ev.eq_ignore_ascii_case("PreToolUse") {
            return Err(format!(
                "planguard hook answers PreToolUse events, not `{ev}`: check the hook wiring"
            ));
        }
    }
    let tool = obj
        .get("tool_name")
        .and_then(Value::as_str)
        .ok_or("the hook event has no string `tool_name`")?;
    if !SHELL_TOOLS.contains(&tool) {
        return Ok(None);
    }
    obj.get("tool_input")
        .and_then(|t| t.get("command"))
        .and_then(Value::as_str)
        .map(|c| Some(c.to_string()))
        .ok_or_else(|| format!("the `{tool}` event has no string `tool_input.command`"))
}

fn no_decision() -> HookResponse {
    HookResponse {
        stdout: String::new(),
        stderr: String::new(),
        exit_code: 0,
    }
}

fn malformed(why: &str) -> HookResponse {
    HookResponse {
        stdout: String::new(),
        stderr: format!(
            "planguard hook: {why}. Refusing the tool call: the hook fails closed when it \
             cannot read its input.\n"
        ),
        exit_code: 2,
    }
}

/// The message an agent reads when a command is denied.
fn deny_message(d: &Decision) -> String {
    let mut m = format!("planguard denied this command [{}]: {}", d.rule, d.reason);
    if let Some(seg) = &d.matched_segment {
        m.push_str(&format!("\nDenied part: {seg}"));
    }
    if let Some(alt) = &d.safe_alternative {
        m.push_str(&format!("\nSafe alternative: {alt}"));
    }
    m
}

fn render(d: &Decision, format: HookFormat) -> HookResponse {
    match format {
        HookFormat::Text => {
            let stdout = if d.allow {
                format!("allow [{}]: {}\n", d.rule, d.reason)
            } else {
                let mut s = format!("deny [{}]: {}\n", d.rule, d.reason);
                if let Some(seg) = &d.matched_segment {
                    s.push_str(&format!("  denied part: {seg}\n"));
                }
                if let Some(alt) = &d.safe_alternative {
                    s.push_str(&format!("  safe alternative: {alt}\n"));
                }
                s
            };
            HookResponse {
                stdout,
                stderr: String::new(),
                exit_code: if d.allow { 0 } else { 1 },
            }
        }
        HookFormat::Json => HookResponse {
            stdout: format!("{}\n", decision_json(d)),
            stderr: String::new(),
            exit_code: if d.allow { 0 } else { 1 },
        },
        HookFormat::Claude => {
            if d.allow {
                return no_decision();
            }
            let out = json!({
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": "deny",
                    "permissionDecisionReason": deny_message(d),
                }
            });
            HookResponse {
                stdout: format!("{out}\n"),
                stderr: String::new(),
                exit_code: 0,
            }
        }
        HookFormat::ExitCode => {
            if d.allow {
                return no_decision();
            }
            HookResponse {
                stdout: String::new(),
                stderr: format!("{}\n", deny_message(d)),
                exit_code: 2,
            }
        }
        HookFormat::Cursor => {
            let out = if d.allow {
                json!({})
            } else {
                let m = deny_message(d);
                json!({"permission": "deny", "user_message": m, "agent_message": m})
            };
            HookResponse {
                stdout: format!("{out}\n"),
                stderr: String::new(),
                exit_code: 0,
            }
        }
    }
}

fn decision_json(d: &Decision) -> String {
    // Serializing a struct of strings and bools cannot fail; keep a fallback anyway.
    serde_json::to_string(d).unwrap_or_else(|e| {
        json!({"allow": false, "reason": format!("cannot serialize decision: {e}"),
               "rule": "unparseable", "safe_alternative": null, "matched_segment": null})
        .to_string()
    })
}
