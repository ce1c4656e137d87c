"""Data: datasets, the DataLoader, splits, MNIST and Fashion-MNIST, toy sets and augmentation."""
from .dataset import Dataset, Subset, TensorDataset, random_split, train_val_split
from .loader import DataLoader, default_collate
from .mnist import DATA_ENV, FASHION_CLASSES, DataError, load_fashion_mnist, load_mnist
from .splits import mnist_splits
from .toy import load_digits, moons, spiral, study_sleep, xor
from .transforms import Compose, GaussianNoise, RandomRotation, RandomShift

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "default_collate", "random_split", "train_val_split",
           "load_mnist",
           "load_fashion_mnist", "mnist_splits", "DataError", "DATA_ENV", "FASHION_CLASSES", "load_digits",
           "spiral", "xor", "moons", "study_sleep", "RandomRotation", "RandomShift", "GaussianNoise", "Compose"]
