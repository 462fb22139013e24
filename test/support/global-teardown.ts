/** jest globalTeardown (configured in .projenrc.ts): removes this run's temporary directory; see tmpdir.ts. */
import { removeRunTmpdir } from './tmpdir';

export default function globalTeardown(): void {
  removeRunTmpdir();
}
