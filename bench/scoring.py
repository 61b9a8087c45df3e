"""Scoring benchmark: the worker's batched scoring vs Detoxify.predict one comment at a time, on the
same real comments, plus the compute ceiling of this machine and the cost of each scoring step.

    .venv/bin/python -m bench.scoring [--comments 2000] [--single 300]

The one-at-a-time rate (Detoxify's own predict, float32) is measured on the first `--single`
comments (it is slow) and compared per comment. The worker's scorer is measured in float32 and in
the precision it runs in here (bfloat16 where the CPU computes it natively), so the gains of
batching and of precision show apart. The ceiling: FLOPs per token of the MiniLM encoder x tokens
actually scored (every window), divided by the FLOP/s of a plain matmul measured here in that
precision, gives the best rate this machine could reach.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import torch

from bench.common import real_comments
from workers.scoring import precision as precisions
from workers.scoring.claims import ClaimMatcher, embed_texts, load_catalogue
from workers.scoring.embeddings import SentenceEncoder
from workers.scoring.harm import HarmScorer
from workers.scoring.toxicity import ToxicityScorer, load_toxicity_scorer

HIDDEN, INTERMEDIATE, LAYERS = 384, 1536, 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--single", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    texts = real_comments(args.comments)
    scorer = load_toxicity_scorer("bundled", Path(tempfile.gettempdir()) / "bench-models", args.batch_size)
    scorer.score(texts[:8])  # warm up

    # The baseline is Detoxify as a caller would use it: its own predict, one comment, float32.
    single_rate = args.single / timed(lambda: [scorer.detoxify.predict(text) for text in texts[: args.single]])

    in_float32 = ToxicityScorer(scorer.detoxify, scorer.name, scorer.version, args.batch_size, precisions.FLOAT32)
    float32_rate = len(texts) / timed(lambda: in_float32.score(texts))
    batched_rate = len(texts) / timed(lambda: scorer.score(texts))

    # What the worker's scorer feeds the model: every window of every comment, [CLS] and [SEP] included.
    tokenizer = scorer.detoxify.tokenizer
    counts = scorer.count_tokens(texts)
    windows = [tokens + 2 for t, n in zip(texts, counts, strict=True) for _, tokens in scorer.windows(t, n)]
    mean_tokens = sum(windows) / len(texts)
    flops_per_comment = sum(encoder_flops_per_token(n) * n for n in windows) / len(texts)
    ceiling = matmul_flops(torch.float32) / flops_per_comment
    ceiling_here = matmul_flops(torch.bfloat16 if scorer.precision == precisions.BFLOAT16 else torch.float32)
    ceiling_here /= flops_per_comment

    encoder = SentenceEncoder()
    import json

    from moderation.seeds import HARM_PROTOTYPES_FILE

    matcher = ClaimMatcher(encoder, load_catalogue())
    harm = HarmScorer(encoder, json.loads(HARM_PROTOTYPES_FILE.read_text()))
    # The same steps on the first 256 comments, then on 256 that fit in one toxicity window (both
    # steps read every token of every comment; a longer one costs toxicity more than one window).
    limit = tokenizer.model_max_length
    short = [t for t, n in zip(texts, counts, strict=True) if n + 2 <= limit][:256]
    steps = [
        (f"first {len(texts[:256])} comments", step_costs(texts[:256], scorer, encoder, matcher, harm)),
        (f"{len(short)} comments of at most {limit} tokens", step_costs(short, scorer, encoder, matcher, harm)),
    ]

    print(
        f"\nscoring {len(texts)} real comments (mean {mean_tokens:.0f} tokens), {os.cpu_count()} cores, "
        f"batch {args.batch_size}"
    )
    print("| mode | comments/s |")
    print("| --- | --- |")
    print(f"| Detoxify.predict, one comment at a time ({args.single}) | {single_rate:.1f} |")
    print(f"| worker's batched scorer in float32 (token-sorted batches) | {float32_rate:.1f} |")
    print(f"| worker's batched scorer as it runs here ({scorer.precision}) | {batched_rate:.1f} |")
    print(f"| compute ceiling in float32 (float32 matmul FLOP/s / FLOPs per comment) | {ceiling:.1f} |")
    print(f"| compute ceiling in {scorer.precision} (its matmul FLOP/s / FLOPs per comment) | {ceiling_here:.1f} |")
    print(
        f"\nbatched / one at a time: {batched_rate / single_rate:.1f}x (float32 batched: "
        f"{float32_rate / single_rate:.1f}x); one at a time / float32 ceiling: {single_rate / ceiling:.0%}; "
        f"float32 batched / float32 ceiling: {float32_rate / ceiling:.0%}; "
        f"batched / {scorer.precision} ceiling: {batched_rate / ceiling_here:.0%}"
    )
    print("\nper-comment cost of each step (ms, best of three runs):")
    print("| comments | toxicity (Detoxify) | sentence split + embedding (shared) | claim match + stance | harm |")
    print("| --- | --- | --- | --- | --- |")
    for name, (tox, embed, claims, harmful) in steps:
        print(f"| {name} | {tox:.2f} | {embed:.2f} | {claims:.2f} | {harmful:.2f} |")
    for name, (tox, embed, claims, _) in steps:
        print(f"misinformation step (embedding + matching) / toxicity step, {name}: {(embed + claims) / tox:.2f}")


def step_costs(
    batch: list[str], scorer: ToxicityScorer, encoder: SentenceEncoder, matcher: ClaimMatcher, harm: HarmScorer
) -> tuple[float, float, float, float]:
    """Milliseconds per comment of each scoring step on `batch`, the best of three runs each."""
    per = 1000 / len(batch)
    tox_s = best_of_three(lambda: scorer.score(batch))
    sentences, vectors = embed_texts(encoder, batch)
    embed_s = best_of_three(lambda: embed_texts(encoder, batch))
    claims_s = best_of_three(lambda: matcher.score_embedded(sentences, vectors))
    harm_s = best_of_three(lambda: harm.score_embedded(batch, sentences, vectors))
    return tox_s * per, embed_s * per, claims_s * per, harm_s * per


def best_of_three(work: object) -> float:
    return min(timed(work) for _ in range(3))


def timed(work: object) -> float:
    started = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - started


def encoder_flops_per_token(sequence: float) -> float:
    """Multiply-adds x2 per token through the 6 layers: projections, feed-forward, attention scores."""
    projections = 4 * HIDDEN * HIDDEN
    feed_forward = 2 * HIDDEN * INTERMEDIATE
    attention = 2 * sequence * HIDDEN
    return 2.0 * LAYERS * (projections + feed_forward + attention)


def matmul_flops(dtype: torch.dtype, size: int = 1024, repeats: int = 20) -> float:
    a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
    a @ b
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * size**3 * repeats / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
