// A signed-in browser stays signed in across a gateway restart (sessions live in the database).
import { test, expect, devSignIn } from "./support";
import { startGateway, removeDataDir } from "../gateway";

test("after a restart the browser is still signed in", async ({ browser }) => {
  const first = await startGateway();
  const port = Number(new URL(first.url).port);
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${first.url}/auth/dev/login?next=/settings`);
    await devSignIn(page, "Restart Tester", "restart@example.com");
    await expect(page.getByRole("heading", { name: "Welcome, Restart Tester" })).toBeVisible();

    expect(await first.stop()).toBe(0);
    const second = await startGateway({ dataDir: first.dataDir, port });
    try {
      await page.goto(`${second.url}/settings`);
      await expect(page).toHaveURL(`${second.url}/settings`);
      await expect(page.getByRole("heading", { name: "Welcome, Restart Tester" })).toBeVisible();
    } finally {
      await second.stop();
    }
  } finally {
    await context.close();
    await first.stop();
    removeDataDir(first.dataDir);
  }
});
