# @tf.function: the decorated function runs as TensorFlow traces and runs it; gradients flow
# through it as through any Python function.
import tensorflow as tf

W = tf.Variable([[0.2, -0.4], [0.6, 0.1], [-0.3, 0.5]])
b = tf.Variable([0.1, -0.1])


@tf.function
def forward(x):
    return tf.nn.softmax(tf.matmul(x, W) + b)


@tf.function(reduce_retracing=True)
def loss_fn(x, labels):
    return tf.reduce_mean(tf.keras.losses.categorical_crossentropy(labels, forward(x)))


x = tf.constant([[1.0, 0.0, 2.0], [0.5, -1.0, 0.0]])
labels = tf.constant([[0.0, 1.0], [1.0, 0.0]])
with tf.GradientTape() as tape:
    loss = loss_fn(x, labels)
dW, db = tape.gradient(loss, [W, b])
print(loss)
