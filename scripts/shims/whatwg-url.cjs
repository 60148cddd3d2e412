// Stands in for the whatwg-url package in the CLI bundle. node-fetch 2 (client-node's
// dependency) requires it but uses Node's own url.URL whenever that exists, which it
// does on every Node Eastern supports; the package (with tr46's Unicode tables, about
// 350 KB) would only be parsed and initialised on every cluster command.
'use strict';
const { URL, URLSearchParams } = require('node:url');
module.exports = { URL, URLSearchParams };
