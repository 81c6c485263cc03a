"""The local peers, each in its own process, through their protocol and control API."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage

import aiosmtplib
import pytest

from devservers.launch import (
    PeerServer,
    PeerServerError,
    start_smtp_server,
    start_whatsapp_server,
)


@pytest.fixture(scope="module")
def smtp() -> Iterator[PeerServer]:
    with start_smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def whatsapp() -> Iterator[PeerServer]:
    with start_whatsapp_server(access_token="peer-test-token") as server:
        yield server


@pytest.fixture(autouse=True)
def _reset(request: pytest.FixtureRequest) -> None:
    for name in ("smtp", "whatsapp"):
        if name in request.fixturenames:
            peer: PeerServer = request.getfixturevalue(name)
            peer.clear()
            peer.set_behavior("ok")


def post_message(
    peer: PeerServer, to: str = "15550001", token: str = "peer-test-token"
) -> tuple[int, dict[str, object]]:
    body = {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "text",
        "text": {"body": "hello"},
    }
    connection = http.client.HTTPConnection(peer.host, peer.port, timeout=10)
    try:
        connection.request(
            "POST",
            "/v19.0/123/messages",
            body=json.dumps(body),
            headers={"Authorization": f"Bearer {token}"},
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def send_mail(peer: PeerServer, to: str = "ann@example.com") -> None:
    message = EmailMessage()
    message["From"] = "sender@example.com"
    message["To"] = to
    message["Subject"] = "Hi"
    message.set_content("plain body")
    message.add_alternative("<p>html body</p>", subtype="html")
    asyncio.run(aiosmtplib.send(message, hostname=peer.host, port=peer.port, timeout=5))


def test_ready_line_gives_addresses(smtp: PeerServer, whatsapp: PeerServer) -> None:
    for peer in (smtp, whatsapp):
        assert peer.host == "127.0.0.1"
        assert peer.port > 0
        assert peer.control_port > 0
        assert peer.control_port != peer.port
        assert peer.pid != os.getpid()
    assert whatsapp.url == f"http://127.0.0.1:{whatsapp.port}/v19.0"


def test_smtp_stores_message_parts(smtp: PeerServer) -> None:
    # WHEN a multipart e-mail is sent
    send_mail(smtp)

    # THEN the peer stores its parts and counts its recipient
    messages = smtp.messages()
    assert len(messages) == 1
    assert messages[0]["to"] == "ann@example.com"
    assert messages[0]["from"] == "sender@example.com"
    assert messages[0]["subject"] == "Hi"
    assert messages[0]["text"].strip() == "plain body"
    assert messages[0]["html"].strip() == "<p>html body</p>"
    assert smtp.counts() == {"ann@example.com": 1}


def test_smtp_reject_answers_550(smtp: PeerServer) -> None:
    smtp.set_behavior("reject")
    with pytest.raises(aiosmtplib.SMTPDataError) as excinfo:
        send_mail(smtp)
    assert excinfo.value.code == 550
    assert smtp.counts() == {}


def test_smtp_drop_closes_connection(smtp: PeerServer) -> None:
    smtp.set_behavior("drop")
    with pytest.raises(aiosmtplib.SMTPException):
        send_mail(smtp)
    assert smtp.counts() == {}


def test_smtp_slow_outlasts_client_timeout(smtp: PeerServer) -> None:
    # GIVEN a peer that stalls longer than the client waits
    smtp.set_behavior("slow", delay=2.0)

    # WHEN a client with a short timeout sends
    async def send() -> None:
        await asyncio.wait_for(
            aiosmtplib.send(
                _simple_message(), hostname=smtp.host, port=smtp.port, timeout=5
            ),
            0.3,
        )

    # THEN the client times out and nothing is stored
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(send())
    assert smtp.counts() == {}


def _simple_message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "a@example.com"
    message["To"] = "b@example.com"
    message.set_content("x")
    return message


def test_whatsapp_accepts_message(whatsapp: PeerServer) -> None:
    status, answer = post_message(whatsapp)
    assert status == 200
    assert answer["messaging_product"] == "whatsapp"
    assert str(answer["messages"][0]["id"]).startswith("wamid.")  # type: ignore[index]
    assert whatsapp.counts() == {"15550001": 1}
    assert whatsapp.messages()[0]["text"] == {"body": "hello"}


def test_whatsapp_rejects_wrong_token(whatsapp: PeerServer) -> None:
    status, answer = post_message(whatsapp, token="wrong")
    assert status == 401
    assert answer["error"]["code"] == 190  # type: ignore[index]
    assert whatsapp.counts() == {}


@pytest.mark.parametrize("status", [400, 500])
def test_whatsapp_reject_answers_status(whatsapp: PeerServer, status: int) -> None:
    whatsapp.set_behavior("reject", status=status)
    answered, answer = post_message(whatsapp)
    assert answered == status
    assert "error" in answer
    assert whatsapp.counts() == {}


def test_whatsapp_drop_closes_connection(whatsapp: PeerServer) -> None:
    whatsapp.set_behavior("drop")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        post_message(whatsapp)


def test_messages_limit_returns_latest(whatsapp: PeerServer) -> None:
    for number in ("15550001", "15550002", "15550003"):
        post_message(whatsapp, to=number)
    latest = whatsapp.messages(limit=2)
    assert [m["to"] for m in latest] == ["15550002", "15550003"]


def test_clear_forgets_messages(whatsapp: PeerServer) -> None:
    post_message(whatsapp)
    whatsapp.clear()
    assert whatsapp.counts() == {}
    assert whatsapp.messages() == []


def test_invalid_behavior_raises(whatsapp: PeerServer) -> None:
    with pytest.raises(PeerServerError, match="invalid mode"):
        whatsapp.set_behavior("sometimes")


def test_control_answers_while_slow_clients_wait(whatsapp: PeerServer) -> None:
    # GIVEN 40 clients stalled by a slow peer
    whatsapp.set_behavior("slow", delay=3.0)
    results: list[int] = []

    def client() -> None:
        results.append(post_message(whatsapp)[0])

    threads = [threading.Thread(target=client) for _ in range(40)]
    for thread in threads:
        thread.start()

    # WHEN the control API is called while they wait
    counts_during = whatsapp.counts()
    answered_before_clients = len(results) == 0
    for thread in threads:
        thread.join()

    # THEN it answered at once, and every stalled client was served
    assert answered_before_clients
    assert counts_during == {}
    assert results == [200] * 40


def test_stop_ends_process() -> None:
    # GIVEN a running peer
    peer = start_smtp_server()
    pid = peer.pid

    # WHEN it is stopped
    peer.stop()

    # THEN its process is gone
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_busy_port_raises_with_stderr() -> None:
    # GIVEN a port already taken
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]

        # WHEN a peer is started on it
        # THEN the error says it did not start and quotes the peer's stderr
        expected = r"exited with code 1; stderr: error: cannot listen.*in use"
        with pytest.raises(PeerServerError, match=expected):
            start_whatsapp_server(port=port)
