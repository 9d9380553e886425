#!/usr/bin/env python3
"""Writes torch-autograd references for `systolic train` under sim/tests/fixtures/train/.

Run by hand, never in CI: it needs torch (several GB). For each model in
scripts/train_fixture_models.py it counts one training step (forward, then
`output.sum().backward()`, the input not requiring grad, train mode, oneDNN
off) two ways and writes NAME.json:

  torch     torch.utils.flop_counter.FlopCounterMode FLOPs / 2: the forward
            alone, and forward + backward; per module as well.
  recorded  every GEMM torch runs, caught by a TorchDispatchMode (aten.mm,
            addmm, bmm, baddbmm, convolution, convolution_backward and the CPU
            scaled_dot_product_attention kernels), each attributed to the
            module that ran it (backward GEMMs through the autograd node that
            ran them) and, in the backward, to the gradient it computes: dX
            (of an activation), dW (of a parameter) or a recompute.

The script checks that the two agree (forward exactly; backward up to the
grouped-convolution overcount of FlopCounterMode, which it computes), that
the recorded dX and dW are exactly those autograd needs, and compares the
step with the rule 3 x forward - skipped dX. sim/tests/fixtures/train/README.md
says what every field means and what the counts showed.

The custom models (everything but the torchvision CNNs, which the zoo has)
are also exported to NAME.onnx beside the JSON, as make_torch_fixtures.py
does: legacy exporter, opset 17, eval mode, initializers of 4096 elements or
more moved to NAME.weights-stripped (not committed), the export checked
against onnxruntime with that side file.

A second run writes byte-identical files.

Usage: python3 scripts/make_train_fixtures.py [--venv DIR] [--only NAME ...]

The virtualenv defaults to make_torch_fixtures.py's (/tmp/systolic-torch-venv)
and is created the same way when missing.
"""

import argparse
import json
import math
import zlib
from pathlib import Path

import fixture_venv
from make_torch_fixtures import CPU_INDEX, DEFAULT_VENV, OPSET, PINNED, Writer

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sim" / "tests" / "fixtures" / "train"
COUNTER = ("torch.utils.flop_counter.FlopCounterMode, train mode, autograd on, input not requiring grad, "
           "oneDNN off, loss = output.sum(); macs = flops / 2")
# Autograd nodes that only view or reshape: walked through to find whether a
# GEMM operand is a parameter.
VIEW_NODES = {"TBackward0", "TransposeBackward0", "TransposeBackward1", "ViewBackward0", "UnsafeViewBackward0",
              "ExpandBackward0", "PermuteBackward0", "ReshapeAliasBackward0", "AsStridedBackward0",
              "UnsqueezeBackward0", "SqueezeBackward0", "SqueezeBackward1", "AliasBackward0"}
# Backward GEMM nodes: the attribute names of their two saved GEMM operands
# and their indices among the node's inputs (next_functions).
GEMM_NODES = {"AddmmBackward0": (("_saved_mat1", "_saved_mat2"), (1, 2)),
              "MmBackward0": (("_saved_self", "_saved_mat2"), (0, 1)),
              "BmmBackward0": (("_saved_self", "_saved_mat2"), (0, 1)),
              "BaddbmmBackward0": (("_saved_batch1", "_saved_batch2"), (1, 2))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="virtualenv to use (outside the repo)")
    parser.add_argument("--only", nargs="*", help="fixtures to write (default: all)")
    args = parser.parse_args()
    fixture_venv.ensure_venv(args.venv, PINNED, "import torch, torchvision, onnx, onnxruntime",
                             try_first=(CPU_INDEX,))
    import torch
    from train_fixture_models import train_fixtures

    exporter = Writer(None, out=OUT)
    for name, make in train_fixtures():
        if args.only and name not in args.only:
            continue
        # Each fixture's own seed: --only writes the same files as a full run.
        torch.manual_seed(zlib.crc32(name.encode()))
        fx = make()
        if fx.onnx:
            export(exporter, name, fx)
        info = describe(name, fx)
        (OUT / f"{name}.json").write_text(dumps(info) + "\n")
        print(f"{name}: forward {info['forward_macs']}, backward {info['backward_macs']}, "
              f"step {info['step_macs']}, skipped dX {info['skipped_dx_macs']}, "
              f"3 x forward - skipped {info['rule']['macs']} ({'holds' if info['rule']['holds'] else 'differs'})")


