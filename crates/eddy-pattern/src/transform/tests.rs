//! Unit tests of input transformers.
use super::*;

fn event() -> Value {
    json::parse(
        br#"{"version":"0","id":"e1","detail-type":"t","source":"s","account":"1",
            "time":"2024-01-01T00:00:00Z","region":"r","resources":["a","b"],
            "detail":{"n":3.0e2,"neg":-0,"ok":false,"nul":null,"q":"say \"hi\"",
            "items":[{"id":1},{"id":2},{"x":3}],"obj":{"k":"v"},"a/b":"slash"}}"#,
    )
    .expect("test event is JSON")
}

fn ctx() -> Context<'static> {
    Context {
        rule_arn: "arn:aws:events:r:1:rule/x",
        rule_name: "x",
        ingestion_time: "2024-01-01T00:00:01Z",
    }
}

fn tpl(paths: &[(&str, &str)], template: &str) -> Result<Transform, Error> {
    let paths: Vec<(String, String)> = paths
        .iter()
        .map(|(k, p)| ((*k).to_owned(), (*p).to_owned()))
        .collect();
    Transform::template(&paths, template)
}

fn run(paths: &[(&str, &str)], template: &str) -> Result<String, ApplyError> {
    tpl(paths, template)
        .expect("valid template")
        .apply(&event(), &ctx())
}

fn path(p: &str) -> Result<String, ApplyError> {
    Transform::input_path(p)
        .expect("valid path")
        .apply(&event(), &ctx())
}

#[test]
fn path_grammar() {
    for ok in [
        "$",
        "$.detail",
        "$.detail.items[0].id",
        "$.resources[*]",
        "$.detail.*",
        "$.detail.a/b",
        "$.detail-type",
        "$.détail_1",
    ] {
        assert!(Transform::input_path(ok).is_ok(), "{ok}");
    }
    for bad in [
        "", "detail", "$.", "$..x", "$.a[-1]", "$.a b", "$[", "$.a[]", "$.*x", "$.a[0", "$ ",
        "$.a.[0]", "$['']", "$['a'", "$['a]", "$['a\"]", "$[a]", "$['a']x", "$['a\\']",
    ] {
        let err = Transform::input_path(bad).unwrap_err();
        assert_eq!(err.to_string(), "InputPath is invalid.", "{bad}");
    }
    let long = format!("$.{}", "a".repeat(MAX_PATH_LEN - 1));
    assert!(matches!(
        Transform::input_path(&long),
        Err(Error::Constraint { .. })
    ));
}

