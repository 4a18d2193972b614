// The tf.image ops models use to prepare their inputs (python/ops/image_ops_impl.py), written
// as TensorFlow writes them, from reversals, slices, pads, sums and means, so that their
// gradients and explanations are those ops'. Float images only: TensorFlow's integer images
// are scaled to [0, 1] first (convert_image_dtype), which tgraph does not model.

import { type BoundArgs, type Builder, BuildError } from '../../builder';
import type { Node } from '../../graph';
import { makeTensor } from '../../tensor';
import { showShape } from '../../types';
import { composite, floatInput } from '../compose';
import { type Param, defineOps } from '../registry';

const IMAGE: Param = { name: 'image', kind: 'tensor', dtypes: 'float' };
const IMAGES: Param = { name: 'images', kind: 'tensor', dtypes: 'float' };
/** crop_to_bounding_box's and pad_to_bounding_box's: the image and where its box is. */
const BOX_PARAMS: readonly Param[] = [
  IMAGE,
  { name: 'offset_height', kind: 'int' },
  { name: 'offset_width', kind: 'int' },
  { name: 'target_height', kind: 'int' },
  { name: 'target_width', kind: 'int' },
];

/** The image argument `name` with its static shape: one image [height, width, channels] or a
 *  batch of them, or (`at least 3`) any number of leading axes before the last three. */
function imageInput(args: BoundArgs, name: string, ranks: 'one or a batch' | 'at least 3'): { x: Node; shape: readonly (number | null)[] } {
  const x = floatInput(args, name);
  const shape = x.type.shape;
  const rankOk = shape !== null && (ranks === 'at least 3' ? shape.length >= 3 : shape.length === 3 || shape.length === 4);
  if (!rankOk)
    throw new BuildError(
      `${args.op.name}(): ${name} must be ${ranks === 'at least 3' ? 'of rank 3 or more (…, height, width, channels)' : '[height, width, channels] or [batch, height, width, channels]'}, got ${showShape(shape)}`,
      args.span(name),
      'shape-mismatch',
    );
  return { x, shape: shape! };
}

/** The known height and width of an image argument (the last three axes are height, width,
 *  channels), or a diagnostic at it. */
function knownSides(args: BoundArgs, name: string, shape: readonly (number | null)[]): [number, number] {
  const [h, w] = shape.slice(-3, -1);
  if (h === null || w === null)
    throw new BuildError(
      `${args.op.name}(): the height and width of ${name} must be known, got ${showShape(shape)}`,
      args.span(name),
      'shape-mismatch',
    );
  return [h, w];
}

/** `x` reversed along the image axis `fromEnd` places before the channels. */
function flip(b: Builder, args: BoundArgs, fromEnd: 2 | 3): Node {
  const { x, shape } = imageInput(args, 'image', 'one or a batch');
  return b.op('reverse', [x], { axis: [shape.length - fromEnd] });
}

/** The window [top, top + height) × [left, left + width) of every image. */
function cropped(b: Builder, x: Node, rank: number, top: number, left: number, height: number, width: number): Node {
  const begin = rank === 4 ? [0, top, left, 0] : [top, left, 0];
  const size = rank === 4 ? [-1, height, width, -1] : [height, width, -1];
  return b.op('slice', [x], { begin, size });
}

/** The four integer arguments of crop_to_bounding_box / pad_to_bounding_box, whose offsets
 *  both refuse below 0. */
function box(args: BoundArgs): { top: number; left: number; height: number; width: number } {
  const top = args.int('offset_height');
  const left = args.int('offset_width');
  const height = args.int('target_height');
  const width = args.int('target_width');
  refuseUnless(args, top >= 0, 'offset_height', 'offset_height must be >= 0');
  refuseUnless(args, left >= 0, 'offset_width', 'offset_width must be >= 0');
  return { top, left, height, width };
}

/** `condition`, or TensorFlow's ValueError for argument `name`. */
function refuseUnless(args: BoundArgs, condition: boolean, name: string, message: string): void {
  if (!condition) throw new BuildError(`${args.op.name}(): ${message}`, args.span(name), 'bad-argument');
}

