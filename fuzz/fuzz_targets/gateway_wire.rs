//! Fuzzes the OpenAI-compatible gateway answer: the `data[]` list with `b64_json` and `url`
//! items, and the lenient base64 decoder (data: prefixes, whitespace, URL-safe alphabet).
#![no_main]

use libfuzzer_sys::fuzz_target;
use qimg::api::openai::GatewayResult;
use qimg::api::openai::wire;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(bytes) = wire::decode_b64(text) {
            // Decoded bytes can never be longer than the text that held them.
            assert!(bytes.len() <= text.len());
        }
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(results) = wire::parse_data(&json) {
        assert!(!results.is_empty() && results.len() <= 16);
        for r in results {
            if let GatewayResult::Url(u) = r {
                assert!(!u.trim().is_empty());
            }
        }
    }
});
