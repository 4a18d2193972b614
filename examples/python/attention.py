# Scaled dot-product attention over a batch: softmax(Q K^T / sqrt(d)) V with batched
# matmuls, and the gradient of a loss with respect to the queries.
import math
import numpy as np
import tensorflow as tf

batch, length, d = 2, 3, 4
q = tf.placeholder(tf.float32, [batch, length, d])
k = tf.placeholder(tf.float32, [batch, length, d])
v = tf.placeholder(tf.float32, [batch, length, d])
scores = tf.matmul(q, k, transpose_b=True) / math.sqrt(d)
weights = tf.nn.softmax(scores, axis=-1)
context = tf.matmul(weights, v)
loss = tf.reduce_sum(context ** 2)
dq = tf.gradients(loss, q)[0]
base = np.arange(batch * length * d, dtype=np.float32).reshape(batch, length, d)
q_val = np.sin(base) * 0.5
k_val = np.cos(base) * 0.5
v_val = base / 10.0
sess = tf.Session()
w_val, ctx_val, dq_val = sess.run([weights, context, dq], {q: q_val, k: k_val, v: v_val})
assert np.allclose(w_val.sum(axis=-1), 1.0, atol=1e-6)
print(ctx_val.shape, dq_val.shape)
