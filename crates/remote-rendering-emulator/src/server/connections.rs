//! Connections: the accept loop, TLS handshakes and serving one connection,
//! including tearing it down when a fault asks for a dropped response.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use super::pipeline::handle;
use super::routes::router;
use super::shared::Shared;

/// Accepts connections until `stop` flips, then waits (bounded) for open
/// connections to finish.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let router = router(shared.clone());
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        // Usually out of file descriptors: back off briefly.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let router = router.clone();
                let stop = stop.clone();
                let tls = tls.clone();
                connections.spawn(async move {
                    match tls {
                        None => serve_connection(stream, shared, router, stop).await,
                        Some(acceptor) => {
                            let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await;
                            match handshake {
                                Ok(Ok(stream)) => serve_connection(stream, shared, router, stop).await,
                                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                            }
                        }
                    }
                });
            }
            _ = stop.changed() => break,
        }
        // Reap finished connection tasks so the set does not grow forever.
        while connections.try_join_next().is_some() {}
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

async fn serve_connection<I>(
    io: I,
    shared: Arc<Shared>,
    router: Router,
    mut stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // A handler asks for the connection to be torn down (fault injection)
    // through this; dropping the connection future closes the socket
    // without writing a response.
    let abort = Arc::new(Notify::new());
    let service = {
        let abort = abort.clone();
        hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let shared = shared.clone();
            let router = router.clone();
            let abort = abort.clone();
            async move {
                let (response, drop_connection) = handle(shared, router, req.map(Body::new)).await;
                if drop_connection {
                    abort.notify_one();
                    std::future::pending::<()>().await;
                }
                Ok::<_, Infallible>(response)
            }
        })
    };
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        tokio::select! {
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
