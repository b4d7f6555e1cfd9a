from transformers import AutoModelForCausalLM, AutoTokenizer

from conftest import TINY_TEXTS


def test_tiny_model_loads_through_the_hub_code_path(tiny_model):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    assert model.config.model_type == "qwen2"
    assert type(tokenizer).__name__ == "Qwen2Tokenizer"
    for text in TINY_TEXTS[:3]:
        assert tokenizer.decode(tokenizer(text)["input_ids"]) == text
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|im_start|>assistant\n")
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token == "<|endoftext|>"
