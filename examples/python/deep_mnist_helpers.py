# The Deep MNIST tutorial's helpers: user functions that shadow op names (conv2d) and call
# the library's (tf.nn.conv2d), on a 6x6 image.
import numpy as np
import tensorflow as tf

def weight_variable(shape):
  initial = tf.constant(0.1, shape=shape)
  return tf.Variable(initial)

def bias_variable(shape):
  initial = tf.constant(0.1, shape=shape)
  return tf.Variable(initial)

def conv2d(x, W):
  return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding='SAME')

def max_pool_2x2(x):
  return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding='SAME')

x = tf.placeholder(tf.float32, shape=[None, 36])
y_ = tf.placeholder(tf.float32, shape=[None, 2])
x_image = tf.reshape(x, [-1, 6, 6, 1])
W_conv1 = weight_variable([3, 3, 1, 2])
b_conv1 = bias_variable([2])
h_conv1 = tf.nn.relu(conv2d(x_image, W_conv1) + b_conv1)
h_pool1 = max_pool_2x2(h_conv1)
h_flat = tf.reshape(h_pool1, [-1, 3 * 3 * 2])
W_fc = weight_variable([18, 2])
y_conv = tf.matmul(h_flat, W_fc)
cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y_conv))
grads = tf.gradients(cross_entropy, [W_conv1, b_conv1, W_fc])
sess = tf.InteractiveSession()
tf.global_variables_initializer().run()
images = (np.arange(72, dtype=np.float32).reshape(2, 36) % 7) / 7.0
labels = np.array([[1, 0], [0, 1]], dtype=np.float32)
loss = cross_entropy.eval(feed_dict={x: images, y_: labels})
g = sess.run(grads, feed_dict={x: images, y_: labels})
print(loss)
print(g[0][:, :, 0, 0])
