//! A small load test: 50 concurrent SDK clients, 2,000 mixed operations, nothing lost.
//! Talks only to the emulator on 127.0.0.1; every loop is bounded.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_ivschat::types::ChatTokenCapability;
use common::{client, start};
use ivschat_emulator::JournalAction;

const CLIENTS: usize = 50;
const OPERATIONS_PER_CLIENT: usize = 40;

/// What one client did and must find afterwards.
#[derive(Default)]
struct ClientRecord {
    rooms: Vec<String>,
    event_ids: Vec<String>,
    delete_ids: Vec<String>,
    disconnected_users: Vec<String>,
    operations: usize,
}

async fn run_client(index: usize, client: aws_sdk_ivschat::Client) -> Result<ClientRecord, String> {
    let mut record = ClientRecord::default();
    for step in 0..OPERATIONS_PER_CLIENT {
        let fail = |e: &dyn std::fmt::Debug| format!("client {index} step {step}: {e:?}");
        let room = record.rooms.last().cloned();
        match (step % 8, room) {
            (0, _) | (_, None) => {
                let created = client
                    .create_room()
                    .name(format!("load-{index}-{step}"))
                    .send()
                    .await
                    .map_err(|e| fail(&e))?;
                record
                    .rooms
                    .push(created.arn().ok_or_else(|| fail(&"no arn"))?.to_owned());
            }
            (1, Some(room)) => {
                client
                    .get_room()
                    .identifier(room)
                    .send()
                    .await
                    .map_err(|e| fail(&e))?;
            }
            (2, Some(room)) => {
                let sent = client
                    .send_event()
                    .room_identifier(room)
                    .event_name(format!("load:{index}:{step}"))
                    .send()
                    .await
                    .map_err(|e| fail(&e))?;
                record
                    .event_ids
                    .push(sent.id().ok_or_else(|| fail(&"no id"))?.to_owned());
            }
            (3, Some(room)) => {
                let deleted = client
                    .delete_message()
                    .room_identifier(room)
                    .id(format!("{index:06}{step:06}"))
                    .send()
                    .await
                    .map_err(|e| fail(&e))?;
                record
                    .delete_ids
                    .push(deleted.id().ok_or_else(|| fail(&"no id"))?.to_owned());
            }
            (4, Some(room)) => {
                let user = format!("user-{index}-{step}");
                client
                    .disconnect_user()
                    .room_identifier(room)
                    .user_id(&user)
                    .send()
                    .await
                    .map_err(|e| fail(&e))?;
                record.disconnected_users.push(user);
            }
            (5, Some(room)) => {
                client
                    .tag_resource()
                    .resource_arn(room)
                    .tags("step", step.to_string())
                    .send()
                    .await
                    .map_err(|e| fail(&e))?;
            }
            (6, Some(room)) => {
                client
                    .create_chat_token()
                    .room_identifier(room)
                    .user_id(format!("user-{index}"))
                    .capabilities(ChatTokenCapability::SendMessage)
                    .send()
                    .await
                    .map_err(|e| fail(&e))?;
            }
            (_, Some(_)) => {
                client
                    .list_rooms()
                    .max_results(10)
                    .send()
                    .await
                    .map_err(|e| fail(&e))?;
            }
        }
        record.operations += 1;
    }
    Ok(record)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_clients_lose_no_room_and_no_journal_entry() {
    // GIVEN an emulator and 50 independent SDK clients
    let emulator = start().await;
    assert!(emulator.url().starts_with("http://127.0.0.1:"));
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|index| tokio::spawn(run_client(index, client(&emulator))))
        .collect();
    // WHEN each runs 40 mixed operations concurrently (2,000 in all)
    let records = tokio::time::timeout(Duration::from_secs(180), futures::future::join_all(tasks))
        .await
        .expect("load finishes within 3 minutes");
    let records: Vec<ClientRecord> = records
        .into_iter()
        .map(|joined| joined.expect("task ran").expect("every call succeeded"))
        .collect();
    assert_eq!(
        records.iter().map(|r| r.operations).sum::<usize>(),
        CLIENTS * OPERATIONS_PER_CLIENT
    );
    // THEN ListRooms, paged to the end, returns exactly the rooms created
    let created: BTreeSet<String> = records.iter().flat_map(|r| r.rooms.clone()).collect();
    let lister = client(&emulator);
    let mut listed = BTreeSet::new();
    let mut token = None;
    for _ in 0..100 {
        let page = lister
            .list_rooms()
            .set_next_token(token)
            .send()
            .await
            .expect("ListRooms");
        for room in page.rooms() {
            assert!(
                listed.insert(room.arn().expect("arn").to_owned()),
                "listed twice"
            );
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(listed, created);
    assert_eq!(created.len(), CLIENTS * OPERATIONS_PER_CLIENT / 8);
    // AND the journal holds every event, deletion and disconnection, each once
    let journal = emulator.journal();
    let ids_of = |action| -> BTreeSet<String> {
        journal
            .iter()
            .filter(|entry| entry.action == action)
            .map(|entry| entry.operation_id.clone())
            .collect()
    };
    let expected_events: BTreeSet<String> =
        records.iter().flat_map(|r| r.event_ids.clone()).collect();
    let expected_deletes: BTreeSet<String> =
        records.iter().flat_map(|r| r.delete_ids.clone()).collect();
    let expected_users: BTreeSet<String> = records
        .iter()
        .flat_map(|r| r.disconnected_users.clone())
        .collect();
    let disconnected: BTreeSet<String> = journal
        .iter()
        .filter(|entry| entry.action == JournalAction::DisconnectUser)
        .filter_map(|entry| entry.user_id.clone())
        .collect();
    assert_eq!(ids_of(JournalAction::SendEvent), expected_events);
    assert_eq!(ids_of(JournalAction::DeleteMessage), expected_deletes);
    assert_eq!(disconnected, expected_users);
    assert_eq!(
        journal.len(),
        expected_events.len() + expected_deletes.len() + expected_users.len()
    );
    let sequences: Vec<u64> = journal.iter().map(|entry| entry.sequence).collect();
    assert_eq!(sequences, (1..=journal.len() as u64).collect::<Vec<_>>());
}
