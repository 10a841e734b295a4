//! FIFO behaviour: group order and blocking, deduplication, receive attempts, expired handles.

use super::tests::{ids, new_msg, recv, req, send, SEC, T0};
use super::*;
use crate::{RedrivePolicy, StoredMessage};

fn fifo() -> Queue {
    let mut config = QueueConfig::new(true);
    config
        .apply(&[("FifoQueue".to_string(), "true".to_string())], true)
        .expect("valid");
    Queue::new(
        "q.fifo",
        "arn:aws:sqs:us-east-1:000000000000:q.fifo",
        config,
    )
}

fn gmsg(id: &str, group: &str) -> NewMessage {
    let mut m = new_msg(id, &format!("body of {id}"));
    m.group_id = Some(group.into());
    m.deduplication_id = Some(id.into());
    m
}

#[test]
fn fifo_send_checks() {
    let mut q = fifo();
    let e = q.send(new_msg("m", "b"), T0).unwrap_err();
    assert_eq!(
        (e.code(), e.to_string().as_str()),
        (
            "MissingParameter",
            "The request must contain the parameter MessageGroupId."
        )
    );
    let mut m = new_msg("m", "b");
    m.group_id = Some("g".into());
    let e = q.send(m, T0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
    );
    let mut m = gmsg("m", "g");
    m.delay_seconds = Some(2);
    assert_eq!(
        q.send(m, T0).unwrap_err().to_string(),
        "Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type."
    );
    let mut m = gmsg("m", "g");
    m.delay_seconds = Some(0);
    assert!(q.send(m, T0).is_ok());
    let mut m = gmsg("m2", "g");
    m.deduplication_id = Some("a".repeat(129));
    assert_eq!(q.send(m, T0).unwrap_err().code(), "InvalidParameterValue");
}

#[test]
fn sequence_numbers_grow() {
    let mut q = fifo();
    let a = send(&mut q, gmsg("a", "g"), T0);
    let b = send(&mut q, gmsg("b", "h"), T0);
    let (sa, sb) = (
        a.sequence_number.expect("FIFO"),
        b.sequence_number.expect("FIFO"),
    );
    assert_eq!(sa.len(), 20);
    assert!(sa < sb);
}

#[test]
fn one_group_in_order_and_blocked_while_in_flight() {
    let mut q = fifo();
    for id in ["a1", "a2", "a3"] {
        send(&mut q, gmsg(id, "A"), T0);
    }
    let first = recv(&mut q, 1, T0);
    assert_eq!(ids(&first), ["a1"]);
    // a2 waits while a1 is in flight.
    assert!(recv(&mut q, 10, T0 + SEC).is_empty());
    assert_eq!(
        q.counts(T0 + SEC),
        Counts {
            visible: 2,
            not_visible: 1,
            delayed: 0
        }
    );
    q.delete(&first[0].receipt_handle, T0 + SEC)
        .expect("delete");
    // Several messages of one group may come in one batch, in order.
    let batch = recv(&mut q, 10, T0 + SEC);
    assert_eq!(ids(&batch), ["a2", "a3"]);
    // Deleting one of them does not unblock the group while the other is in flight.
    send(&mut q, gmsg("a4", "A"), T0 + 2 * SEC);
    q.delete(&batch[1].receipt_handle, T0 + 2 * SEC)
        .expect("delete");
    assert!(recv(&mut q, 10, T0 + 2 * SEC).is_empty());
    q.delete(&batch[0].receipt_handle, T0 + 2 * SEC)
        .expect("delete");
    assert_eq!(ids(&recv(&mut q, 10, T0 + 2 * SEC)), ["a4"]);
}

#[test]
fn other_groups_are_served_while_one_is_blocked() {
    let mut q = fifo();
    send(&mut q, gmsg("a1", "A"), T0);
    send(&mut q, gmsg("b1", "B"), T0 + 1);
    send(&mut q, gmsg("a2", "A"), T0 + 2);
    send(&mut q, gmsg("c1", "C"), T0 + 3);
    assert_eq!(ids(&recv(&mut q, 1, T0 + 10)), ["a1"]);
    assert_eq!(ids(&recv(&mut q, 10, T0 + 10)), ["b1", "c1"]);
    assert!(recv(&mut q, 10, T0 + 10).is_empty());
}

