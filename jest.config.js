// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const swcTransform = base.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  ...base,
  transform: {
    ...base.transform,
    // Some of @grafana/data's dependencies (d3-*) ship only ES modules as .mjs files.
    '^.+\\.mjs$': swcTransform,
  },
};
