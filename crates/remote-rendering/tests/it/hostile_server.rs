//! A small lying server on loopback: raw HTTP/1.1 over a tokio
//! `TcpListener`, answering each request with whatever the test's handler
//! says (any status, headers and body), one request per
//! connection. The emulator cannot lie like this; these tests need it to.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// What the server answers to one request.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

pub enum Body {
    Bytes(Vec<u8>),
    /// The pattern repeated without end, chunked (no `Content-Length`),
    /// until the client hangs up.
    Endless(&'static [u8]),
    /// Declares `Content-Length: length` and sends `chunk` repeatedly until
    /// that many bytes are sent or the client hangs up.
    Huge {
        length: u64,
        chunk: &'static [u8],
    },
}

impl Answer {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Body::Bytes(body.to_string().into_bytes()),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A running server; it stops with the test's runtime.
pub struct HostileServer {
    pub base: String,
    requests: Arc<AtomicUsize>,
}

impl HostileServer {
    /// Requests received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Serves `handler(method, path_and_query, request_number)` on 127.0.0.1.
pub async fn serve<F>(handler: F) -> HostileServer
where
    F: Fn(&str, &str, usize) -> Answer + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let handler = Arc::new(handler);
    let counter = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let handler = handler.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let Some((method, path)) = read_request(&mut socket).await else {
                    return;
                };
                let number = counter.fetch_add(1, Ordering::SeqCst);
                let answer = handler(&method, &path, number);
                let _ = write_answer(&mut socket, answer).await;
            });
        }
    });
    HostileServer { base, requests }
}

/// Reads the head and any `content-length` body; returns method and path.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<(String, String)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let mut first = head.lines().next()?.split(' ');
    Some((first.next()?.to_string(), first.next()?.to_string()))
}

async fn write_answer(socket: &mut tokio::net::TcpStream, answer: Answer) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} X\r\nconnection: close\r\n", answer.status);
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match answer.body {
        Body::Bytes(bytes) => {
            head.push_str(&format!("content-length: {}\r\n\r\n", bytes.len()));
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&bytes).await?;
        }
        Body::Endless(chunk) => {
            head.push_str("transfer-encoding: chunked\r\n\r\n");
            socket.write_all(head.as_bytes()).await?;
            // The pattern repeated to 16 KiB per chunk: tiny chunks would
            // measure this server's syscalls, not the client.
            let payload = chunk.repeat(16 * 1024 / chunk.len().max(1));
            let framed = [
                format!("{:x}\r\n", payload.len()).as_bytes(),
                &payload,
                b"\r\n",
            ]
            .concat();
            // Ends when the client hangs up (the write fails).
            loop {
                socket.write_all(&framed).await?;
            }
        }
        Body::Huge { length, chunk } => {
            head.push_str(&format!("content-length: {length}\r\n\r\n"));
            socket.write_all(head.as_bytes()).await?;
            let mut left = length;
            while left > 0 {
                let n = left.min(chunk.len() as u64);
                socket.write_all(&chunk[..n as usize]).await?;
                left -= n;
            }
        }
    }
    socket.shutdown().await
}

/// A client of `server` with a static token (no STS), quick retries and
/// short poll intervals.
pub fn client(server: &HostileServer) -> remote_rendering::ClientBuilder {
    remote_rendering::Client::builder(
        crate::hostile_server::ACCOUNT,
        "eastus.mixedreality.azure.com",
    )
    .endpoint(&server.base)
    .sts_endpoint(&server.base)
    .credential(remote_rendering::Credential::access_token(TOKEN))
    .retry_policy(crate::common::fast_retry())
    .request_timeout(std::time::Duration::from_secs(10))
}

pub const ACCOUNT: &str = "30ea64bd-100f-4bf0-adc9-29fa45d4880c";
/// A JWT-shaped token the client accepts without asking an STS.
const TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln";