#[test]
fn a_batch_takes_a_whole_group_before_the_next() {
    let mut q = fifo();
    send(&mut q, gmsg("a1", "A"), T0);
    send(&mut q, gmsg("b1", "B"), T0 + 1);
    send(&mut q, gmsg("a2", "A"), T0 + 2);
    send(&mut q, gmsg("b2", "B"), T0 + 3);
    assert_eq!(ids(&recv(&mut q, 3, T0 + 10)), ["a1", "a2", "b1"]);
    // b2 waits for b1.
    assert!(recv(&mut q, 10, T0 + 10).is_empty());
}

#[test]
fn a_timed_out_group_is_redelivered_in_order() {
    let mut q = fifo();
    send(&mut q, gmsg("a1", "A"), T0);
    send(&mut q, gmsg("a2", "A"), T0);
    assert_eq!(ids(&recv(&mut q, 10, T0)), ["a1", "a2"]);
    assert_eq!(q.next_change(T0), Some(T0 + 30 * SEC));
    let again = recv(&mut q, 10, T0 + 30 * SEC);
    assert_eq!(ids(&again), ["a1", "a2"]);
    assert!(again.iter().all(|r| r.message.receive_count == 2));
}

#[test]
fn releasing_one_message_of_a_batch_keeps_the_group_blocked_until_all_are_back() {
    let mut q = fifo();
    send(&mut q, gmsg("a1", "A"), T0);
    send(&mut q, gmsg("a2", "A"), T0);
    let batch = recv(&mut q, 10, T0);
    q.change_visibility(&batch[0].receipt_handle, 0, T0 + SEC)
        .expect("release");
    assert!(recv(&mut q, 10, T0 + SEC).is_empty());
    q.change_visibility(&batch[1].receipt_handle, 0, T0 + SEC)
        .expect("release");
    assert_eq!(ids(&recv(&mut q, 10, T0 + SEC)), ["a1", "a2"]);
}

#[test]
fn queue_delay_applies_to_fifo_messages() {
    let mut q = fifo();
    q.config_mut().delay_seconds = 10;
    send(&mut q, gmsg("a1", "A"), T0);
    assert_eq!(
        q.counts(T0),
        Counts {
            visible: 0,
            not_visible: 0,
            delayed: 1
        }
    );
    assert!(recv(&mut q, 10, T0).is_empty());
    assert_eq!(q.next_change(T0), Some(T0 + 10 * SEC));
    assert_eq!(ids(&recv(&mut q, 10, T0 + 10 * SEC)), ["a1"]);
}

#[test]
fn explicit_deduplication_within_five_minutes() {
    let mut q = fifo();
    let first = send(&mut q, gmsg("m1", "g"), T0);
    q.take_changes();
    let mut dup = gmsg("m2", "other-group");
    dup.deduplication_id = Some("m1".into());
    let again = q.send(dup.clone(), T0 + 299 * SEC).expect("send");
    assert!(again.duplicate);
    assert_eq!(again.message_id, "m1");
    assert_eq!(again.seq, first.seq);
    assert_eq!(again.sequence_number, first.sequence_number);
    assert!(q.take_changes().is_empty());
    assert_eq!(q.len(), 1);
    // Even after the first is received and deleted, the id stays taken within the window.
    let h = recv(&mut q, 1, T0 + 299 * SEC)[0].receipt_handle.clone();
    q.delete(&h, T0 + 299 * SEC).expect("delete");
    assert!(q.send(dup.clone(), T0 + 299 * SEC).expect("send").duplicate);
    let later = q.send(dup, T0 + 300 * SEC).expect("send");
    assert!(!later.duplicate);
    assert_eq!(later.message_id, "m2");
}

