//! Stack files and plans, without a server: the current state is built by hand the way
//! the server's list endpoints give it.

use std::collections::BTreeMap;

use eddy_api_model as api;
use serde_json::json;

use super::plan::{plan, Action, Change, Current, Kind, Plan};
use super::*;

const EXAMPLE: &str = r#"
version: 1
name: shop
buses:
  - name: orders
    description: Orders placed in the shop
queues:
  - name: order-created
    attributes:
      VisibilityTimeout: 30
  - name: order-audit
    attributes:
      RedrivePolicy: {deadLetterTargetArn: orders-dlq, maxReceiveCount: 5}
  - name: orders-dlq
connections:
  - name: crm
    authorization-type: API_KEY
    api-key-name: x-api-key
    api-key-value: secret
api-destinations:
  - name: crm-orders
    connection: crm
    endpoint: https://crm.example/orders
rules:
  - name: order-created
    bus: orders
    pattern:
      source: [shop]
      detail-type: [OrderCreated]
    targets:
      - id: process
        queue: order-created
        dead-letter-queue: orders-dlq
      - id: audit
        queue: order-audit
        input-transformer:
          paths-map: {order: $.detail.order-id}
          template: '{"order": <order>}'
  - name: everything
    pattern: {source: [{prefix: ""}]}
"#;

fn example() -> Stack {
    parse("eddy.yaml", EXAMPLE).expect("the example parses")
}

const SCOPE: &str = "us-east-1:000000000000";

/// The server's answer after it has applied every step of a plan: what its lists give.
fn server_after(plan: &Plan) -> Current {
    let mut current = empty_server();
    for step in &plan.steps {
        match &step.change {
            Change::CreateConnection(c) | Change::ReplaceConnection(c) => {
                current.connections.push(api::Connection {
                    arn: Some(format!("arn:aws:events:{SCOPE}:connection/{}", c.name)),
                    password: None,
                    api_key_value: None,
                    ..c.clone()
                })
            }
            Change::CreateApiDestination(d) | Change::ReplaceApiDestination(d) => {
                current.api_destinations.push(api::ApiDestination {
                    arn: Some(format!("arn:aws:events:{SCOPE}:api-destination/{}", d.name)),
                    method: Some(d.method.clone().unwrap_or("POST".into())),
                    rate_limit_per_second: Some(d.rate_limit_per_second.unwrap_or(300)),
                    ..d.clone()
                })
            }
            Change::PutQueue(q) => {
                let mut attributes = q.attributes.clone();
                // The server gives every attribute, its own spelling of JSON ones, and
                // the computed ones.
                attributes
                    .entry("VisibilityTimeout".into())
                    .or_insert("30".into());
                attributes.insert("ApproximateNumberOfMessages".into(), "0".into());
                if let Some(p) = attributes.get_mut("RedrivePolicy") {
                    *p = p.replace("\"maxReceiveCount\":\"5\"", "\"maxReceiveCount\":5");
                }
                current.queues.push(api::Queue {
                    arn: Some(format!("arn:aws:sqs:{SCOPE}:{}", q.name)),
                    attributes,
                    ..q.clone()
                });
            }
            Change::CreateBus(b) => current.buses.push(api::Bus {
                arn: Some(format!("arn:aws:events:{SCOPE}:event-bus/{}", b.name)),
                ..b.clone()
            }),
            Change::PutRule(r) => current.rules.push(api::Rule {
                arn: Some(format!("arn:aws:events:{SCOPE}:rule/x/{}", r.name)),
                // The server gives the targets in its own order.
                targets: r.targets.clone().map(|mut t| {
                    t.reverse();
                    t
                }),
                ..r.clone()
            }),
            Change::PutFunction(f) => current.functions.push(api::Function {
                arn: Some(format!("arn:aws:lambda:{}:function:{}", SCOPE, f.name)),
                // The server gives every setting, its defaults included.
                idle_timeout: Some(f.idle_timeout.unwrap_or(300)),
                instances: Some(0),
                busy: Some(0),
                ..f.clone()
            }),
            Change::CreateMapping(m) => current.mappings.push(api::Mapping {
                id: format!("uuid-{}", current.mappings.len()),
                ..m.clone()
            }),
            Change::PutRoute(r) => current.routes.push(r.clone()),
            other => panic!("a first apply only creates: {other:?}"),
        }
    }
    current
}

fn empty_server() -> Current {
    Current {
        buses: vec![api::Bus {
            name: "default".into(),
            arn: Some(format!("arn:aws:events:{SCOPE}:event-bus/default")),
            ..api::Bus::default()
        }],
        ..Current::default()
    }
}

fn summary(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .map(|s| format!("{} {} {}", s.action, s.kind, s.name))
        .collect()
}

fn stack_tags(name: &str) -> api::Tags {
    BTreeMap::from([(STACK_TAG.to_owned(), name.to_owned())])
}

