// Connections: a newcomer connects the built-in Demo vendor; IT Glue against its local fake with a
// wrong key first (precise error, form kept) and then the right one; re-test; the connection in
// effect per slug as a member of two teams, with a chosen default; disconnect; tool access edited
// by the owner and read-only for a member; axe-core on each state; a phone-width check.
// Own gateway and vendor fakes, serial.
import type { Browser, Page } from "@playwright/test";
import { test, expect, waitForHydration, watchForProblems, devSignIn, checkPage } from "./support";
import { startGateway, removeDataDir, Gateway } from "../gateway";
import { startFakes, Fakes } from "../fakes";

test.describe.configure({ mode: "serial" });

let gw: Gateway;
let fakes: Fakes;

test.beforeAll(async () => {
  fakes = await startFakes();
  gw = await startGateway({
    env: {
      GATEWAY_OPERATORS: "dev:olivia@example.com",
      GATEWAY_OUTBOUND_ORIGIN_OVERRIDES: JSON.stringify(fakes.overrides),
      GATEWAY_EGRESS_IP: "203.0.113.7",
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

async function signIn(page: Page, path: string, name: string, email: string) {
  await page.goto(url(path));
  await expect(page).toHaveURL(/\/auth\/dev\/login/);
  await devSignIn(page, name, email);
  await expect(page).toHaveURL(url(path));
}

async function newBrowserPage(browser: Browser, problems: string[]) {
  const context = await browser.newContext();
  const page = await context.newPage();
  watchForProblems(page, problems);
  return { context, page };
}

async function openConnect(page: Page, vendor: string) {
  await page.getByLabel("Search vendors").fill(vendor);
  await page.getByRole("button", { name: `Connect ${vendor}` }).click();
  await expect(page.getByRole("heading", { name: `Connect ${vendor}` })).toBeFocused();
}

test("a newcomer connects the Demo vendor and sees it in effect", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, "/connections", "Nina Newcomer", "nina@example.com");
  await waitForHydration(page);
  await expect(page.getByText("Nothing yet: your AI clients see only the gateway's own tools")).toBeVisible();
  await checkPage(page, "connections-01-empty");
  await openConnect(page, "Demo MSP");
  await page.getByLabel("API key", { exact: true }).fill("anything-goes-here");
  await checkPage(page, "connections-02-connect-demo");
  await page.getByRole("button", { name: "Test & connect" }).click();
  await expect(page.locator("#effective")).toContainText("demo__…");
  await expect(page.locator("#effective")).toContainText("Your personal connection");
  const card = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Demo MSP" }) });
  await expect(card.getByText("Working", { exact: true })).toBeVisible();
  await expect(card).not.toContainText("anything-goes-here");
  await card.getByRole("button", { name: /^Re-test/ }).click();
  await expect(page.getByText("Demo MSP (sample data)").first()).toBeVisible();
  await checkPage(page, "connections-03-demo-connected");
});

test("IT Glue: a wrong key is refused precisely and the form is kept; the right one connects", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, "/connections", "Nina Newcomer", "nina@example.com");
  await waitForHydration(page);
  await openConnect(page, "IT Glue");
  await page.getByLabel("Data center").selectOption("us");
  await page.getByLabel("API key", { exact: true }).fill("ITG.wrong-key");
  await page.getByRole("button", { name: "Test & connect" }).click();
  const error = page.locator("#connect-error");
  await expect(error).toContainText(/rejected/i);
  // Nothing was saved, and what was typed is still there.
  await expect(page.getByLabel("API key", { exact: true })).toHaveValue("ITG.wrong-key");
  await expect(page.locator("#effective")).not.toContainText("itglue__");
  await checkPage(page, "connections-04-itglue-rejected");
  await page.getByLabel("API key", { exact: true }).fill(fakes.itglueKey);
  await page.getByRole("button", { name: "Test & connect" }).click();
  await expect(page.locator("#effective")).toContainText("itglue__…");
  const card = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "IT Glue" }) });
  await expect(card.getByText("Working", { exact: true })).toBeVisible();
  await expect(card).toContainText("••••");
  await expect(card).not.toContainText(fakes.itglueKey);
  // Disconnect, confirmed in place.
  await card.getByText("Disconnect…").click();
  await card.getByRole("button", { name: "Disconnect", exact: true }).click();
  await expect(page.locator("#effective")).not.toContainText("itglue__");
});

