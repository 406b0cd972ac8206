//! Items 1 to 4 and 6 of the issue (item 5 is [`crate::fleet`]), each a function returning its figures. The
//! `arr-bench` binary turns them into table rows; the tests call the same
//! functions against in-process emulators to assert the correctness
//! properties (one STS exchange, poll request bounds).

use crate::loadgen;
use crate::measure::{self, Summary};
use crate::target::{self, Target};
use anyhow::{Context as _, Result, anyhow, bail};
use futures::StreamExt as _;
use remote_rendering::{
    Client, ConversionId, ConversionInput, ConversionOutput, SessionId, SessionOptions, SessionSize,
};
use remote_rendering_emulator::Route;
use remote_rendering_rest::RequestAuth;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// The ARR API version every call uses.
pub const API_VERSION: &str = "2021-01-01";

/// The lease of every benchmark session.
const LEASE: Duration = Duration::from_secs(60 * 60);

/// Upper bound on any one scenario step that waits for many calls.
const STEP_TIMEOUT: Duration = Duration::from_secs(120);

/// Which client makes a call (the a, b, c).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// (a) the ergonomic `remote-rendering` client.
    Ergonomic,
    /// (b) the generated `remote-rendering-rest` client.
    Generated,
    /// (c) a bare `reqwest` GET with a fixed bearer header, body read but not decoded.
    Bare,
}

impl Kind {
    /// Short label for the table.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ergonomic => "(a) remote-rendering",
            Self::Generated => "(b) remote-rendering-rest",
            Self::Bare => "(c) bare reqwest",
        }
    }
}

/// Three ways to `GET` the same session from the same emulator.
pub struct Callers {
    client: Client,
    rest: remote_rendering_rest::Client,
    http: reqwest::Client,
    account: uuid::Uuid,
    session: SessionId,
    url: String,
    authorization: HeaderValue,
}

impl Callers {
    /// Creates a session to read and the three clients. The ergonomic client
    /// exchanges its token here, and (b) and (c) reuse that very token, so
    /// no call measured later goes to the STS.
    pub async fn new(target: &Target) -> Result<Self> {
        let client = target.client_builder()?.build()?;
        let session = SessionId::generate();
        client
            .start_session(&session, &SessionOptions::new(SessionSize::Standard, LEASE))
            .await
            .context("cannot create the benchmark session")?;
        let token = client.access_token().await?;
        // (b) and (c) share one reqwest client built like the ergonomic
        // client's own (same timeouts, no proxy), so that only the layers
        // above reqwest differ.
        let http = target.http_client()?;
        let rest = remote_rendering_rest::Client::new_with_client(
            target.base(),
            http.clone(),
            RequestAuth::bearer(token.secret())
                .context("token unusable in a header")?
                .into(),
        );
        let account = uuid::Uuid::parse_str(&target.account_id)?;
        let url = format!(
            "{}/accounts/{account}/sessions/{}?api-version={API_VERSION}",
            target.base(),
            session.as_str()
        );
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", token.secret()))?;
        authorization.set_sensitive(true);
        Ok(Self {
            client,
            rest,
            http,
            account,
            session,
            url,
            authorization,
        })
    }

    /// The ergonomic client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The session all calls read.
    pub fn session(&self) -> &SessionId {
        &self.session
    }

    /// The bearer token (for the load generator).
    pub fn bearer(&self) -> Result<String> {
        let value = self.authorization.to_str()?;
        Ok(value.trim_start_matches("Bearer ").to_string())
    }

    /// One `GET` of the session through `kind`.
    pub async fn call(&self, kind: Kind) -> Result<()> {
        match kind {
            Kind::Ergonomic => {
                let session = self.client.get_session(&self.session).await?;
                std::hint::black_box(session);
            }
            Kind::Generated => {
                let session = self
                    .rest
                    .get_session()
                    .account_id(self.account)
                    .session_id(self.session.as_str())
                    .api_version(API_VERSION)
                    .send()
                    .await
                    .map_err(|e| anyhow!("generated get_session failed: {e}"))?
                    .into_inner();
                std::hint::black_box(session);
            }
            Kind::Bare => {
                let response = self
                    .http
                    .get(&self.url)
                    .header(AUTHORIZATION, self.authorization.clone())
                    .send()
                    .await?;
                if !response.status().is_success() {
                    bail!("bare GET answered HTTP {}", response.status());
                }
                std::hint::black_box(response.bytes().await?);
            }
        }
        Ok(())
    }
}

