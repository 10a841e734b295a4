//! `cidr` values: IPv4 and IPv6 networks, and the test of an address against them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A network: the masked address (IPv4 in the low 32 bits) and the mask length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    pub(crate) v6: bool,
    pub(crate) bits: u8,
    pub(crate) network: u128,
}

impl Cidr {
    /// Parses `address/bits`. Errors carry EventBridge's reason text, in its order: the
    /// parts (trailing empty ones ignored, so `10.0.0.0/8/` is `10.0.0.0/8`), the mask, the
    /// address, then the mask against the address's length.
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let mut parts: Vec<&str> = text.split('/').collect();
        while parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        let [addr, bits] = parts[..] else {
            return Err("Malformed CIDR, one '/' required".into());
        };
        let bits = java_parse_int(bits)
            .ok_or_else(|| "Malformed CIDR, mask bits must be an integer".to_string())?;
        if bits < 0 {
            return Err("Malformed CIDR, mask bits must not be negative".into());
        }
        let ip = match parse_ip(addr) {
            Some(ip) => ip,
            None if looks_like_ip(addr) => return Err(format!("Invalid IP address: {addr}")),
            None => return Err(format!("Nonstandard IP address: {addr}")),
        };
        let (v6, max) = family(ip);
        // aws/event-ruler turns a full-length mask into a single address and rejects it.
        if bits >= i32::from(max) {
            return Err(format!(
                "{} mask bits must be < {max}",
                if v6 { "IPv6" } else { "IPv4" }
            ));
        }
        let bits = bits as u8;
        Ok(Cidr {
            v6,
            bits,
            network: mask(address_bits(ip), bits, max),
        })
    }

    /// The network of the one address `text` is, if it is an address: how EventBridge reads
    /// an exact string value that is an IP address (`"2001:db8::1"` then matches
    /// `"2001:DB8:0:0:0:0:0:1"`).
    pub fn single(text: &str) -> Option<Cidr> {
        let ip = parse_ip(text)?;
        let (v6, max) = family(ip);
        Some(Cidr {
            v6,
            bits: max,
            network: address_bits(ip),
        })
    }

    /// Whether `value` is an IP address inside this network.
    pub fn contains(&self, value: &str) -> bool {
        parse_ip(value).is_some_and(|ip| self.contains_ip(ip))
    }

    pub(crate) fn contains_ip(&self, ip: IpAddr) -> bool {
        match (ip, self.v6) {
            (IpAddr::V4(_), false) => mask(address_bits(ip), self.bits, 32) == self.network,
            (IpAddr::V6(_), true) => mask(address_bits(ip), self.bits, 128) == self.network,
            _ => false,
        }
    }
}

/// A 32-bit integer as EventBridge (Java's `Integer.parseInt`) reads one: an optional `+`
/// or `-`, then one or more decimal digits of any script (`٨`, `２４`), in range.
fn java_parse_int(text: &str) -> Option<i32> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for c in digits.chars() {
        value = value * 10 + i64::from(decimal_digit(c)?);
        if value > i64::from(i32::MAX) + 1 {
            return None;
        }
    }
    i32::try_from(if negative { -value } else { value }).ok()
}

/// The first code point of each run of ten Unicode decimal digits (category Nd) in the
/// Basic Multilingual Plane that Java 17 knows, from `0` to `9` in each script. Java reads
/// text in UTF-16 units, so digits beyond the plane (two units each) are not digits to it.
const DIGIT_ZEROS: [u32; 37] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
];

/// The value of a decimal digit of any script, as Java's `Character.digit(c, 10)`.
fn decimal_digit(c: char) -> Option<u32> {
    if let Some(d) = c.to_digit(10) {
        return Some(d);
    }
    let c = u32::from(c);
    if c > 0xFFFF {
        return None;
    }
    let i = DIGIT_ZEROS
        .partition_point(|&zero| zero <= c)
        .checked_sub(1)?;
    let d = c - DIGIT_ZEROS[i];
    (d < 10).then_some(d)
}

/// Whether `text` has a shape EventBridge reads as an IP address: four dot-separated runs
/// of digits, or hex digits and colons with at least one colon (no dotted IPv6 tail, no
/// zone, no brackets). Other text is not an address, whatever it says.
fn looks_like_ip(text: &str) -> bool {
    // One pass: IPv4 needs three dots between non-empty digit runs; IPv6 only hex digits
    // and colons, at least one colon.
    let (mut v4, mut v6, mut dots, mut run, mut colon) = (true, true, 0, 0, false);
    for &c in text.as_bytes() {
        match c {
            b'0'..=b'9' => run += 1,
            b'.' => {
                v4 &= run > 0;
                v6 = false;
                dots += 1;
                run = 0;
            }
            b':' => {
                v4 = false;
                colon = true;
            }
            b'a'..=b'f' | b'A'..=b'F' => v4 = false,
            _ => return false,
        }
    }
    (v4 && dots == 3 && run > 0) || (v6 && colon)
}

