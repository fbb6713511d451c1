"""Score multi-turn conversations the way the chat resolves them.

    python -m bench.followups [--index .qa-eval/seed] [--file eval/followup-conversations.jsonl] [--json PATH]

Each line of the file is ``{"id", "turns": [{"question", "answers"}, ...]}`` over the seed
articles. Every turn is resolved against the earlier questions of its conversation
(``Retriever.answer_follow_up``, as the chat does) and answered; a turn is right
when its answer contains one of its gold strings. Prints first-turn and follow-up accuracy
and every follow-up as it was taken.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qa.app.evaluate import normalise_answer
from qa.indexing.library import Library
from qa.query.retriever import Retriever
from training.data import ROOT


def score_conversations(retriever: Retriever, conversations: list[dict]) -> dict:
    """Accuracy of first turns and of later turns, and each later turn as it was resolved."""
    first = later = first_right = later_right = 0
    taken = []
    for conversation in conversations:
        asked: list[str] = []
        for number, turn in enumerate(conversation["turns"]):
            resolved, answer = retriever.answer_follow_up(turn["question"], asked)
            right = answer.found and any(normalise_answer(g) in normalise_answer(answer.text) for g in turn["answers"])
            if number == 0:
                first, first_right = first + 1, first_right + right
            else:
                later, later_right = later + 1, later_right + right
                taken.append(
                    {
                        "id": conversation["id"],
                        "asked": turn["question"],
                        "taken_as": resolved.shown,
                        "right": bool(right),
                        "answer": answer.text[:160],
                    }
                )
            asked.append(turn["question"])
    return {
        "first_turns": first,
        "first_turn_accuracy": first_right / max(first, 1),
        "follow_ups": later,
        "follow_up_accuracy": later_right / max(later, 1),
        "follow_up_turns": taken,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / ".qa-eval" / "seed"))
    parser.add_argument("--file", default=str(ROOT / "eval" / "followup-conversations.jsonl"))
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()
    Library(ROOT / "corpus", args.index).update()
    conversations = [json.loads(line) for line in Path(args.file).read_text().splitlines() if line.strip()]
    report = score_conversations(Retriever.load(args.index), conversations)
    for turn in report["follow_up_turns"]:
        print(
            f"{'ok ' if turn['right'] else 'XX '} {turn['id']}: {turn['asked']!r} -> {turn['taken_as']!r}\n     {turn['answer']}"
        )
    print(json.dumps({k: v for k, v in report.items() if k != "follow_up_turns"}, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
