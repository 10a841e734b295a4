//! Tests of the CloudEvents mapping.
