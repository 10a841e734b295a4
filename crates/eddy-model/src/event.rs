//! The event envelope (EventBridge's: `version`, `id`, `detail-type`, `source`, `account`,
//! `time`, `region`, `resources`, `detail`) and the PutEvents entry it is made from.

use std::fmt::Write as _;

/// One PutEvents entry as a producer gives it, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// `Source`.
    pub source: Option<String>,
    /// `DetailType`.
    pub detail_type: Option<String>,
    /// `Detail`: the text of a JSON object.
    pub detail: Option<String>,
    /// `Resources`.
    pub resources: Vec<String>,
    /// `Time`, in seconds since the Unix epoch; the ingestion time when absent.
    pub time: Option<i64>,
    /// `EventBusName`: a name or an ARN; `default` when absent.
    pub bus: Option<String>,
    /// `TraceHeader`: X-Ray trace header, kept for traces.
    pub trace_header: Option<String>,
    /// The producer's event id (a CloudEvent's `id`), kept as the event's `id`; a new id is
    /// made when absent (PutEvents has none).
    pub id: Option<String>,
}

impl Entry {
    /// The entry's size as EventBridge counts it against the 256 KiB limit: 14 bytes for a
    /// `Time`, plus the UTF-8 bytes of `Source`, `DetailType`, `Detail` and each resource.
    pub fn size(&self) -> usize {
        let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        usize::from(self.time.is_some()) * 14
            + text(&self.source)
            + text(&self.detail_type)
            + text(&self.detail)
            + self.resources.iter().map(String::len).sum::<usize>()
    }
}

/// An event on a bus: immutable once made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `id`: unique per event.
    pub id: String,
    /// `detail-type`.
    pub detail_type: String,
    /// `source`.
    pub source: String,
    /// `account`.
    pub account: String,
    /// `time`, seconds since the Unix epoch.
    pub time: i64,
    /// `region`.
    pub region: String,
    /// `resources`.
    pub resources: Vec<String>,
    /// `detail`: the text of a JSON object, kept as the producer wrote it.
    pub detail: String,
}

impl Event {
    /// The envelope as JSON text, in EventBridge's member order.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(160 + self.detail.len());
        out.push_str("{\"version\":\"0\",\"id\":");
        write_string(&mut out, &self.id);
        out.push_str(",\"detail-type\":");
        write_string(&mut out, &self.detail_type);
        out.push_str(",\"source\":");
        write_string(&mut out, &self.source);
        out.push_str(",\"account\":");
        write_string(&mut out, &self.account);
        out.push_str(",\"time\":\"");
        write_time(&mut out, self.time);
        out.push_str("\",\"region\":");
        write_string(&mut out, &self.region);
        out.push_str(",\"resources\":[");
        for (i, resource) in self.resources.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(&mut out, resource);
        }
        out.push_str("],\"detail\":");
        out.push_str(&self.detail);
        out.push('}');
        out
    }
}

/// Writes `s` as a JSON string literal.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Seconds since the Unix epoch as `YYYY-MM-DDThh:mm:ssZ` (UTC), as EventBridge writes
/// `time`.
pub fn format_time(secs: i64) -> String {
    let mut out = String::with_capacity(20);
    write_time(&mut out, secs);
    out
}

/// Appends `secs` as `YYYY-MM-DDThh:mm:ssZ` to `out`, without the formatting machinery
/// (this runs once per event).
pub fn write_time(out: &mut String, secs: i64) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        let _ = write!(
            out,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        );
        return;
    }
    let two = |out: &mut String, v: i64| {
        out.push(char::from(b'0' + (v / 10) as u8));
        out.push(char::from(b'0' + (v % 10) as u8));
    };
    two(out, y / 100);
    two(out, y % 100);
    out.push('-');
    two(out, i64::from(m));
    out.push('-');
    two(out, i64::from(d));
    out.push('T');
    two(out, rem / 3600);
    out.push(':');
    two(out, rem % 3600 / 60);
    out.push(':');
    two(out, rem % 60);
    out.push('Z');
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's method).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_utc_iso() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(1_795_478_400), "2026-11-24T00:00:00Z");
        assert_eq!(format_time(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_time(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn envelope_in_eventbridge_order() {
        let event = Event {
            id: "1".into(),
            detail_type: "Order \"Created\"".into(),
            source: "shop".into(),
            account: "000000000000".into(),
            time: 0,
            region: "us-east-1".into(),
            resources: vec!["r".into()],
            detail: "{\"a\":1}".into(),
        };
        assert_eq!(
            event.to_json(),
            r#"{"version":"0","id":"1","detail-type":"Order \"Created\"","source":"shop","account":"000000000000","time":"1970-01-01T00:00:00Z","region":"us-east-1","resources":["r"],"detail":{"a":1}}"#
        );
    }

    #[test]
    fn entry_size_as_eventbridge_counts() {
        let entry = Entry {
            source: Some("abc".into()),
            detail_type: Some("de".into()),
            detail: Some("{}".into()),
            resources: vec!["xyz".into()],
            time: Some(1),
            ..Entry::default()
        };
        assert_eq!(entry.size(), 14 + 3 + 2 + 2 + 3);
    }
}
