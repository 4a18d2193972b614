# fuzz regression: crash (seed 20261302 input 4991)
x=(np.random.RandomState().rand(2,0,3))
_=tf.keras.layers.SimpleRNN(1)(x)