# Gradient clipping as training loops write it: tape gradients clipped by their global norm
# (and one by its own norm) before the optimizer applies them.
import tensorflow as tf

W = tf.Variable([[1.5, -2.0], [0.5, 3.0]])
b = tf.Variable([0.5, -0.5])
x = tf.constant([[2.0, 1.0], [-1.0, 3.0], [0.5, 0.5]])
target = tf.constant([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])

with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.square(tf.matmul(x, W) + b - target))
grads = tape.gradient(loss, [W, b])
norm = tf.linalg.global_norm(grads)
clipped, global_norm = tf.clip_by_global_norm(grads, 5.0)
b_clipped = tf.clip_by_norm(grads[1], 1.0)
tf.keras.optimizers.SGD(learning_rate=0.1).apply_gradients(zip(clipped, [W, b]))
W_after = W.numpy()
print(float(global_norm), float(tf.linalg.global_norm(clipped)))
