//! Terraform address syntax: `[module.NAME[KEY].]…[data.]TYPE.NAME[KEY]`.
//!
//! Instance keys can be HCL-quoted strings containing `.`, `[`, `]` and escaped quotes
//! (`aws_instance.x["test.1"]`), so addresses are split with a tokenizer, never on `.`.

/// One dot-separated step of an address: a name with an optional raw key (`0`, `"a.b"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<'a> {
    pub name: &'a str,
    /// Text between the brackets, quotes included for string keys.
    pub key: Option<&'a str>,
}

/// Split an address into steps. Returns `None` for text that is not an address (unbalanced
/// brackets or quotes), so callers can report it instead of guessing.
pub fn steps(addr: &str) -> Option<Vec<Step<'_>>> {
    let bytes = addr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let name_start = i;
        while i < bytes.len() && bytes[i] != b'.' && bytes[i] != b'[' {
            i += 1;
        }
        let name = &addr[name_start..i];
        let mut key = None;
        if i < bytes.len() && bytes[i] == b'[' {
            let key_start = i + 1;
            i += 1;
            let mut in_string = false;
            loop {
                let b = *bytes.get(i)?;
                if in_string {
                    if b == b'\\' {
                        i += 1;
                    } else if b == b'"' {
                        in_string = false;
                    }
                } else if b == b'"' {
                    in_string = true;
                } else if b == b']' {
                    break;
                }
                i += 1;
            }
            key = Some(&addr[key_start..i]);
            i += 1; // past ']'
        }
        out.push(Step { name, key });
        if i < bytes.len() {
            if bytes[i] != b'.' {
                // `a[0]b` or `a[0][1]`: a second key on one step is an attribute path, not
                // an address; accept only what addresses can hold.
                return None;
            }
            i += 1;
        }
    }
    Some(out)
}

/// A resource instance address split into its module instance path and the resource part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceAddr<'a> {
    /// `(call name, key)` for each `module.NAME[KEY]` step.
    pub modules: Vec<Step<'a>>,
    /// `data.TYPE.NAME` or `TYPE.NAME`, without the key.
    pub resource: String,
    pub key: Option<&'a str>,
}

impl InstanceAddr<'_> {
    /// Absolute config address: every key dropped (`module.a.module.b.aws_x.y`).
    pub fn config_address(&self) -> String {
        let mut s = String::new();
        for m in &self.modules {
            s.push_str("module.");
            s.push_str(m.name);
            s.push('.');
        }
        s.push_str(&self.resource);
        s
    }

    /// Config module path (`module.a.module.b.`, empty at root).
    pub fn config_module_path(&self) -> String {
        let mut s = String::new();
        for m in &self.modules {
            s.push_str("module.");
            s.push_str(m.name);
            s.push('.');
        }
        s
    }

    /// Module instance path truncated to `depth` module steps, keys included.
    pub fn module_instance_prefix(&self, depth: usize) -> String {
        let mut s = String::new();
        for m in self.modules.iter().take(depth) {
            s.push_str("module.");
            s.push_str(m.name);
            if let Some(k) = m.key {
                s.push('[');
                s.push_str(k);
                s.push(']');
            }
            s.push('.');
        }
        s
    }
}

/// Parse a resource instance address. `None` when it is not one.
pub fn parse_instance(addr: &str) -> Option<InstanceAddr<'_>> {
    let steps = steps(addr)?;
    let mut modules = Vec::new();
    let mut i = 0;
    while i + 1 < steps.len() && steps[i].name == "module" && steps[i].key.is_none() {
        modules.push(steps[i + 1]);
        i += 2;
    }
    let rest = &steps[i..];
    let (resource, key) = match rest {
        [t, n] if t.key.is_none() => (format!("{}.{}", t.name, n.name), n.key),
        [d, t, n] if d.name == "data" && d.key.is_none() && t.key.is_none() => {
            (format!("data.{}.{}", t.name, n.name), n.key)
        }
        _ => return None,
    };
    Some(InstanceAddr {
        modules,
        resource,
        key,
    })
}

/// Strip every instance key: the config address of an instance, or `None` if unparsable.
pub fn config_address(addr: &str) -> Option<String> {
    parse_instance(addr).map(|a| a.config_address())
}

/// Render an instance key as Terraform does (`[0]`, `["a\"b"]`) from its JSON value.
pub fn render_key(index: &serde_json::Value) -> Option<String> {
    match index {
        serde_json::Value::Number(n) => Some(format!("[{n}]")),
        serde_json::Value::String(s) => {
            let mut out = String::from("[\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
                    c => out.push(c),
                }
            }
            out = out.replace("${", "$${").replace("%{", "%%{");
            out.push_str("\"]");
            Some(out)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_keys_with_dots_and_brackets() {
        let a = parse_instance(r#"module.net["eu.1"].module.sg.aws_instance.x["a]b\"c.d"]"#)
            .expect("parses");
        assert_eq!(a.modules.len(), 2);
        assert_eq!(a.modules[0].key, Some(r#""eu.1""#));
        assert_eq!(a.resource, "aws_instance.x");
        assert_eq!(a.key, Some(r#""a]b\"c.d""#));
        assert_eq!(a.config_address(), "module.net.module.sg.aws_instance.x");
        assert_eq!(a.module_instance_prefix(1), r#"module.net["eu.1"]."#);
    }

    #[test]
    fn data_sources_and_root() {
        assert_eq!(
            config_address("data.aws_ami.ubuntu").as_deref(),
            Some("data.aws_ami.ubuntu")
        );
        assert_eq!(
            config_address("module.m[0].data.x.y[3]").as_deref(),
            Some("module.m.data.x.y")
        );
        assert_eq!(config_address("aws_x"), None);
        assert_eq!(config_address("aws_x.y[\"unterminated"), None);
    }

    #[test]
    fn renders_keys_like_terraform() {
        assert_eq!(render_key(&serde_json::json!(3)).as_deref(), Some("[3]"));
        assert_eq!(
            render_key(&serde_json::json!("a\"b${x}")).as_deref(),
            Some(r#"["a\"b$${x}"]"#)
        );
    }
}
