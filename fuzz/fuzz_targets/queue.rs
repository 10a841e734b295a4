//! Fuzz target: a queue's attributes, then a sequence of operations decoded from the bytes
//! (send, receive, delete, change visibility, advance the clock, purge, expire). No input may
//! make the queue panic, and its counts must always add up to the messages it holds.
#![no_main]

use eddy_queue::{NewMessage, Queue, QueueConfig, ReceiveRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let fifo = flags & 1 == 1;
    let mut config = QueueConfig::new(fifo);
    let mut attrs = vec![(
        "VisibilityTimeout".to_owned(),
        u32::from(flags >> 4).to_string(),
    )];
    if fifo && flags & 2 == 2 {
        attrs.push(("ContentBasedDeduplication".to_owned(), "true".to_owned()));
    }
    if flags & 4 == 4 {
        attrs.push(("DelaySeconds".to_owned(), u32::from(flags >> 5).to_string()));
    }
    if config.apply(&attrs, true).is_err() {
        return;
    }
    let name = if fifo { "q.fifo" } else { "q" };
    let mut queue = Queue::new(name, "arn:aws:sqs:us-east-1:000000000000:q", config);
    let mut now = 1_800_000_000_000u64;
    let mut handles: Vec<String> = Vec::new();
    let mut next_id = 0u64;
    for chunk in rest.chunks(3) {
        let (op, a, b) = (
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        );
        match op % 8 {
            0 | 1 => {
                next_id += 1;
                let message = NewMessage {
                    message_id: format!("m{next_id}"),
                    body: format!("body {}", a % 4),
                    attributes: Vec::new(),
                    system_attributes: Vec::new(),
                    delay_seconds: (b % 3 == 0).then_some(u32::from(b % 5)),
                    group_id: fifo.then(|| format!("g{}", a % 3)),
                    deduplication_id: (fifo && b % 2 == 0).then(|| format!("d{}", a % 5)),
                    sender_id: "s".into(),
                };
                if let Ok(sent) = queue.send(message, now) {
                    if b % 7 == 0 {
                        queue.abort_send(sent.seq);
                    } else {
                        queue.commit_send(sent.seq);
                    }
                }
            }
            2 => {
                let request = ReceiveRequest {
                    max_messages: u32::from(a % 12),
                    visibility_timeout: (b % 2 == 0).then_some(u32::from(b % 4)),
                    receive_request_attempt_id: (fifo && b % 3 == 0).then(|| format!("r{}", a % 2)),
                };
                if let Ok(received) = queue.receive(&request, now) {
                    handles.extend(received.messages.into_iter().map(|r| r.receipt_handle));
                }
            }
            3 if !handles.is_empty() => {
                let handle = handles[usize::from(a) % handles.len()].clone();
                let _ = queue.delete(&handle, now);
            }
            4 if !handles.is_empty() => {
                let handle = handles[usize::from(a) % handles.len()].clone();
                let _ = queue.change_visibility(&handle, u32::from(b), now);
            }
            5 => now += u64::from(a) * 1000 + u64::from(b),
            6 => {
                let _ = queue.delete(&String::from_utf8_lossy(&chunk[1..]), now);
            }
            7 if a == 0 => queue.purge(),
            _ => queue.expire(now),
        }
        let _ = queue.take_changes();
        let counts = queue.counts(now);
        assert!(
            counts.visible + counts.not_visible + counts.delayed <= queue.len() as u64,
            "counts exceed the messages held"
        );
    }
});
