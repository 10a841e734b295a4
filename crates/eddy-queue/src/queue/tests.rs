//! Standard-queue behaviour, moving `now` forward by hand.

use super::*;
use crate::{AttributeValue, MessageAttribute, RedrivePolicy};

pub(super) const T0: Millis = 1_700_000_000_000;
pub(super) const SEC: Millis = 1000;

pub(super) fn new_msg(id: &str, body: &str) -> NewMessage {
    NewMessage {
        message_id: id.into(),
        body: body.into(),
        attributes: vec![],
        system_attributes: vec![],
        delay_seconds: None,
        group_id: None,
        deduplication_id: None,
        sender_id: "AIDAEXAMPLE".into(),
    }
}

pub(super) fn standard() -> Queue {
    Queue::new(
        "q",
        "arn:aws:sqs:us-east-1:000000000000:q",
        QueueConfig::new(false),
    )
}

pub(super) fn send(q: &mut Queue, msg: NewMessage, now: Millis) -> Sent {
    let sent = q.send(msg, now).expect("send accepted");
    q.commit_send(sent.seq);
    sent
}

pub(super) fn req(max: u32) -> ReceiveRequest {
    ReceiveRequest {
        max_messages: max,
        visibility_timeout: None,
        receive_request_attempt_id: None,
    }
}

pub(super) fn recv(q: &mut Queue, max: u32, now: Millis) -> Vec<Received> {
    q.receive(&req(max), now).expect("receive").messages
}

pub(super) fn ids(received: &[Received]) -> Vec<String> {
    received
        .iter()
        .map(|r| r.message.message_id.clone())
        .collect()
}

fn counts(visible: u64, not_visible: u64, delayed: u64) -> Counts {
    Counts {
        visible,
        not_visible,
        delayed,
    }
}

#[test]
fn a_sent_message_is_pending_until_committed() {
    let mut q = standard();
    let sent = q.send(new_msg("m1", "hello"), T0).expect("send");
    assert!(!sent.duplicate);
    assert_eq!(sent.sequence_number, None);
    assert!(
        matches!(q.take_changes().as_slice(), [Change::Put(m)] if m.message_id == "m1" && m.seq == sent.seq)
    );
    assert!(recv(&mut q, 10, T0).is_empty());
    assert_eq!(q.counts(T0), counts(0, 0, 0));
    assert!(q.is_empty());
    q.commit_send(sent.seq);
    assert_eq!(q.len(), 1);
    assert_eq!(q.counts(T0), counts(1, 0, 0));
    assert_eq!(ids(&recv(&mut q, 10, T0)), ["m1"]);
}

#[test]
fn an_aborted_send_is_forgotten() {
    let mut q = standard();
    let sent = q.send(new_msg("m1", "hello"), T0).expect("send");
    q.abort_send(sent.seq);
    q.commit_send(sent.seq);
    assert!(q.is_empty());
    assert!(recv(&mut q, 10, T0).is_empty());
}

#[test]
fn receive_takes_the_oldest_first_and_marks_the_receive() {
    let mut q = standard();
    for i in 0..5 {
        send(&mut q, new_msg(&format!("m{i}"), "b"), T0 + i);
    }
    q.take_changes();
    let got = recv(&mut q, 3, T0 + 10);
    assert_eq!(ids(&got), ["m0", "m1", "m2"]);
    for r in &got {
        assert_eq!(r.message.receive_count, 1);
        assert_eq!(r.message.first_received_at, Some(T0 + 10));
        assert_eq!(r.message.visible_at, T0 + 10 + 30 * SEC);
        assert_eq!(r.md5_of_body, crate::md5_of_body("b"));
    }
    let changes = q.take_changes();
    assert_eq!(changes.len(), 3);
    assert!(
        matches!(changes[0], Change::Update { receive_count: 1, visible_at, first_received_at: Some(_), .. } if visible_at == T0 + 10 + 30 * SEC)
    );
    assert_eq!(q.counts(T0 + 10), counts(2, 3, 0));
    assert_eq!(ids(&recv(&mut q, 10, T0 + 10)), ["m3", "m4"]);
    assert!(recv(&mut q, 10, T0 + 10).is_empty());
}