/// The address `text` is, as EventBridge reads one: it has the shape ([`looks_like_ip`])
/// and is a valid literal as Java's `InetAddress` reads it, which is more lenient than
/// the RFCs about leading zeros; an IPv4-mapped IPv6 address (`::ffff:a00:1`) is its IPv4
/// address.
pub(crate) fn parse_ip(text: &str) -> Option<IpAddr> {
    if !looks_like_ip(text) {
        return None;
    }
    let text = text.as_bytes();
    if text.contains(&b'.') {
        return parse_v4(text).map(IpAddr::V4);
    }
    let v6 = Ipv6Addr::from(parse_v6(text)?);
    Some(v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4))
}

/// Four runs of decimal digits (the shape is checked): at most 15 characters in all and
/// each run at most 255, leading zeros allowed and read as decimal (`010.0.0.1` is
/// 10.0.0.1), as Java reads an IPv4 literal.
fn parse_v4(text: &[u8]) -> Option<Ipv4Addr> {
    if text.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (octet, run) in octets.iter_mut().zip(text.split(|&c| c == b'.')) {
        let value = run.iter().fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'));
        *octet = u8::try_from(value).ok()?;
    }
    Some(Ipv4Addr::from(octets))
}

/// Hex digits and colons (the shape is checked) as Java reads an IPv6 literal: groups of
/// any length whose value fits 16 bits (`00001::1` is `1::1`), one `::` at most, eight
/// groups without it and at most seven with it, no single colon at either end.
fn parse_v6(text: &[u8]) -> Option<[u16; 8]> {
    let mut head = [0u16; 8];
    let (mut groups, mut gap) = (0usize, None);
    let mut i = 0;
    if text.first() == Some(&b':') {
        if text.get(1) != Some(&b':') {
            return None;
        }
        gap = Some(0);
        i = 2;
    }
    while i < text.len() {
        // One group, then a colon, a `::` or the end.
        let start = i;
        let mut value = 0u32;
        while let Some(d) = text.get(i).and_then(|&c| char::from(c).to_digit(16)) {
            value = (value << 4) | d;
            if value > 0xffff {
                return None;
            }
            i += 1;
        }
        if i == start || groups == 8 {
            return None;
        }
        head[groups] = value as u16;
        groups += 1;
        match (text.get(i), text.get(i + 1)) {
            (None, _) => break,
            (Some(b':'), Some(b':')) => {
                if gap.is_some() {
                    return None;
                }
                gap = Some(groups);
                i += 2;
            }
            (Some(b':'), Some(_)) => i += 1,
            _ => return None,
        }
    }
    match gap {
        None if groups == 8 => Some(head),
        Some(at) if groups < 8 => {
            let mut out = [0u16; 8];
            out[..at].copy_from_slice(&head[..at]);
            let tail = groups - at;
            out[8 - tail..].copy_from_slice(&head[at..groups]);
            Some(out)
        }
        _ => None,
    }
}

/// Whether an address is IPv6, and its length in bits.
pub(crate) fn family(ip: IpAddr) -> (bool, u8) {
    match ip {
        IpAddr::V4(_) => (false, 32),
        IpAddr::V6(_) => (true, 128),
    }
}

pub(crate) fn address_bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u32::from(a) as u128,
        IpAddr::V6(a) => u128::from(a),
    }
}

