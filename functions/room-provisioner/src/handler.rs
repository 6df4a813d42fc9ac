//! The Lambda entry points: a scheduled run (EventBridge Scheduler) and the `POST /provision`
//! webhook on the HTTP API. Each translates its event into one [`reconcile`] call.

use http::{Method, StatusCode};
use http_api::{ApiError, JsonObject, RoutePattern, json_response, request_path};
use ivschat_api::{PacedChatClient, Violation};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::config::ProvisionerConfig;
use crate::reconcile::{ReconcileError, ReconcileReport, reconcile};

/// The schedule's `Input` JSON: `{"dry_run": false}` (or `{}`). Unknown fields are refused so
/// a typo in the schedule does not silently apply changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledRun {
    /// Plan only; change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Runs the reconciler for a schedule and logs the result.
pub async fn handle_scheduled(
    client: &PacedChatClient,
    config: &ProvisionerConfig,
    run: ScheduledRun,
) -> Result<ReconcileReport, ReconcileError> {
    // Boxed: the reconcile future is deep, and boxing keeps callers' futures small.
    let report = Box::pin(reconcile(
        client,
        &config.desired,
        &config.deployment,
        run.dry_run,
    ))
    .await
    .inspect_err(|e| tracing::error!(error = %e, kind = e.kind(), "reconcile could not run"))?;
    log_report(&report);
    Ok(report)
}

/// Logs a report: totals at INFO (ERROR when a step failed), the full report as JSON.
pub fn log_report(report: &ReconcileReport) {
    let json = serde_json::to_string(report).unwrap_or_default();
    let t = report.totals;
    if t.failed > 0 || t.skipped > 0 {
        tracing::error!(dry_run = report.dry_run, planned = t.planned, applied = t.applied,
            failed = t.failed, skipped = t.skipped, report = %json, "reconcile finished with failures");
    } else {
        tracing::info!(dry_run = report.dry_run, planned = t.planned, applied = t.applied,
            report = %json, "reconcile finished");
    }
}

/// The route of the provision webhook.
pub const PROVISION_ROUTE: &str = "/provision";

/// `POST /provision` with an optional body `{"dry_run": true}`: admin role required. Answers
/// 200 with the report when every step applied, 207 when some failed or were skipped.
pub async fn handle_provision_request(
    client: &PacedChatClient,
    config: &ProvisionerConfig,
    request: Request,
) -> Response<Body> {
    match provision(client, config, &request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn provision(
    client: &PacedChatClient,
    config: &ProvisionerConfig,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    if RoutePattern::new(PROVISION_ROUTE)
        .matches(&request_path(request))
        .is_none()
    {
        return Err(ApiError::route_not_found());
    }
    if request.method() != Method::POST {
        return Err(ApiError::method_not_allowed(&[Method::POST]));
    }
    config.admin.require_admin(request)?;
    let body = JsonObject::from_body(request.body().as_ref())?;
    body.reject_unknown_fields(&["dry_run"])?;
    let dry_run = match body.get("dry_run") {
        None => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => return Err(Violation::new("dry_run", "must be true or false").into()),
    };
    let report = Box::pin(reconcile(
        client,
        &config.desired,
        &config.deployment,
        dry_run,
    ))
    .await
    .map_err(|ReconcileError::ReadState(e)| ApiError::from_chat_error(&e))?;
    log_report(&report);
    let status = if report.totals.failed > 0 || report.totals.skipped > 0 {
        StatusCode::MULTI_STATUS
    } else {
        StatusCode::OK
    };
    Ok(json_response(status, &report))
}
