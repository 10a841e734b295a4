//! `cidr` values: IPv4 and IPv6 networks, and the test of an address against them.

use std::net::IpAddr;

/// A network: the masked address (IPv4 in the low 32 bits) and the mask length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    pub(crate) v6: bool,
    pub(crate) bits: u8,
    pub(crate) network: u128,
}

impl Cidr {
    /// Parses `address/bits`. Errors carry EventBridge's reason text.
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let mut parts = text.split('/');
        let (Some(addr), Some(bits), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err("Malformed CIDR, one '/' required".into());
        };
        let bits: i64 = bits
            .parse()
            .map_err(|_| "Malformed CIDR, mask bits must be an integer".to_string())?;
        if bits < 0 {
            return Err("Malformed CIDR, mask bits must not be negative".into());
        }
        let ip = match parse_ip(addr) {
            Some(ip) => ip,
            None if looks_like_ip(addr) => return Err(format!("Invalid IP address: {addr}")),
            None => return Err(format!("Nonstandard IP address: {addr}")),
        };
        let (v6, max) = match ip {
            IpAddr::V4(_) => (false, 32u8),
            IpAddr::V6(_) => (true, 128u8),
        };
        // aws/event-ruler turns a full-length mask into a single address and rejects it.
        if bits >= i64::from(max) {
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

/// Whether `text` has the shape of an IP address (dotted quad of up to three digits, or hex
/// groups with colons), whatever its values.
fn looks_like_ip(text: &str) -> bool {
    let quad = text.split('.').count() == 4
        && text
            .split('.')
            .all(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
    let hex = text.contains(':')
        && text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    quad || hex
}

pub(crate) fn parse_ip(text: &str) -> Option<IpAddr> {
    text.parse().ok()
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
    }
}