pub(crate) fn mask(addr: u128, bits: u8, max: u8) -> u128 {
    if bits == 0 {
        return 0;
    }
    let keep = u128::MAX << (128 - u32::from(bits));
    let addr = addr << (128 - u32::from(max));
    (addr & keep) >> (128 - u32::from(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_and_v6() {
        let c = Cidr::parse("10.0.0.0/24").expect("valid");
        assert!(c.contains("10.0.0.255"));
        assert!(!c.contains("10.0.1.0"));
        assert!(!c.contains("::1"));
        let c = Cidr::parse("2001:db8:1234:1a00::/64").expect("valid");
        assert!(c.contains("2001:db8:1234:1a00::dead"));
        assert!(!c.contains("2001:db8:1234:1a01::"));
        assert!(Cidr::parse("0.0.0.0/0").expect("valid").contains("1.2.3.4"));
        assert_eq!(
            Cidr::parse("bad-filter").unwrap_err(),
            "Malformed CIDR, one '/' required"
        );
        assert_eq!(
            Cidr::parse("xx.11.xx/8").unwrap_err(),
            "Nonstandard IP address: xx.11.xx"
        );
        assert_eq!(
            Cidr::parse("bad-/64filter").unwrap_err(),
            "Malformed CIDR, mask bits must be an integer"
        );
        assert_eq!(
            Cidr::parse("256.0.0.0/8").unwrap_err(),
            "Invalid IP address: 256.0.0.0"
        );
        assert_eq!(
            Cidr::parse("10.0.0.1/32").unwrap_err(),
            "IPv4 mask bits must be < 32"
        );
        assert_eq!(
            Cidr::parse("10.0.0.1/-1").unwrap_err(),
            "Malformed CIDR, mask bits must not be negative"
        );
        assert!(Cidr::parse("::/0").is_ok());
        // The mask as Java's Integer.parseInt reads it: a sign, leading zeros, and decimal
        // digits of any script.
        for (mask, bits) in [
            ("+8", 8),
            ("0008", 8),
            ("-0", 0),
            ("\u{668}", 8),
            ("\u{ff12}\u{ff14}", 24),
            ("1\u{a9d2}", 12),
        ] {
            let c = Cidr::parse(&format!("10.0.0.0/{mask}")).expect(mask);
            assert_eq!(c.bits, bits, "{mask}");
        }
        for mask in [
            "+",
            "-",
            "8a",
            "\u{b2}",
            "\u{2167}",
            "\u{1d7ce}\u{1d7ce}x",
            "2147483648",
            "1\u{1d7d0}",
        ] {
            assert_eq!(
                Cidr::parse(&format!("10.0.0.0/{mask}")).unwrap_err(),
                "Malformed CIDR, mask bits must be an integer",
                "{mask}"
            );
        }
        assert_eq!(
            Cidr::parse("10.0.0.0/-2147483648").unwrap_err(),
            "Malformed CIDR, mask bits must not be negative"
        );
    }

    /// Every literal in the data file reads as aws/event-ruler reads it (leading zeros,
    /// group lengths, `::`, IPv4-mapped addresses, lengths past 15 characters).
    #[test]
    fn literals_read_as_event_ruler_reads_them() {
        let data = include_str!("../tests/data/ip-literals.tsv");
        let mut cases = 0;
        for line in data.lines().filter(|l| !l.starts_with('#')) {
            let (text, want) = line.split_once('\t').expect("text<TAB>verdict");
            let got = parse_ip(text).map_or("-".to_string(), |ip| match ip {
                IpAddr::V4(a) => format!("{:08x}", u32::from(a)),
                IpAddr::V6(a) => format!("{:032x}", u128::from(a)),
            });
            assert_eq!(got, want, "{text:?}");
            cases += 1;
        }
        assert!(cases > 600);
    }

    /// The edges of EventBridge's reading (checked against aws/event-ruler).
    #[test]
    fn addresses_as_eventbridge_reads_them() {
        assert_eq!(
            Cidr::parse("10.0.0.0/8/"),
            Cidr::parse("10.0.0.0/8"),
            "trailing empty parts are ignored"
        );
        assert_eq!(
            Cidr::parse("10.0.0.0/").unwrap_err(),
            "Malformed CIDR, one '/' required"
        );
        assert_eq!(
            Cidr::parse("10.0.0.0/2147483648").unwrap_err(),
            "Malformed CIDR, mask bits must be an integer"
        );
        assert_eq!(
            Cidr::parse("::ffff:10.0.0.0/104").unwrap_err(),
            "Nonstandard IP address: ::ffff:10.0.0.0"
        );
        assert_eq!(
            Cidr::parse("::ffff:a00:0/104").unwrap_err(),
            "IPv4 mask bits must be < 32"
        );
        let c = Cidr::parse("10.0.0.0/24").expect("valid");
        assert!(c.contains("::ffff:a00:1"), "an IPv4-mapped address is IPv4");
        assert!(!c.contains("::ffff:10.0.0.1"), "no dotted IPv6");
        assert!(!Cidr::parse("::/0").expect("valid").contains("::ffff:a00:1"));
        assert!(!Cidr::parse("fe80::/16")
            .expect("valid")
            .contains("fe80::1%eth0"));
        let one = Cidr::single("2001:db8::1").expect("an address");
        assert!(one.contains("2001:DB8:0:0:0:0:0:1"));
        assert!(!one.contains("2001:db8::2"));
        assert!(Cidr::single("::0").expect("an address").contains("::"));
        assert!(Cidr::single("10.0.0.1")
            .expect("an address")
            .contains("::ffff:a00:1"));
        assert!(Cidr::single("10.0.0.256").is_none());
        assert!(Cidr::single("a:b").is_none(), "not a valid literal");
    }
}
