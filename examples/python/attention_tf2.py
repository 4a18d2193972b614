# Scaled dot-product attention in TF 2, with the gradient of a loss with respect to the
# queries and the key projection from one persistent tape.
import math
import numpy as np
import tensorflow as tf

batch, length, d = 2, 3, 4
base = np.arange(batch * length * d, dtype=np.float32).reshape(batch, length, d)
q = tf.constant(np.sin(base) * 0.5)
x = tf.constant(np.cos(base) * 0.5)
v = tf.constant(base / 10.0)
Wk = tf.Variable(np.eye(d, dtype=np.float32) + 0.1)

with tf.GradientTape(persistent=True) as tape:
    tape.watch(q)
    k = tf.matmul(x, tf.broadcast_to(Wk, [batch, d, d]))
    scores = tf.matmul(q, k, transpose_b=True) / math.sqrt(d)
    weights = tf.nn.softmax(scores, axis=-1)
    context = tf.matmul(weights, v)
    loss = tf.reduce_sum(context ** 2)
dq = tape.gradient(loss, q)
dWk = tape.gradient(loss, Wk)
assert np.allclose(tf.reduce_sum(weights, axis=-1).numpy(), 1.0, atol=1e-6)
