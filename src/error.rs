//! Every way planguard can fail to analyse, as one enum of miette diagnostics.
//!
//! A safety gate that cannot read its input must say exactly where and why (file, line,
//! column, what it expected) and exit 2; it must never pass and never panic. Errors that
//! point into a file carry the file's text (shared, not copied) so miette can show the line.

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};
use std::fmt;
use std::sync::Arc;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Longest line (in bytes) a diagnostic quotes; longer lines are located but not shown.
pub const MAX_QUOTED_LINE: usize = 1024;

/// A problem at a place in a file: input plans, rule files, config files.
#[derive(Debug)]
pub struct Located {
    /// Stable diagnostic code, e.g. `planguard::input::json`.
    pub code: &'static str,
    pub path: String,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    src: Option<NamedSource<Arc<dyn SourceCode>>>,
    span: Option<SourceSpan>,
}

impl Located {
    /// A problem in `path` that has no better place than the file itself.
    pub fn whole_file(code: &'static str, path: &str, message: impl Into<String>) -> Located {
        Located {
            code,
            path: path.to_string(),
            line: 0,
            column: 0,
            message: message.into(),
            label: String::new(),
            help: None,
            src: None,
            span: None,
        }
    }

    /// A problem at byte `offset` of `text`.
    pub fn at_offset<T: AsRef<str> + SourceCode + 'static>(
        code: &'static str,
        path: &str,
        text: &Arc<T>,
        offset: usize,
        message: impl Into<String>,
    ) -> Located {
        let shared: Arc<dyn SourceCode> = text.clone();
        let text: &str = (**text).as_ref();
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let (line, column) = line_col(text, offset);
        let len = text[offset..].chars().next().map_or(0, char::len_utf8);
        // Quote the line only when it is short: `terraform show -json` writes a whole plan on
        // one line. Quoting it would print every value in it (secrets included) to CI logs,
        // and miette panics drawing a marker past column 65,535 ("Formatting argument out of
        // range"). The message still says file:line:column.
        let bytes = text.as_bytes();
        let line_start = bytes[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let line_end = bytes[offset..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |p| offset + p);
        let quote = line_end - line_start <= MAX_QUOTED_LINE;
        Located {
            code,
            path: path.to_string(),
            line,
            column,
            message: message.into(),
            label: "here".to_string(),
            help: None,
            src: quote.then(|| NamedSource::new(path, shared)),
            span: quote.then(|| SourceSpan::new(offset.into(), len)),
        }
    }

    /// A problem at a 1-based line and column (as serde_json and serde_yaml report them).
    pub fn at_line_col<T: AsRef<str> + SourceCode + 'static>(
        code: &'static str,
        path: &str,
        text: &Arc<T>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Located {
        let offset = offset_of((**text).as_ref(), line, column);
        let mut l = Located::at_offset(code, path, text, offset, message);
        // Keep the parser's own numbers: they are what the user will search for.
        if line > 0 {
            l.line = line;
            l.column = column.max(1);
        }
        l
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Located {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Located {
        self.label = label.into();
        self
    }

    /// `file:line:column` (or just `file`), for one-line renderings and JSON.
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.path.clone()
        } else {
            format!("{}:{}:{}", self.path, self.line, self.column)
        }
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location(), self.message)
    }
}

impl std::error::Error for Located {}

impl Diagnostic for Located {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.src.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.label.clone()),
            span,
        ))))
    }
}

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum Error {
    /// A plan, change set or template that cannot be fully understood.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Input(Box<Located>),

    /// A rule file that is malformed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Rules(Box<Located>),

    /// A `.planguard.yaml` that is malformed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<Located>),

    #[error("cannot read {path}: {source}")]
    #[diagnostic(code(planguard::io))]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// An external program (terraform, tofu, aws) could not be run or failed.
    #[error("{message}")]
    #[diagnostic(code(planguard::tool))]
    Tool {
        message: String,
        #[help]
        help: Option<String>,
    },

    /// The command line asks for something that cannot be done.
    #[error("{message}")]
    #[diagnostic(code(planguard::usage))]
    Usage {
        message: String,
        #[help]
        help: Option<String>,
    },
}

impl Error {
    /// An input (plan, change set, template) that cannot be read. Its lines are never
    /// quoted and values in the parser's message are hidden: the line next to a syntax error
    /// may hold a secret, and diagnostics end up in CI logs. File, line and column remain.
    pub fn input(mut l: Located) -> Error {
        l.src = None;
        l.span = None;
        l.message = hide_quoted_values(&l.message);
        Error::Input(Box::new(l))
    }
    pub fn rules(l: Located) -> Error {
        Error::Rules(Box::new(l))
    }
    pub fn config(l: Located) -> Error {
        Error::Config(Box::new(l))
    }
    pub fn usage(message: impl Into<String>, help: Option<String>) -> Error {
        Error::Usage {
            message: message.into(),
            help,
        }
    }
    /// The location this error points at, when it points into a file.
    pub fn located(&self) -> Option<&Located> {
        match self {
            Error::Input(l) | Error::Rules(l) | Error::Config(l) => Some(l),
            _ => None,
        }
    }
}

/// Replace the value in serde's `invalid type: string "…"` / `invalid value: …` messages:
/// the value comes from the input and may be sensitive.
pub fn hide_quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(p) = rest.find("string \"") {
        out.push_str(&rest[..p]);
        out.push_str("string (value hidden)");
        let after = &rest[p + "string \"".len()..];
        let mut end = after.len();
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                end = i + 1;
                break;
            }
        }
        rest = &after[end.min(after.len())..];
    }
    out.push_str(rest);
    out
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = text
        .get(line_start..offset)
        .map_or(offset - line_start, |s| s.chars().count())
        + 1;
    (line, column)
}

/// Byte offset of a 1-based line and column (columns counted in characters).
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0usize;
    for _ in 1..line.max(1) {
        match text[start..].find('\n') {
            Some(p) => start += p + 1,
            None => return text.len(),
        }
    }
    let rest = &text[start..];
    let line_end = rest.find('\n').unwrap_or(rest.len());
    rest[..line_end]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(start + line_end, |(i, _)| start + i)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_hidden() {
        assert_eq!(
            hide_quoted_values(r#"invalid type: string "s3cr\"et", expected a sequence"#),
            "invalid type: string (value hidden), expected a sequence"
        );
        assert_eq!(hide_quoted_values("no values here"), "no values here");
    }

    #[test]
    fn line_col_round_trips() {
        let t = "ab\ncdé\nf";
        for (off, lc) in [(0, (1, 1)), (3, (2, 1)), (5, (2, 3)), (8, (3, 1))] {
            assert_eq!(line_col(t, off), lc, "offset {off}");
            assert_eq!(offset_of(t, lc.0, lc.1), off);
        }
        assert_eq!(offset_of(t, 99, 1), t.len());
    }

    #[test]
    fn long_lines_are_located_but_not_quoted() {
        use miette::Diagnostic;
        let long = Arc::new(format!("{{\"a\": \"{}\"", "x".repeat(70_000)));
        let l = Located::at_offset("c", "p", &long, long.len(), "cut");
        assert_eq!((l.line, l.column), (1, 70_009));
        assert!(l.source_code().is_none() && l.labels().is_none());
        // Rendering must not panic (miette cannot draw past column 65,535).
        let _ = format!("{:?}", miette::Report::new(Error::input(l)));
        let short = Arc::new("{\n  \"a\": 1\n".to_string());
        let l = Located::at_offset("c", "p", &short, 5, "here");
        assert!(l.source_code().is_some());
    }
}