def export(exporter, name, fx) -> None:
    """NAME.onnx with the legacy exporter, weights stripped, checked with onnxruntime."""
    import torch

    model = fx.model.eval()
    path = exporter.path(name)
    torch.onnx.export(model, (fx.input,), str(path), dynamo=False, opset_version=OPSET,
                      input_names=[fx.input_name], output_names=["output"], do_constant_folding=True)
    exporter.strip(name, path)
    with torch.no_grad():
        want = model(fx.input)
    exporter.check_ort(name, path, {fx.input_name: fx.input}, want)


# ---- counting ------------------------------------------------------------

def step(model, x):
    """One training step counted by FlopCounterMode and recorded GEMM by GEMM."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    assert not x.requires_grad
    model.train()
    with torch.backends.mkldnn.flags(enabled=False):
        with FlopCounterMode(display=False) as forward:
            model(x)
        model.zero_grad(set_to_none=True)
        with FlopCounterMode(display=False) as both:
            model(x).sum().backward()
        model.zero_grad(set_to_none=True)
        recorder = StepRecorder(model, x)
        with recorder.hooked(), recorder:
            out = model(x)
            out.sum().backward()
        model.zero_grad(set_to_none=True)
    return forward, both, recorder


def exclusive(counter):
    """FlopCounterMode's per-module MACs without those of child modules."""
    total = {m: sum(ops.values()) // 2 for m, ops in counter.get_flop_counts().items() if m != "Global"}
    own = dict(total)
    for m, v in total.items():
        parent = m.rsplit(".", 1)[0]
        if "." in m and parent in own:
            own[parent] -= v
    return own


def storage(t) -> int:
    return t.untyped_storage().data_ptr()


class StepRecorder:
    """A TorchDispatchMode recording the GEMMs of a forward and backward,
    with the module that ran each one (FlopCounterMode's names: the model's
    class name, then the qualified module name)."""

    def __new__(cls, model, x):
        import torch
        from torch.utils._python_dispatch import TorchDispatchMode

        aten = torch.ops.aten
        root = type(model).__name__

        class Recorder(TorchDispatchMode):
            def __init__(self):
                super().__init__()
                self.params = {id(p) for p in model.parameters()}
                self.param_storage = {storage(p) for p in model.parameters()}
                # Storages of tensors computed from the model input alone (no
                # grad), e.g. the copy a batch-first transpose makes; the
                # tensors are kept so their storage is not reused.
                self.from_input = {storage(x)}
                self.kept = []
                self.stack = []
                self.forward = []
                self.backward = []

            # -- module attribution --

            def hooked(self):
                """Context manager: forward hooks on every module keep the
                module stack (forward attribution) and tag each autograd node
                a module creates with its name (backward attribution; the
                innermost module wins)."""
                import contextlib

                recorder = self

                @contextlib.contextmanager
                def hooks():
                    handles = []
                    for qual, mod in model.named_modules():
                        name = f"{root}.{qual}" if qual else root
                        handles.append(mod.register_forward_pre_hook(recorder.enter(name), with_kwargs=True))
                        handles.append(mod.register_forward_hook(recorder.leave(name), with_kwargs=True))
                    try:
                        yield
                    finally:
                        for h in handles:
                            h.remove()

                return hooks()

            def enter(self, name):
                def hook(mod, args, kwargs):
                    stop = {t.grad_fn for t in tensors((args, kwargs)) if t.grad_fn is not None}
                    self.stack.append((name, stop))
                return hook

            def leave(self, name):
                def hook(mod, args, kwargs, output):
                    top, stop = self.stack.pop()
                    assert top == name, (top, name)
                    todo = [t.grad_fn for t in tensors(output) if t.grad_fn is not None]
                    seen = set()
                    while todo:
                        node = todo.pop()
                        if node is None or node in seen or node in stop:
                            continue
                        seen.add(node)
                        if node.name() == "torch::autograd::AccumulateGrad":
                            continue
                        node.metadata.setdefault("layer", name)
                        todo.extend(fn for fn, _ in node.next_functions)
                return hook

            # -- operands --

            def role(self, t):
                """weight (a parameter), activation (requires grad), input
                (the model input, or computed from it alone) or constant
                (anything else needing no grad, e.g. an RNN's zero initial state)."""
                if storage(t) in self.param_storage:
                    return "weight"
                if t.requires_grad:
                    return "activation"
                return "input" if storage(t) in self.from_input else "constant"

            def taint(self, args, out):
                """Marks the outputs of an op computed from the model input
                and tensors needing no grad as the model input too."""
                ins = tensors(args)
                if any(storage(t) in self.from_input for t in ins) and not any(t.requires_grad for t in ins):
                    for t in tensors(out):
                        self.from_input.add(storage(t))
                        self.kept.append(t)

            def is_weight(self, node, index):
                """Whether input `index` of autograd `node` is a parameter (seen through views)."""
                fn = node.next_functions[index][0]
                while fn is not None and fn.name() in VIEW_NODES:
                    fn = fn.next_functions[0][0]
                return (fn is not None and fn.name() == "torch::autograd::AccumulateGrad"
                        and id(fn.variable) in self.params)

            # -- dispatch --

            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                out = func(*args, **(kwargs or {}))
                packet = func.overloadpacket
                name = str(packet)
                node = torch._C._current_autograd_node()
                if node is None:
                    layer = self.stack[-1][0] if self.stack else root
                    self.record_forward(packet, name, args, out, layer)
                    self.taint(args, out)
                else:
                    self.record_backward(packet, name, args, out, node)
                return out

            def gemm(self, into, layer, kind, op, m, k, n, count, **extra):
                into.append({"layer": layer, "kind": kind, "op": op, "m": int(m), "k": int(k), "n": int(n),
                             "count": int(count), **extra})

            def record_forward(self, packet, name, args, out, layer):
                f = self.forward
                if packet in (aten.mm, aten.bmm, aten.addmm, aten.baddbmm):
                    a, b = (args[0], args[1]) if packet in (aten.mm, aten.bmm) else (args[1], args[2])
                    roles = [self.role(a), self.role(b)]
                    if a.dim() == 2:
                        self.gemm(f, layer, "forward", name, a.shape[0], a.shape[1], b.shape[1], 1, roles=roles)
                    else:
                        self.gemm(f, layer, "forward", name, a.shape[1], a.shape[2], b.shape[2], a.shape[0],
                                  roles=roles)
                elif packet is aten.convolution:
                    x, w, transposed, groups = args[0], args[1], args[6], args[8]
                    roles = [self.role(x), self.role(w)]
                    self.gemm(f, layer, "forward", name, *conv_gemms(x.shape, w.shape, out.shape, transposed,
                                                                     groups)["forward"], roles=roles,
                              groups=int(groups), transposed=bool(transposed))
                elif packet is aten._scaled_dot_product_flash_attention_for_cpu:
                    q, k, v = args[0], args[1], args[2]
                    bh, sq, d, sk, dv = math.prod(q.shape[:-2]), q.shape[-2], q.shape[-1], k.shape[-2], v.shape[-1]
                    probs = "activation" if q.requires_grad or k.requires_grad else "constant"
                    self.gemm(f, layer, "forward", "sdpa.qk", sq, d, sk, bh, roles=[self.role(q), self.role(k)])
                    self.gemm(f, layer, "forward", "sdpa.pv", sq, sk, dv, bh, roles=[probs, self.role(v)])
                elif is_gemm_like(name):
                    raise AssertionError(f"forward GEMM-like op not recorded: {name}")

            def record_backward(self, packet, name, args, out, node):
                b = self.backward
                layer = node.metadata.get("layer", root)
                if packet in (aten.mm, aten.bmm):
                    ga, gb = args[0], args[1]
                    kind = self.backward_kind(node, ga, gb)
                    if ga.dim() == 2:
                        self.gemm(b, layer, kind, name, ga.shape[0], ga.shape[1], gb.shape[1], 1)
                    else:
                        self.gemm(b, layer, kind, name, ga.shape[1], ga.shape[2], gb.shape[2], ga.shape[0])
                elif packet is aten.convolution_backward:
                    grad, x, w, transposed, groups, mask = args[0], args[1], args[2], args[7], args[9], args[10]
                    shapes = conv_gemms(x.shape, w.shape, grad.shape, transposed, groups)
                    for kind, wanted in (("dX", mask[0]), ("dW", mask[1])):
                        if wanted:
                            self.gemm(b, layer, kind, name, *shapes[kind], groups=int(groups),
                                      transposed=bool(transposed))
                elif packet is aten._scaled_dot_product_flash_attention_for_cpu_backward:
                    q, k, v = args[1], args[2], args[3]
                    bh, sq, d, sk, dv = math.prod(q.shape[:-2]), q.shape[-2], q.shape[-1], k.shape[-2], v.shape[-1]
                    # The CPU flash-attention backward: S = Q K^T again, dP = dO V^T,
                    # dV = P^T dO, dQ = dS K, dK = dS^T Q.
                    self.gemm(b, layer, "recompute", "sdpa_backward.qk", sq, d, sk, bh)
                    self.gemm(b, layer, "dX", "sdpa_backward.dp", sq, dv, sk, bh)
                    self.gemm(b, layer, "dX", "sdpa_backward.dv", sk, sq, dv, bh)
                    self.gemm(b, layer, "dX", "sdpa_backward.dq", sq, sk, d, bh)
                    self.gemm(b, layer, "dX", "sdpa_backward.dk", sk, sq, d, bh)
                elif is_gemm_like(name):
                    raise AssertionError(f"backward GEMM-like op not recorded: {name} in {node.name()}")

            def backward_kind(self, node, ga, gb):
                """dX or dW: which forward operand of `node` the backward GEMM
                (ga, gb) is the gradient of. A gradient GEMM multiplies the
                incoming gradient by the *other* saved forward operand."""
                spec = GEMM_NODES.get(node.name())
                assert spec is not None, f"backward GEMM in autograd node {node.name()}"
                (sa, sb), (ia, ib) = spec
                used = {storage(ga), storage(gb)}
                hits = []
                for attr, other in ((sb, ia), (sa, ib)):
                    try:
                        saved = getattr(node, attr)
                    except RuntimeError:
                        saved = None
                    if saved is not None and storage(saved) in used:
                        hits.append(other)
                assert len(hits) == 1, (node.name(), hits)
                return "dW" if self.is_weight(node, hits[0]) else "dX"

        return Recorder()


def tensors(obj):
    """The tensors in nested tuples, lists and dicts."""
    import torch

    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in tensors(o)]
    return []