#[test]
fn an_unacknowledged_message_comes_back_after_its_visibility_timeout() {
    let mut q = standard();
    send(&mut q, new_msg("m1", "b"), T0);
    let first = recv(&mut q, 1, T0);
    assert!(recv(&mut q, 1, T0 + 30 * SEC - 1).is_empty());
    assert_eq!(q.next_change(T0), Some(T0 + 30 * SEC));
    let second = recv(&mut q, 1, T0 + 30 * SEC);
    assert_eq!(ids(&second), ["m1"]);
    assert_eq!(second[0].message.receive_count, 2);
    assert_eq!(second[0].message.first_received_at, Some(T0));
    assert_ne!(first[0].receipt_handle, second[0].receipt_handle);
}

#[test]
fn the_visibility_timeout_of_a_receive_overrides_the_queues() {
    let mut q = standard();
    send(&mut q, new_msg("m1", "b"), T0);
    let r = ReceiveRequest {
        max_messages: 1,
        visibility_timeout: Some(5),
        receive_request_attempt_id: None,
    };
    assert_eq!(q.receive(&r, T0).expect("receive").messages.len(), 1);
    assert!(recv(&mut q, 1, T0 + 4 * SEC).is_empty());
    assert_eq!(recv(&mut q, 1, T0 + 5 * SEC).len(), 1);
}

#[test]
fn a_zero_visibility_timeout_leaves_the_message_visible_but_returns_it_once_per_call() {
    let mut q = standard();
    send(&mut q, new_msg("m1", "b"), T0);
    let r = ReceiveRequest {
        max_messages: 10,
        visibility_timeout: Some(0),
        receive_request_attempt_id: None,
    };
    assert_eq!(q.receive(&r, T0).expect("receive").messages.len(), 1);
    assert_eq!(q.counts(T0), counts(1, 0, 0));
    assert_eq!(recv(&mut q, 10, T0)[0].message.receive_count, 2);
}

#[test]
fn delays_per_message_and_per_queue() {
    let mut q = standard();
    let mut m = new_msg("late", "b");
    m.delay_seconds = Some(10);
    send(&mut q, m, T0);
    send(&mut q, new_msg("now", "b"), T0);
    assert_eq!(q.counts(T0), counts(1, 0, 1));
    assert_eq!(ids(&recv(&mut q, 10, T0)), ["now"]);
    assert_eq!(q.next_change(T0), Some(T0 + 10 * SEC));
    assert_eq!(q.counts(T0 + 10 * SEC), counts(1, 1, 0));
    assert_eq!(ids(&recv(&mut q, 10, T0 + 10 * SEC)), ["late"]);

    let mut q = standard();
    q.config_mut().delay_seconds = 5;
    send(&mut q, new_msg("a", "b"), T0);
    let mut zero = new_msg("z", "b");
    zero.delay_seconds = Some(0);
    send(&mut q, zero, T0);
    assert_eq!(ids(&recv(&mut q, 10, T0)), ["z"]);
    assert_eq!(ids(&recv(&mut q, 10, T0 + 5 * SEC)), ["a"]);
}

#[test]
fn delete_with_the_current_or_an_older_handle() {
    let mut q = standard();
    send(&mut q, new_msg("m1", "b"), T0);
    send(&mut q, new_msg("m2", "b"), T0);
    let h1 = recv(&mut q, 1, T0)[0].receipt_handle.clone();
    q.take_changes();
    q.delete(&h1, T0 + SEC).expect("delete");
    assert_eq!(q.take_changes(), vec![Change::Delete { seq: 1 }]);
    q.delete(&h1, T0 + SEC).expect("deleting again succeeds");
    assert!(q.take_changes().is_empty());
    // An older handle of a re-received message still deletes it on a standard queue.
    let old = recv(&mut q, 1, T0)[0].receipt_handle.clone();
    let new = recv(&mut q, 1, T0 + 31 * SEC)[0].receipt_handle.clone();
    assert_ne!(old, new);
    q.delete(&old, T0 + 32 * SEC).expect("delete");
    assert!(q.is_empty());
}