/// Item 1: latency of each way to call, interleaved.
#[derive(Clone, Copy, Debug)]
pub struct Overhead {
    /// (a) the ergonomic client.
    pub ergonomic: Summary,
    /// (b) the generated client.
    pub generated: Summary,
    /// (c) bare reqwest.
    pub bare: Summary,
}

/// The six orders of (a), (b), (c): rotating through them gives each kind
/// every position equally often, so none profits from a warm cache or a
/// just-returned connection more than the others.
const ORDERS: [[Kind; 3]; 6] = {
    use Kind::{Bare as C, Ergonomic as A, Generated as B};
    [
        [A, B, C],
        [B, C, A],
        [C, A, B],
        [A, C, B],
        [C, B, A],
        [B, A, C],
    ]
};

/// Item 1: `rounds` rounds of one call per kind (in rotating order) after
/// `warmup` rounds, stopping early when `budget` is spent.
pub async fn per_call_overhead(
    callers: &Callers,
    warmup: usize,
    rounds: usize,
    budget: Duration,
) -> Result<Overhead> {
    for round in 0..warmup {
        for kind in ORDERS[round % ORDERS.len()] {
            callers.call(kind).await?;
        }
    }
    let started = Instant::now();
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for round in 0..rounds {
        if started.elapsed() > budget {
            break;
        }
        for kind in ORDERS[round % ORDERS.len()] {
            let call_started = Instant::now();
            callers.call(kind).await?;
            samples[kind as usize].push(call_started.elapsed());
        }
    }
    let [a, b, c] = &mut samples;
    let none = || anyhow!("no samples");
    Ok(Overhead {
        ergonomic: measure::summarize(a).ok_or_else(none)?,
        generated: measure::summarize(b).ok_or_else(none)?,
        bare: measure::summarize(c).ok_or_else(none)?,
    })
}

/// Item 2: one throughput run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Throughput {
    /// Calls completed.
    pub ops: u64,
    /// Wall time.
    pub wall: Duration,
    /// CPU time of this process (all threads) during the run.
    pub cpu: Duration,
}

impl Throughput {
    /// Adds another run of the same kind.
    pub fn add(&mut self, other: Throughput) {
        self.ops += other.ops;
        self.wall += other.wall;
        self.cpu += other.cpu;
    }

    /// Operations per second.
    pub fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    /// CPU time per 1,000 operations.
    pub fn cpu_per_1000(&self) -> Duration {
        Duration::from_secs_f64(self.cpu.as_secs_f64() * 1000.0 / self.ops.max(1) as f64)
    }
}

/// Item 2: `concurrency` tasks calling through `kind` until `duration`
/// has passed. CPU time is this process's, so run the emulator elsewhere.
pub async fn throughput(
    callers: Arc<Callers>,
    kind: Kind,
    concurrency: usize,
    duration: Duration,
) -> Result<Throughput> {
    let cpu_before = measure::process_cpu();
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let callers = callers.clone();
            tokio::spawn(async move {
                let mut ops = 0u64;
                while Instant::now() < deadline {
                    callers.call(kind).await?;
                    ops += 1;
                }
                anyhow::Ok(ops)
            })
        })
        .collect();
    let mut ops = 0;
    for task in tasks {
        ops += task.await.context("a throughput task panicked")??;
    }
    Ok(Throughput {
        ops,
        wall: started.elapsed(),
        cpu: measure::process_cpu().saturating_sub(cpu_before),
    })
}

/// Item 3: a cold token cache under `calls` concurrent first calls.
#[derive(Clone, Debug)]
pub struct TokenSharing {
    /// Calls made.
    pub calls: usize,
    /// Calls that failed.
    pub failed: usize,
    /// The first failure, if any.
    pub first_error: Option<String>,
    /// STS exchanges the client counted (`Client::sts_exchanges`).
    pub client_exchanges: u64,
    /// STS requests the emulator logged during the burst.
    pub sts_requests: usize,
    /// From the first call to the last completion.
    pub wall: Duration,
}

