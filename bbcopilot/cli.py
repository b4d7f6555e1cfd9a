"""`bbcopilot`: the command line. Each command calls the same functions the flows call.

Heavy libraries (torch, transformers, prefect) are imported inside the commands
that need them, so `bbcopilot --help` answers at once.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bbcopilot.errors import BBCopilotError
from bbcopilot.serving import API_KEY_VARIABLE

app = typer.Typer(
    help="Build, refresh and evaluate a Component Pascal / BlackBox coding assistant.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
telegram_app = typer.Typer(help="Telegram sources: live export with Telethon, or import of a Desktop export.")
app.add_typer(telegram_app, name="telegram")
console = Console(stderr=True)

Profile = Annotated[str, typer.Option("--profile", "-p", help="Profile name in configs/ or a YAML path.")]
Overrides = Annotated[
    list[str] | None, typer.Option("--set", help="Override a setting: --set train.sft_epochs=2 (repeatable).")
]


def _settings(profile: str, overrides: list[str] | None):
    import yaml

    from bbcopilot.config import load_settings

    parsed = {}
    for item in overrides or []:
        key, separator, value = item.partition("=")
        if not separator:
            raise BBCopilotError(f"--set {item}: expected KEY=VALUE")
        try:
            parsed[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError as err:
            problem = getattr(err, "problem", None) or "cannot parse"
            raise BBCopilotError(f"--set {key.strip()}: the value is not valid YAML ({problem}); "
                                 f"quote a plain string: --set '{key.strip()}=\"...\"'") from None
    return load_settings(profile, parsed), parsed


def _parameters(kind, profile: str, overrides: dict):
    """The flow's typed parameters from --profile and --set: the same model the Prefect UI's form fills."""
    from pydantic import ValidationError

    try:
        return kind(profile=profile, overrides=overrides or None)
    except ValidationError as err:
        first = err.errors()[0]
        raise BBCopilotError(f"--profile {profile}: {first['msg']} (a flow runs a profile of configs/)") from None


def prefect_defaults() -> None:
    # Ephemeral Prefect by default; a real server when PREFECT_API_URL is set.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The first ephemeral server in a fresh PREFECT_HOME migrates its database: ~20-30 s on a
    # small machine, past Prefect's 20 s default wait.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


def _fail(err: BBCopilotError) -> None:
    # soft_wrap: one line per error, whatever the terminal width, so it can be grepped.
    console.print(f"[red]error:[/red] {err}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@app.command()
def run(
    profile: Profile = "demo",
    overrides: Overrides = None,
    flow: Annotated[str, typer.Option(help="pipeline, refresh or train.")] = "pipeline",
) -> None:
    """Run the whole pipeline (or one of its flows) through Prefect and print the report's path."""
    try:
        settings, parsed = _settings(profile, overrides)
        from bbcopilot.sources import source_roots

        source_roots(settings)  # a missing ../shared is reported before Prefect starts
        prefect_defaults()
        from bbcopilot.console import quiet_console

        # Before the flows' imports: tqdm reads its switch (TQDM_DISABLE) when it is imported.
        console.print(f"Log: {quiet_console(settings.workspace)}", highlight=False, soft_wrap=True)
        from flows.parameters import PipelineParameters, RefreshParameters, TrainParameters
        from flows.pipeline import pipeline
        from flows.refresh import refresh
        from flows.train import latest_datasets
        from flows.train import train as train_flow

        flows = {"pipeline": (pipeline, PipelineParameters), "refresh": (refresh, RefreshParameters),
                 "train": (train_flow, TrainParameters)}
        if flow not in flows:
            raise BBCopilotError(f"--flow {flow}: choose one of {', '.join(flows)}")
        chosen, kind = flows[flow]
        parameters = _parameters(kind, profile, parsed)
        if flow == "train":
            latest_datasets(settings)  # no datasets for this profile: say so before Prefect starts
        report = chosen(parameters)
    except BBCopilotError as err:
        _fail(err)
    if sys.stdout.isatty():
        print(f"Report: {report}")
    else:  # stdout is read by a program: the bare path, and the person watching stderr is told once
        console.print(f"Report: [bold]{report}[/bold]", highlight=False, soft_wrap=True)
        print(report)


