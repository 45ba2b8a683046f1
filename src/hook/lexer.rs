//! A shell lexer that finds every simple command a command line would run.
//!
//! It knows just enough of POSIX sh and bash to split a line the way the shell would:
//! quoting (`'…'`, `"…"`, `$'…'`, `$"…"`, backslashes), comments, line continuations,
//! control operators (`|`, `|&`, `&&`, `||`, `;`, `&`, newlines, `( )`), redirections and
//! here-documents, and expansions. It does not evaluate anything. An expansion is kept as a
//! [`Part`]: a `$NAME` to be looked up later, a command substitution (`$(…)`, backticks,
//! `<(…)`) whose text the caller parses again, or something whose value cannot be known.
//!
//! Compound commands (`if`, `while`, `{ …; }`, subshells, functions) are flattened into
//! their simple commands: a safety check must look at every command that might run, not
//! only the ones that will. Input the shell itself would reject (an unterminated quote or
//! substitution, a redirection without a target) is a [`LexError`]; the hook denies it.

/// One piece of a word, before expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// Literal text. `quoted` is true when it came from quotes or a backslash escape, so it
    /// cannot be an assignment's name or a keyword.
    Lit { text: String, quoted: bool },
    /// `$NAME` or `${NAME}`. `quoted` is true inside double quotes (no word splitting).
    Var { name: String, quoted: bool },
    /// A value that cannot be known without running the shell: positional parameters,
    /// `${x:-…}` forms, arithmetic. Keeps its source text for messages.
    Dynamic(String),
    /// A command substitution or process substitution: the text of the inner script.
    Subst(String),
}

/// A shell word: the parts that are concatenated, and where it was in the source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Word {
    pub parts: Vec<Part>,
    /// Byte offsets of the word in the source it was lexed from.
    pub start: usize,
    pub end: usize,
}

impl Word {
    /// Every command substitution inside this word.
    pub fn substitutions(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Subst(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// The word's text when it is entirely literal (no expansion at all).
    pub fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit { text, .. } => out.push_str(text),
                _ => return None,
            }
        }
        Some(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `|` or `|&`: the next command reads this one's output.
    Pipe,
    /// `&&`, `||`, `;`, `;;`, `&`, newline, `(`, `)`: a plain command boundary.
    Boundary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Redir {
    /// `<`, `>`, `>>`, `>|`, `<>`, `<&`, `>&`, `&>`, `&>>`: the target is a file or fd.
    File,
    /// `<<` or `<<-`: the following word is replaced by the here-document's body.
    HereDoc,
    /// `<<<`: the following word is fed to the command's standard input.
    HereString,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(Word),
    Op(Op),
    Redir(Redir),
}

/// Input that the shell would refuse to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub message: String,
    /// Byte offset in the lexed text.
    pub offset: usize,
}

impl std::fmt::Display for LexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

/// One simple command: its words, where its input comes from, and its source text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SimpleCommand {
    /// Assignments, command name and arguments, in order (redirections removed).
    pub words: Vec<Word>,
    /// Targets of file redirections: not arguments, but their substitutions still run.
    pub redirect_targets: Vec<Word>,
    /// Here-document bodies and here-strings: text the command reads on stdin.
    pub stdin: Vec<Word>,
    /// True when the previous command's output is piped into this one.
    pub piped: bool,
    /// Byte range of the command in the source.
    pub start: usize,
    pub end: usize,
}

