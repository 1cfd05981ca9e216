// typescript-eslint's recommended rules over the project's TypeScript and JavaScript (https://typescript-eslint.io).
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "out/", ".cache/", "bin/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // A leading underscore marks what a destructuring leaves out on purpose.
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
        },
    },
    // Tests mutate rendered objects freely: any is the honest type there.
    { files: ["tests/**/*.ts"], rules: { "@typescript-eslint/no-explicit-any": "off" } },
    // Plain CommonJS that must run before any compiler is registered (tools/bench/host.js).
    { files: ["**/*.js"], languageOptions: { sourceType: "commonjs", globals: globals.node }, rules: { "@typescript-eslint/no-require-imports": "off" } },
);
