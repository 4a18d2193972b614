# TF 1.x: softmax regression with tf.train.MomentumOptimizer, compute_gradients and
# apply_gradients spelled out (the gradients are tf.gradients, explained the same way).
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 2])
y = tf.placeholder(tf.int32, [None])
W = tf.Variable([[0.2, -0.1, 0.0], [0.0, 0.3, -0.2]])
b = tf.Variable([0.0, 0.0, 0.0])
logits = tf.matmul(x, W) + b
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
opt = tf.train.MomentumOptimizer(learning_rate=0.5, momentum=0.9)
grads_and_vars = opt.compute_gradients(loss)
train = opt.apply_gradients(grads_and_vars)

feed = {x: np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), y: np.array([0, 1, 2])}
sess = tf.Session()
sess.run(tf.global_variables_initializer())
first_grads = sess.run([g for g, v in grads_and_vars], feed)
for i in range(4):
    sess.run(train, feed_dict=feed)
W_val, loss_val = sess.run([W, loss], feed)