/// Item 3: creates a session with a separate client, then fires `calls`
/// concurrent `get_session` calls from a brand-new client (cold cache).
pub async fn token_sharing(target: &Target, calls: usize) -> Result<TokenSharing> {
    let admin = target.http_client()?;
    let setup = target.client_builder()?.build()?;
    let session = SessionId::generate();
    setup
        .start_session(&session, &SessionOptions::new(SessionSize::Standard, LEASE))
        .await?;
    let sts_before = target::count_route(&target.request_log(&admin).await?, Route::StsToken);

    let client = target.client_builder()?.build()?;
    let started = Instant::now();
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let (client, session) = (client.clone(), session.clone());
            tokio::spawn(async move { client.get_session(&session).await })
        })
        .collect();
    let results = tokio::time::timeout(STEP_TIMEOUT, futures::future::join_all(tasks))
        .await
        .context("the concurrent calls did not finish in time")?;
    let wall = started.elapsed();
    let mut failed = 0;
    let mut first_error = None;
    for result in results {
        let error = match result {
            Ok(Ok(_)) => continue,
            Ok(Err(e)) => e.to_string(),
            Err(e) => e.to_string(),
        };
        failed += 1;
        first_error.get_or_insert(error);
    }
    let sts_after = target::count_route(&target.request_log(&admin).await?, Route::StsToken);
    Ok(TokenSharing {
        calls,
        failed,
        first_error,
        client_exchanges: client.sts_exchanges(),
        sts_requests: sts_after - sts_before,
        wall,
    })
}

/// Item 4: what one poller cost.
#[derive(Clone, Debug)]
pub struct PollCost {
    /// Time the emulator needs to finish (session startup / conversion duration).
    pub duration: Duration,
    /// The client's polling interval.
    pub interval: Duration,
    /// GET requests the emulator logged for this resource.
    pub gets: usize,
    /// The waits the poller announced after each poll (the interval or the
    /// service's `Retry-After`); the first poll comes one interval after the
    /// create.
    pub waits: Vec<Duration>,
    /// Time from the emulator reaching its final state (creation time as the
    /// emulator reported it, plus `duration`) to the poller returning.
    /// Negative would mean clock trouble; reported as measured.
    pub delay_secs: f64,
}

impl PollCost {
    /// The bound on requests: `ceil(T/I) + 1`.
    pub fn request_bound(&self) -> usize {
        let bound = self
            .duration
            .as_nanos()
            .div_ceil(self.interval.as_nanos().max(1));
        usize::try_from(bound)
            .unwrap_or(usize::MAX)
            .saturating_add(1)
    }
}

/// Item 4: starts a Standard session on an emulator whose startup time is
/// `startup`, polls it every `interval` until Ready, and counts the GETs.
pub async fn session_polling(
    target: &Target,
    startup: Duration,
    interval: Duration,
) -> Result<PollCost> {
    let admin = target.http_client()?;
    let client = target
        .client_builder()?
        .polling_interval(interval)
        .build()?;
    // The token exchange is not part of the polling cost.
    client.access_token().await?;
    let id = SessionId::generate();
    let poller = client
        .start_session(&id, &SessionOptions::new(SessionSize::Standard, LEASE))
        .await?
        .with_timeout(startup + STEP_TIMEOUT);
    let (last, waits, finished) = follow(poller.updates()).await?;
    let created = last
        .created_on
        .context("the session has no creation time")?;
    let gets = target::count_route_for(
        &target.request_log(&admin).await?,
        Route::GetSession,
        id.as_str(),
    );
    Ok(PollCost {
        duration: startup,
        interval,
        gets,
        waits,
        delay_secs: seconds_between(SystemTime::from(created) + startup, finished),
    })
}

