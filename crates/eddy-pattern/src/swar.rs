//! Eight bytes at a time (SWAR: one `u64` holds eight bytes of the input, the first byte
//! in the low bits), for the scanner's searches: where a string ends, where the next
//! bracket is, where a run of digits ends. A few operations per eight bytes instead of a
//! branch per byte.

/// One in every byte.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte.
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;

/// The 8 bytes of `s` at `i` (which must all be there), little-endian.
#[inline(always)]
pub(crate) fn word(s: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&s[i..i + 8]);
    u64::from_le_bytes(b)
}

/// The eight bytes of `s` from `i`, little-endian; bytes past the end read as 0.
#[inline]
pub(crate) fn load8(s: &[u8], i: usize) -> u64 {
    if i + 8 <= s.len() {
        return word(s, i);
    }
    let mut buf = [0u8; 8];
    let rest = s.get(i..).unwrap_or_default();
    buf[..rest.len()].copy_from_slice(rest);
    u64::from_le_bytes(buf)
}

/// The high bit of each byte of `w` that equals `byte`. The lowest flagged byte is exact
/// (a borrow only flags bytes above a true match), so the lowest flag of several such
/// masks or-ed together is a true match too.
#[inline(always)]
pub(crate) fn matching(w: u64, byte: u8) -> u64 {
    let x = w ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGH
}

/// The high bit of each byte of `w` that a JSON string's text cannot hold as it is: a
/// quote, a backslash or a control character. The lowest flag is exact.
#[inline(always)]
pub(crate) fn string_specials(w: u64) -> u64 {
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    matching(w, b'"') | matching(w, b'\\') | control
}

/// The index of the first byte of `s` from `i` that [`string_specials`] flags, or
/// `s.len()` if there is none.
#[inline]
pub(crate) fn next_string_special(s: &[u8], mut i: usize) -> usize {
    while i + 8 <= s.len() {
        let found = string_specials(word(s, i));
        if found != 0 {
            return i + first(found);
        }
        i += 8;
    }
    s.get(i..)
        .and_then(|rest| {
            rest.iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        })
        .map_or(s.len(), |k| i + k)
}

/// For the first 32 bytes of `w`, a bit each: which are a `"` followed by one of
/// `firsts`, and which are a brace or a backslash.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn seek_marks<const N: usize>(w: &[u8; 33], firsts: &[u8; N]) -> (u32, u32) {
    use safe_arch::{bitand_m128i, bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i};
    use safe_arch::{move_mask_i8_m128i, set_splat_i8_m128i};
    let eq = |v, b: u8| cmp_eq_mask_i8_m128i(v, set_splat_i8_m128i(b as i8));
    let half = |at: usize| {
        let v = load_unaligned_m128i(w[at..at + 16].try_into().expect("16 bytes"));
        let next = load_unaligned_m128i(w[at + 1..at + 17].try_into().expect("16 bytes"));
        let first = firsts
            .iter()
            .map(|&f| eq(next, f))
            .reduce(bitor_m128i)
            .expect("one key at least");
        let candidates = bitand_m128i(eq(v, b'"'), first);
        let stops = bitor_m128i(bitor_m128i(eq(v, b'{'), eq(v, b'}')), eq(v, b'\\'));
        (
            move_mask_i8_m128i(candidates) as u32 & 0xFFFF,
            move_mask_i8_m128i(stops) as u32 & 0xFFFF,
        )
    };
    let (c0, s0) = half(0);
    let (c1, s1) = half(16);
    (c0 | c1 << 16, s0 | s1 << 16)
}

/// For the first 32 bytes of `w`, a bit each: which are a `"` followed by one of
/// `firsts`, and which are a brace or a backslash.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn seek_marks<const N: usize>(w: &[u8; 33], firsts: &[u8; N]) -> (u32, u32) {
    seek_marks_bytewise(w, firsts)
}

/// [`seek_marks`] a byte at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn seek_marks_bytewise<const N: usize>(w: &[u8; 33], firsts: &[u8; N]) -> (u32, u32) {
    let mut out = (0, 0);
    for (k, pair) in w.windows(2).enumerate() {
        out.0 |= u32::from(pair[0] == b'"' && firsts.contains(&pair[1])) << k;
        out.1 |= u32::from(matches!(pair[0], b'{' | b'}' | b'\\')) << k;
    }
    out
}

