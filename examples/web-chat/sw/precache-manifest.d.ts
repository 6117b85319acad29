/** Written by the build (`service-worker-plugin.ts`): what this version of the app is made of. */
declare module 'virtual:precache-manifest' {
  const manifest: {
    /** Paths relative to the app's root: `index.html`, `assets/index-…js`, `favicon.svg`, … */
    files: string[];
    /** A hash of those files' names and contents: it names this version's cache. */
    version: string;
  };
  export default manifest;
}
