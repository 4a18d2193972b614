# TF 2: Keras SGD with momentum through minimize(loss_callable, var_list), six steps on a
# quadratic bowl.
import tensorflow as tf

theta = tf.Variable([3.0, -2.0])
A = tf.constant([[2.0, 0.5], [0.5, 1.0]])

def loss():
    t = tf.reshape(theta, [2, 1])
    return 0.5 * tf.reduce_sum(tf.matmul(tf.transpose(t), tf.matmul(A, t)))

opt = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
for _ in range(6):
    opt.minimize(loss, var_list=[theta])

theta_final = theta.numpy()
print(theta_final)
