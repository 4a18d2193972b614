# fuzz regression: internal-error (Python seed 20261209 input 618): np.arange of an infinite length converted Infinity to an int
import numpy as np
x = np.arange(1e383, dtype=np.float32)
y = np.arange(float("nan"))
