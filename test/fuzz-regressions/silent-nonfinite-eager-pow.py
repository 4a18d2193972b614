# fuzz regression: silent-nonfinite (Python seed 20261208 input 719): eager values made Inf without the non-finite warning a session run gives
import tensorflow as tf
x = tf.constant([2.])
y = x ** 1018