/// Split `src` into its simple commands, in order.
pub(crate) fn parse(src: &str) -> Result<Vec<SimpleCommand>, LexError> {
    let tokens = Lexer::new(src).run()?;
    let mut out = Vec::new();
    let mut cur = SimpleCommand::default();
    let mut pending: Option<(Redir, usize)> = None;
    let mut next_piped = false;
    let finish = |cur: &mut SimpleCommand, out: &mut Vec<SimpleCommand>, piped: bool| {
        let mut done = std::mem::take(cur);
        if !(done.words.is_empty() && done.stdin.is_empty() && done.redirect_targets.is_empty()) {
            done.piped = piped;
            out.push(done);
        }
    };
    for tok in tokens {
        match tok {
            Token::Word(w) => {
                if cur.words.is_empty() && cur.stdin.is_empty() && cur.redirect_targets.is_empty() {
                    cur.start = w.start;
                }
                cur.end = cur.end.max(w.end);
                match pending.take() {
                    Some((Redir::File, _)) => cur.redirect_targets.push(w),
                    Some((_, _)) => cur.stdin.push(w),
                    None => cur.words.push(w),
                }
            }
            Token::Redir(r) => {
                if let Some((_, at)) = pending {
                    return Err(LexError {
                        message: "a redirection is missing its target".into(),
                        offset: at,
                    });
                }
                pending = Some((r, cur.end));
            }
            Token::Op(op) => {
                if let Some((_, at)) = pending {
                    return Err(LexError {
                        message: "a redirection is missing its target".into(),
                        offset: at,
                    });
                }
                finish(&mut cur, &mut out, next_piped);
                next_piped = op == Op::Pipe;
            }
        }
    }
    if let Some((_, at)) = pending {
        return Err(LexError {
            message: "a redirection is missing its target".into(),
            offset: at,
        });
    }
    finish(&mut cur, &mut out, next_piped);
    Ok(out)
}

/// How deeply `${x:-${y:-…}}` may nest before the input is refused: the lexer recurses on
/// these, and a stack overflow would abort the hook (which agents treat as "allow").
const MAX_NEST: usize = 32;

/// Parse the inside of a double-quoted string (or an unquoted here-document body):
/// literal text plus the expansions in it. `nest` counts the enclosing expansions.
fn dquote_content_at(src: &str, nest: usize) -> Result<Vec<Part>, LexError> {
    if nest > MAX_NEST {
        return Err(LexError {
            message: "expansions nested too deeply".into(),
            offset: 0,
        });
    }
    let mut lx = Lexer::new(src);
    lx.nest = nest;
    let mut parts = Vec::new();
    let mut lit = String::new();
    while let Some(c) = lx.peek(0) {
        lx.dquote_char(c, &mut parts, &mut lit, true)?;
    }
    flush(&mut parts, &mut lit, true);
    Ok(parts)
}

struct PendingHeredoc {
    token: usize,
    delimiter: String,
    strip_tabs: bool,
    expand: bool,
}

struct Lexer<'a> {
    src: &'a str,
    chars: Vec<(usize, char)>,
    pos: usize,
    tokens: Vec<Token>,
    heredocs: Vec<PendingHeredoc>,
    /// `Some(strip_tabs)` right after `<<`/`<<-`: the next word is a delimiter.
    want_delimiter: Option<bool>,
    /// Nesting level of this lexer inside `${ … }` or a here-document body.
    nest: usize,
}

fn flush(parts: &mut Vec<Part>, lit: &mut String, quoted: bool) {
    if !lit.is_empty() {
        parts.push(Part::Lit {
            text: std::mem::take(lit),
            quoted,
        });
    }
}

fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>'
    )
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            chars: src.char_indices().collect(),
            pos: 0,
            tokens: Vec::new(),
            heredocs: Vec::new(),
            want_delimiter: None,
            nest: 0,
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).map(|&(_, c)| c)
    }

    fn offset(&self, pos: usize) -> usize {
        self.chars.get(pos).map_or(self.src.len(), |&(o, _)| o)
    }

    fn err<T>(&self, message: &str, pos: usize) -> Result<T, LexError> {
        Err(LexError {
            message: message.to_string(),
            offset: self.offset(pos),
        })
    }

    fn run(mut self) -> Result<Vec<Token>, LexError> {
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\r' => self.pos += 1,
                '\\' if self.peek(1) == Some('\n') => self.pos += 2,
                '\n' => {
                    self.pos += 1;
                    self.tokens.push(Token::Op(Op::Boundary));
                    self.read_heredoc_bodies()?;
                }
                '#' => {
                    while let Some(c) = self.peek(0) {
                        if c == '\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                ';' | '&' | '|' | '(' | ')' | '<' | '>' => self.operator(c)?,
                _ => self.word()?,
            }
        }
        if self.want_delimiter.is_some() {
            return self.err("a here-document is missing its delimiter", self.pos);
        }
        // A here-document still open at the end of input: bash warns and uses the rest.
        self.read_heredoc_bodies()?;
        Ok(self.tokens)
    }

    fn operator(&mut self, c: char) -> Result<(), LexError> {
        let n1 = self.peek(1);
        let n2 = self.peek(2);
        let (tok, len) = match (c, n1, n2) {
            ('|', Some('|'), _) => (Token::Op(Op::Boundary), 2),
            ('|', Some('&'), _) => (Token::Op(Op::Pipe), 2),
            ('|', _, _) => (Token::Op(Op::Pipe), 1),
            ('&', Some('&'), _) => (Token::Op(Op::Boundary), 2),
            ('&', Some('>'), Some('>')) => (Token::Redir(Redir::File), 3),
            ('&', Some('>'), _) => (Token::Redir(Redir::File), 2),
            ('&', _, _) => (Token::Op(Op::Boundary), 1),
            (';', Some(';' | '&'), _) => (Token::Op(Op::Boundary), 2),
            (';', _, _) | ('(', _, _) | (')', _, _) => (Token::Op(Op::Boundary), 1),
            ('<' | '>', Some('('), _) => {
                // Process substitution: a word whose value is a path, running a command.
                let start = self.pos;
                self.pos += 1;
                let inner = self.balanced('(', ')')?;
                let w = Word {
                    parts: vec![Part::Subst(inner)],
                    start: self.offset(start),
                    end: self.offset(self.pos),
                };
                self.push_word(w);
                return Ok(());
            }
            ('<', Some('<'), Some('<')) => (Token::Redir(Redir::HereString), 3),
            ('<', Some('<'), Some('-')) => {
                self.want_delimiter = Some(true);
                (Token::Redir(Redir::HereDoc), 3)
            }
            ('<', Some('<'), _) => {
                self.want_delimiter = Some(false);
                (Token::Redir(Redir::HereDoc), 2)
            }
            ('<', Some('&' | '>'), _) => (Token::Redir(Redir::File), 2),
            ('>', Some('>' | '&' | '|'), _) => (Token::Redir(Redir::File), 2),
            _ => (Token::Redir(Redir::File), 1),
        };
        self.pos += len;
        self.tokens.push(tok);
        Ok(())
    }

    fn push_word(&mut self, w: Word) {
        if let Some(strip_tabs) = self.want_delimiter.take() {
            let quoted = w.parts.iter().any(|p| {
                matches!(
                    p,
                    Part::Lit { quoted: true, .. } | Part::Var { quoted: true, .. }
                )
            });
            let delimiter = w
                .parts
                .iter()
                .map(|p| match p {
                    Part::Lit { text, .. } => text.clone(),
                    Part::Var { name, .. } => format!("${name}"),
                    Part::Dynamic(s) => s.clone(),
                    Part::Subst(s) => format!("$({s})"),
                })
                .collect();
            self.heredocs.push(PendingHeredoc {
                token: self.tokens.len(),
                delimiter,
                strip_tabs,
                expand: !quoted,
            });
        }
        self.tokens.push(Token::Word(w));
    }

    /// After a newline: consume the bodies of the here-documents opened on that line.
    fn read_heredoc_bodies(&mut self) -> Result<(), LexError> {
        for h in std::mem::take(&mut self.heredocs) {
            let body_start = self.pos;
            let mut body = String::new();
            loop {
                if self.pos >= self.chars.len() {
                    break;
                }
                let line_start = self.pos;
                while let Some(c) = self.peek(0) {
                    if c == '\n' {
                        break;
                    }
                    self.pos += 1;
                }
                let line = &self.src[self.offset(line_start)..self.offset(self.pos)];
                if self.peek(0) == Some('\n') {
                    self.pos += 1;
                }
                let cmp = if h.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if cmp == h.delimiter {
                    break;
                }
                body.push_str(cmp);
                body.push('\n');
            }
            let parts = if h.expand {
                // An unquoted delimiter means the body is expanded: `$(…)` in it runs.
                dquote_content_at(&body, self.nest + 1).map_err(|e| LexError {
                    message: format!("in a here-document: {}", e.message),
                    offset: self.offset(body_start) + e.offset,
                })?
            } else {
                vec![Part::Lit {
                    text: body,
                    quoted: true,
                }]
            };
            let (start, end) = (self.offset(body_start), self.offset(self.pos));
            if let Some(Token::Word(w)) = self.tokens.get_mut(h.token) {
                *w = Word { parts, start, end };
            }
        }
        Ok(())
    }

    fn word(&mut self) -> Result<(), LexError> {
        let start = self.pos;
        let mut parts = Vec::new();
        let mut lit = String::new();
        while let Some(c) = self.peek(0) {
            if is_meta(c) {
                break;
            }
            match c {
                '\\' => {
                    match self.peek(1) {
                        Some('\n') => {}
                        Some(n) => {
                            flush(&mut parts, &mut lit, false);
                            parts.push(Part::Lit {
                                text: n.to_string(),
                                quoted: true,
                            });
                        }
                        None => lit.push('\\'),
                    }
                    self.pos += 2;
                }
                '\'' => {
                    flush(&mut parts, &mut lit, false);
                    let open = self.pos;
                    self.pos += 1;
                    let mut s = String::new();
                    loop {
                        match self.peek(0) {
                            None => return self.err("unterminated single quote", open),
                            Some('\'') => break,
                            Some(c) => s.push(c),
                        }
                        self.pos += 1;
                    }
                    self.pos += 1;
                    parts.push(Part::Lit {
                        text: s,
                        quoted: true,
                    });
                }
                '"' => {
                    flush(&mut parts, &mut lit, false);
                    self.dquote(&mut parts)?;
                }
                '$' => {
                    flush(&mut parts, &mut lit, false);
                    self.dollar(&mut parts, false)?;
                }
                '`' => {
                    flush(&mut parts, &mut lit, false);
                    let inner = self.backtick()?;
                    parts.push(Part::Subst(inner));
                }
                _ => {
                    lit.push(c);
                    self.pos += 1;
                }
            }
        }
        flush(&mut parts, &mut lit, false);
        let w = Word {
            parts,
            start: self.offset(start),
            end: self.offset(self.pos),
        };
        // `2>file`, `10<&0`: a number right before a redirection is a file descriptor.
        let is_fd = matches!(self.peek(0), Some('<' | '>'))
            && matches!(w.parts.as_slice(), [Part::Lit { text, quoted: false }]
                if text.chars().all(|c| c.is_ascii_digit()));
        if !is_fd {
            self.push_word(w);
        }
        Ok(())
    }

    /// At `"`: read to the closing quote.
    fn dquote(&mut self, parts: &mut Vec<Part>) -> Result<(), LexError> {
        let open = self.pos;
        self.pos += 1;
        let mut lit = String::new();
        loop {
            match self.peek(0) {
                None => return self.err("unterminated double quote", open),
                Some('"') => {
                    self.pos += 1;
                    break;
                }
                Some(c) => self.dquote_char(c, parts, &mut lit, false)?,
            }
        }
        flush(parts, &mut lit, true);
        Ok(())
    }

    /// One character (or escape, or expansion) inside double quotes.
    fn dquote_char(
        &mut self,
        c: char,
        parts: &mut Vec<Part>,
        lit: &mut String,
        heredoc: bool,
    ) -> Result<(), LexError> {
        match c {
            '\\' => {
                match self.peek(1) {
                    Some('\n') => {}
                    Some(n @ ('$' | '`' | '\\')) => lit.push(n),
                    Some('"') if !heredoc => lit.push('"'),
                    Some(n) => {
                        lit.push('\\');
                        lit.push(n);
                    }
                    None => lit.push('\\'),
                }
                self.pos += 2;
            }
            '$' => {
                flush(parts, lit, true);
                self.dollar(parts, true)?;
            }
            '`' => {
                flush(parts, lit, true);
                let inner = self.backtick()?;
                parts.push(Part::Subst(inner));
            }
            _ => {
                lit.push(c);
                self.pos += 1;
            }
        }
        Ok(())
    }

    /// At `$`: an expansion, an ANSI-C string, or a literal dollar.
    fn dollar(&mut self, parts: &mut Vec<Part>, in_dquote: bool) -> Result<(), LexError> {
        let at = self.pos;
        match self.peek(1) {
            Some('\'') if !in_dquote => {
                self.pos += 2;
                let s = self.ansi_c(at)?;
                parts.push(Part::Lit {
                    text: s,
                    quoted: true,
                });
            }
            Some('"') if !in_dquote => {
                self.pos += 1;
                self.dquote(parts)?;
            }
            Some('(') if self.peek(2) == Some('(') => {
                self.pos += 1;
                let inner = self.balanced('(', ')')?;
                parts.push(Part::Dynamic(format!("$({inner})")));
            }
            Some('(') => {
                self.pos += 1;
                let inner = self.balanced('(', ')')?;
                parts.push(Part::Subst(inner));
            }
            Some('{') => {
                self.pos += 1;
                let inner = self.balanced('{', '}')?;
                if !inner.is_empty()
                    && inner.chars().next().is_some_and(is_name_start)
                    && inner.chars().all(is_name_char)
                {
                    parts.push(Part::Var {
                        name: inner,
                        quoted: in_dquote,
                    });
                } else {
                    // `${x:-$(cmd)}` runs `cmd` when x is unset: keep the substitutions.
                    let ops = inner
                        .find(|c: char| !is_name_char(c))
                        .map_or("", |i| &inner[i..]);
                    let inner_parts = dquote_content_at(ops, self.nest + 1)?;
                    parts.extend(
                        inner_parts
                            .into_iter()
                            .filter(|p| matches!(p, Part::Subst(_))),
                    );
                    parts.push(Part::Dynamic(format!("${{{inner}}}")));
                }
            }
            Some(c) if is_name_start(c) => {
                self.pos += 1;
                let mut name = String::new();
                while let Some(c) = self.peek(0) {
                    if !is_name_char(c) {
                        break;
                    }
                    name.push(c);
                    self.pos += 1;
                }
                parts.push(Part::Var {
                    name,
                    quoted: in_dquote,
                });
            }
            Some(c @ ('0'..='9' | '@' | '*' | '#' | '?' | '$' | '!' | '-')) => {
                self.pos += 2;
                parts.push(Part::Dynamic(format!("${c}")));
            }
            _ => {
                self.pos += 1;
                parts.push(Part::Lit {
                    text: "$".into(),
                    quoted: in_dquote,
                });
            }
        }
        Ok(())
    }

    /// After `$'`: bash's ANSI-C quoting, up to the closing `'`.
    fn ansi_c(&mut self, open: usize) -> Result<String, LexError> {
        let mut s = String::new();
        loop {
            let Some(c) = self.peek(0) else {
                return self.err("unterminated $'…' string", open);
            };
            self.pos += 1;
            match c {
                '\'' => return Ok(s),
                '\\' => {
                    let Some(e) = self.peek(0) else {
                        return self.err("unterminated $'…' string", open);
                    };
                    self.pos += 1;
                    match e {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        'r' => s.push('\r'),
                        'a' => s.push('\u{7}'),
                        'b' => s.push('\u{8}'),
                        'e' | 'E' => s.push('\u{1b}'),
                        'f' => s.push('\u{c}'),
                        'v' => s.push('\u{b}'),
                        'x' => {
                            let v = self.radix_digits(16, 2);
                            s.push(v.and_then(char::from_u32).unwrap_or('x'));
                        }
                        'u' => {
                            let v = self.radix_digits(16, 4);
                            s.push(v.and_then(char::from_u32).unwrap_or('u'));
                        }
                        'U' => {
                            let v = self.radix_digits(16, 8);
                            s.push(v.and_then(char::from_u32).unwrap_or('U'));
                        }
                        '0'..='7' => {
                            self.pos -= 1;
                            let v = self.radix_digits(8, 3);
                            s.push(v.and_then(char::from_u32).unwrap_or('0'));
                        }
                        other => s.push(other),
                    }
                }
                other => s.push(other),
            }
        }
    }

    fn radix_digits(&mut self, radix: u32, max: usize) -> Option<u32> {
        let mut v: u32 = 0;
        let mut n = 0;
        while n < max {
            let Some(d) = self.peek(0).and_then(|c| c.to_digit(radix)) else {
                break;
            };
            v = v * radix + d;
            self.pos += 1;
            n += 1;
        }
        (n > 0).then_some(v)
    }

    /// At an opening `open`: return the text up to its matching `close`, skipping quoted
    /// text, escapes and nested pairs. The position ends after `close`.
    fn balanced(&mut self, open: char, close: char) -> Result<String, LexError> {
        let start = self.pos;
        self.pos += 1;
        let inner_start = self.pos;
        let mut depth = 1usize;
        // Here-documents opened on the current line: (delimiter, strip tabs). Their bodies
        // are skipped whole: an apostrophe or parenthesis in them is text, not syntax.
        let mut heredocs: Vec<(String, bool)> = Vec::new();
        while let Some(c) = self.peek(0) {
            let word_start = self.pos == inner_start
                || self
                    .pos
                    .checked_sub(1)
                    .and_then(|p| self.chars.get(p))
                    .is_some_and(|&(_, p)| {
                        matches!(p, ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')')
                    });
            match c {
                '#' if open == '(' && word_start => {
                    while let Some(c) = self.peek(0) {
                        if c == '\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                '<' if open == '(' && self.peek(1) == Some('<') && self.peek(2) != Some('<') => {
                    self.pos += 2;
                    let strip = self.peek(0) == Some('-');
                    if strip {
                        self.pos += 1;
                    }
                    while matches!(self.peek(0), Some(' ' | '\t')) {
                        self.pos += 1;
                    }
                    let mut delim = String::new();
                    while let Some(c) = self.peek(0) {
                        if is_meta(c) {
                            break;
                        }
                        if !matches!(c, '\'' | '"' | '\\') {
                            delim.push(c);
                        }
                        self.pos += 1;
                    }
                    if !delim.is_empty() {
                        heredocs.push((delim, strip));
                    }
                }
                '\n' if !heredocs.is_empty() => {
                    self.pos += 1;
                    for (delim, strip) in std::mem::take(&mut heredocs) {
                        while self.pos < self.chars.len() {
                            let line_start = self.pos;
                            while let Some(c) = self.peek(0) {
                                if c == '\n' {
                                    break;
                                }
                                self.pos += 1;
                            }
                            let line = &self.src[self.offset(line_start)..self.offset(self.pos)];
                            let line = if strip {
                                line.trim_start_matches('\t')
                            } else {
                                line
                            };
                            let done = line == delim;
                            if self.peek(0) == Some('\n') {
                                self.pos += 1;
                            }
                            if done {
                                break;
                            }
                        }
                    }
                }
                '\\' => self.pos += 2,
                '\'' => {
                    self.pos += 1;
                    while let Some(c) = self.peek(0) {
                        self.pos += 1;
                        if c == '\'' {
                            break;
                        }
                    }
                }
                '"' => {
                    self.pos += 1;
                    while let Some(c) = self.peek(0) {
                        self.pos += 1;
                        match c {
                            '\\' => self.pos += 1,
                            '"' => break,
                            _ => {}
                        }
                    }
                }
                '`' => {
                    self.backtick()?;
                }
                c if c == open => {
                    depth += 1;
                    self.pos += 1;
                }
                c if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        let inner =
                            self.src[self.offset(inner_start)..self.offset(self.pos)].to_string();
                        self.pos += 1;
                        return Ok(inner);
                    }
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        let what = if open == '(' {
            "unterminated $( … ) or ( … )"
        } else {
            "unterminated ${ … }"
        };
        self.err(what, start)
    }

    /// At a backquote: the inner command, with `\$`, `` \` `` and `\\` unescaped.
    fn backtick(&mut self) -> Result<String, LexError> {
        let open = self.pos;
        self.pos += 1;
        let mut s = String::new();
        loop {
            match self.peek(0) {
                None => return self.err("unterminated backquote", open),
                Some('`') => {
                    self.pos += 1;
                    return Ok(s);
                }
                Some('\\') => {
                    match self.peek(1) {
                        Some(n @ ('$' | '`' | '\\')) => s.push(n),
                        Some(n) => {
                            s.push('\\');
                            s.push(n);
                        }
                        None => return self.err("unterminated backquote", open),
                    }
                    self.pos += 2;
                }
                Some(c) => {
                    s.push(c);
                    self.pos += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(src: &str) -> Vec<Vec<String>> {
        parse(src)
            .unwrap()
            .iter()
            .map(|c| {
                c.words
                    .iter()
                    .map(|w| w.literal().unwrap_or_else(|| format!("{:?}", w.parts)))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn splits_on_control_operators() {
        assert_eq!(
            lits("a b && c || d; e & f | g |& h\ni"),
            vec![
                vec!["a", "b"],
                vec!["c"],
                vec!["d"],
                vec!["e"],
                vec!["f"],
                vec!["g"],
                vec!["h"],
                vec!["i"]
            ]
        );
        let cmds = parse("f | g").unwrap();
        assert!(!cmds[0].piped && cmds[1].piped);
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            lits(r#"echo 'a b' "c d" e\ f "g\"h" 'i'"j"k"#),
            vec![vec!["echo", "a b", "c d", "e f", "g\"h", "ijk"]]
        );
        assert_eq!(
            lits(r"echo $'a\tb\x41\'c' $'\101'"),
            vec![vec!["echo", "a\tbA'c", "A"]]
        );
        assert_eq!(lits("ter\\\nraform plan"), vec![vec!["terraform", "plan"]]);
        assert_eq!(
            lits("t'err'a\"form\" apply"),
            vec![vec!["terraform", "apply"]]
        );
    }

    #[test]
    fn comments_and_blank_lines() {
        assert_eq!(lits("# terraform destroy\nls # x"), vec![vec!["ls"]]);
        assert_eq!(lits("echo a#b"), vec![vec!["echo", "a#b"]]);
        assert!(parse("   \n\n ").unwrap().is_empty());
    }

    #[test]
    fn substitutions_are_kept_for_inspection() {
        let c = parse("echo $(terraform destroy) `tofu apply` \"x$(a \"b\" c)y\"").unwrap();
        let subs: Vec<&str> = c[0].words.iter().flat_map(|w| w.substitutions()).collect();
        assert_eq!(subs, vec!["terraform destroy", "tofu apply", "a \"b\" c"]);
        let c = parse("diff <(terraform show) >(cat)").unwrap();
        let subs: Vec<&str> = c[0].words.iter().flat_map(|w| w.substitutions()).collect();
        assert_eq!(subs, vec!["terraform show", "cat"]);
        let c = parse("echo ${X:-$(terraform destroy)} $((1+2))").unwrap();
        let subs: Vec<&str> = c[0].words.iter().flat_map(|w| w.substitutions()).collect();
        assert_eq!(subs, vec!["terraform destroy"]);
        let c = parse("echo $(echo $(echo in))").unwrap();
        assert_eq!(
            c[0].words[1].substitutions().collect::<Vec<_>>(),
            vec!["echo $(echo in)"]
        );
    }

    #[test]
    fn variables() {
        let c = parse("$TF \"${X}\" $1").unwrap();
        assert_eq!(
            c[0].words[0].parts,
            vec![Part::Var {
                name: "TF".into(),
                quoted: false
            }]
        );
        assert_eq!(
            c[0].words[1].parts,
            vec![Part::Var {
                name: "X".into(),
                quoted: true
            }]
        );
        assert_eq!(c[0].words[2].parts, vec![Part::Dynamic("$1".into())]);
        assert_eq!(lits("echo $ a"), vec![vec!["echo", "$", "a"]]);
    }

    #[test]
    fn redirections_are_not_arguments() {
        let c = parse("terraform plan > out.txt 2>&1 < /dev/null &>> log").unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].words
                .iter()
                .filter_map(Word::literal)
                .collect::<Vec<_>>(),
            vec!["terraform", "plan"]
        );
        assert_eq!(c[0].redirect_targets.len(), 4);
        assert!(parse("ls >").is_err());
        assert!(parse("ls > | cat").is_err());
    }

    #[test]
    fn heredocs_and_herestrings_feed_stdin() {
        let c = parse("bash <<EOF\nterraform destroy\nEOF\nls").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[0].stdin[0].literal().as_deref(),
            Some("terraform destroy\n")
        );
        assert_eq!(c[1].words[0].literal().as_deref(), Some("ls"));
        let c = parse("sh <<-'X'\n\tterraform apply\n\tX\n").unwrap();
        assert_eq!(
            c[0].stdin[0].literal().as_deref(),
            Some("terraform apply\n")
        );
        let c = parse("cat <<EOF\n$(terraform destroy)\nEOF").unwrap();
        assert_eq!(
            c[0].stdin[0].substitutions().collect::<Vec<_>>(),
            vec!["terraform destroy"]
        );
        let c = parse("bash <<< 'terraform destroy'").unwrap();
        assert_eq!(
            c[0].stdin[0].literal().as_deref(),
            Some("terraform destroy")
        );
    }

    #[test]
    fn heredocs_and_comments_inside_substitutions() {
        // The commit-message idiom coding agents use, with an apostrophe and a parenthesis.
        let src = "git commit -m \"$(cat <<'EOF'\nDon't (really) `x\nEOF\n)\" && ls";
        let c = parse(src).unwrap();
        assert_eq!(c.len(), 2);
        let subs: Vec<&str> = c[0].words[3].substitutions().collect();
        assert_eq!(subs, vec!["cat <<'EOF'\nDon't (really) `x\nEOF\n"]);
        let inner = parse(subs[0]).unwrap();
        assert_eq!(
            inner[0].stdin[0].literal().as_deref(),
            Some("Don't (really) `x\n")
        );
        let c = parse("echo $(ls # it's a comment\n)").unwrap();
        assert_eq!(c.len(), 1);
        let c = parse("echo $(cat <<-X\n\t)'\n\tX\n)").unwrap();
        assert_eq!(c.len(), 1);
        assert!(parse("echo $(echo a#b 'c)").is_err());
    }

    #[test]
    fn subshells_and_groups_are_flattened() {
        assert_eq!(
            lits("(cd x && terraform apply); { ls; }"),
            vec![
                vec!["cd", "x"],
                vec!["terraform", "apply"],
                vec!["{", "ls"],
                vec!["}"]
            ]
        );
    }

    #[test]
    fn unbalanced_input_is_an_error() {
        for bad in [
            "echo 'abc",
            "echo \"abc",
            "echo $(ls",
            "echo `ls",
            "echo ${X",
            "echo $'abc",
            "cat <<",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let e = parse("ls; echo 'x").unwrap_err();
        assert_eq!(e.offset, 9);
    }

    #[test]
    fn spans_point_into_the_source() {
        let src = "cd infra &&  terraform apply -auto-approve ; ls";
        let c = parse(src).unwrap();
        assert_eq!(&src[c[1].start..c[1].end], "terraform apply -auto-approve");
    }

    #[test]
    fn deep_nesting_is_refused_not_a_crash() {
        let deep = format!("echo {}x{}", "${a:-".repeat(20_000), "}".repeat(20_000));
        assert!(parse(&deep).is_err());
        let body = format!(
            "cat <<EOF\n{}x{}\nEOF",
            "${a:-".repeat(20_000),
            "}".repeat(20_000)
        );
        assert!(parse(&body).is_err());
        let ok = format!("echo {}x{}", "${a:-".repeat(10), "}".repeat(10));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "\\",
            "$",
            "$(",
            "`",
            "'",
            "\"",
            "<<",
            "<(",
            "${}",
            "$((",
            "a\\",
            "$'\\",
            "$'\\x",
            "\u{e9}$'\\u00e9'",
            ";;;",
            "|||",
            "&&&",
            "((()))",
            "<<<",
            "x<<E\nE",
            "2>",
        ] {
            let _ = parse(s);
        }
    }
}
