/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The service worker's file under the app's base (`sw.js`), set by the build; undefined in `npm run dev`. */
  readonly SERVICE_WORKER?: string;
}
