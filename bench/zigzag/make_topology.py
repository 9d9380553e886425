#!/usr/bin/env python3
"""Write ZigZag's resnet18 workload (zigzag/inputs/workload/resnet18.onnx) as a
SCALE-Sim topology CSV that systolic reads with `--topology`.

Usage: make_topology.py OUT.csv

ZigZag evaluates only the Conv and Gemm nodes of the ONNX graph (Relu,
MaxPool, Add, GlobalAveragePool and Flatten become zero-cost dummy nodes), so
the CSV has exactly those 21 layers, in graph order. SCALE-Sim's format has no
padding column, so each padded convolution is written with its padded input
size (IFMAP H + top + bottom padding): the output size, and so the GEMM that
systolic runs (M = OY x OX, K = C x FY x FX, N = K), is the same. The fully
connected layer is a 1x1 convolution on a 1x1 input (M = 1, K = 512, N = 1000).
"""

import os
import sys

import onnx
import zigzag
from onnx import helper

ONNX = os.path.join(os.path.dirname(zigzag.__file__), "inputs", "workload", "resnet18.onnx")


def main() -> int:
    out = sys.argv[1]
    # The model ships with its weights in a separate file that the wheel does
    # not include; shapes are all that is needed.
    m = onnx.load(ONNX, load_external_data=False)
    shapes = {
        v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
        for v in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output)
    }
    inits = {i.name: list(i.dims) for i in m.graph.initializer}
    rows = ["Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"]
    for n in m.graph.node:
        name = n.name.strip("/").replace("/", ".")
        for suffix in (".Conv", ".Gemm"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        # torchvision module path: layer1.layer1.0.conv1 -> layer1.0.conv1
        parts = name.split(".")
        if len(parts) > 1 and parts[1].startswith(parts[0]):
            name = ".".join(parts[1:])
        name = name.replace("downsample.downsample.0", "downsample.0")
        a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
        if n.op_type == "Conv":
            _, c, h, w = shapes[n.input[0]]
            k, _, fh, fw = inits[n.input[1]]
            _, ko, oh, ow = shapes[n.output[0]]
            pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
            sh, sw = a.get("strides", [1, 1])
            assert sh == sw and a.get("group", 1) == 1 and a.get("dilations", [1, 1]) == [1, 1]
            hp, wp = h + pt + pb, w + pl + pr
            assert (hp - fh) // sh + 1 == oh and (wp - fw) // sw + 1 == ow and ko == k, n.name
            rows.append(f"{name}, {hp}, {wp}, {fh}, {fw}, {c}, {k}, {sh},")
        elif n.op_type == "Gemm":
            _, cin = shapes[n.input[0]]
            w = inits[n.input[1]]
            k = w[0] if a.get("transB", 0) else w[1]
            rows.append(f"{name}, 1, 1, 1, 1, {cin}, {k}, 1,")
    with open(out, "w") as f:
        f.write("\n".join(rows) + "\n")
    print(f"{len(rows) - 1} layers -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
