// Microsoft 365, connected by signing in: Connect with Microsoft opens the Microsoft 365 fake's
// consent page (reached through the same outbound_origin_overrides mapping), Accept comes back to
// the gateway and the card is working; the fake then refuses refresh tokens, a re-test finds the
// connection "Needs reconnecting", and Reconnect restores the same connection. axe-core on each
// state. Own gateway and vendor fakes, serial.
import type { Page } from "@playwright/test";
import { test, expect, expectAccessible, screenshot, waitForHydration, devSignIn, checkPage } from "./support";
import { startGateway, removeDataDir, Gateway } from "../gateway";
import { startFakes, Fakes } from "../fakes";

test.describe.configure({ mode: "serial" });

let gw: Gateway;
let fakes: Fakes;

test.beforeAll(async () => {
  fakes = await startFakes();
  gw = await startGateway({
    env: {
      GATEWAY_OUTBOUND_ORIGIN_OVERRIDES: JSON.stringify(fakes.overrides),
      GATEWAY_VENDOR_OAUTH__MICROSOFT_365__CLIENT_ID: "6731de76-14a6-49ae-97bc-6eba6914391e",
      GATEWAY_VENDOR_OAUTH__MICROSOFT_365__CLIENT_SECRET: "fake-m365-secret~0123456789abcdef",
    },
  });
});

test.afterAll(async () => {
  const code = await gw?.stop();
  if (gw) removeDataDir(gw.dataDir);
  await fakes?.stop();
  expect(code, "gateway exits cleanly on SIGTERM").toBe(0);
});

const url = (path: string) => `${gw.url}${path}`;

test("Microsoft 365: connect by consent, a refused refresh needs reconnecting, Reconnect restores it", async ({ page }) => {
  test.setTimeout(120_000);
  // Short-lived tokens: every call and re-test refreshes.
  await fakes.send("microsoft365", "token_lifetime:60");
  await page.goto(url("/connections"));
  await devSignIn(page, "Mona Tech", "mona@example.com");
  await expect(page).toHaveURL(url("/connections"));
  await waitForHydration(page);
  await page.getByLabel("Search vendors").fill("Microsoft 365");
  await page.getByRole("button", { name: "Connect Microsoft 365" }).click();
  await expect(page.getByRole("heading", { name: "Connect Microsoft 365" })).toBeFocused();
  await page.getByLabel("Customer tenant").fill("contoso.onmicrosoft.com");
  await checkPage(page, "m365-01-connect");
  await page.getByRole("button", { name: "Connect with Microsoft" }).click();

  // The vendor's consent page (the fake), then back to the gateway.
  await expect(page.getByRole("heading", { name: "Permissions requested" })).toBeVisible();
  await screenshot(page, "m365-02-consent");
  await page.getByRole("button", { name: "Accept" }).click();
  await expect(page).toHaveURL(/\/connections#connection-/);
  await waitForHydration(page);
  const card = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Microsoft 365" }) });
  await expect(card.getByText("Working", { exact: true })).toBeVisible();
  await expect(card).toContainText("Signed in with Microsoft");
  await expect(page.locator("#effective")).toContainText("microsoft-365__…");
  await checkPage(page, "m365-03-connected");

  // Microsoft refuses the refresh token: the re-test finds the connection needs reconnecting.
  await fakes.send("microsoft365", "refuse_refresh");
  await card.getByRole("button", { name: /^Re-test/ }).click();
  await expect(card.getByText("Needs reconnecting", { exact: true })).toBeVisible();
  await checkPage(page, "m365-04-needs-reconnecting");

  // Reconnect: the same connection is working again.
  await fakes.send("microsoft365", "token_lifetime:3599");
  await card.getByRole("button", { name: /^Reconnect/ }).click();
  await expect(page.getByRole("heading", { name: "Permissions requested" })).toBeVisible();
  await page.getByRole("button", { name: "Accept" }).click();
  await expect(page).toHaveURL(/\/connections#connection-/);
  await waitForHydration(page);
  await expect(card.getByText("Working", { exact: true })).toBeVisible();
  await expect(page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Microsoft 365" }) })).toHaveCount(1);
  await checkPage(page, "m365-05-reconnected");
});

test("Microsoft 365: a forged answer at the callback is refused with a clear page", async ({ page }) => {
  await page.goto(url("/connections"));
  await devSignIn(page, "Mona Tech", "mona@example.com");
  await page.goto(url("/connections/oauth/callback?code=forged&state=forged"));
  await expect(page.getByRole("heading", { name: "The connection was not made" })).toBeVisible();
  await expect(page.locator("#consent-refusal")).toContainText("not one the gateway is waiting for");
  await expectAccessible(page, "m365-06-forged-state");
  await screenshot(page, "m365-06-forged-state");
});
