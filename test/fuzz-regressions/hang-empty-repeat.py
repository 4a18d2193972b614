# fuzz regression: hang (Python seed 20261209 input 962): an empty list repeated 2**63 times ran the repeat loop 2**63 times
x = [] * 2**63
y = "" * 2**63
