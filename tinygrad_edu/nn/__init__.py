"""Neural networks: Module and Parameter, layers, losses, initialisation, and nn.functional."""
from . import functional, init, keras
from .activations import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid, Mish, ReLU6, SiLU,
                          Softmin, Softplus, Softsign)
from .conv_layers import AvgPool1d, AvgPool2d, Conv1d, Conv2d, ConvTranspose2d, MaxPool1d, MaxPool2d
from .layers import (BatchNorm1d, BatchNorm2d, Dropout, Embedding, Flatten, Identity, LeakyReLU, Linear, LogSoftmax,
                     ReLU, Sigmoid, Softmax, Tanh)
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .losses import HuberLoss, KLDivLoss, L1Loss, SmoothL1Loss
from .module import Module, ModuleList, Parameter, Sequential
from .normalisation_attention import GroupNorm, LayerNorm, MultiheadAttention
from .resampling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, ConstantPad2d, ReflectionPad2d,
                         ReplicationPad2d, Upsample, ZeroPad2d)
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

__all__ = ["functional", "init", "keras", "Module", "Parameter", "Sequential", "ModuleList", "Linear", "Conv2d",
           "MaxPool2d", "AvgPool2d", "Conv1d", "ConvTranspose2d", "MaxPool1d", "AvgPool1d", "Flatten", "Dropout",
           "BatchNorm1d", "BatchNorm2d", "Embedding",
           "Identity", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
           "GELU", "SiLU", "ELU", "SELU", "CELU", "Mish", "Hardtanh", "ReLU6", "Hardswish", "Hardsigmoid", "Softsign",
           "LogSigmoid", "Softmin", "Softplus",
           "CrossEntropyLoss", "NLLLoss", "MSELoss", "BCELoss", "BCEWithLogitsLoss",
           "LayerNorm", "GroupNorm", "MultiheadAttention",
           "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss",
           "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Upsample", "ReflectionPad2d",
           "ReplicationPad2d", "ZeroPad2d", "ConstantPad2d"]
