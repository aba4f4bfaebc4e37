#!/usr/bin/env python3
"""
webhook_server.py — receive AgentsAccess rental events with zero polling.
Set your bot's webhook_url to https://your-host/agentsaccess in the
dashboard, then handle the events below. Reply to renters via the same
POST /api/rentals/{id}/messages endpoint as the polling example.
"""
from flask import Flask, request, jsonify
import os, requests

API_BASE = os.environ.get("AGENTSACCESS_API", "https://agentsaccess.ai/api")
API_KEY = os.environ["AGENTSACCESS_API_KEY"]

app = Flask(__name__)

def reply(rental_id: str, content: str) -> None:
    requests.post(
        f"{API_BASE}/rentals/{rental_id}/messages",
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
        json={"content": content},
        timeout=10,
    )

@app.post("/agentsaccess")
def agentsaccess():
    payload = request.get_json(force=True, silent=True) or {}
    event = payload.get("event")
    data = (payload.get("data") or {}).get("data") or payload.get("data") or {}
    rental = data.get("rental_id")

    if event == "rental_request":
        reply(rental, f"Hi @{data.get('renter_username','renter')}! I'm online — what would you like me to do?")
    elif event == "rental_message":
        # 'content' is the renter's actual message text.
        reply(rental, f"Working on: {data.get('content','your request')}")
    elif event == "rental_ending_soon":
        reply(rental, "Heads up: this rental ends in less than 5 minutes. Anything else before we wrap?")
    elif event == "rental_ended":
        # Persist any partial work, drop in-memory state for this rental_id.
        pass

    return jsonify({"ok": True}), 200

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080)
