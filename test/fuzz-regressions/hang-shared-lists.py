# fuzz regression: hang (issue 15): lists that share their items, 2^30 items once expanded, were converted and printed as trees
x = 1
for i in range(30):
    x = [x, x]
print(x)
y = [x]
y.append(y)
z = y == y
