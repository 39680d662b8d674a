"""Notifications through apprise to a real receiver on 127.0.0.1: one message per run."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from monitor.runs.notify import run_message, send
from tests.crawl_harness import monitor, write_schedule


class Receiver:
    """A webhook receiver: every POST body is kept (JSON decoded when it is JSON)."""

    def __init__(self):
        self.messages: list[dict] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.messages.append({"path": self.path, "type": self.headers.get("Content-Type"),
                                          "body": body.decode("utf-8")})
                receiver.arrived.set()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_send_delivers_json_to_the_receiver(receiver):
    assert send([receiver.url], "title here", "body here")
    [message] = receiver.messages
    payload = json.loads(message["body"])
    assert (payload["title"], payload["message"]) == ("title here", "body here")
    assert message["path"] == "/hook"


def test_bad_target_is_reported_not_raised(receiver, caplog):
    assert not send(["not a url"], "t", "b")
    assert "not a valid apprise URL: not a url" in caplog.text


def test_unreachable_target_is_logged_not_raised(caplog):
    assert not send(["json://127.0.0.1:9/nothing-listens"], "t", "b")
    assert "delivery failed" in caplog.text


def test_run_message_lists_items_and_health_changes():
    title, body = run_message(7, [{"title": "ICE arrests 19", "url": "https://a.org/x",
                                   "agency": "ICE", "published": "2019-11-06T12:00:00"}],
                              [{"name": "dhs", "previous": "ok", "state": "failing", "reason": "3 failed runs"}])
    assert title == "monitor: 1 new item(s) (run 7)"
    assert "[ICE] ICE arrests 19 2019-11-06" in body and "dhs: ok -> failing (3 failed runs)" in body
    assert run_message(8, [], []) is None


@pytest.mark.slow
def test_a_crawl_sends_one_message_for_its_new_items(site_server, receiver, tmp_path):
    path = write_schedule(tmp_path / "s", site_server.base_url,
                          [{"name": "gov-feed", "url": "{base}/gov/rss/news.xml", "agency": "ICE"}])
    path.write_text(f'notify = ["{receiver.url}"]\n' + path.read_text())
    args = ("crawl", "--db", str(tmp_path / "m.db"), "--schedules", str(tmp_path / "s"))
    assert monitor(*args).returncode == 0
    [message] = receiver.messages
    payload = json.loads(message["body"])
    assert payload["title"].startswith("monitor: ")
    assert "ICE arrests 19 in Massachusetts" in payload["message"]
    assert monitor(*args).returncode == 0
    assert len(receiver.messages) == 1     # nothing new: no second message


@pytest.mark.slow
def test_environment_targets_are_used(site_server, receiver, tmp_path):
    write_schedule(tmp_path / "s", site_server.base_url,
                   [{"name": "ledger", "url": "{base}/news/feed.json"}])
    result = monitor("crawl", "--db", str(tmp_path / "m.db"), "--schedules", str(tmp_path / "s"),
                     env={"MONITOR_NOTIFY": receiver.url})
    assert result.returncode == 0
    assert len(receiver.messages) == 1 and "Massachusetts" in json.loads(receiver.messages[0]["body"])["message"]
