//! Decimal digits eight at a time (SWAR: one `u64` holds eight bytes, the first byte in the
//! low bits), for the scanner's numbers: finding where a run of digits ends costs a few
//! operations per eight digits instead of a branch per digit.

const ZEROS: u64 = 0x3030_3030_3030_3030;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The eight bytes of `s` from `i`, little-endian; bytes past the end read as 0 (not a
/// digit).
#[inline]
pub(crate) fn load8(s: &[u8], i: usize) -> u64 {
    match s.get(i..i + 8) {
        Some(b) => u64::from_le_bytes(b.try_into().unwrap_or_default()),
        None => {
            let mut buf = [0u8; 8];
            let rest = s.get(i..).unwrap_or_default();
            buf[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(buf)
        }
    }
}

/// How many of the chunk's bytes, from the first, are ASCII digits (0 to 8).
#[inline]
pub(crate) fn leading_digits(chunk: u64) -> usize {
    let x = chunk ^ ZEROS;
    // A byte's high bit ends up set unless it was a digit (0..=9 after the xor): adding
    // 0x76 to its low seven bits carries into bit 7 for values above 9 and never into the
    // next byte.
    let not_digit = (((x & LOW7) + 0x7676_7676_7676_7676) | x) & HIGH;
    (not_digit.trailing_zeros() / 8) as usize
}

/// The index after the run of ASCII digits that starts at `i` in `s`.
#[inline]
pub(crate) fn digit_run_end(s: &[u8], mut i: usize) -> usize {
    loop {
        let n = leading_digits(load8(s, i));
        i += n;
        if n < 8 {
            return i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_agree_with_a_byte_loop() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Mostly digits, sometimes one of the bytes around them in ASCII.
            let bytes: Vec<u8> = (0..12)
                .map(|k| {
                    let r = (x >> (k * 5)) & 31;
                    match r {
                        0 => b'.',
                        1 => b'/',
                        2 => b':',
                        3 => 0xB0,
                        4 => b'-',
                        _ => b'0' + (r % 10) as u8,
                    }
                })
                .collect();
            let len = (x >> 60) as usize % 13;
            let s = &bytes[..len];
            let want = s.iter().take_while(|b| b.is_ascii_digit()).count();
            assert_eq!(digit_run_end(s, 0), want, "{s:?}");
            let chunk = load8(s, 0);
            assert_eq!(leading_digits(chunk), want.min(8));
        }
    }
}
