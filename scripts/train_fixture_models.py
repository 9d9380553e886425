"""The models make_train_fixtures.py counts a training step of (imported
inside its virtualenv, where torch is installed). Models shared with
make_torch_fixtures.py come from torch_fixture_models.py."""

from dataclasses import dataclass, field

import torch
from torch import nn
from torch_fixture_models import Conv1dNet, Gpt, GruRnnNet, LstmNet


class Dense101(nn.Module):
    """The zoo's `dense-10-1` (sim/src/workload/zoo/mlp.rs): Dense(10, relu)
    then Dense(1, sigmoid) on 8 input features, with the zoo's layer names."""

    def __init__(self, inputs=8):
        super().__init__()
        self.dense1, self.relu = nn.Linear(inputs, 10), nn.ReLU()
        self.dense2, self.sigmoid = nn.Linear(10, 1), nn.Sigmoid()

    def forward(self, x):
        return self.sigmoid(self.dense2(self.relu(self.dense1(x))))


class Linear101(nn.Module):
    """The zoo's `linear-10-1`: one Linear(10 -> 1), named `linear`."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(10, 1)

    def forward(self, x):
        return self.linear(x)


class MhaEncoderLayer(nn.Module):
    """A BERT-like post-norm encoder layer built on nn.MultiheadAttention
    (batch first, no dropout): attention, add & LayerNorm, FFN with GELU (erf),
    add & LayerNorm. `need_weights=False` is how nn.TransformerEncoderLayer
    and torchvision's ViT call it (torch then runs scaled_dot_product_attention);
    `need_weights=True` makes torch run the explicit baddbmm/bmm path."""

    def __init__(self, hidden=64, heads=4, ffn=256, need_weights=False):
        super().__init__()
        self.need_weights = need_weights
        self.attn = nn.MultiheadAttention(hidden, heads, batch_first=True)
        self.attn_norm = nn.LayerNorm(hidden)
        self.ffn_in, self.gelu, self.ffn_out = nn.Linear(hidden, ffn), nn.GELU(), nn.Linear(ffn, hidden)
        self.ffn_norm = nn.LayerNorm(hidden)

    def forward(self, x):
        a, _ = self.attn(x, x, x, need_weights=self.need_weights)
        x = self.attn_norm(x + a)
        return self.ffn_norm(x + self.ffn_out(self.gelu(self.ffn_in(x))))


@dataclass
class TrainFixture:
    """A model whose training step is counted, its sample input and what it is."""

    model: nn.Module
    input: torch.Tensor
    about: str
    # The built-in zoo model with the same layers (the zoo is batch 1), if any.
    zoo: str | None = None
    # Exported to ONNX beside the JSON (custom models only; the zoo has the CNNs).
    onnx: bool = True
    input_name: str = "x"
    # Which input dimension is the batch (1 for nn.LSTM's [seq, batch, features]).
    batch_dim: int = 0
    # Other configurations of the same model counted for comparison: label -> model.
    variants: dict = field(default_factory=dict)


def train_fixtures():
    """(name, make) for every fixture; make() returns a TrainFixture."""
    import torchvision

    def tv(arch):
        def make():
            return TrainFixture(getattr(torchvision.models, arch)(weights=None), torch.randn(2, 3, 224, 224),
                                f"torchvision.models.{arch}(weights=None), train mode, batch 2 x 3x224x224",
                                zoo=arch, onnx=False)
        return make

    return [
        ("resnet18", tv("resnet18")),
        ("resnet50", tv("resnet50")),
        ("mobilenet_v2", tv("mobilenet_v2")),
        ("dense-10-1", lambda: TrainFixture(
            Dense101(), torch.randn(32, 8),
            "Linear(8, 10), ReLU, Linear(10, 1), Sigmoid (the zoo's dense-10-1, 8 input features); batch 32",
            zoo="dense-10-1")),
        ("linear-10-1", lambda: TrainFixture(
            Linear101(), torch.randn(32, 10), "Linear(10, 1) (the zoo's linear-10-1); batch 32", zoo="linear-10-1")),
        ("gpt-mini", lambda: TrainFixture(
            Gpt(), torch.randint(0, 256, (2, 16)),
            "GPT-style decoder (scripts/torch_fixture_models.py Gpt): token and position embeddings, vocab 256, "
            "d 64, 4 heads, 3 pre-norm blocks, block 32, hand-written LayerNorm, GELU tanh, LM head without bias; "
            "batch 2 x 16 tokens", input_name="idx")),
        ("bert-layer", lambda: TrainFixture(
            MhaEncoderLayer(), torch.randn(2, 16, 64),
            "BERT-like post-norm encoder layer: nn.MultiheadAttention(64, 4 heads, batch_first) called with "
            "need_weights=False (scaled_dot_product_attention), add & LayerNorm, Linear(64, 256), GELU, "
            "Linear(256, 64), add & LayerNorm; batch 2 x 16 tokens x 64",
            variants={"need_weights=True": MhaEncoderLayer(need_weights=True)})),
        ("lstm", lambda: TrainFixture(
            LstmNet(), torch.randn(12, 2, 16),
            "nn.LSTM(16, 32, num_layers=2, bidirectional=True) over 12 steps x batch 2 ([seq, batch, features]), "
            "Linear(64, 10) on the last step (scripts/torch_fixture_models.py LstmNet)", batch_dim=1)),
        ("gru-rnn", lambda: TrainFixture(
            GruRnnNet(), torch.randn(2, 12, 16),
            "nn.GRU(16, 24, num_layers=2, bidirectional=True, batch_first=True), nn.RNN(48, 20, tanh), "
            "Linear(20, 5) on the last step; batch 2 x 12 steps (scripts/torch_fixture_models.py GruRnnNet)")),
        ("conv1d-net", lambda: TrainFixture(
            Conv1dNet(), torch.randn(2, 8, 256),
            "1-D convolutions (scripts/torch_fixture_models.py Conv1dNet): stride, dilation, groups 4, depthwise "
            "(groups 32), pointwise, ConvTranspose1d, BatchNorm1d, pools, Linear(16, 5); batch 2 x 8 x 256")),
    ]
