//! The audit trail of requests that ask for no action: a CORS preflight writes no line, a
//! refused method writes one. A binary of its own: it installs the global log subscriber.

mod common;

use common::*;

#[tokio::test]
async fn a_refused_method_is_audited_and_a_preflight_is_not() {
    // GIVEN every log line captured
    let logs = capture_logs();
    let emulator = start_emulator().await;
    let api = api(&emulator);
    // WHEN a browser sends a CORS preflight, and a caller uses a method the route does not serve
    let preflight = call(&api, fixture("options-events-preflight")).await;
    assert_eq!(preflight.status().as_u16(), 204);
    let wrong_method = call(&api, fixture("get-events")).await;
    assert_eq!(wrong_method.status().as_u16(), 405);
    // THEN only the refused request has an audit line: the preflight acts on nothing
    let lines = audit_lines(&logs.text());
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0]["fields"]["action"], "send_event");
    assert_eq!(lines[0]["fields"]["outcome"], "refused");
    assert_eq!(lines[0]["fields"]["code"], "MethodNotAllowed");
}
