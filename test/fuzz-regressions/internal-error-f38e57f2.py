# fuzz regression: internal-error (seed 20261305 input 4908)
image=(np.random.rand(2,3,4,2).astype(np.float32))
tf.keras.layers.UpSampling2D((2**32),interpolation='bilinear')(image)