/// The index of the lowest flagged byte of a non-zero mask.
#[inline(always)]
pub(crate) fn first(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// How many of the chunk's bytes, from the first, are ASCII digits (0 to 8).
#[inline]
pub(crate) fn leading_digits(chunk: u64) -> usize {
    let x = chunk ^ (ONES * u64::from(b'0'));
    // A byte's high bit ends up set unless it was a digit (0..=9 after the xor): adding
    // 0x76 to its low seven bits carries into bit 7 for values above 9 and never into the
    // next byte.
    let not_digit = (((x & !HIGH) + ONES * 0x76) | x) & HIGH;
    first(not_digit)
}

/// The value of eight ASCII digits (the first the most significant), all of which must
/// be digits: three multiply-and-mask steps that combine neighbours, instead of eight.
#[inline(always)]
pub(crate) fn eight_digits(chunk: u64) -> u64 {
    let x = chunk.wrapping_sub(ONES * u64::from(b'0'));
    // Each 16-bit lane: ten times its first digit plus its second.
    let x = (x.wrapping_mul(10) + (x >> 8)) & 0x00FF_00FF_00FF_00FF;
    // Each 32-bit lane: four digits.
    let x = (x.wrapping_mul(100) + (x >> 16)) & 0x0000_FFFF_0000_FFFF;
    (x.wrapping_mul(10_000) + (x >> 32)) & 0xFFFF_FFFF
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

    /// The search for keys marks the same bytes 16 at a time as one at a time, among
    /// the bytes it looks for and their neighbours.
    #[test]
    fn seek_marks_agree_with_a_byte_loop() {
        let alphabet = b"\"\\{}[]|zkKn\x7b\x7d\x5c\x22\xa2\xdc\xfb \x00";
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            let w: [u8; 33] = std::array::from_fn(|_| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                alphabet[(rng % alphabet.len() as u64) as usize]
            });
            assert_eq!(seek_marks(&w, b"k"), seek_marks_bytewise(&w, b"k"), "{w:?}");
            assert_eq!(
                seek_marks(&w, b"kn"),
                seek_marks_bytewise(&w, b"kn"),
                "{w:?}"
            );
            assert_eq!(
                seek_marks(&w, b"knz"),
                seek_marks_bytewise(&w, b"knz"),
                "{w:?}"
            );
        }
    }

    /// The string's end search agrees with a byte loop wherever a quote, backslash or
    /// control character sits among bytes that look most like them (0x20, 0x21, 0x5b,
    /// 0x7f, high bytes), from any start.
    #[test]
    fn next_string_special_finds_the_first() {
        let fill = [0x20u8, 0x21, 0x5b, 0x7f, 0x80, 0xff, b'a'];
        for len in 0..30 {
            for at in 0..=len {
                for mark in [b'"', b'\\', 0x00, 0x1f, b'\t'] {
                    let mut s: Vec<u8> = (0..len).map(|i| fill[i % fill.len()]).collect();
                    if at < len {
                        s[at] = mark;
                    }
                    for from in [0, 1, 9, len] {
                        let want = (from..s.len())
                            .find(|&i| s[i] == b'"' || s[i] == b'\\' || s[i] < 0x20)
                            .unwrap_or(s.len());
                        assert_eq!(next_string_special(&s, from), want, "{s:?} from {from}");
                    }
                }
            }
        }
    }

    /// `matching` flags the first byte equal to the one sought, wherever it sits and
    /// whatever lies around it (bytes one above or below it, high bytes, more matches).
    #[test]
    fn matching_finds_the_first() {
        for byte in [b'"', b'\\', 0u8, 0xff] {
            for at in 0..8 {
                for fill in [byte.wrapping_add(1), byte.wrapping_sub(1), 0x80, byte] {
                    let mut b = [fill; 8];
                    b[..at].fill(byte ^ 0x40);
                    b[at] = byte;
                    let mask = matching(u64::from_le_bytes(b), byte);
                    assert_eq!(first(mask), at, "{byte:#x} at {at} in {b:?}");
                }
            }
        }
    }

    #[test]
    fn eight_digits_reads_every_digit_in_place() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let text = format!("{:08}", x % 100_000_000);
            let chunk = load8(text.as_bytes(), 0);
            assert_eq!(eight_digits(chunk), x % 100_000_000, "{text}");
        }
        for text in ["00000000", "99999999", "10000000", "00000001", "90909090"] {
            let want: u64 = text.parse().expect("digits");
            assert_eq!(eight_digits(load8(text.as_bytes(), 0)), want, "{text}");
        }
    }

    #[test]
    fn digit_runs_agree_with_a_byte_loop() {
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
