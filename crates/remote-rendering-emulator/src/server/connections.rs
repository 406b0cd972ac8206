//! Connections: the accept loop, TLS handshakes and serving one connection,
//! including tearing it down when a fault asks for a dropped response.
//!
//! Slow and idle clients cannot starve the others: at most
//! [`Limits::max_connections`] are served at once (further ones wait in the
//! kernel's backlog, never making `accept` fail), a client that does not
//! finish its request headers in time is disconnected, and so is one that
//! stays idle between requests. Accept errors (out of file descriptors)
//! back off exponentially and are logged once per episode.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::pipeline::handle;
use super::routes::router;
use super::shared::Shared;

/// Connection limits and timeouts of the server; see
/// [`crate::EmulatorBuilder::limits`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Limits {
    /// Connections served at once; further ones wait to be accepted.
    /// Default 1024.
    pub max_connections: usize,
    /// Time a client has to send a request's headers (and, with TLS, to
    /// finish the handshake). Default 10 s.
    pub header_read_timeout: Duration,
    /// Time a connection may stay open with no request in progress.
    /// Default 60 s.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

impl Limits {
    /// Sets [`Limits::max_connections`] (at least 1).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Sets [`Limits::header_read_timeout`].
    pub fn header_read_timeout(mut self, d: Duration) -> Self {
        self.header_read_timeout = d;
        self
    }

    /// Sets [`Limits::idle_timeout`].
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = d;
        self
    }
}

const FIRST_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Accepts connections until `stop` flips, then waits (bounded) for open
/// connections to finish.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let router = router(shared.clone());
    let mut connections = JoinSet::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut backoff = FIRST_BACKOFF;
    // Accept failures in the current episode, if one is going on.
    let mut failures: u64 = 0;
    let mut full = false;
    loop {
        // Reap finished connection tasks so the set does not grow forever.
        while connections.try_join_next().is_some() {}
        // One line per episode of being full, not one per connection.
        if slots.available_permits() > 0 {
            full = false;
        } else if !full {
            full = true;
            tracing::warn!(
                max = limits.max_connections,
                "connection limit reached; new connections wait"
            );
        }
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            _ = stop.changed() => break,
        };
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        // Usually out of file descriptors: back off, and say
                        // so once per episode rather than once per failure.
                        if failures == 0 {
                            tracing::warn!(error = %e, "accept failing; backing off");
                        }
                        failures += 1;
                        drop(slot);
                        tokio::select! {
                            _ = tokio::time::sleep(backoff) => {}
                            _ = stop.changed() => break,
                        }
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        continue;
                    }
                };
                if failures > 0 {
                    tracing::info!(failures, "accepting again");
                    failures = 0;
                    backoff = FIRST_BACKOFF;
                }
                let _ = stream.set_nodelay(true);
                let limits = limits.clone();
                let shared = shared.clone();
                let router = router.clone();
                let stop = stop.clone();
                let tls = tls.clone();
                connections.spawn(async move {
                    // Held until the connection ends.
                    let _slot = slot;
                    match tls {
                        None => serve_connection(stream, shared, router, &limits, stop).await,
                        Some(acceptor) => {
                            let handshake = tokio::time::timeout(limits.header_read_timeout, acceptor.accept(stream)).await;
                            match handshake {
                                Ok(Ok(stream)) => serve_connection(stream, shared, router, &limits, stop).await,
                                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                            }
                        }
                    }
                });
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        tracing::debug!("aborting connections still open after shutdown grace period");
    }
    tracing::info!("emulator stopped");
}

/// When a connection last finished a request (or opened), whether it has
/// started one yet, and how many are in progress: what the idle timeout
/// judges.
struct Activity {
    last: Mutex<Instant>,
    started_any: AtomicBool,
    in_flight: AtomicUsize,
}

impl Activity {
    fn begin(&self) {
        self.started_any.store(true, Ordering::SeqCst);
        self.in_flight.fetch_add(1, Ordering::SeqCst);
    }

    fn end(&self) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    /// When the connection will have idled too long, unless a request is in
    /// progress. Before its first request a client gets the header timeout
    /// (one that connects and sends nothing is a slow client too).
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        let allowed = if self.started_any.load(Ordering::SeqCst) {
            limits.idle_timeout
        } else {
            limits.header_read_timeout
        };
        Some(*self.last.lock().unwrap_or_else(|e| e.into_inner()) + allowed)
    }
}

async fn serve_connection<I>(
    io: I,
    shared: Arc<Shared>,
    router: Router,
    limits: &Limits,
    mut stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // A handler asks for the connection to be torn down (fault injection)
    // through this; dropping the connection future closes the socket
    // without writing a response.
    let abort = Arc::new(Notify::new());
    let activity = Arc::new(Activity {
        last: Mutex::new(Instant::now()),
        started_any: AtomicBool::new(false),
        in_flight: AtomicUsize::new(0),
    });
    let service = {
        let abort = abort.clone();
        let activity = activity.clone();
        hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let shared = shared.clone();
            let router = router.clone();
            let abort = abort.clone();
            let activity = activity.clone();
            async move {
                activity.begin();
                let (response, drop_connection) = handle(shared, router, req.map(Body::new)).await;
                activity.end();
                if drop_connection {
                    abort.notify_one();
                    std::future::pending::<()>().await;
                }
                Ok::<_, Infallible>(response)
            }
        })
    };
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        // Re-checked at least every second: requests start and end meanwhile.
        let deadline = activity.deadline(limits);
        let soon = Instant::now() + Duration::from_secs(1);
        let wake = deadline.map_or(soon, |d| d.min(soon));
        tokio::select! {
            _ = tokio::time::sleep_until(wake) => {
                if activity.deadline(limits).is_some_and(|d| Instant::now() >= d) {
                    tracing::debug!("closing an idle connection");
                    return;
                }
            }
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            _ = abort.notified() => return,
            _ = stop.changed(), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}