/// Item 4: starts a conversion on an emulator whose conversions take
/// `duration`, waits for it with `interval` as the polling interval (the
/// emulator's GETs carry `Retry-After`, which the poller honours), and counts
/// the GETs.
pub async fn conversion_polling(
    target: &Target,
    duration: Duration,
    interval: Duration,
) -> Result<PollCost> {
    let admin = target.http_client()?;
    let client = target
        .client_builder()?
        .polling_interval(interval)
        .build()?;
    client.access_token().await?;
    let id = ConversionId::generate();
    // With SAS tokens: like the service, the emulator refuses a conversion
    // without one for a storage account that is not linked.
    let input = ConversionInput::new("https://contoso.blob.core.windows.net/arrinput", "box.fbx")?
        .with_sas("sv=2020-08-04&sig=bench");
    let output = ConversionOutput::new("https://contoso.blob.core.windows.net/arroutput")?
        .with_sas("sv=2020-08-04&sig=bench");
    let poller = client
        .start_conversion(&id, &input, &output)
        .await?
        .with_timeout(duration + STEP_TIMEOUT);
    let (last, waits, finished) = follow(poller.updates()).await?;
    let created = last
        .created_on
        .context("the conversion has no creation time")?;
    let gets = target::count_route_for(
        &target.request_log(&admin).await?,
        Route::GetConversion,
        id.as_str(),
    );
    Ok(PollCost {
        duration,
        interval,
        gets,
        waits,
        delay_secs: seconds_between(SystemTime::from(created) + duration, finished),
    })
}

/// Drains a poller's updates: the final value, the waits it announced, and
/// the wall-clock time it finished.
async fn follow<T>(
    updates: impl futures::Stream<Item = remote_rendering::Result<remote_rendering::PollUpdate<T>>>,
) -> Result<(T, Vec<Duration>, SystemTime)> {
    let mut updates = std::pin::pin!(updates);
    let mut waits = Vec::new();
    // The poller's own timeout bounds this loop in time; the stream ends
    // after the terminal update.
    while let Some(update) = updates.next().await {
        let update = update?;
        match update.next_poll {
            Some(wait) => waits.push(wait),
            None => return Ok((update.value, waits, SystemTime::now())),
        }
    }
    bail!("the poller ended without a final state")
}

/// `to - from` in seconds, negative when `to` is earlier.
fn seconds_between(from: SystemTime, to: SystemTime) -> f64 {
    match to.duration_since(from) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// Item 6: the emulator under the lean load generator.
#[derive(Clone, Copy, Debug)]
pub struct Capacity {
    /// Open connections, each one request at a time.
    pub connections: usize,
    /// Successful requests.
    pub requests: u64,
    /// Wall time.
    pub wall: Duration,
    /// CPU time of the load generator (this process).
    pub generator_cpu: Duration,
    /// CPU time of the emulator process, when it is one.
    pub emulator_cpu: Option<Duration>,
}

impl Capacity {
    /// Requests per second.
    pub fn per_sec(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    /// CPU time per request of `cpu`.
    pub fn per_request(&self, cpu: Duration) -> Duration {
        Duration::from_secs_f64(cpu.as_secs_f64() / self.requests.max(1) as f64)
    }
}

/// Item 6: GET session over `connections` raw keep-alive connections for
/// `duration`; `emulator_pid` (a separate process) gives its CPU time.
pub async fn capacity(
    callers: &Callers,
    target: &Target,
    emulator_pid: Option<u32>,
    connections: usize,
    duration: Duration,
) -> Result<Capacity> {
    let url = reqwest::Url::parse(&target.endpoint)?;
    let addr = *url
        .socket_addrs(|| None)?
        .first()
        .context("the endpoint has no address")?;
    let path = format!(
        "/accounts/{}/sessions/{}?api-version={API_VERSION}",
        target.account_id,
        callers.session().as_str()
    );
    let request = loadgen::get_request(&addr.to_string(), &path, &callers.bearer()?);
    let emulator_before = emulator_pid.and_then(measure::other_process_cpu);
    let cpu_before = measure::process_cpu();
    let result = loadgen::run(addr, request, connections, duration).await?;
    let generator_cpu = measure::process_cpu().saturating_sub(cpu_before);
    let emulator_cpu = match (
        emulator_before,
        emulator_pid.and_then(measure::other_process_cpu),
    ) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before)),
        _ => None,
    };
    Ok(Capacity {
        connections,
        requests: result.ok,
        wall: result.wall,
        generator_cpu,
        emulator_cpu,
    })
}
