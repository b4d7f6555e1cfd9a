"""The export: safetensors model, generation config, GGUF loaded back, Ollama Modelfile, model card."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from bbcopilot.config import load_settings
from bbcopilot.evaluate import EVALUATIONS
from bbcopilot.export import ExportError, check_model_folder, export_model
from bbcopilot.export.gguf_file import ARCHITECTURE_FIELDS, CHECK_PROMPTS, TOLERANCE, portable_chat_template
from bbcopilot.export.ollama import MODELFILE, OllamaError, go_template
from bbcopilot.export.sampling import most_stable_temperature
from bbcopilot.llm import chat, conversation, load_tokenizer
from bbcopilot.report import StageResult
from bbcopilot.tiny_model import TINY
from bbcopilot.workspace import Workspace

# Quality (mean of compile rate and held-out QA F1) per temperature: 1.4 is the best alone, but its
# neighbour 1.8 collapses; 1.0 holds up with both neighbours, so the rule picks 1.0.
QUALITY = {0.2: 0.30, 0.6: 0.50, 1.0: 0.55, 1.4: 0.95, 1.8: 0.05}
STABLE = 1.0


def fake_metrics(quality: dict[float, float]) -> dict:
    """metrics.json as evaluate.evaluate_models writes it, with the figures the export reads."""
    names = ["qa_held_out_token_f1", "compile_rate"]
    generation = {
        str(float(t)): {
            "base": {"qa_held_out_token_f1": q / 2, "compile_rate": q / 2},
            "tuned": {"qa_held_out_token_f1": q, "compile_rate": q},
            "difference": {"qa_held_out_token_f1": q / 2, "compile_rate": q / 2},
        }
        for t, q in quality.items()
    }
    return {
        "temperatures": list(quality),
        "metrics": names,
        "code_judge": {"judged_by": "checker", "notice": "no toolchain", "bench": {"suites": [], "samples": 1, "k": [1]}},
        "bits_per_byte": {"base": 3.5, "tuned": 3.25, "difference": -0.25,
                          "per_subsystem": {"Text": {"base": 3.5, "tuned": 3.25, "difference": -0.25}}},
        "generation": generation,
    }


@pytest.fixture(scope="module")
def exported(tiny_model, tmp_path_factory):
    """The tiny model exported, its lineage a documents dataset, the tiny base and an evaluation."""
    root = tmp_path_factory.mktemp("export")
    workspace = Workspace(root / "workspace")
    documents = workspace.version_dir("datasets/documents", "docs1")  # in the workspace: the lineage reads its manifest
    documents.mkdir(parents=True)
    (documents / "manifest.json").write_text(json.dumps({"inputs": []}))
    (documents / "README.md").write_text("---\nlanguage:\n- en\n- ru\nlicense:\n- bsd-2-clause\n---\n\n# documents\n")
    evaluation = root / "evaluation"
    evaluation.mkdir()
    (evaluation / "metrics.json").write_text(json.dumps(fake_metrics(QUALITY)))
    (evaluation / "report.md").write_text("the report\n")
    lineage = [StageResult("datasets/documents", "docs1", str(documents)), StageResult(TINY, "tiny1", str(tiny_model)),
               StageResult(EVALUATIONS, "eval1", str(evaluation))]
    model = StageResult("models/dpo", "dpo1", str(tiny_model))
    result = export_model(workspace, model, lineage, load_settings("demo").public_dict())
    return result, Path(result.path)


def logits_of(model, prompts):
    import torch

    with torch.no_grad():
        return [model(torch.tensor([ids])).logits[0] for ids in prompts]


@pytest.mark.parametrize("quantisation", ["F16", "Q8_0"])
def test_gguf_loads_back_within_the_stated_tolerance(exported, quantisation):
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    result, folder = exported
    name = f"bbcopilot-{quantisation}.gguf"
    config, back_config = AutoConfig.from_pretrained(folder), AutoConfig.from_pretrained(folder, gguf_file=name)
    assert [getattr(back_config, f) for f in ARCHITECTURE_FIELDS] == [getattr(config, f) for f in ARCHITECTURE_FIELDS]
    assert back_config.rope_parameters == config.rope_parameters
    tokenizer = load_tokenizer(str(folder))
    prompts = [tokenizer.apply_chat_template(chat(p), add_generation_prompt=True, return_dict=True)["input_ids"]
               for p in CHECK_PROMPTS]
    expected = logits_of(AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32), prompts)
    got = logits_of(AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32), prompts)
    scale = max(float(e.abs().max()) for e in expected)
    difference = max(float((e - g).abs().max()) for e, g in zip(expected, got))
    assert 0 < difference <= TOLERANCE[quantisation] * scale  # 0 would mean nothing was rounded
    assert result.figures[f"{quantisation}_max_logit_diff"] <= TOLERANCE[quantisation] * scale
    # Its tokenizer and chat template read a conversation into the same ids.
    back = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    turns = conversation([{"role": "user", "content": "Что такое TextModels?"}, {"role": "assistant", "content": "MODULE A; END A."}])
    assert back.apply_chat_template(turns, return_dict=True)["input_ids"] == tokenizer.apply_chat_template(
        turns, return_dict=True)["input_ids"]


def test_a_bfloat16_model_is_written_and_verified(tiny_model, tmp_path):
    """Models tuned on a GPU are saved in bfloat16, which numpy cannot hold."""
    import torch
    from transformers import AutoModelForCausalLM

    from bbcopilot.export.gguf_file import compare_logits, write_gguf

    folder = tmp_path / "bf16"
    shutil.copytree(tiny_model, folder)
    AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.bfloat16).save_pretrained(folder)
    sampling = {"temperature": 0.6, "top_p": 1.0, "top_k": 50, "repetition_penalty": 1.0}
    written = write_gguf(folder, folder / "m-F16.gguf", "F16", "m", sampling)
    assert compare_logits(folder, [written])["F16"]["relative_difference"] < 1e-5  # bfloat16 fits F16 exactly


def test_gguf_holds_the_tokenizer_and_the_portable_template(exported):
    import gguf

    _, folder = exported
    f16, q8 = (gguf.GGUFReader(folder / f"bbcopilot-{q}.gguf") for q in ("F16", "Q8_0"))
    template = f16.fields["tokenizer.chat_template"].contents()
    assert "{%- generation %}" not in template and "endgeneration" not in template and "<|im_start|>" in template
    tokens = f16.fields["tokenizer.ggml.tokens"].contents()
    tokenizer = load_tokenizer(str(folder))
    assert tokens[tokenizer.convert_tokens_to_ids("<|im_end|>")] == "<|im_end|>"
    assert f16.fields["tokenizer.ggml.merges"].contents()
    assert f16.fields["tokenizer.ggml.add_bos_token"].contents() is False  # the tokenizer adds none
    assert gguf.GGMLQuantizationType.Q8_0 in {t.tensor_type for t in q8.tensors}
    assert (folder / "bbcopilot-Q8_0.gguf").stat().st_size < (folder / "bbcopilot-F16.gguf").stat().st_size


def test_llama_cpp_ran_the_gguf_files_where_it_is_installed(exported):
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (optional: it builds llama.cpp from source)")
    _, folder = exported
    checked = json.loads((folder / "verification.json").read_text())["llama_cpp"]
    assert checked["state"] == "ran"
    same, total = map(int, checked["greedy_tokens_equal"]["F16"].split("/"))
    assert same > 0 and total > 0


def test_portable_template_renders_like_the_chat_template(tiny_model):
    tokenizer = load_tokenizer(str(tiny_model))
    turns = conversation([{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}])
    expected = tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True)
    tokenizer.chat_template = portable_chat_template(tokenizer.chat_template)
    assert "endgeneration" not in tokenizer.chat_template
    assert tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True) == expected


def test_most_stable_temperature_prefers_a_plateau_to_a_lone_peak():
    chosen, rows = most_stable_temperature(fake_metrics(QUALITY))
    assert chosen == STABLE
    assert [r["stability"] for r in rows] == [0.30, 0.30, 0.50, 0.05, 0.05]
    flat, _ = most_stable_temperature(fake_metrics({0.2: 0.4, 0.6: 0.4, 1.0: 0.4}))
    assert flat == 0.2  # a tie goes to the lower temperature


def test_generation_config_modelfile_and_gguf_carry_the_chosen_sampling(exported):
    import gguf

    _, folder = exported
    config = json.loads((folder / "generation_config.json").read_text())
    assert config["temperature"] == STABLE and config["do_sample"] is True
    tokenizer = load_tokenizer(str(folder))
    assert set(config["eos_token_id"]) == {tokenizer.convert_tokens_to_ids(t) for t in ("<|im_end|>", "<|endoftext|>")}
    modelfile = (folder / MODELFILE).read_text()
    assert re.search(rf"^PARAMETER temperature {STABLE}$", modelfile, re.M)
    assert re.search(rf"^PARAMETER top_p {config['top_p']}$", modelfile, re.M)
    assert re.findall(r'^PARAMETER stop "(.*)"$', modelfile, re.M) == ["<|im_end|>", "<|endoftext|>"]
    assert modelfile.startswith("#") and "\nFROM ./bbcopilot-Q8_0.gguf\n" in modelfile
    reader = gguf.GGUFReader(folder / "bbcopilot-Q8_0.gguf")
    assert reader.fields["general.sampling.temp"].contents() == pytest.approx(STABLE)


# ---------------------------------------------------------------- the Modelfile's Go template

GO_ACTION = re.compile(r"\{\{(- )?\s*(.*?)\s*( -)?\}\}", re.DOTALL)


def render_go(template: str, messages: list[dict[str, str]]) -> str:
    """Go text/template semantics for what an Ollama chat TEMPLATE of ours may use: literal text,
    `{{- ` / ` -}}` whitespace trimming, `range .Messages` ... `end`, `.Role`, `.Content`.
    Anything else fails the test: the TEMPLATE must stay within what this reader checks."""
    parts: list[tuple[str, str]] = []
    position, trim_next = 0, False
    for action in GO_ACTION.finditer(template):
        text = template[position : action.start()]
        text = text.lstrip(" \t\r\n") if trim_next else text
        parts.append(("text", text.rstrip(" \t\r\n") if action.group(1) else text))
        parts.append(("action", action.group(2)))
        position, trim_next = action.end(), bool(action.group(3))
    tail = template[position:]
    parts.append(("text", tail.lstrip(" \t\r\n") if trim_next else tail))

    def run(items: list[tuple[str, str]], dot: dict[str, str] | None) -> str:
        out, i = [], 0
        while i < len(items):
            kind, value = items[i]
            if kind == "text":
                out.append(value)
            elif value == "range .Messages":
                depth, j = 1, i + 1
                while depth:
                    depth += {"end": -1}.get(items[j][1], 0) if items[j][0] == "action" else 0
                    depth += 1 if items[j] == ("action", "range .Messages") else 0
                    j += 1
                out += [run(items[i + 1 : j - 1], {"Role": m["role"], "Content": m["content"]}) for m in messages]
                i = j - 1
            elif value in (".Role", ".Content") and dot is not None:
                out.append(dot[value[1:]])
            else:
                raise AssertionError(f"the TEMPLATE uses {{{{ {value} }}}}, which this check does not read")
            i += 1
        return "".join(out)

    return run(parts, None)


def modelfile_template(modelfile: str) -> str:
    return re.search(r'^TEMPLATE """(.*?)"""$', modelfile, re.M | re.S).group(1)


def test_go_reader_trims_as_go_does():
    assert render_go("a  {{- range .Messages }} [{{ .Role }}] {{ end -}}  b", [{"role": "r", "content": ""}]) == "a [r] b"


def test_modelfile_template_renders_like_the_chat_template(exported):
    _, folder = exported
    tokenizer = load_tokenizer(str(folder))
    template = modelfile_template((folder / MODELFILE).read_text())
    for turns in ([{"role": "user", "content": "Напиши модуль"}],
                  [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "MODULE A;\nEND A."},
                   {"role": "user", "content": "Q2\n\n  with spaces  "}]):
        messages = conversation(turns)
        expected = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        assert render_go(template, messages) == expected


GO_RENDERER = Path(__file__).parent / "fixtures" / "ollama" / "render_template.go"


def test_modelfile_template_renders_like_the_chat_template_in_go(exported):
    """The same comparison with Go's own text/template (Ollama's renderer), where Go is installed."""
    import subprocess

    go = shutil.which("go")
    if go is None:
        pytest.skip("Go is not installed (apt-get install golang-go); the reader above checks the same")
    _, folder = exported
    tokenizer = load_tokenizer(str(folder))
    messages = conversation([{"role": "user", "content": "Q1 {{ .Role }}"}, {"role": "assistant", "content": "A\n"},
                             {"role": "user", "content": "Q2"}])
    payload = json.dumps({"template": modelfile_template((folder / MODELFILE).read_text()), "messages": messages})
    rendered = subprocess.run([go, "run", str(GO_RENDERER)], input=payload, capture_output=True, text=True, timeout=300,
                              check=True).stdout
    assert rendered == tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def test_a_template_that_frames_roles_differently_is_refused(tiny_model):
    tokenizer = load_tokenizer(str(tiny_model))
    tokenizer.chat_template = tokenizer.chat_template.replace("'<|im_start|>' + message['role']", "'<|im_start|>' + message['role'] + ' '", 1)
    with pytest.raises(OllamaError, match="does not frame every message alike"):
        go_template(tokenizer)


# ---------------------------------------------------------------- the model card


def test_card_header_names_base_model_datasets_and_licence(exported):
    from huggingface_hub import ModelCard

    _, folder = exported
    text = (folder / "README.md").read_text()
    header = yaml.safe_load(text.split("---\n")[1])
    assert header["base_model"] == f"{TINY}/tiny1"
    assert header["datasets"] == ["bbcopilot/documents"] and header["dataset_versions"] == {"bbcopilot/documents": "docs1"}
    assert header["license"] == "bsd-2-clause" and header["language"] == ["en", "ru"]
    assert ModelCard.load(folder / "README.md").data.base_model == f"{TINY}/tiny1"
    assert "| compile_rate | 0.1500 → 0.3000 |" in text  # base → tuned at T 0.2
    assert "ollama create bbcopilot -f Modelfile" in text and "--jinja" in text
    assert (folder / "evaluation" / "report.md").is_file()


def test_report_section_links_card_gguf_and_modelfile(exported, tmp_path):
    from bbcopilot.export import report_section

    _, folder = exported
    section = report_section(folder, tmp_path)
    links = re.findall(r"\]\(([^)]+)\)", section)
    assert {Path(link).name for link in links} == {"README.md", MODELFILE, "bbcopilot-F16.gguf", "bbcopilot-Q8_0.gguf"}
    assert all(not Path(link).is_absolute() and (tmp_path / link).resolve().is_file() for link in links)


# ---------------------------------------------------------------- bad input


def test_a_pickle_checkpoint_is_refused_with_one_message(tiny_model, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder)
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04not really")
    with pytest.raises(ExportError) as refused:
        export_model(Workspace(tmp_path / "ws"), StageResult("models/dpo", "x", str(folder)), [], {})
    message = str(refused.value)
    assert "pytorch_model.bin" in message and "pickle-format" in message and "\n" not in message
    assert not (tmp_path / "ws" / "exports").exists() or not any((tmp_path / "ws" / "exports").iterdir())


def test_a_folder_without_weights_or_tokenizer_gives_one_message(tiny_model, tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    shutil.copy(tiny_model / "config.json", folder)
    with pytest.raises(ExportError, match=r"has no weights \(model\*\.safetensors\) and no tokenizer"):
        check_model_folder(folder)


def test_an_adapter_folder_is_refused_as_not_merged(tiny_model, tmp_path):
    folder = tmp_path / "adapter"
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "/gone/base"}))
    (folder / "adapter_model.safetensors").write_bytes(b"")
    shutil.copy(tiny_model / "tokenizer.json", folder)
    with pytest.raises(ExportError, match=r"a LoRA adapter of /gone/base \(not found here\), not a merged model"):
        check_model_folder(folder)
