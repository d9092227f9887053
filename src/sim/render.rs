//! Real PNGs for the simulator: pixels that depend on the prompt and the seed (and, for edits,
//! on the input image), so different jobs look different and a rerun with the same seed looks
//! the same.

use image::{ImageEncoder, RgbImage};

/// A stable 64-bit hash (FNV-1a), so images do not change between builds.
pub fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32) / ((1u64 << 24) as f32)
    }
}

fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    let h = (h.rem_euclid(1.0)) * 6.0;
    let i = h.floor();
    let f = h - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f)));
    match i as u8 {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    }
}

/// Renders a `width`×`height` picture for `prompt` and `seed`. With `base`, the picture is a
/// tinted, patterned version of it (an "edit").
pub fn render(
    width: u32,
    height: u32,
    prompt: &str,
    seed: u64,
    base: Option<&RgbImage>,
) -> RgbImage {
    let mut rng = Rng(fnv(prompt.as_bytes()) ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let hue = rng.next();
    let palette = [
        hsv(hue, 0.65, 0.25),
        hsv(hue + 0.12 + rng.next() * 0.2, 0.7, 0.85),
        hsv(hue + 0.5, 0.45, 0.98),
    ];
    let blobs: Vec<(f32, f32, f32, f32)> = (0..5)
        .map(|_| {
            (
                rng.next(),
                rng.next(),
                0.02 + rng.next() * 0.08,
                0.4 + rng.next(),
            )
        })
        .collect();
    let (fx, fy, phase) = (
        2.0 + rng.next() * 6.0,
        2.0 + rng.next() * 6.0,
        rng.next() * std::f32::consts::TAU,
    );
    let base = base
        .map(|b| image::imageops::resize(b, width, height, image::imageops::FilterType::Triangle));
    let (wf, hf) = (width.max(1) as f32, height.max(1) as f32);
    RgbImage::from_fn(width, height, |x, y| {
        let (u, v) = (x as f32 / wf, y as f32 / hf);
        let mut f = 0.0;
        for (bx, by, r, w) in &blobs {
            let d2 = (u - bx) * (u - bx) + (v - by) * (v - by);
            f += w * r / (r + d2);
        }
        f += 0.12 * ((u * fx + v * fy) * std::f32::consts::TAU + phase).sin();
        let t = (f * 0.7).clamp(0.0, 1.0);
        let (a, b, k) = if t < 0.5 {
            (palette[0], palette[1], t * 2.0)
        } else {
            (palette[1], palette[2], (t - 0.5) * 2.0)
        };
        let vignette = 1.0 - 0.35 * ((u - 0.5).powi(2) + (v - 0.5).powi(2));
        let mut px = [0u8; 3];
        for c in 0..3 {
            let mut val = (a[c] + (b[c] - a[c]) * k) * vignette;
            if let Some(base) = &base {
                let src = f32::from(base.get_pixel(x, y)[c]) / 255.0;
                val = src * 0.6 + val * 0.4;
            }
            px[c] = (val.clamp(0.0, 1.0) * 255.0) as u8;
        }
        image::Rgb(px)
    })
}

/// Encodes an RGB image as PNG (fast compression: the simulator answers quickly).
pub fn encode_png(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Sub,
    );
    if enc
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .is_err()
    {
        return Vec::new();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_depend_on_prompt_and_seed_only() {
        let a = render(64, 48, "a red kite", 1, None);
        assert_eq!(a, render(64, 48, "a red kite", 1, None));
        assert_ne!(a, render(64, 48, "a red kite", 2, None));
        assert_ne!(a, render(64, 48, "a blue kite", 1, None));
        let png = encode_png(&a);
        let back = image::load_from_memory(&png).unwrap();
        assert_eq!((back.width(), back.height()), (64, 48));
    }
}
