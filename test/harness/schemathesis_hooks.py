"""
Hooks for the OpenAPI fuzz (test/harness/openapi-fuzz.ts passes this file as SCHEMATHESIS_HOOKS).

Cursor parameters are declared with `format: cursor` (api/schemas/common.ts). A random string is
almost never a cursor a list could decode, so plain generation only ever reaches the base64url
check. Here the fuzzer mints forged cursors instead: base64url JSON arrays that carry a real list
tag followed by keys of any type and any value (times that are no time, ids that are no uuid,
integers past 32 and 53 bits, NULs), so that the key checks of domain/pagination.ts are what is
fuzzed, and any key that reaches SQL uncast would show up as a 500.
"""

import ast
import base64
import json
import sys
import threading

import schemathesis
from hypothesis import strategies as st


def _serialise_ast_parse() -> None:
    """
    CPython before 3.11.8 and 3.12.2 keeps the AST constructor's recursion depth in one shared
    state (cpython#106905): two threads in `ast.parse` at once (a garbage collection can switch
    threads mid-parse) raise "SystemError: AST constructor recursion depth mismatch". Hypothesis
    parses lambda sources to describe strategies, and the fuzz runs two worker threads, so now and
    then a case failed inside the fuzzer itself ("Inconsistent results"). On those interpreters,
    one parse at a time.
    """
    fixed = sys.version_info >= (3, 12, 2) or (3, 11, 8) <= sys.version_info < (3, 12)
    if fixed or getattr(ast.parse, "_agentrent_serialised", False):
        return
    lock = threading.RLock()
    parse = ast.parse

    def serialised_parse(*args, **kwargs):
        with lock:
            return parse(*args, **kwargs)

    serialised_parse._agentrent_serialised = True
    ast.parse = serialised_parse


_serialise_ast_parse()

# The tags the lists write into their cursors (api/use-cases/*.ts: afterKey / toPage).
LIST_TAGS = [
    "rentals",
    "keys",
    "tasks",
    "deposits",
    "transactions",
    "deliveries",
    "direct_messages",
    "rental-files",
    "repairs",
    "admin-audit",
    "admin-alerts",
    "admin-disabled-endpoints",
    "admin-withdrawals:review",
    "agents:newest",
    "agents:price",
    "agents:price_asc",
    "agents:price_desc",
    "agents:rating",
    "events",
]

KEY_VALUES = st.one_of(
    st.sampled_from(
        [
            "2026-01-01T00:00:00.000000Z",
            "2026-02-31T00:00:00.000000Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z",
            "not-a-date",
            "00000000-0000-4000-8000-000000000000",
            "not-a-uuid",
            "ab\u0000cd",
            "",
        ]
    ),
    st.uuids().map(str),
    st.text(max_size=40),
    st.integers(),
    st.sampled_from([2**31, -(2**31) - 1, 2**53, 2**63, -1, 0]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)


def _encode(tag: str, key: list) -> str:
    raw = json.dumps([tag, *key]).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


schemathesis.openapi.format(
    "cursor",
    st.builds(_encode, st.sampled_from(LIST_TAGS), st.lists(KEY_VALUES, max_size=4)),
)
