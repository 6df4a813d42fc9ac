//! Strikes and offences for automatic escalation: how many of a user's messages were denied
//! in a room within a window, and how many escalation steps they have had lately.
//!
//! | Item | `pk` | `sk` | `expiresAt` |
//! |---|---|---|---|
//! | strikes in a window | `strike#room#<roomId>` | `user#<userId>` | end of the window |
//! | offences (steps taken) | `offence#room#<roomId>` | `user#<userId>` | end of the memory |
//!
//! Both counters are changed only by conditional `UpdateItem`s, so any number of instances
//! counting at once give every strike its own number: exactly one of them sees the count that
//! crosses a threshold.

use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use crate::{
    EXPIRES_AT, PARTITION_KEY, SORT_KEY, StateError, StateTable, check_key, classify, unix_seconds,
};

/// Which counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// Denied messages within a window (`strike#`).
    Strikes,
    /// Escalation steps within a memory (`offence#`).
    Offences,
}

impl Counter {
    fn prefix(self) -> &'static str {
        match self {
            Self::Strikes => "strike",
            Self::Offences => "offence",
        }
    }
}

/// Attempts at a counter update before giving up on a write race (each retry follows a
/// conditional failure, i.e. another writer's success).
const ATTEMPTS: usize = 4;

impl StateTable {
    /// Adds one to `counter` for `user_id` in room `room_id` and returns the new count. A
    /// count whose window (opened by its first increment, lasting `window`) has ended starts
    /// again at 1. Atomic: concurrent increments each get their own count.
    pub async fn increment(
        &self,
        counter: Counter,
        room_id: &str,
        user_id: &str,
        window: Duration,
        now: SystemTime,
    ) -> Result<u64, StateError> {
        check_key("roomId", room_id)?;
        if user_id.is_empty() || user_id.chars().count() > crate::bans::MAX_USER_ID_CHARS {
            return Err(StateError::Invalid {
                field: "userId",
                rule: "must be 1 to 128 characters",
            });
        }
        let now_seconds = unix_seconds(now);
        let window_end = now_seconds.saturating_add(window.as_secs().max(1));
        let key = |builder: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder| {
            builder
                .table_name(&self.name)
                .key(
                    PARTITION_KEY,
                    AttributeValue::S(format!("{}#room#{room_id}", counter.prefix())),
                )
                .key(SORT_KEY, AttributeValue::S(format!("user#{user_id}")))
                .expression_attribute_names("#exp", EXPIRES_AT)
                .expression_attribute_names("#n", "count")
                // The whole item: UPDATED_NEW may leave out a count set to the value it had (a
                // window that ended at 1 opening again at 1), as moto's server does.
                .return_values(ReturnValue::AllNew)
        };
        for _ in 0..ATTEMPTS {
            // The window is open: count on.
            let within = key(self.client.update_item())
                .update_expression("SET #n = #n + :one")
                .condition_expression("attribute_exists(#n) AND #exp > :now")
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":now", AttributeValue::N(now_seconds.to_string()))
                .send()
                .await;
            match within {
                Ok(output) => return count_of(output.attributes()),
                Err(SdkError::ServiceError(service))
                    if matches!(
                        service.err(),
                        UpdateItemError::ConditionalCheckFailedException(_)
                    ) => {}
                Err(error) => return Err(classify("UpdateItem", &error)),
            }
            // No counter, or its window has ended: open a new one at 1.
            let fresh = key(self.client.update_item())
                .update_expression("SET #n = :one, #exp = :end")
                .condition_expression("attribute_not_exists(#n) OR #exp <= :now")
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":now", AttributeValue::N(now_seconds.to_string()))
                .expression_attribute_values(":end", AttributeValue::N(window_end.to_string()))
                .send()
                .await;
            match fresh {
                Ok(output) => return count_of(output.attributes()),
                // Another writer opened the window first: count on in it.
                Err(SdkError::ServiceError(service))
                    if matches!(
                        service.err(),
                        UpdateItemError::ConditionalCheckFailedException(_)
                    ) => {}
                Err(error) => return Err(classify("UpdateItem", &error)),
            }
        }
        Err(StateError::Unavailable {
            operation: "UpdateItem",
            detail: "the counter kept changing under concurrent writers".to_owned(),
        })
    }

    /// Clears `counter` for `user_id` in room `room_id` (after an escalation step, so the next
    /// strikes count towards the next step).
    pub async fn reset(
        &self,
        counter: Counter,
        room_id: &str,
        user_id: &str,
    ) -> Result<(), StateError> {
        check_key("roomId", room_id)?;
        self.client
            .delete_item()
            .table_name(&self.name)
            .key(
                PARTITION_KEY,
                AttributeValue::S(format!("{}#room#{room_id}", counter.prefix())),
            )
            .key(SORT_KEY, AttributeValue::S(format!("user#{user_id}")))
            .send()
            .await
            .map_err(|error| classify("DeleteItem", &error))?;
        Ok(())
    }
}

fn count_of(
    attributes: Option<&std::collections::HashMap<String, AttributeValue>>,
) -> Result<u64, StateError> {
    attributes
        .and_then(|a| a.get("count"))
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .ok_or(StateError::Unavailable {
            operation: "UpdateItem",
            detail: "the answer held no count".to_owned(),
        })
}
