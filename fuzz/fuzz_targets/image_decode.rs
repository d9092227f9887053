//! Fuzzes the sniff-and-decode path of result images and reference images under the decode
//! limits (bombs must be refused, not allocated), and reading parameters back from PNG text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qimg::store::images::{self, ImageFormat};

fuzz_target!(|data: &[u8]| {
    let format = ImageFormat::sniff(data);
    match qimg::imaging::decode_for_preview(data, 64, 64) {
        Ok(img) => {
            assert!(
                format.is_some(),
                "decoded bytes that do not sniff as an image"
            );
            assert!(img.width() <= 64 && img.height() <= 64);
        }
        Err(_) => {}
    }
    let _ = qimg::api::input_image::dimensions(data);
    let _ = images::png_text_chunks(data);
    let _ = qimg::store::params::from_png(data);
});
