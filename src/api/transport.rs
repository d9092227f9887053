//! The one seam between qimg and the network: requests are built with reqwest and executed by
//! a `Transport`. Production uses reqwest itself; the virtual-time soak test uses an in-memory
//! service, so 12 hours of polling run in seconds.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::error::ApiError;

/// A response that is on its way.
pub type Responding = Pin<Box<dyn Future<Output = Result<reqwest::Response, ApiError>> + Send>>;

/// Executes built requests.
pub trait Transport: Send + Sync {
    /// Sends `req` and returns the response head (the body streams afterwards).
    fn execute(&self, req: reqwest::Request) -> Responding;
}

/// reqwest over the real network.
pub struct Reqwest(pub reqwest::Client);

impl Transport for Reqwest {
    fn execute(&self, req: reqwest::Request) -> Responding {
        let client = self.0.clone();
        // Errors carry no URL (it could hold a signed token) and no headers.
        Box::pin(async move {
            client
                .execute(req)
                .await
                .map_err(|e| ApiError::from_reqwest(e, ""))
        })
    }
}

/// Builds `rb` and runs it on `transport`.
pub async fn send(
    transport: &Arc<dyn Transport>,
    rb: reqwest::RequestBuilder,
) -> Result<reqwest::Response, ApiError> {
    let req = rb
        .build()
        .map_err(|e| ApiError::Local(format!("cannot build the request: {}", e.without_url())))?;
    transport.execute(req).await
}
