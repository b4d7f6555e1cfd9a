"""Our lark checker against BlackBox's compiler on every module source of a BlackBox tree and on mutants.

    python benchmarks/checker_agreement.py [--root ../shared/bbcp] [--mutants 3] [--seed 0] [--limit N]
                                           [--files Text/Mod/Models.odc ...] [--json PATH]

Converts every `<Sub>/Mod/*.odc` of the tree, makes --mutants mutants of each (bbcopilot.blackbox.mutants:
deleted tokens, swapped keywords, Delphi habits, invented API names) and runs both the checker
(`check_source`) and the compiler (batches, each module with its imports compiled before it) on all
of them. Prints the agreement table (one row for the originals and one per mutant kind; columns:
both accept, both reject, checker only rejects = a false alarm, compiler only rejects, split into
syntax and semantic by the compiler's message, see bbcopilot.blackbox.agreement), then every
disagreement on syntax (file, kind, compiler message, checker message): where the compiler is right
and the checker should follow it. A mutant the compiler rejects only for a semantic reason (an
undeclared `writeln`) is not a disagreement: the checker cannot see that. With --limit or --files only
those modules are judged (their mutants are the same as in a full run); the modules of the tree they
import are compiled along, not judged.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bbcopilot.blackbox import build_toolchain
from bbcopilot.blackbox.agreement import OUTCOMES, judge, module_sources, table, with_imports
from bbcopilot.config import load_settings
from bbcopilot.workspace import Workspace

DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "bbcp"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--mutants", type=int, default=3, help="mutants per module")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=0, help="only the first N modules (0 = all)")
    ap.add_argument("--files", nargs="+", help="only these modules (paths relative to --root)")
    ap.add_argument("--profile", default="demo", help="settings profile naming the toolchain")
    ap.add_argument("--json", type=Path, help="also write the table and the disagreements here")
    args = ap.parse_args()
    tree, skipped = module_sources(args.root)
    for line in skipped:
        print(f"skipped: {line}")
    modules = [m for m in tree if m.file in set(args.files)] if args.files else tree
    if args.limit:
        modules = modules[:args.limit]
    if not modules:
        raise SystemExit(f"no module sources under {args.root}/*/Mod" + (" among --files" if args.files else ""))
    support = with_imports(modules, tree)
    settings = load_settings(args.profile)
    build = build_toolchain(Workspace(settings.workspace), settings.toolchain)
    t0 = time.perf_counter()
    verdicts = judge(build, modules, args.mutants, args.seed, support)
    seconds = time.perf_counter() - t0
    rows = table(verdicts)

    print(f"{len(modules)} modules ({len(support)} more compiled for their imports), "
          f"{len(verdicts) - len(modules)} mutants (seed {args.seed}), {seconds:.0f} s\n")
    width = max(len(kind) for kind in rows)
    print(f"{'':{width}}  " + "  ".join(f"{o:>{len(o)}}" for o in OUTCOMES) + "  agree")
    for kind, counts in rows.items():
        total = sum(counts.values())
        agree = counts["both accept"] + counts["both reject"] + counts["compiler only: semantic"]
        print(f"{kind:{width}}  " + "  ".join(f"{counts[o]:>{len(o)}}" for o in OUTCOMES)
              + f"  {agree / max(total, 1):6.1%}")
    print("(agree: both accept, both reject, or only the compiler rejects for a reason the checker cannot see)")

    disagreements = [v for v in verdicts if v.syntax_disagreement]
    print(f"\n{len(disagreements)} disagreements on syntax")
    for v in disagreements:
        print(f"{v.file} [{v.kind}{': ' + v.description if v.description else ''}] {v.outcome}\n"
              f"    compiler: {v.first_compiler_error() or 'ok'}\n"
              f"    checker:  {v.first_checker_error() or 'ok'}")
    if args.json:
        args.json.write_text(json.dumps({
            "root": str(args.root), "modules": len(modules), "mutants_per_module": args.mutants,
            "seed": args.seed, "skipped": skipped, "table": rows,
            "syntax_disagreements": [
                {"file": v.file, "kind": v.kind, "mutation": v.description, "outcome": v.outcome,
                 "compiler": v.first_compiler_error(), "checker": v.first_checker_error()}
                for v in disagreements],
        }, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
