# TF 1.x: logistic regression trained with tf.train.AdamOptimizer in a session; each
# sess.run of the train op updates the variables the next run reads.
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 3], name="x")
labels = tf.placeholder(tf.float32, [None, 1], name="labels")
W = tf.Variable(tf.zeros([3, 1]), name="W")
b = tf.Variable(tf.zeros([1]), name="b")
logits = tf.matmul(x, W) + b
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))
train_op = tf.train.AdamOptimizer(learning_rate=0.1).minimize(loss)

data = np.array([[1.0, 0.5, -1.0], [0.2, -0.3, 0.8], [-1.0, 1.0, 0.1], [0.7, 0.7, 0.7]], dtype=np.float32)
targets = np.array([[1.0], [0.0], [0.0], [1.0]], dtype=np.float32)

losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(6):
        _, loss_val = sess.run([train_op, loss], feed_dict={x: data, labels: targets})
        losses.append(loss_val)
    W_val, b_val = sess.run([W, b])
print(W_val.ravel(), b_val)
