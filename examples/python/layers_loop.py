# Layers built in a loop, each in its own variable scope, the sizes in a Python list.
import numpy as np
import tensorflow as tf

def fully_connected(inputs, n_in, n_out, scope):
    with tf.variable_scope(scope):
        w = tf.get_variable('weights', [n_in, n_out], initializer=tf.constant_initializer(0.1))
        b = tf.get_variable('biases', [n_out], initializer=tf.constant_initializer(0.01))
        return tf.nn.tanh(tf.matmul(inputs, w) + b)

layer_sizes = [3, 5, 4, 2]
x = tf.placeholder(tf.float32, [None, layer_sizes[0]])
out = x
for i, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
    out = fully_connected(out, n_in, n_out, 'layer_%d' % (i + 1))
loss = tf.reduce_mean(tf.reduce_sum(out ** 2, axis=1))
variables = tf.trainable_variables()
grads = tf.gradients(loss, variables)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
x_val = np.linspace(-1, 1, 6).reshape(2, 3)
loss_val, grad_vals = sess.run([loss, grads], feed_dict={x: x_val})
print([v.name for v in variables])
print(loss_val)
print([g.shape for g in grad_vals])
