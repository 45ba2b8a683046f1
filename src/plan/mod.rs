//! Input formats: detect what a document is and turn it into the neutral [`Plan`] model.
//!
//! This directory is the only place that knows Terraform or CloudFormation field names.
//! Detection is by content, never by file name: CI systems name plan files anything.
//! Every parser fails closed: a document it cannot fully understand is an [`Error::Input`]
//! with a location and a hint, never a silently smaller plan.

pub mod cfn_diff;
pub mod cfn_fetch;
pub mod cfn_template;
pub mod cloudformation;
pub mod terraform;

use crate::error::{Error, Located, Result};
use crate::model::Plan;
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};

/// The bytes of one input as they came: read into memory, or mapped from a regular file.
///
/// Plans run to hundreds of megabytes. Mapping a file costs a few page-table entries where
/// reading it costs a copy into fresh heap pages (≈ 0.25 s and the file's size in heap for
/// a 500 MB plan, as much as parsing it). Mapping is read-only (`PROT_READ`, private).
pub enum InputBytes {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl InputBytes {
    /// The file at `path`: mapped when it is a non-empty regular file, read otherwise
    /// (FIFOs, devices, `/proc` files, or a filesystem that cannot map).
    pub fn read_file(path: &std::path::Path) -> std::io::Result<InputBytes> {
        let file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_file() && meta.len() > 0 {
            // SAFETY: the map is read-only and private. Another process truncating or
            // rewriting the file while planguard runs can change or remove the mapped
            // pages (SIGBUS ends the process: a non-zero exit, never a pass). The same
            // trade-off ripgrep makes; plans are written before they are checked.
            if let Ok(map) = unsafe { memmap2::MmapOptions::new().populate().map(&file) } {
                return Ok(InputBytes::Mapped(map));
            }
        }
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut (&file), &mut buf)?;
        Ok(InputBytes::Owned(buf))
    }

    pub fn as_slice(&self) -> &[u8] {
        match self {
            InputBytes::Owned(v) => v,
            InputBytes::Mapped(m) => m,
        }
    }

    /// True when the bytes are a file mapping, not heap memory.
    pub fn is_mapped(&self) -> bool {
        matches!(self, InputBytes::Mapped(_))
    }
}

/// Validated UTF-8 text of one input, owned or mapped. Derefs to `str`.
pub struct Text(InputBytes);

impl Text {
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor checked the bytes are UTF-8 (`Source::from_input`,
        // or built from a `String`), and the bytes are never written through this type.
        unsafe { std::str::from_utf8_unchecked(self.0.as_slice()) }
    }

    /// True when the text is a file mapping (its bytes are not on the heap).
    pub fn is_mapped(&self) -> bool {
        self.0.is_mapped()
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Text({} bytes{})",
            self.len(),
            if self.is_mapped() { ", mapped" } else { "" }
        )
    }
}

impl miette::SourceCode for Text {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> std::result::Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        self.as_str()
            .read_span(span, context_lines_before, context_lines_after)
    }
}

/// The exact bytes of one input, as text. Shared (`Arc`) so diagnostics can point into it
/// without copying a plan of hundreds of megabytes.
#[derive(Debug, Clone)]
pub struct Source {
    /// As the user named it (`-` for stdin).
    pub path: String,
    pub text: Arc<Text>,
    /// SHA-256 of the bytes as read, lowercase hex: computed on first use, so `analyze` can
    /// hash on one core while it parses on the other.
    sha256: Arc<OnceLock<String>>,
}

impl Source {
    /// Wrap bytes read from `path`. Invalid UTF-8 is refused with its offset: no supported
    /// format allows it, and guessing an encoding could hide part of a plan.
    pub fn from_bytes(path: &str, bytes: Vec<u8>) -> Result<Source> {
        Source::from_input(path, InputBytes::Owned(bytes))
    }

    /// Wrap input bytes, owned or mapped; see [`Source::from_bytes`].
    pub fn from_input(path: &str, bytes: InputBytes) -> Result<Source> {
        if let Err(e) = std::str::from_utf8(bytes.as_slice()) {
            let at = e.valid_up_to();
            let lossy = Arc::new(String::from_utf8_lossy(bytes.as_slice()).into_owned());
            // Offsets before the bad byte are identical in the lossy copy.
            return Err(Error::input(
                Located::at_offset(
                    "planguard::input::encoding",
                    path,
                    &lossy,
                    at,
                    format!("invalid UTF-8 at byte {at}"),
                )
                .with_help(
                    "plan JSON, change sets and templates are UTF-8 text; was a binary or \
                     re-encoded file given? A binary Terraform plan is read with \
                     `terraform show -json PLANFILE`.",
                ),
            ));
        }
        Ok(Source {
            path: path.to_string(),
            text: Arc::new(Text(bytes)),
            sha256: Arc::default(),
        })
    }

