// The policy SDK reports this error, thrown by a rule, as an advisory diagnostic of that rule
// ("can't run policy … during preview: <message>"): the path it takes for values a preview
// cannot know. A rule throws it, through cannotVerify, for anything else it cannot know either.
// tests/policy/pack.spec.ts holds the SDK to it over gRPC.
// The class is internal to the SDK (no type declaration), hence the narrow cast.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { UnknownValueError, unknownObjectValue } = require("@pulumi/policy/proxy") as {
    UnknownValueError: new (sentinel: string, path: string[]) => Error; unknownObjectValue: string;
};

/** Stops a rule with an advisory "cannot verify: …" instead of passing silently. */
export function cannotVerify(message: string): never {
    const e = new UnknownValueError(unknownObjectValue, []);
    e.message = `cannot verify: ${message}`;
    throw e;
}

/** Whether a rule stopped through cannotVerify (or met a value a preview cannot know). */
export function isCannotVerify(e: unknown): e is Error {
    return e instanceof UnknownValueError;
}