@app.command()
def convert(
    src: Annotated[Path, typer.Argument(help="A .odc/.txt file or a folder of them.")],
    out: Annotated[
        Path,
        typer.Argument(
            help="Output folder; relative paths are mirrored. It is replaced whole, once every input is "
            "done (a killed run leaves it as it was), so it must be new, empty or an earlier convert's output."
        ),
    ],
    format: Annotated[str, typer.Option("--format", "-f", help="plain, source or markdown.")] = "plain",
) -> None:
    """Convert BlackBox documents to UTF-8 text; exit 0 only when every input (and folder) converted."""
    from bbcopilot.convert import RENDERINGS, convert_tree

    if format not in RENDERINGS:
        _fail(BBCopilotError(f"--format {format}: choose one of {', '.join(RENDERINGS)}"))
    if not src.exists():
        _fail(BBCopilotError(f"{src}: no such file or folder"))
    try:
        report = convert_tree(src, out, format)
    except BBCopilotError as err:  # the output folder cannot be used or written
        _fail(err)
    for relpath, reason in report.failures:
        console.print(f"[red]failed:[/red] {relpath}: {reason}", highlight=False)
    console.print(f"{report.converted} converted, {len(report.failures)} failed; manifest {report.manifest}")
    raise typer.Exit(1 if report.failures else 0)


@app.command()
def crawl(
    start_url: Annotated[str, typer.Option("--start-url", help="The board's index page.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for posts.jsonl and the crawl state.")],
    max_pages: Annotated[int, typer.Option(help="Stop after this many pages (0 = no limit).")] = 0,
    full: Annotated[bool, typer.Option("--full", help="Fetch every topic, not only changed ones.")] = False,
    profile: Profile = "demo",
) -> None:
    """Crawl a phpBB board politely into JSON Lines, personal data scrubbed."""
    from scrapers.forum.crawl import crawl_forum

    try:
        settings, _ = _settings(profile, None)
        summary = crawl_forum(
            start_url, out, settings.sources.pseudonym_key.get_secret_value(),
            max_pages=max_pages, incremental=not full, jobdir=out / "jobdir",
        )
    except BBCopilotError as err:
        _fail(err)
    console.print(
        f"pages {summary.pages_fetched}, posts written {summary.posts_written}, "
        f"duplicates dropped {summary.duplicates_dropped}, errors {summary.errors} -> {summary.output}"
    )


@telegram_app.command("import")
def telegram_import(
    result_json: Annotated[Path, typer.Argument(help="A Telegram Desktop export (result.json).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for messages.jsonl.")],
    profile: Profile = "demo",
) -> None:
    """Import a Telegram Desktop export, personal data scrubbed."""
    from scrapers.telegram import import_export

    try:
        settings, _ = _settings(profile, None)
        summary = import_export(result_json, out, settings.sources.pseudonym_key.get_secret_value())
    except BBCopilotError as err:
        _fail(err)
    console.print(str(summary), highlight=False)


@telegram_app.command("export")
def telegram_export(
    chat: Annotated[str, typer.Option("--chat", help="Chat username or id.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for messages.jsonl.")],
    profile: Profile = "demo",
) -> None:
    """Export a chat live with Telethon, from the last stored message on (needs the secrets)."""
    from bbcopilot.sources import export_telegram_chat

    try:
        settings, _ = _settings(profile, None)
        summary = export_telegram_chat(chat, out, settings.sources)
    except BBCopilotError as err:
        _fail(err)
    console.print(str(summary), highlight=False)


@app.command()
def datasets(profile: Profile = "demo", overrides: Overrides = None) -> None:
    """Refresh sources and datasets (the refresh flow) and print rows, tokens and drops per source and split."""
    from rich.markdown import Markdown

    try:
        settings, parsed = _settings(profile, overrides)
        prefect_defaults()
        from flows.parameters import RefreshParameters
        from flows.refresh import refresh

        report = Path(refresh(_parameters(RefreshParameters, profile, parsed)))
    except BBCopilotError as err:
        _fail(err)
    Console().print(Markdown(report.read_text(encoding="utf-8")))
    print(report)


