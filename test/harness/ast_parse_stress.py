"""
Stress for the fuzz hooks' `ast.parse` guard (test/integration/openapi-fuzz-ast-guard.test.ts).

Four threads parse a large module while garbage with finalizers makes the collector switch threads
mid-parse: on an interpreter with cpython#106905 this raises "SystemError: AST constructor recursion
depth mismatch" within seconds. Usage: ast_parse_stress.py SECONDS [HOOKS_FILE]; with HOOKS_FILE,
the hooks are loaded first. Prints one JSON line: {"python", "errors"}.
"""

import ast
import gc
import json
import runpy
import sys
import threading
import time

SOURCE = open(ast.__file__, encoding="utf-8").read()


class Cycle:
    def __init__(self):
        self.me = self

    def __del__(self):
        [0] * 10  # Python code in a finalizer: a point where another thread may run


def parse_until(deadline: float, errors: list) -> None:
    while time.monotonic() < deadline:
        try:
            for _ in range(50):
                Cycle()
            ast.parse(SOURCE)
        except SystemError as err:
            errors.append(str(err))
            return


def main() -> None:
    seconds = float(sys.argv[1])
    if len(sys.argv) > 2:
        runpy.run_path(sys.argv[2])
    gc.set_threshold(50, 5, 5)
    sys.setswitchinterval(1e-6)
    errors: list = []
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=parse_until, args=(deadline, errors)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"python": sys.version.split()[0], "errors": errors}))


main()
