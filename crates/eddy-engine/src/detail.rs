//! An event's `Detail`, read on its way in: is it a JSON object, and is it *plain* (no
//! object repeats a key, no key is empty or holds a dot)? A plain event has one spelling
//! per field, so the bus can match it with `Matcher::matches_plain`, which stops reading
//! once every field that a rule names has been read; any other event is matched with
//! `Matcher::matches`, which reads it all (a repeated key counts with its last value, as
//! in EventBridge).
//!
//! The first read is the pattern crate's quick one (`eddy_pattern::plain`), which is
//! certain when it says "plain" and takes the usual detail. Whatever it does not take is
//! read by serde_json's skimming read (`IgnoredAny`, what the bus asked of a detail
//! before), which decides whether it is valid; it is then not called plain. So a detail
//! is valid exactly when serde_json takes it, as before.

/// What the bus needs to know of a detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Not a JSON object (EventBridge's `MalformedDetail`).
    Malformed,
    /// A JSON object, not known to be plain.
    Object,
    /// A plain JSON object.
    Plain,
}

/// Reads `text` once, or twice when it is not plain.
pub fn check(text: &str) -> Detail {
    if eddy_pattern::plain::is_plain_object(text) {
        Detail::Plain
    } else if text.trim_start().starts_with('{')
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    {
        Detail::Object
    } else {
        Detail::Malformed
    }
}

#[cfg(test)]
mod tests {
    use super::{check, Detail};

    #[test]
    fn tells_plain_objects_from_others() {
        let cases = [
            (r#"{"a": 1, "b": {"c": [1, {"d": null}]}}"#, Detail::Plain),
            (r#"  {"a": "x\ny", "b": true}"#, Detail::Plain),
            (r#"{"a": "x", "b\u0041": true}"#, Detail::Object),
            (r#"{"a": {"x": 1}, "b": {"x": 2}}"#, Detail::Plain),
            (r#"{"a": [{"x": 1}, {"x": 2}]}"#, Detail::Plain),
            (r#"{"a": 1, "a": 2}"#, Detail::Object),
            (r#"{"a": 1, "\u0061": 2}"#, Detail::Object),
            (r#"{"b": {"a": 1, "c": 2, "a": 3}}"#, Detail::Object),
            (r#"{"": 1}"#, Detail::Object),
            (r#"{"a.b": 1}"#, Detail::Object),
            (r#"{"a": 1e400}"#, Detail::Plain),
            (r#"{"a": "\ud800"}"#, Detail::Plain),
            (r#"{"\u0062": 1}"#, Detail::Object),
            (r#"{"a": 1,}"#, Detail::Malformed),
            (r#"{"a": 1} x"#, Detail::Malformed),
            (r#"[1]"#, Detail::Malformed),
            (r#""{}""#, Detail::Malformed),
            (r#"{"a": 01}"#, Detail::Malformed),
            ("", Detail::Malformed),
        ];
        for (text, want) in cases {
            assert_eq!(check(text), want, "{text}");
        }
        let wide: String = (0..=eddy_pattern::plain::MAX_KEYS)
            .map(|i| format!("\"k{i}\": {i}"))
            .collect::<Vec<_>>()
            .join(", ");
        assert_eq!(check(&format!("{{{wide}}}")), Detail::Object);
        let deep = format!("{}1{}", "{\"a\":[".repeat(200), "]}".repeat(200));
        assert_eq!(
            check(&deep),
            match serde_json::from_str::<serde::de::IgnoredAny>(&deep) {
                Ok(_) => Detail::Object,
                Err(_) => Detail::Malformed,
            }
        );
    }

    /// A JSON-like text from a small alphabet of keys, so that repeated, empty and dotted
    /// keys are common, with numbers and strings serde_json may refuse to read in full.
    fn text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let key = prop::sample::select(vec!["a", "b", "", "a.b", "\\u0061", "\u{e9}", "\\ud800"]);
        let leaf = prop::sample::select(vec![
            "1",
            "-0.5",
            "1e400",
            "2e-400",
            "12345678901234567890123",
            "01",
            "true",
            "null",
            "\"x\"",
            "\"\\ud800\"",
            "\"\\n\"",
            "[]",
            "{}",
        ])
        .prop_map(str::to_owned);
        let value = leaf.prop_recursive(4, 32, 5, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((key.clone(), inner), 0..5).prop_map(|v| {
                    let entries: Vec<String> = v
                        .into_iter()
                        .map(|(k, x)| format!("\"{k}\": {x}"))
                        .collect();
                    format!("{{{}}}", entries.join(", "))
                }),
            ]
        });
        (
            value,
            prop::option::of((
                any::<prop::sample::Index>(),
                prop::sample::select(vec!["", ",", "}", "\"", "{", " "]),
            )),
        )
            .prop_map(|(mut text, cut)| {
                if let Some((at, with)) = cut {
                    let at = at.index(text.len() + 1);
                    if text.is_char_boundary(at) {
                        let end = (at + 1).min(text.len());
                        let end = if text.is_char_boundary(end) { end } else { at };
                        text.replace_range(at..end, with);
                    }
                }
                text
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// Valid exactly when serde_json's skimming read takes it (what the bus asked
        /// before); plain only when it is by the pattern crate's full reading, and always
        /// then when it has no escape (a key with one is left to the other reading).
        #[test]
        fn agrees_with_serde_and_the_pattern_reader(text in text()) {
            let got = check(&text);
            let valid = text.trim_start().starts_with('{')
                && serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok();
            proptest::prop_assert_eq!(got != Detail::Malformed, valid);
            let ours = eddy_pattern::json::parse(text.as_bytes());
            if got == Detail::Plain {
                proptest::prop_assert!(ours.as_ref().is_ok_and(|v| v.is_plain()));
            }
            if valid && ours.is_ok_and(|v| v.is_plain()) && !text.contains('\\') {
                proptest::prop_assert_eq!(got, Detail::Plain);
            }
        }
    }
}
