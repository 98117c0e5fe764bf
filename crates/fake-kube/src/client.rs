//! A tiny blocking HTTP/1.1 client for tests that talk to the fake directly (raw requests,
//! exact status codes, watch streams) without a Kubernetes client library.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// An answer from the fake.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Talks to one fake server (`127.0.0.1:PORT`).
#[derive(Debug, Clone)]
pub struct TestClient {
    pub port: u16,
}

fn read_head(reader: &mut impl BufRead) -> std::io::Result<(u16, Vec<(String, String)>)> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok((status, headers))
}

fn is_chunked(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
}

/// Reads one chunk of a chunked body; `None` at the end.
fn read_chunk(reader: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let mut size_line = String::new();
    if reader.read_line(&mut size_line)? == 0 {
        return Ok(None);
    }
    let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
    if size == 0 {
        return Ok(None);
    }
    let mut buf = vec![0; size];
    reader.read_exact(&mut buf)?;
    let mut crlf = [0u8; 2];
    reader.read_exact(&mut crlf)?;
    Ok(Some(buf))
}

impl TestClient {
    fn send(&self, method: &str, path: &str, content_type: Option<&str>, body: &str) -> std::io::Result<TcpStream> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUser-Agent: fake-kube-test/1.0\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        if let Some(ct) = content_type {
            req.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        stream.write_all(req.as_bytes())?;
        Ok(stream)
    }

    /// One request; the whole answer.
    pub fn request(&self, method: &str, path: &str, content_type: Option<&str>, body: &str) -> Response {
        let stream = match self.send(method, path, content_type, body) {
            Ok(s) => s,
            Err(e) => {
                return Response {
                    status: 0,
                    headers: Vec::new(),
                    body: e.to_string(),
                };
            }
        };
        let mut reader = BufReader::new(stream);
        let Ok((status, headers)) = read_head(&mut reader) else {
            return Response {
                status: 0,
                headers: Vec::new(),
                body: String::new(),
            };
        };
        let mut bytes = Vec::new();
        if is_chunked(&headers) {
            while let Ok(Some(chunk)) = read_chunk(&mut reader) {
                bytes.extend(chunk);
            }
        } else {
            let _ = reader.read_to_end(&mut bytes);
        }
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, None, "")
    }

    pub fn post(&self, path: &str, body: &Value) -> Response {
        self.request("POST", path, Some("application/json"), &body.to_string())
    }

    pub fn put(&self, path: &str, body: &Value) -> Response {
        self.request("PUT", path, Some("application/json"), &body.to_string())
    }

    pub fn patch(&self, path: &str, content_type: &str, body: &str) -> Response {
        self.request("PATCH", path, Some(content_type), body)
    }

    /// Server-side apply as `manager` (`force` adds `force=true`).
    pub fn apply(&self, path: &str, manager: &str, force: bool, body: &Value) -> Response {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = format!("{path}{sep}fieldManager={manager}&force={force}");
        self.patch(&url, "application/apply-patch+yaml", &body.to_string())
    }

    pub fn delete(&self, path: &str) -> Response {
        self.request("DELETE", path, None, "")
    }

    /// Opens a watch (`path` includes `watch=true`) and collects events until `max_events`
    /// arrived, the server ended the stream, or `timeout` passed.
    pub fn watch(&self, path: &str, max_events: usize, timeout: Duration) -> Vec<Value> {
        let mut events = Vec::new();
        let Ok(stream) = self.send("GET", path, None, "") else {
            return events;
        };
        let deadline = Instant::now() + timeout;
        let _ = stream.set_read_timeout(Some(timeout));
        let mut reader = BufReader::new(stream);
        let Ok((status, headers)) = read_head(&mut reader) else {
            return events;
        };
        if status != 200 {
            let mut rest = Vec::new();
            let _ = reader.read_to_end(&mut rest);
            events.push(serde_json::json!({"type": "HTTP", "status": status}));
            return events;
        }
        let chunked = is_chunked(&headers);
        let mut pending = String::new();
        while events.len() < max_events && Instant::now() < deadline {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let _ = reader
                .get_ref()
                .set_read_timeout(Some(remaining.max(Duration::from_millis(1))));
            let data = if chunked {
                match read_chunk(&mut reader) {
                    Ok(Some(c)) => c,
                    _ => break,
                }
            } else {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => line.into_bytes(),
                }
            };
            pending.push_str(&String::from_utf8_lossy(&data));
            while let Some(pos) = pending.find('\n') {
                let line: String = pending.drain(..=pos).collect();
                if let Ok(v) = serde_json::from_str::<Value>(line.trim()) {
                    events.push(v);
                }
            }
        }
        events
    }
}

impl crate::FakeCluster {
    /// A raw HTTP client for this server.
    pub fn client(&self) -> TestClient {
        TestClient { port: self.port() }
    }
}
