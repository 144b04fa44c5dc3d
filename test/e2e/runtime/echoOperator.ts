// A tiny operator for runtime e2e tests, started like `autopilot run` (same flags, same runtime).
import { runOperator } from '../../../src/cli/run.js';
import { echoController } from './echo.js';

process.exitCode = await runOperator(process.argv.slice(2), [
  {
    name: 'echo',
    kind: 'ConfigMap',
    flags: {},
    setup: (manager) => void manager.add(echoController(manager)),
  },
]);
