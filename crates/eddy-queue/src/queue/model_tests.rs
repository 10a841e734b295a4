//! Property tests against simple models: random sends, receives, deletes, visibility changes and
//! clock moves never lose a message, never hand out one in flight, and keep the counts right;
//! arbitrary input never panics.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::tests::{new_msg, standard, SEC, T0};
use super::*;

#[derive(Debug, Clone)]
enum Op {
    Send { delay: u32 },
    Receive { max: u32, timeout: u32 },
    Delete { pick: usize },
    ChangeVisibility { pick: usize, timeout: u32 },
    Advance { ms: u64 },
    Expire,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u32..3).prop_map(|delay| Op::Send { delay }),
        3 => (1u32..=10, 0u32..4).prop_map(|(max, timeout)| Op::Receive { max, timeout }),
        2 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        1 => (any::<usize>(), 0u32..4).prop_map(|(pick, timeout)| Op::ChangeVisibility { pick, timeout }),
        2 => (0u64..3000).prop_map(|ms| Op::Advance { ms }),
        1 => Just(Op::Expire),
    ]
}

/// The standard queue's redrive policy's `maxReceiveCount`.
const MAX_RECEIVES: u32 = 3;

/// The model of one message: when it is visible and how often it was received.
#[derive(Debug, Clone, Copy)]
struct Model {
    visible_at: Millis,
    receive_count: u32,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_standard_queue_agrees_with_its_model(ops in proptest::collection::vec(op(), 1..120)) {
        let mut q = standard();
        q.config_mut().visibility_timeout = 2;
        q.config_mut().redrive_policy = Some(crate::RedrivePolicy {
            dead_letter_target_arn: "arn:aws:sqs:us-east-1:000000000000:dlq".into(),
            max_receive_count: MAX_RECEIVES,
        });
        let mut model: BTreeMap<u64, Model> = BTreeMap::new();
        // Handles handed out: (handle, seq, receive count of that receive).
        let mut handles: Vec<(String, u64, u32)> = Vec::new();
        let mut now = T0;
        for op in ops {
            match op {
                Op::Send { delay } => {
                    let mut m = new_msg("m", "body");
                    m.delay_seconds = Some(delay);
                    let sent = q.send(m, now).expect("valid send");
                    q.commit_send(sent.seq);
                    model.insert(sent.seq, Model { visible_at: now + u64::from(delay) * SEC, receive_count: 0 });
                }
                Op::Receive { max, timeout } => {
                    let r = ReceiveRequest { max_messages: max, visibility_timeout: Some(timeout), receive_request_attempt_id: None };
                    let got = q.receive(&r, now).expect("valid receive");
                    let visible = model.values().filter(|m| m.visible_at <= now).count();
                    for dead in &got.dead_lettered {
                        let m = model.remove(&dead.seq).expect("a dead-lettered message existed");
                        prop_assert!(m.visible_at <= now && m.receive_count >= MAX_RECEIVES);
                    }
                    prop_assert!(got.messages.len() <= max as usize);
                    if got.messages.len() < max as usize {
                        // Short of `max`: every visible message was returned or dead-lettered.
                        prop_assert_eq!(got.messages.len() + got.dead_lettered.len(), visible);
                    }
                    let mut seen = std::collections::HashSet::new();
                    for r in &got.messages {
                        let seq = r.message.seq;
                        prop_assert!(seen.insert(seq), "returned twice in one receive");
                        let m = model.get_mut(&seq).expect("a received message exists");
                        prop_assert!(m.visible_at <= now, "handed out while not visible");
                        prop_assert!(m.receive_count < MAX_RECEIVES, "should have been dead-lettered");
                        m.receive_count += 1;
                        m.visible_at = now + u64::from(timeout) * SEC;
                        prop_assert_eq!(r.message.receive_count, m.receive_count);
                        handles.push((r.receipt_handle.clone(), seq, m.receive_count));
                    }
                }
                Op::Delete { pick } => {
                    if handles.is_empty() { continue; }
                    let (handle, seq, _) = handles[pick % handles.len()].clone();
                    prop_assert!(q.delete(&handle, now).is_ok());
                    model.remove(&seq);
                }
                Op::ChangeVisibility { pick, timeout } => {
                    if handles.is_empty() { continue; }
                    let (handle, seq, count) = handles[pick % handles.len()].clone();
                    let result = q.change_visibility(&handle, timeout, now);
                    match model.get_mut(&seq) {
                        None => prop_assert_eq!(result.map_err(|e| e.code()), Err("InvalidParameterValue")),
                        Some(m) if m.receive_count == count && m.visible_at > now => {
                            prop_assert!(result.is_ok());
                            m.visible_at = now + u64::from(timeout) * SEC;
                        }
                        Some(_) => prop_assert_eq!(result, Err(Error::MessageNotInflight)),
                    }
                }
                Op::Advance { ms } => now += ms,
                Op::Expire => q.expire(now),
            }
            let c = q.counts(now);
            let visible = model.values().filter(|m| m.visible_at <= now).count() as u64;
            let in_flight = model.values().filter(|m| m.visible_at > now && m.receive_count > 0).count() as u64;
            let delayed = model.values().filter(|m| m.visible_at > now && m.receive_count == 0).count() as u64;
            prop_assert_eq!(c, Counts { visible, not_visible: in_flight, delayed });
            prop_assert_eq!(q.len(), model.len());
            let next = model.values().map(|m| m.visible_at).filter(|&t| t > now).min();
            let expiry = q.by_sent.first().map(|&(sent_at, _)| sent_at + 345_600 * SEC);
            let want = match (next, expiry) { (Some(a), Some(b)) => Some(a.min(b)), (a, b) => a.or(b) };
            prop_assert_eq!(q.next_change(now), want);
        }
        // Nothing was lost: draining the queue later returns (or dead-letters) every message the
        // model holds.
        now += 3600 * SEC;
        let mut drained = 0;
        loop {
            let got = q.receive(&ReceiveRequest { max_messages: 10, visibility_timeout: Some(600), receive_request_attempt_id: None }, now).expect("receive");
            if got.messages.is_empty() && got.dead_lettered.is_empty() { break; }
            for dead in got.dead_lettered {
                prop_assert!(model.remove(&dead.seq).is_some());
            }
            for r in got.messages {
                prop_assert!(model.remove(&r.message.seq).is_some());
                drained += 1;
            }
        }
        prop_assert!(model.is_empty(), "{} messages never came back ({} did)", model.len(), drained);
    }