#[test]
fn malformed_or_foreign_handles_are_invalid() {
    let mut q = standard();
    send(&mut q, new_msg("m1", "b"), T0);
    let h = recv(&mut q, 1, T0)[0].receipt_handle.clone();
    for bad in ["", "nope", &h[1..], &h.to_uppercase()] {
        let e = q.delete(bad, T0).unwrap_err();
        assert_eq!(e.code(), "ReceiptHandleIsInvalid");
        assert_eq!(
            e.to_string(),
            format!("The input receipt handle \"{bad}\" is not a valid receipt handle.")
        );
        assert_eq!(
            q.change_visibility(bad, 1, T0).unwrap_err().code(),
            "ReceiptHandleIsInvalid"
        );
    }
    let mut other = Queue::new(
        "other",
        "arn:aws:sqs:us-east-1:000000000000:other",
        QueueConfig::new(false),
    );
    send(&mut other, new_msg("x", "b"), T0);
    assert_eq!(
        other.delete(&h, T0).unwrap_err().code(),
        "ReceiptHandleIsInvalid"
    );
    assert_eq!(q.len(), 1);
}

#[test]
fn change_visibility() {
    let mut q = standard();
    send(&mut q, new_msg("m1", "b"), T0);
    let h = recv(&mut q, 1, T0)[0].receipt_handle.clone();
    q.take_changes();
    q.change_visibility(&h, 100, T0 + 10 * SEC).expect("extend");
    assert_eq!(
        q.take_changes(),
        vec![Change::Update {
            seq: 1,
            visible_at: T0 + 110 * SEC,
            receive_count: 1,
            first_received_at: Some(T0)
        }]
    );
    assert!(recv(&mut q, 1, T0 + 109 * SEC).is_empty());
    q.change_visibility(&h, 0, T0 + 20 * SEC).expect("release");
    assert_eq!(q.counts(T0 + 20 * SEC), counts(1, 0, 0));
    // Visible again: not in flight.
    assert_eq!(
        q.change_visibility(&h, 10, T0 + 20 * SEC).unwrap_err(),
        Error::MessageNotInflight
    );
    let h2 = recv(&mut q, 1, T0 + 20 * SEC)[0].receipt_handle.clone();
    // The older handle is no longer the message's.
    assert_eq!(
        q.change_visibility(&h, 10, T0 + 21 * SEC).unwrap_err(),
        Error::MessageNotInflight
    );
    let e = q.change_visibility(&h2, 43_201, T0 + 21 * SEC).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    // 12 hours from the receive at T0 + 20 s, at most.
    q.change_visibility(&h2, 43_200, T0 + 20 * SEC)
        .expect("exactly 12 h");
    let e = q.change_visibility(&h2, 43_200, T0 + 21 * SEC).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]"
    );
    q.delete(&h2, T0 + 22 * SEC).expect("delete");
    let e = q.change_visibility(&h2, 10, T0 + 22 * SEC).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert!(e.to_string().ends_with(
        "Reason: Message does not exist or is not available for visibility timeout change."
    ));
}

#[test]
fn receive_parameters_are_checked() {
    let mut q = standard();
    for n in [0, 11] {
        let e = q.receive(&req(n), T0).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("Value {n} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.")
        );
    }
    let r = ReceiveRequest {
        max_messages: 1,
        visibility_timeout: Some(43_201),
        receive_request_attempt_id: None,
    };
    assert_eq!(
        q.receive(&r, T0).unwrap_err().code(),
        "InvalidParameterValue"
    );
    // Attempt ids are a FIFO feature; standard queues ignore them.
    let r = ReceiveRequest {
        max_messages: 1,
        visibility_timeout: None,
        receive_request_attempt_id: Some(" ".into()),
    };
    assert!(q.receive(&r, T0).is_ok());
}

fn with_redrive(max_receive_count: u32) -> Queue {
    let mut q = standard();
    q.config_mut().redrive_policy = Some(RedrivePolicy {
        dead_letter_target_arn: "arn:aws:sqs:us-east-1:000000000000:dlq".into(),
        max_receive_count,
    });
    q
}

