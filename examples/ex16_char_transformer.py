"""16. A character-level transformer (2 pre-LayerNorm blocks, 4 causal heads, 64 dimensions) on 100 KB
of Shakespeare shipped with the package, against a bigram model that sees only the previous
character; then a sample, and the graph of one attention head.

    python examples/ex16_char_transformer.py [--fast] [--steps N] [--out DIR]
"""
import argparse
import math
import os
import time
from importlib import resources

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim, viz
from tinygrad_edu.nn import functional as F


def load_text() -> str:
    """Coriolanus, Acts I-IV (public domain; tinygrad_edu/data/text/LICENSE)."""
    return (resources.files("tinygrad_edu.data") / "text" / "tiny_shakespeare_100k.txt").read_text(encoding="utf-8")


def bigram_loss(train: np.ndarray, val: np.ndarray, vocab: int) -> float:
    """Cross-entropy (nats) on val of p(next | previous) counted on train with add-one smoothing."""
    counts = np.ones((vocab, vocab))
    np.add.at(counts, (train[:-1], train[1:]), 1)
    log_p = np.log(counts / counts.sum(1, keepdims=True))
    return float(-log_p[val[:-1], val[1:]].mean())


class Block(nn.Module):
    """Pre-LayerNorm: x + attention(ln1(x)), then x + mlp(ln2(x)); the heads share one q, k, v projection."""

    def __init__(self, d: int, heads: int, generator):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d, generator=generator)  # q, k and v of every head at once
        self.proj = nn.Linear(d, d, generator=generator)
        self.fc = nn.Linear(d, 4 * d, generator=generator)
        self.out = nn.Linear(4 * d, d, generator=generator)

    def forward(self, x):
        n, t, d = x.shape
        qkv = self.qkv(self.ln1(x)).reshape(n, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_causal=True)  # (n, heads, t, d / heads)
        x = x + self.proj(y.permute(0, 2, 1, 3).reshape(n, t, d))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class CharTransformer(nn.Module):
    def __init__(self, vocab: int, context: int, d: int, heads: int, layers: int, generator):
        super().__init__()
        self.tokens = nn.Embedding(vocab, d, generator=generator)
        self.positions = nn.Embedding(context, d, generator=generator)  # learned, one vector per place
        self.blocks = nn.ModuleList([Block(d, heads, generator) for _ in range(layers)])
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab, generator=generator)

    def forward(self, idx):
        x = self.tokens(idx) + self.positions(np.arange(idx.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x))  # (n, t, vocab) logits of the next character


def one_head(x, wq, wk, wv):
    """A single causal attention head: softmax(q k^T / sqrt(d) + causal mask) v. In its graph the
    mask is a `where` and softmax is exp(log_softmax), the form that cannot overflow."""
    return F.scaled_dot_product_attention(x @ wq, x @ wk, x @ wv, is_causal=True)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="a tiny model, 40 steps on 20,000 characters")
    parser.add_argument("--steps", type=int, default=None, help="training steps (default 3,000; fast 40)")
    parser.add_argument("--out", default="tinygrad_edu_output", help="folder for the graph")
    args = parser.parse_args(argv)
    tg.manual_seed(0)
    rng = np.random.default_rng(0)

    text = load_text()[:20_000] if args.fast else load_text()
    chars = sorted(set(text))
    vocab, index = len(chars), {c: i for i, c in enumerate(chars)}
    data = np.array([index[c] for c in text])
    split = int(0.9 * len(data))
    train, val = data[:split], data[split:]
    print(f"text: {len(text):,} characters of Coriolanus, {vocab} distinct; {len(train):,} train, {len(val):,} val")

    bigram = bigram_loss(train, val, vocab)
    print(f"bigram (previous character only, add-one counts): val loss {bigram:.4f} nats")

    context, d, heads, layers, batch, steps, lr = (32, 32, 4, 2, 16, 40, 3e-3) if args.fast else \
        (64, 64, 4, 2, 32, 3000, 3e-3)
    steps = args.steps or steps
    model = CharTransformer(vocab, context, d, heads, layers, generator=0)
    print(f"transformer: {layers} blocks, {heads} heads, d={d}, context {context}, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters; batch {batch}, {steps} steps")
    opt = optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warmup = max(1, steps // 20)

    def batch_of(source, starts):
        return source[starts[:, None] + np.arange(context)], source[starts[:, None] + np.arange(1, context + 1)]

    def val_loss():
        """Mean cross-entropy over every character of val, in windows of `context`."""
        starts = np.arange(0, len(val) - context - 1, context)
        model.eval()
        with tg.no_grad():
            total = sum(F.cross_entropy(model(x).reshape(-1, vocab), y.reshape(-1), reduction="sum").item()
                        for x, y in (batch_of(val, s) for s in np.array_split(starts, max(1, len(starts) // 64))))
        model.train()
        return total / (len(starts) * context)

    losses, every, start = [], max(1, steps // 10), time.perf_counter()
    for step in range(1, steps + 1):
        for group in opt.param_groups:  # linear warm-up, then cosine decay to a tenth
            progress = max(0.0, (step - warmup) / max(1, steps - warmup))
            group["lr"] = lr * min(1.0, step / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        x, y = batch_of(train, rng.integers(0, len(train) - context - 1, batch))
        loss = F.cross_entropy(model(x).reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step == 1 or step % every == 0 or step == steps:
            print(f"step {step:5d}: train loss {np.mean(losses[-every:]):.4f}, val loss {val_loss():.4f} "
                  f"({time.perf_counter() - start:.0f} s)")
    final = val_loss()
    minutes = (time.perf_counter() - start) / 60
    print(f"val loss: transformer {final:.4f} vs bigram {bigram:.4f} nats -> "
          f"{'beats' if final < bigram else 'does not beat'} the bigram ({steps} steps, {minutes:.1f} min)")

    model.eval()
    sample, sampler = "\n", np.random.default_rng(1)
    with tg.no_grad():
        for _ in range(60 if args.fast else 200):
            logits = model(np.array([[index[c] for c in sample[-context:]]]))[0, -1].numpy() / 0.8
            p = np.exp(logits - logits.max())
            sample += chars[sampler.choice(vocab, p=p / p.sum())]
    print(f"sample (temperature 0.8):\n{sample[1:]}\n")

    x = tg.randn(4, 8, requires_grad=True)  # 4 tokens, d = 8
    wq, wk, wv = (tg.randn(8, 8, requires_grad=True) for _ in range(3))
    graph = viz.draw_graph(one_head(x, wq, wk, wv), params={"x": x, "wq": wq, "wk": wk, "wv": wv})
    os.makedirs(args.out, exist_ok=True)
    written = viz.render(graph, os.path.join(args.out, "ex16_attention_head.svg"), fallback_to_dot=True)
    print(f"one causal attention head (4 tokens, d=8): {graph.source.count('shape=box')} ops, written to {written}")
    return {"bigram": bigram, "val_loss": final, "losses": losses, "sample": sample[1:], "graph": written,
            "minutes": minutes}


if __name__ == "__main__":
    main()