    #[test]
    fn a_fifo_queue_keeps_group_order(ops in proptest::collection::vec((0u8..6, 0u8..3, 1u32..=10, 0u64..3000), 1..150)) {
        let mut config = QueueConfig::new(true);
        config.content_based_deduplication = true;
        config.visibility_timeout = 2;
        let mut q = Queue::new("f.fifo", "arn:aws:sqs:us-east-1:000000000000:f.fifo", config);
        // Per group: committed seqs in order, and which are in flight (with their handles).
        let mut groups: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        let mut in_flight: BTreeMap<u64, (String, Millis)> = BTreeMap::new();
        let mut now = T0;
        let mut n = 0u64;
        for (kind, group, max, ms) in ops {
            let gid = format!("g{group}");
            match kind {
                0 | 1 => {
                    n += 1;
                    let mut m = new_msg(&format!("m{n}"), &format!("body {n}"));
                    m.group_id = Some(gid.clone());
                    let sent = q.send(m, now).expect("valid send");
                    prop_assert!(!sent.duplicate);
                    q.commit_send(sent.seq);
                    groups.entry(gid).or_default().push(sent.seq);
                }
                2 | 3 => {
                    in_flight.retain(|_, (_, until)| *until > now);
                    let got = q.receive(&ReceiveRequest { max_messages: max, visibility_timeout: None, receive_request_attempt_id: None }, now).expect("receive");
                    let mut taken: BTreeMap<String, Vec<u64>> = BTreeMap::new();
                    for r in &got.messages {
                        let g = r.message.group_id.clone().expect("FIFO messages have groups");
                        taken.entry(g).or_default().push(r.message.seq);
                    }
                    for (g, seqs) in &taken {
                        let order = &groups[g];
                        // No message of the group was in flight, and the batch is the group's prefix.
                        prop_assert!(order.iter().all(|s| !in_flight.contains_key(s)), "group {} delivered while in flight", g);
                        prop_assert_eq!(&order[..seqs.len()], &seqs[..]);
                    }
                    for r in got.messages {
                        in_flight.insert(r.message.seq, (r.receipt_handle, r.message.visible_at));
                    }
                }
                4 => {
                    // Delete the oldest in-flight message of the group, if any.
                    in_flight.retain(|_, (_, until)| *until > now);
                    let order = groups.get(&gid).cloned().unwrap_or_default();
                    if let Some(seq) = order.iter().find(|s| in_flight.contains_key(s)).copied() {
                        let (handle, _) = in_flight.remove(&seq).expect("present");
                        prop_assert!(q.delete(&handle, now).is_ok());
                        groups.get_mut(&gid).expect("group").retain(|s| *s != seq);
                    }
                }
                _ => now += ms,
            }
            let total: usize = groups.values().map(Vec::len).sum();
            prop_assert_eq!(q.len(), total);
        }
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        "[a-zA-Z0-9._-]{0,12}",
        Just(String::new()),
        Just("String".to_string()),
        Just("Number".to_string()),
        Just("Binary.x".to_string()),
        Just("AWSTraceHeader".to_string()),
    ]
}

