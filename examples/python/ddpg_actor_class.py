# DDPG's actor as reinforcement-learning code writes it: a class used as a namespace, the
# network's parameters sliced from tf.trainable_variables(), and the actor gradients
# -dQ/da pushed through grad_ys and divided by the batch size.
import numpy as np
import tensorflow as tf


class ActorNetwork(object):
    def __init__(self, state_dim, action_dim, action_bound, learning_rate, batch_size):
        self.s_dim = state_dim
        self.a_dim = action_dim
        self.action_bound = action_bound
        self.batch_size = batch_size
        n_before = len(tf.trainable_variables())
        self.inputs, self.out, self.scaled_out = self.create_actor_network()
        self.network_params = tf.trainable_variables()[n_before:]
        self.action_gradient = tf.placeholder(tf.float32, [None, self.a_dim])
        self.unnormalized_actor_gradients = tf.gradients(self.scaled_out, self.network_params, -self.action_gradient)
        self.actor_gradients = list(map(lambda x: tf.div(x, self.batch_size), self.unnormalized_actor_gradients))
        self.optimize = tf.train.AdamOptimizer(learning_rate).apply_gradients(zip(self.actor_gradients, self.network_params))

    def create_actor_network(self):
        inputs = tf.placeholder(tf.float32, [None, self.s_dim])
        w1 = tf.Variable([[0.1, -0.2, 0.3], [0.4, 0.0, -0.1], [-0.3, 0.2, 0.2]])
        b1 = tf.Variable([0.05, -0.05, 0.0])
        net = tf.nn.relu(tf.matmul(inputs, w1) + b1)
        w2 = tf.Variable([[0.5, -0.4], [0.3, 0.2], [-0.2, 0.6]])
        out = tf.tanh(tf.matmul(net, w2))
        scaled_out = tf.multiply(out, self.action_bound)
        return inputs, out, scaled_out

    def train(self, sess, inputs, a_gradient):
        sess.run(self.optimize, feed_dict={self.inputs: inputs, self.action_gradient: a_gradient})

    def gradients(self, sess, inputs, a_gradient):
        return sess.run(self.actor_gradients, feed_dict={self.inputs: inputs, self.action_gradient: a_gradient})

    def predict(self, sess, inputs):
        return sess.run(self.scaled_out, feed_dict={self.inputs: inputs})


actor = ActorNetwork(state_dim=3, action_dim=2, action_bound=2.0, learning_rate=0.001, batch_size=4)
states = np.array([[0.5, -0.2, 0.1], [1.0, 0.3, -0.5], [-0.4, 0.8, 0.2], [0.0, 0.1, 0.9]], dtype=np.float32)
dq_da = np.array([[1.0, -0.5], [0.2, 0.3], [-1.0, 0.0], [0.5, 0.5]], dtype=np.float32)

sess = tf.Session()
sess.run(tf.global_variables_initializer())
actions = actor.predict(sess, states)
grads = actor.gradients(sess, states, dq_da)
actor.train(sess, states, dq_da)
actions_after = actor.predict(sess, states)
print(len(actor.network_params), [g.shape for g in grads])
