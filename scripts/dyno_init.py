#!/usr/bin/env python3
# dyno_init.py - dyno-init-v1, the counter-based seeded weight generator, in Python.
# The C side (plugins/nn) implements the same function; both must give
# bit-identical float32 values.  Element i of tensor NAME with seed S:
#   h = fnv1a64(NAME)
#   z = h + S*0x9E3779B97F4A7C15 + (i+1)*0xD1B54A32D192ED03      (mod 2^64)
#   z = (z ^ z>>30) * 0xBF58476D1CE4E5B9; z = (z ^ z>>27) * 0x94D049BB133111EB
#   z = z ^ z>>31;  u = (z >> 40) * 2^-24;  value = (float)(bound * (2u - 1))
# with bound chosen by the tensor's role (see bound_for()).  Counter-based,
# so any element can be made alone, in any order.
#   python3 scripts/dyno_init.py            prints the test vectors
# Needs NumPy only for tensors (draw()); the test vectors use plain ints.
import math
import sys

M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
STEP = 0xD1B54A32D192ED03
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
EMBED_BOUND = 0.02


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & M64
    return h


def raw_z(name, seed, i):
    """The mixed 64-bit value for one element, with plain Python ints."""
    z = (fnv1a64(name.encode()) + seed * GOLDEN + (i + 1) * STEP) & M64
    z = ((z ^ (z >> 30)) * MIX1) & M64
    z = ((z ^ (z >> 27)) * MIX2) & M64
    return z ^ (z >> 31)


def unit(z):
    return (z >> 40) * 2.0 ** -24


def draw(name, seed, shape, bound):
    """The float32 tensor of the given shape, all elements at once."""
    import numpy as np
    n = int(np.prod(shape, dtype=np.int64))
    base = np.uint64((fnv1a64(name.encode()) + seed * GOLDEN) & M64)
    i1 = np.arange(1, n + 1, dtype=np.uint64)
    z = i1 * np.uint64(STEP) + base  # uint64 arrays wrap mod 2^64
    z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX2)
    z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64) * 2.0 ** -24
    return (bound * (2.0 * u - 1.0)).astype(np.float32).reshape(shape)


def fan_in(shape):
    return math.prod(shape[1:])


def bound_for(role, weight_shape):
    """role: 'weight' / 'bias' of a linear or conv layer (weight_shape is the
    layer's weight shape, torch layout [out, in, ...]), 'embed' for
    embeddings and learned tokens; LayerNorm tensors are constants, no draw."""
    if role in ("weight", "bias"):
        return 1.0 / math.sqrt(fan_in(weight_shape))
    if role == "embed":
        return EMBED_BOUND
    raise ValueError("dyno-init-v1: no bound for role %r" % role)


def vectors():
    """The test vectors both implementations print: NAME "x", seed 42."""
    lines = ['dyno-init-v1 test vectors: NAME="x" S=42 (fnv1a64("x") = 0x%016x)'
             % fnv1a64(b"x")]
    for i in range(4):
        z = raw_z("x", 42, i)
        u = unit(z)
        v = struct_f32(1.0 * (2.0 * u - 1.0))
        lines.append("i=%d z=0x%016x u=%.17g value(bound 1)=%.9g (bits 0x%08x)"
                     % (i, z, u, v[0], v[1]))
    return lines


def struct_f32(x):
    import struct
    b = struct.pack("<f", x)
    return struct.unpack("<f", b)[0], struct.unpack("<I", b)[0]


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit("usage: python3 scripts/dyno_init.py   (prints the test vectors)")
    print("\n".join(vectors()))