@app.command()
def prune(
    keep: Annotated[int, typer.Option(min=1, help="Versions to keep per stage, newest first (LATEST always stays).")] = 2,
    profile: Profile = "demo",
    overrides: Overrides = None,
) -> None:
    """Delete old versions of datasets, models, evaluations and exports from the workspace."""
    from bbcopilot.api_index import API_INDEX, DISTRIBUTION_INDEX
    from bbcopilot.datasets_build import CHUNKS, DIALOGS, DOCUMENTS
    from bbcopilot.evaluate import EVALUATIONS
    from bbcopilot.export import EXPORTS
    from bbcopilot.qa.stage import QA
    from bbcopilot.tiny_model import TINY
    from bbcopilot.train import DPO, SFT_CHUNKS, SFT_QA
    from bbcopilot.workspace import Workspace

    try:
        settings, _ = _settings(profile, overrides)
    except BBCopilotError as err:
        _fail(err)
    workspace = Workspace(settings.workspace)
    for stage in (DOCUMENTS, CHUNKS, DIALOGS, API_INDEX, DISTRIBUTION_INDEX, QA, TINY, SFT_CHUNKS, SFT_QA, DPO, EVALUATIONS, EXPORTS):
        for version in workspace.prune(stage, keep):
            console.print(f"pruned {stage}/{version}", highlight=False)


@app.command()
def qa(profile: Profile = "demo", overrides: Overrides = None) -> None:
    """Generate QA pairs over every span of the latest documents, filter them, add the human dialogs."""
    try:
        settings, _ = _settings(profile, overrides)
        from bbcopilot.datasets_build import DIALOGS, DOCUMENTS
        from bbcopilot.qa.stage import build_qa
        from bbcopilot.workspace import Workspace
        from flows.train import base_model_of, latest

        result = build_qa(
            Workspace(settings.workspace), latest(settings, DOCUMENTS), latest(settings, DIALOGS), base_model_of(settings),
            settings.qa, settings.model, settings.toolchain, settings.model.revision,
        )
    except BBCopilotError as err:
        _fail(err)
    report = Path(result.path) / "report.md"
    if report.is_file():
        console.print(report.read_text(encoding="utf-8"), highlight=False, markup=False)
    console.print(f"{result.figures} -> {result.path}", highlight=False)


@app.command()
def train(
    profile: Profile = "demo",
    overrides: Overrides = None,
    accelerate_config: Annotated[Path | None, typer.Option(
        "--accelerate-config", exists=True, dir_okay=False, resolve_path=True,
        help="Run each training stage through `accelerate launch` with this config (configs/accelerate/: "
        "one-gpu, ddp, fsdp, cpu-2).")] = None,
    stages: Annotated[str | None, typer.Option(
        help="Training stages to run, comma-separated, of cpt, sft, dpo, grpo (default: the profile's train.stages).")] = None,
) -> None:
    """Train on the latest datasets (the train flow): QA, SFT, DPO, GRPO, evaluation, export."""
    # Both are settings: as overrides they are validated, recorded and cached like any --set (JSON is YAML).
    options = {"train.accelerate_config": str(accelerate_config) if accelerate_config else None,
               "train.stages": [stage.strip() for stage in stages.split(",")] if stages is not None else None}
    chosen = [f"{key}={json.dumps(value)}" for key, value in options.items() if value is not None]
    run(profile=profile, overrides=[*(overrides or []), *chosen], flow="train")


@app.command()
def evaluate(
    model: Annotated[str, typer.Option("--model", help="Model folder or hub id to evaluate.")],
    baseline: Annotated[str | None, typer.Option("--baseline", help="Model to compare with (default: the profile's base).")] = None,
    profile: Profile = "demo",
    overrides: Overrides = None,
) -> None:
    """Evaluate a model against its base on the held-out test split and write the evaluation report."""
    try:
        settings, _ = _settings(profile, overrides)
        from bbcopilot.evaluate import evaluate_models
        from bbcopilot.workspace import Workspace
        from flows.train import base_model_of, latest

        result = evaluate_models(
            Workspace(settings.workspace), latest(settings, "datasets/documents"), latest(settings, "datasets/qa"),
            baseline or base_model_of(settings), model, settings.eval, settings.toolchain,
            None if baseline else settings.model.revision,
        )
    except BBCopilotError as err:
        _fail(err)
    print((Path(result.path) / "report.md").read_text(encoding="utf-8"))
    console.print(f"Evaluation: [bold]{result.path}[/bold]", highlight=False)
    print(result.path)  # last line of stdout, for scripts


