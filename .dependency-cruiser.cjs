/**
 * seamd's layer rule (README "Architecture"): imports only point down this list; repair and
 * telemetry are peers and do not import each other; no import circles anywhere in src/.
 * Checked by `npm test` (`npx depcruise src`); `npm run layers` prints the folder graph.
 */
const LAYERS = [
  ['errors', 'events'],
  ['protocol'],
  ['net'],
  ['seam'],
  ['store'],
  ['upstream'],
  ['source'],
  ['serve'],
  ['repair', 'telemetry'],
  ['daemon'],
  ['cli'],
];

const dirOf = (name) =>
  name === 'errors' || name === 'events' ? `^src/${name}\\.ts$` : `^src/${name}/`;

const forbidden = [
  {
    name: 'no-circular',
    severity: 'error',
    comment: 'An import circle: split the shared part out, or inject it.',
    from: { path: '^src/' },
    to: { circular: true },
  },
];
LAYERS.forEach((level, i) => {
  const above = LAYERS.slice(i + 1).flat();
  for (const name of level) {
    const peers = level.filter((p) => p !== name);
    const banned = [...above, ...peers];
    if (banned.length === 0) continue;
    forbidden.push({
      name: `layer-${name}`,
      severity: 'error',
      comment: `src/${name} may import only layers below it (${LAYERS.slice(0, i).flat().join(', ') || 'none'}).`,
      from: { path: dirOf(name) },
      to: { path: banned.map(dirOf) },
    });
  }
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
    reporterOptions: {
      archi: { collapsePattern: '^src/[^/]+' },
      text: { highlightFocused: true },
    },
  },
};
