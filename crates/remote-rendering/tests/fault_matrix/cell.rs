//! Running one cell of the matrix: set up, run the operation under the
//! fault, check how it ended and what reached the emulator.

use super::*;

struct Cell {
    op: Op,
    fault: Fault,
    emu: EmulatorHandle,
    /// Fault-free, for setting up and checking.
    setup: Client,
    session: SessionId,
    conversion: ConversionId,
}

/// What the operation produced.
enum Done {
    Ok,
    Err(Error),
}

fn session_options(op: Op) -> SessionOptions {
    // Three hours outlast the expired-token cells' one-hour clock jump.
    let lease = if op == Op::LeaseKeeper { 1400 } else { 180 };
    SessionOptions::new(SessionSize::Standard, MINUTE * lease)
}

fn input() -> ConversionInput {
    ConversionInput::new("https://storage.example/input", "model.fbx").unwrap()
}

fn output() -> ConversionOutput {
    ConversionOutput::new("https://storage.example/output").unwrap()
}

fn expired_token(fault: Fault, op: Op) -> bool {
    fault == Fault::Unauthorized && op != Op::StsToken
}

async fn start_cell(op: Op, fault: Fault) -> Cell {
    let manual = op == Op::LeaseKeeper || expired_token(fault, op);
    let mut builder = common::emulator();
    if manual {
        // Nothing moves unless the cell advances the clock: startup and
        // conversions take 5 s of it, tokens live an hour of it.
        builder = builder
            .manual_clock()
            .session_startup(Duration::from_secs(5))
            .conversion_duration(Duration::from_secs(5))
            .token_lifetime(TOKEN_LIFETIME);
    }
    if op == Op::LeaseKeeper {
        // The keeper sees a Ready session whose lease minutes last 10 ms.
        builder = builder
            .session_startup(Duration::ZERO)
            .lease_minute(LEASE_MINUTE)
            .token_lifetime(KEEPER_TOKEN_LIFETIME);
    }
    let emu = builder.start().await.expect("emulator starts");
    let setup = common::client(&emu);
    let session = SessionId::generate();
    let conversion = ConversionId::generate();
    match op {
        Op::SessionGet
        | Op::SessionUpdate
        | Op::SessionStop
        | Op::SessionList
        | Op::SessionPoller
        | Op::LeaseKeeper => {
            setup
                .start_session(&session, &session_options(op))
                .await
                .expect("setup: session");
        }
        Op::ConversionGet | Op::ConversionList | Op::ConversionPoller => {
            setup
                .start_conversion(&conversion, &input(), &output())
                .await
                .expect("setup: conversion");
        }
        Op::StsToken | Op::SessionCreate | Op::ConversionCreate => {}
    }
    Cell {
        op,
        fault,
        emu,
        setup,
        session,
        conversion,
    }
}

fn op_client(cell: &Cell) -> Client {
    let timeout = if cell.fault == Fault::SlowerThanTimeout {
        SHORT_TIMEOUT
    } else {
        Duration::from_secs(10)
    };
    common::builder(&cell.emu)
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(MAX_RETRIES)
                .with_initial_delay(Duration::from_millis(5))
                .with_max_delay(Duration::from_millis(20))
                .with_max_elapsed(Duration::from_secs(20)),
        )
        .request_timeout(timeout)
        .polling_interval(Duration::from_millis(20))
        .build()
        .expect("client builds")
}

