//! The orders example's `analytics` function: a Lambda handler written with the
//! `lambda_runtime` crate, exactly as it would run on AWS Lambda. Eddy starts the binary
//! (through `bootstrap`) with `AWS_LAMBDA_RUNTIME_API` set; the rule `order-created` on the
//! `orders` bus invokes it asynchronously with each `OrderCreated` event.
//!
//! It keeps running totals in the instance's memory — a warm instance serves many events —
//! and prints one line per order, which `eddy logs analytics` shows.

use std::sync::atomic::{AtomicU64, Ordering};

use lambda_runtime::{service_fn, Diagnostic, Error, LambdaEvent};
use serde_json::{json, Value};

/// Orders this instance has seen.
static ORDERS: AtomicU64 = AtomicU64::new(0);
/// Their amounts added up, in cents.
static CENTS: AtomicU64 = AtomicU64::new(0);

/// The event is not an `OrderCreated` event. Reported to the Runtime API as
/// `{"errorType": "NotAnOrder", "errorMessage": ...}`.
#[derive(Debug)]
struct NotAnOrder(Value);

impl From<NotAnOrder> for Diagnostic {
    fn from(e: NotAnOrder) -> Self {
        Diagnostic {
            error_type: "NotAnOrder".into(),
            error_message: format!("not an OrderCreated event: {}", e.0),
        }
    }
}

/// Records one `OrderCreated` event (the whole EventBridge envelope).
async fn handler(event: LambdaEvent<Value>) -> Result<Value, NotAnOrder> {
    let detail = &event.payload["detail"];
    let Some(order_id) = detail["orderId"].as_str() else {
        return Err(NotAnOrder(event.payload));
    };
    let amount = detail["amount"].as_f64().unwrap_or(0.0);
    let cents = (amount * 100.0).round().max(0.0) as u64;
    let orders = ORDERS.fetch_add(1, Ordering::Relaxed) + 1;
    let total = CENTS.fetch_add(cents, Ordering::Relaxed) + cents;
    println!(
        "analytics: order {order_id} amount {amount:.2} (this instance: {orders} order{}, {}.{:02} in total)",
        if orders == 1 { "" } else { "s" },
        total / 100,
        total % 100
    );
    Ok(json!({"orderId": order_id, "orders": orders, "totalCents": total}))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
