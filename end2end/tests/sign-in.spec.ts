// Sign-in with Microsoft Entra ID and Auth0, tenant onboarding by admin consent, and the
// operators' /admin page, against the identity-provider stand-in (end2end/idp).
//
// This file has its own gateway (development sign-in off, Microsoft and Auth0 on, Adele of
// Contoso configured as the operator) and its own stand-in. The tests build on each other (test 1
// onboards Contoso, which later tests rely on), so they run serially in file order. Every test
// still gets a fresh browser context: nobody is signed in at the start of a test.
import type { Browser, Page } from "@playwright/test";
import { test, expect, expectAccessible, screenshot, waitForHydration, watchForProblems, checkPage } from "./support";
import { startGateway, startIdp, removeDataDir, Gateway, Idp } from "../gateway";

const CONTOSO_TID = "c0a7d3e1-5b2f-4c8a-9e61-0d4f7b2a9c31";
const FABRIKAM_TID = "f4b1e8c2-7d3a-4e9b-8c05-6a2d1f3e7b48";
const NORTHWIND_TID = "9e2d6c4a-1f8b-4a7e-b3d9-5c0e8a6f2d17";
const ADELE_OID = "3f6b1c2d-8e4a-4b7c-9d1e-2a5f6c7b8d90";

test.describe.configure({ mode: "serial" });

let idp: Idp;
let gw: Gateway;

test.beforeAll(async () => {
  idp = await startIdp();
  gw = await startGateway({
    devLogin: false,
    env: { ...idp.gatewayEnv(), GATEWAY_OPERATORS: `entra:${CONTOSO_TID}:${ADELE_OID}` },
  });
});

test.afterAll(async () => {
  const code = await gw?.stop();
  if (gw) removeDataDir(gw.dataDir);
  await idp?.stop();
  expect(code, "gateway exits cleanly on SIGTERM").toBe(0);
});

const url = (path: string) => `${gw.url}${path}`;
/** A path of this gateway, as a regular expression matching the whole URL. */
const at = (path: string) => new RegExp(`^${escapeRegExp(gw.url + path)}$`);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** The sign-in chooser of this gateway with `next` (its slashes percent-encoded or not). */
const atLogin = (next: string) =>
  new RegExp(`^${escapeRegExp(`${gw.url}/auth/login?next=`)}${next.split("/").map(escapeRegExp).join("(%2F|/)")}$`);

/** The HTTP status of the document the page shows (after the redirects that led to it). */
async function documentStatus(page: Page): Promise<number> {
  return page.evaluate(
    () => (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming & { responseStatus: number }).responseStatus,
  );
}

/** A gateway page once it has settled: hydrated, no serious axe violations, and a screenshot. */
/** On the stand-in's Entra "Pick an account" page, chooses the account named by its UPN. */
async function pickEntraAccount(page: Page, upn: string) {
  await expect(page).toHaveURL(new RegExp(`^${escapeRegExp(idp.entra)}/`));
  await expect(page.getByRole("heading", { name: "Pick an account" })).toBeVisible();
  await page.getByRole("button", { name: upn, exact: true }).click();
}

/** Signs in with Microsoft from the chooser the page is on. */
async function chooseMicrosoft(page: Page, upn: string) {
  await page.getByRole("link", { name: "Sign in with Microsoft" }).click();
  await pickEntraAccount(page, upn);
}

/** A second browser (another person), watched for the same problems as the test's own page. */
async function otherBrowser(browser: Browser, problems: string[]) {
  const context = await browser.newContext();
  const page = await context.newPage();
  watchForProblems(page, problems);
  return { context, page };
}

const mainNav = (page: Page) => page.getByRole("navigation", { name: "Main" });

/** The row of the "Tenants" table on /admin whose row header is the customer's name. */
const tenantRow = (page: Page, customer: string) =>
  page
    .getByRole("table", { name: "Tenants" })
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader", { name: customer, exact: true }) });

