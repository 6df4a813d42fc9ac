//! `POST /provision` on the HTTP API: the same reconcile as the schedule, on demand, for
//! callers with an admin role.

use ivschat_api::ChatClient;
use lambda_http::{Error, Request, service_fn};
use room_provisioner::handler::handle_provision_request;
use room_provisioner::{Pacer, ProvisionerConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = ProvisionerConfig::from_env()?;
    tracing::info!(deployment = %config.deployment, spec = %config.spec_source, "configuration loaded");
    let client = ChatClient::from_env(Pacer::client_settings()).await;
    let pacer = Pacer::default();
    let (config, client, pacer) = (&config, &client, &pacer);
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(handle_provision_request(client, pacer, config, request).await)
    }))
    .await
}
