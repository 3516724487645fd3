// Types for eslint/boundaries.js, so that TypeScript tests can import it.
import type { Linter } from 'eslint';

export declare const KNOWN_CROSSINGS: readonly string[];

export interface Zone {
  target: string | string[];
  from: string | string[];
  except?: string[];
  message: string;
}

export declare function layerZones(root: string): Zone[];

export declare function boundaries(root?: string, options?: { knownCrossings?: readonly string[] }): Linter.Config[];
