# fuzz regression: internal-error (seed 20261402 input 660)
inp = tf.keras.Input((2,))
z = tf.keras.layers.Dense(2)(inp)
deep = []
for i in range(5000):
    deep = [deep]
copied = list([z, deep])
sess = tf.compat.v1.Session()
_v = sess.run([copied, (copied, {'a': copied}), [[copied]]])
