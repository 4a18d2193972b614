# tf.layers.dense in a TF 1.x graph: the layer makes its own kernel and bias variables
# (here with constant initializers, so the numbers are known), named dense/kernel, ...
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 3])
hidden = tf.layers.dense(x, 4, activation=tf.nn.relu, kernel_initializer=tf.constant_initializer(0.2), bias_initializer=tf.constant_initializer(0.1))
logits = tf.layers.dense(hidden, 2, kernel_initializer=tf.constant_initializer(-0.3))
labels = tf.placeholder(tf.int32, [None])
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
names = [v.name for v in tf.trainable_variables()]
grads = tf.gradients(loss, tf.trainable_variables())
sess = tf.Session()
sess.run(tf.global_variables_initializer())
feed = {x: np.array([[1., -1., 2.], [0.5, 0.5, 0.5], [-2., 1., 0.]]), labels: [0, 1, 1]}
loss_val, grad_vals = sess.run([loss, grads], feed)
print(names)
print(loss_val)
