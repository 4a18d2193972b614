# Softmax regression (the TF 1.x MNIST-for-beginners model, on 3 tiny examples):
# a cross-entropy loss written by hand and with softmax_cross_entropy_with_logits.
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 4])
y_ = tf.placeholder(tf.float32, [None, 3])
W = tf.Variable(np.array([[0.1, -0.2, 0.3], [0.0, 0.5, -0.1], [0.2, 0.2, 0.2], [-0.3, 0.1, 0.4]], dtype=np.float32))
b = tf.Variable(tf.constant([0.05, -0.05, 0.0]))
logits = tf.matmul(x, W) + b
y = tf.nn.softmax(logits)
cross_entropy = tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(y), reduction_indices=[1]))
xent = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=logits))
grad_W, grad_b = tf.gradients(cross_entropy, [W, b])

batch_xs = np.array([[1., 2., 3., 4.], [0.5, -1., 2., 0.], [3., 1., 0., -2.]], dtype=np.float32)
batch_ys = np.eye(3, dtype=np.float32)[[0, 2, 1]]
sess = tf.Session()
sess.run(tf.global_variables_initializer())
ce, ce2, gW, gb = sess.run([cross_entropy, xent, grad_W, grad_b], feed_dict={x: batch_xs, y_: batch_ys})
print('cross entropy', ce, ce2)
print('dW =\n', gW)
print('db =', gb)
# tgraph: check gradients(cross_entropy, [W, b])
assert np.allclose(ce, ce2, atol=1e-6)
