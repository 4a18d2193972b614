# TF 2 eager: linear regression fitted by hand with a GradientTape and assign_sub, five steps.
import tensorflow as tf

X = tf.constant([[1.0, 2.0], [2.0, 0.5], [3.0, -1.0], [0.5, 1.5]])
y = tf.constant([[3.0], [2.5], [1.0], [2.0]])
W = tf.Variable([[0.1], [-0.1]])
b = tf.Variable([0.0])
learning_rate = 0.05

history = []
for step in range(5):
    with tf.GradientTape() as tape:
        pred = tf.matmul(X, W) + b
        loss = tf.reduce_mean(tf.square(pred - y))
    dW, db = tape.gradient(loss, [W, b])
    W.assign_sub(learning_rate * dW)
    b.assign_sub(learning_rate * db)
    history.append(loss.numpy())
    print(f"step {step}: loss {loss.numpy():.5f}")

W_final = W.numpy()
b_final = b.numpy()
