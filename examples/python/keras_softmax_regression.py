# TF 2 softmax regression with Keras' losses as functions and as objects (from logits and
# from probabilities), the gradients of the weights from a GradientTape.
import tensorflow as tf

X = tf.constant([[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 2.0, 0.0], [3.0, 1.0, 0.0, -2.0]])
y_sparse = tf.constant([0, 2, 1])
y_onehot = tf.one_hot(y_sparse, 3)
W = tf.Variable([[0.1, -0.2, 0.3], [0.0, 0.5, -0.1], [0.2, 0.2, 0.2], [-0.3, 0.1, 0.4]])
b = tf.Variable([0.05, -0.05, 0.0])

with tf.GradientTape() as tape:
    logits = tf.matmul(X, W) + b
    ce_logits = tf.keras.losses.CategoricalCrossentropy(from_logits=True)(y_onehot, logits)
ce_probs = tf.reduce_mean(tf.keras.losses.categorical_crossentropy(y_onehot, tf.nn.softmax(logits)))
ce_sparse = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y_sparse, logits)
gW, gb = tape.gradient(ce_logits, [W, b])
print(f"{float(ce_logits):.6f} {float(ce_probs):.6f} {float(ce_sparse):.6f}")
