# fuzz regression: internal-error (Python seed 20261209 input 1405): a builtin called with fewer arguments than it reads let undefined into the values
x = sum()
y = [1]
y.append()
