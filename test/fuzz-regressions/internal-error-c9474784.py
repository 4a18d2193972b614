# fuzz regression: internal-error (seed 20261304 input 2975)
tf.keras.Input(())
_l=[]
_l.append(_l)