"""One typed configuration for the whole pipeline, loaded from a YAML profile.

A profile (`configs/<name>.yaml`) sets any field below; environment variables
override it (`BBCOPILOT_<SECTION>__<FIELD>`, e.g. `BBCOPILOT_TRAIN__SFT_EPOCHS=2`);
command-line overrides win over both. Secrets are `SecretStr`: they print as
`**********` and are read with `.get_secret_value()` only where they are used.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, ValidationError, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from bbcopilot.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "configs"
ENV_PREFIX = "BBCOPILOT_"
QUESTION_KINDS = ("api", "task", "boundary")
TRAIN_STAGES = ("cpt", "sft", "dpo", "grpo")
REWARDS = ("compiles", "passes_tests", "real_api", "no_delphi", "length")


class Section(BaseModel):
    # A typo in a profile key must fail loudly, not be ignored.
    model_config = ConfigDict(extra="forbid")


class SourcesSettings(Section):
    blackbox_dir: Path = Field(
        PROJECT_ROOT.parent / "shared" / "data" / "blackbox",
        description="Root of a BlackBox distribution (.odc documents, plain .txt files).",
    )
    text_dirs: list[Path] = Field(
        default_factory=list, description="Further folders of .txt/.odc documents to convert."
    )
    forum_start_url: str | None = Field(None, description="phpBB board to crawl; none = no crawl.")
    forum_mirror_dir: Path | None = Field(
        None,
        description="A saved board to crawl offline through a local mirror server; for demos and development "
        "(pages named as phpBB's URLs: index.html, viewforum_f=2_start=0.html, viewtopic_t=12_start=0.html, ...).",
    )
    forum_max_pages: int = Field(0, description="Stop the crawl after this many pages (0 = no limit).")
    telegram_exports: list[Path] = Field(
        default_factory=list, description="Telegram Desktop result.json files to import."
    )
    telegram_chats: list[str] = Field(
        default_factory=list, description="Chats to export live with Telethon (needs the secrets below)."
    )
    telegram_api_id: int | None = Field(None, description="Telegram API id (my.telegram.org).")
    telegram_api_hash: SecretStr | None = Field(None, description="Telegram API hash (secret).")
    telegram_session: SecretStr | None = Field(None, description="Telethon StringSession (secret).")
    pseudonym_key: SecretStr = Field(
        SecretStr("bbcopilot-demo-key"),
        description="Key of the keyed hash that turns author names into stable pseudonyms (secret).",
    )

    @model_validator(mode="after")
    def _sources_agree(self) -> "SourcesSettings":
        # A ConfigError, not a ValueError: pydantic would echo the section's input, secrets included.
        if self.forum_start_url and self.forum_mirror_dir:
            raise ConfigError(
                "sources: set forum_start_url (a live board) or forum_mirror_dir (a saved one), not both "
                "(unset one: --set sources.forum_mirror_dir=null)"
            )
        if self.telegram_chats and not (self.telegram_api_id and self.telegram_api_hash and self.telegram_session):
            raise ConfigError(
                "sources.telegram_chats: needs telegram_api_id, telegram_api_hash and telegram_session "
                "(set them through the environment: BBCOPILOT_SOURCES__TELEGRAM_API_HASH=...)"
            )
        return self


class ConvertSettings(Section):
    module_rendering: Literal["plain", "source", "markdown"] = Field(
        "source", description="Rendering of module sources (Mod/): compiler text plus fold history."
    )
    docu_rendering: Literal["plain", "source", "markdown"] = Field(
        "markdown", description="Rendering of every other document (Docu/, Rsrc/, ...)."
    )


class DatasetSettings(Section):
    chunk_tokens: int = Field(512, gt=16, description="Tokens per pretraining chunk, header included.")
    chunk_overlap: int = Field(32, ge=0, description="Tokens shared by neighbouring chunks.")
    dedup_threshold: float = Field(0.85, gt=0, le=1, description="Jaccard threshold of near-duplicates.")
    minhash_permutations: int = Field(128, ge=16, description="MinHash permutations.")
    shingle_words: int = Field(5, ge=1, description="Words per MinHash shingle.")
    validation_fraction: float = Field(0.1, ge=0, lt=0.5, description="Share of groups in validation.")
    test_fraction: float = Field(0.1, ge=0, lt=0.5, description="Share of groups in test (never used for early stopping).")
    split_salt: str = Field("bbcopilot-v1", description="Salt of the group hash that assigns splits.")


class ModelSettings(Section):
    base_model: str = Field(
        "Qwen/Qwen2.5-Coder-1.5B-Instruct",
        description="Hub id or local path of the base model; ignored when build_tiny is set.",
    )
    revision: str | None = Field(
        None,
        description="Hub revision of base_model (branch, tag or commit); none = main. Cache keys use the commit "
        "it resolves to in the local hub cache.",
    )
    build_tiny: bool = Field(False, description="Build a tiny Qwen2 model from the corpus and use it as base.")
    tiny_vocab_size: int = Field(4096, ge=300, description="Vocabulary of the tiny model's tokenizer.")
    tiny_hidden_size: int = Field(64, description="Hidden size of the tiny model.")
    tiny_layers: int = Field(2, description="Layers of the tiny model.")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Where training runs.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field("auto", description="Weights dtype.")


class QASettings(Section):
    endpoint: str | None = Field(
        None,
        description="OpenAI-compatible base URL of the generator (vLLM, `transformers serve`, a hosted model); "
        "none = the base model, served locally or run in-process (serve_locally).",
    )
    endpoint_model: str = Field(
        "default",
        description="Model name sent to the endpoint; it names the generator in the request cache and the "
        "dataset's version, so give the real model's name.",
    )
    api_key: SecretStr = Field(SecretStr("none"), description="API key of the endpoint (secret).")
    serve_locally: bool = Field(
        True,
        description="With no endpoint: serve the base model on 127.0.0.1 (bbcopilot.server, which decodes to the "
        "reply schema) and generate "
        "through it (the server path); false = generate in-process with transformers (no server at all).",
    )
    concurrency: int = Field(8, ge=1, description="Requests in flight at once against the endpoint.")
    max_retries: int = Field(4, ge=0, description="Retries of a request after 429, 5xx, a timeout or a lost connection.")
    request_timeout_s: float = Field(120.0, gt=0, description="Seconds one request may take before it is retried.")
    repair_attempts: int = Field(
        2, ge=0, description="Times output that is not valid JSON of the pair schema is sent back to be corrected."
    )
    response_format: Literal["auto", "json_schema", "none"] = Field(
        "auto",
        description="Ask for the pair schema with `response_format` (json_schema); auto = do so until the server "
        "refuses it, then ask in the prompt alone.",
    )
    span_tokens: int = Field(1536, ge=64, description="Tokens per generation span, its context header included.")
    context_window: int = Field(
        8192, ge=256, description="The generation model's context window: prompt, span and answer budget must fit."
    )
    tokenizer: str | None = Field(
        None, description="Tokenizer that counts the window (hub id or path); none = the base model's."
    )
    question_kinds: list[Literal["api", "task", "boundary"]] = Field(
        list(QUESTION_KINDS),
        min_length=1,
        description="Question kinds asked of each span: api (what/how/why), task (write a procedure), "
        "boundary (where a name belongs).",
    )
    pairs_per_request: int = Field(2, ge=1, description="Pairs asked for in one request (one span, one kind).")
    max_documents: int = Field(0, ge=0, description="Documents to generate from (0 = all).")
    max_new_tokens: int = Field(1024, ge=8, description="Tokens per generated reply (the answer budget).")
    temperature: float = Field(0.7, ge=0, description="Sampling temperature of the generator.")
    ungrounded_rejected: bool = Field(
        True, description="Ask each kept question again without its span: that answer is DPO's rejected side."
    )
    judge_endpoint: str | None = Field(
        None, description="OpenAI-compatible base URL of a judge that checks each claim against the span; none = no judge."
    )
    judge_model: str = Field("default", description="Model name sent to the judge endpoint.")
    judge_api_key: SecretStr = Field(SecretStr("none"), description="API key of the judge endpoint (secret).")
    min_question_chars: int = Field(12, ge=1, description="Shorter questions are dropped.")
    max_question_chars: int = Field(600, ge=1, description="Longer questions are dropped.")
    min_answer_chars: int = Field(20, ge=1, description="Shorter answers are dropped.")
    max_answer_chars: int = Field(6000, ge=1, description="Longer answers are dropped.")
    near_duplicate_threshold: float = Field(
        0.8, gt=0, le=1, description="Jaccard similarity (MinHash) above which a question repeats an earlier one."
    )
    min_kept_fraction: float = Field(
        0.05, ge=0, le=1, description="Warn loudly, with the reasons, when the filters keep less than this share."
    )
    min_dialog_chars: int = Field(40, ge=0, description="Human dialogs with fewer characters of answer are dropped.")


class TrainSettings(Section):
    max_length: int = Field(512, ge=32, description="Sequence length of SFT batches.")
    batch_size: int = Field(4, ge=1, description="Per-device batch size.")
    gradient_accumulation: int = Field(1, ge=1, description="Gradient accumulation steps.")
    lora_r: int = Field(16, ge=1, description="LoRA rank.")
    lora_alpha: int = Field(32, ge=1, description="LoRA alpha.")
    lora_dropout: float = Field(0.1, ge=0, lt=1, description="LoRA dropout (chunks overfit fast).")
    sft_learning_rate: float = Field(5e-5, gt=0, description="Learning rate of continued pretraining on chunks.")
    sft_epochs: float = Field(1.0, gt=0, description="Epochs over the chunks.")
    sft_max_steps: int = Field(-1, description="Stop after this many steps (-1 = by epochs).")
    qa_learning_rate: float = Field(1e-4, gt=0, description="Learning rate of QA SFT.")
    qa_epochs: float = Field(1.0, gt=0, description="Epochs over the QA pairs.")
    qa_max_steps: int = Field(-1, description="Stop QA SFT after this many steps (-1 = by epochs).")
    eval_steps: int = Field(50, ge=1, description="Evaluate on validation every N steps.")
    max_eval_rows: int = Field(0, ge=0, description="Validation rows used for early stopping (0 = all).")
    early_stopping_patience: int = Field(3, ge=1, description="Evaluations without improvement before stopping.")
    dpo_steps: int = Field(20, ge=0, description="DPO steps (0 = skip alignment).")
    dpo_beta: float = Field(0.1, gt=0, description="DPO beta.")
    dpo_learning_rate: float = Field(5e-6, gt=0, description="DPO learning rate.")
    own_samples: int = Field(
        2, ge=0, description="Answers the SFT model samples per coding prompt; those that fail the compiler or the "
        "tests are DPO's rejected side (0 = none)."
    )
    grpo_steps: int = Field(20, ge=0, description="GRPO steps (0 = skip).")
    grpo_learning_rate: float = Field(1e-5, gt=0, description="GRPO learning rate.")
    grpo_generations: int = Field(4, ge=2, description="Completions sampled per prompt (GRPO's group).")
    grpo_max_completion_length: int = Field(512, ge=8, description="Tokens per sampled completion.")
    grpo_temperature: float = Field(1.0, gt=0, description="Sampling temperature of GRPO's completions.")
    grpo_beta: float = Field(0.0, ge=0, description="KL penalty against the reference model (0 = none, no reference kept).")
    reward_weights: dict[Literal[REWARDS], float] = Field(
        {"compiles": 1.0, "passes_tests": 2.0, "real_api": 0.5, "no_delphi": 0.5, "length": 0.25},
        description="Weight of each GRPO reward: compiles (BlackBox's compiler), passes_tests (share of the task's "
        "cases passed), real_api (no invented names), no_delphi (no Pascal/Delphi habits), length (penalty past "
        "the completion budget).",
    )
    stages: list[Literal[TRAIN_STAGES]] = Field(
        list(TRAIN_STAGES), min_length=1,
        description="Training stages to run, in pipeline order: cpt (chunks), sft (QA pairs and dialogs), dpo, grpo.",
    )
    packing: bool = Field(True, description="Padding-free packed batches (best-fit) in both SFT stages.")
    report_to: list[str] = Field(["tensorboard"], description="Trainer loggers (report_to); [] = none.")
    gradient_checkpointing: bool = Field(False, description="Recompute activations in the backward pass (less memory).")
    qlora: bool = Field(
        False, description="Load the model in 4 bits (bitsandbytes, CUDA only) and train LoRA on it (QLoRA)."
    )
    accelerate_config: Path | None = Field(
        None, description="An `accelerate` config (configs/accelerate/): each training stage runs through "
        "`accelerate launch` with it (one GPU, DDP, FSDP); none = in this process."
    )
    seed: int = Field(42, description="Random seed of every trainer.")


class EvalSettings(Section):
    max_texts: int = Field(0, ge=0, description="Held-out texts to score (0 = all).")
    max_length: int = Field(512, ge=32, description="Tokens per scored window.")
    max_prompts: int = Field(0, ge=0, description="Coding prompts of bbcopilot/data/eval_prompts.jsonl to answer (0 = all).")
    max_qa: int = Field(
        50, ge=0, description="QA questions per group (training-split and held-out documents) to answer (0 = all)."
    )
    max_new_tokens: int = Field(512, ge=8, description="Tokens per generated answer.")
    temperatures: list[float] = Field(
        [0.2, 0.6, 1.0], min_length=1, description="Sampling temperatures; every generation metric is measured at each."
    )
    batch_size: int = Field(8, ge=1, description="Conversations per generation batch.")
    seed: int = Field(0, description="Sampling seed, set before each model's run at each temperature.")
    judge_endpoint: str | None = Field(
        None, description="OpenAI-compatible base URL of a judge model that grades QA answers; none = no judge."
    )
    judge_model: str = Field("default", description="Model name sent to the judge endpoint.")
    judge_api_key: SecretStr = Field(SecretStr("none"), description="API key of the judge endpoint (secret).")
    bench_suites: list[Literal["humaneval", "blackbox"]] = Field(
        ["humaneval", "blackbox"], description="Benchmark suites run on their test split (needs the BlackBox toolchain)."
    )
    bench_tasks: int = Field(0, ge=0, description="Test-split tasks per suite, spread over it (0 = the full suite).")
    bench_samples: int = Field(5, ge=1, description="Answers sampled per benchmark task (n of pass@k).")
    bench_k: list[int] = Field([1, 5], min_length=1, description="The k of each pass@k reported (each at most bench_samples).")
    run_timeout_s: float = Field(10.0, gt=0, description="Wall-clock limit of one benchmark answer's test run.")
    run_memory_mb: int = Field(256, ge=32, description="Address-space limit of one benchmark answer's test run.")

    @model_validator(mode="after")
    def _k_within_samples(self) -> "EvalSettings":
        if max(self.bench_k) > self.bench_samples or min(self.bench_k) < 1:
            raise ValueError(f"bench_k {self.bench_k}: each k must be between 1 and bench_samples ({self.bench_samples})")
        return self


class ToolchainSettings(Section):
    bbcp_dir: Path = Field(
        PROJECT_ROOT.parent / "shared" / "bbcp",
        description="A BlackBox cross-platform tree (bbcp, with dev0lin and build-linux); it is copied into the "
        "workspace and built there, never written. Point it at your own BlackBox to compile against it.",
    )


class Settings(BaseSettings):
    """Every setting of a run. A profile names only what differs from these defaults."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    profile: str = Field("default", description="Name of the profile this was loaded from.")
    workspace: Path = Field(PROJECT_ROOT / "workspace", description="Folder that holds every artefact.")
    dask_address: str | None = Field(
        None, description="Scheduler of a Dask cluster (tcp://host:8786) that runs the refresh's concurrent stages; "
        "its workers must see the same workspace path. None: they run in a thread of the flow's process.",
    )
    sources: SourcesSettings = SourcesSettings()
    convert: ConvertSettings = ConvertSettings()
    datasets: DatasetSettings = DatasetSettings()
    model: ModelSettings = ModelSettings()
    qa: QASettings = QASettings()
    train: TrainSettings = TrainSettings()
    eval: EvalSettings = EvalSettings()
    toolchain: ToolchainSettings = ToolchainSettings()

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Explicit values (the profile, CLI overrides) are passed as init kwargs;
        # the environment must still win over the profile, so it comes first.
        return env_settings, init_settings

    def public_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready data, secrets masked: safe for logs and artefacts."""
        return self.model_dump(mode="json")


def profile_path(profile: str | Path) -> Path:
    path = Path(profile)
    if path.suffix in {".yaml", ".yml"}:
        return path
    return CONFIG_DIR / f"{profile}.yaml"


def load_settings(profile: str | Path = "demo", overrides: dict[str, Any] | None = None) -> Settings:
    """Load a profile, apply environment and explicit overrides, validate everything.

    `overrides` maps dotted keys to values (`{"train.sft_epochs": 2}`).
    Any fault ends in one ConfigError naming the file and the key.
    """
    path = profile_path(profile)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as err:
        raise ConfigError(f"{path}: cannot read profile ({err.strerror or err})") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a profile must be a mapping of sections, got {type(data).__name__}")
    data.setdefault("profile", path.stem)
    for dotted in overrides or {}:
        if _is_secret(tuple(dotted.split("."))):
            # Overrides travel as flow parameters into Prefect's database and UI.
            raise ConfigError(f"override {dotted}: a secret is set through the environment "
                              f"({_variable(dotted.split('.'))}), never as an override")
    variables = _environment()
    given = _given(variables)  # a variable that is not valid JSON is named before the settings read it
    try:
        settings = Settings(**data)  # the environment wins over the profile
    except ValidationError as err:
        variable = _variable_setting(err.errors()[0]["loc"], variables, given)
        raise _config_error(f"environment {variable}" if variable else str(path), err, ()) from None
    return _anchor_paths(_apply_overrides(settings, overrides or {}))


# ---- the environment ------------------------------------------------------------------------

def _variable(loc) -> str:
    """The environment variable of a setting: ("train", "sft_epochs") -> BBCOPILOT_TRAIN__SFT_EPOCHS."""
    return ENV_PREFIX + "__".join(str(part) for part in loc).upper()


def _environment() -> dict[tuple[str, ...], str]:
    """Our variables, {setting path: variable name}, each checked against the settings tree.

    `BBCOPILOT_<SECTION>__<FIELD>` sets a field, `BBCOPILOT_<NAME>` a top-level field or a whole
    section (as JSON). A name with '__' that misses the tree is a misspelt setting: a ConfigError
    naming the variable and the closest name. A name without '__' that is not (nearly) a setting is
    someone else's variable and is left alone: the crawler's subprocess reads BBCOPILOT_PSEUDONYM_KEY.
    Values are never shown: a variable may hold a secret.
    """
    found = {}
    for name in sorted(os.environ):
        if not name.upper().startswith(ENV_PREFIX):
            continue
        loc = tuple(name[len(ENV_PREFIX):].lower().split("__"))
        model: Any = Settings
        for depth, part in enumerate(loc):
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                raise ConfigError(f"environment {name}: {'.'.join(loc[:depth])} is a setting, not a section")
            fields = model.model_fields
            if part in fields:
                model = fields[part].annotation
                continue
            if depth > 0:
                what, names, cutoff = f"section {loc[0]} has no setting '{part}'", list(fields), 0.6
            elif len(loc) > 1:
                what, cutoff = f"no settings section '{part}'", 0.6
                names = [f for f, info in fields.items() if isinstance(info.annotation, type)
                         and issubclass(info.annotation, Section)]
            else:
                what, names, cutoff = f"no setting '{part}'", list(fields), 0.8
            close = difflib.get_close_matches(part, names, n=1, cutoff=cutoff)
            if len(loc) == 1 and not close:
                break  # not a setting
            guess = f" (did you mean {_variable((*loc[:depth], close[0], *loc[depth + 1:]))}?)" if close else ""
            raise ConfigError(f"environment {name}: {what}{guess}")
        else:
            found[loc] = name
    return found


class _Variables(EnvSettingsSource):
    """The settings' own reading of the environment, limited to the named variables."""

    def __init__(self, names):
        self.names = list(names)
        super().__init__(Settings)

    def _load_env_vars(self) -> dict[str, str]:
        return {name.lower(): os.environ[name] for name in self.names}


