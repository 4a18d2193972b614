# fuzz regression: silent-nonfinite (seed 20261321 input 3120)
x = tf.placeholder(tf.float32, [None, 2])
y = tf.placeholder(tf.int32, [None])
W = tf.Variable([[0.2, -0.1, 0.0], [0.0, 0.3, -0.2]])
b = tf.Variable([0.0, 0.0, 0.0])
logits = tf.matmul(x, W) + b
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
opt = tf.train.MomentumOptimizer(learning_rate=0.5, momentum=10**18)
grads_and_vars = opt.compute_gradients(loss)
train = opt.apply_gradients(grads_and_vars)
feed = {x: np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), y: np.array([0, 1, 2])}
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for i in range(4):
    sess.run(train, feed_dict=feed)
W_val, loss_val = sess.run([W, loss], feed)
