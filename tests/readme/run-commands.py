#!/usr/bin/env python3
"""Runs every shell command the README shows, against the local stack, so a snippet that no
longer works fails the test run.

    python3 tests/readme/run-commands.py [--run-local-log FILE] [--list]

The documents: README.md and every Markdown file it links to in this repository (local/README.md,
events/README.md, the functions' READMEs, ...). In each, every fenced block is looked at:

- a block tagged `sh`, `bash`, `shell` or `console` is a command block and must be classified by
  HTML comments on the lines right above its opening fence:
    <!-- run by tests -->                      run against the local stack (see below);
    <!-- expect: TEXT -->                      (after "run by tests", any number) TEXT must appear
                                               in what the block prints (stdout and stderr);
    <!-- not run by tests: REASON -->          not runnable here, with the reason (for example
                                               `sam deploy --guided`, which needs an AWS account);
  a command block with neither, or "not run by tests" without a reason, fails the test;
- a block with no language fails the test (say `sh` for commands, `text` for output);
- blocks in other languages (`toml`, `json`, `rust`, `text`, ...) are not commands.

The runnable blocks of one document run in the order they appear, in one bash with
`set -euo pipefail`, from the repository root, as a reader pasting them into one terminal would:
what a block exports is there for the next. The environment is only PATH, HOME and the
toolchain's locations: anything else a block needs (credentials for the emulator, API_URL, the
webhook secret) the README must tell the reader to set, in a block that runs too. The local stack
(`scripts/run-local`, default ports) must be up: tests/local-page/run.sh runs this while it is.

--run-local-log FILE also runs the commands `scripts/run-local` printed to try (from its output
in FILE), and checks that they print a chat token, API Gateway's 401 and a message masked by
the review handler.

--list prints each block's classification and runs nothing.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
COMMAND_LANGUAGES = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)\s*(?P<lang>[^\s`]*)\s*$")
COMMENT = re.compile(r"^\s*<!--\s*(?P<text>.*?)\s*-->\s*$")
LINK = re.compile(r"\]\((?P<target>[^)#\s]+\.md)(?:#[^)]*)?\)")
# What a process inherits: where the tools are, nothing about AWS or the stack.
# CARGO_INCREMENTAL among them: a `cargo run` in a block must see the settings the test build
# used (CI sets CARGO_INCREMENTAL=0), or Cargo builds the workspace's crates again (80 s).
INHERITED = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "TERM", "CARGO_HOME",
             "RUSTUP_HOME", "CARGO_TARGET_DIR", "CARGO_INCREMENTAL", "RUSTUP_TOOLCHAIN")
TIMEOUT_SECONDS = 45 * 60
# The commands scripts/run-local prints follow this line, up to the next blank line.
RUN_LOCAL_TRY = "Try, in another shell:"
RUN_LOCAL_EXPECT = (
    '"sessionExpirationTime"',   # the chat token, as readable JSON
    "HTTP/1.1 401",              # no JWT: API Gateway's refusal
    '"Content": "what a **** stream"',  # the message, masked by the review handler
)


@dataclass
class Block:
    path: str
    line: int  # 1-based line of the opening fence
    language: str
    text: str
    run: bool = False
    reason: str = ""
    expects: list = field(default_factory=list)
    problem: str = ""

    @property
    def where(self):
        return f"{self.path}:{self.line}"


def documents():
    """README.md and every repository Markdown file it links to, in link order."""
    readme = ROOT / "README.md"
    found = ["README.md"]
    for match in LINK.finditer(readme.read_text(encoding="utf-8")):
        target = match.group("target")
        if "://" in target:
            continue
        path = (ROOT / target).resolve()
        if path.is_file() and ROOT in path.parents:
            relative = path.relative_to(ROOT).as_posix()
            if relative not in found:
                found.append(relative)
    return found


def dedent(line, indent):
    """A line of a block indented by `indent` (a block in a list item), without that indent."""
    leading = len(line) - len(line.lstrip(" "))
    return line[min(indent, leading):]


def blocks_of(relative):
    """Every fenced block of a document, classified by the comments right above it."""
    lines = (ROOT / relative).read_text(encoding="utf-8").splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, language = opening.group("fence"), opening.group("lang").lower()
        start = index
        indent = len(opening.group("indent"))
        body = []
        index += 1
        while index < len(lines):
            closing = FENCE.match(lines[index])
            if closing and closing.group("fence").startswith(fence[0] * len(fence)) and not closing.group("lang"):
                break
            body.append(dedent(lines[index], indent))
            index += 1
        else:
            blocks.append(Block(relative, start + 1, language, "", problem="the fence is never closed"))
            break
        index += 1
        block = Block(relative, start + 1, language, "\n".join(body) + "\n")
        # The HTML comments directly above the fence, nearest last.
        comments = []
        above = start - 1
        while above >= 0 and COMMENT.match(lines[above]):
            comments.insert(0, COMMENT.match(lines[above]).group("text"))
            above -= 1
        classify(block, comments)
        blocks.append(block)
    return blocks


def classify(block, comments):
    if not block.language:
        block.problem = ("a fenced block without a language: tag it `sh` (and classify it) if it "
                         "holds commands, `text` if it shows output")
        return
    if block.language not in COMMAND_LANGUAGES:
        return
    marks = [c for c in comments if c.startswith(("run by tests", "not run by tests"))]
    if len(marks) != 1:
        block.problem = ("a command block must be preceded by exactly one of <!-- run by tests --> "
                         "or <!-- not run by tests: REASON -->" + (f" (found {len(marks)})" if marks else ""))
        return
    mark = marks[0]
    if mark.startswith("not run by tests"):
        reason = mark[len("not run by tests"):].lstrip(":").strip()
        if not reason:
            block.problem = "<!-- not run by tests: REASON -->: the reason is missing"
        block.reason = reason
        return
    if mark != "run by tests":
        block.problem = f"<!-- {mark} -->: expected exactly <!-- run by tests -->"
        return
    block.run = True
    for comment in comments:
        if comment.startswith("expect:"):
            expected = comment[len("expect:"):].strip()
            if not expected:
                block.problem = "<!-- expect: TEXT -->: the text is missing"
            block.expects.append(expected)


def run_local_block(log_path):
    """The commands scripts/run-local printed to try, as a block."""
    lines = Path(log_path).read_text(encoding="utf-8", errors="replace").splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == RUN_LOCAL_TRY) + 1
    except StopIteration:
        sys.exit(f"readme-commands: {log_path} has no line {RUN_LOCAL_TRY!r} (did run-local start?)")
    commands = []
    for line in lines[start:]:
        if not line.strip():
            break
        commands.append(line.strip())
    if not commands:
        sys.exit(f"readme-commands: {log_path}: no commands after {RUN_LOCAL_TRY!r}")
    return Block(f"{log_path} (printed by scripts/run-local)", start + 1, "sh", "\n".join(commands) + "\n",
                 run=True, expects=list(RUN_LOCAL_EXPECT))


def clean_environment():
    env = {key: os.environ[key] for key in INHERITED if key in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    return env


def run_document(name, blocks, workdir):
    """Runs a document's runnable blocks in one bash; returns failure messages."""
    runnable = [b for b in blocks if b.run]
    if not runnable:
        return []
    script = ["set -euo pipefail", f"cd {shell_quote(str(ROOT))}"]
    logs = []
    for number, block in enumerate(runnable):
        log = workdir / f"{re.sub(r'[^A-Za-z0-9]+', '-', name)}-{number}.log"
        logs.append(log)
        script.append(f"echo {shell_quote(block.where)} > {shell_quote(str(workdir / 'current'))}")
        script.append("{")
        script.append(block.text.rstrip("\n"))
        script.append(f"}} > {shell_quote(str(log))} 2>&1 < /dev/null")
    script_path = workdir / f"{re.sub(r'[^A-Za-z0-9]+', '-', name)}.sh"
    script_path.write_text("\n".join(script) + "\n", encoding="utf-8")
    print(f"readme-commands: {name}: running {len(runnable)} block(s)", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        result = subprocess.run(["bash", str(script_path)], cwd=ROOT, env=clean_environment(),
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=TIMEOUT_SECONDS)
        status = result.returncode
        extra = (result.stdout + result.stderr).strip()
    except subprocess.TimeoutExpired:
        status, extra = None, f"timed out after {TIMEOUT_SECONDS} s"
    # How long the document's blocks took: a command that compiles in release shows here.
    print(f"readme-commands: {name}: done in {time.monotonic() - started:.0f} s", file=sys.stderr,
          flush=True)
    failures = []
    current = (workdir / "current").read_text().strip() if (workdir / "current").exists() else "?"
    for block, log in zip(runnable, logs):
        output = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if status != 0 and block.where == current:
            failures.append(f"{block.where}: the block failed (exit status {status}); it printed:\n"
                            f"{indent_text(output or extra or '(nothing)')}")
            break
        for expected in block.expects:
            if expected not in output:
                failures.append(f"{block.where}: the output lacks {expected!r}; it printed:\n"
                                f"{indent_text(output or '(nothing)')}")
    if status != 0 and not any(f.startswith(current + ":") for f in failures):
        failures.append(f"{name}: the blocks' shell failed (exit status {status}) at {current}:\n"
                        f"{indent_text(extra or '(nothing)')}")
    (workdir / "current").unlink(missing_ok=True)
    return failures


def shell_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


# Chat tokens and JWTs a command printed: kept out of the test's own output.
SECRET_LOOKING = re.compile(r"ivschat-emulator\.v1\.[A-Za-z0-9_.-]+|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def indent_text(text, limit=60):
    lines = SECRET_LOOKING.sub("<token left out>", text).rstrip("\n").splitlines()
    if len(lines) > limit:
        lines = lines[:10] + [f"... ({len(lines) - limit} lines left out) ..."] + lines[-(limit - 10):]
    return "\n".join("    " + line for line in lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-local-log", metavar="FILE",
                        help="also run the commands scripts/run-local printed in FILE")
    parser.add_argument("--list", action="store_true", help="print each block's classification, run nothing")
    args = parser.parse_args()

    by_document = {name: blocks_of(name) for name in documents()}
    problems = [f"{b.where}: {b.problem}" for blocks in by_document.values() for b in blocks if b.problem]
    if args.list:
        for blocks in by_document.values():
            for b in blocks:
                if b.language in COMMAND_LANGUAGES or b.problem:
                    state = "PROBLEM: " + b.problem if b.problem else (
                        "run" + "".join(f" [expect {e!r}]" for e in b.expects) if b.run else f"not run: {b.reason}")
                    print(f"{b.where}: {state}")
        return 1 if problems else 0
    if problems:
        print("readme-commands: unclassified or malformed blocks:\n" + "\n".join(problems), file=sys.stderr)
        return 1
    if args.run_local_log:
        by_document["scripts/run-local output"] = [run_local_block(args.run_local_log)]

    failures = []
    counts = {"run": 0, "not run": 0}
    with tempfile.TemporaryDirectory(prefix="readme-commands-") as work:
        for name, blocks in by_document.items():
            commands = [b for b in blocks if b.language in COMMAND_LANGUAGES]
            counts["run"] += sum(b.run for b in commands)
            counts["not run"] += sum(not b.run for b in commands)
            failures += run_document(name, blocks, Path(work))
    if failures:
        print("readme-commands: FAILED\n" + "\n".join(failures), file=sys.stderr)
        return 1
    print(f"readme-commands: {counts['run']} command blocks ran as documented "
          f"({counts['not run']} marked not run, each with its reason)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
