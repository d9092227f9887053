//! The viewer's zoom: a magnification around a centre, and the crop it shows of an image.

/// A zoomed view: `level` × magnification around the centre `(cx, cy)` (fractions 0–1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZoomView {
    /// 1 (fit), 2, 4 or 8.
    pub level: u32,
    /// Horizontal centre, 0–1.
    pub cx: f32,
    /// Vertical centre, 0–1.
    pub cy: f32,
}

/// How far one pan step moves, as a share of the visible window.
const PAN_STEP: f32 = 0.25;

impl ZoomView {
    /// The whole image, fitted to the screen.
    pub const FIT: Self = Self {
        level: 1,
        cx: 0.5,
        cy: 0.5,
    };

    /// The crop rectangle in an image of `w`×`h` pixels (the window stays inside the image).
    pub fn crop(&self, w: u32, h: u32) -> (u32, u32, u32, u32) {
        let level = self.level.max(1);
        let (cw, ch) = ((w / level).max(1), (h / level).max(1));
        let x = ((self.cx.clamp(0.0, 1.0) * w as f32) as u32)
            .saturating_sub(cw / 2)
            .min(w.saturating_sub(cw));
        let y = ((self.cy.clamp(0.0, 1.0) * h as f32) as u32)
            .saturating_sub(ch / 2)
            .min(h.saturating_sub(ch));
        (x, y, cw, ch)
    }

    /// Twice the magnification, up to 8×.
    pub fn zoom_in(&mut self) {
        self.level = (self.level * 2).min(8);
    }

    /// Half the magnification, down to fit.
    pub fn zoom_out(&mut self) {
        self.level = (self.level / 2).max(1);
    }

    /// Moves the centre by one step (`dx`, `dy` in −1, 0, 1), keeping the window inside.
    pub fn pan(&mut self, dx: f32, dy: f32) {
        let step = PAN_STEP / self.level as f32;
        self.cx += dx * step;
        self.cy += dy * step;
        let half = 0.5 / self.level as f32;
        self.cx = self.cx.clamp(half, 1.0 - half);
        self.cy = self.cy.clamp(half, 1.0 - half);
    }
}

impl Default for ZoomView {
    fn default() -> Self {
        Self::FIT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_crop_stays_inside() {
        let z = ZoomView {
            level: 4,
            cx: 0.99,
            cy: 0.0,
        };
        assert_eq!(z.crop(1000, 800), (750, 0, 250, 200));
        assert_eq!(ZoomView::FIT.crop(1000, 800), (0, 0, 1000, 800));
    }

    #[test]
    fn panning_keeps_the_window_inside_the_image() {
        let mut z = ZoomView::FIT;
        z.zoom_in();
        z.zoom_in();
        for _ in 0..10 {
            z.pan(1.0, -1.0);
        }
        assert_eq!((z.level, z.cx, z.cy), (4, 0.875, 0.125));
        z.zoom_out();
        z.zoom_out();
        z.zoom_out();
        assert_eq!(z.level, 1);
    }
}
