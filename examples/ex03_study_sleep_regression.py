"""3. The backprop lecture's 2-3-1 sigmoid network: hours of study and sleep -> test score,
trained for 10,000 iterations of gradient descent on the mean squared error; then the same model
as a Sequential in five lines.

    python examples/ex03_study_sleep_regression.py [--fast]
"""
import argparse


import tinygrad_edu as tg
from tinygrad_edu.models import StudySleepNet
from tinygrad_edu import nn, optim
from tinygrad_edu.data import study_sleep
from tinygrad_edu.nn import functional as F


def train(model, x, y, iterations, lr):
    optimizer = optim.SGD(model.parameters(), lr=lr)
    for i in range(iterations):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        if i % (iterations // 5) == 0:
            print(f"  iteration {i:6d}: mse {loss.item():.6f}")
    return F.mse_loss(model(x), y).item()


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="1,000 iterations instead of 10,000")
    parser.add_argument("--lr", type=float, default=1.0)
    args = parser.parse_args(argv)
    iterations = 1000 if args.fast else 10_000
    hours, scores = study_sleep()
    x, y = tg.Tensor(hours), tg.Tensor(scores)

    print(f"StudySleepNet (2-3-1, sigmoid), {iterations} iterations, lr {args.lr}")
    net = StudySleepNet(generator=0)
    mse = train(net, x, y, iterations, args.lr)
    predictions = net(x).numpy() * 100
    raw_hours, raw_scores = study_sleep(scaled=False)
    for (study, sleep), target, predicted in zip(raw_hours, raw_scores[:, 0], predictions[:, 0]):
        print(f"  study {study:4.1f} h, sleep {sleep:3.1f} h: score {target:5.1f}, predicted {predicted:5.2f}")
    print(f"final mse (scores / 100): {mse:.3e}")

    print("the same as a Sequential in five lines:")
    model = nn.Sequential(nn.Linear(2, 3, init=1.0, generator=0), nn.Sigmoid(), nn.Linear(3, 1, init=1.0, generator=1),
                          nn.Sigmoid())
    sequential_mse = train(model, x, y, iterations, args.lr)
    print(f"final mse: {sequential_mse:.3e}")
    return {"mse": mse, "sequential_mse": sequential_mse, "predictions": predictions[:, 0]}


if __name__ == "__main__":
    main()
