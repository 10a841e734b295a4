//! `functions`: Lambda functions run by Eddy as processes speaking the Runtime API, measured
//! through the Lambda REST API and EventBridge against a running server.
//!
//! The native function is `bench-bootstrap` (built next to `eddy-bench`), zipped as the
//! `bootstrap` of a `provided.al2023` function; the Python one is a one-line handler
//! returning its event. Parts (`--parts`, all by default):
//!
//! - `loopback`: the floor, no server involved: a 100-byte ping-pong between two threads over
//!   one loopback TCP connection with TCP_NODELAY, and a `GET /healthz` round trip to the
//!   server (its HTTP stack with nothing behind it).
//! - `warm`: synchronous `Invoke` of the native function, one at a time on one keep-alive
//!   connection, after warm-up; client-side round trip.
//! - `throughput`: invocations per second with reserved concurrency 1 (one client) and
//!   `--instances` (as many clients, one connection each).
//! - `cold`: a fresh instance per sample: `UpdateFunctionConfiguration` with a new
//!   `Description` (a new revision; idle instances of the old one stop), then one `Invoke`
//!   with `X-Amz-Log-Type: Tail`, timed on the client; `Init Duration` is read from the
//!   `REPORT` line of the returned log. Native and Python.
//! - `put-event`: a rule on the default bus targets the native function (reserved
//!   concurrency 1, so every event finds the one warm instance); `PutEvents` of one event at a
//!   time, timed from just before the request is sent to the bootstrap's UDP datagram,
//!   which carries its own `CLOCK_REALTIME` stamp taken as soon as it has read the invocation
//!   (same machine, same clock). The datagram is matched to the event by the event id.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context as _};
use base64::Engine as _;
use bytes::Bytes;
use clap::{Args, ValueEnum};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpStream;

use crate::client::{Connection, Endpoint, Operation, Service};
use crate::load::{self, Phase};
use crate::report::Report;
use crate::setup;

/// A part of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Part {
    /// Loopback TCP ping-pong and `GET /healthz`: the floor.
    Loopback,
    /// Warm synchronous invoke, one at a time.
    Warm,
    /// Invocations per second with 1 and `--instances` instances.
    Throughput,
    /// Cold start to first response, native and Python.
    Cold,
    /// PutEvents → handler start.
    PutEvent,
}

/// Flags of `functions`.
#[derive(Debug, Args)]
pub struct FunctionsArgs {
    /// Server URL, http://HOST:PORT.
    #[arg(long)]
    endpoint: String,
    /// The native bootstrap to deploy (default: `bench-bootstrap` next to this program).
    #[arg(long)]
    bootstrap: Option<PathBuf>,
    /// Parts to run, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Part::Loopback, Part::Warm, Part::Throughput, Part::Cold, Part::PutEvent])]
    parts: Vec<Part>,
    /// Measured samples of the serial latency parts (loopback, warm, put-event).
    #[arg(long, default_value_t = 2000)]
    count: usize,
    /// Unmeasured samples before them.
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// Cold starts measured per runtime.
    #[arg(long, default_value_t = 30)]
    cold_samples: usize,
    /// Measured window of each throughput run.
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Unmeasured warm-up before each throughput window.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    throughput_warmup: Duration,
    /// Instances (reserved concurrency, and clients) of the wide throughput run.
    #[arg(long, default_value_t = 8)]
    instances: u32,
    /// Runtime identifier of the Python function.
    #[arg(long, default_value = "python3.12")]
    python_runtime: String,
    /// Give up on one call or one event after this long.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    timeout: Duration,
    /// Leave the functions and the rule in place afterwards.
    #[arg(long)]
    keep: bool,
}

/// A fake SigV4 header; Eddy accepts any signature.
const LAMBDA_AUTH: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0";

/// The body of every invocation in the warm and throughput parts.
const PAYLOAD: &[u8] = br#"{"bench":"eddy","n":1}"#;

/// One HTTP answer.
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn json(&self) -> anyhow::Result<Value> {
        serde_json::from_slice(&self.body).with_context(|| format!("not JSON: {}", self.text()))
    }
}