def _given(variables: dict[tuple[str, ...], str]) -> dict[str, Any]:
    """The values our variables give, parsed as the settings parse them (lists and sections as JSON)."""
    try:
        return _Variables(variables.values())()
    except SettingsError as err:
        for name in variables.values():  # pydantic-settings names the section only: find the variable
            try:
                _Variables([name])()
            except SettingsError:
                raise ConfigError(f"environment {name}: not valid JSON, as a list or a section must be "
                                  f"(e.g. [0.2, 0.6])") from None
        raise ConfigError(f"environment {', '.join(variables.values())}: {err}") from None


def _variable_setting(loc: tuple, variables: dict[tuple[str, ...], str], given: dict[str, Any]) -> str | None:
    """The variable that gave the value at `loc`, if the environment gave it (it wins over the profile)."""
    node: Any = given
    for part in loc:
        if isinstance(node, dict) and part in node or isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return next(variables[loc[:depth]] for depth in range(len(loc), 0, -1) if loc[:depth] in variables)


def _apply_overrides(settings: Settings, overrides: dict[str, Any]) -> Settings:
    """Overrides win over profile and environment: each touched section is validated again on its own
    (validating the whole Settings would read the environment once more)."""
    merged = settings.model_dump()
    for dotted, value in overrides.items():
        _set_dotted(merged, dotted, value)
    update = {}
    for name in {dotted.split(".")[0] for dotted in overrides}:
        field = Settings.model_fields.get(name)
        if field is None:
            raise ConfigError(f"override {name}: no such setting")
        try:
            update[name] = TypeAdapter(field.annotation).validate_python(merged[name])
        except ValidationError as err:
            raise _config_error("override", err, (name,)) from None
    return settings.model_copy(update=update)


