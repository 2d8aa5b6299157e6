// One gateway for the whole run, on a free port with a fresh database. Its URL reaches the
// workers through process.env (set before they start).
import { startGateway, removeDataDir } from "./gateway";

export default async function globalSetup() {
  const gateway = await startGateway();
  process.env.BASE_URL = gateway.url;
  return async () => {
    const code = await gateway.stop();
    removeDataDir(gateway.dataDir);
    if (code !== 0) throw new Error(`gateway exited with code ${code} on SIGTERM`);
  };
}
