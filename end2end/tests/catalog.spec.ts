// The vendor catalog: every vendor by category with what a connection needs, the search as a plain
// GET form (checked with JavaScript off), keyboard-operable details, a phone width, and connecting
// one vendor of each authentication scheme from it against the vendor fakes — IT Glue (API key
// header), NinjaOne (OAuth client credentials), Autotask (fixed headers after zone discovery),
// Huntress (HTTP Basic), Syncro (bearer), Datto RMM (OAuth password grant) and ConnectWise Automate
// (token exchange); Microsoft 365 (consent) is microsoft365.spec.ts — each with a wrong credential first (its error shows, nothing is saved) and then the right one.
// axe-core on every state; screenshots in artifacts/. Own gateway and vendor fakes, serial.
import type { Page } from "@playwright/test";
import { test, expect, screenshot, waitForHydration, devSignIn, checkPage } from "./support";
import { startGateway, removeDataDir, Gateway } from "../gateway";
import { startFakes, Fakes } from "../fakes";

test.describe.configure({ mode: "serial" });

// The credentials the fakes accept (vendor-fakes/README.md).
const NINJAONE = { clientId: "fake-ninja-client-0001", clientSecret: "fake-ninja-secret-abcdef0123456789" };
const AUTOTASK = {
  username: "api-user@msp.example",
  secret: "fake-autotask-secret-0123456789",
  integrationCode: "FAKEINTEGRATIONCODE0001",
};

let gw: Gateway;
let fakes: Fakes;

test.beforeAll(async () => {
  fakes = await startFakes();
  gw = await startGateway({ env: { GATEWAY_OUTBOUND_ORIGIN_OVERRIDES: JSON.stringify(fakes.overrides) } });
});

test.afterAll(async () => {
  const code = await gw?.stop();
  if (gw) removeDataDir(gw.dataDir);
  await fakes?.stop();
  expect(code, "gateway exits cleanly on SIGTERM").toBe(0);
});

const url = (path: string) => `${gw.url}${path}`;

async function signIn(page: Page, path: string, email = "cary@example.com") {
  await page.goto(url(path));
  await expect(page).toHaveURL(/\/auth\/dev\/login/);
  await devSignIn(page, "Cary Catalog", email);
  await expect(page).toHaveURL(url(path));
}

/** From the catalog, the vendor's Connect button, to its form on the connections page. */
async function connectFromCatalog(page: Page, vendor: string) {
  await page.goto(url("/catalog"));
  await waitForHydration(page);
  const card = page.getByRole("article", { name: vendor });
  await card.getByRole("link", { name: `Connect ${vendor}` }).click();
  await expect(page).toHaveURL(/\/connections\?connect=/);
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: `Connect ${vendor}` })).toBeVisible();
  // The scope picker is there, as on the connections page.
  await expect(page.getByLabel("Who uses it", { exact: true })).toBeVisible();
}

async function submit(page: Page) {
  await page.getByRole("button", { name: "Test & connect" }).click();
}

test("the catalog lists every vendor and searches without JavaScript", async ({ browser }) => {
  test.setTimeout(60_000);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(url("/catalog"));
  await devSignIn(page, "Cary Catalog", "cary@example.com");
  await expect(page).toHaveURL(url("/catalog"));
  for (const category of ["Documentation", "PSA", "RMM"]) {
    await expect(page.getByRole("heading", { level: 2, name: category, exact: true })).toBeVisible();
  }
  const itglue = page.getByRole("article", { name: "IT Glue" });
  await expect(itglue).toContainText("An API key in the x-api-key header.");
  await expect(itglue.getByRole("link", { name: "IT Glue API documentation" })).toHaveAttribute("href", /itglue\.com/);
  await page.getByLabel("Search vendors and tools").fill("reset alert");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/\/catalog\?q=reset\+alert/);
  await expect(page.getByRole("article", { name: "NinjaOne" })).toBeVisible();
  await expect(page.getByRole("article", { name: "IT Glue" })).toHaveCount(0);
  await expect(page.locator("#catalog-summary")).toContainText("1 of");
  await screenshot(page, "catalog-01-search-without-javascript");
  await context.close();
});

test("the catalog is accessible, its details open with the keyboard, and it fits a phone", async ({ page }) => {
  test.setTimeout(60_000);
  await signIn(page, "/catalog");
  await checkPage(page, "catalog-02-all-vendors");
  const ninja = page.getByRole("article", { name: "NinjaOne" });
  const needs = ninja.locator("summary", { hasText: "What a connection needs" });
  await needs.focus();
  await page.keyboard.press("Enter");
  await expect(ninja.getByText("Allowed grant type: Client Credentials.")).toBeVisible();
  const tools = ninja.locator("summary", { hasText: /tools, \d+ of them write/ });
  await tools.focus();
  await page.keyboard.press("Enter");
  await expect(ninja.getByText("Reset an alert")).toBeVisible();
  await expect(ninja.getByText("writes").first()).toBeVisible();
  await checkPage(page, "catalog-03-details-open");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await checkPage(page, "catalog-04-phone");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "no horizontal scrolling of the page").toBeLessThanOrEqual(0);
});

test("IT Glue from the catalog: a wrong API key is refused, the right one connects", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, "/catalog");
  await connectFromCatalog(page, "IT Glue");
  await page.getByLabel("Data center").selectOption("us");
  await page.getByLabel("API key", { exact: true }).fill("ITG.wrong-key");
  await submit(page);
  await expect(page.locator("#connect-error")).toContainText(/rejected/i);
  await expect(page.locator("section[aria-labelledby=effective-title]")).not.toContainText("itglue__");
  await checkPage(page, "catalog-05-itglue-rejected");
  await page.getByLabel("API key", { exact: true }).fill(fakes.itglueKey);
  await submit(page);
  await expect(page.locator("#effective")).toContainText("itglue__…");
  await checkPage(page, "catalog-06-itglue-connected");
});

