#!/usr/bin/env python3
"""
Serves the seed's Flask handler (agentsaccess_webhook_server.py, unmodified) on 127.0.0.1:PORT
instead of its hard-coded 0.0.0.0:8080, so tests can run several at once.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from agentsaccess_webhook_server import app  # noqa: E402

app.run(host="127.0.0.1", port=int(os.environ["PORT"]), threaded=True)