    /// A source from text (tests, generated documents).
    pub fn from_text(path: &str, text: impl Into<String>) -> Source {
        let text: String = text.into();
        Source {
            path: path.to_string(),
            sha256: Arc::default(),
            text: Arc::new(Text(InputBytes::Owned(text.into_bytes()))),
        }
    }

    /// SHA-256 of the text (the exact bytes read, which were valid UTF-8), lowercase hex.
    pub fn sha256(&self) -> &str {
        self.sha256.get_or_init(|| hex_sha256(self.text.as_bytes()))
    }

    /// A diagnostic at byte `offset` of this source.
    pub fn error_at(
        &self,
        code: &'static str,
        offset: usize,
        message: impl Into<String>,
    ) -> Located {
        Located::at_offset(code, &self.path, &self.text, offset, message)
    }

    /// A diagnostic at a 1-based line/column of this source.
    pub fn error_at_line_col(
        &self,
        code: &'static str,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Located {
        Located::at_line_col(code, &self.path, &self.text, line, column, message)
    }
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        use std::fmt::Write;
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// What a document looks like, decided from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// A JSON object that is not a CloudFormation document: Terraform plan JSON (the parser
    /// refuses state files, UI streams and foreign JSON with a precise message).
    TerraformJson,
    /// `describe-change-set` output, JSON or YAML.
    CloudformationChangeSet,
    /// A CloudFormation template, JSON or YAML.
    CloudformationTemplate,
}

/// How far into a document detection looks. Terraform writes `format_version` first and
/// the CLI writes change-set keys in API order, so the markers sit near the start.
const SNIFF_BYTES: usize = 64 * 1024;

/// Decide which parser reads `src`. Errors here are the ones no parser could explain better:
/// empty input, a plan wrapped in CI log lines.
pub fn detect(src: &Source) -> Result<Detected> {
    let text = src.text.as_str();
    let trimmed_start = text.len() - text.trim_start().len();
    if trimmed_start == text.len() {
        return Err(Error::input(
            Located::whole_file("planguard::input::empty", &src.path, "the input is empty")
                .with_help(
                    "expected `terraform show -json PLANFILE` output or \
                     `aws cloudformation describe-change-set` output; was the command that \
                     wrote it interrupted?",
                ),
        ));
    }
    let mut head_end = SNIFF_BYTES.min(text.len());
    while !text.is_char_boundary(head_end) {
        head_end -= 1;
    }
    let head = &text[..head_end];
    let first = text.as_bytes()[trimmed_start];

    if first == b'{' {
        if has_json_key(head, "ChangeSetId")
            || has_json_key(head, "ChangeSetName")
            || (has_json_key(head, "Changes") && !has_json_key(head, "format_version"))
        {
            return Ok(Detected::CloudformationChangeSet);
        }
        if has_json_key(head, "AWSTemplateFormatVersion")
            || (has_json_key(head, "Resources") && !has_json_key(head, "format_version"))
        {
            return Ok(Detected::CloudformationTemplate);
        }
        return Ok(Detected::TerraformJson);
    }

    // Not JSON at the start. A plan captured through a CI wrapper has log lines around it.
    if let Some(offset) = wrapped_json_start(text) {
        let mut err = src.error_at(
            "planguard::input::wrapped",
            trimmed_start,
            "this is not plan JSON: the file starts with log output, and the JSON plan is on a later line",
        );
        let (line, _) = crate::error::line_col(text, offset);
        err = err.with_label("log output, not JSON").with_help(format!(
            "the plan JSON starts at line {line}. The file was captured through a CI wrapper \
             (for example hashicorp/setup-terraform with terraform_wrapper: true, which adds \
             `[command]` and `::debug::` lines). Set `terraform_wrapper: false`, or write the \
             plan with `terraform show -json plan.tfplan > plan.json` outside the wrapper. \
             planguard does not cut log lines away itself: it cannot know the cut is complete."
        ));
        return Err(Error::input(err));
    }

    // YAML: only CloudFormation documents are YAML.
    if yaml_top_key(head, "AWSTemplateFormatVersion") || yaml_top_key(head, "Resources") {
        return Ok(Detected::CloudformationTemplate);
    }
    if yaml_top_key(head, "Changes")
        || yaml_top_key(head, "ChangeSetId")
        || yaml_top_key(head, "ChangeSetName")
        || yaml_top_key(head, "StackId")
    {
        return Ok(Detected::CloudformationChangeSet);
    }
    Err(Error::input(
        src.error_at(
            "planguard::input::unknown-format",
            trimmed_start,
            "not a plan planguard can read",
        )
        .with_label("expected `{` (JSON) or a CloudFormation YAML key")
        .with_help(
            "give `terraform show -json PLANFILE` output (a JSON object), a binary plan file, \
             `aws cloudformation describe-change-set` output (JSON or YAML), or a \
             CloudFormation template. `terraform plan -json` (the UI event stream) is not a \
             plan document.",
        ),
    ))
}

