//! A lean HTTP/1.1 load generator for the emulator's capacity (item 6).
//!
//! Each connection writes one pre-built `GET` and reads the answer (status
//! line, `Content-Length`, body) before the next: no pooling, no header
//! maps, no allocation per request beyond buffer reuse. Its own CPU cost is
//! reported next to the throughput, so the reader can see how much of the
//! shared 2 cores it took from the emulator.

use anyhow::{Context as _, Result, bail};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Bound on any single read or write.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// The raw bytes of `GET {path}` with a bearer token, keep-alive.
pub fn get_request(host: &str, path_and_query: &str, bearer: &str) -> Vec<u8> {
    format!(
        "GET {path_and_query} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {bearer}\r\nAccept: application/json\r\n\r\n"
    )
    .into_bytes()
}

/// Result of one load run.
#[derive(Clone, Copy, Debug)]
pub struct LoadResult {
    /// Responses with status 200.
    pub ok: u64,
    /// Wall time of the run.
    pub wall: Duration,
}

/// Sends `request` over `connections` keep-alive connections until
/// `duration` has passed (each connection finishes its request in flight).
pub async fn run(
    addr: SocketAddr,
    request: Vec<u8>,
    connections: usize,
    duration: Duration,
) -> Result<LoadResult> {
    let request: Arc<[u8]> = request.into();
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(connection(addr, request.clone(), deadline)))
        .collect();
    let mut ok = 0;
    for task in tasks {
        ok += task.await.context("a load task panicked")??;
    }
    Ok(LoadResult {
        ok,
        wall: started.elapsed(),
    })
}

async fn connection(addr: SocketAddr, request: Arc<[u8]>, deadline: Instant) -> Result<u64> {
    let mut stream = tokio::time::timeout(IO_TIMEOUT, TcpStream::connect(addr))
        .await
        .context("connect timed out")??;
    stream.set_nodelay(true)?;
    let mut buffer = Vec::with_capacity(8 * 1024);
    let mut done = 0;
    while Instant::now() < deadline {
        tokio::time::timeout(IO_TIMEOUT, stream.write_all(&request))
            .await
            .context("write timed out")??;
        let status = tokio::time::timeout(IO_TIMEOUT, read_response(&mut stream, &mut buffer))
            .await
            .context("read timed out")??;
        if status != 200 {
            bail!("the emulator answered HTTP {status}");
        }
        done += 1;
    }
    Ok(done)
}

/// Reads one response; returns its status. `buffer` is reused between calls.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<u16> {
    buffer.clear();
    let head_end = loop {
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            break end + 4;
        }
        if buffer.len() > MAX_HEAD {
            bail!("response head larger than {MAX_HEAD} bytes");
        }
        if read_more(stream, buffer).await? == 0 {
            bail!("connection closed mid-response");
        }
    };
    let (status, length) = parse_head(&buffer[..head_end])?;
    while buffer.len() < head_end + length {
        if read_more(stream, buffer).await? == 0 {
            bail!("connection closed mid-body");
        }
    }
    Ok(status)
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<usize> {
    let mut chunk = [0u8; 8 * 1024];
    let n = stream.read(&mut chunk).await?;
    buffer.extend_from_slice(&chunk[..n]);
    Ok(n)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Status and `Content-Length` of a response head (chunked bodies are not
/// expected from the emulator and are refused).
pub fn parse_head(head: &[u8]) -> Result<(u16, usize)> {
    let text = std::str::from_utf8(head).context("response head is not UTF-8")?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("bad status line {status_line:?}"))?;
    let mut length = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.trim().parse().context("bad Content-Length")?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            bail!("chunked responses are not supported by the load generator");
        }
    }
    Ok((status, length.context("response without Content-Length")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_parsed() {
        let head =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 42\r\n\r\n";
        assert_eq!(parse_head(head).unwrap(), (200, 42));
        assert!(parse_head(b"HTTP/1.1 200 OK\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").is_err());
    }
}
