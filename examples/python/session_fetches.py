# Fetch structures: nested lists, tuples and dicts come back in the same shape; each run
# has its own feeds, and t.eval() runs in the default session.
import tensorflow as tf

a = tf.placeholder(tf.float32, [2])
b = a * 3.0
c = tf.reduce_sum(b)
with tf.Session() as sess:
    out = sess.run({'b': b, 'pair': (c, [b, c])}, feed_dict={a: [1., 2.]})
    first = c.eval({a: [10., 20.]})
    second = sess.run(c, {a: [0.5, 0.25]})
print(out['b'], out['pair'][0], out['pair'][1][1])
print(first, second)
