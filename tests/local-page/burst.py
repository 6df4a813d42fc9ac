#!/usr/bin/env python3
"""Many chat clients send at the same moment through the local stack (scripts/run-local).

    python3 tests/local-page/burst.py [--clients 50] [--senders 10] [--warm-up 3]

IVS Chat invokes a room's review handler concurrently, and Lambda runs more instances of it;
one Runtime Interface Emulator serves one invocation at a time and crashes on an overlap. The
local stack answers with a pool of review-handler instances (RUN_LOCAL_REVIEW_INSTANCES) the
emulator gives each review to. This creates a room with the stack's review handler (from
.local-run/stack.json, as run-local resolved the template), fallback DENY and 100 messages a
second allowed, connects --clients chat clients (connections of --senders chatters), has them
all send one clean message at the same moment, and checks that every sender got its MESSAGE
back and that the emulator's journal shows every message reviewed by the handler, none by the
fallback. The room is deleted at the end. Exits 0 when all held, 1 otherwise (naming what
failed).

The chatters have talked before the burst: each first sends --warm-up messages one after
another (set it to the number of instances: consecutive reviews go to the instances in turn, so
every instance has then seen every chatter). The review handler's ban check reads a sender's
bans from the state table once per instance and then keeps the answer for seconds; locally the
table is moto, which serves one request at a time (about 10 ms each), so first messages from
50 senders nobody has seen would queue about half a second for their reads, past IVS's 200 ms,
whatever the number of instances. In AWS, DynamoDB serves those reads side by side.

tests/local-page/run.sh runs it against the stack it started, then checks the stack is still
up. Standard library only (the WebSocket client is scripts/chat's).
"""

import argparse
import importlib.machinery
import importlib.util
import json
import socket
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Outside strict mode the emulator checks only the shape of the Authorization header.
AUTHORIZATION = ("AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ivschat/aws4_request, "
                 "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)


def load_chat():
    """scripts/chat (a script without a .py suffix) as a module."""
    loader = importlib.machinery.SourceFileLoader("chat", str(ROOT / "scripts" / "chat"))
    spec = importlib.util.spec_from_loader("chat", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def post(url, body, headers=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
    return json.loads(text) if text else None


def control(base, operation, body):
    return post(f"{base}/{operation}", body, {"authorization": AUTHORIZATION})


def review_handler_arn():
    stack = json.loads((ROOT / ".local-run" / "stack.json").read_text())
    for function in stack["functions"]:
        if function["logicalId"] == "ReviewHandlerFunction":
            return function["arn"]
    sys.exit("burst: .local-run/stack.json names no ReviewHandlerFunction")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="chat clients (default 50)")
    parser.add_argument("--senders", type=int, default=10,
                        help="chatters the clients belong to, round robin (default 10)")
    parser.add_argument("--warm-up", type=int, default=3,
                        help="messages each chatter sends, one after another, before the burst "
                             "(default 3, run-local's number of review-handler instances)")
    parser.add_argument("--control", default="http://127.0.0.1:4510",
                        help="the emulator's control plane (default http://127.0.0.1:4510)")
    parser.add_argument("--messaging", default="ws://127.0.0.1:4511",
                        help="the chat WebSocket (default ws://127.0.0.1:4511)")
    args = parser.parse_args()
    if not 1 <= args.clients <= 100:
        parser.error("--clients must be 1 to 100 (the room allows 100 messages a second)")
    if not 1 <= args.senders <= args.clients:
        parser.error("--senders must be 1 to --clients")
    if not 0 <= args.warm_up <= 8:
        parser.error("--warm-up must be 0 to 8")
    chat = load_chat()

    room = control(args.control, "CreateRoom", {
        "name": "burst",
        "maximumMessageRatePerSecond": 100,
        "messageReviewHandler": {"uri": review_handler_arn(), "fallbackResult": "DENY"},
    })["arn"]
    try:
        connections = []
        for number in range(args.clients):
            token = control(args.control, "CreateChatToken", {
                "roomIdentifier": room, "userId": f"burst-{number % args.senders}",
                "capabilities": ["SEND_MESSAGE"],
            })["token"]
            sock, rest = chat.connect(args.messaging, token, 10)
            connections.append((sock, chat.Frames(sock, rest)))

        def reply_to(number, request_id):
            sock, frames = connections[number]
            sock.settimeout(20)
            while True:
                frame = json.loads(frames.next_text())
                if frame.get("RequestId") == request_id:
                    return frame

        # Each chatter's earlier messages, one after another (on its first connection).
        warm_ups = 0
        warm_up_problems = []
        for round_ in range(args.warm_up):
            for sender in range(args.senders):
                request_id = f"w{round_}-{sender}"
                chat.send_text(connections[sender][0], json.dumps({
                    "Action": "SEND_MESSAGE", "RequestId": request_id,
                    "Content": f"hi all, warming up {round_}"}))
                frame = reply_to(sender, request_id)
                if frame.get("Type") != "MESSAGE":
                    warm_up_problems.append(f"a warm-up message was not delivered: {frame}")
                warm_ups += 1

        # A second's pause, so the burst has the room's rate limit (a sliding second) to itself;
        # the chatters' ban answers stay fresh for longer (BAN_CACHE_SECONDS, 5 s).
        time.sleep(1.1)
        answers = [None] * args.clients
        barrier = threading.Barrier(args.clients)

        def client(number):
            sock, frames = connections[number]
            request_id = f"b{number}"
            barrier.wait()
            chat.send_text(sock, json.dumps({"Action": "SEND_MESSAGE", "RequestId": request_id,
                                             "Content": f"good game everyone, round {number}"}))
            try:
                answers[number] = reply_to(number, request_id)
            except (chat.ChatError, OSError, ValueError) as error:
                answers[number] = {"Type": "NONE", "error": str(error)}

        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        for sock, _ in connections:
            sock.close()

        problems = warm_up_problems + [
            f"client {n}: {frame}" for n, frame in enumerate(answers)
            if not frame or frame.get("Type") != "MESSAGE"]
        with urllib.request.urlopen(f"{args.control}/_emulator/journal", timeout=10) as response:
            entries = json.loads(response.read())["entries"]
        reviews = [e["review"] for e in entries
                   if e.get("action") == "ReviewMessage" and e.get("roomArn") == room and e.get("review")]
        if len(reviews) != warm_ups + args.clients:
            problems.append(f"the journal has {len(reviews)} reviews in the room, "
                            f"not {warm_ups} + {args.clients}")
        reviews = reviews[warm_ups:]  # the burst's (the journal is in order)
        fallbacks = [r for r in reviews if r.get("fallbackApplied")]
        for review in fallbacks[:5]:
            problems.append(f"a review got the fallback: {review.get('failure')}")
        slowest = max((r.get("latencyMicros", 0) for r in reviews), default=0) / 1000
        print(f"burst: {args.clients} clients of {args.senders} chatters sent at once; "
              f"{len(reviews)} reviewed, "
              f"{len(fallbacks)} by the fallback; slowest review {slowest:.1f} ms (the wait for "
              f"an idle instance included); all answered in {elapsed * 1000:.0f} ms", file=sys.stderr)
        for problem in problems:
            print(f"burst: {problem}", file=sys.stderr)
        return 1 if problems else 0
    finally:
        try:
            control(args.control, "DeleteRoom", {"identifier": room})
        except OSError:
            pass


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, socket.timeout) as error:
        sys.exit(f"burst: {error}")