/// One keep-alive HTTP/1.1 connection for REST calls (the Lambda API), reopened when the
/// server has closed it.
struct Rest {
    authority: String,
    host: HeaderValue,
    auth: HeaderValue,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Rest {
    async fn open(endpoint: &Endpoint) -> anyhow::Result<Rest> {
        let mut rest = Rest {
            authority: endpoint.authority.clone(),
            host: HeaderValue::from_str(&endpoint.authority).context("invalid endpoint host")?,
            auth: HeaderValue::from_static(LAMBDA_AUTH),
            sender: None,
        };
        rest.connect().await?;
        Ok(rest)
    }

    async fn connect(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        let stream =
            tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(&self.authority))
                .await
                .with_context(|| format!("timed out connecting to {}", self.authority))?
                .with_context(|| format!("cannot connect to {}", self.authority))?;
        stream.set_nodelay(true).context("cannot set TCP_NODELAY")?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP handshake failed")?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(self.sender.insert(sender))
    }

    /// Sends one request; any answer (also non-2xx) is a `Reply`, transport failures errors.
    async fn send(
        &mut self,
        method: Method,
        uri: Uri,
        headers: &[(HeaderName, HeaderValue)],
        body: Bytes,
    ) -> anyhow::Result<Reply> {
        let sender = match self.sender.as_mut() {
            Some(sender) if !sender.is_closed() => sender,
            _ => self.connect().await?,
        };
        if sender.ready().await.is_err() {
            self.sender = None;
            self.connect().await?;
        }
        let sender = self.sender.as_mut().context("no connection")?;
        let mut request = Request::new(Full::new(body));
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        let out = request.headers_mut();
        out.insert(HOST, self.host.clone());
        out.insert(AUTHORIZATION, self.auth.clone());
        out.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in headers {
            out.insert(name.clone(), value.clone());
        }
        let result = async {
            let response = sender.send_request(request).await?;
            let status = response.status().as_u16();
            let (parts, body) = response.into_parts();
            let body = body.collect().await?.to_bytes();
            Ok::<_, hyper::Error>(Reply {
                status,
                headers: parts.headers,
                body,
            })
        }
        .await;
        result.map_err(|err| {
            self.sender = None;
            anyhow::Error::new(err).context("request failed")
        })
    }

    /// A set-up call that must succeed with a 2xx answer; returns its JSON (or null).
    async fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let uri: Uri = path.parse().with_context(|| format!("bad path {path}"))?;
        let bytes = match body {
            Some(v) => Bytes::from(serde_json::to_vec(v).context("cannot encode")?),
            None => Bytes::new(),
        };
        let reply = self.send(method.clone(), uri, &[], bytes).await?;
        if !(200..300).contains(&reply.status) {
            bail!("{method} {path}: HTTP {}: {}", reply.status, reply.text());
        }
        if reply.body.is_empty() {
            return Ok(Value::Null);
        }
        reply.json()
    }
}

fn invoke_uri(function: &str) -> anyhow::Result<Uri> {
    format!("/2015-03-31/functions/{function}/invocations")
        .parse()
        .context("bad function name")
}

/// One synchronous invocation that must succeed: status 200 and no function error.
async fn invoke_ok(
    rest: &mut Rest,
    uri: &Uri,
    headers: &[(HeaderName, HeaderValue)],
    body: Bytes,
    timeout: Duration,
) -> anyhow::Result<Reply> {
    let reply = tokio::time::timeout(timeout, rest.send(Method::POST, uri.clone(), headers, body))
        .await
        .context("invoke timed out")??;
    if reply.status != 200 {
        bail!("invoke: HTTP {}: {}", reply.status, reply.text());
    }
    if let Some(kind) = reply.header("x-amz-function-error") {
        bail!("invoke: function error {kind}: {}", reply.text());
    }
    Ok(reply)
}

