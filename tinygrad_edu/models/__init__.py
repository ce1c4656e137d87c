"""Reference models of the curriculum, written only with tinygrad_edu's public API."""
from .multi_layer_net import MultiLayerNet
from .simple_conv_net import SimpleConvNet
from .softmax_regression import SoftmaxRegression
from .study_sleep import StudySleepNet
from .two_layer_net import TwoLayerNet

__all__ = ["SoftmaxRegression", "StudySleepNet", "TwoLayerNet", "MultiLayerNet", "SimpleConvNet"]
