/** jest globalSetup (configured in .projenrc.ts): a fresh temporary directory for this run; see tmpdir.ts. */
import { createRunTmpdir } from './tmpdir';

export default function globalSetup(): void {
  createRunTmpdir();
}
