//! Prompt templates: `{a|b|c}` picks one alternative (nesting allowed; `\{`, `\}`, `\|` and
//! `\\` are literal), `__name__` picks a line of a wildcard file (the caller loads the files;
//! lines may hold templates and wildcards of their own, up to [`MAX_DEPTH`] deep; a cycle is an
//! error naming it). A template makes every combination of its choices, or N random draws,
//! each from one job's seed, so the same seed always draws the same prompt. Pure: no file is
//! read here.

mod parse;

use std::collections::BTreeMap;

pub use parse::TemplateError;

/// The most prompts one template may make.
pub const MAX_PROMPTS: u64 = 1000;
/// How deep wildcards may nest.
pub const MAX_DEPTH: usize = 8;

/// Wildcard files by name: each a list of lines (blank lines and `#` comments already gone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wildcards(pub BTreeMap<String, Vec<String>>);

impl Wildcards {
    /// Reads a wildcard file's text into lines: blank lines and `#` comments are skipped.
    pub fn lines_of(text: &str) -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    }
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    /// Text as it is.
    Text(String),
    /// One of these sequences.
    Choice(Vec<Vec<Node>>),
}

/// A parsed template, wildcards resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    nodes: Vec<Node>,
}

impl Template {
    /// Parses `text`, resolving wildcards from `wildcards`.
    pub fn parse(text: &str, wildcards: &Wildcards) -> Result<Self, TemplateError> {
        let nodes = parse::parse(text, wildcards, &mut Vec::new())?;
        Ok(Self { nodes })
    }

    /// True when the text has no choice at all (it makes itself, once).
    pub fn is_plain(&self) -> bool {
        self.nodes.iter().all(|n| matches!(n, Node::Text(_)))
    }

    /// How many prompts every combination makes (saturating).
    pub fn count(&self) -> u64 {
        count(&self.nodes)
    }

    /// The longest prompt it can make, in characters.
    pub fn max_chars(&self) -> usize {
        max_chars(&self.nodes)
    }

    /// Every combination, in order (the first alternative first). Refused above
    /// [`MAX_PROMPTS`], saying how many it would make.
    pub fn expand_all(&self) -> Result<Vec<String>, TemplateError> {
        let n = self.count();
        if n > MAX_PROMPTS {
            return Err(TemplateError::TooMany(n));
        }
        let mut out = vec![String::new()];
        expand(&self.nodes, &mut out);
        Ok(out)
    }

    /// One random prompt, drawn from `seed`: every choice picks one of its alternatives
    /// with equal chance.
    pub fn draw(&self, seed: u64) -> String {
        let mut rng = SplitMix(seed ^ 0x5157_454e_5445_4d50);
        let mut out = String::new();
        draw(&self.nodes, &mut rng, &mut out);
        out
    }
}

fn count(nodes: &[Node]) -> u64 {
    nodes.iter().fold(1u64, |acc, n| match n {
        Node::Text(_) => acc,
        Node::Choice(alts) => {
            acc.saturating_mul(alts.iter().fold(0u64, |s, a| s.saturating_add(count(a))))
        }
    })
}

fn max_chars(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|n| match n {
            Node::Text(t) => t.chars().count(),
            Node::Choice(alts) => alts.iter().map(|a| max_chars(a)).max().unwrap_or(0),
        })
        .fold(0usize, usize::saturating_add)
}

/// Appends every expansion of `nodes` to each prefix in `out`.
fn expand(nodes: &[Node], out: &mut Vec<String>) {
    for n in nodes {
        match n {
            Node::Text(t) => out.iter_mut().for_each(|p| p.push_str(t)),
            Node::Choice(alts) => {
                let mut next = Vec::new();
                for prefix in out.iter() {
                    for alt in alts {
                        let mut part = vec![prefix.clone()];
                        expand(alt, &mut part);
                        next.extend(part);
                    }
                }
                *out = next;
            }
        }
    }
}

fn draw(nodes: &[Node], rng: &mut SplitMix, out: &mut String) {
    for n in nodes {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Choice(alts) if !alts.is_empty() => {
                let i = (rng.next() % alts.len() as u64) as usize;
                draw(&alts[i], rng, out);
            }
            Node::Choice(_) => {}
        }
    }
}

/// splitmix64: small, fast and the same on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests;
