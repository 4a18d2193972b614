# fuzz regression: internal-error (seed 20261211 input 5440)
emb=tf.keras.layers.Embedding(2,3)y=emb(([5]))class _K:
_o=_K()p=[_o,y]