@app.command("tiny-model")
def tiny_model(
    out: Annotated[Path, typer.Argument(help="Folder to save the model and tokenizer to.")],
    profile: Profile = "demo",
) -> None:
    """Build a tiny Qwen2 model with a tokenizer trained on the converted corpus (seconds on CPU)."""
    from bbcopilot.convert import convert_file, list_sources
    from bbcopilot.errors import InputError
    from bbcopilot.tiny_model import build_tiny_model

    try:
        settings, _ = _settings(profile, None)
        root = settings.sources.blackbox_dir
        if not root.is_dir():
            raise BBCopilotError(f"{root}: BlackBox documents not found (is ../shared beside the project?)")
        texts = []
        for path in list_sources(root):
            try:
                texts.append(convert_file(path, root, "plain").text)
            except InputError as err:
                console.print(f"[yellow]skipped:[/yellow] {err}", highlight=False)
        model = settings.model
        build_tiny_model(texts, out, vocab_size=model.tiny_vocab_size, hidden_size=model.tiny_hidden_size, layers=model.tiny_layers)
    except BBCopilotError as err:
        _fail(err)
    console.print(f"Tiny model saved to {out}")


@app.command()
def server(
    port: Annotated[int, typer.Option(help="Port of the Prefect server and its UI, on 127.0.0.1.")] = 4200,
    profile: Annotated[str, typer.Option("--profile", "-p", help="Profile the deployments' runs default to.")] = "demo",
    timezone: Annotated[str | None, typer.Option(
        help="Time zone of nightly-refresh's 02:00 (IANA name; default deployments.serve.TIME_ZONE, Europe/Moscow).",
        show_default=False)] = None,
) -> None:
    """Start a local Prefect server, serve the deployments (nightly-refresh, train, pipeline), print the UI's
    address; Ctrl-C stops both. State lives in PREFECT_HOME (SQLite; PostgreSQL through
    PREFECT_API_DATABASE_CONNECTION_URL), so a restart finds every deployment and run."""
    prefect_defaults()
    from prefect.settings import PREFECT_HOME

    from deployments.serve import TIME_ZONE, serve_deployments, start_server, stop_server

    try:
        prefect = start_server(port, PREFECT_HOME.value() / "bbcopilot-server.log")
    except BBCopilotError as err:
        _fail(err)
    try:
        console.print(f"Prefect UI: [bold]http://127.0.0.1:{port}[/bold]  (Ctrl-C stops the server)", highlight=False)
        serve_deployments(f"http://127.0.0.1:{port}/api", profile, timezone or TIME_ZONE)
    except KeyboardInterrupt:
        pass  # Ctrl-C before serve took over; serve itself returns on it
    finally:
        stop_server(prefect)
    console.print("Prefect server stopped", highlight=False)


ApiKey = Annotated[str | None, typer.Option(
    envvar=API_KEY_VARIABLE, show_envvar=True, show_default=False,
    help="API key (Authorization: Bearer KEY); better set through the environment, as a command line is "
    "visible to every user of the machine.",
)]


@app.command()
def serve(
    model_dir: Annotated[Path, typer.Argument(help="A model folder (safetensors weights, config, tokenizer: an export "
                                              "or a models/ version), or a LoRA adapter folder with its base.")],
    host: Annotated[str, typer.Option(help="Address to listen on: loopback only, unless --allow-remote.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: a free one, logged).")] = 8000,
    api_key: ApiKey = None,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Listen on an address other machines can reach (set an API key too).")] = False,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or mps.")] = "auto",
) -> None:
    """Serve a model as an OpenAI-compatible API: /v1/chat/completions (streamed too), /v1/models, /health.

    With an API key every route but /health wants `Authorization: Bearer KEY`. Only safetensors
    weights are loaded. Runs until Ctrl-C.
    """
    import logging

    from bbcopilot.server import serve as serve_model

    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    try:
        serve_model(str(model_dir), host, port, api_key=api_key, allow_remote=allow_remote, device=device)
    except BBCopilotError as err:
        _fail(err)


