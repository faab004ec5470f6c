// Import layers from DESIGN.md §2. An arrow means "may import":
//   cmd -> addons, cli, node/*, control-plane/* -> client -> api -> lib
//   control-plane/apiserver -> control-plane/storage -> api, lib
// Components never import each other; only the apiserver and cmd import storage.
// `npm run lint` fails on any violation, and on any import cycle.
const layer = (name) => `^src/${name}/`;
const components = [
  'control-plane/scheduler',
  'control-plane/controller-manager',
  'control-plane/cloud-controller-manager',
  'node/kube-proxy',
  'node/sim',
  'node/routes',
  'node/bootstrap',
  'addons',
];

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'lib-imports-nothing',
      comment: 'src/lib is the foundation: it imports nothing else from src/.',
      severity: 'error',
      from: { path: layer('lib') },
      to: { path: '^src/', pathNot: layer('lib') },
    },
    {
      name: 'api-imports-lib-only',
      severity: 'error',
      from: { path: layer('api') },
      to: { path: '^src/', pathNot: [layer('api'), layer('lib')] },
    },
    {
      name: 'client-imports-api-lib',
      severity: 'error',
      from: { path: layer('client') },
      to: { path: '^src/', pathNot: [layer('client'), layer('api'), layer('lib')] },
    },
    {
      name: 'storage-imports-api-lib',
      severity: 'error',
      from: { path: layer('control-plane/storage') },
      to: { path: '^src/', pathNot: [layer('control-plane/storage'), layer('api'), layer('lib')] },
    },
    {
      name: 'only-apiserver-and-cmd-import-storage',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: [layer('control-plane/storage'), layer('control-plane/apiserver'), layer('cmd')],
      },
      to: { path: layer('control-plane/storage') },
    },
    {
      name: 'apiserver-imports-below-only',
      severity: 'error',
      from: { path: layer('control-plane/apiserver') },
      to: {
        path: '^src/',
        pathNot: [
          layer('control-plane/apiserver'),
          layer('control-plane/storage'),
          layer('client'),
          layer('api'),
          layer('lib'),
        ],
      },
    },
    ...components.map((c) => ({
      name: `component-${c.replace(/\//g, '-')}-talks-through-the-api`,
      comment: 'Components talk to each other only through the API (DESIGN.md §2).',
      severity: 'error',
      from: { path: layer(c) },
      to: { path: '^src/', pathNot: [layer(c), layer('client'), layer('api'), layer('lib')] },
    })),
    {
      name: 'kubelet-imports-runtime-client-api-lib',
      severity: 'error',
      from: { path: layer('node/kubelet') },
      to: {
        path: '^src/',
        pathNot: [layer('node/kubelet'), layer('node/runtime'), layer('client'), layer('api'), layer('lib')],
      },
    },
    {
      name: 'runtime-imports-client-api-lib',
      severity: 'error',
      from: { path: layer('node/runtime') },
      to: { path: '^src/', pathNot: [layer('node/runtime'), layer('client'), layer('api'), layer('lib')] },
    },
    {
      name: 'cli-imports-client-api-lib',
      severity: 'error',
      from: { path: layer('cli') },
      to: { path: '^src/', pathNot: [layer('cli'), layer('client'), layer('api'), layer('lib')] },
    },
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|node_modules)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
