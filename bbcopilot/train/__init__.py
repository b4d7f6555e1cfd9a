"""Training, read in pipeline order.

- `stage`: what every stage shares (version, loading, LoRA, checkpoints and resume, the merged save);
  `curves`: the loss and reward curves each saved model carries.
- `sft`: continued pretraining on chunks, then QA pairs and dialogs as conversations (assistant-only loss).
- `coding`: the coding prompts (train-split benchmark tasks, QA task questions) with known-good answers.
- `corruptions`, `preferences`: DPO's pairs from real failures; `dpo`: the DPO stage.
- `rewards`, `grpo`: BlackBox's rewards (compiler, tests, real API, no Delphi, length) and the GRPO stage.
- `launch`: a stage run through `accelerate launch` (one GPU, DDP, FSDP).
"""
