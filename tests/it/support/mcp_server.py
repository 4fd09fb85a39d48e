#!/usr/bin/env python3
"""A tiny MCP server for conclave's tests, speaking the MCP stdio transport: JSON-RPC 2.0
messages, one per line, on stdin and stdout (modelcontextprotocol.io, "Transports: stdio").

Tools:
  note {text}      appends `text` and a newline to mcp-notes.txt in its working directory
                   (the session's worktree) and answers "noted: <text>"
  fail {}          always answers isError with "the fail tool always fails"
  picture {}       answers a text block and an image block
  env_names {}     answers the names of its environment variables, one per line, then HOME=...
  slow {seconds}   sleeps, then answers "woke up"

Flags:
  --pid-file P     writes its pid to P first
  --log P          appends each method it receives to P, one per line
  --crash          says something on stderr and exits before reading anything
  --silent         reads everything and answers nothing
"""

import json
import os
import sys
import time

TOOLS = [
    {
        "name": "note",
        "description": "Append a line of text to mcp-notes.txt in the working directory.",
        "inputSchema": {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {"text": {"type": "string", "description": "the line to append"}},
            "required": ["text"],
            "additionalProperties": False,
        },
    },
    {
        "name": "fail",
        "description": "A tool that always fails.",
        "inputSchema": {"type": "object", "properties": {}},
    },
    {
        "name": "picture",
        "description": "A tool that answers with an image.",
        "inputSchema": {"type": "object"},
    },
    {
        "name": "env_names",
        "description": "The names of the server's environment variables.",
        "inputSchema": {"type": "object", "properties": {}},
    },
    {
        "name": "slow",
        "description": "Sleeps for a while.",
        "inputSchema": {
            "type": "object",
            "properties": {"seconds": {"type": "number"}},
        },
    },
]


def flag_value(name):
    if name in sys.argv:
        i = sys.argv.index(name)
        if i + 1 < len(sys.argv):
            return sys.argv[i + 1]
    return None


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def text(t, is_error=False):
    r = {"content": [{"type": "text", "text": t}]}
    if is_error:
        r["isError"] = True
    return r


def call(name, args):
    if name == "note":
        line = str(args.get("text", ""))
        with open("mcp-notes.txt", "a", encoding="utf-8") as f:
            f.write(line + "\n")
        return text("noted: " + line)
    if name == "fail":
        return text("the fail tool always fails", is_error=True)
    if name == "picture":
        return {
            "content": [
                {"type": "text", "text": "a picture:"},
                {"type": "image", "mimeType": "image/png", "data": "iVBORw0KGgoAAAANSUhEUg=="},
            ]
        }
    if name == "env_names":
        names = sorted(os.environ.keys())
        return text("\n".join(names) + "\nHOME=" + os.environ.get("HOME", ""))
    if name == "slow":
        time.sleep(float(args.get("seconds", 60)))
        return text("woke up")
    return None


def main():
    pid_file = flag_value("--pid-file")
    if pid_file:
        with open(pid_file, "w", encoding="utf-8") as f:
            f.write(str(os.getpid()))
    log = flag_value("--log")
    if "--crash" in sys.argv:
        sys.stderr.write("notes server: crashed on purpose before the handshake\n")
        sys.stderr.flush()
        sys.exit(3)
    silent = "--silent" in sys.argv
    for raw in sys.stdin:
        raw = raw.strip()
        if not raw:
            continue
        try:
            msg = json.loads(raw)
        except ValueError:
            send({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}})
            continue
        method = msg.get("method")
        if log and method:
            with open(log, "a", encoding="utf-8") as f:
                f.write(method + "\n")
        if silent or "id" not in msg or method is None:
            continue  # a notification (notifications/initialized, cancelled) or a response
        mid = msg["id"]
        params = msg.get("params") or {}
        if method == "initialize":
            result = {
                "protocolVersion": params.get("protocolVersion", "2025-06-18"),
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "conclave-test-notes", "version": "1.0.0"},
            }
        elif method == "ping":
            result = {}
        elif method == "tools/list":
            result = {"tools": TOOLS}
        elif method == "tools/call":
            result = call(params.get("name"), params.get("arguments") or {})
            if result is None:
                send({"jsonrpc": "2.0", "id": mid,
                      "error": {"code": -32602, "message": "unknown tool " + str(params.get("name"))}})
                continue
        else:
            send({"jsonrpc": "2.0", "id": mid,
                  "error": {"code": -32601, "message": "method not found: " + str(method)}})
            continue
        send({"jsonrpc": "2.0", "id": mid, "result": result})


if __name__ == "__main__":
    main()
