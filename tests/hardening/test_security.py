"""Hostile strings in reports, constant-time credentials, loopback-only peers."""

from __future__ import annotations

import ast
import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from hardening_helpers import REPO_ROOT, run_cli

from devservers.launch import PeerServer, start_smtp_server, start_whatsapp_server

HOSTILE = "<script>alert('h4x')</script>\"'><img src=x onerror=alert(1)>"
"""Text that runs script in a page unless every context escapes it."""
RAW_MARKERS = ("<script>alert(", "<img src=x")
"""Substrings that appear in the HTML only if ``HOSTILE`` went in unescaped."""
SECRET_NAMES = ("token", "password", "secret")

HOSTILE_TARGET = textwrap.dedent(
    f"""
    import threading

    HOSTILE = {HOSTILE!r}
    _never = threading.Event()


    def leak_threads():
        threading.Thread(target=_never.wait, name=HOSTILE, daemon=True).start()


    def fail():
        raise RuntimeError(HOSTILE)


    leak_threads.__qualname__ = leak_threads.__name__ = HOSTILE
    fail.__qualname__ = fail.__name__ = HOSTILE
    """
)


@pytest.fixture(scope="module")
def hostile_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    """HTML reports of a check of hostile targets, from a folder with a hostile name."""
    folder = (
        tmp_path_factory.mktemp("hostile") / "dir <img src=x onerror=alert('p')> \""
    )
    folder.mkdir()
    source = folder / "hostile_target.py"
    source.write_text(HOSTILE_TARGET)
    pages = []
    for function in ("leak_threads", "fail"):
        result = folder / f"{function}.json"
        run_cli(
            "check",
            f"{source}:{function}",
            "--iterations",
            "40",
            "--warmup",
            "2",
            "--checkpoints",
            "4",
            "--json",
            str(result),
        )
        out_dir = folder / f"report-{function}"
        rendered = run_cli("report", str(result), "--out", str(out_dir))
        assert rendered.exit_code == 0, rendered.stderr
        pages.append((out_dir / "leakcheck.html").read_text(encoding="utf-8"))
    return "\n".join(pages)


def test_html_report_escapes_hostile_strings(hostile_html: str) -> None:
    # GIVEN reports of targets whose names, thread names and messages are hostile
    # WHEN the HTML is searched for the hostile text as written
    found = [marker for marker in RAW_MARKERS if marker in hostile_html]

    # THEN it appears only escaped
    assert found == []
    assert "&lt;script&gt;alert(" in hostile_html


def _compared_names(tree: ast.AST) -> list[str]:
    """Return names that take part in ``==`` or ``!=`` comparisons."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.Eq | ast.NotEq) for op in node.ops
        ):
            for operand in [node.left, *node.comparators]:
                names += [n.id for n in ast.walk(operand) if isinstance(n, ast.Name)]
                names += [
                    n.attr for n in ast.walk(operand) if isinstance(n, ast.Attribute)
                ]
    return names


def test_admin_credentials_compared_in_constant_time() -> None:
    # GIVEN the source of the admin authentication
    tree = ast.parse((REPO_ROOT / "app" / "auth.py").read_text())

    # WHEN its comparisons and calls are listed
    compared = [
        name
        for name in _compared_names(tree)
        if any(secret in name.lower() for secret in SECRET_NAMES)
    ]
    calls = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]

    # THEN no credential is compared with ==, and compare_digest is used
    assert compared == []
    assert "compare_digest" in calls


@pytest.fixture(scope="module")
def peers() -> Iterator[list[PeerServer]]:
    with start_smtp_server() as smtp, start_whatsapp_server() as whatsapp:
        yield [smtp, whatsapp]


def test_peers_listen_on_loopback_only(peers: list[PeerServer]) -> None:
    # GIVEN both local peers running
    # WHEN their listening sockets are read from the OS
    addresses = [
        connection.laddr.ip
        for peer in peers
        for connection in psutil.Process(peer.pid).net_connections(kind="inet")
        if connection.status == psutil.CONN_LISTEN
    ]

    # THEN each peer listens on two ports (service and control), all on 127.0.0.1
    assert len(addresses) == 2 * len(peers)
    assert set(addresses) == {"127.0.0.1"}


def test_hostile_text_reaches_page_escaped(hostile_html: str) -> None:
    # GIVEN the rendered reports of the hostile targets
    # WHEN the data embedded for scripts is looked for
    embedded = [line for line in hostile_html.splitlines() if "h4x" in line]

    # THEN the hostile text reached the page (so the escaping was exercised)
    assert embedded != []
    assert all("</script>\"'>" not in line for line in embedded)


def test_result_json_keeps_hostile_text(tmp_path: Path) -> None:
    # GIVEN a document whose scenario name is hostile
    from leak_tests.engine.result import Result

    result = Result(target=HOSTILE, iterations=1, warmup=0, checkpoints=1)

    # WHEN it goes through JSON and back
    restored = Result.from_dict(json.loads(json.dumps(result.to_dict())))

    # THEN the text is unchanged: escaping belongs to the HTML alone
    assert restored.target == HOSTILE
