"""Community sources through the refresh flow: the forum (a saved board served by the mirror)
and Telegram (a Desktop export; a live export against a fake client) reach the datasets.

The flow runs through a real (ephemeral) Prefect on a few real BlackBox documents, twice:
cold, then with nothing changed (every task served from cache).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from datasets import concatenate_datasets, load_from_disk

from scrapers.forum.mirror import page_file, serve_mirror
from conftest import final_task_states
from tests.test_forum_spider import PLANTED_PII as FORUM_PII
from tests.test_telegram import CHAT, FakeClient, _history

FIXTURES = Path(__file__).parent / "fixtures"
SUBSET = ["Obx/Mod/Hello0.odc", "Obx/Docu/Hello0.odc", "Text/Mod/Models.odc", "Std/Docu/Log.odc"]
TELEGRAM_PII = ["aleksey.smirnov@example.com", "@aleksey_smirnov", "+7 916 123-45-67", "+44 7700 900123",
                "@mary_j", "+7 903 000 00 00", "Алексей Смирнов", "Mary Jones"]
FORUM_NAMES = ["Пётр Каменев", "Моделист", "Сергей (гость)", "Хранитель"]
FORUM_TOPICS = {12, 13, 14, 20, 21}  # every topic with a kept post (14: only its first, complete post)
BAD_EXPORTS = ["not-json.json", "cut-short.json", "missing.json"]  # Telegram exports the refresh skips and reports


def _latest(workspace: Path, name: str):
    stage = workspace / "datasets" / name
    dataset = load_from_disk(str(stage / (stage / "LATEST").read_text().strip()))
    return concatenate_datasets([dataset[split] for split in dataset]).to_list()


@pytest.fixture(scope="module")
def runs(tmp_path_factory, blackbox_dir, tiny_model):
    from flows.parameters import RefreshParameters
    from flows.refresh import refresh

    root = tmp_path_factory.mktemp("refresh-sources")
    for relpath in SUBSET:
        (root / "blackbox" / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(blackbox_dir / relpath, root / "blackbox" / relpath)
    workspace = root / "workspace"
    good = FIXTURES / "telegram" / "result.json"
    (root / BAD_EXPORTS[0]).write_text("Telegram? no: a note saved as result.json\n", encoding="utf-8")
    (root / BAD_EXPORTS[1]).write_bytes(good.read_bytes()[:15000])  # a copy cut short mid-way
    # BAD_EXPORTS[2] is never written: a configured export that is not there
    overrides = {
        "workspace": str(workspace),
        "sources.blackbox_dir": str(root / "blackbox"),
        "sources.forum_mirror_dir": str(FIXTURES / "forum"),
        "sources.telegram_exports": [str(root / name) for name in BAD_EXPORTS] + [str(good)],
        "model.build_tiny": False,
        "model.base_model": str(tiny_model),  # its tokenizer chunks the documents
    }
    states = []
    for _ in range(2):
        state = refresh(RefreshParameters(profile="demo", overrides=overrides), return_state=True)
        states.append((Path(state.result()), final_task_states(state)))
    return {"workspace": workspace, "root": root, "cold": states[0], "again": states[1]}


def test_forum_topics_and_telegram_threads_are_documents(runs):
    rows = _latest(runs["workspace"], "documents")
    forum = {row["id"] for row in rows if row["source"] == "forum"}
    assert forum == {f"forum/topic/{t}" for t in FORUM_TOPICS}
    assert sum(row["source"] == "telegram" for row in rows) >= 5
    assert {row["source"] for row in rows} >= {"blackbox", "forum", "telegram"}
    topic20 = next(row for row in rows if row["id"] == "forum/topic/20")
    assert topic20["subsystem"] == "Компонентный Паскаль" and "override" in topic20["text"]
    report, states = runs["cold"]
    assert all(state == "Completed" for state in states.values()), states
    text = report.read_text(encoding="utf-8")
    assert re.search(r"^\| documents +\| forum +\|", text, re.M) and re.search(r"^\| dialogs +\| forum +\|", text, re.M)
    assert "posts deleted: 1" in text and "pages http_404: 6" in text  # what the crawl left out, with reasons


def test_forum_and_telegram_conversations_are_dialogs(runs):
    dialogs = _latest(runs["workspace"], "dialogs")
    by_source = {source: [d for d in dialogs if d["source"] == source] for source in ("forum", "telegram")}
    assert {d["id"] for d in by_source["forum"]} >= {"forum:12", "forum:20"}
    assert by_source["telegram"]
    for dialog in dialogs:
        assert dialog["messages"][0]["role"] == "user" and len(dialog["messages"]) >= 2


def test_a_bad_telegram_export_is_one_skipped_line_and_is_not_imported_again(runs):
    reasons = {BAD_EXPORTS[0]: "not valid JSON (lexical error: invalid char in json text.)",
               BAD_EXPORTS[1]: "not valid JSON after 18 messages (parse error: premature EOF)",
               BAD_EXPORTS[2]: "cannot read the export: No such file or directory"}
    for report, _ in (runs["cold"], runs["again"]):  # the rest of the refresh went on (the tests above)
        text = report.read_text(encoding="utf-8")
        for name, reason in reasons.items():
            assert [line for line in text.splitlines() if name in line] == [
                f"| sources | `{runs['root'] / name}` | {reason} |"]
    failures = sorted((runs["workspace"] / "sources" / "telegram").glob("*/failure.json"))
    assert len(failures) == 3, "a bad export's version records why, so it is not read again every night"
    for failure in failures:
        assert [p.name for p in failure.parent.iterdir() if not p.name.startswith(".")] == ["failure.json"], (
            "nothing of a half-read export is kept")
    _, states = runs["again"]
    assert sum(name.startswith("import_telegram") and state == "Cached" for name, state in states.items()) == 4, states


def test_no_planted_personal_data_anywhere_in_the_workspace(runs):
    files = [p for p in runs["workspace"].rglob("*") if p.is_file()]
    assert any(p.name == "posts.jsonl" for p in files) and any(p.name == "messages.jsonl" for p in files)
    for path in files:
        data = path.read_bytes().decode("utf-8", "replace")
        for planted in FORUM_PII + TELEGRAM_PII + FORUM_NAMES + ["bbcopilot-demo-key"]:
            assert planted not in data, (str(path.relative_to(runs["workspace"])), planted)


def test_rerun_with_nothing_changed_is_all_cached(runs):
    _, states = runs["again"]
    assert any(name.startswith("crawl forum mirror#") for name in states) and any(name.startswith("import_telegram") for name in states)
    not_cached = {n: s for n, s in states.items() if s != "Cached" and not n.startswith(("list_source_files", "summarise", "publish"))}
    assert not not_cached, not_cached


# ---- the mirror ------------------------------------------------------------------------


def test_mirror_maps_phpbb_urls_to_saved_pages():
    import urllib.error
    import urllib.request

    assert page_file("/viewtopic.php?f=2&t=21&sid=abc&hilit=x#p2101") == "viewtopic_t=21_start=0.html"
    assert page_file("/viewforum.php?f=2&start=5") == "viewforum_f=2_start=5.html"
    assert page_file("/viewtopic.php?t=21&view=print") == "viewtopic_t=21_start=0_view=print.html"
    assert page_file("/viewforum.php?f=../../etc/passwd") is None
    assert page_file("/viewtopic.php?p=1001") is None and page_file("/memberlist.php") is None
    with serve_mirror(FIXTURES / "forum") as url:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "viewtopic.php?t=12&start=4") as answer:
            assert answer.read() == (FIXTURES / "forum" / "viewtopic_t=12_start=4.html").read_bytes()
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(url + "viewtopic.php?t=15")
        assert missing.value.code == 404


# ---- the live Telegram export ----------------------------------------------------------


class SessionClient(FakeClient):
    """The fake client of test_telegram, connected and disconnected like Telethon's."""

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return None


