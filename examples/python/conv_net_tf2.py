# A small conv net in TF 2: conv2d + relu + max pooling + a dense layer on a 6x6 image,
# softmax cross entropy, and the gradients of its filters and weights from a GradientTape.
import numpy as np
import tensorflow as tf

image = tf.constant(np.sin(np.arange(2 * 6 * 6, dtype=np.float32)).reshape(2, 6, 6, 1))
labels = tf.constant([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
filters = tf.Variable(np.cos(np.arange(3 * 3 * 1 * 2, dtype=np.float32)).reshape(3, 3, 1, 2) * 0.5)
conv_bias = tf.Variable([0.1, -0.1])
dense_w = tf.Variable(np.linspace(-0.5, 0.5, 3 * 3 * 2 * 3, dtype=np.float32).reshape(18, 3))

with tf.GradientTape() as tape:
    conv = tf.nn.relu(tf.nn.conv2d(image, filters, strides=[1, 1, 1, 1], padding="SAME") + conv_bias)
    pooled = tf.nn.max_pool2d(conv, ksize=2, strides=2, padding="VALID")
    flat = tf.reshape(pooled, [2, -1])
    logits = tf.matmul(flat, dense_w)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits))
d_filters, d_bias, d_dense = tape.gradient(loss, [filters, conv_bias, dense_w])
print(pooled.shape, d_filters.shape)
