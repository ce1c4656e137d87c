"""11. Random hyperparameter search on Optuna: learning rate in [1e-6, 1e-2] and weight decay in
[1e-8, 1e-4], both log-uniform (Optuna's RandomSampler), scored on a validation split (never on
the test data); each epoch's validation accuracy goes to the trial, and Optuna's MedianPruner stops
trials that trail the others. Needs Optuna: pip install "tinygrad_edu[search]".

    python examples/ex11_hyperparameter_search.py [--fast] [--trials N] [--jobs N] [--out DIR]

One study, many workers: start the same command in several terminals or on several machines with
one --storage (sqlite:///search.db on one machine, a database server's URL for many) and a
different --seed each; --jobs runs trials in threads of one process.
"""
import argparse
import os

from tinygrad_edu import optim
from tinygrad_edu.data import mnist_splits, train_val_split
from tinygrad_edu.models import MultiLayerNet
from tinygrad_edu.nn import functional as F
from tinygrad_edu.search import OptunaPruning, import_optuna, run_study
from tinygrad_edu.train import fit


def make_objective(train, validation, epochs):
    def objective(trial):
        lr = trial.suggest_float("lr", 1e-6, 1e-2, log=True)
        weight_decay = trial.suggest_float("weight_decay", 1e-8, 1e-4, log=True)
        # every trial starts from the same weights and sees the same batches: only lr and decay differ
        model = MultiLayerNet(784, [100] * 5, 10, generator=0)
        loss_fn = lambda out, y: F.cross_entropy(out, y) + F.l2_penalty(model.weights(), weight_decay)  # noqa: E731
        history = fit(model, train, loss_fn, optim.SGD(model.parameters(), lr=lr), epochs=epochs, batch_size=100,
                      validation_data=validation, generator=0, progress=False,
                      callbacks=[OptunaPruning(trial, "val_accuracy")])
        return history["val_accuracy"][-1]
    return objective


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="8 trials of 5 epochs")
    parser.add_argument("--trials", type=int, default=100, help="trials this worker runs")
    parser.add_argument("--jobs", type=int, default=1, help="threads running trials")
    parser.add_argument("--storage", default=None, help="study database shared by workers, e.g. sqlite:///search.db")
    parser.add_argument("--study-name", default="ex11", help="the study's name in --storage")
    parser.add_argument("--seed", type=int, default=0, help="the sampler's seed: one per worker")
    parser.add_argument("--out", default=os.path.join("tinygrad_edu_output", "ex11"), help="folder for the figure")
    args = parser.parse_args(argv)
    trials_count, epochs = (8, 5) if args.fast else (args.trials, 50)
    optuna = import_optuna()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # a line per trial is too many for a lecture

    (x, y), _, about = mnist_splits(download=False)
    train, validation = train_val_split(x[:500], y[:500], val_fraction=0.2, generator=0)  # the book's 500
    print(f"data: {about}; 500 samples, 20% held out for validation; {trials_count} trials of up to {epochs} epochs")

    pruner = optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=min(10, epochs - 1))
    study = run_study(make_objective(train, validation, epochs), trials_count, storage=args.storage,
                      study_name=args.study_name, n_jobs=args.jobs, generator=args.seed, pruner=pruner)

    # the whole study (every worker's trials); a pruned trial counts with the last accuracy it reported
    states = optuna.trial.TrialState
    done = [t for t in study.trials
            if t.state == states.COMPLETE or (t.state == states.PRUNED and t.intermediate_values)]
    trials = sorted(({"lr": t.params["lr"], "weight_decay": t.params["weight_decay"],
                      "val_accuracy": t.value if t.value is not None else list(t.intermediate_values.values())[-1],
                      "pruned": t.state == states.PRUNED} for t in done),
                    key=lambda t: -t["val_accuracy"])
    print(f"{len(trials)} trials, {sum(t['pruned'] for t in trials)} pruned; best trials:")
    for rank, t in enumerate(trials[:5], 1):
        print(f"  {rank}. validation accuracy {t['val_accuracy']:.3f}   lr {t['lr']:.2e}   "
              f"weight decay {t['weight_decay']:.2e}{'   (pruned)' if t['pruned'] else ''}")
    try:
        from tinygrad_edu.plots import plot_hyperparameter_search
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "ex11_search.png")
        plot_hyperparameter_search(trials, path)
        print(f"wrote {path}")
    except ImportError as e:
        print(f"no figure: {e}")
    return {"trials": trials, "study": study}


if __name__ == "__main__":
    main()
