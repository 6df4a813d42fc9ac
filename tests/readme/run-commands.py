#!/usr/bin/env python3
"""Runs every shell command the repository's Markdown shows, against the local stack, so a
snippet that no longer works fails the test run; and makes sure no command goes unclassified.

    python3 tests/readme/run-commands.py [--run-local-log FILE]   run every runnable block
    python3 tests/readme/run-commands.py --list                     classify, print, run nothing
    python3 tests/readme/run-commands.py --check                    classify, print problems only

The documents: every Markdown file of the repository outside generated folders (`target/`,
`.venv/`, `node_modules/`, `.git/`, `.wordlists/`, `.aws-sam/`, `.local-run/`), that is every
README.md (tests/README.md, local/README.md, events/README.md, the functions' and the shared
crates'), every file under docs/, ARCHITECTURE.md and shared/ivschat-moderation/BENCHMARKS.md,
whether or not a link reaches them; README.md first, then the others in path order.

Fenced blocks. In each document, every fenced block is looked at:

- a block tagged `sh`, `bash`, `shell` or `console` is a command block and must be classified by
  HTML comments on the lines right above its opening fence:
    <!-- run by tests -->                      run against the local stack (see below);
    <!-- expect: TEXT -->                      (after "run by tests", any number) TEXT must appear
                                               in what the block prints (stdout and stderr);
    <!-- not run by tests: REASON -->          not runnable here, with the reason (for example
                                               `sam deploy --guided`, which needs an AWS account);
  a command block with neither, or "not run by tests" without a reason, is a problem;
- in a block that runs, every `curl` must fail on an HTTP error: `-f`, `--fail` or
  `--fail-with-body` (a block passes on exit status 0, so a curl that prints a 4xx or 5xx and
  exits 0 would pass without them); a block whose output matters says so with `expect`;
- a block with no language is a problem (say `sh` for commands, `text` for output);
- blocks in other languages (`toml`, `json`, `rust`, `text`, ...) are not commands.

Inline commands. Outside fenced blocks, a backticked span (`...`, or ``...`` and longer fences,
spanning lines within a paragraph) is an inline command when, after any leading `$ ` prompt and
`NAME=value` assignments:
  - its first word is a command word (COMMAND_WORDS below: `cargo`, `cargo-lambda`, `rustup`,
    `sam`, `aws`, `curl`, `python3`, `npm`, `docker`, `openssl`, `git`, `jq`, `export`, ...;
    not `sh`, which the moderation engine's README uses for the evasion `sh it`) or
    a path to an executable file of this repository (`scripts/run-local`, `./scripts/test-all`,
    `.venv/bin/python`, `tests/local-page/run.sh`, ...), and
  - it has at least one argument (`cargo test -p token-api`, `scripts/sign-webhook FIXTURE`),
    or it is a bare executable path written right after the word "run" ("Run
    `scripts/wordlists.sh` first"): elsewhere a bare name (`cargo`, `sam`, `scripts/run-local`
    as the subject of a sentence) names a tool or a file, which scripts/check-doc-references
    checks exists, rather than asking the reader to run it.
Each inline command must be either
  - shown in a fenced block that runs (its text, with runs of whitespace made one space, is part
    of such a block's text, in any document; backslash-continued lines count as one), or
  - in a paragraph that carries the marker <!-- not run by tests: REASON --> (HTML comments do
    not show on the rendered page; write it anywhere in the paragraph, usually on a line of its
    own at its end). A paragraph is a run of non-blank lines; each list item, table row and
    heading is a paragraph of its own; a paragraph made only of markers lends them to the next
    paragraph; comment lines right above a fence are that block's, not a paragraph's. One marker
    covers every inline command of its paragraph, so its reason must fit them all. A code span
    that shows a marker (`<!-- ... -->` in backticks) is text, not a marker.
A marker that covers no command, or an inline command with neither, is a problem.

Running. The runnable blocks of one document run in the order they appear, in one bash per
document with `set -euo pipefail`, from the repository root, as a reader pasting them into one
terminal would: what a block exports is there for the document's next blocks, and only for
them (every document starts from a clean environment; documents share only the stack). The environment is only PATH, HOME and
the toolchain's locations: anything else a block needs (credentials for the emulator, API_URL,
the webhook secret) the document must tell the reader to set, in a block that runs too. The
local stack (`scripts/run-local`, default ports) must be up: tests/local-page/run.sh runs this
while it is, from scripts/test-all.

--run-local-log FILE also runs the commands `scripts/run-local` printed to try (from its output
in FILE), and checks that they print a chat token, API Gateway's 401 and a message masked by
the review handler.

--list prints each block's and each inline command's classification and runs nothing; --check
prints only the problems and a count. Both need no local stack and exit 1 on any problem.
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
SKIPPED_DIRECTORIES = {"target", ".git", ".venv", "node_modules", ".wordlists", ".aws-sam", ".local-run"}
COMMAND_LANGUAGES = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)\s*(?P<lang>[^\s`]*)\s*$")
COMMENT = re.compile(r"^\s*<!--\s*(?P<text>.*?)\s*-->\s*$")
COMMENT_ONLY = re.compile(r"<!--.*?-->", re.DOTALL)
NOT_RUN = "not run by tests"
# The first word of an inline command (see the docstring). A repository path to an executable
# file counts too.
COMMAND_WORDS = {
    "apt", "apt-get", "aws", "bash", "cargo", "cargo-lambda", "cd", "cfn-lint", "curl",
    "docker", "export", "git", "ivschat-review", "jq", "kill", "local-front", "make", "node",
    "npm", "npx", "openssl", "pip", "pip3", "python", "python3", "qemu-aarch64", "rustc",
    "rustup", "sam", "sudo", "valgrind", "websocat",
}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
RUN_BEFORE = re.compile(r"\brun\s*$", re.IGNORECASE)
CURL = re.compile(r"(?<![\w/-])curl(?![\w-])")
CURL_FAILS = re.compile(r"(?<!\S)(?:--fail|--fail-with-body|-[A-Za-z]*f[A-Za-z]*)(?!\S)")
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


@dataclass
class Inline:
    path: str
    line: int  # 1-based line where the span starts
    command: str
    reason: str = ""     # the paragraph's marker, when it has one
    shown_in: str = ""   # the run block that shows it, when one does
    problem: str = ""

    @property
    def where(self):
        return f"{self.path}:{self.line}"


@dataclass
class Document:
    name: str
    blocks: list
    inlines: list
    problems: list  # problems that belong to no block or inline command (stray markers)


def documents():
    """Every Markdown file of the repository: README.md first, then the others by path."""
    found = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES)
        found += [Path(directory, f).relative_to(ROOT).as_posix() for f in files if f.endswith(".md")]
    return sorted(found, key=lambda name: (name != "README.md", name))


def dedent(line, indent):
    """A line of a block indented by `indent` (a block in a list item), without that indent."""
    leading = len(line) - len(line.lstrip(" "))
    return line[min(indent, leading):]


def parse(relative):
    """A document's fenced blocks, classified by the comments right above them, and the
    paragraphs outside them (lists of (line number, text)), for the inline commands."""
    lines = (ROOT / relative).read_text(encoding="utf-8").splitlines()
    blocks, paragraphs, current = [], [], []

    def end_paragraph():
        nonlocal current
        if current:
            paragraphs.append(current)
        current = []

    index = 0
    while index < len(lines):
        line = lines[index]
        opening = FENCE.match(line)
        if not opening:
            if not line.strip():
                end_paragraph()
            else:
                if line.lstrip().startswith(("|", "#")) or LIST_ITEM.match(line):
                    end_paragraph()
                current.append((index + 1, line))
                if line.lstrip().startswith("#"):
                    end_paragraph()
            index += 1
            continue
        # The HTML comments directly above the fence, nearest last: the block's, not the
        # paragraph's.
        comments = []
        while current and COMMENT.match(current[-1][1]):
            comments.insert(0, COMMENT.match(current[-1][1]).group("text"))
            current.pop()
        end_paragraph()
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
        classify(block, comments)
        blocks.append(block)
    end_paragraph()
    return blocks, paragraphs


def classify(block, comments):
    if not block.language:
        block.problem = ("a fenced block without a language: tag it `sh` (and classify it) if it "
                         "holds commands, `text` if it shows output")
        return
    if block.language not in COMMAND_LANGUAGES:
        return
    marks = [c for c in comments if c.startswith(("run by tests", NOT_RUN))]
    if len(marks) != 1:
        block.problem = ("a command block must be preceded by exactly one of <!-- run by tests --> "
                         "or <!-- not run by tests: REASON -->" + (f" (found {len(marks)})" if marks else ""))
        return
    mark = marks[0]
    if mark.startswith(NOT_RUN):
        reason = mark[len(NOT_RUN):].lstrip(":").strip()
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
    for command in CURL.split(joined(block.text))[1:]:
        # This curl's own words: up to the next pipe, list operator or end of line.
        words = re.split(r"\||;|&&|\n", command, maxsplit=1)[0]
        if not CURL_FAILS.search(words):
            block.problem = ("a curl in a block that runs must fail on an HTTP error: add "
                             "--fail-with-body (or -f)")


def joined(text):
    """A block's text with backslash-continued lines joined."""
    return re.sub(r"\\\n[ \t]*", " ", text)


