// ESLint with Raycast's shared configuration (the rules `ray lint` applies).
import { defineConfig } from "eslint/config";
import raycastConfig from "@raycast/eslint-config";

export default defineConfig([{ ignores: ["dist/", "node_modules/", "raycast-env.d.ts"] }, ...raycastConfig]);
