# Logistic regression with sigmoid_cross_entropy_with_logits; the bias gradient is a sum
# over the batch (divide by the batch size for the mean, as reduce_mean does).
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 2])
y = tf.placeholder(tf.float32, [None, 1])
w = tf.Variable([[0.4], [-0.3]])
b = tf.Variable([0.1])
logits = tf.matmul(x, w) + b
loss_sum = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
loss_mean = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
db_sum = tf.gradients(loss_sum, b)
db_mean = tf.gradients(loss_mean, b)
xs = np.array([[1., 2.], [2., -1.], [-1., -1.], [0.5, 0.5], [3., 0.]], dtype=np.float32)
ys = np.array([[1.], [0.], [0.], [1.], [1.]], dtype=np.float32)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
s, m = sess.run([db_sum, db_mean], {x: xs, y: ys})
assert np.allclose(s[0] / len(xs), m[0])
print(s[0], m[0])
