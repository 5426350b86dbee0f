//! `multipart/form-data` as the fake servers see it: text fields parsed as JSON where they
//! are JSON, file fields summarised as `{filename, bytes, png}` (is it a PNG?).

use serde_json::{json, Map, Value};

/// The boundary of a `multipart/form-data` content type, if it is one.
pub fn boundary(content_type: &str) -> Option<&str> {
    content_type
        .split_once("boundary=")
        .map(|(_, b)| b.trim_matches('"'))
}

pub fn parse(body: &[u8], boundary: &str) -> Value {
    let delimiter = format!("--{boundary}");
    let mut fields = Map::new();
    for part in split(body, delimiter.as_bytes()) {
        let Some(head_end) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..head_end]);
        let mut value = &part[head_end + 4..];
        if value.ends_with(b"\r\n") {
            value = &value[..value.len() - 2];
        }
        let attr = |key: &str| {
            head.split(&format!(" {key}=\""))
                .nth(1)
                .and_then(|n| n.split('"').next())
                .map(String::from)
        };
        let Some(name) = attr("name").or_else(|| attr("form-data; name")) else {
            continue;
        };
        let parsed = match attr("filename") {
            Some(filename) => json!({
                "filename": filename,
                "bytes": value.len(),
                "png": value.starts_with(b"\x89PNG\r\n\x1a\n"),
            }),
            None => {
                let text = String::from_utf8_lossy(value);
                serde_json::from_str(&text).unwrap_or_else(|_| json!(text))
            }
        };
        fields.insert(name, parsed);
    }
    Value::Object(fields)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(i) = find(body, delimiter) {
        out.push(&body[..i]);
        body = &body[i + delimiter.len()..];
    }
    out.push(body);
    out
}
