// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');
const swcTransform = base.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  ...base,
  // A guard against a hung test, not a speed requirement: the heaviest test needs about one
  // second of CPU, and on a machine whose cores are busy with other work a second of CPU can take
  // many seconds of wall time. Jest's default of 5 s would turn that load into failures.
  testTimeout: 120000,
  transform: {
    ...base.transform,
    // Some of @grafana/data's dependencies (d3-*) ship only ES modules as .mjs files.
    '^.+\\.mjs$': swcTransform,
  },
  // Packages that ship only ES modules and came with @grafana 13: @react-hookz/web (with
  // @ver0/deep-equal) from @grafana/data, @marcbachmann/cel-js from @grafana/plugin-ui.
  transformIgnorePatterns: [
    nodeModulesToTransform([...grafanaESModules, '@react-hookz/web', '@ver0/deep-equal', '@marcbachmann/cel-js']),
  ],
};
