"""PyTorch's side of `npm run bench -- --peers=torch` (bench/peers/torch.ts drives it).

One process for the whole run, one thread, answering one JSON command per line on stdin:
  {"cmd": "info"}                          -> torch version, threads, the BLAS core in use
  {"cmd": "peak"}                          -> GFLOP/s of large float32 and float64 matmuls
  {"cmd": "prepare", "workload": SPEC}     -> loads the inputs the bench wrote (raw little-endian
                                              files) and builds that workload's function
  {"cmd": "verify"}                        -> runs it once, writes its outputs as float32 files
  {"cmd": "time"}                          -> runs it once, answers its CPU and wall ms
Each workload is what the TF.js side computes (bench/workloads.ts), the way a PyTorch user
writes it: eager tensors, autograd for the gradients.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.set_num_interop_threads(1)


def load(spec):
    dtype = {"float32": np.float32, "float64": np.float64, "int32": np.int32}[spec["dtype"]]
    array = np.fromfile(spec["file"], dtype=dtype).reshape(spec["shape"])
    return torch.from_numpy(array.copy())


def seed_step():
    x = torch.tensor([[5, 3, 7], [2, 2, 5], [7, 5, 0], [3, 7, 6]], dtype=torch.float32, requires_grad=True)
    y = 2 * x**2
    (dy,) = torch.autograd.grad(y.sum(), x)
    y2 = 2 * x**2
    z = torch.stack([y2, y2])
    (dz,) = torch.autograd.grad(z.sum(), x)
    return [y.detach(), z.detach(), dy, dz]


def make(spec):
    name = spec["name"]
    t = {k: load(v) for k, v in spec["inputs"].items()}
    reps = spec.get("repetitions", 1)

    if name in ("seed", "seed-eval"):
        copies = spec["copies"]

        def seed():
            out = []
            for _ in range(reps):
                out = []
                for _ in range(copies):
                    out += seed_step()
            return out

        return seed

    if name == "mlp":
        x, labels = t["x"], t["labels"]
        params = [t[p].clone().requires_grad_(True) for p in ("W1", "b1", "W2", "b2")]

        def mlp():
            W1, b1, W2, b2 = params
            logits = torch.relu(x @ W1 + b1) @ W2 + b2
            loss = torch.sum(-labels * F.log_softmax(logits, dim=-1), dim=-1).mean()
            grads = torch.autograd.grad(loss, params)
            return [loss.detach()] + list(grads)

        return mlp

    if name in ("matmul", "matmul-f64"):
        a, b = t["a"], t["b"]
        return lambda: [a @ b]

    if name == "elementwise":
        x = t["x"].clone().requires_grad_(True)

        def elementwise():
            y = torch.tanh(x) * torch.sigmoid(x) + torch.exp(-x * x)
            (dx,) = torch.autograd.grad(y.sum(), x)
            return [y.detach(), dx]

        return elementwise

    if name == "conv":
        # NHWC in the bench; PyTorch convolves NCHW: the layouts are converted once, here.
        x = t["x"].permute(0, 3, 1, 2).contiguous().requires_grad_(True)
        f = t["f"].permute(3, 2, 0, 1).contiguous().requires_grad_(True)

        def conv():
            y = F.conv2d(x, f, padding="same")
            dx, df = torch.autograd.grad(y.sum(), [x, f])
            return [y.detach(), dx, df]

        def conv_nhwc():
            y, dx, df = conv()
            return [y.permute(0, 2, 3, 1), dx.permute(0, 2, 3, 1), df.permute(2, 3, 1, 0)]

        conv.for_verify = conv_nhwc
        return conv

    if name == "softmax":
        x = t["x"].clone().requires_grad_(True)
        w = t["w"]

        def softmax():
            y = torch.softmax(x, dim=-1)
            (dx,) = torch.autograd.grad(y, x, grad_outputs=w)
            return [y.detach(), dx]

        return softmax

    if name == "gradcheck":
        # tgraph's check in float64: the analytic vᵀJu from one backward pass weighted by v,
        # and central differences of v·loss along each unit direction u.
        x, labels = t["x"].double(), t["labels"].double()
        base = [t[p].double() for p in ("W1", "b1", "W2", "b2")]
        directions = [t["u_" + p].double() for p in ("W1", "b1", "W2", "b2")]
        v = spec["v"]
        eps = spec["eps"]

        def loss_of(W1, b1, W2, b2):
            logits = torch.relu(x @ W1 + b1) @ W2 + b2
            return torch.sum(-labels * F.log_softmax(logits, dim=-1), dim=-1).mean()

        def gradcheck():
            params = [p.clone().requires_grad_(True) for p in base]
            grads = torch.autograd.grad(loss_of(*params) * v, params)
            analytic = [torch.sum(g * u) for g, u in zip(grads, directions)]
            numeric = []
            with torch.no_grad():
                for i, u in enumerate(directions):
                    moved = list(base)
                    moved[i] = base[i] + eps * u
                    plus = loss_of(*moved) * v
                    moved[i] = base[i] - eps * u
                    minus = loss_of(*moved) * v
                    numeric.append((plus - minus) / (2 * eps))
            return [torch.stack(analytic), torch.stack(numeric)]

        return gradcheck

    raise ValueError("unknown workload " + name)


def blas_core():
    try:
        import ctypes

        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return "OpenBLAS " + lib.openblas_get_corename().decode()
    except OSError:
        return "reference BLAS (libopenblas.so.0 not found)"


def peak():
    result = {}
    for dtype, key in ((torch.float32, "float32"), (torch.float64, "float64")):
        n = 2048
        a = torch.randn(n, n, dtype=dtype)
        b = torch.randn(n, n, dtype=dtype)
        a @ b
        best = 0.0
        for _ in range(3):
            start = time.process_time()
            a @ b
            best = max(best, 2 * n**3 / (time.process_time() - start) / 1e9)
        result[key] = best
    return result


def main():
    fn = None
    out_dir = None
    for line in sys.stdin:
        cmd = json.loads(line)
        kind = cmd["cmd"]
        if kind == "info":
            answer = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_core()}
        elif kind == "peak":
            answer = peak()
        elif kind == "prepare":
            fn = make(cmd["workload"])
            out_dir = cmd["workload"]["dir"]
            answer = {"ok": True}
        elif kind == "verify":
            outputs = getattr(fn, "for_verify", fn)()
            files = []
            for i, o in enumerate(outputs):
                path = os.path.join(out_dir, "torch_out_%d.bin" % i)
                o.detach().contiguous().to(torch.float64).numpy().tofile(path)
                files.append(path)
            answer = {"files": files}
        elif kind == "time":
            wall = time.perf_counter()
            cpu = time.process_time()
            fn()
            answer = {"cpu": (time.process_time() - cpu) * 1000, "wall": (time.perf_counter() - wall) * 1000}
        else:
            answer = {"error": "unknown command " + kind}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
