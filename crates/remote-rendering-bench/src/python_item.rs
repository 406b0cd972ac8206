//! Item 7: the official Python SDK as a peer (see [`crate::python`]).

use crate::process::EmulatorProcess;
use crate::python;
use crate::report::Row;
use crate::scenarios::{Callers, Kind};
use crate::sequential::{self, Placement, Sequential};
use anyhow::{Context as _, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Item 7's rows: CPU per call of the official Python SDK against ours, both
/// sequential over TLS to the same emulator.
pub async fn rows(bench_dir: &Path, peer_calls: usize, skip_python: bool) -> Result<Vec<Row>> {
    // Per 1,000 calls whatever `peer_calls` is, so runs compare.
    let metric = format!(
        "CPU per 1000 sequential get calls ({peer_calls} timed): Python SDK 1.0.0b3 / ours (main thread)"
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
    // A session for the Python peer to read (ours make their own).
    let callers = Callers::new(&emulator.target).await?;
    callers.call(Kind::Ergonomic).await?;

    // Ours, Python, ours again: the average of our two runs brackets the
    // Python run in time, so a slow phase of the machine hits both sides.
    // Ours runs in each of the three places a tokio program may call from.
    let mut ours = [Sequential::default(); PLACEMENTS.len()];
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
        for (placement, total) in PLACEMENTS.iter().zip(ours.iter_mut()) {
            let run = sequential::run(&emulator.target, Kind::Ergonomic, peer_calls, *placement);
            total.add(run.await?);
        }
    }
    emulator.stop();
    let py = python_figures.context("the Python run did not happen")?;
    let py_per_call = py.cpu_s / py.calls.max(1) as f64;
    let per_1000 =
        |figures: &Sequential| figures.cpu().as_secs_f64() * 1000.0 / figures.calls.max(1) as f64;
    let ratio = |figures: &Sequential| py_per_call * 1000.0 / per_1000(figures).max(1e-9);
    let main = &ours[0];
    let mut rows = vec![
        Row::info(
            "7",
            metric,
            format!("{:.3} s / {:.3} s", py_per_call * 1000.0, per_1000(main)),
        ),
        Row::checked(
            "7",
            "CPU ratio Python SDK / ours (over TLS, same emulator; ours awaited on the main thread)",
            format!("{:.1}×", ratio(main)),
            "≥ 30× (issue 16)",
            ratio(main) >= 30.0,
        ),
    ];
    for (placement, figures) in PLACEMENTS.iter().zip(&ours) {
        let per_call = |d: Duration| d.as_secs_f64() * 1e6 / figures.calls.max(1) as f64;
        rows.push(Row::info(
            "7",
            format!(
                "ours, {}: CPU per call (user + system); Python / ours",
                placement.label()
            ),
            format!(
                "{:.1} µs ({:.1} + {:.1}); {:.1}×",
                per_call(figures.cpu()),
                per_call(figures.user),
                per_call(figures.system),
                ratio(figures)
            ),
        ));
    }
    let main_wall = main.wall.as_secs_f64() * 1000.0 / main.calls.max(1) as f64;
    let py_wall = py.wall_s * 1000.0 / py.calls.max(1) as f64;
    rows.push(Row::info(
        "7",
        "wall time per 1000 calls: Python / ours (main thread)",
        format!(
            "{py_wall:.3} s / {main_wall:.3} s ({:.1}×)",
            py_wall / main_wall.max(1e-9)
        ),
    ));
    Ok(rows)
}

/// Where ours is measured; the first is the figure the target is checked on
/// (how item 7 has always measured ours).
const PLACEMENTS: [Placement; 3] = [
    Placement::MainThread,
    Placement::Spawned,
    Placement::CurrentThread,
];