def is_gemm_like(name) -> bool:
    return any(s in name for s in ("mm", "conv", "matmul", "dot", "mv", "lstm", "gru", "rnn", "attention"))


def conv_gemms(x, w, y, transposed, g):
    """A convolution's GEMMs (M, K, N, count = groups) from the shapes of its
    input x, weight w and output y (or, for the gradients, the output
    gradient, same shape):
      forward  im2col: M = batch x output pixels, K = Cin/g x kernel, N = Cout/g
      dX       dY W^T then col2im: M = batch x output pixels, K = Cout/g, N = Cin/g x kernel
      dW       im2col^T dY: M = Cin/g x kernel, K = batch x output pixels, N = Cout/g
    A transposed convolution swaps the roles of its input and output:
      forward  M = batch x input pixels, K = Cin/g, N = Cout/g x kernel
      dX       M = batch x input pixels, K = Cout/g x kernel, N = Cin/g
      dW       M = Cin/g, K = batch x input pixels, N = Cout/g x kernel
    Each is groups x M x K x N MACs, the same for all three."""
    kernel = math.prod(w[2:])
    if transposed:
        cin, cout = w[0], w[1] * g
        m = x[0] * math.prod(x[2:])
        return {"forward": (m, cin // g, cout // g * kernel, g), "dX": (m, cout // g * kernel, cin // g, g),
                "dW": (cin // g, m, cout // g * kernel, g)}
    cout, cin = w[0], w[1] * g
    m = y[0] * math.prod(y[2:])
    return {"forward": (m, cin // g * kernel, cout // g, g), "dX": (m, cout // g, cin // g * kernel, g),
            "dW": (cin // g * kernel, m, cout // g, g)}


# ---- the fixture ---------------------------------------------------------

def macs(g) -> int:
    return g["m"] * g["k"] * g["n"] * g["count"] * g.get("times", 1)


def merge(gemms):
    """Identical GEMMs of a layer as one row with `times`, in first-run order."""
    rows = {}
    for g in gemms:
        key = json.dumps(g, sort_keys=True)
        if key in rows:
            rows[key]["times"] += 1
        else:
            rows[key] = {**g, "times": 1}
    return list(rows.values())


def skipped(forward):
    """The dX autograd leaves out: for every forward GEMM operand that needs
    no gradient (the model input, or a constant such as an RNN's zero initial
    state), the GEMM that would have computed it. Same MACs as the forward GEMM."""
    out = []
    for g in forward:
        for side, role in enumerate(g["roles"]):
            if role not in ("input", "constant"):
                continue
            if side == 0:
                # dA = dC B^T (for a convolution's input: the dX GEMM of conv_gemms)
                shape = (g["m"], g["n"], g["k"], g["count"])
            else:
                # dB = A^T dC
                shape = (g["k"], g["m"], g["n"], g["count"])
            out.append({"layer": g["layer"], "forward_op": g["op"], "operand": role, "m": shape[0], "k": shape[1],
                        "n": shape[2], "count": shape[3]})
    return out


def analyse(model, x):
    """Counts, checks and summarises one training step of `model` on `x`."""
    fwd_counter, step_counter, rec = step(model, x)
    forward = fwd_counter.get_total_flops() // 2
    total = step_counter.get_total_flops() // 2
    backward = total - forward
    assert fwd_counter.get_total_flops() % 2 == 0 and step_counter.get_total_flops() % 2 == 0
    fwd_rows = merge(rec.forward)
    bwd_rows = merge(rec.backward)
    skip_rows = merge(skipped(rec.forward))
    recorded_forward = sum(macs(g) for g in fwd_rows)
    assert recorded_forward == forward, (recorded_forward, forward)
    by_kind = {k: sum(macs(g) for g in bwd_rows if g["kind"] == k) for k in ("dX", "dW", "recompute")}
    # Autograd computes the gradient of every operand that requires one, with
    # the forward GEMM's MACs: check the recorded dX and dW are exactly those.
    want = {"dX": 0, "dW": 0}
    for g in fwd_rows:
        for role in g["roles"]:
            if role == "activation":
                want["dX"] += macs(g)
            elif role == "weight":
                want["dW"] += macs(g)
    assert want == {"dX": by_kind["dX"], "dW": by_kind["dW"]}, (want, by_kind)
    skipped_macs = sum(macs(g) for g in skip_rows)
    assert 2 * forward - skipped_macs == by_kind["dX"] + by_kind["dW"]
    # FlopCounterMode counts a grouped convolution's dW as if groups were 1.
    overcount = sum(macs(g) * (g["groups"] - 1) for g in bwd_rows
                    if g["kind"] == "dW" and g.get("groups", 1) > 1)
    recorded_backward = sum(by_kind.values())
    assert backward == recorded_backward + overcount, (backward, recorded_backward, overcount)
    rule = 3 * forward - skipped_macs
    layer_order = []
    for g in fwd_rows + bwd_rows:
        if g["layer"] not in layer_order:
            layer_order.append(g["layer"])
    return {"layer_order": layer_order, "forward": forward, "backward": backward, "step": total, "by_kind": by_kind,
            "skipped_macs": skipped_macs, "skip_rows": skip_rows, "overcount": overcount,
            "recorded_backward": recorded_backward, "rule": rule, "fwd_rows": fwd_rows, "bwd_rows": bwd_rows,
            "torch_fwd": exclusive(fwd_counter), "torch_step": exclusive(step_counter)}


def layers(a, model):
    """Per layer (module that ran GEMMs): recorded and FlopCounterMode MACs, GEMMs."""
    types = {f"{type(model).__name__}.{q}" if q else type(model).__name__: type(m).__name__
             for q, m in model.named_modules()}
    out = []
    for name in a["layer_order"]:
        fwd = [g for g in a["fwd_rows"] if g["layer"] == name]
        bwd = [g for g in a["bwd_rows"] if g["layer"] == name]
        tf, ts = a["torch_fwd"].get(name, 0), a["torch_step"].get(name, 0)
        out.append({
            "name": name,
            "type": types.get(name, "?"),
            "forward_macs": sum(macs(g) for g in fwd),
            "dx_macs": sum(macs(g) for g in bwd if g["kind"] == "dX"),
            "dw_macs": sum(macs(g) for g in bwd if g["kind"] == "dW"),
            "recompute_macs": sum(macs(g) for g in bwd if g["kind"] == "recompute"),
            "skipped_dx_macs": sum(macs(g) for g in a["skip_rows"] if g["layer"] == name),
            "torch_forward_macs": tf,
            "torch_backward_macs": ts - tf,
            "gemms": [{k: v for k, v in g.items() if k != "layer"} for g in fwd + bwd],
        })
    return out


def describe(name, fx):
    """The JSON for fixture `name`."""
    import torch

    a = analyse(fx.model, fx.input)
    return {
        "model": name,
        "about": fx.about,
        "zoo": fx.zoo,
        "onnx": f"{name}.onnx" if fx.onnx else None,
        "torch": torch.__version__,
        "counter": COUNTER,
        "input": {"name": fx.input_name, "shape": list(fx.input.shape),
                  "dtype": str(fx.input.dtype).removeprefix("torch."), "requires_grad": False},
        "batch": fx.input.shape[fx.batch_dim],
        "forward_macs": a["forward"],
        "backward_macs": a["backward"],
        "step_macs": a["step"],
        "skipped_dx_macs": a["skipped_macs"],
        "skipped_dx": [{**g, "macs": macs(g)} for g in a["skip_rows"]],
        "recorded_backward_macs": {**a["by_kind"], "total": a["recorded_backward"]},
        "rule": rule(a),
        "grouped_conv": grouped(a),
        "variants": {label: summary(analyse(m, fx.input)) for label, m in fx.variants.items()},
        "layers": layers(a, fx.model),
    }


def rule(a):
    """3 x forward - skipped dX against torch's step, and why they differ;
    also the rule skipping only the dX of layers fed by the model input."""
    diff = a["step"] - a["rule"]
    why = []
    if a["overcount"]:
        why.append(f"FlopCounterMode counts grouped-conv dW as if groups were 1: +{a['overcount']}")
    if a["by_kind"]["recompute"]:
        why.append(f"the CPU scaled_dot_product_attention backward recomputes Q K^T: +{a['by_kind']['recompute']}")
    assert diff == a["overcount"] + a["by_kind"]["recompute"]
    from_input = sum(macs(g) for g in a["skip_rows"] if g["operand"] == "input")
    return {"macs": a["rule"], "holds": diff == 0, "torch_minus_rule": diff, "why": why,
            "input_only": {"skipped_dx_macs": from_input, "macs": 3 * a["forward"] - from_input,
                           "torch_minus_rule": a["step"] - (3 * a["forward"] - from_input)}}


def grouped(a):
    """FlopCounterMode's grouped-convolution dW overcount and the corrected backward, or None."""
    if not a["overcount"]:
        return None
    return {
        "formula": "dW of a convolution with g groups is g x (M = Cin/g x kernel, K = batch x output pixels, "
                   "N = Cout/g): Cin x Cout/g x kernel x batch x output pixels MACs, the forward's; "
                   "FlopCounterMode counts Cin x Cout x kernel x batch x output pixels (g times too many). "
                   "dX (g x (M = batch x output pixels, K = Cout/g, N = Cin/g x kernel)) it counts right.",
        "dw_overcount_macs": a["overcount"],
        "backward_macs": a["backward"] - a["overcount"],
        "step_macs": a["step"] - a["overcount"],
        "convs": [{"layer": g["layer"], "groups": g["groups"], "dw_macs": macs(g),
                   "torch_dw_macs": macs(g) * g["groups"]}
                  for g in sorted((g for g in a["bwd_rows"] if g["kind"] == "dW" and g.get("groups", 1) > 1),
                                  key=lambda g: a["layer_order"].index(g["layer"]))],
    }


def summary(a):
    """The totals of another configuration of a model."""
    return {"forward_macs": a["forward"], "backward_macs": a["backward"], "step_macs": a["step"],
            "skipped_dx_macs": a["skipped_macs"], "recorded_backward_macs": {**a["by_kind"],
                                                                             "total": a["recorded_backward"]},
            "rule": rule(a)}


def dumps(obj, indent=0) -> str:
    """JSON with one line per flat object or list (a GEMM row), nested ones indented."""
    def flat(o):
        if isinstance(o, dict):
            return all(not isinstance(v, (dict, list)) or (isinstance(v, list) and all(
                not isinstance(e, (dict, list)) for e in v)) for v in o.values())
        if isinstance(o, list):
            return all(not isinstance(e, (dict, list)) for e in o)
        return True

    if flat(obj):
        return json.dumps(obj)
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(obj, dict):
        items = [f"{inner}{json.dumps(k)}: {dumps(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    items = [f"{inner}{dumps(v, indent + 1)}" for v in obj]
    return "[\n" + ",\n".join(items) + f"\n{pad}]"


if __name__ == "__main__":
    main()
