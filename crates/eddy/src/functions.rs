//! The function host the engine drives: `eddy_runtime::Host` behind the engine's
//! `FunctionHost` trait (the engine does not depend on how instances run).

use std::future::Future;
use std::pin::Pin;

use eddy_engine::functions::FunctionHost;
use eddy_model::function::{FunctionSpec, Invocation, InvokeFailure, LogRecord, Outcome};

pub struct RuntimeHost(pub eddy_runtime::Host);

impl FunctionHost for RuntimeHost {
    fn deploy(&self, spec: FunctionSpec) {
        self.0.deploy(spec);
    }

    fn remove(&self, name: &str) {
        self.0.remove(name);
    }

    fn invoke(
        &self,
        name: &str,
        invocation: Invocation,
        wait: bool,
    ) -> Pin<Box<dyn Future<Output = Result<Outcome, InvokeFailure>> + Send>> {
        let host = self.0.clone();
        let name = name.to_owned();
        Box::pin(async move { host.invoke(&name, invocation, wait).await })
    }

    fn logs(&self, name: &str, after_seq: u64, limit: usize) -> Vec<LogRecord> {
        self.0.logs(name, after_seq, limit)
    }

    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<LogRecord> {
        self.0.subscribe()
    }

    fn instances(&self, name: &str) -> Option<(u32, u32, u32)> {
        self.0
            .status(name)
            .map(|s| (s.instances, s.busy, s.starting))
    }
}
