//! `bench-bootstrap`: the smallest native Lambda function, for Eddy's function benchmarks.
//!
//! A `provided` runtime bootstrap using only std: one keep-alive HTTP/1.1 connection to
//! `AWS_LAMBDA_RUNTIME_API` with TCP_NODELAY, each request written in one call. It loops
//! `GET /2018-06-01/runtime/invocation/next`, and answers each invocation by echoing its
//! body to `/2018-06-01/runtime/invocation/{id}/response`.
//!
//! When `BENCH_UDP_PORT` is set, as soon as an invocation has been read it sends one
//! datagram to `127.0.0.1:$BENCH_UDP_PORT`: the current `CLOCK_REALTIME` time in
//! nanoseconds since the Unix epoch as decimal digits, one space, then the first 64 bytes of
//! the invocation's body.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpStream, UdpSocket};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// Bytes of the body copied into the datagram.
const PREFIX: usize = 64;

/// The largest invocation accepted (Lambda's synchronous payload limit).
const MAX_BODY: usize = 6 * 1024 * 1024 + 1024;

type Result<T> = std::result::Result<T, String>;

/// One HTTP response: the request id header (if any) and the body.
struct Response {
    status: u16,
    request_id: Option<String>,
    body: Vec<u8>,
}

fn read_response(reader: &mut BufReader<TcpStream>) -> Result<Response> {
    let mut line = String::new();
    let n = reader
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the status line: {e}"))?;
    if n == 0 {
        return Err("the Runtime API closed the connection".to_owned());
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line: {line:?}"))?;
    let mut length = 0usize;
    let mut request_id = None;
    loop {
        line.clear();
        let n = reader
            .read_line(&mut line)
            .map_err(|e| format!("cannot read a header: {e}"))?;
        if n == 0 {
            return Err("the Runtime API closed the connection in the headers".to_owned());
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(format!("bad header line: {header:?}"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value
                .parse()
                .map_err(|_| format!("bad Content-Length: {value:?}"))?;
        } else if name.eq_ignore_ascii_case("lambda-runtime-aws-request-id") {
            request_id = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            && !value.eq_ignore_ascii_case("identity")
        {
            return Err(format!("unsupported Transfer-Encoding: {value}"));
        }
    }
    if length > MAX_BODY {
        return Err(format!("body of {length} bytes is too large"));
    }
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .map_err(|e| format!("cannot read a body of {length} bytes: {e}"))?;
    Ok(Response {
        status,
        request_id,
        body,
    })
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

fn run() -> Result<()> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API")
        .map_err(|_| "AWS_LAMBDA_RUNTIME_API is not set".to_owned())?;
    let udp = match std::env::var("BENCH_UDP_PORT") {
        Ok(port) if !port.is_empty() => {
            let port: u16 = port
                .parse()
                .map_err(|_| format!("BENCH_UDP_PORT is not a port: {port:?}"))?;
            let socket = UdpSocket::bind(("127.0.0.1", 0))
                .map_err(|e| format!("cannot open a UDP socket: {e}"))?;
            socket
                .connect(("127.0.0.1", port))
                .map_err(|e| format!("cannot address UDP port {port}: {e}"))?;
            Some(socket)
        }
        _ => None,
    };
    let stream = TcpStream::connect(&api).map_err(|e| format!("cannot connect to {api}: {e}"))?;
    stream
        .set_nodelay(true)
        .map_err(|e| format!("cannot set TCP_NODELAY: {e}"))?;
    let mut writer = stream
        .try_clone()
        .map_err(|e| format!("cannot clone the socket: {e}"))?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let next = format!("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {api}\r\n\r\n");
    let mut out = Vec::with_capacity(64 * 1024);
    let mut datagram = Vec::with_capacity(128);
    loop {
        writer
            .write_all(next.as_bytes())
            .map_err(|e| format!("cannot ask for the next invocation: {e}"))?;
        let invocation = read_response(&mut reader)?;
        if invocation.status != 200 {
            return Err(format!(
                "/invocation/next answered HTTP {}: {}",
                invocation.status,
                String::from_utf8_lossy(&invocation.body)
            ));
        }
        if let Some(socket) = &udp {
            datagram.clear();
            // Writing to a Vec cannot fail.
            let _ = write!(datagram, "{} ", now_ns());
            datagram.extend_from_slice(&invocation.body[..invocation.body.len().min(PREFIX)]);
            // A lost datagram shows up as a missing sample on the other side.
            let _ = socket.send(&datagram);
        }
        let id = invocation
            .request_id
            .ok_or("/invocation/next answered without Lambda-Runtime-Aws-Request-Id")?;
        out.clear();
        let _ = write!(
            out,
            "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: {api}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            invocation.body.len()
        );
        out.extend_from_slice(&invocation.body);
        writer
            .write_all(&out)
            .map_err(|e| format!("cannot send the response: {e}"))?;
        let answer = read_response(&mut reader)?;
        if !(200..300).contains(&answer.status) {
            return Err(format!(
                "/invocation/{id}/response answered HTTP {}: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            ));
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bench-bootstrap: {err}");
            ExitCode::FAILURE
        }
    }
}