#[test]
fn content_based_deduplication() {
    let mut q = fifo();
    q.config_mut().content_based_deduplication = true;
    let mut m = new_msg("m1", "same body");
    m.group_id = Some("g".into());
    let first = send(&mut q, m.clone(), T0);
    let mut m2 = m.clone();
    m2.message_id = "m2".into();
    let dup = q.send(m2.clone(), T0 + SEC).expect("send");
    assert!(dup.duplicate);
    assert_eq!(dup.message_id, "m1");
    m2.body = "other body".into();
    assert!(!q.send(m2, T0 + SEC).expect("send").duplicate);
    // An explicit id wins over the body's hash.
    let mut m3 = m.clone();
    m3.deduplication_id = Some("explicit".into());
    assert!(!q.send(m3, T0 + SEC).expect("send").duplicate);
    let got = recv(&mut q, 1, T0 + 2 * SEC);
    assert_eq!(got[0].message.seq, first.seq);
    assert_eq!(
        got[0].message.deduplication_id.as_deref(),
        Some(sha256_hex(b"same body").as_str())
    );
}

#[test]
fn message_group_deduplication_scope() {
    let mut q = fifo();
    q.config_mut().deduplication_scope = DeduplicationScope::MessageGroup;
    send(&mut q, gmsg("m1", "A"), T0);
    let mut other_group = gmsg("m2", "B");
    other_group.deduplication_id = Some("m1".into());
    assert!(!q.send(other_group, T0).expect("send").duplicate);
    let mut same_group = gmsg("m3", "A");
    same_group.deduplication_id = Some("m1".into());
    assert!(q.send(same_group, T0).expect("send").duplicate);
}

#[test]
fn an_aborted_send_frees_its_deduplication_id() {
    let mut q = fifo();
    let sent = q.send(gmsg("m1", "g"), T0).expect("send");
    q.abort_send(sent.seq);
    let again = q.send(gmsg("m1", "g"), T0).expect("send");
    assert!(!again.duplicate);
    assert_ne!(again.seq, sent.seq);
}

#[test]
fn a_receive_retried_with_its_attempt_id_gets_the_same_messages() {
    let mut q = fifo();
    send(&mut q, gmsg("a1", "A"), T0);
    send(&mut q, gmsg("a2", "A"), T0);
    send(&mut q, gmsg("b1", "B"), T0);
    let r = ReceiveRequest {
        max_messages: 2,
        visibility_timeout: None,
        receive_request_attempt_id: Some("try-1".into()),
    };
    let first = q.receive(&r, T0).expect("receive").messages;
    assert_eq!(ids(&first), ["a1", "a2"]);
    let retry = q.receive(&r, T0 + 10 * SEC).expect("receive").messages;
    assert_eq!(ids(&retry), ["a1", "a2"]);
    assert_eq!(
        retry.iter().map(|r| &r.receipt_handle).collect::<Vec<_>>(),
        first.iter().map(|r| &r.receipt_handle).collect::<Vec<_>>()
    );
    // The retry reset the visibility timeout and did not count as another receive.
    assert!(retry
        .iter()
        .all(|r| r.message.receive_count == 1 && r.message.visible_at == T0 + 40 * SEC));
    q.delete(&retry[0].receipt_handle, T0 + 11 * SEC)
        .expect("the handle is current");
    // Once a message changed, the same attempt id receives afresh.
    let fresh = q.receive(&r, T0 + 12 * SEC).expect("receive").messages;
    assert_eq!(ids(&fresh), ["b1"]);
    // Another id is another receive.
    let other = ReceiveRequest {
        receive_request_attempt_id: Some("try-2".into()),
        ..r.clone()
    };
    assert!(q
        .receive(&other, T0 + 12 * SEC)
        .expect("receive")
        .messages
        .is_empty());
    let bad = ReceiveRequest {
        receive_request_attempt_id: Some(String::new()),
        ..r
    };
    assert_eq!(
        q.receive(&bad, T0).unwrap_err().code(),
        "InvalidParameterValue"
    );
}

