"""Screenshot a page of the running product as a given user (dev tool).

    .state/venv/bin/python tools/screenshot.py LOGIN PASSWORD URL_PATH OUT.png

Logs in through /web/session/authenticate, hands the session cookie to a
headless Chromium over the DevTools protocol, waits for the page and saves a
PNG.  Used to look at the web UI the way a user does.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import time

import requests
import websocket

BASE = os.environ.get("VC_URL", "http://localhost:8069")
DB = os.environ.get("VC_DB", "hg_videoconf")


def session_cookie(login: str, password: str) -> str:
    resp = requests.post(
        f"{BASE}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "params": {"db": DB, "login": login, "password": password},
        },
        timeout=30,
    )
    resp.raise_for_status()
    if resp.json().get("error"):
        sys.exit(f"login failed: {resp.json()['error']['data']['message']}")
    return resp.cookies["session_id"]


def main() -> None:
    login, password, path, out = sys.argv[1:5]
    width, height = (int(x) for x in os.environ.get("VC_SIZE", "1400x1000").split("x"))
    sid = session_cookie(login, password)
    profile = tempfile.mkdtemp(prefix="vc-chromium-")
    port = 9333
    proc = subprocess.Popen(
        [
            "chromium",
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={port}",
            f"--window-size={width},{height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                tabs = requests.get(f"http://127.0.0.1:{port}/json", timeout=1).json()
                page = next(t for t in tabs if t["type"] == "page")
                break
            except Exception:
                time.sleep(0.2)
        ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        counter = iter(range(1, 10**6))

        def call(method: str, **params: object) -> dict:
            msg_id = next(counter)
            ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
            while True:
                msg = json.loads(ws.recv())
                if msg.get("id") == msg_id:
                    return msg.get("result", {})

        call("Network.enable")
        call(
            "Network.setCookie",
            name="session_id",
            value=sid,
            domain="localhost",
            path="/",
        )
        call("Page.navigate", url=f"{BASE}{path}")
        time.sleep(float(os.environ.get("VC_WAIT", "6")))
        click = os.environ.get("VC_CLICK")  # CSS selector to click, e.g. a tab
        if click:
            call(
                "Runtime.evaluate",
                expression=f"document.querySelector({json.dumps(click)}).click()",
            )
            time.sleep(2)
        shot = call("Page.captureScreenshot", format="png")
        with open(out, "wb") as fh:
            fh.write(base64.b64decode(shot["data"]))
        print(out)
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
