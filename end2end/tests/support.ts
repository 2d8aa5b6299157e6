import { expect, Page, test as base } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import path from "node:path";

export const ARTIFACTS = path.resolve(__dirname, "../artifacts");

/** Records every console error, page error (CSP violations included) and HTTP error >= 500 of
 * `page` into `problems`. The fixture below does this for the test's own page; call it for any
 * other page a test opens (a second browser context). */
export function watchForProblems(page: Page, problems: string[]) {
  page.on("console", (m) => {
    // The browser reports a 4xx *document* as a console error ("Failed to load resource: the
    // server responded with a status of N"). Some pages answer 400, 401, 403 or 404 on purpose
    // (sign-in errors, not onboarded, operators only, the 404 page); a 5xx is never expected.
    if (m.type() === "error" && !/status of (400|401|403|404)\b/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e}`));
  page.on("response", (r) => r.status() >= 500 && problems.push(`${r.status()} ${r.url()}`));
}

/** Fails the test on any console error, page error (CSP violations included) or HTTP error >= 500. */
export const test = base.extend<{ problems: string[] }>({
  baseURL: async ({}, use) => use(process.env.BASE_URL),
  problems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      watchForProblems(page, problems);
      await use(problems);
      expect(problems, "no console errors, page errors or 5xx").toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

/** axe-core: no serious or critical violations. */
export async function expectAccessible(page: Page, name: string) {
  // Colours are judged once transitions have settled (a button turning primary fades in).
  // (Endless ones, such as a spinner, are not waited for.)
  await page.waitForFunction(() =>
    document
      .getAnimations()
      .every((a) => a.playState !== "running" || a.effect?.getTiming().iterations === Infinity),
  );
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    `axe violations on ${name}`,
  ).toEqual([]);
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Waits until the wasm bundle has hydrated the page (the app marks <body data-hydrated>). */
export async function waitForHydration(page: Page) {
  await page.locator("body[data-hydrated=true]").waitFor({ state: "attached" });
}

export async function devSignIn(page: Page, name: string, email: string) {
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A page's common checks once it has settled: hydrated, axe-core clean, screenshot kept. */
export async function checkPage(page: Page, name: string) {
  await waitForHydration(page);
  await expectAccessible(page, name);
  await screenshot(page, name);
}
