//! The Lambda entry points: the scheduled enforcement run and the `POST /tags` admin route.

use std::collections::BTreeMap;

use http::{Method, StatusCode};
use http_api::{ApiError, JsonObject, RoutePattern, json_response, request_path};
use ivschat_api::ids::ResourceArn;
use ivschat_api::managed::{self, TagChanges, ValueChange};
use ivschat_api::{IvsChatError, PacedChatClient, Violation};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};

use crate::config::TagManagerConfig;
use crate::enforce::{EnforcementReport, enforce_policy};
use crate::policy::TagPolicy;

/// The schedule's `Input` JSON: `{"dry_run": false}` (or `{}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledRun {
    /// Report only; change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Why a scheduled run could not run at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not list rooms and logging configurations: {0}")]
pub struct ListFailed(#[source] pub IvsChatError);

impl From<ListFailed> for lambda_runtime::Diagnostic {
    fn from(error: ListFailed) -> Self {
        let error_type = if error.0.is_retryable() {
            "ListRetryable"
        } else {
            "ListFailed"
        };
        Self {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// Enforces the policy for a schedule and logs the report.
pub async fn handle_scheduled(
    client: &PacedChatClient,
    config: &TagManagerConfig,
    run: ScheduledRun,
) -> Result<EnforcementReport, ListFailed> {
    let report = Box::pin(enforce_policy(client, &config.policy, run.dry_run))
        .await
        .map_err(ListFailed)?;
    let json = serde_json::to_string(&report).unwrap_or_default();
    let t = report.totals;
    if t.failed > 0 {
        tracing::error!(dry_run = run.dry_run, failed = t.failed, report = %json, "tag policy run had failures");
    } else {
        tracing::info!(dry_run = run.dry_run, changed = t.resources_changed, findings = t.findings,
            report = %json, "tag policy enforced");
    }
    Ok(report)
}

/// The route of the admin tagging webhook.
pub const TAGS_ROUTE: &str = "/tags";

/// An admin's request to tag and/or untag one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminTagRequest {
    /// The room or logging configuration.
    pub resource: ResourceArn,
    /// Tags to add or overwrite.
    pub tags: BTreeMap<String, String>,
    /// Tag keys to remove.
    pub remove_tag_keys: Vec<String>,
}

/// The answer to `POST /tags`: the resource's tags afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminTagResult {
    /// The resource.
    pub resource_arn: String,
    /// All its tags after the change.
    pub tags: BTreeMap<String, String>,
}

/// Checks an admin request against the toolkit's reserved keys and the policy: no reserved
/// keys, no forbidden keys, only allowed values, and no removal of a required tag.
pub fn check_admin_request(policy: &TagPolicy, request: &AdminTagRequest) -> Result<(), Violation> {
    let keys = request.tags.keys().chain(request.remove_tag_keys.iter());
    for key in keys {
        if managed::is_reserved(key) {
            return Err(Violation::new(
                format!("tags.{key}"),
                format!(
                    "tag keys starting with `{}` are managed by the toolkit",
                    managed::RESERVED_PREFIX
                ),
            ));
        }
    }
    for (key, value) in &request.tags {
        if policy.forbids(key) {
            return Err(Violation::new(
                format!("tags.{key}"),
                "is forbidden by the tag policy",
            ));
        }
        if let Some(rule) = policy.tags.get(key)
            && !rule.allowed.is_empty()
            && !rule.allowed.contains(value)
        {
            return Err(Violation::new(
                format!("tags.{key}"),
                format!("must be one of {} (tag policy)", rule.allowed.join(", ")),
            ));
        }
    }
    for key in &request.remove_tag_keys {
        if policy.tags.get(key).is_some_and(|r| r.required) {
            return Err(Violation::new(
                "removeTagKeys",
                format!("`{key}` is required by the tag policy and cannot be removed"),
            ));
        }
    }
    if request.tags.is_empty() && request.remove_tag_keys.is_empty() {
        return Err(Violation::new("tags", "give tags, removeTagKeys, or both"));
    }
    Ok(())
}

fn read_admin_request(body: &JsonObject) -> Result<AdminTagRequest, Violation> {
    body.reject_unknown_fields(&["resourceArn", "tags", "removeTagKeys"])?;
    let resource = ResourceArn::parse("resourceArn", body.required_string("resourceArn")?)?;
    Ok(AdminTagRequest {
        resource,
        tags: body.optional_string_map("tags")?.unwrap_or_default(),
        remove_tag_keys: body
            .optional_string_list("removeTagKeys")?
            .unwrap_or_default()
            .into_iter()
            .map(str::to_owned)
            .collect(),
    })
}

/// `POST /tags` with `{"resourceArn": "...", "tags": {...}, "removeTagKeys": [...]}`, admin role
/// required: tags and/or untags one room or logging configuration, within the tag policy.
pub async fn handle_tags_request(
    client: &PacedChatClient,
    config: &TagManagerConfig,
    request: Request,
) -> Response<Body> {
    match tag_resource(client, config, &request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn tag_resource(
    client: &PacedChatClient,
    config: &TagManagerConfig,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    if RoutePattern::new(TAGS_ROUTE)
        .matches(&request_path(request))
        .is_none()
    {
        return Err(ApiError::route_not_found());
    }
    if request.method() != Method::POST {
        return Err(ApiError::method_not_allowed(&[Method::POST]));
    }
    let caller = config.admin.require_admin(request)?;
    let body = JsonObject::from_body(request.body().as_ref())?;
    let admin = read_admin_request(&body)?;
    check_admin_request(&config.policy, &admin)?;
    let changes = TagChanges {
        added: admin.tags.clone(),
        changed: BTreeMap::<String, ValueChange>::new(),
        removed: admin.remove_tag_keys.clone(),
    };
    if let Err(error) = client
        .apply_tag_changes(&admin.resource, &changes)
        .await
        .result
    {
        tracing::warn!(arn = %admin.resource, error_kind = error.kind(), "admin tagging failed");
        return Err(ApiError::from_chat_error(&error));
    }
    let tags = client
        .list_tags_for_resource(&admin.resource)
        .await
        .result
        .map_err(|e| ApiError::from_chat_error(&e))?;
    tracing::info!(user_id = %caller.user_id, arn = %admin.resource, set = ?admin.tags.keys().collect::<Vec<_>>(),
        removed = ?admin.remove_tag_keys, "admin changed tags");
    Ok(json_response(
        StatusCode::OK,
        &AdminTagResult {
            resource_arn: admin.resource.to_string(),
            tags,
        },
    ))
}
