"""The torch models make_torch_fixtures.py exports (imported inside its
virtualenv, where torch is installed)."""

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn


class BertSelfAttention(nn.Module):
    """Separate q, k, v projections, softmax(q k^T / sqrt(d)) v, output
    projection (the layout of BERT's reference code)."""

    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)
        self.dense = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x):
        b, t, d = x.shape

        def split(y):
            return y.view(b, t, self.heads, d // self.heads).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // self.heads)
        probs = self.dropout(scores.softmax(dim=-1))
        context = (probs @ v).transpose(1, 2).reshape(b, t, d)
        return self.dense(context)


class BertLayer(nn.Module):
    """Post-norm encoder layer: attention, add & LayerNorm, FFN with GELU
    (erf form), add & LayerNorm."""

    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.attention = BertSelfAttention(hidden, heads)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, ffn)
        self.gelu = nn.GELU()
        self.output = nn.Linear(ffn, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x):
        x = self.attention_norm(x + self.dropout(self.attention(x)))
        return self.output_norm(x + self.dropout(self.output(self.gelu(self.intermediate(x)))))


class Bert(nn.Module):
    """BERT encoder: word, position and token-type embeddings, LayerNorm,
    `layers` encoder layers. No pooler, no attention mask."""

    def __init__(self, vocab=30522, hidden=768, layers=12, heads=12, ffn=3072, positions=512):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.position = nn.Embedding(positions, hidden)
        self.token_type = nn.Embedding(2, hidden)
        self.norm = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList(BertLayer(hidden, heads, ffn) for _ in range(layers))
        self.register_buffer("position_ids", torch.arange(positions).unsqueeze(0), persistent=False)

    def forward(self, input_ids, token_type_ids):
        t = input_ids.shape[1]
        x = self.word(input_ids) + self.position(self.position_ids[:, :t]) + self.token_type(token_type_ids)
        x = self.norm(x)
        for layer in self.layers:
            x = layer(x)
        return x


class HandLayerNorm(nn.Module):
    """LayerNorm written out (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt,
    Div, Mul, Add once exported): the decomposed pattern."""

    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.weight, self.bias, self.eps = nn.Parameter(torch.ones(d)), nn.Parameter(torch.zeros(d)), eps

    def forward(self, x):
        centered = x - x.mean(-1, keepdim=True)
        var = centered.pow(2).mean(-1, keepdim=True)
        return centered / torch.sqrt(var + self.eps) * self.weight + self.bias


