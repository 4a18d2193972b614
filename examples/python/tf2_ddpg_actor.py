# DDPG's actor update in TF 2: the critic's action gradients given to tape.gradient as
# output_gradients (negated), and the result divided by the batch size.
import tensorflow as tf

states = tf.constant([[0.5, -0.2, 0.1], [1.0, 0.3, -0.5], [-0.4, 0.8, 0.2], [0.0, 0.1, 0.9]])
dq_da = tf.constant([[1.0, -0.5], [0.2, 0.3], [-1.0, 0.0], [0.5, 0.5]])
w1 = tf.Variable([[0.1, -0.2, 0.3], [0.4, 0.0, -0.1], [-0.3, 0.2, 0.2]])
w2 = tf.Variable([[0.5, -0.4], [0.3, 0.2], [-0.2, 0.6]])
batch_size = 4

with tf.GradientTape() as tape:
    actions = 2.0 * tf.tanh(tf.matmul(tf.nn.relu(tf.matmul(states, w1)), w2))
unnormalized = tape.gradient(actions, [w1, w2], output_gradients=-dq_da)
actor_gradients = [g / batch_size for g in unnormalized]
tf.keras.optimizers.Adam(learning_rate=0.001).apply_gradients(zip(actor_gradients, [w1, w2]))
w2_after = w2.numpy()
