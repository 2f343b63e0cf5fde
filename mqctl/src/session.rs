//! What every verb that talks to a broker shares: where to connect, how
//! long to wait, how to print, and errors mapped with the address's origin.

use std::future::Future;
use std::time::Duration;

use mq::{Admin, Client};

use crate::context::Target;
use crate::error::{CliError, Result};
use crate::output::Printer;

pub struct Session {
    pub target: Target,
    pub timeout: Duration,
    pub out: Printer,
}

impl Session {
    pub fn new(target: Target, timeout: Duration, out: Printer) -> Session {
        Session {
            target,
            timeout,
            out,
        }
    }

    pub async fn client(&self) -> Result<Client> {
        let connect = Client::connect_with_timeout(&self.target.address, self.timeout);
        match tokio::time::timeout(self.timeout + Duration::from_millis(100), connect).await {
            Ok(result) => result.map_err(|e| self.error(e)),
            Err(_) => Err(CliError::Unreachable {
                address: self.target.address.clone(),
                source_of: self.target.source.clone(),
                detail: format!("no connection within {:?}", self.timeout),
            }),
        }
    }

    pub async fn admin(&self) -> Result<Admin> {
        Ok(Admin::new(&self.client().await?))
    }

    /// Runs one call under `--timeout`.
    pub async fn call<T>(&self, call: impl Future<Output = mq::Result<T>>) -> Result<T> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(result) => result.map_err(|e| self.error(e)),
            Err(_) => Err(CliError::Timeout {
                address: self.target.address.clone(),
                timeout_ms: self.timeout.as_millis(),
            }),
        }
    }

    /// Runs one raw gRPC call (`client.admin_raw().stats(request)`) under
    /// `--timeout`, answering its message.
    pub async fn rpc<T>(
        &self,
        call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<T> {
        self.call(async { Ok(call.await.map_err(mq::Error::from)?.into_inner()) })
            .await
    }

    pub fn error(&self, e: mq::Error) -> CliError {
        CliError::from_mq(e, &self.target.address, &self.target.source)
    }
}
