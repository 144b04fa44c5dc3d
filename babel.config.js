// Babel strips TypeScript types for jest. Test files stay ES modules; jest loads global setup
// and teardown with require(), and for those (supportsStaticESM false) modules become CommonJS.
export default (api) => {
  const esm = api.caller((caller) => Boolean(caller?.supportsStaticESM));
  return {
    presets: [['@babel/preset-typescript', { onlyRemoveTypeImports: true }]],
    plugins: esm ? [] : ['@babel/plugin-transform-modules-commonjs'],
  };
};
