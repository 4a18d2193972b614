# fuzz regression: silent-error (Python seed 20261208 input 727): a list of more than 10,000 items was an error value that said nothing
x = 1
x = [x] * 100000
