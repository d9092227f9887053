//! The template parser: text, `{…|…}` choices, `\` escapes and `__name__` wildcards.

use super::{MAX_DEPTH, Node, Wildcards};

/// Why a template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{` with no `}`.
    #[error("the {{ at character {0} is never closed (write \\{{ for a literal brace)")]
    Unclosed(usize),
    /// A `}` with no `{`.
    #[error("the }} at character {0} closes nothing (write \\}} for a literal brace)")]
    Unopened(usize),
    /// A wildcard with no file.
    #[error("no wildcard file for __{0}__ (wildcards/{0}.txt in the config folder)")]
    NoWildcard(String),
    /// A wildcard file with no line.
    #[error("wildcards/{0}.txt has no line to pick (blank lines and # comments are skipped)")]
    EmptyWildcard(String),
    /// Wildcards that name each other in a circle.
    #[error("the wildcards name each other in a circle: {0}")]
    Cycle(String),
    /// Wildcards nested too deep.
    #[error("wildcards nest more than {MAX_DEPTH} deep: {0}")]
    TooDeep(String),
    /// Too many prompts from one template.
    #[error(
        "this template makes {0} prompts; the most qimg sends from one template is 1000 (use random draws, or fewer choices)"
    )]
    TooMany(u64),
    /// A wildcard line that is not a template.
    #[error("in wildcards/{0}.txt: {1}")]
    InWildcard(String, Box<TemplateError>),
}

/// Parses `text`; `stack` is the wildcards being expanded (for cycles and depth).
pub(super) fn parse(
    text: &str,
    wildcards: &Wildcards,
    stack: &mut Vec<String>,
) -> Result<Vec<Node>, TemplateError> {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let seq = sequence(&chars, &mut at, 0, wildcards, stack)?;
    if at < chars.len() {
        return Err(TemplateError::Unopened(at + 1));
    }
    Ok(seq)
}

/// A sequence up to an unescaped `|` or `}` at `depth` > 0, or the end.
fn sequence(
    chars: &[char],
    at: &mut usize,
    depth: usize,
    wildcards: &Wildcards,
    stack: &mut Vec<String>,
) -> Result<Vec<Node>, TemplateError> {
    let mut nodes = Vec::new();
    let mut text = String::new();
    while *at < chars.len() {
        let c = chars[*at];
        match c {
            '\\' if matches!(chars.get(*at + 1), Some('{' | '}' | '|' | '\\')) => {
                text.push(chars[*at + 1]);
                *at += 2;
            }
            '{' => {
                flush(&mut text, &mut nodes);
                let open = *at;
                *at += 1;
                nodes.push(choice(chars, at, open, depth, wildcards, stack)?);
            }
            '|' | '}' if depth > 0 => break,
            '}' => return Err(TemplateError::Unopened(*at + 1)),
            '_' if chars.get(*at + 1) == Some(&'_') => match wildcard_name(chars, *at) {
                Some((name, end)) => {
                    flush(&mut text, &mut nodes);
                    nodes.push(wildcard(&name, wildcards, stack)?);
                    *at = end;
                }
                None => {
                    text.push(c);
                    *at += 1;
                }
            },
            _ => {
                text.push(c);
                *at += 1;
            }
        }
    }
    flush(&mut text, &mut nodes);
    Ok(nodes)
}

fn flush(text: &mut String, nodes: &mut Vec<Node>) {
    if !text.is_empty() {
        nodes.push(Node::Text(std::mem::take(text)));
    }
}

/// `{a|b|…}` from after the `{`.
fn choice(
    chars: &[char],
    at: &mut usize,
    open: usize,
    depth: usize,
    wildcards: &Wildcards,
    stack: &mut Vec<String>,
) -> Result<Node, TemplateError> {
    let mut alts = Vec::new();
    loop {
        alts.push(sequence(chars, at, depth + 1, wildcards, stack)?);
        match chars.get(*at) {
            Some('|') => *at += 1,
            Some('}') => {
                *at += 1;
                return Ok(Node::Choice(alts));
            }
            _ => return Err(TemplateError::Unclosed(open + 1)),
        }
    }
}

/// `__name__` at `at`: the name and the index after it. Names are letters, digits, `-` and
/// single `_` (no path can be named).
fn wildcard_name(chars: &[char], at: usize) -> Option<(String, usize)> {
    let mut i = at + 2;
    let mut name = String::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '_' && chars.get(i + 1) == Some(&'_') {
            return (!name.is_empty() && !name.ends_with('_')).then_some((name, i + 2));
        }
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            name.push(c);
            i += 1;
        } else {
            return None;
        }
    }
    None
}

/// A wildcard: a choice of its file's lines, each a template.
fn wildcard(
    name: &str,
    wildcards: &Wildcards,
    stack: &mut Vec<String>,
) -> Result<Node, TemplateError> {
    if stack.iter().any(|n| n == name) {
        let mut path = stack.clone();
        path.push(name.to_owned());
        return Err(TemplateError::Cycle(
            path.iter()
                .map(|n| format!("__{n}__"))
                .collect::<Vec<_>>()
                .join(" → "),
        ));
    }
    if stack.len() >= super::MAX_DEPTH {
        return Err(TemplateError::TooDeep(
            stack
                .iter()
                .map(|n| format!("__{n}__"))
                .collect::<Vec<_>>()
                .join(" → "),
        ));
    }
    let lines = wildcards
        .0
        .get(name)
        .ok_or_else(|| TemplateError::NoWildcard(name.to_owned()))?;
    if lines.is_empty() {
        return Err(TemplateError::EmptyWildcard(name.to_owned()));
    }
    stack.push(name.to_owned());
    let alts: Result<Vec<_>, _> = lines
        .iter()
        .map(|l| {
            parse(l, wildcards, stack).map_err(|e| match e {
                e @ (TemplateError::Cycle(_)
                | TemplateError::TooDeep(_)
                | TemplateError::InWildcard(..)) => e,
                e => TemplateError::InWildcard(name.to_owned(), Box::new(e)),
            })
        })
        .collect();
    stack.pop();
    Ok(Node::Choice(alts?))
}
