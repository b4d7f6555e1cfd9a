"""`python -m bbcopilot.export MODEL_DIR OUT_DIR`: the F16 and Q8_0 GGUF of a model folder, verified.

Written with the model's own sampling settings (no evaluation here), checked as the export
checks them; prints each file's size and logit difference, and the llama.cpp check's state.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bbcopilot.errors import BBCopilotError
from bbcopilot.export import check_model_folder
from bbcopilot.export.gguf_file import QUANTISATIONS, compare_logits, gguf_name, llama_cpp_check, write_gguf
from bbcopilot.export.sampling import model_sampling


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bbcopilot.export", description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path, help="A merged model folder (safetensors and tokenizer).")
    parser.add_argument("out_dir", type=Path, help="Folder the GGUF files are written to.")
    args = parser.parse_args()
    name = args.model_dir.resolve().name
    try:
        check_model_folder(args.model_dir)
        args.out_dir.mkdir(parents=True, exist_ok=True)
        sampling = model_sampling(args.model_dir)
        files = [write_gguf(args.model_dir, args.out_dir / gguf_name(name, q), q, name, sampling) for q in QUANTISATIONS]
        checked = {"transformers": compare_logits(args.model_dir, files), "llama_cpp": llama_cpp_check(args.model_dir, files)}
    except BBCopilotError as error:
        parser.exit(1, f"error: {error}\n")
    print(json.dumps(checked, indent=2))


if __name__ == "__main__":
    main()