@app.command()
def chat(
    model_dir: Annotated[Path | None, typer.Argument(
        help="A model folder to serve on a free loopback port for this chat (or give --url).")] = None,
    url: Annotated[str | None, typer.Option(help="An OpenAI-compatible API to talk to: http://HOST:PORT/v1.")] = None,
    api_key: ApiKey = None,
    max_tokens: Annotated[int, typer.Option(min=1, help="Most tokens per answer.")] = 1024,
    temperature: Annotated[float | None, typer.Option(
        min=0, max=2, help="Sampling temperature (default: the model's generation_config.json).")] = None,
    device: Annotated[str, typer.Option(help="Device for a served MODEL_DIR: auto, cpu, cuda or mps.")] = "auto",
    profile: Profile = "demo",
    overrides: Overrides = None,
) -> None:
    """Chat in the terminal: answers stream in, and every Component Pascal block of an answer is compiled
    with BlackBox's own compiler (the checker when the toolchain is unavailable) and marked."""
    from bbcopilot.chat import run_chat

    if (model_dir is None) == (url is None):
        _fail(BBCopilotError("give a model folder or --url URL (one of them)"))
    try:
        settings, _ = _settings(profile, overrides)
        if url is not None:
            run_chat(url, api_key, settings, max_tokens=max_tokens, temperature=temperature)
        else:
            from bbcopilot.server import model_folder
            from bbcopilot.serving import served_model

            model_folder(model_dir)  # a bad folder in one line, not in the server's log
            console.print(f"starting bbcopilot serve {model_dir} on 127.0.0.1 ...", highlight=False)
            with served_model(str(model_dir), device) as served:
                run_chat(served, None, settings, max_tokens=max_tokens, temperature=temperature)
    except BBCopilotError as err:
        _fail(err)


@app.command("check-cp")
def check_cp(
    files: Annotated[list[str], typer.Argument(help="Component Pascal source files; - reads standard input.")],
    max_errors: Annotated[
        int, typer.Option("--max-errors", min=0, help="Errors shown per file; the rest are counted (0 = all).")
    ] = 20,
) -> None:
    """Check Component Pascal syntax and Delphi/Pascal habits; one line per error.

    Exit 0 when every file is valid, 1 when one has errors, 2 when one could not be checked
    (unreadable, an .odc document, not text): it is named on stderr and the other files are checked.
    """
    from bbcopilot.cpcheck import check_source
    from bbcopilot.errors import InputError

    errors = unchecked = 0
    for name in files:
        shown = "<stdin>" if name == "-" else name
        try:
            data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            text = _read_source(data, shown)
        except OSError as err:
            unchecked += 1
            console.print(f"[red]error:[/red] {shown}: cannot read ({err.strerror})", highlight=False, soft_wrap=True)
            continue
        except InputError as err:
            unchecked += 1
            console.print(f"[red]error:[/red] {err}", highlight=False, soft_wrap=True)
            continue
        diagnostics = check_source(text, shown)
        for diagnostic in diagnostics[:max_errors or None]:
            print(diagnostic)
        if max_errors and len(diagnostics) > max_errors:
            print(f"{shown}: ... and {len(diagnostics) - max_errors} more errors (--max-errors 0 shows all)")
        errors += len(diagnostics)
    if unchecked and len(files) > 1:
        console.print(f"{unchecked} of {len(files)} files not checked", highlight=False)
    raise typer.Exit(2 if unchecked else 1 if errors else 0)


def _read_source(data: bytes, shown: str) -> str:
    """A source file's text; one note on stderr when it is not UTF-8 (an old 8-bit source)."""
    from bbcopilot.cpcheck import source_text

    text, encoding = source_text(data, shown)
    if encoding != "utf-8":
        console.print(f"[yellow]note:[/yellow] {shown}: not UTF-8, read as {encoding}", highlight=False, soft_wrap=True)
    return text


@app.command("compile")
def compile_cp(
    files: Annotated[list[str], typer.Argument(help="Component Pascal source files; - reads standard input.")],
    profile: Profile = "demo",
    overrides: Overrides = None,
) -> None:
    """Compile with BlackBox's own compiler (one process for all files); one FILE:LINE:COL line per error,
    with the checker's hints on Pascal/Delphi habits ("hint: ...") among them.

    Exit 0 when every file compiles, 1 when one does not, 2 when one could not be read or the
    toolchain is unavailable (a missing tree or 32-bit C library is named in one line).
    """
    from bbcopilot.blackbox import build_toolchain, compile_sources
    from bbcopilot.errors import InputError
    from bbcopilot.workspace import Workspace

    sources, unread = [], 0
    for name in files:
        shown = "<stdin>" if name == "-" else name
        try:
            sources.append((shown, _read_source(sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes(), shown)))
        except OSError as err:
            unread += 1
            console.print(f"[red]error:[/red] {shown}: cannot read ({err.strerror})", highlight=False, soft_wrap=True)
        except InputError as err:
            unread += 1
            console.print(f"[red]error:[/red] {err}", highlight=False, soft_wrap=True)
    try:
        settings, _ = _settings(profile, overrides)
        build = build_toolchain(Workspace(settings.workspace), settings.toolchain)
        results = compile_sources(build, sources)
    except BBCopilotError as err:
        _fail(err)
    from bbcopilot.blackbox.verdict import delphi_hints

    texts = dict(sources)
    for result in results:
        # The compiler says what is wrong; the checker adds which Pascal/Delphi habit made it so.
        hints = [(line, col, f"hint: {message}") for line, col, message in delphi_hints(texts[result.name], not result.ok)]
        for line, col, message in sorted(result.errors + hints):
            print(f"{result.name}:{line}:{col}: {message}")
    raise typer.Exit(2 if unread else 1 if any(not r.ok for r in results) else 0)


