//! qimg's own sixel encoder: a palette from quantette (Wu in Oklab, a well-kept quantiser),
//! each pixel mapped to its nearest palette colour (no dithering: error diffusion scatters
//! noise that costs bytes and lowers fidelity as measured by PSNR), then per six-row band only
//! the colours present, each from its first to its last column, with repeat introducers for
//! runs. The palette is defined once, in the sixel percent scale, and mapped in that scale, so
//! what the terminal shows is what was measured.

pub mod decode;

use std::fmt::Write as _;

use image::RgbImage;
use quantette::{ImageRef, PaletteSize, Pipeline, QuantizeMethod};

/// The colour registers a sixel image may use (xterm, mlterm, foot and WezTerm all offer 256).
pub const MAX_COLOURS: u16 = 256;

/// Why an image cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SixelError {
    /// Zero pixels, or more than the quantiser takes.
    #[error("cannot encode a {0}×{1} image as sixel")]
    Size(u32, u32),
}

/// How an image is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SixelOptions {
    /// Palette size, 2..=256.
    pub colours: u16,
    /// Wrap the sequence for tmux passthrough (every ESC doubled inside `ESC Ptmux; … ESC \`).
    pub tmux: bool,
}

impl Default for SixelOptions {
    fn default() -> Self {
        Self {
            colours: MAX_COLOURS,
            tmux: false,
        }
    }
}

/// Encodes `img` as one sixel sequence (`ESC P … ESC \`).
pub fn encode(img: &RgbImage, opts: SixelOptions) -> Result<String, SixelError> {
    let (w, h) = img.dimensions();
    let (palette, indices) = quantise(img, opts.colours).ok_or(SixelError::Size(w, h))?;
    let mut out = String::with_capacity((w * h / 2) as usize);
    // P2 = 1: bits that are 0 leave the pixel alone, so nothing but the image is painted.
    out.push_str("\x1bP0;1;0q");
    let _ = write!(out, "\"1;1;{w};{h}");
    for (i, [r, g, b]) in palette.iter().enumerate() {
        let _ = write!(out, "#{i};2;{r};{g};{b}");
    }
    bands(&mut out, &indices, w as usize, h as usize, palette.len());
    out.push_str("\x1b\\");
    Ok(if opts.tmux { tmux_wrap(&out) } else { out })
}

/// Wraps a sequence for tmux passthrough.
pub fn tmux_wrap(seq: &str) -> String {
    let mut s = String::with_capacity(seq.len() + seq.len() / 64 + 16);
    s.push_str("\x1bPtmux;");
    for c in seq.chars() {
        if c == '\x1b' {
            s.push('\x1b');
        }
        s.push(c);
    }
    s.push_str("\x1b\\");
    s
}

/// The palette in sixel percent (0..=100 per channel) and each pixel's palette index, nearest
/// in that scale.
fn quantise(img: &RgbImage, colours: u16) -> Option<(Vec<[u8; 3]>, Vec<u8>)> {
    let image = ImageRef::try_from(img).ok()?;
    let size = PaletteSize::try_from(colours.clamp(2, MAX_COLOURS)).ok()?;
    let indexed = Pipeline::new()
        .palette_size(size)
        .quantize_method(QuantizeMethod::Wu)
        .ditherer(None)
        .input_image(image)
        .output_srgb8_indexed_image();
    let percent = |v: u8| ((u16::from(v) * 100 + 127) / 255) as u8;
    let palette: Vec<[u8; 3]> = indexed
        .palette()
        .iter()
        .map(|c| [percent(c.red), percent(c.green), percent(c.blue)])
        .collect();
    let mut indices = indexed.indices().to_vec();
    let palette = prune(palette, &mut indices);
    Some((palette, indices))
}

/// Pixels per palette colour below which the colour is folded into its nearest neighbour: on
/// flat pictures the quantiser spends most registers on the few pixels of antialiased edges,
/// and each costs a register switch and a row in every band it touches. Measured on the bench
/// set (`cargo bench --bench previews`): flat pictures shrink from 8.8 to 4.2 KB at 120×40,
/// photographs, gradients and text keep their size and PSNR.
const RARE: usize = 1500;

/// Folds the colours fewer than `pixels / RARE` pixels use into the nearest colour kept, and
/// renumbers.
fn prune(palette: Vec<[u8; 3]>, indices: &mut [u8]) -> Vec<[u8; 3]> {
    let mut counts = vec![0usize; palette.len()];
    for &i in indices.iter() {
        counts[usize::from(i)] += 1;
    }
    let floor = indices.len() / RARE;
    let kept: Vec<usize> = (0..palette.len()).filter(|&c| counts[c] > floor).collect();
    if kept.len() < 2 || kept.len() == palette.len() {
        return palette;
    }
    let distance = |a: [u8; 3], b: [u8; 3]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (i32::from(*x) - i32::from(y)).pow(2))
            .sum::<i32>()
    };
    let remap: Vec<u8> = (0..palette.len())
        .map(|c| {
            let nearest = kept
                .iter()
                .enumerate()
                .min_by_key(|(_, k)| distance(palette[c], palette[**k]))
                .map_or(0, |(n, _)| n);
            nearest as u8
        })
        .collect();
    for i in indices.iter_mut() {
        *i = remap[usize::from(*i)];
    }
    kept.iter().map(|&c| palette[c]).collect()
}

/// Writes the bands: for each six-row band, each colour present as one row of sixels from its
/// first to its last column.
fn bands(out: &mut String, indices: &[u8], w: usize, h: usize, colours: usize) {
    let mut rows = vec![0u8; colours * w];
    let mut span = vec![(usize::MAX, 0usize); colours];
    let mut present: Vec<usize> = Vec::with_capacity(colours);
    for top in (0..h).step_by(6) {
        for dy in 0..6.min(h - top) {
            let line = &indices[(top + dy) * w..(top + dy + 1) * w];
            for (x, &c) in line.iter().enumerate() {
                let c = usize::from(c);
                let s = &mut span[c];
                if s.0 == usize::MAX {
                    present.push(c);
                    *s = (x, x);
                } else {
                    s.0 = s.0.min(x);
                    s.1 = s.1.max(x);
                }
                rows[c * w + x] |= 1 << dy;
            }
        }
        for (n, &c) in present.iter().enumerate() {
            if n > 0 {
                out.push('$');
            }
            let (first, last) = span[c];
            let _ = write!(out, "#{c}");
            let row = &mut rows[c * w..c * w + w];
            push_run(out, 0, first);
            runs(out, &row[first..=last]);
            row[first..=last].fill(0);
            span[c] = (usize::MAX, 0);
        }
        present.clear();
        if top + 6 < h {
            out.push('-');
        }
    }
}

/// Writes a row of sixel bit patterns with runs as repeat introducers.
fn runs(out: &mut String, row: &[u8]) {
    let mut i = 0;
    while i < row.len() {
        let bits = row[i];
        let mut j = i + 1;
        while j < row.len() && row[j] == bits {
            j += 1;
        }
        push_run(out, bits, j - i);
        i = j;
    }
}

/// Writes `count` sixels of pattern `bits` (`!n` when that is shorter).
fn push_run(out: &mut String, bits: u8, count: usize) {
    let ch = char::from(63 + bits);
    if count > 3 {
        let _ = write!(out, "!{count}{ch}");
    } else {
        for _ in 0..count {
            out.push(ch);
        }
    }
}

#[cfg(test)]
mod tests;
