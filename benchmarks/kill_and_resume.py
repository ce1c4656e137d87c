"""Crash safety: kill a training run with SIGKILL at random moments, many times, while it writes
a checkpoint after every (short) epoch. After each kill the checkpoint on disk must load, and
resuming from it must give bit for bit the weights of an uninterrupted run. The run draws from
the default generator (Dropout without a generator, the shuffle) and its own (a second Dropout),
and has an EarlyStopping with a learning-rate schedule, so every kind of state must come back.

    python benchmarks/kill_and_resume.py [--trials 20]
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

EPOCHS = 30


def make_trainer(checkpoint: str):
    """The model and a Trainer writing `checkpoint` after every epoch (its callbacks must be those
    of the run that wrote a checkpoint, in the same order, for the checkpoint to load)."""
    import tinygrad_edu as tg
    from tinygrad_edu import nn, optim
    from tinygrad_edu.nn import functional as F
    model = nn.Sequential(nn.Linear(784, 256, generator=0), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(256, 256, generator=2), nn.ReLU(), nn.Dropout(0.1, generator=1),
                          nn.Linear(256, 10, generator=3))
    optimizer = optim.Adam(model.parameters(), lr=2e-4)
    callbacks = [tg.train.ModelCheckpoint(checkpoint), tg.train.EarlyStopping("val_loss", patience=4)]
    return model, tg.Trainer(model, F.cross_entropy, optimizer, optim.lr_scheduler.StepLR(optimizer, 3, 0.5),
                             callbacks=callbacks, progress=False)


def data():
    """Inputs whose labels a linear map gives, so that the validation loss falls for a while."""
    rng = np.random.default_rng(0)
    x = rng.random((480, 784), dtype=np.float32)
    return x, (x @ rng.standard_normal((784, 10))).argmax(axis=1)


def child(checkpoint: str, final: str) -> None:
    """Train to EPOCHS, resuming from `checkpoint` if it exists; save the final weights."""
    import tinygrad_edu as tg
    tg.manual_seed(0)  # a resumed run gets the default generator's state from the checkpoint
    model, trainer = make_trainer(checkpoint)
    if os.path.exists(checkpoint):
        trainer.load_checkpoint(checkpoint)
    print("training", flush=True)  # the parent times its kill from here
    trainer.fit(data(), EPOCHS, batch_size=64, validation_split=0.2)
    tg.save(model, final)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return {}
    import tinygrad_edu as tg
    random.seed(0)
    folder = tempfile.mkdtemp(prefix="kill_and_resume_")
    reference = os.path.join(folder, "reference.safetensors")
    start = time.perf_counter()
    child(os.path.join(folder, "uninterrupted.safetensors"), reference)
    duration = time.perf_counter() - start  # of the training itself, as the kill's window
    expected = tg.load(reference)
    command = [sys.executable, os.path.abspath(__file__), "--child"]
    survived, mid_write = 0, 0
    for trial in range(args.trials):
        checkpoint = os.path.join(folder, f"run{trial}.safetensors")
        final = os.path.join(folder, f"final{trial}.safetensors")
        process = subprocess.Popen(command + [checkpoint, final], stdout=subprocess.PIPE, text=True)
        process.stdout.readline()  # "training"
        time.sleep(random.uniform(0.0, duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
        partial = [f for f in os.listdir(folder)
                   if f.startswith(f".run{trial}.safetensors.") and f.endswith(".partial")]
        mid_write += bool(partial)
        epoch = tg.load(checkpoint)["epoch"] if os.path.exists(checkpoint) else 0  # must load
        subprocess.run(command + [checkpoint, final], check=True, stdout=subprocess.DEVNULL)  # resume to the end
        resumed = tg.load(final)
        same = all(expected[k].tobytes() == resumed[k].tobytes() for k in expected)
        survived += same
        print(f"trial {trial + 1:2d}: killed after epoch {epoch:2d}{' while writing' if partial else ''}; "
              f"checkpoint loads; resumed run {'identical' if same else 'DIFFERENT'}")
    print(f"{survived} of {args.trials} kill-and-resume trials reproduced the uninterrupted weights bit for bit "
          f"({mid_write} killed while writing a checkpoint)")
    return {"survived": survived, "trials": args.trials, "mid_write": mid_write}


if __name__ == "__main__":
    sys.exit(0 if (lambda r: r.get("survived", 0) == r.get("trials", 0))(main()) else 1)
