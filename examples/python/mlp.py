# A two-layer perceptron written the TF 1.x way: explicit weights, relu, a sigmoid output
# and a mean squared error; the weights come from NumPy.
import numpy as np
import tensorflow as tf

n_input, n_hidden, n_output = 2, 3, 1
weights = {
    'h1': tf.Variable(np.array([[0.5, -0.4, 0.3], [0.2, 0.6, -0.7]], dtype=np.float32)),
    'out': tf.Variable(np.array([[0.8], [-0.5], [0.3]], dtype=np.float32)),
}
biases = {
    'b1': tf.Variable(tf.constant([0.1, 0.0, -0.1])),
    'out': tf.Variable(tf.constant([0.05])),
}

def multilayer_perceptron(x):
    layer_1 = tf.nn.relu(tf.add(tf.matmul(x, weights['h1']), biases['b1']))
    return tf.nn.sigmoid(tf.matmul(layer_1, weights['out']) + biases['out'])

X = tf.placeholder("float", [None, n_input])
Y = tf.placeholder("float", [None, n_output])
pred = multilayer_perceptron(X)
cost = tf.reduce_mean(tf.pow(pred - Y, 2))
grads = tf.gradients(cost, [weights['h1'], biases['b1'], weights['out'], biases['out']])

xor_x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
xor_y = np.array([[0], [1], [1], [0]], dtype=np.float32)
init = tf.global_variables_initializer()
with tf.Session() as sess:
    sess.run(init)
    c, g = sess.run([cost, grads], feed_dict={X: xor_x, Y: xor_y})
    p = pred.eval(feed_dict={X: xor_x})
print("cost=", "{:.9f}".format(c))
print(p.ravel())
