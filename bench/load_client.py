"""Load-test client (stdlib only): N unit users at once against one Odoo.

    python bench/load_client.py --url http://127.0.0.1:PORT --db vcbench \\
        --forms forms.json --password ... [--max-seconds 300]

Not a test.  ``./dev bench`` prepares the database and the servers and runs
this once per server mode; results: bench/README.md.

Every unit of the bench round has two users, its preparer and its head;
each is one virtual user, all started at the same instant (a barrier), each
running its scenario back to back, as the web client would call the server
(JSON-RPC, one new connection per request):

- preparer of a draft form:    list, open, save, submit
- head of a draft form:        list, open, list endpoints
- preparer of a submitted form: list, open, list endpoints
- head of a submitted form:    list, open, approve

So with 100 units, 200 users have requests in flight at once (650 in all).
Logins come first, 8 at a time, and are timed apart (each costs a
600 000-round PBKDF2); with ``--sessions`` the sessions of an earlier run
(same data_dir) are reused when still valid.  An error is any HTTP status
other than 200, a JSON-RPC error, a refused, reset or timed-out connection.
Localhost only; every request has a timeout and the whole run a deadline,
after which the unfinished requests count as errors.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import statistics
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

LIST_SPEC = {
    "unit_id": {"fields": {"display_name": {}}},
    "round_id": {"fields": {"display_name": {}}},
    "form_type": {},
    "state": {},
    "submitted_on": {},
    "approved_on": {},
    "is_late": {},
}
ENDPOINT_SPEC = {
    "name": {},
    "unit_id": {"fields": {"display_name": {}}},
    "network": {},
    "ip_address": {},
}


class Client:
    def __init__(self, url: str, timeout: float) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("the load test runs against localhost only")
        self.host = parsed.hostname
        self.port = parsed.port or 80
        self.timeout = timeout

    def post(self, path: str, params: dict, session: str | None = None):
        """(elapsed seconds, result, error text or None, session cookie)."""
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params})
        headers = {"Content-Type": "application/json"}
        if session:
            headers["Cookie"] = f"session_id={session}"
        start = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request("POST", path, body=body.encode(), headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            elapsed = time.perf_counter() - start
            cookie = None
            for key, value in resp.getheaders():
                if key.lower() == "set-cookie" and value.startswith("session_id="):
                    cookie = value.split(";", 1)[0].split("=", 1)[1]
            if resp.status != 200:
                return elapsed, None, f"HTTP {resp.status}", cookie
            payload = json.loads(data)
            if "error" in payload:
                err = payload["error"].get("data", {}).get("message") or payload[
                    "error"
                ].get("message")
                return (
                    elapsed,
                    None,
                    f"RPC error: {str(err).splitlines()[0][:120]}",
                    cookie,
                )
            return elapsed, payload.get("result"), None, cookie
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return time.perf_counter() - start, None, type(exc).__name__, None
        finally:
            conn.close()

    def call(self, session, model, method, args, kwargs=None):
        return self.post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
            session,
        )


def scenario(role: str, form: dict) -> list[tuple[str, str, list, dict]]:
    fid = form["id"]
    steps = [
        (
            "list",
            "vc.survey.submission",
            "web_search_read",
            [],
            {"domain": [], "specification": LIST_SPEC, "limit": 80},
        ),
        ("open", "vc.survey.submission", "web_read", [[fid]], {"specification": None}),
    ]
    endpoints = (
        "list",
        "vc.endpoint",
        "web_search_read",
        [],
        {"domain": [], "specification": ENDPOINT_SPEC, "limit": 80},
    )
    if role == "preparer" and form["state"] == "draft":
        steps += [
            (
                "save",
                "vc.survey.submission",
                "set_answers",
                [[fid], {"I.9": "Tiết kiệm chi phí đi lại (bench)"}],
                {},
            ),
            ("submit", "vc.survey.submission", "action_submit", [[fid]], {}),
        ]
    elif role == "head" and form["state"] == "submitted":
        steps.append(("approve", "vc.survey.submission", "action_approve", [[fid]], {}))
    else:
        steps.append(endpoints)
    return steps


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def warm_up(client: Client) -> None:
    """Every worker loads the registry on its first request: not timed."""

    def warm(_):
        conn = http.client.HTTPConnection(client.host, client.port, timeout=120)
        try:
            conn.request("GET", "/web/login")
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(warm, range(32)))


def form_specification(client: Client, session: str | None) -> dict:
    """The fields of the submission's form view, as the web client reads
    them (``get_views``: only what the view shows this user; once, not
    timed)."""
    _, views, err, _ = client.call(
        session,
        "vc.survey.submission",
        "get_views",
        [],
        {"views": [[False, "form"]], "options": {}},
    )
    if err:
        raise SystemExit(f"get_views failed: {err}")
    fields = views["models"]["vc.survey.submission"]["fields"]
    spec = {}
    for name, desc in fields.items():
        if desc["type"] == "binary" or name.startswith("message_"):
            continue
        if desc["type"] in ("many2one", "one2many", "many2many"):
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def summarize(results: list, wall: float, peak: int) -> dict:
    ok = [e for _k, e, err in results if err is None]
    errors = collections.Counter(err for _k, _e, err in results if err)
    by_kind = {}
    for kind in ("list", "open", "save", "submit", "approve"):
        times = [e for k, e, err in results if k == kind and err is None]
        n = sum(1 for k, _e, _err in results if k == kind)
        by_kind[kind] = {
            "requests": n,
            "errors": n - len(times),
            "p50": round(statistics.median(times), 3) if times else None,
            "p95": round(percentile(times, 95), 3) if times else None,
        }
    return {
        "peak_in_flight": peak,
        "requests": len(results),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(5)),
        "p50": round(statistics.median(ok), 3) if ok else None,
        "p95": round(percentile(ok, 95), 3) if ok else None,
        "max": round(max(ok), 3) if ok else None,
        "wall_seconds": round(wall, 1),
        "throughput_rps": round(len(ok) / wall, 1) if wall else None,
        "by_kind": by_kind,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--forms", required=True, help="JSON from bench/load_setup.py")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--login-parallel", type=int, default=8)
    ap.add_argument("--label", default="")
    ap.add_argument(
        "--sessions", help="JSON file of session ids reused from an earlier run"
    )
    args = ap.parse_args()
    client = Client(args.url, args.timeout)
    with open(args.forms) as fh:
        forms = json.load(fh)["forms"]
    users = [(f[role], role, f) for f in forms for role in ("preparer", "head")]

    warm_up(client)

    # 1. log in every user (timed apart)
    sessions: dict[str, str] = {}
    login_errors = collections.Counter()
    login_times: list[float] = []

    cached = {}
    if args.sessions and os.path.exists(args.sessions):
        with open(args.sessions) as fh:
            cached = json.load(fh)

    def login(login_name):
        if login_name in cached:  # a session of an earlier run still valid?
            elapsed, result, err, _c = client.post(
                "/web/session/get_session_info", {}, cached[login_name]
            )
            if not err and result and result.get("uid"):
                return login_name, None, result, None, cached[login_name]
        elapsed, result, err, cookie = client.post(
            "/web/session/authenticate",
            {"db": args.db, "login": login_name, "password": args.password},
        )
        return login_name, elapsed, result, err, cookie

    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.login_parallel) as pool:
        for name, elapsed, result, err, cookie in pool.map(
            login, [u[0] for u in users]
        ):
            if elapsed is not None:
                login_times.append(elapsed)
            if err or not cookie or not result or not result.get("uid"):
                login_errors[err or "no session"] += 1
            else:
                sessions[name] = cookie
    login_wall = time.perf_counter() - t0
    if args.sessions:
        with open(args.sessions, "w") as fh:
            json.dump(sessions, fh)
        os.chmod(args.sessions, 0o600)
    form_spec = form_specification(client, sessions.get(users[0][0]))

    # 2. every user at once, each running its scenario
    results: list[tuple[str, float, str | None]] = []
    lock = threading.Lock()
    in_flight = 0
    peak = 0
    barrier = threading.Barrier(len(users))
    deadline = [0.0]

    def virtual_user(user):
        nonlocal in_flight, peak
        login_name, role, form = user
        session = sessions.get(login_name)
        barrier.wait()
        for kind, model, method, a, kw in scenario(role, form):
            if method == "web_read":
                kw = {"specification": form_spec}
            if session is None:
                outcome = (kind, 0.0, "not logged in")
            elif time.perf_counter() > deadline[0]:
                outcome = (kind, 0.0, "run deadline passed")
            else:
                with lock:
                    in_flight += 1
                    peak = max(peak, in_flight)
                elapsed, _res, err, _c = client.call(session, model, method, a, kw)
                with lock:
                    in_flight -= 1
                outcome = (kind, elapsed, err)
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=virtual_user, args=(u,)) for u in users]
    deadline[0] = time.perf_counter() + args.max_seconds
    t1 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(args.max_seconds + args.timeout + 10)
    wall = time.perf_counter() - t1

    summary = summarize(results, wall, peak)
    summary.update(
        label=args.label,
        users=len(users),
        logins=len(login_times),
        login_errors=sum(login_errors.values()),
        login_p50=round(statistics.median(login_times), 3) if login_times else None,
        login_wall_seconds=round(login_wall, 1),
    )
    print("RESULT " + json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
