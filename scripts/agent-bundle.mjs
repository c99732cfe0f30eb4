// The agent executable's script (see build-agents.mjs): packages/agent/dist/sea/main.js and all it
// imports, bundled by esbuild into one CommonJS script for a Node single-executable application.
// Such a script can require() only Node's built-in modules and cannot import() at all, so:
//   - `createRequire(import.meta.url)('ws')` in our dist files becomes `require('ws')` (bundled);
//   - node-pty's lib/utils.js (which require()s build/Release/pty.node) is replaced by a module that
//     hands the embedded addon to packages/agent/dist/sea/pty.js;
//   - bufferutil and utf-8-validate are left out: ws require()s them in a try and falls back to JS;
//   - PRODUCT_VERSION comes from `--version` (esbuild define), MESHWORK_TEST_FAULT from `--test-fault`;
//   - any import.meta left, or any import() of something not bundled, fails the build.
// The output depends only on the sources, the version, the fault and the addon bytes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const NS = 'meshwork-sea';
const LEFT_OUT = ['bufferutil', 'utf-8-validate'];

/** @returns {Promise<string>} the script */
export async function bundleAgent({ root, version, fault, addons }) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'packages', 'agent', 'dist', 'sea', 'main.js')],
    outfile: 'meshwork-agent.cjs',
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    define: { MESHWORK_PRODUCT_VERSION: JSON.stringify(version), MESHWORK_TEST_FAULT: JSON.stringify(fault) },
    plugins: [ourDistFiles(root), embeddedPty(root, addons.pty), leftOut()],
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
  });
  const problems = [
    ...result.warnings.filter((w) => /import\.meta/.test(w.text)).map((w) => `import.meta in ${w.location?.file}`),
    ...Object.values(result.metafile.inputs).flatMap((i) => i.imports.filter((m) => m.external && (m.kind === 'dynamic-import' || !/^node:|^[a-z_]+$/.test(m.path))).map((m) => `${m.kind} of ${m.path}`)),
  ];
  if (problems.length) throw new Error(`the agent bundle would break in the executable: ${problems.join(', ')}`);
  return result.outputFiles[0].text;
}

/** Our compiled modules: createRequire(import.meta.url)(x) → require(x); PRODUCT_VERSION from the build. */
function ourDistFiles(root) {
  const versionFile = join(root, 'packages', 'protocol', 'dist', 'version.js');
  return {
    name: 'meshwork-dist-files',
    setup(b) {
      b.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]dist[\\/].*\.js$/ }, (args) => {
        let text = readFileSync(args.path, 'utf8');
        text = text.replace(/\bcreateRequire\(import\.meta\.url\)\(/g, 'require(');
        if (args.path === versionFile) {
          const re = /export const PRODUCT_VERSION = '[^']*';/;
          if (!re.test(text)) throw new Error(`${versionFile}: no PRODUCT_VERSION constant to replace`);
          text = text.replace(re, 'export const PRODUCT_VERSION = MESHWORK_PRODUCT_VERSION;');
        }
        return { contents: text, loader: 'js' };
      });
    },
  };
}

/** node-pty/lib/utils.js → its assign() plus a loadNativeModule() that loads the embedded pty addon. */
function embeddedPty(root, pty) {
  const loader = join(root, 'packages', 'agent', 'dist', 'sea', 'pty.js');
  return {
    name: 'meshwork-embedded-pty',
    setup(b) {
      b.onResolve({ filter: /^\.\/utils$/ }, (args) =>
        /[\\/]node-pty[\\/]lib$/.test(args.resolveDir) ? { path: 'node-pty-utils', namespace: NS } : undefined);
      b.onLoad({ filter: /^node-pty-utils$/, namespace: NS }, () => ({
        loader: 'js',
        resolveDir: root,
        contents: [
          `const { loadPtyModule } = require(${JSON.stringify(loader)});`,
          'exports.assign = (target, ...sources) => { for (const s of sources) for (const k of Object.keys(s)) target[k] = s[k]; return target; };',
          'exports.loadNativeModule = (name) => {',
          "  if (name !== 'pty') throw new Error(`the agent executable has no native module ${name}`);",
          `  return loadPtyModule({ name: 'pty', sha256: ${JSON.stringify(pty.sha256)}, bytes: Buffer.from(${JSON.stringify(Buffer.from(pty.bytes).toString('base64'))}, 'base64') });`,
          '};',
        ].join('\n'),
      }));
    },
  };
}

function leftOut() {
  const filter = new RegExp(`^(${LEFT_OUT.join('|')})$`);
  return {
    name: 'meshwork-left-out',
    setup(b) {
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace: NS }));
      b.onLoad({ filter, namespace: NS }, (args) => ({
        loader: 'js',
        contents: `throw Object.assign(new Error(${JSON.stringify(`${args.path} is left out of the agent executable`)}), { code: 'MODULE_NOT_FOUND' });`,
      }));
    },
  };
}