/// Runs the operation of `cell` with `client`; `between_polls` runs once,
/// after the first observation of a poller (or before the operation for
/// the others).
async fn run_op(cell: &Cell, client: &Client) -> Done {
    let result: Result<(), Error> = async {
        match cell.op {
            Op::StsToken => {
                let token = client.access_token().await?;
                assert!(!token.secret().is_empty());
            }
            Op::SessionCreate => {
                let poller = client
                    .start_session(&cell.session, &session_options(cell.op))
                    .await?;
                assert_eq!(poller.id(), cell.session.as_str());
            }
            Op::SessionGet => {
                let session = client.get_session(&cell.session).await?;
                assert_eq!(session.id, cell.session);
            }
            Op::SessionUpdate => {
                let session = client.update_lease(&cell.session, MINUTE * 240).await?;
                assert_eq!(session.max_lease, Some(MINUTE * 240));
            }
            Op::SessionStop => client.stop_session(&cell.session).await?,
            Op::SessionList => {
                let all: Vec<_> = client.list_sessions().try_collect().await?;
                assert_eq!(all.len(), 1, "no session lost or listed twice");
            }
            Op::ConversionCreate => {
                let poller = client
                    .start_conversion(&cell.conversion, &input(), &output())
                    .await?;
                assert_eq!(poller.id(), cell.conversion.as_str());
            }
            Op::ConversionGet => {
                let conversion = client.get_conversion(&cell.conversion).await?;
                assert_eq!(conversion.id, cell.conversion);
            }
            Op::ConversionList => {
                let all: Vec<_> = client.list_conversions().try_collect().await?;
                assert_eq!(all.len(), 1, "no conversion lost or listed twice");
            }
            Op::SessionPoller => {
                let mut updates = Box::pin(client.session_poller(cell.session.clone()).updates());
                let mut first = true;
                let mut last = None;
                while let Some(update) = updates.next().await {
                    let update = update?;
                    if first {
                        first = false;
                        between_polls(cell);
                    }
                    last = Some(update.value.status);
                }
                assert_eq!(last, Some(SessionStatus::Ready));
            }
            Op::ConversionPoller => {
                let mut updates =
                    Box::pin(client.conversion_poller(cell.conversion.clone()).updates());
                let mut first = true;
                let mut last = None;
                while let Some(update) = updates.next().await {
                    let update = update?;
                    if first {
                        first = false;
                        between_polls(cell);
                    }
                    last = Some(update.value.status);
                }
                assert_eq!(last, Some(ConversionStatus::Succeeded));
            }
            Op::LeaseKeeper => {
                // 1,395 of 1,400 minutes gone: within the 10-minute margin.
                cell.emu.clock().advance(LEASE_MINUTE * 1395);
                let mut keeper = client.keep_alive(
                    cell.session.clone(),
                    LeaseKeeperOptions::default()
                        .with_margin(MINUTE * 10)
                        .with_step(MINUTE * 30)
                        .with_check_interval(Duration::from_secs(10)),
                )?;
                match keeper.next_event().await.expect("the keeper reports") {
                    Ok(event) => assert_eq!(
                        event,
                        LeaseEvent::Extended {
                            from: MINUTE * 1400,
                            to: MINUTE * 1430
                        }
                    ),
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Done::Ok,
        Err(error) => Done::Err(error),
    }
}

/// The mid-poll step of a poller cell: in an expired-token cell, the clock
/// jumps past the token's lifetime (and the operation's end).
fn between_polls(cell: &Cell) {
    if expired_token(cell.fault, cell.op) {
        cell.emu
            .clock()
            .advance(TOKEN_LIFETIME + Duration::from_secs(1));
    }
}

/// Runs one cell and checks it; `Err` says what went wrong.
pub(super) async fn run_cell(op: Op, fault: Fault) -> Result<(), String> {
    let cell = start_cell(op, fault).await;
    let client = op_client(&cell);
    if expired_token(fault, op) {
        if op.polls() {
            // The token is taken by the first poll and expires after it.
        } else {
            client.access_token().await.map_err(|e| e.to_string())?;
            if op != Op::LeaseKeeper {
                // The keeper's own clock jump (1,395 lease minutes) expires it.
                cell.emu
                    .clock()
                    .advance(TOKEN_LIFETIME + Duration::from_secs(1));
            }
        }
    }
    cell.emu.clear_requests();
    if let Some((route, armed)) = fault.arm(op) {
        cell.emu.faults().inject(route, armed);
    }

    let started = Instant::now();
    let done = tokio::time::timeout(CELL_DEADLINE, run_op(&cell, &client))
        .await
        .map_err(|_| format!("hung for {CELL_DEADLINE:?}"))?;
    let elapsed = started.elapsed();
    cell.emu.faults().clear();

    let requests = cell.emu.requests();
    let on = |route: Route| requests.iter().filter(|r| r.route == Some(route)).count();
    let on_status = |route: Route, status: u16| {
        requests
            .iter()
            .filter(|r| r.route == Some(route) && r.status == status)
            .count()
    };
    let route = if fault == Fault::Unauthorized {
        op.first_route()
    } else {
        op.route()
    };
    let total = on(route);
    let sts = on(Route::StsToken);
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };

    let succeeded = match (expect(op, fault), &done) {
        (Expect::Success { faulted, sts: want }, Done::Ok) => {
            let ok_requests = if op.polls() {
                total.saturating_sub(faulted).max(1)
            } else {
                1
            };
            // The request abandoned at the timeout is still sleeping in the
            // emulator (or was cancelled with its connection) and is not
            // logged; tolerate at most one such extra request anyway.
            let total = if fault == Fault::SlowerThanTimeout && total == faulted + ok_requests + 1 {
                total - 1
            } else {
                total
            };
            if op.route() == Route::StsToken {
                check(
                    total == faulted + ok_requests,
                    format!("{total} STS requests, expected {faulted} faulted + 1"),
                );
            } else {
                check(sts == want, format!("{sts} STS requests, expected {want}"));
                check(
                    total == faulted + ok_requests,
                    format!(
                        "{total} requests on {route:?}, expected {faulted} faulted + {ok_requests}"
                    ),
                );
                if op.polls() {
                    check(
                        ok_requests <= 30,
                        format!("{ok_requests} polls: the poller is not bounded"),
                    );
                }
            }
            if let Some(status) = fault.status()
                && fault != Fault::StsFlaky
            {
                check(
                    on_status(route, status) == faulted,
                    format!(
                        "{} answers {status}, expected {faulted}",
                        on_status(route, status)
                    ),
                );
            }
            if fault == Fault::ThrottledRetryAfter {
                check(
                    elapsed >= Duration::from_secs(1),
                    format!("Retry-After ignored: done after {elapsed:?}"),
                );
            }
            if fault == Fault::SlowerThanTimeout {
                // Bounds that do not depend on the machine's speed: the slow
                // attempt was waited on for the whole timeout, and abandoned
                // long before the emulator would have answered it.
                check(
                    elapsed >= SHORT_TIMEOUT,
                    format!("done after {elapsed:?}, before the request timeout"),
                );
                check(
                    elapsed < SLOW_DELAY,
                    format!("the request timeout did not apply: {elapsed:?}"),
                );
            }
            true
        }
        (Expect::Failure { kind, attempts }, Done::Err(error)) => {
            let typed = match kind {
                Failure::Service(status, operation) => matches!(
                    error,
                    Error::Service(e) if e.status == status && e.operation == operation
                ),
                Failure::Authentication(status) => matches!(
                    error,
                    Error::Authentication { status: Some(s), .. } if *s == status
                ),
                Failure::InvalidResponse(operation) => matches!(
                    error,
                    Error::InvalidResponse { operation: o, transient: false, .. } if *o == operation
                ),
            };
            check(typed, format!("expected {kind:?}, got {error:?}"));
            let message = error.to_string();
            let cause = match kind {
                Failure::Service(status, operation) => {
                    message.contains(&status.to_string()) && message.contains(operation)
                }
                Failure::Authentication(_) => !message.is_empty(),
                Failure::InvalidResponse(operation) => {
                    message.contains(operation) && message.contains("does not match the API")
                }
            };
            check(
                cause,
                format!("the message does not name the cause: {message}"),
            );
            let counted = if fault == Fault::StsDown && op != Op::StsToken {
                check(
                    sts == MAX_RETRIES as usize + 1,
                    format!("{sts} STS requests, expected {}", MAX_RETRIES + 1),
                );
                total
            } else {
                total
            };
            check(
                counted == attempts,
                format!("{counted} requests on {route:?}, expected {attempts}"),
            );
            false
        }
        (expected, Done::Ok) => {
            problems.push(format!("succeeded, expected {expected:?}"));
            false
        }
        (expected, Done::Err(error)) => {
            problems.push(format!("failed with {error:?}, expected {expected:?}"));
            false
        }
    };

    // Creates leave exactly one resource when they succeed or when the
    // handler ran and only its answer was mangled, none when nothing
    // reached the handler.
    if let Some(resource) = op.creates() {
        let want = usize::from(succeeded || fault == Fault::MissingFields);
        let have = match resource {
            Resource::Session => cell
                .setup
                .list_sessions()
                .try_collect::<Vec<_>>()
                .await
                .map(|l| l.len()),
            Resource::Conversion => cell
                .setup
                .list_conversions()
                .try_collect::<Vec<_>>()
                .await
                .map(|l| l.len()),
        }
        .map_err(|e| format!("listing after the cell: {e}"))?;
        if have != want {
            problems.push(format!("{have} {resource:?}s exist, expected {want}"));
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