/// A zip holding `files` (name, bytes, unix mode).
fn zip_of(files: &[(&str, &[u8], u32)]) -> anyhow::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes, mode) in files {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(*mode);
        zip.start_file(*name, options)
            .with_context(|| format!("cannot add {name} to the zip"))?;
        zip.write_all(bytes).context("cannot write the zip")?;
    }
    Ok(zip.finish().context("cannot finish the zip")?.into_inner())
}

/// The zips of the two functions, base64.
struct Packages {
    native: String,
    python: String,
}

fn packages(bootstrap: Option<PathBuf>) -> anyhow::Result<Packages> {
    let path = match bootstrap {
        Some(path) => path,
        None => std::env::current_exe()
            .context("cannot find this program's path")?
            .with_file_name("bench-bootstrap"),
    };
    let binary = std::fs::read(&path).with_context(|| {
        format!(
            "cannot read the native bootstrap {} (build it: cargo build --release -p eddy-bench)",
            path.display()
        )
    })?;
    let native = zip_of(&[("bootstrap", &binary, 0o755)])?;
    let python = zip_of(&[(
        "app.py",
        b"def handler(event, context):\n    return event\n",
        0o644,
    )])?;
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(Packages {
        native: b64.encode(native),
        python: b64.encode(python),
    })
}

/// Creates a function; returns its ARN.
async fn create_function(
    rest: &mut Rest,
    name: &str,
    runtime: &str,
    handler: &str,
    zip_b64: &str,
    environment: &BTreeMap<String, String>,
) -> anyhow::Result<String> {
    let mut body = json!({
        "FunctionName": name,
        "Runtime": runtime,
        "Handler": handler,
        "Role": "arn:aws:iam::000000000000:role/lambda",
        "Code": { "ZipFile": zip_b64 },
        "Timeout": 30,
        "MemorySize": 128,
    });
    if !environment.is_empty() {
        body["Environment"] = json!({ "Variables": environment });
    }
    let created = rest
        .call(Method::POST, "/2015-03-31/functions", Some(&body))
        .await
        .with_context(|| format!("CreateFunction {name}"))?;
    created
        .get("FunctionArn")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("CreateFunction returned no FunctionArn: {created}"))
}

async fn put_concurrency(rest: &mut Rest, name: &str, n: u32) -> anyhow::Result<()> {
    rest.call(
        Method::PUT,
        &format!("/2017-10-31/functions/{name}/concurrency"),
        Some(&json!({ "ReservedConcurrentExecutions": n })),
    )
    .await
    .with_context(|| format!("PutFunctionConcurrency {name} {n}"))?;
    Ok(())
}

async fn delete_function(rest: &mut Rest, name: &str) -> anyhow::Result<()> {
    rest.call(
        Method::DELETE,
        &format!("/2015-03-31/functions/{name}"),
        None,
    )
    .await
    .with_context(|| format!("DeleteFunction {name}"))?;
    Ok(())
}

fn hist_from_micros(values: &[u64]) -> Histogram<u64> {
    let mut hist = load::histogram();
    for v in values {
        hist.saturating_record((*v).max(1));
    }
    hist
}