#[test]
fn redrive_after_max_receive_count() {
    let mut q = with_redrive(2);
    send(&mut q, new_msg("m1", "b"), T0);
    send(&mut q, new_msg("m2", "b"), T0);
    let mut now = T0;
    for round in 1..=2 {
        let got = q.receive(&req(1), now).expect("receive");
        assert_eq!(ids(&got.messages), ["m1"], "round {round}");
        assert!(got.dead_lettered.is_empty());
        now += 31 * SEC;
    }
    q.take_changes();
    let got = q.receive(&req(1), now).expect("receive");
    assert_eq!(ids(&got.messages), ["m2"]);
    assert_eq!(got.dead_lettered.len(), 1);
    let dead = &got.dead_lettered[0];
    assert_eq!(dead.message_id, "m1");
    assert_eq!(dead.receive_count, 2);
    assert_eq!(
        dead.dead_letter_source_arn.as_deref(),
        Some("arn:aws:sqs:us-east-1:000000000000:q")
    );
    assert_eq!(q.take_changes()[0], Change::Delete { seq: 1 });
    assert_eq!(q.len(), 1);
}

#[test]
fn retention_drops_old_messages_even_in_flight() {
    let mut q = standard();
    q.config_mut().message_retention_period = 60;
    send(&mut q, new_msg("old", "b"), T0);
    send(&mut q, new_msg("new", "b"), T0 + 30 * SEC);
    recv(&mut q, 1, T0);
    assert_eq!(q.next_change(T0), Some(T0 + 30 * SEC));
    assert_eq!(q.next_change(T0 + 30 * SEC), Some(T0 + 60 * SEC));
    q.take_changes();
    q.expire(T0 + 60 * SEC - 1);
    assert_eq!(q.len(), 2);
    q.expire(T0 + 60 * SEC);
    assert_eq!(q.take_changes(), vec![Change::Delete { seq: 1 }]);
    assert_eq!(q.len(), 1);
    // A receive never returns an expired message, even if `expire` was not called.
    assert!(recv(&mut q, 10, T0 + 90 * SEC).is_empty());
    assert!(q.is_empty());
    assert_eq!(q.next_change(T0 + 90 * SEC), None);
}

#[test]
fn purge_deletes_committed_messages_only() {
    let mut q = standard();
    send(&mut q, new_msg("a", "b"), T0);
    send(&mut q, new_msg("b", "b"), T0);
    recv(&mut q, 1, T0);
    let pending = q.send(new_msg("c", "b"), T0).expect("send");
    q.take_changes();
    q.purge();
    assert_eq!(
        q.take_changes(),
        vec![Change::Delete { seq: 1 }, Change::Delete { seq: 2 }]
    );
    assert_eq!(q.counts(T0), counts(0, 0, 0));
    q.commit_send(pending.seq);
    assert_eq!(ids(&recv(&mut q, 10, T0)), ["c"]);
}

#[test]
fn send_checks() {
    let mut q = standard();
    assert_eq!(
        q.send(new_msg("m", ""), T0).unwrap_err().code(),
        "MissingParameter"
    );
    assert_eq!(
        q.send(new_msg("m", "a\u{0}"), T0).unwrap_err().code(),
        "InvalidMessageContents"
    );
    let mut m = new_msg("m", "b");
    m.deduplication_id = Some("d".into());
    assert_eq!(
        q.send(m, T0).unwrap_err().to_string(),
        "Value d for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type."
    );
    let mut m = new_msg("m", "b");
    m.delay_seconds = Some(901);
    assert_eq!(
        q.send(m, T0).unwrap_err().to_string(),
        "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."
    );
    let mut m = new_msg("m", "b");
    m.group_id = Some("group 1".into());
    assert_eq!(q.send(m, T0).unwrap_err().code(), "InvalidParameterValue");
    q.config_mut().maximum_message_size = 1024;
    assert!(q.send(new_msg("m", &"x".repeat(1024)), T0).is_ok());
    let e = q.send(new_msg("m", &"x".repeat(1025)), T0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes."
    );
    // Attributes count towards the size.
    let mut m = new_msg("m", &"x".repeat(1000));
    m.attributes = vec![MessageAttribute {
        name: "a".into(),
        data_type: "String".into(),
        value: AttributeValue::String("y".repeat(20)),
    }];
    assert_eq!(q.send(m, T0).unwrap_err().code(), "InvalidParameterValue");
}