test("a member of two teams sees which connection is in effect and chooses a default", async ({ page, browser }) => {
  test.setTimeout(180_000);
  // Olivia (operator) makes a Pro invite code for herself, creates an organisation and two teams.
  await signIn(page, "/admin", "Olivia Owner", "olivia@example.com");
  await waitForHydration(page);
  await page.getByLabel("For (label)").fill("Connections test");
  await page.getByLabel("Maximum uses").fill("1");
  await page.getByRole("button", { name: "Create invite code" }).click();
  const code = await page.getByRole("textbox", { name: "New invite code" }).inputValue();
  await page.goto(url("/settings"));
  await waitForHydration(page);
  await page.getByLabel("Organisation name").fill("Acme IT");
  await page.getByLabel(/Invite code/).fill(code);
  await page.getByRole("button", { name: "Create an organisation" }).click();
  await expect(page.locator("#organization-plan")).toHaveText("Pro");
  await page.goto(url("/organisation"));
  await waitForHydration(page);
  for (const team of ["Red", "Blue"]) {
    await page.getByLabel("New team").fill(team);
    await page.getByRole("button", { name: "Create team" }).click();
    await expect(page.locator("#teams")).toContainText(team);
  }
  await page.getByRole("button", { name: "Create invite link" }).click();
  const link = await page.getByRole("textbox", { name: "New invite link" }).inputValue();

  const problems: string[] = [];
  const mia = await newBrowserPage(browser, problems);
  await mia.page.goto(link);
  await devSignIn(mia.page, "Mia Member", "mia@example.com");
  await mia.page.getByRole("button", { name: /Accept & Join/ }).click();
  await expect(mia.page).toHaveURL(/\/settings|\/organisation/);

  // Olivia puts Mia in both teams and connects the Demo vendor for each team.
  await page.reload();
  await waitForHydration(page);
  for (const team of ["Red", "Blue"]) {
    await page.getByLabel(`Member to add to ${team}`).selectOption({ label: "Mia Member" });
    await page.getByRole("button", { name: `Add to ${team}` }).click();
    await expect(page.locator(`#teams li[data-team="${team}"]`)).toContainText("Mia Member");
  }
  await page.goto(url("/connections"));
  await waitForHydration(page);
  for (const team of ["Red", "Blue"]) {
    await openConnect(page, "Demo MSP");
    await page.getByLabel("Who uses it", { exact: true }).selectOption({ label: `Team “${team}” — its members` });
    await page.getByLabel("API key", { exact: true }).fill(`${team}-key-0123456789`);
    await page.getByLabel("Name", { exact: true }).fill(`Demo for ${team}`);
    await page.getByRole("button", { name: "Test & connect" }).click();
    await expect(page.getByRole("heading", { name: `Demo for ${team}` })).toBeVisible();
  }

  // Mia: two teams offer "demo"; Blue comes first by name until she chooses Red.
  await mia.page.goto(url("/connections"));
  await waitForHydration(mia.page);
  const row = mia.page.locator("#effective tr", { hasText: "demo__" });
  await expect(row).toContainText("Demo for Blue");
  await expect(row).toContainText("2 of your teams offer this slug");
  await mia.page.getByLabel("Default for demo").selectOption({ label: "Team “Red”" });
  await mia.page.getByRole("button", { name: "Save default" }).click();
  await expect(row).toContainText("Demo for Red");
  await expect(row).toContainText("Your chosen default");
  // A member sees team connections but cannot edit them.
  await expect(mia.page.getByRole("button", { name: "Edit Demo for Red" })).toHaveCount(0);
  await checkPage(mia.page, "connections-05-member-effective");

  // Tool access: read-only for Mia, with the reason.
  await expect(mia.page.locator("#tool-access-unavailable")).toContainText(/owner and admins/);
  await expect(mia.page.getByRole("button", { name: "Save list" })).toBeDisabled();

  // Olivia restricts members to listing companies.
  await page.reload();
  await waitForHydration(page);
  await page.getByLabel("Applies to", { exact: true }).selectOption({ label: "Members" });
  await page.getByLabel("Vendor", { exact: true }).selectOption({ label: "Demo MSP" });
  await expect(page.locator("#tool-list_companies")).toBeVisible();
  const tools = page.locator(".tool-checklist input[type=checkbox]");
  const count = await tools.count();
  for (let i = 0; i < count; i++) await tools.nth(i).uncheck();
  await page.locator("#tool-list_companies").check();
  await page.getByRole("button", { name: "Save list" }).click();
  await expect(page.locator("#access-state")).toContainText(`A list is saved: 1 of ${count} tools allowed.`);
  await checkPage(page, "connections-06-tool-access-owner");

  // Phone width: the page still works and stays accessible.
  await mia.page.setViewportSize({ width: 390, height: 844 });
  await mia.page.reload();
  await expect(mia.page.locator("#effective")).toContainText("Demo for Red");
  await checkPage(mia.page, "connections-07-phone");
  const overflow = await mia.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "no horizontal scrolling of the page").toBeLessThanOrEqual(0);
  await mia.context.close();
  expect(problems).toEqual([]);
});
