#!/usr/bin/env python3
"""
Runs the seed's polling bot unmodified, but with its 60-second sleep shortened: time.sleep is
patched before the bot's loop starts (POLL_SECONDS, default 1). Every sleep is announced on
stdout as "sleep <n>" so a test can count polling cycles. Runs until killed.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import agentsaccess_rental_bot as bot  # noqa: E402  (after the path tweak)

_real_sleep = time.sleep
_cycles = 0
POLL_SECONDS = float(os.environ.get("POLL_SECONDS", "1"))


def short_sleep(_seconds: float) -> None:
    global _cycles
    _cycles += 1
    print(f"sleep {_cycles}", flush=True)
    _real_sleep(POLL_SECONDS)


bot.time.sleep = short_sleep
bot.main()
