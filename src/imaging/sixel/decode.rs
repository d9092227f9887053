//! A sixel decoder, for measuring: the benchmark and the tests decode what an encoder produced
//! (qimg's, img2sixel's, chafa's) and compare it with the source pixels.

/// A decoded sixel image: RGB pixels, `width` × `height`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// RGB triples, row by row; pixels never painted are black.
    pub rgb: Vec<u8>,
}

/// Decodes the first sixel image in `data` (raster attributes, colour definitions in RGB or
/// HLS percent, repeat introducers, `$` and `-`). Unknown bytes are skipped.
pub fn decode(data: &[u8]) -> Option<Decoded> {
    let start = data.windows(1).position(|b| b[0] == b'q')?;
    let mut p = Painter::default();
    let mut i = start + 1;
    while i < data.len() {
        let b = data[i];
        i += 1;
        match b {
            b'"' => {
                let (nums, next) = numbers(data, i);
                i = next;
                if nums.len() >= 4 {
                    p.grow(nums[2], nums[3]);
                    p.raster = Some((nums[2], nums[3]));
                }
            }
            b'#' => {
                let (nums, next) = numbers(data, i);
                i = next;
                p.colour(&nums);
            }
            b'!' => {
                let (nums, next) = numbers(data, i);
                i = next;
                if let Some(&ch) = data.get(i) {
                    i += 1;
                    p.paint(ch, nums.first().copied().unwrap_or(1));
                }
            }
            b'$' => p.x = 0,
            b'-' => {
                p.x = 0;
                p.y += 6;
            }
            0x1b => break,
            63..=126 => p.paint(b, 1),
            _ => {}
        }
    }
    Some(p.finish())
}

/// Reads `;`-separated numbers from `i`.
fn numbers(data: &[u8], mut i: usize) -> (Vec<usize>, usize) {
    let mut nums = vec![];
    let mut cur: Option<usize> = None;
    while let Some(&b) = data.get(i) {
        match b {
            b'0'..=b'9' => {
                cur = Some(cur.unwrap_or(0).saturating_mul(10) + usize::from(b - b'0'));
            }
            b';' => nums.push(cur.take().unwrap_or(0)),
            _ => break,
        }
        i += 1;
    }
    if let Some(c) = cur {
        nums.push(c);
    }
    (nums, i)
}

#[derive(Default)]
struct Painter {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
    palette: Vec<[u8; 3]>,
    current: usize,
    x: usize,
    y: usize,
    raster: Option<(usize, usize)>,
}

impl Painter {
    /// The image, cut to the raster attributes' size when they gave one (the last band may
    /// paint below it).
    fn finish(self) -> Decoded {
        let (w, h) = self.raster.map_or((self.width, self.height), |(w, h)| {
            (w.min(self.width), h.min(self.height))
        });
        let mut rgb = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            rgb.extend_from_slice(&self.rgb[y * self.width * 3..(y * self.width + w) * 3]);
        }
        Decoded {
            width: w,
            height: h,
            rgb,
        }
    }

    fn grow(&mut self, w: usize, h: usize) {
        let (w, h) = (w.max(self.width), h.max(self.height));
        if (w, h) == (self.width, self.height) || w * h > 64 * 1024 * 1024 {
            return;
        }
        let mut rgb = vec![0u8; w * h * 3];
        for y in 0..self.height {
            let from = &self.rgb[y * self.width * 3..(y + 1) * self.width * 3];
            rgb[y * w * 3..y * w * 3 + from.len()].copy_from_slice(from);
        }
        (self.width, self.height, self.rgb) = (w, h, rgb);
    }

    fn colour(&mut self, nums: &[usize]) {
        let Some(&n) = nums.first() else { return };
        if n >= 4096 {
            return;
        }
        if nums.len() >= 5 {
            if self.palette.len() <= n {
                self.palette.resize(n + 1, [0, 0, 0]);
            }
            let pct = |v: usize| ((v.min(100) * 255 + 50) / 100) as u8;
            self.palette[n] = if nums[1] == 1 {
                hls(nums[2], nums[3], nums[4])
            } else {
                [pct(nums[2]), pct(nums[3]), pct(nums[4])]
            };
        }
        self.current = n;
    }

    fn paint(&mut self, ch: u8, count: usize) {
        if !(63..=126).contains(&ch) {
            return;
        }
        let bits = ch - 63;
        let colour = self.palette.get(self.current).copied().unwrap_or([0, 0, 0]);
        if bits != 0 {
            self.grow(self.x + count, self.y + 6);
        }
        for dy in 0..6 {
            if bits & (1 << dy) == 0 {
                continue;
            }
            let y = self.y + dy;
            for x in self.x..self.x + count {
                let at = (y * self.width + x) * 3;
                if let Some(px) = self.rgb.get_mut(at..at + 3) {
                    px.copy_from_slice(&colour);
                }
            }
        }
        self.x += count;
    }
}

/// HLS (sixel's hue 0 = blue) to RGB.
fn hls(h: usize, l: usize, s: usize) -> [u8; 3] {
    let (h, l, s) = (
        ((h + 240) % 360) as f32,
        l.min(100) as f32 / 100.0,
        s.min(100) as f32 / 100.0,
    );
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let to = |v: f32| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [to(r), to(g), to(b)]
}

/// Peak signal-to-noise ratio of `got` against `want` over `want`'s pixels (RGB, same width),
/// in dB; pixels `got` lacks count as black. 99 dB for identical images.
pub fn psnr(want: &[u8], want_width: usize, got: &Decoded) -> f64 {
    let mut sum = 0f64;
    let height = want.len() / (want_width * 3).max(1);
    for y in 0..height {
        for x in 0..want_width {
            for ch in 0..3 {
                let a = f64::from(want[(y * want_width + x) * 3 + ch]);
                let b = if x < got.width && y < got.height {
                    f64::from(got.rgb[(y * got.width + x) * 3 + ch])
                } else {
                    0.0
                };
                sum += (a - b) * (a - b);
            }
        }
    }
    let mse = sum / (want.len().max(1) as f64);
    if mse == 0.0 {
        99.0
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}
