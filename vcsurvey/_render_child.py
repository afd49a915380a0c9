"""The child process of :func:`vcsurvey.render.render_odts`.

Reads ``{"jobs": [(odt bytes, data, label)], "memory_mb", "cpu_seconds"}``
pickled on stdin (from the parent, trusted), limits its own address space and
CPU time, fills every template with py3o.template and writes
``{"documents": [base64]}`` or ``{"error": message}`` as JSON on stdout (never
a pickle: the parent does not unpickle what a template could influence).
"""

from __future__ import annotations

import base64
import json
import pickle
import resource
import sys


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    memory = memory_mb * 1024 * 1024
    for kind, value in (
        (resource.RLIMIT_AS, memory),
        (resource.RLIMIT_CPU, cpu_seconds),
    ):
        soft, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> int:
    request = pickle.loads(sys.stdin.buffer.read())
    _limit(int(request["memory_mb"]), int(request["cpu_seconds"]))
    from vcsurvey.render import RenderError, fill_in_process

    out = []
    try:
        for raw, data, label in request["jobs"]:
            out.append(base64.b64encode(fill_in_process(raw, data, label)).decode())
    except RenderError as exc:
        answer: dict[str, object] = {"error": str(exc)}
    except MemoryError:
        answer = {"error": "filling the template ran out of memory"}
    except RecursionError:
        answer = {"error": "the template is nested too deeply to be filled"}
    else:
        answer = {"documents": out}
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