@app.command("run-cp")
def run_cp(
    file: Annotated[str, typer.Argument(help="A Component Pascal module; - reads standard input.")],
    command: Annotated[str, typer.Option(help="The command to run: Module.Proc.")],
    timeout: Annotated[float, typer.Option(help="Wall-clock limit in seconds.")] = 10.0,
    memory: Annotated[int, typer.Option(help="Address-space limit in MB.")] = 512,
    profile: Profile = "demo",
    overrides: Overrides = None,
) -> None:
    """Compile FILE and run one command in BlackBox's interpreter, bounded; print its log.

    Exit 0 when it ran to its end; 1 with one line on stderr for a compile error (FILE:LINE:COL),
    a trap (its message), a timeout or the memory limit; 2 when the toolchain is unavailable.
    """
    from bbcopilot.blackbox import build_toolchain
    from bbcopilot.blackbox.sandbox import run_command
    from bbcopilot.errors import InputError
    from bbcopilot.workspace import Workspace

    shown = "<stdin>" if file == "-" else file
    try:
        text = _read_source(sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes(), shown)
    except OSError as err:
        console.print(f"[red]error:[/red] {shown}: cannot read ({err.strerror})", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except InputError as err:
        _fail(err)
    try:
        settings, _ = _settings(profile, overrides)
        build = build_toolchain(Workspace(settings.workspace), settings.toolchain)
        result = run_command(build, text, command, timeout_s=timeout, memory_mb=memory, name=shown)
    except ValueError as err:
        console.print(f"[red]error:[/red] {err}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except BBCopilotError as err:
        _fail(err)
    sys.stdout.write(result.log)
    sys.stdout.flush()
    if result.status != "ok":
        where = f"{shown}:" if result.status == "compile_error" else f"{shown}: "
        from rich.markup import escape

        # escape: a trap message has brackets ("[ad = 00061A80]") that are not markup.
        console.print(f"[red]error:[/red] {escape(where + result.summary())}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


@app.command()
def lineage(
    model_dirs: Annotated[list[Path], typer.Argument(
        help="A model or export folder (it holds lineage.json); with --diff, two: A B.", show_default=False)],
    diff: Annotated[bool, typer.Option("--diff", help="Print what differs between A's origins and B's.")] = False,
) -> None:
    """Print what made a model, as a tree from the model down to its source files; with --diff A B,
    what differs between two models' origins (dataset and model versions, sources, settings, base, code)."""
    from bbcopilot import lineage as lineages

    if len(model_dirs) != (2 if diff else 1):
        console.print("[red]error:[/red] " + ("--diff needs two folders: A B" if diff else
                      "one folder, or --diff A B"), highlight=False)
        raise typer.Exit(2)
    try:
        found = [lineages.read_lineage(folder) for folder in model_dirs]
    except BBCopilotError as err:
        _fail(err)
    if not diff:
        # Never cropped to the terminal's width: a long path or failure reason is read whole (or grepped).
        Console(width=10_000).print(lineages.tree(found[0]), highlight=False)
        return
    out = Console(soft_wrap=True, highlight=False)
    for line in lineages.diff(*found) or [f"same origins: {model_dirs[0]} and {model_dirs[1]}"]:
        out.print(line, markup=False)


def main() -> None:
    try:
        app()
    except BBCopilotError as err:  # pragma: no cover - the commands catch their own
        console.print(f"[red]error:[/red] {err}", highlight=False)
        sys.exit(2)
