# @tf.custom_gradient: a numerically stable log(1 + e^x) whose gradient is given by hand,
# and a gradient clipped on the way back (the identity forward, a clipped backward).
import tensorflow as tf


@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))

    return tf.math.log(1 + e), grad


@tf.custom_gradient
def clip_gradient(x):
    def grad(dy):
        return tf.clip_by_value(dy, -1.0, 1.0)

    return tf.identity(x), grad


x = tf.constant([-3.0, 0.0, 2.0, 10.0])
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    y = tf.reduce_sum(log1pexp(x))
    z = tf.reduce_sum(clip_gradient(x) * 5.0 + 0.0 * x)
dy_dx = tape.gradient(y, x)
dz_dx = tape.gradient(z, x)
print(dy_dx)
print(dz_dx)
