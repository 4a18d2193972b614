# Why DDPG divides by the batch size: a parameter used by every row of a batch gets the sum
# of the per-example gradients. The same graph run with a batch of 2 and a batch of 5.
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 2])
w = tf.Variable([[1.5], [-0.5]])
y = tf.matmul(x, w)
dw = tf.gradients(y, w)[0]
dw_mean = tf.gradients(tf.reduce_mean(y), w)[0]
sess = tf.Session()
sess.run(tf.global_variables_initializer())
small = np.array([[1., 2.], [3., 4.]], dtype=np.float32)
large = np.tile(small, (3, 1))[:5]
dw_small, dw_mean_small = sess.run([dw, dw_mean], {x: small})
dw_large = sess.run(dw, {x: large})
assert np.allclose(dw_small.ravel(), small.sum(axis=0))
assert np.allclose(dw_mean_small.ravel(), small.mean(axis=0))
print(dw_small.ravel(), dw_large.ravel())
