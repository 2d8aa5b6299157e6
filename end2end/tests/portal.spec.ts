import { test, expect, expectAccessible, screenshot, waitForHydration, devSignIn } from "./support";

test("signed out, /settings leads to the development sign-in and back", async ({ page }) => {
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/auth\/dev\/login\?next=(%2F|\/)settings$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByText("Development sign-in", { exact: true })).toBeVisible();
  await waitForHydration(page);
  await expectAccessible(page, "dev sign-in");
  await screenshot(page, "01-dev-sign-in");

  await devSignIn(page, "Ada Lovelace", "ada@example.com");
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
});

test("a refused sign-in keeps what was typed and says what is wrong, per field", async ({ page }) => {
  await page.goto("/auth/dev/login");
  await waitForHydration(page);
  await page.getByLabel("Name").fill("Grace");
  await page.getByLabel("Email").fill("grace-at-example");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Enter an email address like name@example.com.")).toBeVisible();
  await expect(page.getByLabel("Name")).toHaveValue("Grace");
  await expect(page.getByLabel("Email")).toHaveValue("grace-at-example");
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page, "dev sign-in with errors");
  await screenshot(page, "02-dev-sign-in-errors");
});

test("settings greets the user; the copy control works only once hydrated", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto("/auth/dev/login?next=/settings");
  await devSignIn(page, "Ada Lovelace", "ada@example.com");
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await waitForHydration(page);
  const mcpUrl = await page.getByRole("textbox", { name: "MCP server URL" }).inputValue();
  expect(mcpUrl).toBe(`${process.env.BASE_URL}/v1/mcp`);

  await page.getByRole("button", { name: "Copy the MCP server URL" }).click();
  await expect(page.getByRole("status").getByText("MCP server URL copied to the clipboard.")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(mcpUrl);
  await expectAccessible(page, "settings");
  await screenshot(page, "03-settings");
});

test("without the wasm bundle the copy control does nothing (proof the test above needs hydration)", async ({
  browser,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL: process.env.BASE_URL });
  const page = await context.newPage();
  await page.goto("/auth/dev/login?next=/settings");
  await devSignIn(page, "Ada Lovelace", "ada@example.com");
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await page.getByRole("button", { name: "Copy the MCP server URL" }).click();
  await page.waitForTimeout(500);
  await expect(page.getByText("MCP server URL copied to the clipboard.")).toHaveCount(0);
  await context.close();
});

test("navigation reaches connections and the organisation; keyboard users can skip to content", async ({ page }) => {
  await page.goto("/auth/dev/login?next=/settings");
  await devSignIn(page, "Ada Lovelace", "ada@example.com");
  await waitForHydration(page);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Settings" })).toHaveAttribute("aria-current", "page");

  await nav.getByRole("link", { name: "Connections" }).click();
  await expect(page).toHaveURL(/\/connections$/);
  await expect(page.getByRole("heading", { name: "Connections", level: 1 })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Connections" })).toHaveAttribute("aria-current", "page");
  await expectAccessible(page, "connections");
  await screenshot(page, "04-connections");

  await nav.getByRole("link", { name: "Organisation" }).click();
  await expect(page).toHaveURL(/\/organisation$/);
  await expect(page.getByRole("heading", { name: "Organisation", level: 1 })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Organisation" })).toHaveAttribute("aria-current", "page");
  await expectAccessible(page, "organisation");
  await screenshot(page, "05-organisation");

  // On a fresh page load the first Tab reaches the skip link, which moves focus to the content.
  await page.goto("/organisation");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/organisation#main$/);
});

test("sign-out ends the session", async ({ page }) => {
  await page.goto("/auth/dev/login?next=/settings");
  await devSignIn(page, "Ada Lovelace", "ada@example.com");
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/signed-out$/);
  await expect(page.getByRole("heading", { name: "You have signed out" })).toBeVisible();
  await expectAccessible(page, "signed out");
  await screenshot(page, "06-signed-out");
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/auth\/dev\/login/);
});

test("sign out everywhere ends the user's sessions in other browsers too", async ({ page, browser }) => {
  const other = await browser.newContext({ baseURL: process.env.BASE_URL });
  const otherPage = await other.newPage();
  for (const p of [page, otherPage]) {
    await p.goto("/auth/dev/login?next=/settings");
    await devSignIn(p, "Lin Chen", "lin@example.com");
    await expect(p.getByRole("heading", { name: "Welcome, Lin Chen" })).toBeVisible();
  }
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL(/\/signed-out$/);
  await otherPage.goto("/settings");
  await expect(otherPage).toHaveURL(/\/auth\/dev\/login/);
  await other.close();
});

test("an unknown page is a helpful 404", async ({ page }) => {
  const response = await page.goto("/nothing/here");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expectAccessible(page, "404");
  await screenshot(page, "07-not-found");
});

test("the portal works on a phone-sized screen", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto("/auth/dev/login?next=/settings");
  await devSignIn(page, "Ada Lovelace", "ada@example.com");
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "no horizontal scrolling").toBeLessThanOrEqual(0);
  await expectAccessible(page, "settings (mobile)");
  await screenshot(page, "08-settings-mobile");
});