def _config_error(where: str, err: ValidationError, prefix: tuple) -> ConfigError:
    first = err.errors()[0]
    loc = (*prefix, *first["loc"])
    shown = "" if _is_secret(loc) else f" (got {first.get('input')!r})"
    return ConfigError(f"{where}: {'.'.join(str(part) for part in loc)}: {first['msg']}{shown}")


def _is_secret(loc: tuple) -> bool:
    """Whether a validation error's location is a secret field (or a whole section holding one):
    its input must not be echoed into an error message."""
    model: Any = Settings
    for part in loc:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            break
        model = field.annotation
    text = repr(model)
    return "SecretStr" in text or (isinstance(model, type) and any(
        "SecretStr" in repr(f.annotation) for f in getattr(model, "model_fields", {}).values()
    ))


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"override {dotted}: {part} is not a section")
    node[leaf] = value


def _anchor(path: Path) -> Path:
    # Relative paths in a profile are relative to the project root, not the caller's cwd.
    return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()


def _anchor_paths(settings: Settings) -> Settings:
    sources = settings.sources
    return settings.model_copy(
        update={
            "workspace": _anchor(settings.workspace),
            "toolchain": settings.toolchain.model_copy(update={"bbcp_dir": _anchor(settings.toolchain.bbcp_dir)}),
            "train": settings.train.model_copy(update={"accelerate_config": _anchor(settings.train.accelerate_config)
                                                       if settings.train.accelerate_config else None}),
            "sources": sources.model_copy(
                update={
                    "blackbox_dir": _anchor(sources.blackbox_dir),
                    "text_dirs": [_anchor(p) for p in sources.text_dirs],
                    "telegram_exports": [_anchor(p) for p in sources.telegram_exports],
                    "forum_mirror_dir": _anchor(sources.forum_mirror_dir) if sources.forum_mirror_dir else None,
                }
            ),
        }
    )