// Parsing.

#[test]
fn the_example_parses_into_the_desired_state() {
    let stack = example();
    assert_eq!(stack.name, "shop");
    assert_eq!(stack.buses[0].name, "orders");
    assert_eq!(
        stack.queues[0].attributes.get("VisibilityTimeout"),
        Some(&"30".to_owned()),
        "numbers become SQS's strings"
    );
    let policy: serde_json::Value =
        serde_json::from_str(&stack.queues[1].attributes["RedrivePolicy"]).expect("JSON text");
    assert_eq!(
        policy,
        json!({"deadLetterTargetArn": "orders-dlq", "maxReceiveCount": 5})
    );
    assert_eq!(stack.rules[1].bus.as_deref(), Some("default"));
    assert_eq!(
        stack.rules[0].pattern,
        Some(json!({"source": ["shop"], "detail-type": ["OrderCreated"]}))
    );
    let audit = &stack.rules[0].targets.as_ref().expect("targets")[1];
    assert_eq!(
        audit
            .input_transformer
            .as_ref()
            .map(|t| t.template.as_str()),
        Some(r#"{"order": <order>}"#)
    );
}

#[test]
fn the_shipped_example_parses() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/stack/eddy.yaml"
    );
    let text = std::fs::read_to_string(path).expect("examples/stack/eddy.yaml");
    let stack = parse("eddy.yaml", &text).expect("valid");
    assert_eq!(stack.rules[0].targets.as_ref().map(Vec::len), Some(2));
}

