"""Draw the benchmark plots (PNG) from bench/results/*.json.

python -m bench.plots --results bench/results --out docs/images
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _load(path: Path) -> object | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def plot_scale_latency(rows: list[dict], out: Path) -> None:
    sizes = [row["passages"] for row in rows]
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    for mode, colour in (("hybrid", "tab:purple"), ("dense", "tab:blue"), ("bm25", "tab:orange")):
        axis.plot(sizes, [row[f"{mode}_p50_ms"] for row in rows], "o-", color=colour, label=f"{mode} p50")
        axis.plot(sizes, [row[f"{mode}_p95_ms"] for row in rows], "o--", color=colour, alpha=0.6, label=f"{mode} p95")
    axis.axhline(50, color="grey", linestyle=":", label="target at 1M: hybrid p50 < 50 ms")
    for size, row in zip(sizes, rows):
        synthetic = (
            f"\n{row['synthetic_passages'] / size:.0%} synthetic" if row.get("synthetic_passages") else "\nall real"
        )
        axis.annotate(
            f"{row['kind']}, recall@10 {row['recall_at_10']:.3f}{synthetic}",
            (size, row["hybrid_p95_ms"]),
            textcoords="offset points",
            xytext=(-40, 8),
            fontsize=7,
        )
    axis.set_xscale("log")
    axis.set_xlabel("passages in the index")
    axis.set_ylabel("search latency, ms (question encoding excluded)")
    axis.set_title("Query latency against collection size (2 cores)")
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out / "scale_latency.png", dpi=120)
    plt.close(figure)


def plot_scale_build(rows: list[dict], speed: dict | None, out: Path) -> None:
    sizes = [row["passages"] for row in rows]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(
        sizes,
        [row["passages"] / row["build_seconds_excluding_model"] for row in rows],
        "o-",
        label="index build without the model",
    )
    if speed and "build" in speed:
        left.axhline(
            speed["build"]["floor_passages_per_second"],
            color="tab:red",
            linestyle="--",
            label="the model alone (bare encode)",
        )
        left.axhline(
            speed["build"]["qa_passages_per_second"], color="tab:green", linestyle=":", label="full qa build, BBC"
        )
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("passages")
    left.set_ylabel("passages per second")
    left.set_title("Build throughput against collection size")
    left.legend(fontsize=7)
    series = (
        ("disk_total_mb", "on disk, total"),
        ("disk_sentences.npy_mb", "sentence vectors (f16)"),
        ("disk_vectors.faiss_mb", "FAISS index"),
        ("serving_peak_rss_mb", "serving process RSS (with mapped files)"),
        ("rss_after_queries_anonymous_mb", "serving process, own memory"),
    )
    for key, label in series:
        if all(key in row for row in rows):
            right.plot(sizes, [row[key] / 1024 for row in rows], "o-", label=label)
    right.set_xscale("log")
    right.set_xlabel("passages")
    right.set_ylabel("GiB")
    right.set_title("Size on disk and in memory")
    right.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out / "scale_build_and_size.png", dpi=120)
    plt.close(figure)


def plot_speed(speed: dict, out: Path) -> None:
    figure, axes = plt.subplots(1, 3, figsize=(11, 3.6))
    if "build" in speed:
        axes[0].bar(
            ["floor", "qa index"],
            [speed["build"]["floor_passages_per_second"], speed["build"]["qa_passages_per_second"]],
            color=["grey", "tab:green"],
        )
        axes[0].set_title(f"Build, passages/s ({speed['build']['throughput_ratio']:.2f}x floor)")
    warm = speed["warm"]
    axes[1].bar(
        ["floor p50", "search p50", "answer p50"],
        [warm["floor_p50_ms"], warm["search_p50_ms"], warm["answer_p50_ms"]],
        color=["grey", "tab:blue", "tab:green"],
    )
    axes[1].set_title(f"Warm query, ms (answer {warm['answer_p50_ratio']:.2f}x floor)")
    cold = speed["cold"]
    axes[2].bar(
        ["floor script", "qa ask"], [cold["floor_seconds"], cold["qa_ask_seconds"]], color=["grey", "tab:green"]
    )
    axes[2].set_title(f"Cold one-shot, s ({cold['ratio']:.2f}x floor)")
    figure.suptitle("BBC articles, against the floor measured in the same run")
    figure.tight_layout()
    figure.savefig(out / "speed_vs_floor.png", dpi=120)
    plt.close(figure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("bench/results"))
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    speed = _load(args.results / "speed.json")
    scale = _load(args.results / "scale.json")
    if scale:
        plot_scale_latency(scale, args.out)  # type: ignore[arg-type]
        plot_scale_build(scale, speed, args.out)  # type: ignore[arg-type]
    if speed:
        plot_speed(speed, args.out)  # type: ignore[arg-type]
    print(f"plots written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