#[test]
fn attempt_ids_expire_after_five_minutes() {
    let mut q = fifo();
    send(&mut q, gmsg("a1", "A"), T0);
    let r = ReceiveRequest {
        max_messages: 1,
        visibility_timeout: Some(600),
        receive_request_attempt_id: Some("x".into()),
    };
    let first = q.receive(&r, T0).expect("receive").messages;
    assert_eq!(first.len(), 1);
    // Still in flight at five minutes, but the attempt id is forgotten: a new receive, which
    // finds the group blocked.
    assert!(q
        .receive(&r, T0 + 300 * SEC)
        .expect("receive")
        .messages
        .is_empty());
}

#[test]
fn fifo_deletes_need_the_current_unexpired_handle() {
    let mut q = fifo();
    send(&mut q, gmsg("a1", "A"), T0);
    let h1 = recv(&mut q, 1, T0)[0].receipt_handle.clone();
    let e = q.delete(&h1, T0 + 30 * SEC).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert_eq!(e.to_string(), format!("Value {h1} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired."));
    let h2 = recv(&mut q, 1, T0 + 30 * SEC)[0].receipt_handle.clone();
    assert!(q.delete(&h1, T0 + 31 * SEC).is_err());
    q.delete(&h2, T0 + 31 * SEC).expect("current handle");
    assert!(q.is_empty());
}

#[test]
fn fifo_redrive_keeps_the_group_order() {
    let mut q = fifo();
    q.config_mut().redrive_policy = Some(RedrivePolicy {
        dead_letter_target_arn: "arn:aws:sqs:us-east-1:000000000000:dlq.fifo".into(),
        max_receive_count: 1,
    });
    send(&mut q, gmsg("a1", "A"), T0);
    send(&mut q, gmsg("a2", "A"), T0);
    assert_eq!(ids(&recv(&mut q, 1, T0)), ["a1"]);
    let got = q.receive(&req(1), T0 + 30 * SEC).expect("receive");
    assert_eq!(
        got.dead_lettered
            .iter()
            .map(|m| m.message_id.as_str())
            .collect::<Vec<_>>(),
        ["a1"]
    );
    assert_eq!(ids(&got.messages), ["a2"]);
}

#[test]
fn fifo_restore_keeps_groups_blocked_and_dedup_ids() {
    let mut q = fifo();
    send(&mut q, gmsg("a1", "A"), T0);
    send(&mut q, gmsg("a2", "A"), T0);
    send(&mut q, gmsg("b1", "B"), T0);
    recv(&mut q, 1, T0);
    let stored: Vec<StoredMessage> = q.slots.values().map(|m| StoredMessage::clone(m)).collect();
    let mut back = fifo();
    back.restore(stored, T0 + SEC);
    assert_eq!(ids(&recv(&mut back, 10, T0 + SEC)), ["b1"]);
    assert!(
        back.send(gmsg("a2", "A"), T0 + 2 * SEC)
            .expect("send")
            .duplicate
    );
    assert_eq!(ids(&recv(&mut back, 10, T0 + 30 * SEC)), ["a1", "a2"]);
}

#[test]
fn fifo_move_and_purge() {
    let mut q = fifo();
    send(&mut q, gmsg("a1", "A"), T0);
    send(&mut q, gmsg("a2", "A"), T0);
    send(&mut q, gmsg("b1", "B"), T0);
    let moved = q.take_for_move(2, T0);
    assert_eq!(
        moved
            .iter()
            .map(|m| m.message_id.as_str())
            .collect::<Vec<_>>(),
        ["a1", "a2"]
    );
    let mut target = fifo();
    for m in moved {
        target.accept_moved(m, T0);
    }
    assert_eq!(ids(&recv(&mut target, 10, T0)), ["a1", "a2"]);
    q.purge();
    assert!(q.is_empty());
    assert!(recv(&mut q, 10, T0).is_empty());
    send(&mut q, gmsg("b2", "B"), T0);
    assert_eq!(ids(&recv(&mut q, 10, T0)), ["b2"]);
}