fn attribute() -> impl Strategy<Value = crate::MessageAttribute> {
    (
        text(),
        text(),
        prop_oneof![
            text().prop_map(crate::AttributeValue::String),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(crate::AttributeValue::Binary)
        ],
    )
        .prop_map(|(name, data_type, value)| crate::MessageAttribute {
            name,
            data_type,
            value,
        })
}

proptest! {
    #[test]
    fn arbitrary_input_never_panics(
        fifo in any::<bool>(),
        config in proptest::collection::vec((text(), text()), 0..4),
        body in text(),
        attributes in proptest::collection::vec(attribute(), 0..12),
        system_attributes in proptest::collection::vec(attribute(), 0..2),
        group in proptest::option::of(text()),
        dedup in proptest::option::of(text()),
        delay in proptest::option::of(any::<u32>()),
        handle in text(),
        timeout in any::<u32>(),
        max in any::<u32>(),
        attempt in proptest::option::of(text()),
        now in any::<u64>(),
    ) {
        let mut c = QueueConfig::new(fifo);
        let _ = c.apply(&config, true);
        let _ = c.apply(&config, false);
        let _ = c.attributes();
        let mut q = Queue::new("q", "arn:aws:sqs:us-east-1:000000000000:q", c);
        let msg = NewMessage {
            message_id: "m".into(), body, attributes, system_attributes, delay_seconds: delay,
            group_id: group, deduplication_id: dedup, sender_id: "s".into(),
        };
        if let Ok(sent) = q.send(msg, now) {
            q.commit_send(sent.seq);
        }
        let r = ReceiveRequest { max_messages: max, visibility_timeout: Some(timeout), receive_request_attempt_id: attempt };
        if let Ok(got) = q.receive(&r, now) {
            for m in got.messages {
                let _ = q.change_visibility(&m.receipt_handle, timeout, now);
                let _ = q.delete(&m.receipt_handle, now);
            }
        }
        let _ = q.delete(&handle, now);
        let _ = q.change_visibility(&handle, timeout, now);
        q.expire(now);
        let _ = q.counts(now);
        let _ = q.next_change(now);
        let _ = q.take_for_move(3, now);
    }
}
