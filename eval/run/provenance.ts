/** Where a run's code came from; it lives in src/provenance (generated files record it too). */
export { codeVersion, type CodeVersion } from '../../src/provenance/code-version.js';
