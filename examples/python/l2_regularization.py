# A linear model with L2 weight decay: loss = mse + beta * l2_loss(W).
import numpy as np
import tensorflow as tf

beta = 0.01
X = tf.placeholder(tf.float32, shape=(None, 3), name='X')
Y = tf.placeholder(tf.float32, shape=(None, 1), name='Y')
W = tf.get_variable('W', shape=[3, 1], initializer=tf.constant_initializer(0.5))
b = tf.get_variable('b', shape=[1], initializer=tf.zeros_initializer())
pred = tf.matmul(X, W) + b
mse = tf.reduce_mean(tf.square(pred - Y))
regularizer = tf.nn.l2_loss(W)
loss = mse + beta * regularizer
dW, db = tf.gradients(loss, [W, b])

x_data = np.array([[1., 2., 3.], [4., 5., 6.], [7., 8., 10.], [-1., 0., 2.]], dtype=np.float32)
y_data = np.array([[1.], [2.], [3.], [0.5]], dtype=np.float32)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
loss_val, dW_val, db_val = sess.run([loss, dW, db], {X: x_data, Y: y_data})
print('loss:', loss_val)
print(dW_val.T, db_val)
