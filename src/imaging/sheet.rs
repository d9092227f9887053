//! Contact sheets: images in a grid of cells, each scaled to fit its cell with a caption of
//! two lines under it, and a header line over the grid. Pure image work: the caller decodes the
//! images and writes the PNG.

use image::imageops::FilterType;
use image::{DynamicImage, Rgba, RgbaImage};

use super::text;

/// One cell of a sheet.
#[derive(Debug, Clone)]
pub struct SheetCell {
    /// The image, or `None` for a job with none (its `state` is shown instead).
    pub image: Option<DynamicImage>,
    /// The first caption line (axis values, or what differs from the other cells).
    pub caption: String,
    /// The second line (seed, model).
    pub detail: String,
}

/// The layout of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLayout {
    /// Cells per row.
    pub columns: u32,
    /// The image area of one cell, in pixels.
    pub cell: (u32, u32),
}

const PAD: u32 = 12;
const HEADER: u32 = 36;
const CAPTION: u32 = 40;
const BACKGROUND: Rgba<u8> = Rgba([250, 250, 250, 255]);
const INK: Rgba<u8> = Rgba([20, 20, 20, 255]);
const MUTED: Rgba<u8> = Rgba([100, 100, 100, 255]);
const EMPTY: Rgba<u8> = Rgba([225, 225, 225, 255]);

impl SheetLayout {
    /// The sheet's size in pixels for `n` cells.
    pub fn size(&self, n: usize) -> (u32, u32) {
        let columns = self.columns.max(1);
        let rows = u32::try_from(n)
            .unwrap_or(u32::MAX)
            .div_ceil(columns)
            .max(1);
        let (w, h) = self.cell;
        (
            PAD + columns * (w + PAD),
            HEADER + PAD + rows * (h + CAPTION + PAD),
        )
    }
}

/// Draws the sheet: `header` on top, then `cells` row by row.
pub fn compose(header: &str, cells: &[SheetCell], layout: SheetLayout) -> RgbaImage {
    let (width, height) = layout.size(cells.len());
    let mut sheet = RgbaImage::from_pixel(width, height, BACKGROUND);
    let room = (width - 2 * PAD) as f32;
    text::draw(
        &mut sheet,
        &text::fit(header, 20.0, room),
        PAD as f32,
        8.0,
        20.0,
        INK,
    );
    let columns = layout.columns.max(1);
    let (cw, ch) = layout.cell;
    for (i, cell) in cells.iter().enumerate() {
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        let x = PAD + (i % columns) * (cw + PAD);
        let y = HEADER + PAD + (i / columns) * (ch + CAPTION + PAD);
        match &cell.image {
            Some(img) => {
                let fitted = img.resize(cw, ch, FilterType::Triangle).to_rgba8();
                // Centred in its cell.
                let ox = x + (cw - fitted.width().min(cw)) / 2;
                let oy = y + (ch - fitted.height().min(ch)) / 2;
                image::imageops::overlay(&mut sheet, &fitted, i64::from(ox), i64::from(oy));
            }
            None => {
                let blank = RgbaImage::from_pixel(cw, ch, EMPTY);
                image::imageops::overlay(&mut sheet, &blank, i64::from(x), i64::from(y));
            }
        }
        let room = cw as f32;
        let (tx, ty) = (x as f32, (y + ch + 4) as f32);
        text::draw(
            &mut sheet,
            &text::fit(&cell.caption, 15.0, room),
            tx,
            ty,
            15.0,
            INK,
        );
        text::draw(
            &mut sheet,
            &text::fit(&cell.detail, 13.0, room),
            tx,
            ty + 18.0,
            13.0,
            MUTED,
        );
    }
    sheet
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sheet_follows_the_columns_and_cell_size_and_fits_each_image() {
        let layout = SheetLayout {
            columns: 3,
            cell: (100, 80),
        };
        let red = DynamicImage::ImageRgba8(RgbaImage::from_pixel(400, 200, Rgba([255, 0, 0, 255])));
        let cells: Vec<SheetCell> = (0..6)
            .map(|n| SheetCell {
                image: (n != 5).then(|| red.clone()),
                caption: format!("seed {n}"),
                detail: "qwen-image-2".into(),
            })
            .collect();
        let sheet = compose("batch 1234 · 6 jobs", &cells, layout);
        assert_eq!(sheet.dimensions(), layout.size(6));
        assert_eq!(layout.size(6), (12 + 3 * 112, 36 + 12 + 2 * 132));
        // The first image is centred in its cell: 100×50 after fitting, 15 px down.
        let centre = sheet.get_pixel(12 + 50, 48 + 40);
        assert_eq!(centre.0, [255, 0, 0, 255]);
        let above = sheet.get_pixel(12 + 50, 48 + 5);
        assert_eq!(above.0, BACKGROUND.0, "letterboxed, not stretched");
        // The sixth cell has no image: it is blank.
        let blank = sheet.get_pixel(12 + 2 * 112 + 50, 48 + 132 + 40);
        assert_eq!(blank.0, EMPTY.0);
    }
}