fn has_json_key(head: &str, key: &str) -> bool {
    // memmem, not `str::find`: detection runs on the main thread before the second core
    // is started, and a Terraform plan is scanned for every CloudFormation key in vain.
    let needle = format!("\"{key}\"");
    memchr::memmem::find_iter(head.as_bytes(), needle.as_bytes())
        .any(|p| head[p + needle.len()..].trim_start().starts_with(':'))
}

fn yaml_top_key(head: &str, key: &str) -> bool {
    head.lines().any(|l| {
        l.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
            || l.strip_prefix(&format!("\"{key}\""))
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

/// Byte offset of a line that starts a JSON object, after non-JSON lines.
fn wrapped_json_start(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with('{') && offset > 0 {
            return Some(offset + (line.len() - t.len()));
        }
        offset += line.len();
        if offset > SNIFF_BYTES {
            break;
        }
    }
    None
}

/// Parse every source (plans and change sets) into plans. CloudFormation change sets given
/// together are merged (pages) and linked (nested stacks) by their parser; `templates` are
/// CloudFormation templates named with `--template`.
pub fn parse_all(sources: &[Source], templates: &[Source]) -> Result<Vec<Plan>> {
    let mut plans = parse_all_with(sources, templates, &[])?;
    for p in &mut plans {
        fill_hashes(std::slice::from_mut(&mut p.input), sources);
    }
    Ok(plans)
}

/// Set the SHA-256 of inputs whose parser left it empty (the Terraform and change-set
/// parsers do, so the analysis can go on while a second thread hashes), from the source of
/// the same path.
pub fn fill_hashes<S: std::borrow::Borrow<Source>>(
    inputs: &mut [crate::model::InputInfo],
    sources: &[S],
) {
    for input in inputs.iter_mut().filter(|i| i.sha256.is_empty()) {
        if let Some(src) = sources.iter().map(S::borrow).find(|s| s.path == input.path) {
            input.sha256 = src.sha256().to_string();
        }
    }
}

/// Work a second core can do while the first parses: section prefetches (see
/// [`terraform::Prefetch`]), then the inputs' hashes. `prefetch[i]` belongs to `sources[i]`.
/// Sources smaller than `min_bytes` get no prefetch.
pub fn background_work<'a>(
    sources: &'a [Source],
    min_bytes: usize,
) -> Vec<Option<terraform::Prefetch<'a>>> {
    sources
        .iter()
        .map(|s| {
            (s.text.len() >= min_bytes && matches!(detect(s), Ok(Detected::TerraformJson)))
                .then(|| terraform::Prefetch::new(s))
        })
        .collect()
}

/// Below this size a second parsing thread costs about what it saves (its start-up and
/// first allocations against a parse of about a millisecond).
pub const PREFETCH_MIN_BYTES: usize = 1 << 20;

/// [`parse_all`], using what [`background_work`] prepared for the same sources. Terraform
/// and change-set inputs come back with an empty `sha256`: see [`fill_hashes`].
pub fn parse_all_with<'a>(
    sources: &'a [Source],
    templates: &[Source],
    prefetch: &[Option<terraform::Prefetch<'a>>],
) -> Result<Vec<Plan>> {
    let mut plans = Vec::new();
    let mut change_sets = Vec::new();
    let mut extra_templates: Vec<&Source> = templates.iter().collect();
    for (i, src) in sources.iter().enumerate() {
        match detect(src)? {
            Detected::TerraformJson => plans.push(terraform::parse_with(
                src,
                prefetch.get(i).and_then(Option::as_ref),
            )?),
            Detected::CloudformationChangeSet => change_sets.push(src),
            Detected::CloudformationTemplate => extra_templates.push(src),
        }
    }
    if !change_sets.is_empty() {
        plans.extend(cloudformation::parse_change_sets_unhashed(
            &change_sets,
            &extra_templates,
        )?);
    } else if extra_templates.len() > templates.len() {
        // A template given as an input (not with --template) has no change to judge.
        let first = extra_templates[templates.len()];
        return Err(Error::input(
            Located::whole_file(
                "planguard::input::template-only",
                &first.path,
                "this is a CloudFormation template, not a change set or plan",
            )
            .with_help(
                "to predict what deploying it changes, compare it with the deployed template: \
                 `planguard check --before deployed.yaml --after new.yaml`; to judge a change \
                 set, give its `describe-change-set` output and pass the template with \
                 `--template`.",
            ),
        ));
    }
    Ok(plans)
}
