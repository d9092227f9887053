//! Previews side by side (`cargo bench --bench previews`): a fixed set of pictures
//! (photographic, flat, gradient, text-heavy) at the pixel sizes a 1664×928 result takes in the
//! preview pane of a 120×40 and a 200×60 terminal (10×20-pixel cells), encoded with qimg's
//! sixel and kitty paths and, when installed, `img2sixel` and `chafa` in the same run. Prints
//! bytes, encode time and PSNR (decoding each sixel) with qimg/peer ratios.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use image::{DynamicImage, Rgb, RgbImage};
use qimg::imaging::sixel::{SixelOptions, decode, encode};
use qimg::preview::kitty::{Payload, transmit};
use qimg::preview::picture::{fit, scale};
use ratatui::layout::Size;

/// The pane a 1664×928 result is fitted into at 120×40 and at 200×60.
const LAYOUTS: [(&str, Size); 2] = [
    (
        "120×40",
        Size {
            width: 64,
            height: 31,
        },
    ),
    (
        "200×60",
        Size {
            width: 108,
            height: 51,
        },
    ),
];
const FONT: (u16, u16) = (10, 20);
const RUNS: usize = 5;

fn main() {
    let dir = std::env::temp_dir().join(format!("qimg-bench-previews-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let peers = (installed("img2sixel"), installed("chafa"));
    println!("peers: img2sixel {}, chafa {}", yes(peers.0), yes(peers.1));
    println!(
        "{:<14} {:<7} {:>9} | {:>22} | {:>22} | {:>22} | {:>9} {:>9}",
        "picture",
        "layout",
        "pixels",
        "qimg sixel B/ms/dB",
        "img2sixel B/ms/dB",
        "chafa B/ms/dB",
        "B ratio",
        "ms ratio"
    );
    for (name, source) in pictures() {
        for (layout, pane) in LAYOUTS {
            let cells = fit((source.width(), source.height()), FONT, pane);
            let shown = scale(&source, FONT, cells);
            let path = dir.join(format!("{name}-{layout}.png"));
            shown.save(&path).unwrap();
            let ours = measure(|| {
                encode(&shown, SixelOptions::default())
                    .unwrap()
                    .into_bytes()
            });
            let ours_db = psnr(&shown, &ours.0);
            let img2sixel = peers
                .0
                .then(|| measure(|| run(Command::new("img2sixel").arg(&path))));
            let chafa = peers.1.then(|| {
                measure(|| {
                    run(Command::new("chafa")
                        .args(["-f", "sixels", "--animate", "off", "--polite", "on"])
                        .arg(format!("--size={}x{}", cells.width, cells.height))
                        .arg(&path))
                })
            });
            let cell = |m: &Option<(Vec<u8>, Duration)>| match m {
                Some((bytes, t)) => format!(
                    "{:>8} {:>5.1} {:>5.1}",
                    bytes.len(),
                    ms(*t),
                    psnr(&shown, bytes)
                ),
                None => "not installed".into(),
            };
            let ratios = img2sixel
                .as_ref()
                .map_or(("-".into(), "-".into()), |(b, t)| {
                    (
                        format!("{:.2}", ours.0.len() as f64 / b.len() as f64),
                        format!("{:.2}", ms(ours.1) / ms(*t)),
                    )
                });
            println!(
                "{name:<14} {layout:<7} {:>9} | {:>8} {:>5.1} {:>5.1} | {} | {} | {:>9} {:>9}",
                format!("{}×{}", shown.width(), shown.height()),
                ours.0.len(),
                ms(ours.1),
                ours_db,
                cell(&img2sixel),
                cell(&chafa),
                ratios.0,
                ratios.1,
            );
            kitty(name, layout, &shown);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The kitty payloads of one shown picture, against a PNG of it at the default level.
fn kitty(name: &str, layout: &str, shown: &RgbImage) {
    let reference = {
        let mut v = std::io::Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(shown.clone())
            .write_to(&mut v, image::ImageFormat::Png)
            .unwrap();
        v.into_inner().len()
    };
    let mut line = format!("  kitty {name:<14} {layout:<7} PNG (default level) {reference:>8} B;");
    for payload in [Payload::Smaller, Payload::Png, Payload::Zlib, Payload::Raw] {
        let (bytes, t) = measure(|| transmit::transmit(shown, 1, false, payload).into_bytes());
        line += &format!(
            " {}: {} B ({:.2}× PNG) {:.1} ms;",
            payload.name(),
            bytes.len(),
            bytes.len() as f64 / reference as f64,
            ms(t)
        );
    }
    // Today's baseline: ratatui-image sends RGBA, four bytes a pixel, in base64.
    let rgba = (shown.width() * shown.height() * 4).div_ceil(3) * 4;
    line += &format!(" ratatui-image RGBA: ~{rgba} B");
    println!("{line}");
}

fn measure(mut f: impl FnMut() -> Vec<u8>) -> (Vec<u8>, Duration) {
    let mut best = Duration::MAX;
    let mut out = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed());
    }
    (out, best)
}

fn psnr(shown: &RgbImage, sixel: &[u8]) -> f64 {
    let Some(d) = decode::decode(sixel) else {
        return 0.0;
    };
    if (d.width, d.height) == (shown.width() as usize, shown.height() as usize) {
        return decode::psnr(shown.as_raw(), shown.width() as usize, &d);
    }
    // A peer that chose another pixel size is compared with the source scaled to its size.
    let want = image::imageops::resize(
        shown,
        d.width as u32,
        d.height as u32,
        image::imageops::FilterType::Triangle,
    );
    decode::psnr(want.as_raw(), d.width, &d)
}

fn run(cmd: &mut Command) -> Vec<u8> {
    cmd.env("TERM", "xterm-256color")
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default()
}

fn installed(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn yes(b: bool) -> &'static str {
    if b {
        "found"
    } else {
        "not installed (skipped)"
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The fixed set, at a result's size (1664×928), made from code so the set is the same on every
/// machine.
fn pictures() -> Vec<(&'static str, DynamicImage)> {
    let (w, h) = (1664, 928);
    vec![
        ("photographic", DynamicImage::ImageRgb8(photographic(w, h))),
        ("flat", DynamicImage::ImageRgb8(flat(w, h))),
        ("gradient", DynamicImage::ImageRgb8(gradient(w, h))),
        ("text-heavy", DynamicImage::ImageRgb8(text(w, h))),
    ]
}

/// Value noise over four octaves, lit from one side: texture at every scale, like a photo.
fn photographic(w: u32, h: u32) -> RgbImage {
    let lattice = |x: i64, y: i64, o: u64| {
        let mut v = (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (y as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ o;
        v ^= v >> 29;
        v = v.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        ((v >> 40) & 0xFFFF) as f64 / 65535.0
    };
    let noise = |x: f64, y: f64, o: u64| {
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
        let (x0, y0) = (x0 as i64, y0 as i64);
        let a = lattice(x0, y0, o) * (1.0 - sx) + lattice(x0 + 1, y0, o) * sx;
        let b = lattice(x0, y0 + 1, o) * (1.0 - sx) + lattice(x0 + 1, y0 + 1, o) * sx;
        a * (1.0 - sy) + b * sy
    };
    RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (f64::from(x), f64::from(y));
        let mut v = [0.0; 3];
        for (c, val) in v.iter_mut().enumerate() {
            let mut amp = 0.5;
            let mut freq = 1.0 / 160.0;
            for octave in 0..4 {
                *val += amp * noise(fx * freq, fy * freq, (c * 7 + octave) as u64);
                amp *= 0.5;
                freq *= 2.3;
            }
        }
        let light = 0.55 + 0.45 * (fx / f64::from(w));
        let to = |v: f64| (v * light * 255.0).clamp(0.0, 255.0) as u8;
        Rgb([to(v[0] * 1.1), to(v[1]), to(v[2] * 0.8)])
    })
}

/// A few flat shapes on a flat ground, like an illustration or a UI.
fn flat(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let (cx, cy) = (x as i64 - 600, y as i64 - 450);
        if cx * cx + cy * cy < 250 * 250 {
            Rgb([230, 80, 40])
        } else if (1000..1400).contains(&x) && (200..700).contains(&y) {
            Rgb([40, 120, 200])
        } else if y > 780 {
            Rgb([60, 160, 70])
        } else {
            Rgb([245, 235, 210])
        }
    })
}

/// Smooth two-way gradients (sky, studio backdrops).
fn gradient(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let (u, v) = (f64::from(x) / f64::from(w), f64::from(y) / f64::from(h));
        Rgb([
            (255.0 * u) as u8,
            (255.0 * (1.0 - v) * 0.8 + 30.0) as u8,
            (255.0 * (0.5 + 0.5 * (u - v))) as u8,
        ])
    })
}

/// Lines of dark glyph-like strokes on light paper (posters, screenshots, comics).
fn text(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let (line, row) = (y / 28, y % 28);
        let (glyph, col) = (x / 14, x % 14);
        let seed = (line * 131 + glyph * 17) % 23;
        let space = seed < 4;
        let ink = !space
            && (4..22).contains(&row)
            && ((col < 3 && seed % 2 == 0)
                || (row < 7 && seed % 3 == 0)
                || (col.abs_diff(row / 2) < 2 && seed % 5 == 1)
                || (row > 18 && col < 10));
        if ink {
            Rgb([25, 25, 35])
        } else if line % 9 == 0 {
            Rgb([200, 40, 40])
        } else {
            Rgb([250, 248, 240])
        }
    })
}
