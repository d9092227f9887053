//! A raw TCP server with a script of replies per path, for what HTTP frameworks cannot send:
//! dropped connections, truncated bodies, lying `Content-Length`, drip-fed bytes, silence.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One scripted reply.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A normal HTTP response.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Close the connection after reading the request, sending nothing.
    Drop,
    /// Send headers with this Content-Length, then only `sent` bytes of `body`, then close.
    Truncated {
        content_length: usize,
        body: Vec<u8>,
    },
    /// Send headers, then one byte every `every`.
    Drip { body: Vec<u8>, every: Duration },
    /// Accept and never answer.
    Silent,
    /// Send headers without length, then bytes forever.
    Endless,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply::Http {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Reply::Http {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
        }
    }
    pub fn with_header(mut self, k: &str, v: &str) -> Self {
        if let Reply::Http { headers, .. } = &mut self {
            headers.push((k.into(), v.into()));
        }
        self
    }
}

/// A recorded request.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

pub struct FaultServer {
    pub base: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    script: Script,
}

type Script = Arc<Mutex<Vec<(String, Vec<Reply>)>>>;

impl FaultServer {
    /// `routes`: path prefix → replies in order; the last reply repeats.
    pub async fn start(routes: Vec<(&str, Vec<Reply>)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let script: Script = Arc::new(Mutex::new(
            routes.into_iter().map(|(p, r)| (p.to_owned(), r)).collect(),
        ));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s2, seen2) = (Arc::clone(&script), Arc::clone(&seen));
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let (script, seen) = (Arc::clone(&s2), Arc::clone(&seen2));
                tokio::spawn(async move { serve(sock, script, seen).await });
            }
        });
        Self { base, seen, script }
    }

    /// Replaces the replies of a route (for answers that must name the server's own address).
    pub fn set_route(&self, path_prefix: &str, replies: Vec<Reply>) {
        let mut script = self.script.lock().unwrap();
        script.retain(|(p, _)| p != path_prefix);
        script.push((path_prefix.to_owned(), replies));
    }

    pub fn requests(&self, path_prefix: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path.starts_with(path_prefix))
            .cloned()
            .collect()
    }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    let header_end = loop {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let first = lines.next()?;
    let mut parts = first.split(' ');
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    Some(Seen {
        method,
        path,
        headers,
        body,
    })
}

async fn serve(mut sock: tokio::net::TcpStream, script: Script, seen: Arc<Mutex<Vec<Seen>>>) {
    while let Some(req) = read_request(&mut sock).await {
        let reply = {
            let mut s = script.lock().unwrap();
            let entry = s
                .iter_mut()
                .filter(|(p, _)| req.path.starts_with(p.as_str()))
                .max_by_key(|(p, _)| p.len());
            match entry {
                Some((_, replies)) if replies.len() > 1 => replies.remove(0),
                Some((_, replies)) => replies.first().cloned().unwrap_or(Reply::Drop),
                None => Reply::json(404, serde_json::json!({"error": "no route"})),
            }
        };
        seen.lock().unwrap().push(req);
        match reply {
            Reply::Http {
                status,
                headers,
                body,
            } => {
                let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                for (k, v) in headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str("\r\n");
                let _ = sock.write_all(out.as_bytes()).await;
                let _ = sock.write_all(&body).await;
            }
            Reply::Drop => return,
            Reply::Truncated {
                content_length,
                body,
            } => {
                let _ = sock.write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {content_length}\r\n\r\n").as_bytes()).await;
                let _ = sock.write_all(&body).await;
                return;
            }
            Reply::Drip { body, every } => {
                let _ = sock.write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {}\r\n\r\n", body.len()).as_bytes()).await;
                for b in body {
                    tokio::time::sleep(every).await;
                    if sock.write_all(&[b]).await.is_err() {
                        return;
                    }
                }
            }
            Reply::Silent => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Reply::Endless => {
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: image/png\r\n\r\n")
                    .await;
                let chunk = vec![0u8; 64 * 1024];
                while sock.write_all(&chunk).await.is_ok() {}
                return;
            }
        }
    }
}

/// A port that answers a TLS handshake with plain HTTP (a captive portal, a misconfigured
/// proxy), counting the connections it accepts.
pub fn plain_http_on_a_tls_port() -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&accepts);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut hello = [0u8; 512];
            let _ = conn.read(&mut hello);
            let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        }
    });
    (port, accepts)
}
