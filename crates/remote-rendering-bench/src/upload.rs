//! `arr-bench upload`: a 256 MiB model folder (a 192 MiB model and 8 textures) uploaded to
//! Azurite by `remote-rendering-storage`, then by the official Python `azure-storage-blob`
//! (pinned, in a venv under `target/`) on the same Azurite in the same run, with the same block
//! size and parallelism; and this crate's peak RSS during its upload. Needs `npm ci` at the
//! workspace root (Azurite) and `python3` (the peer is skipped without it). Prints figures;
//! asserts nothing.

use rand::{RngCore as _, SeedableRng as _};
use remote_rendering_azurite::{ACCOUNT_KEY, ACCOUNT_NAME, Azurite};
use remote_rendering_storage::{BlobEndpoint, BlobStorage, StorageCredential, UploadOptions};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const MIB: u64 = 1024 * 1024;
/// The Python SDK version compared against (pinned so figures are comparable across runs).
const PYTHON_SDK: &str = "azure-storage-blob==12.31.1";
/// Blocks in flight and block size, the same for both uploaders.
const PARALLELISM: usize = 8;
const BLOCK: u64 = 4 * MIB;

const PYTHON_UPLOAD: &str = r#"
import os, sys, time, resource
from azure.storage.blob import BlobServiceClient
endpoint, account, key, container, folder, parallel, block = sys.argv[1:8]
parallel, block = int(parallel), int(block)
service = BlobServiceClient(account_url=endpoint, credential={"account_name": account, "account_key": key},
                            max_block_size=block, max_single_put_size=block)
client = service.get_container_client(container)
client.create_container()
start = time.perf_counter()
for root, _, files in os.walk(folder):
    for name in sorted(files):
        path = os.path.join(root, name)
        blob = "bench/" + os.path.relpath(path, folder).replace(os.sep, "/")
        with open(path, "rb") as f:
            client.upload_blob(blob, f, overwrite=True, max_concurrency=parallel)
elapsed = time.perf_counter() - start
print(f"{elapsed} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
"#;

/// What one run measured.
#[derive(Debug, Clone)]
pub struct UploadFigures {
    /// Bytes uploaded by each uploader.
    pub bytes: u64,
    /// Our upload: seconds and peak RSS (KiB) of this process during it.
    pub ours: (f64, u64),
    /// The Python SDK's upload: seconds and its process's peak RSS (KiB), or why not measured.
    pub python: Result<(f64, u64), String>,
}

impl fmt::Display for UploadFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mib = self.bytes as f64 / MIB as f64;
        let (secs, peak) = self.ours;
        writeln!(
            f,
            "ours:   {secs:.2} s, {:.1} MiB/s, peak RSS during upload {:.1} MiB",
            mib / secs,
            peak as f64 / 1024.0
        )?;
        match &self.python {
            Ok((py_secs, py_peak)) => {
                writeln!(
                    f,
                    "python: {py_secs:.2} s, {:.1} MiB/s, peak RSS {:.1} MiB ({PYTHON_SDK})",
                    mib / py_secs,
                    *py_peak as f64 / 1024.0
                )?;
                writeln!(f, "ours / python throughput: {:.2}x", py_secs / secs)
            }
            Err(why) => writeln!(f, "python: not measured: {why}"),
        }
    }
}

/// Runs the benchmark: builds the folder, starts Azurite, uploads with both.
pub async fn run() -> anyhow::Result<UploadFigures> {
    let folder = tempfile::tempdir()?;
    let bytes = make_model_folder(folder.path());
    let azurite = Azurite::start()
        .map_err(|e| anyhow::anyhow!("Azurite (run `npm ci` at the workspace root): {e:?}"))?;
    println!(
        "upload: {} MiB folder to Azurite {} ({} cores, shared; figures are indicative)",
        bytes / MIB,
        azurite.blob_endpoint(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let ours = upload_ours(&azurite, folder.path()).await;
    let python = upload_python(&azurite, folder.path());
    Ok(UploadFigures {
        bytes,
        ours,
        python,
    })
}

/// A model and its textures: 192 MiB model, 8 textures of 8 MiB in a subfolder.
fn make_model_folder(folder: &Path) -> u64 {
    let mut rng = rand::rngs::StdRng::seed_from_u64(256);
    let mut files = vec![(folder.join("model.fbx"), 192 * MIB)];
    for i in 0..8 {
        files.push((folder.join(format!("textures/t{i}.png")), 8 * MIB));
    }
    let mut chunk = vec![0u8; MIB as usize];
    for (path, size) in &files {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        for _ in 0..size / MIB {
            rng.fill_bytes(&mut chunk);
            file.write_all(&chunk).unwrap();
        }
    }
    files.iter().map(|(_, size)| size).sum()
}

async fn upload_ours(azurite: &Azurite, folder: &Path) -> (f64, u64) {
    let endpoint = BlobEndpoint::with_url(ACCOUNT_NAME, &azurite.blob_endpoint()).unwrap();
    let credential = StorageCredential::shared_key(ACCOUNT_KEY).unwrap();
    let storage = BlobStorage::new(endpoint, credential).unwrap();
    storage.create_container("bench-rust").await.unwrap();
    let options = UploadOptions::default()
        .with_block_size(BLOCK as usize)
        .with_parallelism(PARALLELISM);
    reset_peak_rss();
    let start = Instant::now();
    storage
        .upload_model_folder(&folder.join("model.fbx"), "bench-rust", "bench", &options)
        .await
        .expect("upload");
    (start.elapsed().as_secs_f64(), peak_rss_kib())
}

/// Runs the Python SDK's upload in a venv under `target/` (created on first use).
fn upload_python(azurite: &Azurite, folder: &Path) -> Result<(f64, u64), String> {
    let venv = venv_dir();
    let python = venv.join("bin/python");
    if !python.is_file() {
        run_checked(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    run_checked(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        PYTHON_SDK,
    ]))?;
    let output = Command::new(&python)
        .args([
            "-c",
            PYTHON_UPLOAD,
            &azurite.blob_endpoint(),
            ACCOUNT_NAME,
            ACCOUNT_KEY,
            "bench-python",
        ])
        .arg(folder)
        .args([PARALLELISM.to_string(), BLOCK.to_string()])
        .output()
        .map_err(|e| format!("python: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace();
    let secs = fields
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or("no time printed")?;
    let peak = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok((secs, peak))
}

fn run_checked(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|e| e.to_string())?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("{command:?} failed: {status}"))
}

fn venv_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/upload-bench-venv")
}

/// Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