#[test]
fn send_returns_the_digests_and_keeps_the_attributes() {
    let mut q = standard();
    let mut m = new_msg("m", "This is a test message");
    m.attributes = vec![
        MessageAttribute {
            name: "Author".into(),
            data_type: "String".into(),
            value: AttributeValue::String("John Grisham".into()),
        },
        MessageAttribute {
            name: "Title".into(),
            data_type: "String".into(),
            value: AttributeValue::String("The Whistler".into()),
        },
        MessageAttribute {
            name: "WeeksOn".into(),
            data_type: "Number".into(),
            value: AttributeValue::String("6".into()),
        },
    ];
    m.system_attributes = vec![MessageAttribute {
        name: "AWSTraceHeader".into(),
        data_type: "String".into(),
        value: AttributeValue::String(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1".into(),
        ),
    }];
    let digests = crate::SendDigests::of(&m.body, &m.attributes, &m.system_attributes);
    assert_eq!(digests.md5_of_body, "fafb00f5732ab283681e124bf8747ed1");
    assert_eq!(
        digests.md5_of_message_attributes.as_deref(),
        Some("d25a6aea97eb8f585bfa92d314504a92")
    );
    assert_eq!(
        digests.md5_of_message_system_attributes.as_deref(),
        Some("5ae4d5d7636402d80f4eb6d213245a88")
    );
    send(&mut q, m, T0);
    let got = recv(&mut q, 1, T0);
    assert_eq!(
        got[0].md5_of_message_attributes.as_deref(),
        Some("d25a6aea97eb8f585bfa92d314504a92")
    );
    assert_eq!(got[0].message.attributes.len(), 3);
    let sys = crate::select_system_attributes(&got[0].message, &["AWSTraceHeader".to_string()]);
    assert_eq!(sys[0].0, "AWSTraceHeader");
}

#[test]
fn restore_keeps_messages_in_flight_until_their_time() {
    let mut q = standard();
    send(&mut q, new_msg("a", "b"), T0);
    send(&mut q, new_msg("b", "b"), T0);
    let mut late = new_msg("c", "b");
    late.delay_seconds = Some(60);
    send(&mut q, late, T0);
    let h = recv(&mut q, 1, T0)[0].receipt_handle.clone();
    let stored: Vec<StoredMessage> = q.slots.values().map(|m| StoredMessage::clone(m)).collect();

    let mut back = standard();
    back.restore(stored, T0 + SEC);
    assert_eq!(back.len(), 3);
    assert_eq!(back.counts(T0 + SEC), counts(1, 1, 1));
    assert_eq!(ids(&recv(&mut back, 10, T0 + SEC)), ["b"]);
    back.delete(&h, T0 + 2 * SEC)
        .expect("the handle from before the restart still works");
    let sent = send(&mut back, new_msg("d", "b"), T0 + 2 * SEC);
    assert_eq!(sent.seq, 4);
    // "b" is visible again by then (its 30 s ran out).
    assert_eq!(ids(&recv(&mut back, 10, T0 + 60 * SEC)), ["b", "c", "d"]);
}

#[test]
fn move_out_and_in() {
    let mut dlq = standard();
    send(&mut dlq, new_msg("a", "b"), T0);
    send(&mut dlq, new_msg("b", "b"), T0);
    send(&mut dlq, new_msg("c", "b"), T0);
    recv(&mut dlq, 1, T0);
    dlq.take_changes();
    let moved = dlq.take_for_move(10, T0);
    assert_eq!(
        moved
            .iter()
            .map(|m| m.message_id.as_str())
            .collect::<Vec<_>>(),
        ["b", "c"]
    );
    assert_eq!(
        dlq.take_changes(),
        vec![Change::Delete { seq: 2 }, Change::Delete { seq: 3 }]
    );
    assert_eq!(dlq.len(), 1);

    let mut source = standard();
    send(&mut source, new_msg("x", "b"), T0);
    source.take_changes();
    for m in moved {
        source.accept_moved(m, T0 + SEC);
    }
    let changes = source.take_changes();
    assert!(
        matches!(&changes[..], [Change::Put(a), Change::Put(b)] if a.seq == 2 && b.seq == 3 && a.receive_count == 0)
    );
    let got = recv(&mut source, 10, T0 + SEC);
    assert_eq!(ids(&got), ["x", "b", "c"]);
    assert_eq!(got[1].message.sent_at, T0);
    assert_eq!(got[1].message.receive_count, 1);
}