test("1. a Microsoft 365 administrator onboards their organisation by admin consent", async ({ page }) => {
  // A consent link without a usable name asks for one first.
  await page.goto(url("/auth/admin-consent?customer_name=%20"));
  await expect(page).toHaveURL(at("/auth/onboard?error=missing"));
  expect(await documentStatus(page)).toBe(200);
  await expect(page.getByRole("heading", { name: "Connect your Microsoft 365 organisation", level: 1 })).toBeVisible();
  const name = page.getByRole("textbox", { name: "Organisation name" });
  await expect(name).toHaveAttribute("aria-invalid", "true");
  await expect(name).toHaveAccessibleDescription("Enter the name of your organisation.");
  await checkPage(page, "sign-in-01-onboard");

  await name.fill("Contoso Ltd");
  await page.getByRole("button", { name: "Continue to Microsoft" }).click();

  // Microsoft's admin consent: pick the administrator, accept.
  await pickEntraAccount(page, "adele@contoso.example");
  await expect(page.getByRole("heading", { name: "Permissions requested" })).toBeVisible();
  await page.getByRole("button", { name: "Accept" }).click();

  // Back at the gateway, which asks the administrator to sign in to prove the tenant.
  await pickEntraAccount(page, "adele@contoso.example");

  await expect(page).toHaveURL(at("/auth/admin-consent/result"));
  expect(await documentStatus(page)).toBe(200);
  await expect(page.getByRole("heading", { name: "Contoso Ltd is connected", level: 1 })).toBeVisible();
  await expect(page.getByText(CONTOSO_TID, { exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "How to revoke", level: 2 })).toBeVisible();
  await checkPage(page, "sign-in-02-onboarding-connected");

  await page.getByRole("link", { name: "Continue to settings" }).click();
  await expect(page).toHaveURL(at("/settings"));
  await expect(page.getByRole("heading", { name: "Welcome, Adele Vance" })).toBeVisible();
  // Adele is the configured operator.
  await expect(mainNav(page).getByRole("link", { name: "Admin" })).toBeVisible();
  await checkPage(page, "sign-in-03-settings-operator");
  await mainNav(page).getByRole("link", { name: "Admin" }).click();
  await expect(page).toHaveURL(at("/admin"));
  await expect(page.getByRole("heading", { name: "Administration", level: 1 })).toBeVisible();
  await expect(page.getByRole("table", { name: "Tenants" }).getByRole("rowheader", { name: "Contoso Ltd" })).toBeVisible();
});

