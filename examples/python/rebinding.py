# Rebinding a name: each binding is a version; `h` is rebound as the graph grows.
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 2])
h = x
h = h * 2.0
h = h + 1.0
h = tf.square(h)
loss = tf.reduce_sum(h)
g = tf.gradients(loss, x)[0]
n = 1
n += 1
n *= 10
sess = tf.Session()
h_val, g_val = sess.run([h, g], {x: [[1., 2.], [3., 4.]]})
print(n, h_val, g_val, sep='\n')
