# fuzz regression: silent-error (Python seed 20261207 input 12): a loop rebinding a growing list spent the time budget converting it on every iteration, and the earlier bindings lost their values without a diagnostic
import numpy as np
x = np.ones((2, 3))
while True:
    x = [x]
