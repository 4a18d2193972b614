# Second order with nested tapes: the gradient of a gradient (the Hessian-vector product of
# a small function) and a full Hessian with jacobian.
import tensorflow as tf

x = tf.Variable([0.5, -1.0, 2.0])
v = tf.constant([1.0, 0.0, -1.0])
with tf.GradientTape(persistent=True) as outer:
    with tf.GradientTape() as inner:
        y = tf.reduce_sum(tf.sin(x) * x ** 2) + x[0] * x[1]
    g = inner.gradient(y, x)
    gv = tf.reduce_sum(g * v)
hvp = outer.gradient(gv, x)
hessian = outer.jacobian(g, x)
print(hvp)
