"""Refresh time on the corpus x1, x4 and x16, in one run: does it grow no faster than the input?

    .venv/bin/python benchmarks/refresh_scale.py [--scales 1 4 16] [--profile demo] [--keep DIR]

For each scale k, a fresh workspace and the real refresh flow (`flows.refresh.refresh_stages`,
every task through Prefect) over inputs k times the demo's:

* documents: the BlackBox documents of ../shared/data/blackbox as they are, plus k-1 copies of
  each (its rendering as the refresh converts it, saved as .txt under a `text_dirs` folder)
  whose identifiers and words carry the copy's number and which end with a paragraph of their
  own, so that exact and near-duplicate detection keeps every copy;
* Telegram: a synthetic Telegram Desktop export of 100,000 messages at x16 (6,250 per unit of
  scale) in reply chains of 1 to 60 messages, and one chain that grows with the export
  (2% of its messages), so that threading work that is not linear in a chain shows;
* forum: a saved phpBB board of 10,000 posts at x16 (625 per unit), pages generated from the
  templates of ../shared/fixtures/forum (one forum's listing and one topic's page, 10 posts a
  page, 20 posts a topic) beside the fixture's own pages, crawled by the real spider through
  `scrapers/forum/mirror.py`.

Prints seconds per scale and per stage, then t4/t1 and t16/t1. Goal: t16/t1 <= 20.
The Prefect server is started before the first timing, so no scale pays for it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from bbcopilot.cli import prefect_defaults

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
BLACKBOX = SHARED / "data" / "blackbox"
FORUM_FIXTURE = SHARED / "fixtures" / "forum"
TELEGRAM_PER_SCALE = 100_000 // 16
FORUM_POSTS_PER_SCALE = 10_000 // 16
POSTS_PER_TOPIC, POSTS_PER_PAGE, TOPICS_PER_PAGE = 20, 10, 25
CHAIN_LENGTHS = (1, 2, 3, 5, 8, 13, 21, 40, 60)

# Words of two or more characters that are not all capitals (Component Pascal's keywords are).
_WORD = re.compile(r"\b(?![A-Z]+\b)([^\W\d_]\w+)")


# ---------------------------------------------------------------- documents


def document_copies(folder: Path, copies: int, settings) -> None:
    """`copies` edited copies of every BlackBox document, as the refresh would render it, in `folder`."""
    from bbcopilot.convert import convert_file, list_sources
    from bbcopilot.errors import InputError
    from bbcopilot.sources import rendering_for

    for path in list_sources(BLACKBOX):
        relpath = path.relative_to(BLACKBOX).as_posix()
        try:
            text = convert_file(path, BLACKBOX, rendering_for(relpath, settings.convert)).text
        except InputError:
            continue  # the refresh reports it for the original; a copy would only repeat it
        for copy in range(1, copies + 1):
            edited = _WORD.sub(lambda m: f"{m.group(1)}{copy}", text)
            edited += f"\n\nCopy {copy} of {relpath} for the scale benchmark; its words carry the number {copy}.\n"
            target = folder / f"copy{copy}" / Path(relpath).with_suffix(".txt")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(edited, encoding="utf-8")


# ---------------------------------------------------------------- Telegram


def telegram_export(path: Path, messages: int) -> None:
    """A Telegram Desktop result.json of one supergroup with `messages` messages in reply chains."""
    lengths = [max(messages // 50, 1)]  # the chain that grows with the export
    while sum(lengths) < messages:
        lengths.append(CHAIN_LENGTHS[len(lengths) % len(CHAIN_LENGTHS)])
    rows, number, start = [], 0, 1_680_000_000
    for length in lengths:
        previous = None
        for position in range(min(length, messages - number)):
            number += 1
            text = (
                f"Сообщение {number} в цепочке длины {length}, шаг {position}: как вызвать Proc{number} "
                f"из модуля Obx{number % 97}Mod? Пример: StdLog.Int({number}); StdLog.Ln (вариант {number * 7 % 1000})."
            )
            message = {
                "id": number, "type": "message",
                "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start + number * 60)),
                "date_unixtime": str(start + number * 60),
                "from": f"Участник {number % 31}", "from_id": f"user{2_000_000 + number % 31}",
                "text": text, "text_entities": [{"type": "plain", "text": text}],
            }
            if previous:
                message["reply_to_message_id"] = previous
            rows.append(message)
            previous = number
    export = {
        "about": "Synthetic Telegram Desktop export for benchmarks/refresh_scale.py.",
        "chats": {"about": "", "list": [{"name": "BlackBox scale test", "type": "public_supergroup", "id": 555, "messages": rows}]},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")


# ---------------------------------------------------------------- forum


def _pagination(script: str, key: str, ident: int, page: int, pages: int, per_page: int, label: str) -> str:
    """A prosilver pagination block, as the fixture's pages have it."""
    def link(p: int) -> str:
        start = f"&amp;start={p * per_page}" if p else ""
        return f"./{script}?{key}={ident}{start}"

    items = [f'<li class="arrow previous"><a class="button button-icon-only" href="{link(page - 1)}" rel="prev" role="button">'
             '<span class="sr-only">Пред.</span></a></li>'] if page else []
    for p in range(pages):
        items.append(f'<li class="active"><span>{p + 1}</span></li>' if p == page
                     else f'<li><a class="button" href="{link(p)}" role="button">{p + 1}</a></li>')
    if page + 1 < pages:
        items.append(f'<li class="arrow next"><a class="button button-icon-only" href="{link(page + 1)}" rel="next" role="button">'
                     '<span class="sr-only">След.</span></a></li>')
    return f'<div class="pagination">\n\t\t\t{label}\n\t\t\t<ul>\n\t\t\t\t' + "\n\t\t\t\t".join(items) + "\n\t\t\t</ul>\n\t\t</div>"