test("2. a user of the onboarded tenant signs in through the chooser; not an operator", async ({ page }) => {
  await page.goto(url("/settings"));
  await expect(page).toHaveURL(atLogin("/settings"));
  await expect(page.getByRole("heading", { name: "Sign in", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign in with Microsoft" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign in with Auth0" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Create an account" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Development sign-in" })).toHaveCount(0);
  await checkPage(page, "sign-in-04-chooser");

  await chooseMicrosoft(page, "megan@contoso.example");
  await expect(page).toHaveURL(at("/settings"));
  await expect(page.getByRole("heading", { name: "Welcome, Megan Bowen" })).toBeVisible();
  await waitForHydration(page);
  await expect(mainNav(page).getByRole("link", { name: "Settings" })).toBeVisible();
  await expect(mainNav(page).getByRole("link", { name: "Admin" })).toHaveCount(0);

  const admin = await page.goto(url("/admin"));
  expect(admin?.status()).toBe(403);
  await expect(page.getByRole("alert").getByRole("heading", { name: "Operators only" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Tenants" })).toHaveCount(0);
  await checkPage(page, "sign-in-05-admin-operators-only");
});

test("3. a user of a tenant that is not onboarded is refused, with a consent link to forward", async ({
  page,
  context,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gw.url });
  await page.goto(url("/auth/login"));
  await chooseMicrosoft(page, "nancy@northwind.example");

  await expect(page).toHaveURL(at("/auth/not-onboarded"));
  expect(await documentStatus(page)).toBe(403);
  await expect(page.getByRole("heading", { name: "Your organisation is not set up yet", level: 1 })).toBeVisible();
  await expect(page.getByText(NORTHWIND_TID, { exact: true })).toBeVisible();
  await expect(page.getByText("nancy@northwind.example", { exact: true })).toBeVisible();
  const link = page.getByRole("textbox", { name: "Consent link" });
  await expect(link).toHaveValue(url(`/auth/onboard?tenant=${NORTHWIND_TID}`));
  await expect(page.getByRole("link", { name: "Sign in with another account" })).toBeVisible();
  await checkPage(page, "sign-in-06-not-onboarded");

  await page.getByRole("button", { name: "Copy consent link" }).click();
  await expect(page.getByRole("status").getByText("Consent link copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url(`/auth/onboard?tenant=${NORTHWIND_TID}`));

  // Refused means not signed in.
  await page.goto(url("/settings"));
  await expect(page).toHaveURL(atLogin("/settings"));
});

test("3b. the forwarded consent link onboards that organisation; then its users can sign in", async ({ page }) => {
  await page.goto(url(`/auth/onboard?tenant=${NORTHWIND_TID}`));
  await expect(page.getByRole("heading", { name: "Connect your Microsoft 365 organisation", level: 1 })).toBeVisible();
  await page.getByRole("textbox", { name: "Organisation name" }).fill("Northwind Traders");
  await page.getByRole("button", { name: "Continue to Microsoft" }).click();
  // The link names the tenant: Microsoft offers only that tenant's accounts.
  await expect(page.getByRole("heading", { name: "Pick an account" })).toBeVisible();
  await expect(page.getByRole("button", { name: "adele@contoso.example", exact: true })).toHaveCount(0);
  await pickEntraAccount(page, "andrew@northwind.example");
  await page.getByRole("button", { name: "Accept" }).click();
  await pickEntraAccount(page, "andrew@northwind.example");
  await expect(page.getByRole("heading", { name: "Northwind Traders is connected", level: 1 })).toBeVisible();
  await expect(page.getByText(NORTHWIND_TID, { exact: true })).toBeVisible();

  // Nancy, refused in test 3, now gets in.
  await page.goto(url("/auth/login?next=%2Forganisation"));
  await chooseMicrosoft(page, "nancy@northwind.example");
  await expect(page).toHaveURL(at("/organisation"));
  await expect(page.getByRole("heading", { name: "Organisation", level: 1 })).toBeVisible();
});

test("4a. an Auth0 user signs in", async ({ page }) => {
  await page.goto(url("/settings"));
  await page.getByRole("link", { name: "Sign in with Auth0" }).click();
  await expect(page).toHaveURL(new RegExp(`^${escapeRegExp(idp.auth0)}`));
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await page.getByRole("button", { name: "ada@example.com", exact: true }).click();

  await expect(page).toHaveURL(at("/settings"));
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await expect(mainNav(page).getByRole("link", { name: "Admin" })).toHaveCount(0);
  await checkPage(page, "sign-in-07-settings-auth0");
});

test("4b. 'Create an account' signs a new user up with Auth0", async ({ page }) => {
  await page.goto(url("/auth/login?next=%2Fsettings"));
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(new RegExp(`^${escapeRegExp(idp.auth0)}`));
  await expect(page.getByRole("heading", { name: "Sign up" })).toBeVisible();
  await expect(page.locator('[data-param="screen_hint"]')).toHaveText("signup");
  await page.getByLabel("Name").fill("Lin Chen");
  await page.getByLabel("Email").fill("lin.chen@example.com");
  await page.getByRole("button", { name: "Sign up" }).click();

  await expect(page).toHaveURL(at("/settings"));
  await expect(page.getByRole("heading", { name: "Welcome, Lin Chen" })).toBeVisible();
  await checkPage(page, "sign-in-08-settings-signed-up");
});

test("5. signing out ends the session", async ({ page }) => {
  await page.goto(url("/auth/login"));
  await chooseMicrosoft(page, "megan@contoso.example");
  await expect(page.getByRole("heading", { name: "Welcome, Megan Bowen" })).toBeVisible();
  await waitForHydration(page);

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(at("/signed-out"));
  await expect(page.getByRole("heading", { name: "You have signed out", level: 1 })).toBeVisible();
  await checkPage(page, "sign-in-09-signed-out");

  await page.goto(url("/settings"));
  await expect(page).toHaveURL(atLogin("/settings"));
  await expect(page.getByRole("heading", { name: "Sign in", level: 1 })).toBeVisible();
});

test("6. a declined admin consent connects nothing and says why", async ({ page }) => {
  await page.goto(url("/auth/admin-consent?customer_name=Tailspin%20Toys"));
  await pickEntraAccount(page, "adele@contoso.example");
  await expect(page.getByRole("heading", { name: "Permissions requested" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();

  await expect(page).toHaveURL(at("/auth/admin-consent/result"));
  expect(await documentStatus(page)).toBe(400);
  await expect(page.getByRole("heading", { name: "The organisation was not connected", level: 1 })).toBeVisible();
  await expect(page.getByText("Consent was not granted for Tailspin Toys. Nothing was changed.")).toBeVisible();
  const details = page.getByRole("group").filter({ hasText: "Technical details" });
  await page.getByText("Technical details", { exact: true }).click();
  await expect(details).toContainText("AADSTS65004");
  await expect(page.getByRole("link", { name: "Try again" })).toHaveAttribute(
    "href",
    /^\/auth\/admin-consent\?customer_name=Tailspin(%20|\+)Toys$/,
  );
  await checkPage(page, "sign-in-10-onboarding-declined");

  // Trying again starts the consent afresh at Microsoft.
  await page.getByRole("link", { name: "Try again" }).click();
  await expect(page.getByRole("heading", { name: "Pick an account" })).toBeVisible();

  // Nothing was changed: nobody is signed in.
  await page.goto(url("/settings"));
  await expect(page).toHaveURL(atLogin("/settings"));
});

test("6b. a user who is not an administrator cannot grant consent", async ({ page }) => {
  await page.goto(url("/auth/admin-consent?customer_name=Contoso%20Again"));
  await pickEntraAccount(page, "megan@contoso.example");
  await expect(page.getByRole("heading", { name: "Need admin approval" })).toBeVisible();
  await page.getByRole("button", { name: "Return to the application" }).click();
  await expect(page).toHaveURL(at("/auth/admin-consent/result"));
  expect(await documentStatus(page)).toBe(400);
  await expect(page.getByRole("heading", { name: "The organisation was not connected", level: 1 })).toBeVisible();
  await page.getByText("Technical details", { exact: true }).click();
  await expect(page.getByRole("group").filter({ hasText: "Technical details" })).toContainText("AADSTS90094");
});

test("7. cancelling at Microsoft's sign-in page explains it and offers to try again", async ({ page }) => {
  await page.goto(url("/connections"));
  await expect(page).toHaveURL(atLogin("/connections"));
  await page.getByRole("link", { name: "Sign in with Microsoft" }).click();
  await expect(page.getByRole("heading", { name: "Pick an account" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();

  await expect(page).toHaveURL(at("/auth/error"));
  expect(await documentStatus(page)).toBe(400);
  await expect(page.getByRole("heading", { name: "Sign-in did not complete", level: 1 })).toBeVisible();
  await expect(page.getByText("You cancelled the sign-in at Microsoft.")).toBeVisible();
  await expect(page.getByText("Technical details", { exact: true })).toBeVisible();
  await checkPage(page, "sign-in-11-sign-in-cancelled");

  await page.getByRole("link", { name: "Try again" }).click();
  await expect(page).toHaveURL(atLogin("/connections"));
  await expect(page.getByRole("heading", { name: "Sign in", level: 1 })).toBeVisible();
});

test("7b. cancelling at Auth0 names Auth0", async ({ page }) => {
  await page.goto(url("/auth/login"));
  await page.getByRole("link", { name: "Sign in with Auth0" }).click();
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page).toHaveURL(at("/auth/error"));
  expect(await documentStatus(page)).toBe(400);
  await expect(page.getByText("You cancelled the sign-in at Auth0.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Try again" })).toBeVisible();
});

test("8. an operator onboards a customer with a consent link and offboards it", async ({
  page,
  context,
  browser,
  problems,
}) => {
  test.slow();
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gw.url });
  // The operator signs in on the way to /admin.
  await page.goto(url("/admin"));
  await expect(page).toHaveURL(atLogin("/admin"));
  await chooseMicrosoft(page, "adele@contoso.example");
  await expect(page).toHaveURL(at("/admin"));
  await expect(page.getByRole("heading", { name: "Administration", level: 1 })).toBeVisible();
  const row = (customer: string) => tenantRow(page, customer);
  await expect(row("Contoso Ltd")).toContainText("Onboarded");
  await expect(row("Contoso Ltd")).toContainText(CONTOSO_TID);
  await expect(page.getByRole("heading", { name: "Pending onboardings", level: 2 })).toBeVisible();
  // Test 6's declined consent is listed as pending, with Microsoft's reason; so is its second
  // attempt ("Try again"), which stopped at Microsoft's page.
  const pending = page.getByRole("table", { name: "Pending onboardings" });
  const tailspin = pending.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "Tailspin Toys", exact: true }) });
  await expect(tailspin).toHaveCount(2);
  await expect(tailspin.filter({ hasText: "Failed" })).toContainText("AADSTS65004");
  await expect(tailspin.filter({ hasText: "Waiting for consent" })).toHaveCount(1);
  await checkPage(page, "sign-in-12-admin");

  // A name is required (the server says so).
  await page.getByRole("button", { name: "Create consent link" }).click();
  await expect(page.getByRole("textbox", { name: "Customer name" })).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#customer-name-error")).toBeVisible();

  // A consent link for Fabrikam.
  await page.getByRole("textbox", { name: "Customer name" }).fill("Fabrikam");
  await page.getByRole("button", { name: "Create consent link" }).click();
  const linkField = page.locator("#new-consent-link");
  await expect(linkField).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Consent link" })).toHaveValue(
    url("/auth/admin-consent?customer_name=Fabrikam"),
  );
  await expect(page.getByRole("button", { name: "Copy new consent link" })).toBeVisible();
  await screenshot(page, "sign-in-13-admin-consent-link");
  await expectAccessible(page, "admin with a new consent link");
  const consentLink = await linkField.inputValue();
  expect(consentLink.endsWith("/auth/admin-consent?customer_name=Fabrikam")).toBe(true);
  await expect(page.getByRole("textbox", { name: "Customer name" })).toHaveAttribute("aria-invalid", "false");
  await page.getByRole("button", { name: "Copy new consent link" }).click();
  await expect(page.getByRole("status").getByText("Consent link copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(consentLink);

  // Fabrikam's administrator, in their own browser, opens the link.
  const alex = await otherBrowser(browser, problems);
  try {
    await alex.page.goto(consentLink);
    await pickEntraAccount(alex.page, "alex@fabrikam.example");
    await expect(alex.page.getByRole("heading", { name: "Permissions requested" })).toBeVisible();
    await alex.page.getByRole("button", { name: "Accept" }).click();
    await pickEntraAccount(alex.page, "alex@fabrikam.example");
    await expect(alex.page).toHaveURL(at("/auth/admin-consent/result"));
    await expect(alex.page.getByRole("heading", { name: "Fabrikam is connected", level: 1 })).toBeVisible();
    await expect(alex.page.getByText(FABRIKAM_TID, { exact: true })).toBeVisible();
    await alex.page.getByRole("link", { name: "Continue to settings" }).click();
    await expect(alex.page.getByRole("heading", { name: "Welcome, Alex Wilber" })).toBeVisible();

    // The operator sees Fabrikam onboarded.
    await page.reload();
    await expect(row("Fabrikam")).toContainText("Onboarded");
    await expect(row("Fabrikam")).toContainText(FABRIKAM_TID);
    await waitForHydration(page);

    // Offboarding asks for confirmation first; Cancel changes nothing.
    const trigger = page.getByRole("button", { name: "Offboard Fabrikam" });
    const confirm = page.getByRole("group", { name: /^Offboard Fabrikam\?/ });
    await trigger.click();
    await expect(confirm).toBeVisible();
    await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await expect(confirm).toHaveCount(0);
    await expect(trigger).toBeFocused();
    await expect(row("Fabrikam")).toContainText("Onboarded");

    await trigger.click();
    await expect(confirm).toBeVisible();
    await expectAccessible(page, "admin offboarding confirmation");
    await screenshot(page, "sign-in-14-admin-offboard-confirm");
    await confirm.getByRole("button", { name: "Offboard", exact: true }).click();

    await expect(page.getByRole("status").getByText("Fabrikam offboarded")).toBeVisible();
    // The button that had focus is gone: focus is on the tenants table instead of lost.
    await expect(page.getByRole("region", { name: "Tenants" })).toBeFocused();
    await expect(row("Fabrikam")).toContainText("Offboarded");
    await expect(page.getByRole("button", { name: "Offboard Fabrikam" })).toHaveCount(0);
    await expect(row("Contoso Ltd")).toContainText("Onboarded");
    await expectAccessible(page, "admin after offboarding");
    await screenshot(page, "sign-in-15-admin-offboarded");

    // Alex's session ended with the offboarding, and signing in again is refused.
    await alex.page.goto(url("/settings"));
    await expect(alex.page).toHaveURL(atLogin("/settings"));
    await chooseMicrosoft(alex.page, "alex@fabrikam.example");
    await expect(alex.page).toHaveURL(at("/auth/not-onboarded"));
    expect(await documentStatus(alex.page)).toBe(403);
    await expect(alex.page.getByText(FABRIKAM_TID, { exact: true })).toBeVisible();

    // The administration page on a phone: the tables scroll, the page does not.
    await page.setViewportSize({ width: 360, height: 740 });
    await page.reload();
    await expect(page.getByRole("heading", { name: "Administration", level: 1 })).toBeVisible();
    await waitForHydration(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, "no horizontal scrolling of the page").toBeLessThanOrEqual(0);
    await expectAccessible(page, "admin (mobile)");
    await screenshot(page, "sign-in-16-admin-mobile");
  } finally {
    await alex.context.close();
  }
});

test("9. a confirmation sign-in from another tenant onboards nothing", async ({ page }) => {
  // Fabrikam's administrator grants consent, but then a Contoso user signs in.
  await page.goto(url("/auth/admin-consent?customer_name=Fabrikam%20again"));
  await pickEntraAccount(page, "alex@fabrikam.example");
  await page.getByRole("button", { name: "Accept" }).click();
  await pickEntraAccount(page, "megan@contoso.example");

  await expect(page).toHaveURL(at("/auth/admin-consent/result"));
  expect(await documentStatus(page)).toBe(400);
  await expect(page.getByRole("heading", { name: "The organisation was not connected", level: 1 })).toBeVisible();
  await expect(page.getByText(/different Microsoft tenant than the one that granted consent/)).toBeVisible();
  await page.getByText("Technical details", { exact: true }).click();
  await expect(page.getByRole("group").filter({ hasText: "Technical details" })).toContainText(
    `Signed in from tenant ${CONTOSO_TID}; consent was granted by tenant ${FABRIKAM_TID}.`,
  );
  await checkPage(page, "sign-in-17-onboarding-wrong-tenant");

  // Fabrikam stays offboarded.
  await page.goto(url("/auth/login"));
  await chooseMicrosoft(page, "alex@fabrikam.example");
  await expect(page).toHaveURL(at("/auth/not-onboarded"));
});

test("10. an offboarded tenant can be onboarded again with a new consent link", async ({ page }) => {
  await page.goto(url("/auth/admin-consent?customer_name=Fabrikam"));
  await pickEntraAccount(page, "alex@fabrikam.example");
  await page.getByRole("button", { name: "Accept" }).click();
  await pickEntraAccount(page, "alex@fabrikam.example");
  await expect(page).toHaveURL(at("/auth/admin-consent/result"));
  await expect(page.getByRole("heading", { name: "Fabrikam is connected", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "Continue to settings" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Alex Wilber" })).toBeVisible();
});

test("11. a non-operator cannot call the admin functions; forged answers and foreign next= go nowhere", async ({
  page,
}) => {
  // `next` must be a same-origin path.
  await page.goto(url("/auth/microsoft/login?next=%2F%2Fevil.example%2Fsteal"));
  await pickEntraAccount(page, "megan@contoso.example");
  await expect(page).toHaveURL(at("/settings"));
  await expect(page.getByRole("heading", { name: "Welcome, Megan Bowen" })).toBeVisible();

  // Megan (not an operator) calls the server functions behind /admin from the portal's own page.
  const call = (path: string, body: string) =>
    page.evaluate(
      async ([path, body]) =>
        (await fetch(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body })).status,
      [path, body],
    );
  expect(await call("/api/admin/overview", "")).toBe(403);
  expect(await call("/api/admin/consent_link", "customer_name=Evil")).toBe(403);
  expect(await call("/api/admin/offboard", `tenant_id=${CONTOSO_TID}`)).toBe(403);
  // Contoso is still onboarded: Megan's session is still alive.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Welcome, Megan Bowen" })).toBeVisible();

  // A forged consent answer (a state this browser never started) changes nothing.
  await page.goto(url(`/auth/admin-consent/callback?admin_consent=True&tenant=${FABRIKAM_TID}&state=forged`));
  await expect(page).toHaveURL(at("/auth/admin-consent/result"));
  expect(await documentStatus(page)).toBe(400);
  await expect(page.getByRole("heading", { name: "The organisation was not connected", level: 1 })).toBeVisible();
  await expect(page.getByText(/does not belong to a request started in this browser/)).toBeVisible();
});

test("12. without JavaScript sign-in still works, and the admin buttons stay disabled (never a lost click)", async ({
  browser,
  problems,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  watchForProblems(page, problems);
  try {
    await page.goto(url("/admin"));
    await expect(page).toHaveURL(atLogin("/admin"));
    await chooseMicrosoft(page, "adele@contoso.example");
    await expect(page).toHaveURL(at("/admin"));
    await expect(tenantRow(page, "Contoso Ltd")).toContainText("Onboarded");
    // Test 10 onboarded Fabrikam again: still one row, onboarded.
    await expect(tenantRow(page, "Fabrikam")).toHaveCount(1);
    await expect(tenantRow(page, "Fabrikam")).toContainText("Onboarded");
    await expect(page.getByRole("button", { name: "Create consent link" })).toBeDisabled();
    await expect(page.getByRole("button", { name: "Offboard Contoso Ltd" })).toBeDisabled();
    await expect(page.getByRole("button", { name: "Offboard Fabrikam" })).toBeDisabled();
  } finally {
    await context.close();
  }
});