function cropToBoundingBox(b: Builder, args: BoundArgs): Node {
  const { x, shape } = imageInput(args, 'image', 'one or a batch');
  const [h, w] = knownSides(args, 'image', shape);
  const { top, left, height, width } = box(args);
  refuseUnless(args, height > 0, 'target_height', 'target_height must be > 0');
  refuseUnless(args, width > 0, 'target_width', 'target_width must be > 0');
  refuseUnless(args, h >= top + height, 'target_height', `height must be >= target + offset (${h} < ${height} + ${top})`);
  refuseUnless(args, w >= left + width, 'target_width', `width must be >= target + offset (${w} < ${width} + ${left})`);
  return cropped(b, x, shape.length, top, left, height, width);
}

function padToBoundingBox(b: Builder, args: BoundArgs): Node {
  const { x, shape } = imageInput(args, 'image', 'one or a batch');
  const [h, w] = knownSides(args, 'image', shape);
  const { top, left, height, width } = box(args);
  const below = height - top - h;
  const right = width - left - w;
  refuseUnless(args, below >= 0, 'target_height', `height must be <= target - offset (${h} > ${height} - ${top})`);
  refuseUnless(args, right >= 0, 'target_width', `width must be <= target - offset (${w} > ${width} - ${left})`);
  const sides = [
    [top, below],
    [left, right],
    [0, 0],
  ];
  const paddings = shape.length === 4 ? [[0, 0], ...sides] : sides;
  return b.op('pad', [x], { paddings, mode: 'CONSTANT', constant_values: 0 });
}

/** The central `central_fraction` of each side: TensorFlow rounds the margin down, computed in
 *  doubles, and keeps the sides symmetric. */
function centralCrop(b: Builder, args: BoundArgs): Node {
  const { x, shape } = imageInput(args, 'image', 'one or a batch');
  // A Python float in TensorFlow's arithmetic, not rounded to float32 (0.6 of 5 is 3, not 3.0000001).
  const given = args.value('central_fraction');
  const literal = given.kind === 'tensor' ? b.pythonValue(given.node) : undefined;
  const fraction = typeof literal === 'number' ? literal : args.float('central_fraction');
  refuseUnless(args, fraction > 0 && fraction <= 1, 'central_fraction', `central_fraction must be within (0, 1], got ${fraction}`);
  if (fraction === 1) return x;
  const [h, w] = knownSides(args, 'image', shape);
  const top = Math.trunc((h - h * fraction) / 2);
  const left = Math.trunc((w - w * fraction) / 2);
  return cropped(b, x, shape.length, top, left, h - 2 * top, w - 2 * left);
}

/** The luma of RGB images (ITU-R 601 weights, in float32 as TensorFlow's list of floats). */
function rgbToGrayscale(b: Builder, args: BoundArgs): Node {
  const { x, shape } = imageInput(args, 'images', 'at least 3');
  const channels = shape[shape.length - 1];
  if (channels !== null && channels !== 3)
    throw new BuildError(
      `rgb_to_grayscale(): images must have 3 channels (RGB), got ${showShape(shape)}`,
      args.span('images'),
      'shape-mismatch',
    );
  const weights = b.cast(b.constant(makeTensor('float32', [3], Float32Array.of(0.2989, 0.587, 0.114))), x.type.dtype);
  return b.op('expand_dims', [b.op('reduce_sum', [b.mul(x, weights)], { axis: [-1], keepdims: false })], { axis: -1 });
}

/** (x − mean) · factor + mean, the mean of each channel of each image over its pixels. */
function adjustContrast(b: Builder, args: BoundArgs): Node {
  const { x } = imageInput(args, 'images', 'at least 3');
  const factor = b.cast(args.tensor('contrast_factor', 'float32'), x.type.dtype);
  const mean = b.op('reduce_mean', [x], { axis: [-3, -2], keepdims: true });
  return b.add(b.mul(b.sub(x, mean), factor), mean);
}

