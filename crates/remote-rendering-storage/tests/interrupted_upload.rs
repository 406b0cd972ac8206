//! Uploads interrupted mid-way: a small loopback proxy in front of Azurite cuts connections
//! after a number of bytes; the upload's retries (or a second run) must leave a complete,
//! correct blob.

mod common;

use common::{bytes, endpoint, endpoint_at, key_client, write};
use remote_rendering_storage::{RetryPolicy, StorageError, UploadOptions};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy that, while `cuts_left` > 0, closes a connection once `cut_after` bytes have gone
/// upstream through the proxy since the last cut.
struct CuttingProxy {
    port: u16,
    cuts_left: Arc<AtomicU32>,
    cuts_done: Arc<AtomicU32>,
    task: tokio::task::JoinHandle<()>,
}

impl CuttingProxy {
    async fn start(upstream_port: u16, cut_after: u64, cuts: u32) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let cuts_left = Arc::new(AtomicU32::new(cuts));
        let cuts_done = Arc::new(AtomicU32::new(0));
        let sent = Arc::new(AtomicU64::new(0));
        let (left, done) = (cuts_left.clone(), cuts_done.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (left, done, sent) = (left.clone(), done.clone(), sent.clone());
                tokio::spawn(async move {
                    let upstream = TcpStream::connect(("127.0.0.1", upstream_port))
                        .await
                        .unwrap();
                    relay(client, upstream, cut_after, left, done, sent).await;
                });
            }
        });
        Self {
            port,
            cuts_left,
            cuts_done,
            task,
        }
    }

    fn endpoint(&self) -> String {
        format!(
            "http://127.0.0.1:{}/{}",
            self.port,
            remote_rendering_azurite::ACCOUNT_NAME
        )
    }
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    client: TcpStream,
    upstream: TcpStream,
    cut_after: u64,
    cuts_left: Arc<AtomicU32>,
    cuts_done: Arc<AtomicU32>,
    sent: Arc<AtomicU64>,
) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut upstream_read, mut upstream_write) = upstream.into_split();
    let downstream = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut upstream_read, &mut client_write).await;
    });
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match client_read.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let total = sent.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
        if total >= cut_after && cuts_left.load(Ordering::SeqCst) > 0 {
            cuts_left.fetch_sub(1, Ordering::SeqCst);
            cuts_done.fetch_add(1, Ordering::SeqCst);
            sent.store(0, Ordering::SeqCst);
            // Forward part of this chunk, then drop both directions mid-request.
            let _ = upstream_write.write_all(&buffer[..n / 2]).await;
            break;
        }
        if upstream_write.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    downstream.abort();
}

fn options() -> UploadOptions {
    UploadOptions::default()
        .with_block_size(1024 * 1024)
        .with_parallelism(4)
}

#[tokio::test]
async fn cut_connections_are_retried_into_a_complete_blob() {
    let Some(azurite) = common::azurite("cut_connections_are_retried_into_a_complete_blob") else {
        return;
    };
    let direct = key_client(endpoint(&azurite));
    direct.create_container("cut").await.unwrap();
    let proxy = CuttingProxy::start(azurite.port(), 5 * 1024 * 1024, 3).await;
    let through_proxy = key_client(endpoint_at(&proxy.endpoint())).with_retry(RetryPolicy::new(
        8,
        Duration::from_millis(50),
        Duration::from_millis(500),
    ));
    let local = tempfile::tempdir().unwrap();
    let content = bytes(21, 24 * 1024 * 1024 + 5);
    let path = local.path().join("model.glb");
    write(&path, &content);

    through_proxy
        .upload_file(&path, "cut", "m/model.glb", &options())
        .await
        .unwrap();
    assert_eq!(
        proxy.cuts_done.load(Ordering::SeqCst),
        3,
        "the proxy cut the upload 3 times"
    );

    let back = local.path().join("back.glb");
    direct
        .download_blob("cut", "m/model.glb", &back)
        .await
        .unwrap();
    assert!(
        std::fs::read(&back).unwrap() == content,
        "blob differs after retried blocks"
    );
}

#[tokio::test]
async fn a_failed_upload_run_again_leaves_a_complete_blob() {
    let Some(azurite) = common::azurite("a_failed_upload_run_again_leaves_a_complete_blob") else {
        return;
    };
    let direct = key_client(endpoint(&azurite));
    direct.create_container("again").await.unwrap();
    let proxy = CuttingProxy::start(azurite.port(), 3 * 1024 * 1024, 1).await;
    // No retries: the cut surfaces as a transport error.
    let through_proxy = key_client(endpoint_at(&proxy.endpoint())).with_retry(RetryPolicy::new(
        1,
        Duration::ZERO,
        Duration::ZERO,
    ));
    let local = tempfile::tempdir().unwrap();
    let content = bytes(22, 12 * 1024 * 1024);
    let path = local.path().join("model.fbx");
    write(&path, &content);

    let error = through_proxy
        .upload_file(&path, "again", "model.fbx", &options())
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::Transport(_)), "{error:?}");
    assert!(error.is_transient());
    let missing = direct.get_blob("again", "model.fbx").await.unwrap_err();
    assert_eq!(
        missing.status(),
        Some(404),
        "nothing committed by the failed run"
    );

    // The proxy has no cuts left: the same upload run again completes the blob.
    assert_eq!(proxy.cuts_left.load(Ordering::SeqCst), 0);
    through_proxy
        .upload_file(&path, "again", "model.fbx", &options())
        .await
        .unwrap();
    let back = local.path().join("back.fbx");
    direct
        .download_blob("again", "model.fbx", &back)
        .await
        .unwrap();
    assert!(
        std::fs::read(&back).unwrap() == content,
        "blob differs after the second run"
    );
}