/// `InputPath` may use bracket notation (the `Target.InputPath` API reference: "You may
/// use JSON dot notation or bracket notation"); `InputPathsMap` may not ("You must use
/// JSON dot notation, not bracket notation").
#[test]
fn bracket_notation_in_input_path_only() {
    assert_eq!(path("$['detail']['obj']").unwrap(), r#"{"k":"v"}"#);
    assert_eq!(path(r#"$["detail"].obj["k"]"#).unwrap(), r#""v""#);
    assert_eq!(path("$.detail['a/b']").unwrap(), r#""slash""#);
    assert_eq!(path("$['detail-type']").unwrap(), r#""t""#);
    assert_eq!(path("$['detail']['items'][1]['id']").unwrap(), "2");
    assert_eq!(path("$['resources'][*]").unwrap(), r#"["a","b"]"#);
    let with = |key: &str| {
        let event = json::parse(format!(r#"{{"detail":{{{key}:1}}}}"#).as_bytes()).unwrap();
        Transform::input_path(&format!("$.detail[{}]", key.replace('"', "'")))
            .map(|t| t.apply(&event, &ctx()))
    };
    assert_eq!(
        with(r#""a.b""#).unwrap().unwrap(),
        "1",
        "a dot inside the brackets"
    );
    assert_eq!(with(r#""a b]""#).unwrap().unwrap(), "1");
    let event = json::parse(br#"{"it's":1}"#).unwrap();
    let t = Transform::input_path(r"$['it\'s']").unwrap();
    assert_eq!(t.apply(&event, &ctx()).unwrap(), "1", "an escaped quote");
    for quoted in ["$['detail']", r#"$.detail["n"]"#] {
        let err = tpl(&[("v", quoted)], "<v>").unwrap_err();
        assert_eq!(err.to_string(), "InputPath is invalid.", "{quoted}");
    }
}

#[test]
fn input_path_values_keep_their_spelling() {
    assert!(path("$").unwrap().starts_with(r#"{"version":"0""#));
    assert_eq!(path("$.detail.n").unwrap(), "3.0e2");
    assert_eq!(path("$.detail.neg").unwrap(), "-0");
    assert_eq!(path("$.detail.items[1]").unwrap(), r#"{"id":2}"#);
    assert_eq!(path("$.detail.items[*].id").unwrap(), "[1,2]");
    assert_eq!(path("$.detail.obj.*").unwrap(), r#"["v"]"#);
    assert_eq!(path("$.detail.items[9].id[*]").unwrap(), "[]");
    assert_eq!(path("$.detail.a/b").unwrap(), r#""slash""#);
    assert!(matches!(
        path("$.detail.missing"),
        Err(ApplyError::NoMatch { .. })
    ));
    assert!(matches!(
        path("$.detail.n[0]"),
        Err(ApplyError::NoMatch { .. })
    ));
}

#[test]
fn scalars_in_each_position() {
    let paths = [
        ("n", "$.detail.n"),
        ("ok", "$.detail.ok"),
        ("nul", "$.detail.nul"),
        ("gone", "$.detail.gone"),
    ];
    assert_eq!(
        run(&paths, r#""<n> <ok> <nul> [<gone>]""#).unwrap(),
        r#""3.0e2 false null []""#
    );
    assert_eq!(
        run(&paths, r#"{"a": <n>, "b": <ok>, "c": <nul>, "d": <gone>}"#).unwrap(),
        r#"{"a": 3.0e2, "b": false, "c": null, "d": ""}"#
    );
    assert_eq!(
        run(&paths, r#"{"s": "<n>/<ok>/<nul>/<gone>"}"#).unwrap(),
        r#"{"s": "3.0e2/false/null/"}"#
    );
    // Unquoted string templates are allowed and delivered as written.
    assert_eq!(run(&paths, "n is <n>").unwrap(), "n is 3.0e2");
}

#[test]
fn strings_are_escaped_as_values_but_not_inside_strings() {
    let paths = [("q", "$.detail.q")];
    assert_eq!(
        run(&paths, r#"{"q": <q>}"#).unwrap(),
        r#"{"q": "say \"hi\""}"#
    );
    // "EventBridge doesn't escape values extracted by Input Path".
    assert!(matches!(
        run(&paths, r#"{"q": "<q>"}"#),
        Err(ApplyError::NotJson(_))
    ));
    assert_eq!(run(&paths, r#""<q>""#).unwrap(), r#""say "hi"""#);
}

#[test]
fn wildcard_results_are_arrays() {
    let paths = [("ids", "$.detail.items[*].id")];
    assert_eq!(
        run(&paths, r#"{"ids": <ids>}"#).unwrap(),
        r#"{"ids": [1,2]}"#
    );
    assert_eq!(run(&paths, r#""<ids>""#).unwrap(), r#""[1,2]""#);
}

#[test]
fn array_templates_are_json() {
    let paths = [("r", "$.resources")];
    let t = tpl(&paths, " [<r>, 1] ").unwrap();
    assert!(matches!(&t, Transform::Template(t) if t.is_json()));
    assert_eq!(t.apply(&event(), &ctx()).unwrap(), r#" [["a","b"], 1] "#);
}

#[test]
fn predefined_placeholders() {
    let out = run(
        &[],
        r#"{"arn": <aws.events.rule-arn>, "at": "<aws.events.event.ingestion-time>", "e": <aws.events.event>}"#,
    )
    .unwrap();
    assert_eq!(
        out,
        r#"{"arn": "arn:aws:events:r:1:rule/x", "at": "2024-01-01T00:00:01Z", "e": {"id":"e1","account":"1","detailType":"t","time":"2024-01-01T00:00:00Z","source":"s","region":"r","resources":["a","b"],"version":"0"}}"#
    );
    // In a string template the whole event stays JSON (its quotes kept), so that
    // `<aws.events.event>` and a newline deliver one JSON line per event.
    assert_eq!(
        run(&[], "<aws.events.event>\n").unwrap(),
        "{\"id\":\"e1\",\"account\":\"1\",\"detailType\":\"t\",\"time\":\"2024-01-01T00:00:00Z\",\"source\":\"s\",\"region\":\"r\",\"resources\":[\"a\",\"b\"],\"version\":\"0\"}\n"
    );
    let line = run(&[], "<aws.events.event.json>\n").unwrap();
    assert!(
        line.ends_with("}}\n") && line.contains(r#""detail":{"n":3.0e2,"#),
        "{line}"
    );
    // InputPathsMap values still lose their quotes there.
    assert_eq!(
        run(&[("o", "$.detail.obj")], r#""<aws.events.rule-name>: <o>""#).unwrap(),
        r#""x: {k:v}""#
    );
}

/// A JSON template is checked, then delivered as produced: its spacing and a trailing
/// newline are kept (aws/aws-cdk#15512: `{ "event": <detail> }` and a newline give
/// one JSON line per event).
#[test]
fn json_templates_keep_their_text() {
    let out = run(&[("o", "$.detail.obj")], "{ \"event\": <o> }\n").unwrap();
    assert_eq!(out, "{ \"event\": {\"k\":\"v\"} }\n");
    let pretty = "{\n  \"a\": <o>,\n  \"b\": [ 1, 2 ]\n}";
    assert_eq!(
        run(&[("o", "$.detail.obj")], pretty).unwrap(),
        "{\n  \"a\": {\"k\":\"v\"},\n  \"b\": [ 1, 2 ]\n}"
    );
}

#[test]
fn angle_brackets() {
    // `<` without a closing `>` is text; the innermost `<…>` is the placeholder.
    assert_eq!(run(&[], r#""a < b""#).unwrap(), r#""a < b""#);
    assert_eq!(
        run(&[], r#""<<aws.events.rule-name>>""#).unwrap(),
        r#""<x>""#
    );
    for (template, name) in [(r#""<b>bold</b>""#, "b"), ("<>", ""), ("1 < 2 > 0", " 2 ")] {
        assert_eq!(
            tpl(&[], template).unwrap_err(),
            Error::InvalidPlaceholder {
                target: None,
                name: name.to_owned()
            }
        );
    }
}

#[test]
fn template_limits_and_names() {
    let many: Vec<(String, String)> = (0..=MAX_PATHS)
        .map(|i| (format!("k{i}"), "$.id".to_owned()))
        .collect();
    assert!(matches!(
        Transform::template(&many, "\"x\""),
        Err(Error::Constraint { .. })
    ));
    assert!(Transform::template(&many[..MAX_PATHS], "\"<k99>\"").is_ok());
    for key in ["aws.events.event", "a.b", "a b", ""] {
        let err = tpl(&[(key, "$.id")], "\"x\"").unwrap_err();
        assert!(matches!(err, Error::Constraint { .. }), "{key}: {err}");
    }
    let long_key = "k".repeat(MAX_KEY_LEN + 1);
    assert!(tpl(&[(&long_key, "$.id")], "\"x\"").is_err());
    assert!(tpl(&[], "").is_err());
    assert!(tpl(&[], &"x".repeat(MAX_TEMPLATE_LEN)).is_ok());
    assert!(tpl(&[], &"é".repeat(MAX_TEMPLATE_LEN + 1)).is_err());
    assert_eq!(
        tpl(&[("k", "detail")], "\"<k>\"").unwrap_err().to_string(),
        "InputPath is invalid."
    );
    // A repeated key keeps its last path.
    assert_eq!(
        run(&[("k", "$.id"), ("k", "$.source")], "\"<k>\"").unwrap(),
        r#""s""#
    );
}

#[test]
fn json_templates_are_checked_when_created() {
    for bad in [
        r#"{"a": <k>,}"#,
        r#"{<k>: 1}"#,
        r#"{"a": "<k>}"#,
        "[<k> <k>]",
    ] {
        let err = tpl(&[("k", "$.id")], bad).unwrap_err();
        assert!(matches!(err, Error::TemplateNotJson { .. }), "{bad}: {err}");
    }
    assert!(tpl(&[("k", "$.id")], r#"{"<k>": <k>}"#).is_ok());
}
