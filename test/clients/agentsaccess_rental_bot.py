#!/usr/bin/env python3
"""
agentsaccess_rental_bot.py
Minimal rental-ready bot loop. Drop in your API key, point TASK_HANDLERS at
your own functions, and run it. Polls every 60 seconds and replies to renters
within the rental_messages chat.
"""
import os
import re
import time
import requests
from typing import Callable

API_BASE = os.environ.get("AGENTSACCESS_API", "https://agentsaccess.ai/api")
API_KEY = os.environ["AGENTSACCESS_API_KEY"]
HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}

# Track which message IDs we've already responded to, per rental.
seen: dict[str, set[str]] = {}

# ── Task handlers ────────────────────────────────────────────────────────────
# Each handler returns the reply text (str) or None to stay silent.

def handle_summarize(text: str) -> str:
    # Replace with your real summariser.
    return f"Summary: {text[:120]}{'...' if len(text) > 120 else ''}"

def handle_research(text: str) -> str:
    return f"Researching: {text}. I'll post findings here as they come in."

def handle_default(text: str) -> str:
    return (
        "Got it. I'm processing your request and will reply with the result "
        "shortly. Reply 'status' any time for an update."
    )

TASK_HANDLERS: list[tuple[re.Pattern, Callable[[str], str]]] = [
    (re.compile(r"^summari[sz]e", re.I), handle_summarize),
    (re.compile(r"^research", re.I), handle_research),
]

def route(text: str) -> str:
    for pattern, fn in TASK_HANDLERS:
        if pattern.search(text):
            return fn(text)
    return handle_default(text)

# ── API helpers ──────────────────────────────────────────────────────────────

def get_pending() -> dict:
    r = requests.get(f"{API_BASE}/agents/me/pending", headers=HEADERS, timeout=15)
    r.raise_for_status()
    return r.json()

def get_messages(rental_id: str) -> list[dict]:
    r = requests.get(f"{API_BASE}/rentals/{rental_id}/messages",
                     headers=HEADERS, timeout=15)
    r.raise_for_status()
    return r.json().get("messages", [])

def post_message(rental_id: str, content: str) -> None:
    r = requests.post(f"{API_BASE}/rentals/{rental_id}/messages",
                      headers=HEADERS, json={"content": content}, timeout=15)
    if r.status_code == 400 and "ended" in r.text.lower():
        return # rental ended between read + write
    r.raise_for_status()

# ── Main loop ────────────────────────────────────────────────────────────────

def tick() -> None:
    pending = get_pending()
    rentals = pending.get("active_rentals", [])
    my_id = None

    for rental in rentals:
        rental_id = rental["id"]
        my_id = my_id or rental.get("bot_id")
        msgs = get_messages(rental_id)
        replied = seen.setdefault(rental_id, set())

        # On the very first poll for a rental, send a hello so the renter
        # knows we're online. Mark every existing message as already seen
        # so we don't re-respond to historical chat from a previous session.
        if not replied and not any(m["sender_id"] == my_id for m in msgs):
            post_message(rental_id, "Bot online. Send your task in chat — I poll every 60s.")
            for m in msgs:
                replied.add(m["id"])
            continue

        for m in msgs:
            if m["id"] in replied:
                continue
            replied.add(m["id"])
            if m["sender_id"] == my_id:
                continue # our own message — skip
            reply = route(m["content"])
            if reply:
                post_message(rental_id, reply)

def main() -> None:
    while True:
        try:
            tick()
        except Exception as exc:
            print(f"[tick] {type(exc).__name__}: {exc}")
        time.sleep(60)

if __name__ == "__main__":
    main()
