//! Bans and timeouts against a real DynamoDB-compatible server on loopback (moto's server mode,
//! started by scripts/test-all): conditional writes, expiry before TTL deletion, races and
//! pagination behave as DynamoDB's do.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use toolkit_state::{
    BanPrecondition, BanRemoval, BanScope, BanWrite, NewBan, StateError, StateTable,
};
use toolkit_test_support::{dynamodb_client, dynamodb_url, state_table};

const NOW: u64 = 1_767_225_600;
const ROOM: &str = "ManagedRoom1";

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn room_ban(user: &str, by: &str, expires_at: Option<u64>) -> NewBan {
    NewBan {
        scope: BanScope::Room(ROOM.to_owned()),
        user_id: user.to_owned(),
        reason: Some("spam".to_owned()),
        banned_by: by.to_owned(),
        expires_at,
    }
}

fn applied(write: Result<BanWrite, StateError>) -> toolkit_state::BanRecord {
    match write {
        Ok(BanWrite::Applied(ban)) => ban,
        other => panic!("expected the ban to be written, got {other:?}"),
    }
}

#[tokio::test]
async fn a_ban_records_who_why_and_when_and_stays_until_lifted() {
    // GIVEN an empty table WHEN a moderator bans a user from a room
    let table = state_table().await;
    let written = applied(
        table
            .put_ban(
                &room_ban("viewer-1", "user:mod-1", None),
                BanPrecondition::NoActiveBan,
                at(NOW),
            )
            .await,
    );
    // THEN the stored ban says who, why and when, and is permanent
    let read = table
        .get_ban(
            &BanScope::Room(ROOM.into()),
            "viewer-1",
            at(NOW + 86_400 * 365),
        )
        .await
        .expect("read")
        .expect("still banned a year later");
    assert_eq!(read, written);
    assert_eq!(read.banned_by, "user:mod-1");
    assert_eq!(read.reason.as_deref(), Some("spam"));
    assert_eq!(read.created_at, NOW);
    assert_eq!(read.expires_at, None);
    // AND it keeps the user out of that room only
    assert!(
        table
            .active_ban(ROOM, "viewer-1", at(NOW))
            .await
            .expect("read")
            .is_some()
    );
    assert!(
        table
            .active_ban("OtherRoom001", "viewer-1", at(NOW))
            .await
            .expect("read")
            .is_none()
    );
    // WHEN it is lifted THEN it is gone, and lifting again finds nothing
    let removed = table
        .remove_ban(
            &BanScope::Room(ROOM.into()),
            "viewer-1",
            BanPrecondition::NoActiveBan,
            at(NOW + 5),
        )
        .await
        .expect("removed");
    assert_eq!(removed, BanRemoval::Removed(written));
    assert_eq!(
        table
            .remove_ban(
                &BanScope::Room(ROOM.into()),
                "viewer-1",
                BanPrecondition::NoActiveBan,
                at(NOW + 6)
            )
            .await,
        Ok(BanRemoval::NotBanned)
    );
    assert!(
        table
            .active_ban(ROOM, "viewer-1", at(NOW + 7))
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn a_timeout_is_ignored_once_it_ends_even_before_ttl_deletes_it() {
    // GIVEN a 10-minute timeout (TTL deletion is lazy: the item stays after its end)
    let table = state_table().await;
    applied(
        table
            .put_ban(
                &room_ban("viewer-2", "escalation", Some(NOW + 600)),
                BanPrecondition::NoActiveBan,
                at(NOW),
            )
            .await,
    );
    // THEN it applies until its last second, and not from its end on
    assert!(
        table
            .active_ban(ROOM, "viewer-2", at(NOW + 599))
            .await
            .expect("read")
            .is_some()
    );
    assert!(
        table
            .active_ban(ROOM, "viewer-2", at(NOW + 600))
            .await
            .expect("read")
            .is_none()
    );
    // AND an ended timeout neither blocks a new ban nor can be lifted
    assert_eq!(
        table
            .remove_ban(
                &BanScope::Room(ROOM.into()),
                "viewer-2",
                BanPrecondition::NoActiveBan,
                at(NOW + 601)
            )
            .await,
        Ok(BanRemoval::NotBanned)
    );
    applied(
        table
            .put_ban(
                &room_ban("viewer-2", "user:mod-1", None),
                BanPrecondition::NoActiveBan,
                at(NOW + 602),
            )
            .await,
    );
}

#[tokio::test]
async fn of_two_moderators_banning_at_once_exactly_one_wins_and_the_other_sees_it() {
    // GIVEN two moderators banning the same user in the same room at the same moment
    let table = state_table().await;
    let first = room_ban("viewer-3", "user:mod-a", Some(NOW + 600));
    let second = room_ban("viewer-3", "user:mod-b", None);
    let (a, b) = tokio::join!(
        table.put_ban(&first, BanPrecondition::NoActiveBan, at(NOW)),
        table.put_ban(&second, BanPrecondition::NoActiveBan, at(NOW)),
    );
    // THEN one write is applied and the other is refused with the ban that stands
    let (winner, conflict) = match (a.expect("answered"), b.expect("answered")) {
        (BanWrite::Applied(w), BanWrite::Conflict(c))
        | (BanWrite::Conflict(c), BanWrite::Applied(w)) => (w, c),
        other => panic!("expected one applied and one conflict, got {other:?}"),
    };
    assert_eq!(conflict.as_ref(), Some(&winner));
    let stored = table
        .get_ban(&BanScope::Room(ROOM.into()), "viewer-3", at(NOW))
        .await
        .expect("read");
    assert_eq!(stored.as_ref(), Some(&winner));
}

#[tokio::test]
async fn a_ban_changes_only_at_the_version_last_read() {
    // GIVEN a timeout two moderators both read
    let table = state_table().await;
    let read = applied(
        table
            .put_ban(
                &room_ban("viewer-4", "user:mod-a", Some(NOW + 600)),
                BanPrecondition::NoActiveBan,
                at(NOW),
            )
            .await,
    );
    // WHEN one turns it into a ban at that version THEN it is applied with a new version
    let upgraded = applied(
        table
            .put_ban(
                &room_ban("viewer-4", "user:mod-a", None),
                BanPrecondition::Version(read.version),
                at(NOW + 1),
            )
            .await,
    );
    assert_ne!(upgraded.version, read.version);
    // AND the other, still at the old version, can neither shorten nor lift it
    let stale = table
        .put_ban(
            &room_ban("viewer-4", "user:mod-b", Some(NOW + 60)),
            BanPrecondition::Version(read.version),
            at(NOW + 2),
        )
        .await;
    assert_eq!(stale, Ok(BanWrite::Conflict(Some(upgraded.clone()))));
    let stale_lift = table
        .remove_ban(
            &BanScope::Room(ROOM.into()),
            "viewer-4",
            BanPrecondition::Version(read.version),
            at(NOW + 3),
        )
        .await;
    assert_eq!(stale_lift, Ok(BanRemoval::Conflict(upgraded.clone())));
    // AND nobody can write a fresh ban over it
    let fresh = table
        .put_ban(
            &room_ban("viewer-4", "user:mod-b", None),
            BanPrecondition::NoActiveBan,
            at(NOW + 4),
        )
        .await;
    assert_eq!(fresh, Ok(BanWrite::Conflict(Some(upgraded))));
}

#[tokio::test]
async fn a_deployment_wide_ban_keeps_the_user_out_of_every_room() {
    let table = state_table().await;
    let everywhere = NewBan {
        scope: BanScope::Deployment,
        user_id: "viewer-5".into(),
        reason: None,
        banned_by: "user:admin-1".into(),
        expires_at: Some(NOW + 3600),
    };
    applied(
        table
            .put_ban(&everywhere, BanPrecondition::NoActiveBan, at(NOW))
            .await,
    );
    applied(
        table
            .put_ban(
                &room_ban("viewer-5", "user:mod-1", Some(NOW + 60)),
                BanPrecondition::NoActiveBan,
                at(NOW),
            )
            .await,
    );
    // THEN in any room the longer of the two applies
    for room in [ROOM, "AnotherRoom1"] {
        let ban = table
            .active_ban(room, "viewer-5", at(NOW + 30))
            .await
            .expect("read")
            .expect("banned");
        assert_eq!(ban.scope, BanScope::Deployment, "{room}");
        assert_eq!(ban.expires_at, Some(NOW + 3600));
    }
}

#[tokio::test]
async fn a_rooms_bans_come_in_pages_without_ended_timeouts() {
    // GIVEN five active bans and one ended timeout in a room, and a ban in another room
    let table = state_table().await;
    for user in ["u1", "u2", "u3", "u4", "u5"] {
        applied(
            table
                .put_ban(
                    &room_ban(user, "user:mod-1", None),
                    BanPrecondition::NoActiveBan,
                    at(NOW),
                )
                .await,
        );
    }
    applied(
        table
            .put_ban(
                &room_ban("u0", "user:mod-1", Some(NOW + 10)),
                BanPrecondition::NoActiveBan,
                at(NOW),
            )
            .await,
    );
    let elsewhere = NewBan {
        scope: BanScope::Room("OtherRoom001".into()),
        ..room_ban("u9", "user:mod-1", None)
    };
    applied(
        table
            .put_ban(&elsewhere, BanPrecondition::NoActiveBan, at(NOW))
            .await,
    );
    // WHEN they are listed two at a time after the timeout ended
    let scope = BanScope::Room(ROOM.into());
    let mut users = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..10 {
        let page = table
            .list_bans(&scope, 2, after.as_deref(), at(NOW + 20))
            .await
            .expect("page");
        assert!(page.bans.len() <= 2);
        users.extend(page.bans.into_iter().map(|ban| ban.user_id));
        after = page.next_after;
        if after.is_none() {
            break;
        }
    }
    // THEN every active ban of that room is listed once, in user order
    assert_eq!(users, ["u1", "u2", "u3", "u4", "u5"]);
}

#[tokio::test]
async fn bad_values_are_refused_before_anything_is_sent() {
    let table = state_table().await;
    let too_long = room_ban(&"x".repeat(129), "user:mod-1", None);
    assert!(matches!(
        table
            .put_ban(&too_long, BanPrecondition::NoActiveBan, at(NOW))
            .await,
        Err(StateError::Invalid {
            field: "userId",
            ..
        })
    ));
    let ended = room_ban("viewer-6", "user:mod-1", Some(NOW));
    assert!(matches!(
        table
            .put_ban(&ended, BanPrecondition::NoActiveBan, at(NOW))
            .await,
        Err(StateError::Invalid {
            field: "expiresAt",
            ..
        })
    ));
    assert!(matches!(
        table
            .list_bans(&BanScope::Deployment, 0, None, at(NOW))
            .await,
        Err(StateError::Invalid { field: "limit", .. })
    ));
}

#[tokio::test]
async fn a_missing_table_is_an_error_never_taken_as_not_banned() {
    let table = StateTable::new(dynamodb_client(&dynamodb_url()), "no-such-table");
    let result = table.active_ban(ROOM, "viewer-1", at(NOW)).await;
    assert!(
        matches!(
            result,
            Err(StateError::Unavailable {
                operation: "GetItem",
                ..
            })
        ),
        "{result:?}"
    );
}
