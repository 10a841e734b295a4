//! ARNs: how resources are named on the AWS wire, in the usual formats, with the account
//! id and region Eddy is configured with.

use crate::names::{BusName, QueueName, RuleName};

/// The account and region that Eddy's ARNs carry (both configurable; defaults
/// `000000000000` and `us-east-1`, as local AWS emulators use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The account id, 12 digits.
    pub account: String,
    /// The region, e.g. `us-east-1`.
    pub region: String,
}

impl Default for Scope {
    fn default() -> Self {
        Self {
            account: "000000000000".to_owned(),
            region: "us-east-1".to_owned(),
        }
    }
}

impl Scope {
    /// `arn:aws:events:REGION:ACCOUNT:event-bus/NAME`.
    pub fn bus_arn(&self, bus: &BusName) -> String {
        format!(
            "arn:aws:events:{}:{}:event-bus/{bus}",
            self.region, self.account
        )
    }

    /// `arn:aws:events:REGION:ACCOUNT:rule/NAME` on the default bus,
    /// `…:rule/BUS/NAME` on any other.
    pub fn rule_arn(&self, bus: &BusName, rule: &RuleName) -> String {
        if bus.is_default() {
            format!(
                "arn:aws:events:{}:{}:rule/{rule}",
                self.region, self.account
            )
        } else {
            format!(
                "arn:aws:events:{}:{}:rule/{bus}/{rule}",
                self.region, self.account
            )
        }
    }

    /// `arn:aws:sqs:REGION:ACCOUNT:NAME`.
    pub fn queue_arn(&self, queue: &QueueName) -> String {
        format!("arn:aws:sqs:{}:{}:{queue}", self.region, self.account)
    }
}

/// The parts of an ARN: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    /// e.g. `events`, `sqs`, `lambda`.
    pub service: &'a str,
    /// May be empty.
    pub region: &'a str,
    /// May be empty.
    pub account: &'a str,
    /// Everything after the fifth colon, e.g. `event-bus/default`.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits an ARN; `None` when the text is not one.
    pub fn parse(text: &'a str) -> Option<Self> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let partition = parts.next()?;
        let service = parts.next()?;
        let region = parts.next()?;
        let account = parts.next()?;
        let resource = parts.next()?;
        if partition.is_empty() || service.is_empty() || resource.is_empty() {
            return None;
        }
        Some(Self {
            service,
            region,
            account,
            resource,
        })
    }
}

/// What a target ARN points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetArn {
    /// `arn:aws:sqs:…:NAME`.
    Queue(QueueName),
    /// `arn:aws:events:…:event-bus/NAME`.
    Bus(BusName),
    /// `arn:aws:events:…:api-destination/NAME[/ID]`.
    ApiDestination(String),
    /// `arn:aws:lambda:…:function:NAME[:QUALIFIER]`.
    Function(String),
}

impl TargetArn {
    /// Reads a target ARN; `None` for a malformed ARN or a service Eddy cannot deliver to.
    pub fn parse(text: &str) -> Option<Self> {
        let arn = Arn::parse(text)?;
        match arn.service {
            "sqs" => QueueName::parse(arn.resource).ok().map(Self::Queue),
            "events" => {
                if let Some(bus) = arn.resource.strip_prefix("event-bus/") {
                    BusName::parse(bus, "Arn").ok().map(Self::Bus)
                } else {
                    let rest = arn.resource.strip_prefix("api-destination/")?;
                    let name = rest.split('/').next().filter(|n| !n.is_empty())?;
                    Some(Self::ApiDestination(name.to_owned()))
                }
            }
            "lambda" => {
                let rest = arn.resource.strip_prefix("function:")?;
                let name = rest.split(':').next().filter(|n| !n.is_empty())?;
                Some(Self::Function(name.to_owned()))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_in_the_usual_formats() {
        let scope = Scope::default();
        let orders = BusName::parse("orders", "Name").unwrap();
        let rule = RuleName::parse("r1", "Name").unwrap();
        assert_eq!(
            scope.bus_arn(&orders),
            "arn:aws:events:us-east-1:000000000000:event-bus/orders"
        );
        assert_eq!(
            scope.rule_arn(&BusName::default_bus(), &rule),
            "arn:aws:events:us-east-1:000000000000:rule/r1"
        );
        assert_eq!(
            scope.rule_arn(&orders, &rule),
            "arn:aws:events:us-east-1:000000000000:rule/orders/r1"
        );
    }

    #[test]
    fn target_arns() {
        assert_eq!(
            TargetArn::parse("arn:aws:sqs:us-east-1:000000000000:jobs"),
            Some(TargetArn::Queue(QueueName::parse("jobs").unwrap()))
        );
        assert_eq!(
            TargetArn::parse("arn:aws:events:us-east-1:000000000000:event-bus/b"),
            Some(TargetArn::Bus(BusName::parse("b", "Arn").unwrap()))
        );
        assert_eq!(
            TargetArn::parse("arn:aws:lambda:us-east-1:1:function:f:live"),
            Some(TargetArn::Function("f".to_owned()))
        );
        assert_eq!(TargetArn::parse("arn:aws:s3:::bucket"), None);
        assert_eq!(TargetArn::parse("not an arn"), None);
    }
}
