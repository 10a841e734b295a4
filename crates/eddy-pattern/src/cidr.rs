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
        let bits: u8 = bits
            .parse()
            .map_err(|_| "Malformed CIDR, mask bits must be an integer".to_string())?;
        let ip = parse_ip(addr).ok_or_else(|| format!("Nonstandard IP address: {addr}"))?;
        let (v6, max) = match ip {
            IpAddr::V4(_) => (false, 32),
            IpAddr::V6(_) => (true, 128),
        };
        if bits > max {
            return Err(format!(
                "Malformed CIDR, mask bits must be between 0 and {max}"
            ));
        }
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
    }
}
