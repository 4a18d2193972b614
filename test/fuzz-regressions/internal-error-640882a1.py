deep = []
for i in range(5000):
    deep = [deep]
_s = f"{deep}{deep!r}{deep:>20}"