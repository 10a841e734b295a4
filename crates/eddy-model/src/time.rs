//! Timestamps as the wire writes them: RFC 3339 text (EventBridge's and CloudEvents' `time`) read into seconds since the Unix epoch.

/// Reads an RFC 3339 `date-time` (`2026-11-23T22:21:18.5+01:00`) into whole seconds since
/// the Unix epoch, UTC; a fraction of a second is dropped (EventBridge's `time` has whole
/// seconds). `T`/`Z` may be lower case or the separator a space (RFC 3339 allows both). A
/// leap second (`:60`) counts as the first second of the next minute. `None` when the text
/// is not such a timestamp or names a day that does not exist.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |start: usize, len: usize| -> Option<i64> {
        b.get(start..start + len)?.iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    let year = num(0, 4)?;
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    let hour = num(11, 2)?;
    let minute = num(14, 2)?;
    let second = num(17, 2)?;
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let mut i = 19;
    if at(i, b".") {
        i += 1;
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        i += digits;
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' => {
            i += 1;
            0
        }
        sign @ (b'+' | b'-') => {
            let hours = num(i + 1, 2)?;
            let minutes = num(i + 4, 2)?;
            if !at(i + 3, b":") || hours > 23 || minutes > 59 {
                return None;
            }
            i += 6;
            let offset = hours * 3600 + minutes * 60;
            if *sign == b'-' {
                -offset
            } else {
                offset
            }
        }
        _ => return None,
    };
    let valid = i == b.len()
        && (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 60;
    valid.then(|| {
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// (year, month, day), proleptic Gregorian, to days since 1970-01-01 (H. Hinnant's method).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::format_time;

    #[test]
    fn utc_and_offsets() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-11-24T00:00:00Z"), Some(1_795_478_400));
        assert_eq!(
            parse_rfc3339("2026-11-24T01:00:00+01:00"),
            Some(1_795_478_400)
        );
        assert_eq!(
            parse_rfc3339("2026-11-23T19:30:00-04:30"),
            Some(1_795_478_400)
        );
        assert_eq!(parse_rfc3339("2026-11-24t00:00:00z"), Some(1_795_478_400));
        assert_eq!(parse_rfc3339("2026-11-24 00:00:00Z"), Some(1_795_478_400));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1));
    }

    #[test]
    fn fractions_are_dropped() {
        assert_eq!(
            parse_rfc3339("2000-02-29T00:00:00.999999Z"),
            Some(951_782_400)
        );
        assert_eq!(
            parse_rfc3339("2000-02-29T00:00:00.1+00:00"),
            Some(951_782_400)
        );
    }

    #[test]
    fn leap_second_is_the_next_minute() {
        assert_eq!(
            parse_rfc3339("2016-12-31T23:59:60Z"),
            parse_rfc3339("2017-01-01T00:00:00Z")
        );
    }

    #[test]
    fn refuses_what_is_not_rfc_3339() {
        for text in [
            "",
            "2026-11-24",
            "2026-11-24T00:00:00",
            "2026-11-24T00:00Z",
            "2026-11-24T00:00:00.Z",
            "2026-11-24T00:00:00+0100",
            "2026-11-24T00:00:00+24:00",
            "2026-11-24T00:00:00Zjunk",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24T00:60:00Z",
            "2026-11-24T00:00:61Z",
            "+026-11-24T00:00:00Z",
            "2026/11/24T00:00:00Z",
            "２026-11-24T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
        assert!(parse_rfc3339("2024-02-29T00:00:00Z").is_some());
        assert!(parse_rfc3339("2000-02-29T00:00:00Z").is_some());
    }

    proptest::proptest! {
        #[test]
        fn reads_what_format_time_writes(secs in -62_135_596_800i64..253_402_300_799) {
            proptest::prop_assert_eq!(parse_rfc3339(&format_time(secs)), Some(secs));
        }

        #[test]
        fn never_panics(text in "\\PC{0,40}") {
            let _ = parse_rfc3339(&text);
        }
    }
}
