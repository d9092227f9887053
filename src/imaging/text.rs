//! Text on images with the embedded DejaVu Sans (no system font needed): one line at a given
//! pixel height, cut with "…" to a width, drawn with anti-aliased coverage.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{Rgba, RgbaImage};

/// DejaVu Sans (Bitstream Vera licence, `assets/fonts/DejaVuSans-LICENSE.txt`).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The embedded font, or `None` if its bytes could not be read (then no text is drawn).
fn font() -> Option<FontRef<'static>> {
    FontRef::try_from_slice(FONT).ok()
}

/// The width in pixels of `text` at `height` px.
pub fn width(text: &str, height: f32) -> f32 {
    let Some(font) = font() else {
        return 0.0;
    };
    let scaled = font.as_scaled(PxScale::from(height));
    text.chars()
        .map(|c| scaled.h_advance(font.glyph_id(c)))
        .sum()
}

/// `text` cut at a character boundary, with "…", to fit `max` pixels.
pub fn fit(text: &str, height: f32, max: f32) -> String {
    if width(text, height) <= max {
        return text.to_owned();
    }
    let mut cut: String = text.to_owned();
    while !cut.is_empty() && width(&format!("{cut}…"), height) > max {
        cut.pop();
    }
    format!("{}…", cut.trim_end())
}

/// Draws one line of `text` with its top-left at (`x`, `y`), `height` px tall, in `colour`.
pub fn draw(img: &mut RgbaImage, text: &str, x: f32, y: f32, height: f32, colour: Rgba<u8>) {
    let Some(font) = font() else {
        return;
    };
    let scale = PxScale::from(height);
    let scaled = font.as_scaled(scale);
    let mut caret = x;
    let baseline = y + scaled.ascent();
    for c in text.chars() {
        let id = font.glyph_id(c);
        let glyph = id.with_scale_and_position(scale, ab_glyph::point(caret, baseline));
        caret += scaled.h_advance(id);
        let Some(outlined) = font.outline_glyph(glyph) else {
            continue; // a space, or a character the font does not have
        };
        let bounds = outlined.px_bounds();
        outlined.draw(|gx, gy, coverage| {
            let px = bounds.min.x as i64 + i64::from(gx);
            let py = bounds.min.y as i64 + i64::from(gy);
            blend(img, px, py, colour, coverage);
        });
    }
}

/// Mixes `colour` into the pixel at (`x`, `y`) by `coverage` (outside the image: nothing).
fn blend(img: &mut RgbaImage, x: i64, y: i64, colour: Rgba<u8>, coverage: f32) {
    let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) else {
        return;
    };
    let Some(p) = img.get_pixel_mut_checked(x, y) else {
        return;
    };
    let a = coverage.clamp(0.0, 1.0);
    for k in 0..3 {
        let mixed = f32::from(p.0[k]) * (1.0 - a) + f32::from(colour.0[k]) * a;
        p.0[k] = mixed.round().clamp(0.0, 255.0) as u8;
    }
    p.0[3] = 255;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_draws_ink_and_long_text_is_cut_to_fit() {
        let mut img = RgbaImage::from_pixel(200, 30, Rgba([255, 255, 255, 255]));
        draw(&mut img, "seed 42", 2.0, 2.0, 18.0, Rgba([0, 0, 0, 255]));
        let dark = img.pixels().filter(|p| p.0[0] < 128).count();
        assert!(dark > 40, "{dark} dark pixels");
        let long = "a very long caption that cannot fit in a narrow cell at all";
        let cut = fit(long, 14.0, 120.0);
        assert!(cut.ends_with('…') && width(&cut, 14.0) <= 120.0, "{cut}");
        assert_eq!(fit("short", 14.0, 120.0), "short");
    }
}
