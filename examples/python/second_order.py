# A gradient of a gradient: tf.gradients applied to its own result (the Hessian's diagonal
# of an elementwise function).
import tensorflow as tf

x = tf.placeholder(tf.float64, [3])
y = tf.reduce_sum(tf.sin(x) * x ** 2)
dy = tf.gradients(y, x)[0]
d2y = tf.gradients(dy, x)[0]
sess = tf.Session()
dy_val, d2y_val = sess.run([dy, d2y], {x: [0.5, 1.0, -2.0]})
print(dy_val)
print(d2y_val)
