//! `wildcard` values: `*` matches any run of characters, `\*` a literal star, `\\` a backslash.
//!
//! Matching is linear in the length of the value (greedy, leftmost search of each literal
//! piece, which is exact for globs whose only metacharacter is `*`), so no wildcard can
//! blow up however it is written.

/// A parsed wildcard: literal pieces with a `*` between each two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wildcard {
    pieces: Vec<String>,
}

/// Largest number of `*` in one wildcard value; EventBridge rejects more complex values as
/// "too complex", and so do we.
pub const MAX_STARS: usize = 5;

impl Wildcard {
    /// Parses a wildcard value. Errors carry EventBridge's reason text.
    pub fn parse(text: &str) -> Result<Wildcard, String> {
        let mut pieces = vec![String::new()];
        let mut chars = text.char_indices().peekable();
        let mut last_was_star = false;
        while let Some((pos, c)) = chars.next() {
            match c {
                '*' => {
                    if last_was_star {
                        return Err(format!("Consecutive wildcard characters at pos {pos}"));
                    }
                    pieces.push(String::new());
                    last_was_star = true;
                    continue;
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('*' | '\\'))) => pieces.last_mut().expect("never empty").push(e),
                    _ => return Err(format!("Invalid escape character at pos {pos}")),
                },
                c => pieces.last_mut().expect("never empty").push(c),
            }
            last_was_star = false;
        }
        let w = Wildcard { pieces };
        if w.is_too_complex() {
            return Err("Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character".into());
        }
        Ok(w)
    }

    /// A wildcard that matches exactly `text` (no stars).
    pub fn literal(text: &str) -> Wildcard {
        Wildcard {
            pieces: vec![text.to_owned()],
        }
    }

    fn is_too_complex(&self) -> bool {
        self.stars() > MAX_STARS
    }

    /// The number of `*` in the value.
    pub fn stars(&self) -> usize {
        self.pieces.len() - 1
    }

    /// The literal text before the first `*` (the whole value if there is none).
    pub fn head(&self) -> &str {
        &self.pieces[0]
    }

    /// The literal text after the last `*` (empty if there is no star).
    pub fn tail(&self) -> &str {
        if self.pieces.len() > 1 {
            self.pieces.last().expect("never empty")
        } else {
            ""
        }
    }

    /// Whether `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        let n = self.pieces.len();
        if n == 1 {
            return value == self.pieces[0];
        }
        let (head, tail) = (&self.pieces[0], &self.pieces[n - 1]);
        if value.len() < head.len() + tail.len()
            || !value.starts_with(head.as_str())
            || !value.ends_with(tail.as_str())
        {
            return false;
        }
        let mut rest = &value[head.len()..value.len() - tail.len()];
        for piece in &self.pieces[1..n - 1] {
            match rest.find(piece.as_str()) {
                Some(at) => rest = &rest[at + piece.len()..],
                None => return false,
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_a_glob() {
        let w = Wildcard::parse("/Users/*/dir/dir/dir/dir/dir/doc.txt").expect("valid");
        assert!(w.matches("/Users/x/dir/dir/dir/dir/dir/doc.txt"));
        assert!(!w.matches("/Users/x/dir/dir/dir/dir/doc.txt"));
        let w = Wildcard::parse("a*b*a").expect("valid");
        assert!(w.matches("aba"));
        assert!(w.matches("abba"));
        assert!(!w.matches("ab"));
        assert!(Wildcard::parse("").expect("valid").matches(""));
        assert!(!Wildcard::parse("").expect("valid").matches("x"));
        assert!(Wildcard::parse(r"\*").expect("valid").matches("*"));
        assert!(Wildcard::parse(r"\\").expect("valid").matches("\\"));
    }

    #[test]
    fn rejects_what_eventbridge_rejects() {
        assert_eq!(
            Wildcard::parse("arn:aws:events:us-east-1:**:event-bus/*").unwrap_err(),
            "Consecutive wildcard characters at pos 26"
        );
        assert!(Wildcard::parse("*:*:*:*:*:event-bus/*").is_err());
        assert!(Wildcard::parse("arn:aws:events:us-east-1:*:event-bus/*").is_ok());
        assert!(Wildcard::parse(r"a\b").is_err());
    }
}