def one_line(text):
    return " ".join(text.split())


def scan(text):
    """The HTML comments and inline code spans of a paragraph's text, left to right, as
    ("comment" | "code", offset, content): whichever opens first wins, as in CommonMark, so a
    comment's reason may quote `code` and a code span may show `<!-- a marker -->`."""
    found = []
    position = 0
    while position < len(text):
        if text.startswith("<!--", position):
            end = text.find("-->", position + 4)
            if end < 0:
                break
            found.append(("comment", position, text[position + 4:end]))
            position = end + 3
            continue
        if text[position] != "`":
            position += 1
            continue
        ticks = re.compile(r"`+").match(text, position).group(0)
        closing = re.compile(r"(?<!`)" + ticks + r"(?!`)").search(text, position + len(ticks))
        if not closing:
            position += len(ticks)
            continue
        content = text[position + len(ticks):closing.start()].replace("\n", " ")
        if content.startswith(" ") and content.endswith(" ") and content.strip():
            content = content[1:-1]
        found.append(("code", position, content))
        position = closing.end()
    return found


def executable(word):
    path = (ROOT / word).resolve()
    return "/" in word and ROOT in path.parents and path.is_file() and os.access(path, os.X_OK)


def inline_command(content, before):
    """The command a code span holds, or None when it holds none (see the docstring)."""
    words = content.strip().split()
    if words[:1] == ["$"]:
        words = words[1:]
    while words and ASSIGNMENT.match(words[0]):
        words = words[1:]
    if not words:
        return None
    first = words[0]
    is_executable = executable(first)
    if first not in COMMAND_WORDS and not is_executable:
        return None
    if len(words) > 1 or (is_executable and RUN_BEFORE.search(before)):
        return content.strip()
    return None


