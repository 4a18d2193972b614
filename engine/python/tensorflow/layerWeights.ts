// The methods every Keras layer with weights has for reading and replacing them as NumPy
// arrays — `build(input_shape)`, `get_weights()`, `set_weights(weights)` — as tutorials use
// them to load known numbers into a layer (Dense and the layers of weightedLayers.ts).

import type { Span } from '../../syntax/ast';
import type { Node } from '../../graph';
import { type CallSite, PyBuiltin, PyList, type PyValue } from '../values';
import { OutsideSubset, pyError } from '../errors';
import type { Interpreter } from '../interpreter';
import { args as bindArgs } from '../signature';
import { GraphTensor, callOp, tfShape, toGraphValue } from './tensor';
import { positional } from './layerArgs';
import { type PyVariable } from './variables';
import { eagerArray, isEager } from './eager';

/** A layer as these methods see it: its variables in Keras' order (empty before it is built),
 *  and how it makes them for an input. */
export interface LayerWithWeights {
  variables(): PyVariable[];
  /** Makes the weights for an input like `x`, once (what the first call does). */
  build(rt: Interpreter, x: Node, site: CallSite): void;
}

/** `layer.build`, `layer.get_weights` or `layer.set_weights`; undefined for other names. */
export function layerWeightMethod(rt: Interpreter, layer: LayerWithWeights, name: string): PyValue | undefined {
  switch (name) {
    case 'build':
      return new PyBuiltin('build', (a, kw, site) => {
        const p = bindArgs('build', ['input_shape'], a, kw, site);
        // The weights depend only on the input's static shape: a stand-in of that shape (an
        // unknown batch size as 1) builds them as a first call would.
        const dims = rt.iterate(p.get('input_shape'), p.span('input_shape')).map((d) => (d === null ? 1n : d));
        const standIn = callOp(rt, 'zeros', [positional(rt, new PyList(dims), p.span('input_shape'))], site.span);
        if (!(standIn instanceof GraphTensor)) throw pyError('TypeError', 'build: input_shape is not a shape', p.span('input_shape'));
        if (layer.variables().length === 0) layer.build(rt, standIn.node, site);
        return null;
      });
    case 'get_weights':
      return new PyBuiltin('get_weights', (_a, _kw, site) => {
        if (!isEager(rt.rt)) throw new OutsideSubset("`get_weights` in a TF 1.x graph is outside tgraph's subset", site.span);
        return new PyList(layer.variables().map((v) => eagerArray(rt.rt, v.node, site.span)));
      });
    case 'set_weights':
      return new PyBuiltin('set_weights', (a, kw, site) => {
        if (!isEager(rt.rt)) throw new OutsideSubset("`set_weights` in a TF 1.x graph is outside tgraph's subset", site.span);
        const p = bindArgs('set_weights', ['weights'], a, kw, site);
        setWeights(rt, layer, rt.iterate(p.get('weights'), p.span('weights')), p.span('weights'), site);
        return null;
      });
  }
  return undefined;
}

function setWeights(rt: Interpreter, layer: LayerWithWeights, values: PyValue[], span: Span, site: CallSite): void {
  const variables = layer.variables();
  // Keras names the layer in its messages: the scope its weights were made in.
  const layerName = variables.length ? variables[0].name.slice(0, variables[0].name.lastIndexOf('/')) : 'layer';
  if (values.length !== variables.length)
    throw pyError(
      'ValueError',
      `You called \`set_weights(weights)\` on layer "${layerName}" with a weight list of length ${values.length}, but the layer was expecting ${variables.length} weights.`,
      span,
    );
  // Every shape is checked before any variable changes, as Keras does.
  const nodes = variables.map((v, i) => {
    const node = rt.rt.b.toTensor(toGraphValue(rt, values[i], span), span, v.node.type.dtype);
    const want = v.node.type.shape ?? [];
    const got = node.type.shape ?? [];
    if (want.length !== got.length || want.some((d, k) => d !== got[k]))
      throw pyError(
        'ValueError',
        `Layer ${layerName} weight shape ${tfShape(want)} is not compatible with provided weight shape ${tfShape(got)}.`,
        span,
      );
    return node;
  });
  variables.forEach((v, i) => v.assignEager(rt, 'assign', new GraphTensor(nodes[i], rt.rt), span, site));
}
