import { shareRenders } from "./render";

// Loaded by the unit tests' mocha config (.mocharc.json) in every worker: a render the unit
// tests ask for twice is made once (most of npm test's time is renders).
shareRenders();
