# fuzz regression: silent-nonfinite (seed 20261602 input 4849)
x=tf.placeholder(tf.float32,[None,2])
h=x
loss=(h)
g=(loss)[0]
sess=tf.Session()
sess.run([],{x:[[3,4]]})
g=g*10**100