_PAGINATION = re.compile(r'<div class="pagination">.*?</div>', re.DOTALL)


def forum_board(folder: Path, posts: int) -> None:
    """The fixture board, its forum 3 replaced by `posts` generated posts in topics of 20."""
    shutil.copytree(FORUM_FIXTURE, folder)
    forum_page = (FORUM_FIXTURE / "viewforum_f=3_start=0.html").read_text(encoding="utf-8")
    topic_page = (FORUM_FIXTURE / "viewtopic_t=20_start=0.html").read_text(encoding="utf-8")
    rows_start = forum_page.index('<ul class="topiclist topics">') + len('<ul class="topiclist topics">')
    rows_end = forum_page.index("</ul>", rows_start)
    row = forum_page[rows_start:forum_page.index("</li>", rows_start) + len("</li>")]
    first, second = topic_page.index('<div id="p2001"'), topic_page.index('<div id="p2002"')
    post, tail = topic_page[first:second], topic_page[topic_page.index('<div class="action-bar bar-bottom">'):]
    head = topic_page[:first]
    title = "Абстрактные записи и атрибут NEW"

    first_post = 500_000
    topics = [
        (1000 + t, min(POSTS_PER_TOPIC, posts - t * POSTS_PER_TOPIC), first_post + min((t + 1) * POSTS_PER_TOPIC, posts))
        for t in range(-(-posts // POSTS_PER_TOPIC))
    ]
    listing_pages = -(-len(topics) // TOPICS_PER_PAGE)
    for page in range(listing_pages):
        chunk = topics[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
        rows = "".join(
            row.replace("t=20", f"t={t}").replace(title, f"Тема {t}: модуль Scale{t}").replace("2 <dfn>", f"{n - 1} <dfn>")
            .replace("p=2003#p2003", f"p={last}#p{last}")  # the topic's last post: what an incremental crawl compares
            for t, n, last in chunk
        )
        html = forum_page[:rows_start] + "\n" + rows + "\n" + forum_page[rows_end:]
        html = _PAGINATION.sub(_pagination("viewforum.php", "f", 3, page, listing_pages, TOPICS_PER_PAGE, f"Тем: {len(topics)}"), html)
        (folder / f"viewforum_f=3_start={page * TOPICS_PER_PAGE}.html").write_text(html, encoding="utf-8")

    post_id = first_post
    for topic, count, _ in topics:
        pages = -(-count // POSTS_PER_PAGE)
        for page in range(pages):
            body = []
            for number in range(page * POSTS_PER_PAGE, min((page + 1) * POSTS_PER_PAGE, count)):
                post_id += 1
                content = (
                    f"Сообщение {number} темы {topic}: процедура Scale{topic}.Proc{post_id} возвращает {post_id % 1000}; "
                    f"вызов StdLog.Int({post_id}) печатает его в Log (вариант {post_id * 7 % 9973})."
                )
                html = re.sub(r'<div class="content">.*?</div>\n\n', f'<div class="content">{content}</div>\n\n', post, count=1, flags=re.DOTALL)
                body.append(html.replace("2001", str(post_id)).replace(title, f"Тема {topic}: модуль Scale{topic}"))
            page_html = (head + "".join(body) + tail).replace("t=20", f"t={topic}").replace(title, f"Тема {topic}: модуль Scale{topic}")
            page_html = _PAGINATION.sub(
                _pagination("viewtopic.php", "t", topic, page, pages, POSTS_PER_PAGE, f"Сообщений: {count}"), page_html
            )
            (folder / f"viewtopic_t={topic}_start={page * POSTS_PER_PAGE}.html").write_text(page_html, encoding="utf-8")


# ---------------------------------------------------------------- the runs


def inputs(folder: Path, scale: int, settings) -> dict:
    """Write the inputs of one scale under `folder`; the settings overrides that point the refresh at them."""
    copies = folder / "copies"
    copies.mkdir(parents=True)
    document_copies(copies, scale - 1, settings)
    telegram_export(folder / "telegram" / "result.json", TELEGRAM_PER_SCALE * scale)
    forum_board(folder / "forum", FORUM_POSTS_PER_SCALE * scale)
    return {
        "workspace": str(folder / "workspace"),
        "sources.blackbox_dir": str(BLACKBOX),
        "sources.text_dirs": [str(copies)] if scale > 1 else [],
        "sources.telegram_exports": [str(folder / "telegram" / "result.json")],
        "sources.forum_mirror_dir": str(folder / "forum"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--keep", type=Path, help="write inputs and workspaces here and keep them (default: a temporary folder)")
    args = parser.parse_args()
    if not BLACKBOX.is_dir():
        raise SystemExit(f"{BLACKBOX}: BlackBox documents not found (is ../shared beside the project?)")
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="bbcopilot-bench-prefect-"))
    prefect_defaults()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    from prefect import flow

    from bbcopilot.config import load_settings
    from flows.refresh import refresh_stages

    @flow(name="refresh-scale")
    def scaled_refresh(overrides: dict):
        return refresh_stages(load_settings(args.profile, overrides))

    flow(name="warm-up")(lambda: None)()  # start the ephemeral Prefect server before timing
    base = args.keep or Path(tempfile.mkdtemp(prefix="bbcopilot-refresh-scale-"))
    totals: dict[int, float] = {}
    stages: dict[int, dict[str, float]] = {}
    try:
        for scale in args.scales:
            folder = base / f"x{scale}"
            started = time.perf_counter()
            overrides = inputs(folder, scale, load_settings(args.profile))
            prepared = time.perf_counter() - started
            started = time.perf_counter()
            results = scaled_refresh(overrides)
            totals[scale] = time.perf_counter() - started
            stages[scale] = {r.stage: r.seconds for r in results if not r.cached}
            figures = {r.stage: r.figures for r in results}
            documents, chunks = figures.get("datasets/documents", {}), figures.get("datasets/chunks", {})
            print(
                f"x{scale:<3} refresh {totals[scale]:7.1f} s  (inputs written in {prepared:.1f} s; "
                f"{documents.get('documents')} documents, {documents.get('dropped')} dropped; "
                f"{chunks.get('chunks')} chunks of {chunks.get('tokens')} tokens)",
                flush=True,
            )
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)

    names = list(dict.fromkeys(name for per_scale in stages.values() for name in per_scale))
    print("\nseconds per stage:")
    print(f"{'stage':<28}" + "".join(f"{'x' + str(s):>10}" for s in args.scales))
    for name in names:
        print(f"{name:<28}" + "".join(f"{stages[s].get(name, 0.0):10.1f}" for s in args.scales))
    # The forum crawl and the Telegram import feed the stages above and are not stages themselves.
    other = {s: totals[s] - sum(stages[s].values()) for s in args.scales}
    print(f"{'crawl, import, Prefect':<28}" + "".join(f"{other[s]:10.1f}" for s in args.scales))
    first = args.scales[0]
    for scale in args.scales[1:]:
        goal = "  (goal <= 20)" if scale // first == 16 else ""
        print(f"t{scale}/t{first}: {totals[scale] / totals[first]:.2f}{goal}")


if __name__ == "__main__":
    main()
