import type { BuildOptions, Plugin } from 'esbuild';

export declare const NODE_BUNDLE: BuildOptions;
export declare const NODE_BUNDLES: readonly { entry: string; file: string; plugins?: Plugin[] }[];
