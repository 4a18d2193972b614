# fuzz regression: silent-nonfinite (seed 20261602 input 256)
x=tf.placeholder(tf.float32,[None,2])
h=x
loss=(h)[0]
for k in range(64):
    loss=loss+loss
    loss=loss+loss
sess=tf.Session()
sess.run([],{x:[[1,2],[3,4]]})