// A chain whose layers put reshapes, transposes and indexing between the matmuls (kernels
// that may hand back their input's buffer, or a view of it), with gradients of every 20th
// layer: what exercises a buffer held by two values when values are released and reused.

/** The file, with `feed` as the value of the feed of `x` (a [rows, 8] float32). */
export function aliasingChainFile(feed: string, layers = 120): string {
  return (
    [
      'x = placeholder(float32, [None, 8])',
      `feed x = ${feed}`,
      'w = variable(uniform([8, 8], seed=2) - 0.5)',
      'h0 = x',
      ...Array.from({ length: layers }, (_, i) =>
        i % 3 === 0
          ? `h${i + 1} = reshape(tanh(h${i} @ w), [-1, 8]) + 0.01 * reshape(h${i}, [-1, 8])`
          : i % 3 === 1
            ? `h${i + 1} = transpose(transpose(sigmoid(h${i} @ w))) * 1.5 - h${i} * 0.25`
            : `h${i + 1} = expand_dims(relu(h${i} @ w), 0)[0] + square(h${i}) * 0.1`,
      ),
      ...Array.from({ length: Math.floor(layers / 20) }, (_, k) => `g${k} = gradients(reduce_sum(h${20 * (k + 1)}), w)`),
      `loss = reduce_sum(h${layers})`,
    ].join('\n') + '\n'
  );
}
