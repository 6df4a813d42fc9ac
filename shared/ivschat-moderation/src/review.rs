//! Turning a [`ReviewRequest`] into the exact [`ReviewResponse`] IVS Chat expects.
//!
//! Both the review-handler Lambda and the `ivschat-review` CLI call [`PolicySet::review`], so
//! with the same policy they answer a message identically. The Lambda alone may deny a sender
//! before the policy is consulted: its ban check reads bans from the state table, which the CLI
//! has no access to.

use std::collections::BTreeMap;

use ivschat_api::review::{
    MAX_MESSAGE_CODE_POINTS, MAX_RESPONSE_ATTRIBUTE_BYTES, ReviewRequest, ReviewResponse,
    ReviewResult,
};

use crate::engine::{Decision, MessageContext, PolicySet, Verdict};

/// Attribute carrying the deny reason (IVS shows it to the sender with error 406).
pub const REASON_ATTRIBUTE: &str = "Reason";

/// Reason used when a rewritten or allowed message would break IVS's limits.
const TOO_LONG_REASON: &str = "Your message is longer than 500 characters.";
/// Reason used if a reply cannot be made valid any other way.
const FALLBACK_REASON: &str = "Your message could not be reviewed.";

/// The reply for one request plus the decision behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// Exactly what the review handler returns to IVS Chat. Always passes
    /// [`ReviewResponse::check_limits`].
    pub response: ReviewResponse,
    /// Verdict, profile and the rules that fired.
    pub decision: Decision,
}

impl PolicySet {
    /// Reviews one message with the profile of its room and builds the reply.
    ///
    /// DENY replies carry `Attributes.Reason` and the original content (cut to 500 code points);
    /// ALLOW replies carry the original or masked content and the message's own attributes,
    /// plus the flag attribute when a rule with action `flag` fired. Never panics.
    pub fn review(&self, request: &ReviewRequest) -> Review {
        let profile = self.profile_for_room(&request.room_arn);
        let decision = profile.decide(&MessageContext {
            content: &request.content,
            user_id: &request.sender.user_id,
            sender_attributes: &request.sender.attributes,
        });
        let response = build_response(request, &decision, profile.flag_attribute());
        Review { response, decision }
    }
}

fn build_response(
    request: &ReviewRequest,
    decision: &Decision,
    flag_attribute: &str,
) -> ReviewResponse {
    let allowed_content = match &decision.verdict {
        Verdict::Deny { reason } => return deny_response(&request.content, reason),
        Verdict::Allow => request.content.clone(),
        Verdict::Rewrite { content } => content.clone(),
    };
    if allowed_content.is_empty() {
        return deny_response(&request.content, FALLBACK_REASON);
    }
    if allowed_content.chars().count() > MAX_MESSAGE_CODE_POINTS {
        return deny_response(&request.content, TOO_LONG_REASON);
    }
    let mut attributes = request.attributes.clone();
    if !decision.flagged_categories.is_empty() {
        let categories: Vec<&str> = decision
            .flagged_categories
            .iter()
            .map(|c| c.as_ref())
            .collect();
        attributes.insert(flag_attribute.to_string(), categories.join(","));
    }
    if attribute_bytes(&attributes) > MAX_RESPONSE_ATTRIBUTE_BYTES {
        // Our own attribute matters more than echoing the client's.
        attributes.retain(|key, _| key == flag_attribute);
        if let Some(value) = attributes.get_mut(flag_attribute) {
            let budget = MAX_RESPONSE_ATTRIBUTE_BYTES.saturating_sub(flag_attribute.len());
            truncate_bytes(value, budget);
        }
    }
    let response = ReviewResponse {
        review_result: ReviewResult::Allow,
        content: allowed_content,
        attributes,
    };
    match response.check_limits() {
        Ok(()) => response,
        Err(_) => deny_response(&request.content, FALLBACK_REASON),
    }
}

/// A DENY reply to a message whose original content is `original`, with `reason` for the
/// sender: always within IVS Chat's reply limits (content 1 to 500 code points, the reason cut
/// to the attribute budget), whatever the request held. Every denial the review handler makes,
/// the policy's and its own (a ban), is built here.
pub fn deny_response(original: &str, reason: &str) -> ReviewResponse {
    let mut content: String = original.chars().take(MAX_MESSAGE_CODE_POINTS).collect();
    if content.is_empty() {
        content = reason.to_string();
    }
    let mut reason = reason.to_string();
    truncate_bytes(
        &mut reason,
        MAX_RESPONSE_ATTRIBUTE_BYTES - REASON_ATTRIBUTE.len(),
    );
    ReviewResponse {
        review_result: ReviewResult::Deny,
        content,
        attributes: BTreeMap::from([(REASON_ATTRIBUTE.to_string(), reason)]),
    }
}

fn attribute_bytes(attributes: &BTreeMap<String, String>) -> usize {
    attributes.iter().map(|(k, v)| k.len() + v.len()).sum()
}

fn truncate_bytes(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
}