/** (x − mean) / max(std, 1/√N) over each image's N values: uniform images stay finite. */
function perImageStandardization(b: Builder, args: BoundArgs): Node {
  const { x: image, shape } = imageInput(args, 'image', 'at least 3');
  const sides = shape.slice(-3);
  if (sides.some((d) => d === null))
    throw new BuildError(
      `per_image_standardization(): the last three sizes of image must be known, got ${showShape(shape)}`,
      args.span('image'),
      'shape-mismatch',
    );
  // TensorFlow computes in float32 whatever the image's dtype.
  const x = b.cast(image, 'float32');
  const axis = [-1, -2, -3];
  const mean = b.op('reduce_mean', [x], { axis, keepdims: true });
  const std = b.op('sqrt', [b.op('reduce_mean', [b.op('square', [b.sub(x, mean)])], { axis, keepdims: true })]);
  const pixels = (sides as number[]).reduce((n, d) => n * d, 1);
  const floor = b.op('rsqrt', [b.scalar(pixels, 'float32')]);
  return b.div(b.sub(x, mean), b.op('maximum', [std, floor]));
}

defineOps([
  composite({
    name: 'flip_left_right',
    doc: 'Mirrors images (HWC or NHWC) left to right: the width axis reversed.',
    params: [IMAGE],
    compose: (b, args) => flip(b, args, 2),
  }),
  composite({
    name: 'flip_up_down',
    doc: 'Mirrors images (HWC or NHWC) upside down: the height axis reversed.',
    params: [IMAGE],
    compose: (b, args) => flip(b, args, 3),
  }),
  composite({
    name: 'crop_to_bounding_box',
    doc: 'The window of images (HWC or NHWC) from (offset_height, offset_width), target_height × target_width.',
    params: BOX_PARAMS,
    compose: cropToBoundingBox,
  }),
  composite({
    name: 'pad_to_bounding_box',
    doc: 'Images (HWC or NHWC) placed at (offset_height, offset_width) in zeros of target_height × target_width.',
    params: BOX_PARAMS,
    compose: padToBoundingBox,
  }),
  composite({
    name: 'central_crop',
    doc: 'The central part of images (HWC or NHWC): central_fraction of each side, margins rounded down as TensorFlow.',
    params: [IMAGE, { name: 'central_fraction', kind: 'float' }],
    compose: centralCrop,
  }),
  composite({
    name: 'rgb_to_grayscale',
    doc: 'The luma of RGB images: 0.2989 R + 0.5870 G + 0.1140 B, with a channel axis of 1.',
    params: [IMAGES],
    compose: rgbToGrayscale,
  }),
  composite({
    name: 'grayscale_to_rgb',
    doc: 'Grayscale images (one channel) repeated into three channels.',
    params: [IMAGES],
    compose: (b, args) => {
      const { x, shape } = imageInput(args, 'images', 'at least 3');
      if (shape[shape.length - 1] !== null && shape[shape.length - 1] !== 1)
        throw new BuildError(
          `grayscale_to_rgb(): images must have 1 channel, got ${showShape(shape)}`,
          args.span('images'),
          'shape-mismatch',
        );
      return b.op('tile', [x], { multiples: [...shape.slice(0, -1).map(() => 1), 3] });
    },
  }),
  composite({
    name: 'adjust_brightness',
    doc: 'Images plus delta (a scalar), in their own dtype.',
    params: [IMAGE, { name: 'delta', kind: 'tensor' }],
    compose: (b, args) => {
      const x = floatInput(args, 'image');
      return b.add(x, b.cast(args.tensor('delta', x.type.dtype), x.type.dtype));
    },
  }),
  composite({
    name: 'adjust_contrast',
    doc: 'Each channel of each image moved from its mean by contrast_factor: (x − mean) · factor + mean.',
    params: [IMAGES, { name: 'contrast_factor', kind: 'tensor' }],
    compose: adjustContrast,
  }),
  composite({
    name: 'per_image_standardization',
    doc: 'Each image (the last three axes) to mean 0 and variance 1: (x − mean) / max(std, 1/√N), in float32.',
    params: [IMAGE],
    compose: perImageStandardization,
  }),
]);
