# TF 2: a Keras Sequential of Dense layers (seeded variables made on the first call), trained
# two steps with Adam on binary cross entropy; the same layers give the same outputs again.
import tensorflow as tf

x = tf.constant([[0.0, 1.0, 0.5], [1.0, 0.0, -0.5], [0.5, 0.5, 0.5], [-1.0, 0.2, 0.0]])
y = tf.constant([[1.0], [0.0], [1.0], [0.0]])

model = tf.keras.Sequential([
    tf.keras.layers.Dense(4, activation="relu", kernel_initializer=tf.keras.initializers.Constant(0.1)),
    tf.keras.layers.Dense(1, activation=tf.keras.activations.sigmoid, kernel_initializer="ones"),
])
loss_fn = tf.keras.losses.BinaryCrossentropy()
optimizer = tf.keras.optimizers.Adam(learning_rate=0.05)

for step in range(2):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))

predictions = model(x)
names = [v.name for v in model.trainable_variables]
kernel0 = model.layers[0].kernel.numpy()
print(names)