fn p(json: &Value, q: &str) -> f64 {
    json.get(q).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

// ---------------------------------------------------------------------------------------------
// loopback

/// A 100-byte ping-pong between two threads over loopback TCP with TCP_NODELAY.
fn tcp_ping_pong(count: usize, warmup: usize) -> anyhow::Result<Histogram<u64>> {
    let listener =
        std::net::TcpListener::bind(("127.0.0.1", 0)).context("cannot listen on loopback")?;
    let addr = listener.local_addr().context("no local address")?;
    let echo = std::thread::spawn(move || -> std::io::Result<()> {
        let (mut socket, _) = listener.accept()?;
        socket.set_nodelay(true)?;
        let mut buf = [0_u8; 100];
        loop {
            match socket.read_exact(&mut buf) {
                Ok(()) => socket.write_all(&buf)?,
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    });
    let mut hist = load::histogram();
    {
        let mut socket = std::net::TcpStream::connect(addr).context("cannot connect")?;
        socket.set_nodelay(true).context("cannot set TCP_NODELAY")?;
        let message = [b'x'; 100];
        let mut buf = [0_u8; 100];
        for i in 0..warmup + count {
            let start = Instant::now();
            socket.write_all(&message).context("write")?;
            socket.read_exact(&mut buf).context("read")?;
            if i >= warmup {
                load::record(&mut hist, start.elapsed());
            }
        }
    }
    echo.join()
        .map_err(|_| anyhow::anyhow!("the echo thread panicked"))?
        .context("echo thread")?;
    Ok(hist)
}

async fn loopback(endpoint: &Endpoint, args: &FunctionsArgs) -> anyhow::Result<Value> {
    let (count, warmup) = (args.count, args.warmup);
    let tcp = tokio::task::spawn_blocking(move || tcp_ping_pong(count, warmup))
        .await
        .context("ping-pong task")??;
    let mut rest = Rest::open(endpoint).await?;
    let uri = Uri::from_static("/healthz");
    let mut http = load::histogram();
    for i in 0..args.warmup + args.count {
        let start = Instant::now();
        let reply = rest
            .send(Method::GET, uri.clone(), &[], Bytes::new())
            .await?;
        if reply.status != 200 {
            bail!("GET /healthz: HTTP {}", reply.status);
        }
        if i >= args.warmup {
            load::record(&mut http, start.elapsed());
        }
    }
    Ok(json!({
        "tcp_ping_pong": load::percentiles_ms(&tcp),
        "http_healthz": load::percentiles_ms(&http),
    }))
}

// ---------------------------------------------------------------------------------------------
// warm

async fn warm(endpoint: &Endpoint, function: &str, args: &FunctionsArgs) -> anyhow::Result<Value> {
    let mut rest = Rest::open(endpoint).await?;
    let uri = invoke_uri(function)?;
    let body = Bytes::from_static(PAYLOAD);
    let mut hist = load::histogram();
    for i in 0..args.warmup + args.count {
        let start = Instant::now();
        let reply = invoke_ok(&mut rest, &uri, &[], body.clone(), args.timeout).await?;
        let elapsed = start.elapsed();
        if reply.body != body {
            bail!(
                "the function answered {} to {}",
                reply.text(),
                String::from_utf8_lossy(PAYLOAD)
            );
        }
        if i >= args.warmup {
            load::record(&mut hist, elapsed);
        }
    }
    Ok(json!({ "round_trip": load::percentiles_ms(&hist) }))
}

// ---------------------------------------------------------------------------------------------
// throughput

#[derive(Default)]
struct Tally {
    ok: u64,
    throttled: u64,
    errors: load::Errors,
    hist: Option<Histogram<u64>>,
}

async fn client_loop(
    endpoint: Endpoint,
    function: String,
    phase: Phase,
    timeout: Duration,
) -> Tally {
    let mut tally = Tally {
        hist: Some(load::histogram()),
        ..Tally::default()
    };
    let uri = match invoke_uri(&function) {
        Ok(uri) => uri,
        Err(err) => {
            tally.errors.note_text(format!("{err:#}"));
            return tally;
        }
    };
    let mut rest = match Rest::open(&endpoint).await {
        Ok(rest) => rest,
        Err(err) => {
            tally.errors.note_text(format!("{err:#}"));
            return tally;
        }
    };
    let body = Bytes::from_static(PAYLOAD);
    while !phase.stopped() {
        let counted = phase.measuring();
        let start = Instant::now();
        let result = tokio::time::timeout(
            timeout,
            rest.send(Method::POST, uri.clone(), &[], body.clone()),
        )
        .await;
        let elapsed = start.elapsed();
        if !counted {
            continue;
        }
        match result {
            Ok(Ok(reply))
                if reply.status == 200 && reply.header("x-amz-function-error").is_none() =>
            {
                tally.ok += 1;
                if let Some(hist) = tally.hist.as_mut() {
                    load::record(hist, elapsed);
                }
            }
            Ok(Ok(reply)) if reply.status == 429 => tally.throttled += 1,
            Ok(Ok(reply)) => {
                tally
                    .errors
                    .note_text(format!("invoke: HTTP {}: {}", reply.status, reply.text()))
            }
            Ok(Err(err)) => tally.errors.note_text(format!("invoke: {err:#}")),
            Err(_) => tally.errors.note_text("invoke timed out".to_owned()),
        }
    }
    tally
}

async fn throughput_run(
    endpoint: &Endpoint,
    function: &str,
    clients: u32,
    args: &FunctionsArgs,
) -> anyhow::Result<Value> {
    let phase = Phase::default();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        tasks.push(tokio::spawn(client_loop(
            endpoint.clone(),
            function.to_owned(),
            phase.clone(),
            args.timeout,
        )));
    }
    let window = phase.drive(args.throughput_warmup, args.duration).await;
    let mut total = Tally {
        hist: Some(load::histogram()),
        ..Tally::default()
    };
    for task in tasks {
        let tally = task.await.context("client task")?;
        total.ok += tally.ok;
        total.throttled += tally.throttled;
        total.errors.merge(tally.errors);
        if let (Some(all), Some(one)) = (total.hist.as_mut(), tally.hist.as_ref()) {
            all.add(one).context("histogram")?;
        }
    }
    let secs = window.as_secs_f64();
    let hist = total.hist.unwrap_or_else(load::histogram);
    Ok(json!({
        "instances": clients,
        "clients": clients,
        "invocations_per_s": total.ok as f64 / secs,
        "invocations": total.ok,
        "throttled": total.throttled,
        "errors": total.errors.count,
        "first_error": total.errors.first,
        "window_s": secs,
        "latency": load::percentiles_ms(&hist),
    }))
}

async fn throughput(
    endpoint: &Endpoint,
    function: &str,
    args: &FunctionsArgs,
) -> anyhow::Result<Value> {
    let mut rest = Rest::open(endpoint).await?;
    put_concurrency(&mut rest, function, 1).await?;
    let one = throughput_run(endpoint, function, 1, args).await?;
    put_concurrency(&mut rest, function, args.instances).await?;
    let wide = throughput_run(endpoint, function, args.instances, args).await?;
    Ok(json!({ "one": one, "wide": wide }))
}

// ---------------------------------------------------------------------------------------------
// cold

/// `Init Duration: X ms` in the REPORT line of a base64 `X-Amz-Log-Result`.
fn init_duration_ms(log_b64: &str) -> Option<f64> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(log_b64.as_bytes())
        .ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let rest = text.split("Init Duration: ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

/// `Duration: X ms` (the invocation itself) in the REPORT line.
fn run_duration_ms(log_b64: &str) -> Option<f64> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(log_b64.as_bytes())
        .ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let report = text.lines().find(|l| l.starts_with("REPORT "))?;
    let rest = report.split("\tDuration: ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

async fn cold(
    endpoint: &Endpoint,
    function: &str,
    samples: usize,
    args: &FunctionsArgs,
) -> anyhow::Result<Value> {
    let mut rest = Rest::open(endpoint).await?;
    let uri = invoke_uri(function)?;
    let config_path = format!("/2015-03-31/functions/{function}/configuration");
    let tail = [(
        HeaderName::from_static("x-amz-log-type"),
        HeaderValue::from_static("Tail"),
    )];
    let body = Bytes::from_static(PAYLOAD);
    let (mut end_to_end, mut init, mut run, mut update) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut not_cold = 0;
    // One unmeasured start first: the first exec of a new file pays for reading it.
    for i in 0..=samples {
        let started = Instant::now();
        rest.call(
            Method::PUT,
            &config_path,
            Some(&json!({ "Description": format!("cold sample {i}") })),
        )
        .await
        .context("UpdateFunctionConfiguration")?;
        let updated = started.elapsed();
        let start = Instant::now();
        let reply = invoke_ok(&mut rest, &uri, &tail, body.clone(), args.timeout).await?;
        let elapsed = start.elapsed();
        if i == 0 {
            continue;
        }
        let log = reply.header("x-amz-log-result").unwrap_or_default();
        match init_duration_ms(log) {
            Some(ms) => {
                init.push((ms * 1000.0) as u64);
                end_to_end.push(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
                update.push(u64::try_from(updated.as_micros()).unwrap_or(u64::MAX));
                if let Some(ms) = run_duration_ms(log) {
                    run.push((ms * 1000.0) as u64);
                }
            }
            None => not_cold += 1,
        }
    }
    Ok(json!({
        "samples": end_to_end.len(),
        "not_cold": not_cold,
        "end_to_end": load::percentiles_ms(&hist_from_micros(&end_to_end)),
        "init_duration": load::percentiles_ms(&hist_from_micros(&init)),
        "invoke_duration": load::percentiles_ms(&hist_from_micros(&run)),
        "update_configuration": load::percentiles_ms(&hist_from_micros(&update)),
    }))
}

// ---------------------------------------------------------------------------------------------
// put-event

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// A datagram of `bench-bootstrap`: its time stamp and body prefix.
fn parse_datagram(bytes: &[u8]) -> Option<(u128, &[u8])> {
    let space = bytes.iter().position(|b| *b == b' ')?;
    let stamp = std::str::from_utf8(&bytes[..space]).ok()?.parse().ok()?;
    Some((stamp, &bytes[space + 1..]))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

async fn put_event(
    endpoint: &Endpoint,
    function: &str,
    function_arn: &str,
    udp: &tokio::net::UdpSocket,
    run_id: &str,
    args: &FunctionsArgs,
) -> anyhow::Result<Value> {
    let mut rest = Rest::open(endpoint).await?;
    put_concurrency(&mut rest, function, 1).await?;
    let mut conn = Connection::open(endpoint).await?;
    let rule = format!("{run_id}-fn");
    let source = format!("{run_id}.functions");
    conn.call_json(
        &Operation::new(Service::Events, "PutRule")?,
        &json!({ "Name": rule, "EventPattern": json!({ "source": [source] }).to_string(), "State": "ENABLED" }),
    )
    .await?;
    let targets = conn
        .call_json(
            &Operation::new(Service::Events, "PutTargets")?,
            &json!({ "Rule": rule, "Targets": [{ "Id": "fn", "Arn": function_arn }] }),
        )
        .await?;
    if targets
        .get("FailedEntryCount")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        != 0
    {
        bail!("PutTargets failed: {targets}");
    }
    let result = put_event_loop(&mut conn, udp, &source, args).await;
    let cleanup = async {
        conn.call_json(
            &Operation::new(Service::Events, "RemoveTargets")?,
            &json!({ "Rule": rule, "Ids": ["fn"] }),
        )
        .await?;
        conn.call_json(
            &Operation::new(Service::Events, "DeleteRule")?,
            &json!({ "Name": rule }),
        )
        .await?;
        anyhow::Ok(())
    };
    if !args.keep {
        cleanup.await?;
    }
    result
}

async fn put_event_loop(
    conn: &mut Connection,
    udp: &tokio::net::UdpSocket,
    source: &str,
    args: &FunctionsArgs,
) -> anyhow::Result<Value> {
    let op = Operation::new(Service::Events, "PutEvents")?;
    let mut to_handler = load::histogram();
    let mut ack = load::histogram();
    let mut negative = 0_u64;
    let mut stale = 0_u64;
    let mut buf = vec![0_u8; 2048];
    for seq in 0..args.warmup + args.count {
        let body = Bytes::from(serde_json::to_vec(&json!({
            "Entries": [{
                "Source": source,
                "DetailType": "bench",
                "Detail": json!({ "seq": seq }).to_string(),
            }]
        }))?);
        let sent_ns = now_ns();
        let sent = Instant::now();
        let response = conn
            .call(&op, body)
            .await
            .with_context(|| format!("PutEvents of event {seq}"))?;
        let acked = sent.elapsed();
        let response: Value =
            serde_json::from_slice(&response).context("PutEvents answered no JSON")?;
        let id = response
            .get("Entries")
            .and_then(|e| e.get(0))
            .and_then(|e| e.get("EventId"))
            .and_then(Value::as_str)
            .with_context(|| format!("PutEvents accepted no event: {response}"))?
            .to_owned();
        let deadline = Instant::now() + args.timeout;
        let handler_ns = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let n = tokio::time::timeout(left, udp.recv(&mut buf))
                .await
                .with_context(|| {
                    format!(
                        "event {seq} ({id}) did not reach the function within {:?}",
                        args.timeout
                    )
                })?
                .context("UDP receive")?;
            match parse_datagram(&buf[..n]) {
                Some((stamp, prefix)) if contains(prefix, id.as_bytes()) => break stamp,
                _ => stale += 1,
            }
        };
        if seq >= args.warmup {
            load::record(&mut ack, acked);
            match handler_ns.checked_sub(sent_ns) {
                Some(ns) => load::record(
                    &mut to_handler,
                    Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX)),
                ),
                None => negative += 1,
            }
        }
    }
    Ok(json!({
        "to_handler": load::percentiles_ms(&to_handler),
        "put_ack": load::percentiles_ms(&ack),
        "clock_went_back": negative,
        "stale_datagrams": stale,
    }))
}

// ---------------------------------------------------------------------------------------------

/// Runs `functions`.
pub async fn run(args: FunctionsArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(args.count > 0, "--count must be at least 1");
    anyhow::ensure!(args.instances > 0, "--instances must be at least 1");
    let endpoint = Endpoint::parse(&args.endpoint)?;
    let packages = packages(args.bootstrap.clone())?;
    let run_id = setup::run_id();
    let mut rest = Rest::open(&endpoint).await?;
    let mut made = Vec::new();
    let result = run_parts(&endpoint, &mut rest, &packages, &run_id, &args, &mut made).await;
    if !args.keep {
        for name in &made {
            if let Err(err) = delete_function(&mut rest, name).await {
                eprintln!("eddy-bench: cleanup: {err:#}");
            }
        }
    }
    let json = result?;
    Ok(Report {
        line: summary(&json),
        json,
    })
}

async fn run_parts(
    endpoint: &Endpoint,
    rest: &mut Rest,
    packages: &Packages,
    run_id: &str,
    args: &FunctionsArgs,
    made: &mut Vec<String>,
) -> anyhow::Result<Value> {
    let parts: std::collections::BTreeSet<Part> = args.parts.iter().copied().collect();
    let none = BTreeMap::new();
    let mut out = json!({ "bench": "functions", "endpoint": args.endpoint });
    if parts.contains(&Part::Loopback) {
        eprintln!("eddy-bench functions: loopback");
        out["loopback"] = loopback(endpoint, args).await?;
    }
    if parts.contains(&Part::Warm) || parts.contains(&Part::Throughput) {
        let name = format!("{run_id}-native");
        create_function(
            rest,
            &name,
            "provided.al2023",
            "bootstrap",
            &packages.native,
            &none,
        )
        .await?;
        made.push(name.clone());
        if parts.contains(&Part::Warm) {
            eprintln!("eddy-bench functions: warm");
            out["warm"] = warm(endpoint, &name, args).await?;
        }
        if parts.contains(&Part::Throughput) {
            eprintln!("eddy-bench functions: throughput");
            out["throughput"] = throughput(endpoint, &name, args).await?;
        }
    }
    if parts.contains(&Part::Cold) {
        let native = format!("{run_id}-cold-native");
        create_function(
            rest,
            &native,
            "provided.al2023",
            "bootstrap",
            &packages.native,
            &none,
        )
        .await?;
        made.push(native.clone());
        eprintln!("eddy-bench functions: cold (native)");
        out["cold_native"] = cold(endpoint, &native, args.cold_samples, args).await?;
        let python = format!("{run_id}-cold-python");
        create_function(
            rest,
            &python,
            &args.python_runtime,
            "app.handler",
            &packages.python,
            &none,
        )
        .await?;
        made.push(python.clone());
        eprintln!("eddy-bench functions: cold (python)");
        out["cold_python"] = cold(endpoint, &python, args.cold_samples, args).await?;
    }
    if parts.contains(&Part::PutEvent) {
        let udp = tokio::net::UdpSocket::bind(("127.0.0.1", 0))
            .await
            .context("cannot open a UDP socket")?;
        let port = udp.local_addr().context("UDP address")?.port();
        let name = format!("{run_id}-event");
        let env = BTreeMap::from([("BENCH_UDP_PORT".to_owned(), port.to_string())]);
        let arn = create_function(
            rest,
            &name,
            "provided.al2023",
            "bootstrap",
            &packages.native,
            &env,
        )
        .await?;
        made.push(name.clone());
        eprintln!("eddy-bench functions: put-event");
        out["put_event"] = put_event(endpoint, &name, &arn, &udp, run_id, args).await?;
    }
    Ok(out)
}

fn summary(json: &Value) -> String {
    let mut parts = Vec::new();
    let lat = |v: &Value| format!("p50 {:.3} / p99 {:.3} ms", p(v, "p50_ms"), p(v, "p99_ms"));
    if let Some(v) = json.get("loopback") {
        parts.push(format!(
            "loopback TCP ping-pong {}, GET /healthz {}",
            lat(&v["tcp_ping_pong"]),
            lat(&v["http_healthz"])
        ));
    }
    if let Some(v) = json.get("warm") {
        parts.push(format!(
            "warm invoke {} (mean {:.3})",
            lat(&v["round_trip"]),
            p(&v["round_trip"], "mean_ms")
        ));
    }
    if let Some(v) = json.get("throughput") {
        parts.push(format!(
            "invocations/s: 1 instance {:.0}, {} instances {:.0} ({} throttled, {} errors)",
            p(&v["one"], "invocations_per_s"),
            v["wide"]["instances"],
            p(&v["wide"], "invocations_per_s"),
            v["wide"]["throttled"],
            v["wide"]["errors"],
        ));
    }
    for (key, label) in [
        ("cold_native", "cold native"),
        ("cold_python", "cold python"),
    ] {
        if let Some(v) = json.get(key) {
            parts.push(format!(
                "{label}: end-to-end {}, Init Duration {} ({} samples)",
                lat(&v["end_to_end"]),
                lat(&v["init_duration"]),
                v["samples"]
            ));
        }
    }
    if let Some(v) = json.get("put_event") {
        parts.push(format!(
            "put-event → handler start {}",
            lat(&v["to_handler"])
        ));
    }
    format!("functions: {}", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_init_duration_from_a_log_tail() {
        let log = "START RequestId: 1 Version: $LATEST\nEND RequestId: 1\nREPORT RequestId: 1\tDuration: 0.52 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 3 MB\tInit Duration: 2.75 ms\n";
        let b64 = base64::engine::general_purpose::STANDARD.encode(log);
        assert_eq!(init_duration_ms(&b64), Some(2.75));
        assert_eq!(run_duration_ms(&b64), Some(0.52));
        let warm = base64::engine::general_purpose::STANDARD
            .encode("REPORT RequestId: 1\tDuration: 0.52 ms\tBilled Duration: 1 ms\n");
        assert_eq!(init_duration_ms(&warm), None);
    }

    #[test]
    fn parses_datagrams() {
        let (stamp, prefix) =
            parse_datagram(b"1700000000123456789 {\"version\":\"0\",\"id\":\"abc\"")
                .expect("valid");
        assert_eq!(stamp, 1_700_000_000_123_456_789);
        assert!(contains(prefix, b"\"abc\""));
        assert!(parse_datagram(b"garbage").is_none());
    }

    #[test]
    fn zips_are_readable() {
        let bytes = zip_of(&[("bootstrap", b"#!/bin/sh\n", 0o755)]).expect("zip");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("archive");
        let file = archive.by_name("bootstrap").expect("entry");
        assert_eq!(file.unix_mode().map(|m| m & 0o777), Some(0o755));
    }
}
