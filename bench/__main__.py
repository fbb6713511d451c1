"""Run the whole benchmark suite and draw its plots: ``python -m bench`` (or ``make bench``).

Parts, each also runnable alone (see docs/benchmarks.md): speed (build, warm, cold against
their floors, BBC), scale (10k / 100k / 1M passages), incremental (adding ten articles
to the BBC index) and the plots. The backend comparison (``python -m bench.backends``) needs its own
environment with OpenVINO and runs apart.
Results go to bench/results/ (git-ignored). About 45 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from training.data import BBC, RESULTS, ROOT, SQUAD_CORPUS


def _run(part: str, *args: str) -> None:
    print(f"== python -m bench.{part} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, "-m", f"bench.{part}", *args], check=True, cwd=ROOT)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true", help="reuse bench/results/bbc-index")
    args = parser.parse_args()
    if not BBC.is_dir():
        parser.error(f"the BBC articles are not in {BBC}: set QA_BENCH_BBC to the folder of the 2,225 .txt files")
    RESULTS.mkdir(parents=True, exist_ok=True)
    _run("speed", "--json", str(RESULTS / "speed.json"), *(["--skip-build"] if args.skip_build else []))
    squad = RESULTS / "squad-index"
    if not (squad / "CURRENT").exists():  # the second real source of the scale collections
        subprocess.run(
            [
                sys.executable,
                "-m",
                "qa.app.cli",
                "index",
                "--corpus",
                str(SQUAD_CORPUS),
                "--index",
                str(squad),
                "--quiet",
            ],
            check=True,
            cwd=ROOT,
        )
    _run("scale", "--source", str(RESULTS / "bbc-index"), "--also", str(squad), "--json", str(RESULTS / "scale.json"))
    _run("incremental", "--json", str(RESULTS / "incremental.json"))
    _run("plots", "--results", str(RESULTS), "--out", str(ROOT / "docs" / "images"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
