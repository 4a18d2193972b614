#!/usr/bin/env bash
# Installs the bench's optional peers (`npm run bench -- --peers=torch,tfjs-wasm`) without
# changing how anything else on the machine runs:
#
# - PyTorch: Debian's python3-torch (1.13), a system package. Debian links it against the
#   reference BLAS through the libblas.so.3 alternative, which makes its matmul about 14×
#   slower than the OpenBLAS a pip-installed torch ships with. Installing libopenblas0-openmp
#   as a package would switch that alternative for every program on the machine, so its
#   .deb is only unpacked into bench/.peers/, and the bench puts that directory first on
#   LD_LIBRARY_PATH for the torch process alone (bench/peers/torch.ts).
# - TF.js's WASM backend: the npm devDependency @tensorflow/tfjs-backend-wasm, which ships
#   its .wasm files in the registry tarball (nothing is downloaded at install or run time).
#
# Idempotent; run as root (apt-get). Usage: bash bench/setup-peers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
peers=bench/.peers

# python3 may be another interpreter than Debian's (pyenv): the package installs for /usr/bin/python3.
if ! python3 -c 'import torch' 2>/dev/null && ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-torch
fi

lib="$peers/usr/lib/x86_64-linux-gnu/openblas-openmp"
if [ ! -e "$lib/libblas.so.3" ]; then
  mkdir -p "$peers/debs"
  (cd "$peers/debs" && apt-get download libopenblas0-openmp)
  for deb in "$peers"/debs/libopenblas0-openmp_*.deb; do dpkg-deb -x "$deb" "$peers"; done
fi

[ -d node_modules/@tensorflow/tfjs-backend-wasm ] || npm ci

py=python3; python3 -c "import torch" 2>/dev/null || py=/usr/bin/python3
echo "torch: $($py -c 'import torch; print(torch.__version__)'), OpenBLAS for the bench's torch runs: $lib"
