# NumPy work before feeding: standardise features, one-hot labels, reshape, cast.
import numpy as np
import tensorflow as tf

raw = np.array([[150., 50.], [160., 60.], [170., 65.], [180., 80.], [190., 95.]])
labels = np.array([0, 1, 1, 2, 2])
mean = raw.mean(axis=0)
std = raw.std(axis=0)
features = ((raw - mean) / std).astype(np.float32)
one_hot = np.zeros((labels.size, 3))
one_hot[np.arange(labels.size), labels] = 1
one_hot = one_hot.astype(np.float32)
assert np.array_equal(one_hot, np.eye(3)[labels])
batch = features.reshape(-1, 2)

x = tf.placeholder(tf.float32, [None, 2])
t = tf.placeholder(tf.float32, [None, 3])
W = tf.constant([[1.0, -1.0, 0.5], [0.5, 0.5, -1.0]])
logits = tf.matmul(x, W)
loss = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(labels=t, logits=logits))
dx = tf.gradients(loss, x)[0]
sess = tf.Session()
l, g = sess.run([loss, dx], {x: batch, t: one_hot})
print(features.dtype, features.shape, one_hot.sum(axis=0))
print(l)
print(g)