def test_live_export_task_is_incremental_retried_and_cached(tmp_path, monkeypatch):
    import scrapers.telegram
    from bbcopilot.config import load_settings
    from tasks.sources import export_telegram

    history = _history()
    planned = [
        SessionClient(history[:10], break_at=7),  # the connection drops: the task retries
        SessionClient(history[:10]),  # the retry, up to message 10
        SessionClient(history),  # the next night: messages 11 and 12 are new
        SessionClient(history),  # after the store was deleted
    ]
    clients: list[SessionClient] = []

    def make_client(api_id, api_hash, session):
        assert (api_id, api_hash, session) == (12345, "hash-secret", "session-secret")
        clients.append(planned[len(clients)])
        return clients[-1]

    monkeypatch.setattr(scrapers.telegram, "make_client", make_client)
    monkeypatch.setenv("BBCOPILOT_SOURCES__TELEGRAM_API_HASH", "hash-secret")  # secrets come from the environment
    monkeypatch.setenv("BBCOPILOT_SOURCES__TELEGRAM_SESSION", "session-secret")
    settings = load_settings("demo", {
        "workspace": str(tmp_path), "sources.telegram_chats": [CHAT], "sources.telegram_api_id": 12345,
    })
    task = export_telegram.with_options(retry_delay_seconds=0, retry_jitter_factor=None)

    state = task(settings, CHAT, return_state=True)
    path, skipped = state.result()
    assert state.name == "Completed" and len(clients) == 2 and clients[1].calls == [5]
    ids = [json.loads(line)["message_id"] for line in Path(path).read_text(encoding="utf-8").splitlines()]
    assert ids == [1, 2, 3, 4, 5, 7, 9, 10]  # nothing lost or written twice across the retry
    assert Path(path).parent.parent == tmp_path / "sources" / "telegram-live"
    assert ("blackbox_cp", "service: 1") in skipped

    again = task(settings, CHAT, return_state=True)
    assert again.name == "Cached" and len(clients) == 2  # within 12 hours: Telegram is not asked again

    fresh = task.with_options(refresh_cache=True)(settings, CHAT, return_state=True)
    assert fresh.name == "Completed" and clients[2].calls == [10]  # the next night: only what is new
    ids = [json.loads(line)["message_id"] for line in Path(path).read_text(encoding="utf-8").splitlines()]
    assert ids == [1, 2, 3, 4, 5, 7, 9, 10, 11, 12]

    Path(path).unlink()
    gone = task(settings, CHAT, return_state=True)
    assert gone.name == "Completed", "a deleted store is exported again, not handed back from cache"
    assert not any(
        secret in p.read_bytes().decode("utf-8", "replace")
        for p in tmp_path.rglob("*") if p.is_file() for secret in ("hash-secret", "session-secret")
    )


def test_conflicting_or_incomplete_source_settings_fail_loudly(monkeypatch):
    from bbcopilot.config import load_settings
    from bbcopilot.errors import ConfigError

    monkeypatch.setenv("BBCOPILOT_SOURCES__TELEGRAM_API_HASH", "hash-secret")
    with pytest.raises(ConfigError, match="forum_start_url .* or forum_mirror_dir") as both:
        load_settings("demo", {"sources.forum_start_url": "https://forum.example.org/"})
    with pytest.raises(ConfigError, match="telegram_chats: needs telegram_api_id") as no_session:
        load_settings("demo", {"sources.telegram_chats": [CHAT]})
    assert "hash-secret" not in str(both.value) + str(no_session.value)
    live = load_settings("demo", {"sources.forum_start_url": "https://forum.example.org/", "sources.forum_mirror_dir": None})
    assert live.sources.forum_mirror_dir is None
    project = Path(__file__).resolve().parent.parent
    assert load_settings("demo").sources.forum_mirror_dir == (project.parent / "shared/fixtures/forum").resolve()
