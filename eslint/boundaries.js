// Layer walls: which part of src/ may import which, enforced by `npm run lint`.
//
// Every wall is an `import-x/no-restricted-paths` zone. The rule resolves each
// import to a real file (through the TypeScript resolver, so `../db/database.js`
// is src/db/database.ts) and compares paths, so a crossing is caught however
// deep the relative path, for `import type`, `export … from` and `import()` alike.
// test/lint/boundaries.test.ts proves that every zone fires.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';

const REPO_ROOT = path.dirname(import.meta.dirname);

// Files exempted from every wall below (exact paths, relative to the root). Empty since the issue-10
// refactor landed; test/lint/boundaries.test.ts fails on an entry that no longer crosses. Never add to it.
export const KNOWN_CROSSINGS = [];

const FACE = 'index.ts';

// The modules that exist under src/modules/, read when the config loads, so a
// new module gets its wall without editing this file.
function modulesUnder(root) {
  try {
    return readdirSync(path.join(root, 'src/modules'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * The zones for a tree laid out as Bindery's src/ is, rooted at `root`.
 * `target` and `from` are relative to `root` (the rule's basePath); a glob
 * `except` is matched against the absolute path as it stands, hence `abs()`.
 */
export function layerZones(root) {
  const abs = (p) => path.join(root, p);
  const HTTP = ['src/routes', 'src/plugins'];
  const anyModuleInternals = { from: 'src/modules/*/**', except: [abs(`src/modules/*/${FACE}`)] };

  const zones = [
    // routes/ and plugins/: HTTP only.
    {
      target: HTTP,
      from: 'src/db',
      message: 'Routes and plugins never touch src/db: ask a module (through its index.ts face) for what you need.',
    },
    {
      target: HTTP,
      ...anyModuleInternals,
      message: 'Routes and plugins reach a module through its index.ts face: import from src/modules/<name>/index.js.',
    },
    {
      target: HTTP,
      from: 'src/services/**/*-repository.ts',
      message: 'Routes and plugins never import a repository: go through the service (or the module face) that owns it.',
    },

    // lib/: ports around I/O and nondeterminism, below every rule and every config.
    {
      target: 'src/lib',
      from: ['src/modules', 'src/services'],
      message: 'lib/ knows no rules: move the code into the module that owns the rule, or take what lib/ needs as a parameter.',
    },
    {
      target: 'src/lib',
      from: ['src/config.ts', 'src/config'],
      message: 'lib/ knows no config: take the value as a parameter; the composition root (src/container.ts) reads the config.',
    },
    {
      target: 'src/lib',
      from: ['src/routes', 'src/plugins', 'src/container.ts', 'src/app.ts'],
      message: 'lib/ sits below HTTP and the composition root: the caller passes lib/ what it needs.',
    },

    // modules/: rules and persistence, no HTTP.
    {
      target: 'src/modules',
      from: ['src/routes', 'src/plugins', 'src/app.ts', 'src/server.ts'],
      message: 'Modules know no HTTP: return values or throw AppError, and let the route shape the response.',
    },
    {
      target: 'src/modules',
      // Absolute globs: node_modules may be a symlink, and the resolver returns real paths.
      from: ['/**/node_modules/fastify/**', '/**/node_modules/@fastify/**'],
      message: 'Modules know no Fastify: take plain values (ids, client info), and leave requests and replies to routes and plugins.',
    },

    // db/: the bottom layer.
    {
      target: 'src/db',
      from: ['src/modules', 'src/services', 'src/routes', 'src/plugins'],
      message: 'src/db is the bottom layer: it knows tables and connections, not the modules, routes or plugins built on it.',
    },

    // schemas/: contracts; they may name a module's types, through its face only.
    {
      target: 'src/schemas',
      ...anyModuleInternals,
      message: 'Schemas reach a module through its index.ts face: import from src/modules/<name>/index.js.',
    },
    {
      target: 'src/schemas',
      from: ['src/db', 'src/services', 'src/routes', 'src/plugins'],
      message: 'Schemas are HTTP contracts: they import TypeBox, other schemas and module faces only.',
    },
  ];

  // A module reaches another module only through that module's face; within its own module anything goes.
  const modules = modulesUnder(root);
  for (const name of modules) {
    const others = modules.filter((other) => other !== name).map((other) => `src/modules/${other}`);
    if (others.length === 0) continue;
    zones.push({
      target: others,
      from: `src/modules/${name}`,
      except: [`./${FACE}`],
      message: `Another module reaches src/modules/${name} only through its face: import from src/modules/${name}/index.js.`,
    });
  }
  return zones;
}

/** Flat-config objects for the walls of the tree rooted at `root` (the repository by default). */
export function boundaries(root = REPO_ROOT, { knownCrossings = KNOWN_CROSSINGS } = {}) {
  return [
    {
      name: 'bindery/layer-walls',
      files: ['src/**/*.ts'],
      ignores: knownCrossings,
      plugins: { 'import-x': importX },
      settings: {
        'import-x/resolver-next': [createTypeScriptImportResolver({ project: path.join(REPO_ROOT, 'tsconfig.json') })],
      },
      rules: {
        'import-x/no-restricted-paths': ['error', { basePath: root, zones: layerZones(root) }],
      },
    },
  ];
}