def inlines_of(relative, paragraphs):
    """The inline commands of a document's paragraphs, with their paragraph's marker, and the
    problems of markers that cover nothing."""
    found, problems = [], []
    lent = []  # markers of a paragraph made only of markers, for the next paragraph
    for paragraph in paragraphs:
        text = "\n".join(line for _, line in paragraph)
        first_line = paragraph[0][0]
        pieces = scan(text)
        comments = [(offset, content.strip()) for kind, offset, content in pieces if kind == "comment"]
        markers = lent + [content for _, content in comments if content.startswith(NOT_RUN)]
        if not COMMENT_ONLY.sub("", text).strip():
            lent = markers
            continue
        lent = []
        reasons = []
        for marker in markers:
            reason = marker[len(NOT_RUN):].lstrip(":").strip()
            if not reason:
                problems.append(f"{relative}:{first_line}: <!-- not run by tests: REASON -->: the reason is missing")
            reasons.append(reason)
        commands = []
        for kind, offset, content in pieces:
            if kind != "code":
                continue
            command = inline_command(content, text[:offset])
            if command:
                line = first_line + text.count("\n", 0, offset)
                commands.append(Inline(relative, line, command, reason="; ".join(r for r in reasons if r)))
        if markers and not commands:
            problems.append(f"{relative}:{first_line}: a <!-- not run by tests --> marker in a paragraph "
                            "with no inline command (a block's marker goes on the line right above its fence)")
        found += commands
    if lent:
        problems.append(f"{relative}: a <!-- not run by tests --> marker at the end of the document covers nothing")
    return found, problems


