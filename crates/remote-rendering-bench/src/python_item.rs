//! Item 7: the official Python SDK as a peer (see [`crate::python`]).

use crate::measure;
use crate::process::EmulatorProcess;
use crate::python;
use crate::report::Row;
use crate::scenarios::{Callers, Kind};
use anyhow::{Context as _, Result};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Item 7's rows: CPU per call of the official Python SDK against ours, both
/// sequential over TLS to the same emulator.
pub async fn rows(bench_dir: &Path, peer_calls: usize, skip_python: bool) -> Result<Vec<Row>> {
    let metric = format!(
        "CPU per {} sequential get calls: Python SDK 1.0.0b3 / ours",
        peer_calls
    );
    if skip_python {
        return Ok(vec![Row::skipped("7", metric, "skipped (--skip-python)")]);
    }
    let Some(python3) = python::find_python() else {
        return Ok(vec![Row::skipped(
            "7",
            metric,
            "skipped: python3 is not installed",
        )]);
    };
    let venv = bench_dir.join("venv");
    let requirements = PathBuf::from(python::REQUIREMENTS);
    let venv_python = match tokio::task::spawn_blocking(move || {
        python::ensure_venv(&python3, &venv, &requirements)
    })
    .await?
    {
        Ok(p) => p,
        Err(error) => {
            return Ok(vec![Row::skipped(
                "7",
                metric,
                format!("skipped: cannot set up the venv: {error:#}"),
            )]);
        }
    };
    let script = bench_dir.join("peer.py");
    std::fs::write(&script, python::SCRIPT)?;
    let ca = bench_dir.join("emulator-ca.pem");
    let emulator = EmulatorProcess::start(&[
        "--tls",
        "--ca-cert-path",
        ca.to_str().context("non-UTF-8 path")?,
    ])?;
    let callers = Callers::new(&emulator.target).await?;
    callers.call(Kind::Ergonomic).await?;

    // Ours, Python, ours again: the average of our two runs brackets the
    // Python run in time, so a slow phase of the machine hits both sides.
    let mut ours = Duration::ZERO;
    let mut ours_wall = Duration::ZERO;
    let mut python_figures = None;
    for step in 0..3 {
        if step == 1 {
            let (venv_python, script, target, session, calls) = (
                venv_python.clone(),
                script.clone(),
                emulator.target.clone(),
                callers.session().as_str().to_string(),
                peer_calls,
            );
            python_figures = Some(
                tokio::task::spawn_blocking(move || {
                    python::run_peer(&venv_python, &script, &target, &session, calls)
                })
                .await??,
            );
            continue;
        }
        let cpu_before = measure::process_cpu();
        let wall_before = Instant::now();
        for _ in 0..peer_calls {
            callers.call(Kind::Ergonomic).await?;
        }
        ours_wall += wall_before.elapsed();
        ours += measure::process_cpu().saturating_sub(cpu_before);
    }
    emulator.stop();
    let py = python_figures.context("the Python run did not happen")?;
    let ours = ours / 2;
    let ours_wall = ours_wall / 2;
    let cpu_ratio = py.cpu_s / ours.as_secs_f64().max(1e-9);
    Ok(vec![
        Row::info(
            "7",
            metric,
            format!("{:.3} s / {:.3} s", py.cpu_s, ours.as_secs_f64()),
        ),
        Row::checked(
            "7",
            "CPU ratio Python SDK / ours (over TLS, same emulator)",
            format!("{cpu_ratio:.1}×"),
            "≥ 30× (issue 16)",
            cpu_ratio >= 30.0,
        ),
        Row::info(
            "7",
            format!("wall time per {} calls: Python / ours", py.calls),
            format!(
                "{:.3} s / {:.3} s ({:.1}×)",
                py.wall_s,
                ours_wall.as_secs_f64(),
                py.wall_s / ours_wall.as_secs_f64().max(1e-9)
            ),
        ),
    ])
}