class CausalSelfAttention(nn.Module):
    """GPT-2 style: one QKV projection split in three, causal mask from a
    tril buffer, softmax, output projection."""

    def __init__(self, d, heads, block):
        super().__init__()
        self.heads = heads
        self.c_attn, self.c_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.register_buffer("mask", torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.c_attn(x).split(d, dim=2)
        q, k, v = (y.view(b, t, self.heads, d // self.heads).transpose(1, 2) for y in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // self.heads))
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf")).softmax(dim=-1)
        return self.c_proj((att @ v).transpose(1, 2).contiguous().view(b, t, d))


class GptBlock(nn.Module):
    """Pre-norm block: x + attn(ln(x)), x + mlp(ln(x)), GELU tanh form."""

    def __init__(self, d, heads, block):
        super().__init__()
        self.ln_1, self.attn = HandLayerNorm(d), CausalSelfAttention(d, heads, block)
        self.ln_2 = HandLayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate="tanh"), nn.Linear(4 * d, d))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Gpt(nn.Module):
    """A small GPT-style decoder: token and position embeddings, blocks,
    final LayerNorm, LM head without bias."""

    def __init__(self, vocab=256, d=64, heads=4, layers=3, block=32):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(block, d)
        self.blocks = nn.ModuleList(GptBlock(d, heads, block) for _ in range(layers))
        self.ln_f = HandLayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        pos = torch.arange(idx.shape[1], device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for blk in self.blocks:
            x = blk(x)
        return self.lm_head(self.ln_f(x))


class LstmNet(nn.Module):
    """2-layer bidirectional LSTM over [seq, batch, features], linear head
    on the last step."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(16, 32, num_layers=2, bidirectional=True)
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.head(y[-1])


class GruRnnNet(nn.Module):
    """2-layer bidirectional batch-first GRU, then a tanh RNN, linear head."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(16, 24, num_layers=2, bidirectional=True, batch_first=True)
        self.rnn = nn.RNN(48, 20, batch_first=True)
        self.head = nn.Linear(20, 5)

    def forward(self, x):
        y, _ = self.gru(x)
        y, _ = self.rnn(y)
        return self.head(y[:, -1])


class Conv1dNet(nn.Module):
    """1-D convolutions with stride, dilation, groups, depthwise, pointwise,
    explicit and asymmetric-free padding, a transposed conv, pools."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(8, 32, 7, stride=2, padding=3), nn.BatchNorm1d(32), nn.ReLU(),
            nn.Conv1d(32, 32, 3, dilation=4, padding=4, groups=4), nn.ReLU(),
            nn.Conv1d(32, 32, 5, padding=2, groups=32), nn.ReLU(),
            nn.MaxPool1d(3, stride=2, padding=1),
            nn.Conv1d(32, 64, 1), nn.ReLU(),
            nn.Conv1d(64, 64, 4, stride=3), nn.ReLU(),
            nn.ConvTranspose1d(64, 16, 4, stride=2, padding=1), nn.ReLU(),
            nn.AvgPool1d(2),
            nn.AdaptiveAvgPool1d(1),
        )
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))


class OpsMix(nn.Module):
    """Operators the models lack, each used once or twice."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU6())
        self.pool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.bn = nn.BatchNorm2d(16)
        self.dilated = nn.Conv2d(16, 32, 3, dilation=2, padding=2, groups=4)
        self.depthwise = nn.Conv2d(32, 32, 3, stride=2, padding=1, groups=32)
        self.wide = nn.Conv2d(32, 32, (1, 3), padding=(0, 1))
        self.avg = nn.AvgPool2d(2, stride=2, count_include_pad=False)
        self.up = nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1, groups=2)
        self.head = nn.Linear(16 + 16, 10)
        with torch.no_grad():
            # Non-trivial statistics, so the BatchNormalization is not an identity.
            self.bn.running_mean.uniform_(-0.5, 0.5)
            self.bn.running_var.uniform_(0.5, 1.5)

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = F.hardswish(self.bn(x))
        x = F.hardsigmoid(self.dilated(x))
        x = torch.sigmoid(self.depthwise(x))
        x = torch.tanh(self.wide(x))
        x = self.up(self.avg(x))
        a, b = x.chunk(2, dim=1)
        x = torch.cat([a * b, torch.sqrt(b.pow(2) + 1.0)], dim=1)
        mean = x.mean(dim=(2, 3))
        peak = x.amax(dim=(2, 3))
        total = x.sum(dim=3, keepdim=True).sum(dim=2, keepdim=True).squeeze(-1).squeeze(-1)
        y = torch.cat([mean.unsqueeze(-1), (peak + total).unsqueeze(-1)], dim=-1)
        return self.head(y.flatten(1))


class Opset20Mirror(nn.Module):
    """What ops-opset20.onnx computes, in torch: Gemm with A transposed,
    GELU (erf), dropout (inference), GELU (tanh), MatMul."""

    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(8, 32) * 0.3)
        self.b1 = nn.Parameter(torch.randn(32) * 0.1)
        self.w2 = nn.Parameter(torch.randn(32, 4) * 0.3)

    def forward(self, x):
        y = torch.addmm(self.b1, x.t(), self.w1)
        y = F.dropout(F.gelu(y), 0.1, training=False)
        return F.gelu(y, approximate="tanh") @ self.w2


