//! Grid runs: up to two axes (seed, prompt variant, model, aspect ratio or size), one job per
//! cell with every other parameter held constant. `Axis::parse` reads `seed=1,2,3`,
//! `seed=random:4`, `prompt`, `model=a,b`, `aspect=1:1,16:9`, `size=1024*1024,1328*1328`;
//! `GridCell` is a job's place in the grid, kept with the job for the grid view and sheets.

mod plan;

use serde::{Deserialize, Serialize};

use super::seed::parse_seed;

pub use plan::plan_grid;

/// The most axes a grid has.
pub const MAX_AXES: usize = 2;
/// The most values one axis takes.
pub const MAX_VALUES: usize = 32;

/// What an axis varies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Axis {
    /// These seeds.
    Seeds(Vec<u32>),
    /// This many new seeds, drawn when the grid is made.
    NewSeeds(u16),
    /// The prompt's template variants (every combination of its alternatives).
    Prompt,
    /// These models.
    Models(Vec<String>),
    /// These aspect ratios.
    Aspects(Vec<String>),
    /// These gateway sizes.
    Sizes(Vec<String>),
}

impl Axis {
    /// Reads one `--grid` value.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "prompt" {
            return Ok(Self::Prompt);
        }
        let Some((name, values)) = text.split_once('=') else {
            return Err(format!(
                "`{}` is not a grid axis: use seed=1,2,3, seed=random:4, prompt, model=a,b, \
                 aspect=1:1,16:9 or size=1024*1024,1328*1328",
                crate::sanitize::sanitize_line(text)
            ));
        };
        let list: Vec<String> = values
            .split(',')
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect();
        let axis = match name.trim() {
            "seed" => match values.trim().strip_prefix("random:") {
                Some(n) => Self::NewSeeds(n.trim().parse().map_err(|_| {
                    "seed=random:N takes a number of new seeds, such as seed=random:4".to_owned()
                })?),
                None => Self::Seeds(
                    list.iter()
                        .map(|s| parse_seed(s).map_err(|e| format!("seed `{s}`: {e}")))
                        .collect::<Result<_, _>>()?,
                ),
            },
            "model" => Self::Models(list),
            "aspect" => Self::Aspects(list),
            "size" => Self::Sizes(list),
            other => {
                return Err(format!(
                    "`{}` is not a grid axis: use seed, prompt, model, aspect or size",
                    crate::sanitize::sanitize_line(other)
                ));
            }
        };
        let n = axis.len();
        if axis != Self::Prompt && !(1..=MAX_VALUES).contains(&n) {
            return Err(format!(
                "a grid axis takes 1 to {MAX_VALUES} values; `{}` has {n}",
                crate::sanitize::sanitize_line(text)
            ));
        }
        Ok(axis)
    }

    /// The axis name, as labels and `--grid` spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Seeds(_) | Self::NewSeeds(_) => "seed",
            Self::Prompt => "prompt",
            Self::Models(_) => "model",
            Self::Aspects(_) => "aspect",
            Self::Sizes(_) => "size",
        }
    }

    /// How many values it has (the prompt axis: known only from the template).
    pub fn len(&self) -> usize {
        match self {
            Self::Seeds(v) => v.len(),
            Self::NewSeeds(n) => usize::from(*n),
            Self::Prompt => 0,
            Self::Models(v) | Self::Aspects(v) | Self::Sizes(v) => v.len(),
        }
    }

    /// True when the axis holds no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Checks a set of axes: at most two, each kind once, aspect and size not together.
pub fn check_axes(axes: &[Axis]) -> Result<(), String> {
    if axes.len() > MAX_AXES {
        return Err(format!("a grid has at most {MAX_AXES} axes"));
    }
    if let [a, b] = axes
        && a.name() == b.name()
    {
        return Err(format!("the {} axis is given twice", a.name()));
    }
    let names: Vec<&str> = axes.iter().map(Axis::name).collect();
    if names.contains(&"aspect") && names.contains(&"size") {
        return Err("a grid varies aspect or size, not both (a model takes one of them)".into());
    }
    Ok(())
}

/// A job's place in its grid: each axis with the value of its cell, in axis order (the first
/// axis is the rows, the second the columns).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GridCell(pub Vec<(String, String)>);

impl GridCell {
    /// The value of axis `name` in this cell.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The cell as a JSON object, axis → value (`--json`, dry runs, sheets).
    pub fn to_object(&self) -> serde_json::Map<String, serde_json::Value> {
        self.0
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect()
    }

    /// "seed 1 · model qwen-image-2".
    pub fn label(&self) -> String {
        self.0
            .iter()
            .map(|(n, v)| format!("{n} {v}"))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_parse_and_refuse_with_a_reason() {
        assert_eq!(Axis::parse("seed=1, 2,3"), Ok(Axis::Seeds(vec![1, 2, 3])));
        assert_eq!(Axis::parse("seed=random:4"), Ok(Axis::NewSeeds(4)));
        assert_eq!(Axis::parse("prompt"), Ok(Axis::Prompt));
        assert_eq!(
            Axis::parse("model=qwen-image-2,qwen-image-2-pro"),
            Ok(Axis::Models(vec![
                "qwen-image-2".into(),
                "qwen-image-2-pro".into()
            ]))
        );
        for (bad, says) in [
            ("colour=red", "not a grid axis"),
            ("seed=x", "seed `x`"),
            ("seed=random:many", "number of new seeds"),
            ("model=", "1 to 32 values"),
            ("nothing", "not a grid axis"),
        ] {
            let e = Axis::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
        let seeds = Axis::Seeds(vec![1]);
        assert!(check_axes(&[seeds.clone(), Axis::Prompt]).is_ok());
        assert!(
            check_axes(&[seeds.clone(), seeds.clone()])
                .unwrap_err()
                .contains("twice")
        );
        assert!(check_axes(&[seeds.clone(), Axis::Prompt, Axis::Models(vec![])]).is_err());
        let shapes = [
            Axis::Aspects(vec!["1:1".into()]),
            Axis::Sizes(vec!["1*1".into()]),
        ];
        assert!(check_axes(&shapes).unwrap_err().contains("not both"));
    }

    #[test]
    fn a_cell_labels_itself_in_axis_order() {
        let c = GridCell(vec![
            ("seed".into(), "7".into()),
            ("model".into(), "m".into()),
        ]);
        assert_eq!(c.label(), "seed 7 · model m");
        assert_eq!(c.value("model"), Some("m"));
        assert_eq!(c.value("size"), None);
    }
}