def load():
    """Every document, its blocks and inline commands classified."""
    parsed = {name: parse(name) for name in documents()}
    run_texts = [(b.where, one_line(joined(b.text))) for blocks, _ in parsed.values() for b in blocks if b.run]
    loaded = []
    for name, (blocks, paragraphs) in parsed.items():
        inlines, problems = inlines_of(name, paragraphs)
        for inline in inlines:
            wanted = one_line(inline.command)
            inline.shown_in = next((where for where, text in run_texts if wanted in text), "")
            if not inline.shown_in and not inline.reason:
                inline.problem = (f"`{inline.command}`: an inline command must be shown in a block that "
                                  "runs, or its paragraph must carry <!-- not run by tests: REASON -->")
        loaded.append(Document(name, blocks, inlines, problems))
    return loaded


def all_problems(loaded):
    problems = []
    for document in loaded:
        problems += [f"{b.where}: {b.problem}" for b in document.blocks if b.problem]
        problems += [f"{i.where}: {i.problem}" for i in document.inlines if i.problem]
        problems += document.problems
    return problems


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


def summary(loaded):
    blocks = [b for d in loaded for b in d.blocks if b.language in COMMAND_LANGUAGES]
    inlines = [i for d in loaded for i in d.inlines]
    return (f"{len(loaded)} documents: {len(blocks)} command blocks ({sum(b.run for b in blocks)} run, "
            f"{sum(not b.run for b in blocks)} marked not run), {len(inlines)} inline commands "
            f"({sum(bool(i.shown_in) for i in inlines)} shown in a block that runs, "
            f"{sum(bool(i.reason) and not i.shown_in for i in inlines)} marked not run)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-local-log", metavar="FILE",
                        help="also run the commands scripts/run-local printed in FILE")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--list", action="store_true",
                      help="print each block's and inline command's classification, run nothing")
    mode.add_argument("--check", action="store_true",
                      help="print only unclassified or malformed commands (exit 1 if any), run nothing")
    args = parser.parse_args()

    loaded = load()
    problems = all_problems(loaded)
    if args.list:
        for document in loaded:
            items = [(b.line, b) for b in document.blocks if b.language in COMMAND_LANGUAGES or b.problem]
            items += [(i.line, i) for i in document.inlines]
            for _, item in sorted(items, key=lambda pair: pair[0]):
                if isinstance(item, Block):
                    state = "PROBLEM: " + item.problem if item.problem else (
                        "run" + "".join(f" [expect {e!r}]" for e in item.expects) if item.run
                        else f"not run: {item.reason}")
                    print(f"{item.where}: block: {state}")
                else:
                    state = "PROBLEM: " + item.problem if item.problem else (
                        f"shown in the block at {item.shown_in}, which runs" if item.shown_in
                        else f"not run: {item.reason}")
                    print(f"{item.where}: inline `{item.command}`: {state}")
            for problem in document.problems:
                print(f"PROBLEM: {problem}")
        print(f"readme-commands: {summary(loaded)}", file=sys.stderr)
        return 1 if problems else 0
    if args.check:
        if problems:
            print("readme-commands: unclassified or malformed commands:\n" + "\n".join(problems), file=sys.stderr)
            return 1
        print(f"readme-commands: every command classified; {summary(loaded)}", file=sys.stderr)
        return 0
    if problems:
        print("readme-commands: unclassified or malformed commands:\n" + "\n".join(problems), file=sys.stderr)
        return 1
    by_document = {document.name: document.blocks for document in loaded}
    if args.run_local_log:
        by_document["scripts/run-local output"] = [run_local_block(args.run_local_log)]

    failures = []
    with tempfile.TemporaryDirectory(prefix="readme-commands-") as work:
        for name, blocks in by_document.items():
            failures += run_document(name, blocks, Path(work))
    if failures:
        print("readme-commands: FAILED\n" + "\n".join(failures), file=sys.stderr)
        return 1
    print(f"readme-commands: the runnable blocks ran as documented; {summary(loaded)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
