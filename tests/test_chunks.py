import pytest
from transformers import AutoTokenizer

from bbcopilot.chunks import chunk_documents, context_header, windows


def doc(text: str, **extra):
    return {"id": "Text/Mod/Models.odc", "source": "blackbox", "subsystem": "Text", "module": "TextModels",
            "kind": "Mod", "title": "", "split": "train", "text": text, **extra}


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    return AutoTokenizer.from_pretrained(tiny_model)


def test_header_names_language_framework_subsystem_module_kind():
    assert context_header(doc("")) == "Component Pascal · BlackBox Component Builder · Text · TextModels · module source\n"


def test_full_chunks_are_exactly_512_tokens_sharing_32_with_the_next(tokenizer):
    text = "MODULE M; PROCEDURE P*; BEGIN StdLog.Int(42) END P; END M.\n" * 400
    chunks = chunk_documents([doc(text)], tokenizer, 512, 32)
    assert len(chunks) > 3
    for first, second in zip(chunks, chunks[1:]):
        assert first["token_end"] - second["token_start"] == 32
    for chunk in chunks[:-1]:
        assert len(chunk["input_ids"]) == 512, "the header counts within the 512"
        assert chunk["text"].startswith(chunk["header"])


def test_decoding_a_chunk_gives_back_the_source_text(tokenizer):
    text = "Модуль «TextModels»: Ёжик — 漢字 and MODULE M; END M.\n" * 120
    header_length = len(tokenizer(context_header(doc(text)), add_special_tokens=False)["input_ids"])
    for chunk in chunk_documents([doc(text)], tokenizer, 128, 32):
        body = chunk["input_ids"][header_length:]
        assert tokenizer.decode(body) == text[chunk["char_start"] : chunk["char_end"]]
        assert "\ufffd" not in tokenizer.decode(body), "no cut inside a multi-byte character"


def test_windows_never_cut_between_tokens_of_one_character():
    # Tokens 1 and 2 are two halves of one character (same span): no cut between them.
    offsets = [(0, 1), (1, 2), (1, 2), (2, 3), (3, 4)]
    cuts = windows(len(offsets), offsets.__getitem__, 2, 0)
    assert all(w.token_end != 2 for w in cuts[:-1])
    assert cuts[-1].token_end == 5


def test_overlap_must_be_smaller_than_the_window():
    with pytest.raises(ValueError):
        windows(10, lambda i: (i, i + 1), 4, 4)
