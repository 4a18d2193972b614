# Jacobians from a tape: the full Jacobian of a layer's output with respect to its input,
# and the per-example (batch) Jacobian.
import tensorflow as tf

x = tf.constant([[1.0, 2.0], [0.5, -1.0], [0.0, 3.0]])
W = tf.constant([[0.5, -1.0, 0.2], [0.3, 0.8, -0.4]])
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    y = tf.tanh(tf.matmul(x, W))
jac = tape.jacobian(y, x)
batch_jac = tape.batch_jacobian(y, x)
print(jac.shape, batch_jac.shape)
