// Resolves the workspace's @roomledger/* aliases to the compiled files in dist/ at run time.
const path = require('node:path');
const { register } = require('tsconfig-paths');
const { compilerOptions } = require('../tsconfig.base.json');

register({ baseUrl: path.join(__dirname, '../dist'), paths: compilerOptions.paths, addMatchAll: false });