test("NinjaOne from the catalog: a wrong client secret is refused, the right one connects", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, "/catalog");
  await connectFromCatalog(page, "NinjaOne");
  await page.getByLabel("Instance", { exact: true }).selectOption("app");
  await page.getByLabel("Client ID", { exact: true }).fill(NINJAONE.clientId);
  await page.getByLabel("Client secret", { exact: true }).fill("wrong-secret-0000000000");
  await submit(page);
  await expect(page.locator("#connect-error")).toContainText(/rejected/i);
  await expect(page.getByLabel("Client ID", { exact: true })).toHaveValue(NINJAONE.clientId);
  await checkPage(page, "catalog-07-ninjaone-rejected");
  await page.getByLabel("Client secret", { exact: true }).fill(NINJAONE.clientSecret);
  await submit(page);
  await expect(page.locator("#effective")).toContainText("ninjaone__…");
  await checkPage(page, "catalog-08-ninjaone-connected");
});

test("Autotask from the catalog: an unknown API user is refused beside its field, the right headers connect", async ({
  page,
}) => {
  test.setTimeout(90_000);
  await signIn(page, "/catalog");
  await connectFromCatalog(page, "Autotask PSA");
  const user = page.getByLabel("API user name", { exact: true });
  await user.fill("nobody@msp.example");
  await page.getByLabel("API secret", { exact: true }).fill(AUTOTASK.secret);
  await page.getByLabel("API tracking identifier (integration code)", { exact: true }).fill(AUTOTASK.integrationCode);
  await submit(page);
  // Autotask's zone lookup does not know the user: the problem is shown beside that field.
  await expect(page.locator("#field-username-error")).not.toBeEmpty();
  await expect(user).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("section[aria-labelledby=effective-title]")).not.toContainText("autotask__");
  await checkPage(page, "catalog-09-autotask-unknown-user");
  await user.fill(AUTOTASK.username);
  // Secrets are kept in this browser after a refusal; type them again anyway, as a person would.
  await page.getByLabel("API secret", { exact: true }).fill(AUTOTASK.secret);
  await submit(page);
  await expect(page.locator("#effective")).toContainText("autotask__…");
  await checkPage(page, "catalog-10-autotask-connected");
});

/** One vendor per remaining authentication scheme: its form filled with a wrong secret first
 * (refused, nothing connected), then the right one (its tools appear). Values: vendor-fakes/README.md. */
const MORE_SCHEMES: {
  vendor: string;
  scheme: string;
  prefix: string;
  fields: [label: string, value: string][];
  secret: [label: string, wrong: string, right: string];
  select?: [label: string, value: string];
}[] = [
  {
    vendor: "Huntress",
    scheme: "HTTP Basic key:secret",
    prefix: "huntress__",
    fields: [["API key", "hk_fake0123456789abcdef"]],
    secret: ["API secret key", "hs_wrong_secret_000000000000", "hs_fake_secret_0123456789abcdef"],
  },
  {
    vendor: "Syncro",
    scheme: "bearer token",
    prefix: "syncro__",
    fields: [["Subdomain", "msp"]],
    secret: ["API token", "T0wrong-0000000000000000000000000000", "T0fakesyncro-0123456789abcdef0123456789"],
  },
  {
    vendor: "Datto RMM",
    scheme: "OAuth 2.0 password grant",
    prefix: "datto-rmm__",
    select: ["Platform", "pinotage"],
    fields: [["API key", "FAKEDATTOAPIKEY0123456789"]],
    secret: ["API secret key", "wrong-datto-secret-000000000000", "fake-datto-secret-0123456789abcdef"],
  },
  {
    vendor: "ConnectWise Automate",
    scheme: "token exchange",
    prefix: "connectwise-automate__",
    fields: [
      ["Automate server", "https://automate.msp.example"],
      ["Client ID", "0d3c1a2b-4e5f-4a6b-8c7d-9e0f1a2b3c4d"],
      ["User name", "gateway-api"],
    ],
    secret: ["Password", "wrong-password-000000000000", "fake-automate-password-0123456789"],
  },
];

for (const [i, v] of MORE_SCHEMES.entries()) {
  test(`${v.vendor} (${v.scheme}) from the catalog: a wrong secret is refused, the right one connects`, async ({ page }) => {
    test.setTimeout(90_000);
    // A technician of their own: the Free plan allows three personal connections.
    await signIn(page, "/catalog", `${v.prefix.slice(0, -2)}@example.com`);
    await connectFromCatalog(page, v.vendor);
    if (v.select) await page.getByLabel(v.select[0], { exact: true }).selectOption(v.select[1]);
    for (const [label, value] of v.fields) await page.getByLabel(label, { exact: true }).fill(value);
    const [secretLabel, wrong, right] = v.secret;
    await page.getByLabel(secretLabel, { exact: true }).fill(wrong);
    await submit(page);
    await expect(page.locator("#connect-error")).toContainText(/rejected/i);
    await expect(page.locator("section[aria-labelledby=effective-title]")).not.toContainText(v.prefix);
    await checkPage(page, `catalog-${11 + 2 * i}-${v.prefix.slice(0, -2)}-rejected`);
    await page.getByLabel(secretLabel, { exact: true }).fill(right);
    await submit(page);
    await expect(page.locator("#effective")).toContainText(`${v.prefix}…`);
    await checkPage(page, `catalog-${12 + 2 * i}-${v.prefix.slice(0, -2)}-connected`);
  });
}