#[test]
fn unknown_fields_are_rejected_with_file_line_and_field() {
    let text = "version: 1\nname: s\nqueues:\n  - name: q\n    atributes: {}\n";
    let err = parse("stack.yaml", text).expect_err("typo");
    let Error::Syntax {
        file,
        line,
        message,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((file.as_str(), *line), ("stack.yaml", 5));
    assert!(message.contains("queues[0]"), "{message}");
    assert!(message.contains("atributes"), "{message}");
    assert!(err.to_string().starts_with("stack.yaml:5:"), "{err}");
}

#[test]
fn unknown_fields_in_targets_name_their_path() {
    let text = "version: 1\nname: s\nrules:\n  - name: r\n    pattern: {source: [a]}\n    targets:\n      - id: t\n        quue: q\n";
    let err = parse("eddy.yaml", text).expect_err("typo");
    let text = err.to_string();
    assert!(text.starts_with("eddy.yaml:8:"), "{text}");
    assert!(text.contains("rules[0].targets[0]"), "{text}");
    assert!(text.contains("quue"), "{text}");
}

#[test]
fn bad_yaml_is_a_syntax_error() {
    let err = parse("eddy.yaml", "version: 1\nname: [\n").expect_err("unclosed");
    assert!(matches!(err, Error::Syntax { .. }), "{err:?}");
}

#[test]
fn missing_version_or_name_is_rejected() {
    let err = parse("eddy.yaml", "name: s\n").expect_err("no version");
    assert!(err.to_string().contains("version"), "{err}");
    let err = parse("eddy.yaml", "version: 1\n").expect_err("no name");
    assert!(err.to_string().contains("name"), "{err}");
}

#[test]
fn other_versions_are_refused() {
    let err = parse("eddy.yaml", "version: 2\nname: s\n").expect_err("v2");
    assert_eq!(
        err.to_string(),
        "eddy.yaml: version: 2 is not supported (this eddy reads version 1)"
    );
}

#[test]
fn the_stack_name_must_be_a_plain_word() {
    let err = parse("eddy.yaml", "version: 1\nname: 'my stack'\n").expect_err("space");
    assert!(err.to_string().contains("name:"), "{err}");
}

#[test]
fn duplicates_and_reserved_tags_are_refused() {
    let err = parse(
        "eddy.yaml",
        "version: 1\nname: s\nqueues: [{name: q}, {name: q}]\n",
    )
    .expect_err("twice");
    assert_eq!(err.to_string(), "eddy.yaml: queues: q is declared twice");

    let err = parse(
        "eddy.yaml",
        "version: 1\nname: s\nbuses: [{name: b, tags: {'eddy:stack': other}}]\n",
    )
    .expect_err("reserved");
    assert!(err.to_string().contains("reserved"), "{err}");

    let err = parse(
        "eddy.yaml",
        "version: 1\nname: s\nrules:\n  - {name: r, pattern: {a: [1]}, targets: [{id: t, queue: q}, {id: t, queue: p}]}\n",
    )
    .expect_err("target ids");
    assert!(err.to_string().contains("target id t"), "{err}");
}

#[test]
fn fifo_queues_get_fifo_queue_from_their_name() {
    let stack = parse("eddy.yaml", "version: 1\nname: s\nqueues: [{name: jobs.fifo}, {name: x.fifo, attributes: {FifoQueue: true, ContentBasedDeduplication: true}}]\n").expect("ok");
    assert_eq!(stack.queues[0].attributes["FifoQueue"], "true");
    assert_eq!(
        stack.queues[1].attributes["ContentBasedDeduplication"],
        "true"
    );
}

#[test]
fn the_same_rule_name_on_two_buses_is_fine() {
    let text = "version: 1\nname: s\nrules:\n  - {name: r, pattern: {a: [1]}}\n  - {name: r, bus: b, pattern: {a: [1]}}\n";
    assert_eq!(parse("eddy.yaml", text).expect("ok").rules.len(), 2);
}

#[test]
fn rules_need_a_pattern_and_default_cannot_be_declared() {
    let err = parse("eddy.yaml", "version: 1\nname: s\nrules: [{name: r}]\n").expect_err("pattern");
    assert!(err.to_string().contains("pattern is required"), "{err}");
    let err = parse(
        "eddy.yaml",
        "version: 1\nname: s\nbuses: [{name: default}]\n",
    )
    .expect_err("default");
    assert!(err.to_string().contains("default"), "{err}");
}

// Planning.

#[test]
fn a_first_apply_creates_everything_in_a_safe_order() {
    let p = plan(&example(), &empty_server());
    assert_eq!(
        summary(&p),
        [
            "create connection crm",
            "create api-destination crm-orders",
            "create queue order-created",
            "create queue orders-dlq",
            "create queue order-audit",
            "create bus orders",
            "create rule default/everything",
            "create rule orders/order-created",
        ]
    );
    assert!(p.steps.iter().all(|s| s.action == Action::Create));
}

#[test]
fn created_resources_carry_the_stack_tag() {
    let p = plan(&example(), &empty_server());
    for step in &p.steps {
        let tags = match &step.change {
            Change::PutQueue(q) => &q.tags,
            Change::CreateBus(b) => &b.tags,
            Change::PutRule(r) => &r.tags,
            _ => continue,
        };
        assert_eq!(tags, &stack_tags("shop"), "{}", step.name);
    }
}

#[test]
fn redrive_policies_name_their_dead_letter_queue_by_arn() {
    let p = plan(&example(), &empty_server());
    let audit = p
        .steps
        .iter()
        .find_map(|s| match &s.change {
            Change::PutQueue(q) if q.name == "order-audit" => Some(q),
            _ => None,
        })
        .expect("order-audit");
    let policy: serde_json::Value =
        serde_json::from_str(&audit.attributes["RedrivePolicy"]).expect("JSON");
    assert_eq!(
        policy["deadLetterTargetArn"],
        "arn:aws:sqs:us-east-1:000000000000:orders-dlq"
    );
}

#[test]
fn a_second_apply_has_no_changes() {
    let stack = example();
    let first = plan(&stack, &empty_server());
    let after = server_after(&first);
    let second = plan(&stack, &after);
    assert!(second.is_empty(), "{:#?}", second.steps);
}

#[test]
fn rules_get_default_state_and_targets_so_targets_are_replaced_exactly() {
    let p = plan(&example(), &empty_server());
    let Change::PutRule(rule) = &p.steps[6].change else {
        panic!("{:?}", p.steps[6])
    };
    assert_eq!(rule.name, "everything");
    assert_eq!(rule.state.as_deref(), Some("ENABLED"));
    assert_eq!(rule.targets, Some(Vec::new()));
}

#[test]
fn a_changed_pattern_updates_the_rule() {
    let stack = example();
    let after = server_after(&plan(&stack, &empty_server()));
    let edited = EXAMPLE.replace("detail-type: [OrderCreated]", "detail-type: [OrderPlaced]");
    let p = plan(&parse("eddy.yaml", &edited).expect("valid"), &after);
    assert_eq!(summary(&p), ["update rule orders/order-created"]);
    assert!(
        p.steps[0].detail.starts_with("pattern: "),
        "{}",
        p.steps[0].detail
    );
    assert!(
        p.steps[0].detail.contains("OrderPlaced"),
        "{}",
        p.steps[0].detail
    );
}

#[test]
fn patterns_given_as_text_compare_by_content() {
    let stack = example();
    let mut after = server_after(&plan(&stack, &empty_server()));
    for r in &mut after.rules {
        r.pattern = r.pattern.as_ref().map(|p| json!(p.to_string()));
    }
    assert!(plan(&stack, &after).is_empty());
}

#[test]
fn changed_targets_are_listed() {
    let stack = example();
    let after = server_after(&plan(&stack, &empty_server()));
    let edited = EXAMPLE
        .replace("        dead-letter-queue: orders-dlq\n", "")
        .replace("      - id: audit", "      - id: audit2");
    let p = plan(&parse("eddy.yaml", &edited).expect("valid"), &after);
    assert_eq!(summary(&p), ["update rule orders/order-created"]);
    assert_eq!(p.steps[0].detail, "targets +audit2 ~process -audit");
}

#[test]
fn a_changed_attribute_or_tag_updates_the_queue() {
    let stack = example();
    let after = server_after(&plan(&stack, &empty_server()));
    let edited = EXAMPLE.replace(
        "VisibilityTimeout: 30",
        "VisibilityTimeout: 60\n    tags: {team: a}",
    );
    let p = plan(&parse("eddy.yaml", &edited).expect("valid"), &after);
    assert_eq!(summary(&p), ["update queue order-created"]);
    assert_eq!(p.steps[0].detail, "VisibilityTimeout: 30 → 60; tags");
    let Change::PutQueue(q) = &p.steps[0].change else {
        panic!()
    };
    assert_eq!(q.tags.get("team").map(String::as_str), Some("a"));
    assert_eq!(q.tags.get(STACK_TAG).map(String::as_str), Some("shop"));
}

#[test]
fn json_attributes_compare_by_content_with_numbers_as_strings() {
    let stack = example();
    let mut after = server_after(&plan(&stack, &empty_server()));
    let audit = after
        .queues
        .iter_mut()
        .find(|q| q.name == "order-audit")
        .expect("audit");
    audit.attributes.insert(
        "RedrivePolicy".into(),
        r#"{"maxReceiveCount":"5","deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:orders-dlq"}"#
            .into(),
    );
    assert!(plan(&stack, &after).is_empty());
}

#[test]
fn only_owned_resources_the_file_no_longer_names_are_deleted() {
    let stack = example();
    let mut after = server_after(&plan(&stack, &empty_server()));
    // Not the stack's: never touched.
    after.queues.push(api::Queue {
        name: "hand-made".into(),
        ..api::Queue::default()
    });
    after.queues.push(api::Queue {
        name: "other-stack".into(),
        tags: stack_tags("other"),
        ..api::Queue::default()
    });
    after.rules.push(api::Rule {
        name: "hand-made".into(),
        bus: Some("orders".into()),
        pattern: Some(json!({"a": [1]})),
        ..api::Rule::default()
    });
    assert!(plan(&stack, &after).is_empty());

    let edited = EXAMPLE.replace(
        "  - name: order-created\n    attributes:\n      VisibilityTimeout: 30\n",
        "",
    );
    let edited = parse("eddy.yaml", &edited).expect("valid");
    assert_eq!(edited.queues.len(), 2);
    let p = plan(&edited, &after);
    assert_eq!(summary(&p), ["delete queue order-created"]);
}

#[test]
fn deletes_run_rules_then_buses_then_queues_after_every_create() {
    let stack = example();
    let after = server_after(&plan(&stack, &empty_server()));
    let smaller = parse(
        "eddy.yaml",
        "version: 1\nname: shop\nqueues: [{name: new-queue}]\n",
    )
    .expect("valid");
    let p = plan(&smaller, &after);
    assert_eq!(
        summary(&p),
        [
            "create queue new-queue",
            "delete rule default/everything",
            "delete rule orders/order-created",
            "delete bus orders",
            "delete queue order-audit",
            "delete queue order-created",
            "delete queue orders-dlq",
        ],
        "a queue naming a dead-letter queue goes before it"
    );
    assert_eq!(
        p.steps[1].change,
        Change::DeleteRule {
            bus: "default".into(),
            name: "everything".into()
        }
    );
}

#[test]
fn connections_and_api_destinations_are_never_deleted_but_are_replaced() {
    let stack = example();
    let after = server_after(&plan(&stack, &empty_server()));
    let without = parse("eddy.yaml", "version: 1\nname: shop\n").expect("valid");
    let p = plan(&without, &after);
    assert!(p
        .steps
        .iter()
        .all(|s| !matches!(s.kind, Kind::Connection | Kind::ApiDestination)));

    let edited = EXAMPLE.replace(
        "https://crm.example/orders",
        "https://crm.example/v2/orders",
    );
    let p = plan(&parse("eddy.yaml", &edited).expect("valid"), &after);
    assert_eq!(summary(&p), ["update api-destination crm-orders"]);
    assert_eq!(
        p.steps[0].detail,
        "replace: endpoint: https://crm.example/orders → https://crm.example/v2/orders"
    );
    assert!(matches!(
        p.steps[0].change,
        Change::ReplaceApiDestination(_)
    ));
}

#[test]
fn a_rule_moved_to_another_bus_is_created_there_and_deleted_here() {
    let stack = example();
    let after = server_after(&plan(&stack, &empty_server()));
    let edited = EXAMPLE.replace(
        "  - name: everything\n",
        "  - name: everything\n    bus: orders\n",
    );
    let p = plan(&parse("eddy.yaml", &edited).expect("valid"), &after);
    assert_eq!(
        summary(&p),
        [
            "create rule orders/everything",
            "delete rule default/everything"
        ]
    );
}

#[test]
fn an_existing_resource_the_file_names_is_adopted() {
    let stack = example();
    let mut after = server_after(&plan(&stack, &empty_server()));
    for q in &mut after.queues {
        q.tags.clear();
    }
    let p = plan(&stack, &after);
    assert_eq!(p.steps.len(), 3);
    assert!(p
        .steps
        .iter()
        .all(|s| s.action == Action::Update && s.kind == Kind::Queue && s.detail == "tags"));
}

#[test]
fn a_disabled_rule_is_an_update() {
    let stack = example();
    let after = server_after(&plan(&stack, &empty_server()));
    let edited = EXAMPLE.replace(
        "    bus: orders\n    pattern:",
        "    bus: orders\n    state: DISABLED\n    pattern:",
    );
    let p = plan(&parse("eddy.yaml", &edited).expect("valid"), &after);
    assert_eq!(summary(&p), ["update rule orders/order-created"]);
    assert_eq!(p.steps[0].detail, "state: ENABLED → DISABLED");
}

#[test]
fn targets_given_by_arn_compare_equal_to_the_names_the_server_shows() {
    let stack = example();
    let after = server_after(&plan(&stack, &empty_server()));
    let edited = EXAMPLE
        .replace(
            "        queue: order-created\n        dead-letter-queue: orders-dlq",
            "        arn: arn:aws:sqs:us-east-1:000000000000:order-created\n        dead-letter-queue: arn:aws:sqs:us-east-1:000000000000:orders-dlq",
        );
    assert_ne!(edited, EXAMPLE);
    let p = plan(&parse("eddy.yaml", &edited).expect("valid"), &after);
    assert!(p.is_empty(), "{:#?}", p.steps);
}

// Functions, event source mappings and routes.

const FUNCTIONS: &str = r#"
version: 1
name: shop
queues:
  - name: payments
  - name: failures
functions:
  - name: pay
    runtime: python3
    handler: app.handler
    code: ./functions/pay
    environment: {TABLE: orders, RETRIES: 3, DEBUG: false}
    on-failure: {queue: failures}
    dead-letter: failures
  - name: create-order
    runtime: nodejs20.x
    handler: index.handler
    code: /srv/create-order
    timeout: 10
    memory: 256
    max-instances: 4
    on-success: {bus: default}
rules:
  - name: paid
    pattern: {detail-type: [Paid]}
    targets: [{id: pay, function: pay}]
mappings:
  - function: pay
    queue: payments
    batch-window: 1
    report-batch-item-failures: true
routes:
  - {method: post, path: /orders, function: create-order}
  - {method: POST, path: /signup, bus: default, detail-type: SignUp}
"#;

fn functions_stack() -> Stack {
    let mut stack = parse("eddy.yaml", FUNCTIONS).expect("the functions example parses");
    stack.resolve_paths(std::path::Path::new("/home/me/shop"));
    stack
}

fn function_step<'a>(p: &'a Plan, name: &str) -> &'a api::Function {
    p.steps
        .iter()
        .find_map(|s| match &s.change {
            Change::PutFunction(f) if f.name == name => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no step puts function {name}: {:#?}", p.steps))
}

#[test]
fn functions_mappings_and_routes_parse() {
    let stack = parse("eddy.yaml", FUNCTIONS).expect("valid");
    let pay = &stack.functions[0];
    assert_eq!(
        pay.function.code, "./functions/pay",
        "as written until resolved"
    );
    assert_eq!(
        pay.function.environment,
        BTreeMap::from([
            ("DEBUG".to_owned(), "false".to_owned()),
            ("RETRIES".to_owned(), "3".to_owned()),
            ("TABLE".to_owned(), "orders".to_owned()),
        ]),
        "numbers and booleans become strings"
    );
    assert_eq!(pay.on_failure, Some(Destination::Queue("failures".into())));
    assert_eq!(pay.function.dead_letter.as_deref(), Some("failures"));
    assert_eq!(pay.function.timeout, None, "defaults are the server's");
    let create = &stack.functions[1];
    assert_eq!(create.on_success, Some(Destination::Bus("default".into())));
    assert_eq!(
        (
            create.function.timeout,
            create.function.memory,
            create.function.max_instances
        ),
        (Some(10), Some(256), Some(4))
    );
    assert_eq!(
        stack.mappings,
        [api::Mapping {
            function: "pay".into(),
            queue: "payments".into(),
            batch_window: Some(1),
            report_batch_item_failures: true,
            ..api::Mapping::default()
        }]
    );
    assert_eq!(stack.routes[0].method, "POST", "methods are upper-cased");
    assert_eq!(stack.routes[1].detail_type.as_deref(), Some("SignUp"));
    assert_eq!(
        stack.rules[0].targets.as_ref().expect("targets")[0]
            .function
            .as_deref(),
        Some("pay")
    );
}

#[test]
fn code_directories_resolve_against_the_stack_files_directory() {
    let text = "version: 1\nname: s\nfunctions:\n  - {name: a, runtime: python3, handler: app.h, code: ./fns/a}\n  - {name: b, runtime: python3, handler: app.h, code: ../shared/b/}\n  - {name: c, runtime: python3, handler: app.h, code: /opt/c}\n  - {name: d, runtime: python3, handler: app.h, code: .}\n";
    let mut stack = parse("eddy.yaml", text).expect("valid");
    stack.resolve_paths(std::path::Path::new("/home/me/shop"));
    let codes: Vec<&str> = stack
        .functions
        .iter()
        .map(|f| f.function.code.as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "/home/me/shop/fns/a",
            "/home/me/shared/b",
            "/opt/c",
            "/home/me/shop"
        ]
    );
}

#[test]
fn bad_functions_mappings_and_routes_are_refused() {
    let cases: &[(&str, &str)] = &[
        (
            "functions:\n  - {name: f, runtime: python3, handler: a.b, code: ., on-failure: failures}\n",
            "functions[0] (f): on-failure: \"failures\" is not an ARN",
        ),
        (
            "functions:\n  - {name: f, runtime: python3, handler: a.b, code: ., environment: {A: [1]}}\n",
            "functions[0] (f): environment.A",
        ),
        (
            "functions:\n  - {name: f, runtime: python3, code: ., min-warm: 3, max-instances: 2}\n",
            "functions[0] (f): min-warm: 3 is more than max-instances (2)",
        ),
        (
            "functions:\n  - {name: f, runtime: python3, handler: a.b, code: ''}\n",
            "functions[0] (f): code:",
        ),
        (
            "functions:\n  - {name: f, runtime: python3, handler: a.b, code: ., tags: {'eddy:stack': x}}\n",
            "reserved",
        ),
        (
            "functions:\n  - {name: f, runtime: python3, code: .}\n  - {name: f, runtime: python3, code: .}\n",
            "functions: f is declared twice",
        ),
        (
            "functions:\n  - {name: f, runtime: python3, code: ., timeut: 3}\n",
            "functions[0]: unknown field `timeut`",
        ),
        (
            "mappings:\n  - {function: f, queue: q}\n  - {function: f, queue: q, batch-size: 5}\n",
            "mappings: q→f is declared twice",
        ),
        (
            "mappings:\n  - {function: f, queue: q, id: x}\n",
            "unknown field `id`",
        ),
        (
            "routes:\n  - {method: GET, path: /a, function: f}\n  - {method: get, path: /a, queue: q}\n",
            "routes: GET /a is declared twice",
        ),
        (
            "routes:\n  - {method: GET, path: /a, function: f, queue: q}\n",
            "routes: GET /a: give exactly one of function, bus and queue",
        ),
        (
            "routes:\n  - {method: GET, path: /a}\n",
            "give exactly one",
        ),
        (
            "routes:\n  - {method: GET, path: /a, function: f, detail-type: X}\n",
            "source and detail-type are for routes to a bus",
        ),
        ("routes:\n  - {method: GET, path: a, function: f}\n", "must start with /"),
    ];
    for (body, expected) in cases {
        let text = format!("version: 1\nname: s\n{body}");
        let err = parse("eddy.yaml", &text).expect_err(body);
        assert!(
            err.to_string().contains(expected),
            "{body}: {err} does not contain {expected}"
        );
    }
}

#[test]
fn functions_come_after_queues_and_before_what_uses_them() {
    let p = plan(&functions_stack(), &empty_server());
    assert_eq!(
        summary(&p),
        [
            "create queue failures",
            "create queue payments",
            "create function create-order",
            "create function pay",
            "create mapping payments→pay",
            "create rule default/paid",
            "create route POST /orders",
            "create route POST /signup",
        ]
    );
    assert_eq!(
        p.steps[3].detail,
        "python3 app.handler in /home/me/shop/functions/pay"
    );
    assert_eq!(
        p.steps[4].detail,
        "batch-size 10, batch-window 1, report-batch-item-failures"
    );
    assert_eq!(p.steps[6].detail, "→ function:create-order");
    assert_eq!(
        p.steps[7].detail,
        "→ bus:default (source eddy.route, detail-type SignUp)"
    );
    assert!(
        p.steps[5].detail.ends_with("targets pay→function:pay"),
        "{}",
        p.steps[5].detail
    );
}

#[test]
fn functions_get_the_servers_defaults_arns_and_the_stack_tag() {
    let p = plan(&functions_stack(), &empty_server());
    let pay = function_step(&p, "pay");
    assert_eq!(
        (pay.timeout, pay.memory, pay.min_warm),
        (Some(3), Some(128), Some(0))
    );
    assert_eq!(pay.code, "/home/me/shop/functions/pay");
    assert_eq!(
        pay.on_failure.as_deref(),
        Some("arn:aws:sqs:us-east-1:000000000000:failures")
    );
    assert_eq!(
        pay.dead_letter.as_deref(),
        Some("arn:aws:sqs:us-east-1:000000000000:failures")
    );
    assert_eq!(pay.tags, stack_tags("shop"));
    let create = function_step(&p, "create-order");
    assert_eq!(
        create.on_success.as_deref(),
        Some("arn:aws:events:us-east-1:000000000000:event-bus/default")
    );
    for step in &p.steps {
        if let Change::PutRoute(r) = &step.change {
            assert_eq!(r.tags, stack_tags("shop"), "{}", step.name);
        }
    }
}

#[test]
fn a_second_apply_of_functions_mappings_and_routes_has_no_changes() {
    let stack = functions_stack();
    let after = server_after(&plan(&stack, &empty_server()));
    let second = plan(&stack, &after);
    assert!(second.is_empty(), "{:#?}", second.steps);

    // A bus route that leaves out source and detail-type gets the server's: no change.
    let mut bare =
        parse("eddy.yaml", &FUNCTIONS.replace(", detail-type: SignUp", "")).expect("valid");
    bare.resolve_paths(std::path::Path::new("/home/me/shop"));
    let mut after = after;
    for r in after.routes.iter_mut().filter(|r| r.bus.is_some()) {
        r.source = Some("eddy.route".into());
        r.detail_type = Some("POST /signup".into());
    }
    let p = plan(&bare, &after);
    assert!(p.is_empty(), "{:#?}", p.steps);
}

#[test]
fn a_function_destination_given_by_arn_compares_equal() {
    let stack = functions_stack();
    let after = server_after(&plan(&stack, &empty_server()));
    let edited = FUNCTIONS
        .replace(
            "on-failure: {queue: failures}",
            "on-failure: arn:aws:sqs:us-east-1:000000000000:failures",
        )
        .replace(
            "targets: [{id: pay, function: pay}]",
            "targets: [{id: pay, arn: 'arn:aws:lambda:us-east-1:000000000000:function:pay'}]",
        );
    let mut edited = parse("eddy.yaml", &edited).expect("valid");
    edited.resolve_paths(std::path::Path::new("/home/me/shop"));
    let p = plan(&edited, &after);
    assert!(p.is_empty(), "{:#?}", p.steps);
}

#[test]
fn changed_function_settings_update_the_function() {
    let stack = functions_stack();
    let after = server_after(&plan(&stack, &empty_server()));
    let edited = FUNCTIONS
        .replace("    timeout: 10\n", "    timeout: 20\n")
        .replace(
            "{TABLE: orders, RETRIES: 3, DEBUG: false}",
            "{TABLE: orders2, RETRIES: 3, LEVEL: info}",
        )
        .replace("code: /srv/create-order", "code: /srv/v2/create-order");
    let mut edited = parse("eddy.yaml", &edited).expect("valid");
    edited.resolve_paths(std::path::Path::new("/home/me/shop"));
    let p = plan(&edited, &after);
    assert_eq!(
        summary(&p),
        ["update function create-order", "update function pay"]
    );
    assert_eq!(
        p.steps[0].detail,
        "code: /srv/create-order → /srv/v2/create-order; timeout: 10 → 20"
    );
    assert_eq!(p.steps[1].detail, "environment +LEVEL ~TABLE -DEBUG");
    assert_eq!(function_step(&p, "create-order").timeout, Some(20));
}

#[test]
fn a_setting_the_file_drops_goes_back_to_the_default() {
    let stack = functions_stack();
    let after = server_after(&plan(&stack, &empty_server()));
    let edited = FUNCTIONS
        .replace("    memory: 256\n", "")
        .replace("    max-instances: 4\n", "");
    let mut edited = parse("eddy.yaml", &edited).expect("valid");
    edited.resolve_paths(std::path::Path::new("/home/me/shop"));
    let p = plan(&edited, &after);
    assert_eq!(summary(&p), ["update function create-order"]);
    assert_eq!(
        p.steps[0].detail,
        "memory: 256 → 128; max-instances: 4 → (none)"
    );
}

#[test]
fn a_changed_mapping_is_updated_in_place_by_its_id() {
    let stack = functions_stack();
    let after = server_after(&plan(&stack, &empty_server()));
    let edited = FUNCTIONS.replace("    batch-window: 1\n", "    batch-size: 5\n");
    let mut edited = parse("eddy.yaml", &edited).expect("valid");
    edited.resolve_paths(std::path::Path::new("/home/me/shop"));
    let p = plan(&edited, &after);
    assert_eq!(summary(&p), ["update mapping payments→pay"]);
    assert_eq!(p.steps[0].detail, "batch-size: 10 → 5; batch-window: 1 → 0");
    let Change::UpdateMapping(m) = &p.steps[0].change else {
        panic!("{:?}", p.steps[0])
    };
    assert_eq!(m.id, "uuid-0");
    assert_eq!(m.queue, "payments");
}

#[test]
fn a_mapping_moved_to_another_queue_is_created_there_and_deleted_here() {
    let stack = functions_stack();
    let after = server_after(&plan(&stack, &empty_server()));
    let edited = FUNCTIONS.replace("    queue: payments\n", "    queue: failures\n");
    let mut edited = parse("eddy.yaml", &edited).expect("valid");
    edited.resolve_paths(std::path::Path::new("/home/me/shop"));
    let p = plan(&edited, &after);
    assert_eq!(
        summary(&p),
        ["create mapping failures→pay", "delete mapping payments→pay"]
    );
    assert_eq!(p.steps[1].change, Change::DeleteMapping("uuid-0".into()));
}

#[test]
fn a_route_with_another_target_is_replaced() {
    let stack = functions_stack();
    let after = server_after(&plan(&stack, &empty_server()));
    let edited = FUNCTIONS.replace(
        "{method: post, path: /orders, function: create-order}",
        "{method: post, path: /orders, queue: payments}",
    );
    let mut edited = parse("eddy.yaml", &edited).expect("valid");
    edited.resolve_paths(std::path::Path::new("/home/me/shop"));
    let p = plan(&edited, &after);
    assert_eq!(summary(&p), ["update route POST /orders"]);
    assert_eq!(p.steps[0].detail, "function:create-order → queue:payments");
}

#[test]
fn removed_functions_go_after_what_uses_them_and_others_are_left_alone() {
    let stack = functions_stack();
    let mut after = server_after(&plan(&stack, &empty_server()));
    // Not the stack's: a hand-made function with its mapping and route, and a mapping a
    // person added to a function of another stack.
    after.functions.push(api::Function {
        name: "hand-made".into(),
        ..api::Function::default()
    });
    after.mappings.push(api::Mapping {
        id: "uuid-h".into(),
        function: "hand-made".into(),
        queue: "payments".into(),
        ..api::Mapping::default()
    });
    after.routes.push(api::Route {
        method: "GET".into(),
        path: "/hand-made".into(),
        function: Some("hand-made".into()),
        ..api::Route::default()
    });
    after.routes.push(api::Route {
        method: "GET".into(),
        path: "/other".into(),
        function: Some("hand-made".into()),
        tags: stack_tags("other"),
        ..api::Route::default()
    });
    assert!(plan(&stack, &after).is_empty());

    let empty = parse("eddy.yaml", "version: 1\nname: shop\n").expect("valid");
    let p = plan(&empty, &after);
    assert_eq!(
        summary(&p),
        [
            "delete route POST /orders",
            "delete route POST /signup",
            "delete mapping payments→pay",
            "delete rule default/paid",
            "delete function create-order",
            "delete function pay",
            "delete queue failures",
            "delete queue payments",
        ]
    );
    assert_eq!(
        p.steps[0].change,
        Change::DeleteRoute {
            method: "POST".into(),
            path: "/orders".into()
        }
    );
}

#[test]
fn a_mapping_of_a_stack_function_the_file_does_not_name_is_deleted() {
    let stack = functions_stack();
    let mut after = server_after(&plan(&stack, &empty_server()));
    after.mappings.push(api::Mapping {
        id: "uuid-x".into(),
        function: "pay".into(),
        queue: "failures".into(),
        ..api::Mapping::default()
    });
    let p = plan(&stack, &after);
    assert_eq!(summary(&p), ["delete mapping failures→pay"]);
}

#[test]
fn the_documented_stack_file_parses() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/cli.md");
    let text = std::fs::read_to_string(path).expect("docs/cli.md");
    let section = text
        .split("### The stack file, version 1")
        .nth(1)
        .expect("the stack file section");
    let yaml = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a yaml block");
    let stack = parse("docs/cli.md", yaml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stack.functions.len(), 2);
    assert_eq!(stack.mappings.len(), 1);
    assert_eq!(stack.routes.len(), 3);
    let p = plan(&stack, &empty_server());
    assert!(
        p.steps.iter().any(|s| s.kind == Kind::Route),
        "{:#?}",
        p.steps
    );
}

#[test]
fn the_module_docs_stack_file_parses() {
    let source = include_str!("mod.rs");
    let yaml: String = source
        .lines()
        .map_while(|l| l.strip_prefix("//!"))
        .skip_while(|l| l.trim() != "```yaml")
        .skip(1)
        .take_while(|l| l.trim() != "```")
        .map(|l| format!("{}\n", l.strip_prefix(' ').unwrap_or(l)))
        .collect();
    let stack = parse("mod.rs", &yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    assert_eq!(
        (
            stack.functions.len(),
            stack.mappings.len(),
            stack.routes.len()
        ),
        (2, 1, 2)
    );
}
