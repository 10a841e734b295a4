//! Output for people (small aligned tables) and for scripts (JSON), on stdout.

use std::io::{IsTerminal, Write};

use serde::Serialize;

/// A table: a header row and data rows, printed with aligned columns.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column names.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are empty).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as text: columns separated by two spaces, the last one unpadded. The header
    /// is bold when `bold` is set.
    pub fn render(&self, bold: bool) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if i < widths.len() {
                    widths[i] = widths[i].max(width(cell));
                }
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            let mut text = String::new();
            for (i, w) in widths.iter().enumerate() {
                let cell = cells.get(i).map(String::as_str).unwrap_or("");
                text.push_str(cell);
                if i + 1 < widths.len() {
                    text.push_str(&" ".repeat(w - width(cell) + 2));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        let mut header = String::new();
        line(&mut header, &self.header);
        if bold {
            out.push_str("\x1b[1m");
            out.push_str(header.trim_end_matches('\n'));
            out.push_str("\x1b[0m\n");
        } else {
            out.push_str(&header);
        }
        for row in &self.rows {
            line(&mut out, row);
        }
        out
    }

    /// Prints the table on stdout (bold header only on a terminal without `NO_COLOR`).
    pub fn print(&self) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(self.render(colour()).as_bytes())?;
        out.flush()
    }
}

/// Whether stdout may carry colour: a terminal, and `NO_COLOR` unset or empty.
fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Prints one line on stdout.
pub fn print_line(line: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

/// Text on one line, at most `max` characters (an ellipsis marks a cut).
pub fn shorten(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let mut t = Table::new(&["NAME", "ARN"]);
        t.row(vec!["default".into(), "arn:1".into()]);
        t.row(vec!["o".into(), String::new()]);
        assert_eq!(t.render(false), "NAME     ARN\ndefault  arn:1\no\n");
    }

    #[test]
    fn long_text_is_shortened() {
        assert_eq!(shorten("ab\ncd", 10), "ab cd");
        assert_eq!(shorten("abcdef", 4), "abc…");
    }
}
