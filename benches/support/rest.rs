//! A minimal HTTP/1.1 client for the worker's REST API: one request per connection
//! (`Connection: close`), so reading to the end of the stream is reading the whole answer, and
//! the benches need no HTTP client crate of their own.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{Context, Result};

/// The worker's REST API on 127.0.0.1.
pub struct Rest {
    /// The worker's `listeners` port.
    pub port: u16,
}

impl Rest {
    /// One request on its own connection; returns the status and body.
    pub fn call(&self, method: &str, path: &str, body: Option<&str>) -> Result<(u16, String)> {
        let what = format!("{method} {path} on 127.0.0.1:{}", self.port);
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))
            .with_context(|| format!("{what}: cannot connect"))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let body = body.unwrap_or("");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Accept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .with_context(|| format!("{what}: cannot send"))?;
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .with_context(|| format!("{what}: cannot read the answer"))?;
        let answer = String::from_utf8_lossy(&answer);
        let (head, body) = answer
            .split_once("\r\n\r\n")
            .with_context(|| format!("{what}: malformed answer {answer:?}"))?;
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("{what}: malformed status line in {head:?}"))?;
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_string()
        };
        Ok((status, body))
    }
}

/// The payload of a chunked body (the chunk sizes removed).
fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}
