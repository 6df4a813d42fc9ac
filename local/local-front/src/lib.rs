//! The local front of `scripts/run-local`: API Gateway's HTTP API as `template.yaml` declares it,
//! and a demo identity provider to sign in against it. For local use only.
//!
//! - [`Template`] reads the template itself (parameters, conditions, CloudFormation's short
//!   tags), so the routes, methods, authorizers, CORS settings and every function's environment
//!   come from the same file a deployment uses, never from a second hand-written list.
//! - [`Front`] serves those routes: each request is checked by the route's JWT authorizer the
//!   way API Gateway checks it (401 `{"message":"Unauthorized"}` before any function runs),
//!   turned into the payload 2.0 event (`requestContext.authorizer.jwt.claims` and all) and sent
//!   to the function's Lambda Invoke API (AWS's Runtime Interface Emulator or `cargo lambda
//!   watch`); routes with `Authorizer: NONE` pass through. It also serves the demo chat page.
//! - [`IdentityProvider`] signs in the demo users of `local/demo-users.toml` (no passwords) and
//!   issues RS256 ID tokens shaped like Amazon Cognito's, with a key made at first start.

#![deny(missing_docs)]

mod authorizer;
mod cfn;
mod event;
mod idp;
mod invoke;
mod journal;
mod routes;
mod server;
mod template;

pub use authorizer::{Authorized, Rejection};
pub use cfn::ResolveError;
pub use idp::{DemoUser, DemoUsers, IdentityProvider, IdpError, IssuedToken, SigningKey};
pub use invoke::InvokeError;
pub use server::{Front, FrontConfig, FrontError};
pub use template::{
    CorsConfiguration, FunctionSpec, JwtAuthorizer, RouteSpec, StackSettings, TableSpec, Template,
    TemplateError,
};

/// Prints one line per review and per moderation action the IVS Chat emulator at
/// `emulator_url` journals, polling its `/_emulator/journal`, until the task is dropped.
pub fn spawn_journal_log(emulator_url: &str) -> tokio::task::JoinHandle<()> {
    tokio::spawn(journal::tail(
        reqwest::Client::new(),
        emulator_url.to_owned(),
    ))
}

/// The template as the local stack sees it, as JSON: parameters in force, functions (binary,
/// name, ARN, timeout, environment, schedule inputs), tables and routes. `scripts/run-local`
/// starts the functions and creates the tables from it.
pub fn describe(template: &Template) -> serde_json::Value {
    use serde_json::json;
    json!({
        "parameters": template.parameters,
        "functions": template.functions.values().map(|f| json!({
            "logicalId": f.logical_id,
            "binary": f.binary,
            "name": f.name,
            "arn": f.arn,
            "timeoutSeconds": f.timeout_seconds,
            "environment": f.environment,
            "scheduleInputs": f.schedule_inputs,
            "routes": template.routes.iter().filter(|r| r.function == f.logical_id).map(RouteSpec::route_key).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "tables": template.tables.values().map(|t| json!({
            "logicalId": t.logical_id,
            "name": t.name,
            "properties": t.properties,
        })).collect::<Vec<_>>(),
        "routes": template.routes.iter().map(|r| json!({
            "routeKey": r.route_key(),
            "function": r.function,
            "authorizer": r.authorizer,
            "scopes": r.scopes,
        })).collect::<Vec<_>>(),
    })
}
