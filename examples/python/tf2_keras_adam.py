# TF 2: a two-layer network trained with Keras' Adam and MeanSquaredError, four steps.
import tensorflow as tf

x = tf.constant([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
y = tf.constant([[1.0], [1.0], [0.0], [0.0]])
W1 = tf.Variable([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]])
b1 = tf.Variable([0.0, 0.1, -0.1])
W2 = tf.Variable([[0.3], [-0.2], [0.5]])
params = [W1, b1, W2]

loss_fn = tf.keras.losses.MeanSquaredError()
optimizer = tf.keras.optimizers.Adam(learning_rate=0.01)

def model(inputs):
    hidden = tf.nn.relu(tf.matmul(inputs, W1) + b1)
    return tf.sigmoid(tf.matmul(hidden, W2))

for epoch in range(4):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    grads = tape.gradient(loss, params)
    optimizer.apply_gradients(zip(grads, params))

final_loss = loss_fn(y, model(x))
W2_final = W2.numpy()
print("final loss", float(final_loss))
