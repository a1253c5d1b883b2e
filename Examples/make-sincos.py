"""Writes sincos.csv: f(x1, x2) = sin(x1) cos(x2) on [-2, 2]^2 at seeded random points; each row
gives the value or one first partial, in the CSV format of `maclaurin fit`."""
import math
import random

rng = random.Random(7)
rows = []
for i in range(256):
    x1, x2 = rng.uniform(-2, 2), rng.uniform(-2, 2)
    kind = ["y", "y", "dy/dx1", "dy/dx2"][i % 4]
    value = {"y": math.sin(x1) * math.cos(x2),
             "dy/dx1": math.cos(x1) * math.cos(x2),
             "dy/dx2": -math.sin(x1) * math.sin(x2)}[kind]
    rows.append(f"{x1:.6f},{x2:.6f},{kind},{value:.9f}")
with open("sincos.csv", "w") as f:
    f.write("x1,x2,kind,value\n" + "\n".join(rows) + "\n")
