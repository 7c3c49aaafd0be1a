import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The web app builds to web/dist, which the API server serves at /. In development
 * (`npm run dev`) Vite serves it with hot reload and proxies the API to the server.
 */
const apiTarget = process.env.LEADAI_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Budget: initial JS under 300 KB gzipped (checked by test/web-bundle.test.ts).
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: Number(process.env.WEB_PORT ?? 5173),
    strictPort: false,
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/t.js': { target: apiTarget, changeOrigin: false },
    },
  },
});
