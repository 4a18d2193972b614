# The DDPG actor update (pemami4911's blog): the critic's action gradients come in as
# grad_ys, negated for ascent, and the parameter gradients are divided by the batch size
# because tf.gradients sums over the batch.
import numpy as np
import tensorflow as tf

batch_size = 4
state_dim = 3
action_dim = 2
inputs = tf.placeholder(tf.float32, [None, state_dim])
W1 = tf.Variable(tf.constant([[0.1, -0.2, 0.3, 0.0], [0.5, -0.1, 0.2, 0.2], [0.2, -0.3, 0.1, 0.4]]))
b1 = tf.Variable(tf.zeros([4]))
W2 = tf.Variable(tf.constant([[0.3, -0.1], [0.2, 0.4], [-0.5, 0.1], [0.1, 0.2]]))
net = tf.nn.relu(tf.matmul(inputs, W1) + b1)
scaled_out = tf.tanh(tf.matmul(net, W2)) * 2.0
network_params = tf.trainable_variables()
action_gradient = tf.placeholder(tf.float32, [None, action_dim])
unnormalized_actor_gradients = tf.gradients(scaled_out, network_params, -action_gradient)
actor_gradients = list(map(lambda x: tf.div(x, batch_size), unnormalized_actor_gradients))

s_batch = np.arange(batch_size * state_dim, dtype=np.float32).reshape(batch_size, state_dim) / 10.0 - 0.5
a_grads = np.array([[1.0, -0.5], [0.2, 0.3], [-1.0, 0.0], [0.5, 0.5]], dtype=np.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    grads = sess.run(actor_gradients, feed_dict={inputs: s_batch, action_gradient: a_grads})
    sums = sess.run(unnormalized_actor_gradients, feed_dict={inputs: s_batch, action_gradient: a_grads})
for g, s in zip(grads, sums):
    assert np.allclose(g * batch_size, s)
print(grads[0])
