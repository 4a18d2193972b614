# fuzz regression: internal-error (seed 20261601 input 4215)
B,T,D,H=2,4,3,2**31
lstm=tf.keras.layers.LSTM(H,return_sequences=T)
lstm.build((None,T,D))