def write_opset20(writer, name, fx) -> None:
    """Builds ops-opset20.onnx with onnx.helper from the weights of `fx`'s model."""
    import onnx
    from onnx import TensorProto as T
    from onnx import helper as h
    from onnx import numpy_helper as nh

    model, inputs = fx.model.eval(), fx.inputs
    w = {k: nh.from_array(v.detach().numpy(), k) for k, v in model.named_parameters()}
    nodes = [
        h.make_node("Identity", ["x"], ["xi"], name="identity"),
        h.make_node("Gemm", ["xi", "w1", "b1"], ["g"], name="gemm_ta", transA=1),
        h.make_node("Gelu", ["g"], ["ge"], name="gelu_erf"),
        h.make_node("Dropout", ["ge"], ["d"], name="dropout"),
        h.make_node("Gelu", ["d"], ["gt"], name="gelu_tanh", approximate="tanh"),
        h.make_node("MatMul", ["gt", "w2"], ["output"], name="matmul"),
    ]
    g = h.make_graph(nodes, name, [h.make_tensor_value_info("x", T.FLOAT, list(inputs[0].shape))],
                     [h.make_tensor_value_info("output", T.FLOAT, [16, 4])], [w["w1"], w["b1"], w["w2"]])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 20)], producer_name="systolic-torch-fixtures")
    m.ir_version = 9
    path = writer.path(name)
    onnx.save_model(m, str(path))
    writer.strip(name, path)
    with torch.no_grad():
        want = model(*inputs)
    writer.check_ort(name, path, {"x": inputs[0]}, want)
    writer.save_json(name, fx.about, "onnx.helper, opset 20 (mirrors the torch module counted)", {"x": inputs[0]},
                     writer.count(model, inputs))


@dataclass
class Fixture:
    """A model to export, its sample inputs and what it is."""

    model: nn.Module
    inputs: list
    about: str
    names: list = field(default_factory=lambda: ["x"])
    # Writes the fixture instead of torch.onnx.export (for onnx.helper graphs).
    writer: object = None


def fixtures():
    """(name, make) for every fixture; make() returns a Fixture."""
    import torchvision

    def tv(arch):
        def make():
            m = getattr(torchvision.models, arch)(weights=None).eval()
            return Fixture(m, [torch.randn(1, 3, 224, 224)], f"torchvision.models.{arch}(weights=None), eval, 1x3x224x224")
        return make

    def vit():
        m = torchvision.models.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=4,
                                                 hidden_dim=64, mlp_dim=128, num_classes=10).eval()
        return Fixture(m, [torch.randn(1, 3, 32, 32)],
                       "torchvision VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=4, "
                       "hidden_dim=64, mlp_dim=128, num_classes=10), eval, 1x3x32x32")

    def gpt():
        return Fixture(Gpt().eval(), [torch.randint(0, 256, (2, 16))],
                       "GPT-style decoder: vocab 256, d 64, 4 heads, 3 layers, block 32, hand-written LayerNorm, "
                       "GELU tanh; batch 2 x 16 tokens", ["idx"])

    def bert():
        ids = torch.randint(0, 30522, (1, 128))
        return Fixture(Bert().eval(), [ids, torch.zeros_like(ids)],
                       "BERT-base encoder: 12 layers, hidden 768, 12 heads, FFN 3072, 128 tokens, GELU erf; "
                       "embeddings, no pooler, no mask", ["input_ids", "token_type_ids"])

    def lstm():
        return Fixture(LstmNet().eval(), [torch.randn(12, 2, 16)],
                       "nn.LSTM(16, 32, num_layers=2, bidirectional=True) over 12 steps x batch 2, Linear(64, 10)")

    def gru():
        return Fixture(GruRnnNet().eval(), [torch.randn(2, 12, 16)],
                       "nn.GRU(16, 24, num_layers=2, bidirectional=True, batch_first=True), nn.RNN(48, 20), "
                       "Linear(20, 5); batch 2 x 12 steps")

    def conv1d():
        return Fixture(Conv1dNet().eval(), [torch.randn(1, 8, 256)], "1-D convolutions over 1x8x256")

    def ops():
        return Fixture(OpsMix().eval(), [torch.randn(1, 3, 64, 64)], "operator mix over 1x3x64x64")

    def opset20():
        return Fixture(Opset20Mirror(), [torch.randn(8, 16)],
                       "onnx.helper graph: Identity, Gemm(transA=1), Gelu, Dropout, Gelu(tanh), MatMul on 8x16",
                       writer=write_opset20)

    return [
        ("resnet18", tv("resnet18")),
        ("resnet50", tv("resnet50")),
        ("mobilenet_v2", tv("mobilenet_v2")),
        ("vit-tiny", vit),
        ("gpt-mini", gpt),
        ("bert-base", bert),
        ("lstm", lstm),
        ("gru-rnn", gru),
        ("conv1d-net", conv1d),
        ("ops-mix", ops),
        ("ops-opset20", opset20),
    ]
